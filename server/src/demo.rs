//! The out-of-the-box demo: on first start, a demo employer account (so a newcomer can sign in at
//! once) and a demo PKI (root, issuing CA, OCSP responder) with a demo FIEL for that employer
//! under `<datos>/demo/efirma/`, whose `ca/` directory is the demo's trust anchors. Passwords are
//! generated per installation and kept in `<datos>/demo/LEEME.txt` (a demo convenience;
//! production mode never seeds).

use crate::{cuentas, estado::Estado, secretos};
use std::{fmt::Write, path::Path};
use zeroize::Zeroizing;

pub const NRP: &str = "Y5412345108";
pub const RFC: &str = "EKU9003173C9";
pub const RAZON_SOCIAL: &str = "ESCUELA KEMPER URGATE SA DE CV";
pub const CORREO: &str = "nomina@kemper.example";

/// Where the demo PKI lives; its `ca/` is the demo's trust-anchor directory.
pub fn carpeta_efirma(datos: &Path) -> std::path::PathBuf {
    datos.join("demo").join("efirma")
}

fn agregar_privado(ruta: &Path, texto: &str) -> anyhow::Result<()> {
    let mut contenido = std::fs::read_to_string(ruta).unwrap_or_default();
    contenido.push_str(texto);
    secretos::escribir_privado(ruta, contenido.as_bytes())
}

fn leeme(datos: &Path) -> std::path::PathBuf {
    datos.join("demo").join("LEEME.txt")
}

/// The demo PKI and FIEL (files only): before the server loads its trust anchors. Answers
/// whether they were generated now.
pub async fn sembrar_efirma(datos: &Path) -> anyhow::Result<bool> {
    let efirma = carpeta_efirma(datos);
    let nueva = !efirma.join("fiel.cer").exists();
    if nueva {
        // The folder is its owner's alone: it holds the demo's keys, the OCSP responder's
        // unencrypted one among them.
        secretos::crear_directorio_privado(&efirma)?;
        let contrasena = Zeroizing::new(secretos::token_aleatorio()[..10].to_owned());
        let ahora = crate::ahora();
        let jerarquia = tokio::task::spawn_blocking({
            let contrasena = contrasena.clone();
            move || {
                efirma::generador::Jerarquia::generar(
                    &efirma::generador::Sujeto::demo(),
                    &contrasena,
                    ahora,
                )
            }
        })
        .await?
        .map_err(|e| {
            anyhow::anyhow!(
                "no se pudo generar la e.firma de demostración: {}",
                e.mensaje()
            )
        })?;
        jerarquia.escribir(&efirma)?;
        // Absolute paths: the person reading this may be in another directory.
        let efirma = std::fs::canonicalize(&efirma).unwrap_or(efirma);
        let mut texto = String::new();
        let _ = writeln!(
            texto,
            "e.firma de demostración (de la AC de demostración, sólo para este portal)"
        );
        let _ = writeln!(
            texto,
            "  Certificado (.cer): {}",
            efirma.join("fiel.cer").display()
        );
        let _ = writeln!(
            texto,
            "  Llave privada (.key): {}",
            efirma.join("fiel.key").display()
        );
        let _ = writeln!(texto, "  Contraseña de la e.firma: {}", contrasena.as_str());
        agregar_privado(&leeme(datos), &texto)?;
    }
    Ok(nueva)
}

/// Whether the demo's account (its NRP with its example address) is in the database: its
/// password was printed and kept in `LEEME.txt`, so production refuses such a database.
pub async fn hay_cuenta(bd: &crate::bd::Bd) -> sqlx::Result<bool> {
    Ok(
        sqlx::query("SELECT id FROM cuentas WHERE nrp = $1 AND correo = $2")
            .bind(NRP)
            .bind(CORREO)
            .fetch_optional(bd)
            .await?
            .is_some(),
    )
}

/// The demo employer account, when the database has no account yet. Answers whether it was
/// created now.
pub async fn sembrar_cuenta(estado: &Estado) -> anyhow::Result<bool> {
    if cuentas::hay_cuentas(&estado.bd).await? {
        return Ok(false);
    }
    let contrasena = Zeroizing::new(format!("Demo-{}", &secretos::token_aleatorio()[..12]));
    cuentas::alta(
        &estado.bd,
        cuentas::NuevaCuenta {
            nrp: NRP.into(),
            rfc: RFC.into(),
            razon_social: RAZON_SOCIAL.into(),
            correo: CORREO.into(),
            contrasena: contrasena.clone(),
        },
    )
    .await?;
    let mut texto = String::new();
    let _ = writeln!(texto, "Cuenta de demostración del Portal Empresarial");
    let _ = writeln!(texto, "  Número de Registro Patronal (NRP): {NRP}");
    let _ = writeln!(texto, "  Correo electrónico: {CORREO}");
    let _ = writeln!(texto, "  Contraseña: {}", contrasena.as_str());
    agregar_privado(&leeme(&estado.config.datos), &texto)?;
    Ok(true)
}

/// What the console says about the demo's sign-in data. The passwords are printed only at the
/// start that generated them (a service manager keeps the console in its journal); every later
/// start says where `LEEME.txt` is.
pub fn anuncio(datos: &Path, sembrado_ahora: bool) -> Option<String> {
    let ruta = leeme(datos);
    let ruta = std::fs::canonicalize(&ruta).unwrap_or(ruta);
    if sembrado_ahora {
        let texto = std::fs::read_to_string(&ruta).ok()?;
        Some(format!(
            "\n{texto}  (guardado en {}; no se volverá a mostrar)\n",
            ruta.display()
        ))
    } else {
        ruta.exists().then(|| {
            format!(
                "\nDatos de acceso de la demostración (cuenta y e.firma): {} (legible sólo por su dueño)\n",
                ruta.display()
            )
        })
    }
}
