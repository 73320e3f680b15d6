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

/// The demo PKI and FIEL (files only): before the server loads its trust anchors.
pub async fn sembrar_efirma(datos: &Path) -> anyhow::Result<()> {
    let efirma = carpeta_efirma(datos);
    if !efirma.join("fiel.cer").exists() {
        std::fs::create_dir_all(&efirma)?;
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
    Ok(())
}

/// The demo employer account, then the demo's instructions on the console.
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

pub async fn sembrar_cuenta(estado: &Estado) -> anyhow::Result<()> {
    let leeme = leeme(&estado.config.datos);
    if !cuentas::hay_cuentas(&estado.bd).await? {
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
        agregar_privado(&leeme, &texto)?;
    }

    if let Ok(texto) = std::fs::read_to_string(&leeme) {
        // Shown on the operator's console on purpose: this is how the demo is used.
        eprintln!("\n{texto}  (guardado en {})\n", leeme.display());
    }
    Ok(())
}
