//! The out-of-the-box demo: on first start with an empty database, a demo employer account, so a
//! newcomer can sign in at once. Its password is generated per installation and kept in
//! `<datos>/demo/LEEME.txt` (a demo convenience; production mode never seeds).

use crate::{cuentas, estado::Estado, secretos};
use std::fmt::Write;
use zeroize::Zeroizing;

pub const NRP: &str = "Y5412345108";
pub const RFC: &str = "EKU9003173C9";
pub const RAZON_SOCIAL: &str = "ESCUELA KEMPER URGATE SA DE CV";
pub const CORREO: &str = "nomina@kemper.example";

pub async fn sembrar(estado: &Estado) -> anyhow::Result<()> {
    let carpeta = estado.config.datos.join("demo");
    let leeme = carpeta.join("LEEME.txt");
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
        std::fs::create_dir_all(&carpeta)?;
        let mut texto = String::new();
        let _ = writeln!(texto, "Cuenta de demostración del Portal Empresarial");
        let _ = writeln!(texto, "  Número de Registro Patronal (NRP): {NRP}");
        let _ = writeln!(texto, "  Correo electrónico: {CORREO}");
        let _ = writeln!(texto, "  Contraseña: {}", contrasena.as_str());
        secretos::escribir_privado(&leeme, texto.as_bytes())?;
    }
    if let Ok(texto) = std::fs::read_to_string(&leeme) {
        // Shown on the operator's console on purpose: this is the demo's sign-in.
        eprintln!("\n{texto}  (guardado en {})\n", leeme.display());
    }
    Ok(())
}
