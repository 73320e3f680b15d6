//! "Generación de contraseña" (guide §2): the server functions of the tab, and the shape of the
//! two strings the e.firma signs. The e.firma never leaves the browser: these functions receive
//! only the public certificate and signatures.
//!
//! 1. [`solicitar_reto`]: the Terms were accepted; a single-use challenge for the announced
//!    certificate.
//! 2. [`validar_efirma`]: the challenge signed (RSASSA-PSS); answers with the requester's data and
//!    the cadena original of the trámite to sign.
//! 3. [`firmar_terminos`]: the cadena original signed (RSASSA-PKCS1-v1_5, the SAT convention for
//!    a sello); the credential is issued, the acuse sealed and the email queued, all at once.

use crate::{cliente::ClientePortal, error::ErrorApp};
use leptos::prelude::*;
pub use nucleo::generacion::*;

#[server(name = EstadoGeneracion, prefix = "/api", endpoint = "generacion/estado", client = ClientePortal)]
pub async fn estado_generacion(
    #[server(default)] rol: Rol,
) -> Result<Option<CredencialActiva>, ErrorApp> {
    use crate::servicios::{portal, sesion};
    portal()?.credencial_activa(&sesion()?, rol).await
}

/// A challenge for the e.firma whose certificate number the browser read from the `.cer`.
/// Refused unless the employer accepted the Terms.
#[server(name = SolicitarReto, prefix = "/api", endpoint = "generacion/reto", client = ClientePortal)]
pub async fn solicitar_reto(
    no_certificado: String,
    #[server(default)] acepto_terminos: bool,
) -> Result<String, ErrorApp> {
    use crate::servicios::{portal, sesion};
    if !acepto_terminos {
        return Err(terminos_no_aceptados());
    }
    let no_certificado =
        nucleo::identificadores::NoCertificado::parse(&no_certificado).map_err(|_| {
            ErrorApp::solicitud_invalida(
                "El número de certificado no es válido. Vuelve a adjuntar el archivo .CER.",
            )
        })?;
    portal()?.solicitar_reto(&sesion()?, &no_certificado).await
}

pub fn terminos_no_aceptados() -> ErrorApp {
    ErrorApp::nuevo(
        422,
        "terminos_no_aceptados",
        "Para continuar debes leer los Términos y condiciones y marcar la casilla Acepto términos y condiciones.",
    )
}

#[cfg(feature = "ssr")]
fn demasiado_grande(certificado: &str, firma: &str, cadena: &str) -> Result<(), ErrorApp> {
    if certificado.len() > CERTIFICADO_B64_MAXIMO
        || firma.len() > FIRMA_B64_MAXIMA
        || cadena.len() > CADENA_MAXIMA
    {
        return Err(ErrorApp::nuevo(
            413,
            "archivo_demasiado_grande",
            "El archivo .CER es demasiado grande: el certificado de una e.firma pesa pocos kilobytes.",
        ));
    }
    Ok(())
}

/// The challenge signed by the e.firma (RSASSA-PSS/SHA-256), with the public certificate.
/// `reemplazar` asks to replace the active credential (an explicit choice in the tab).
#[server(name = ValidarEfirma, prefix = "/api", endpoint = "generacion/validar", client = ClientePortal)]
pub async fn validar_efirma(
    certificado: String,
    cadena: String,
    firma: String,
    #[server(default)] reemplazar: bool,
    #[server(default)] rol: Rol,
) -> Result<Solicitud, ErrorApp> {
    use crate::servicios::{peticion, portal, sesion, FirmaRecibida};
    demasiado_grande(&certificado, &firma, &cadena)?;
    let sesion = sesion()?;
    portal()?
        .validar_efirma(
            &peticion()?,
            &sesion,
            FirmaRecibida {
                certificado_b64: &certificado,
                cadena: &cadena,
                firma_b64: &firma,
            },
            reemplazar,
            rol,
        )
        .await
}

/// The cadena original signed by the e.firma (RSASSA-PKCS1-v1_5/SHA-256): issues the credential.
#[server(name = FirmarTerminos, prefix = "/api", endpoint = "generacion/firmar", client = ClientePortal)]
pub async fn firmar_terminos(
    certificado: String,
    cadena: String,
    sello: String,
) -> Result<Emision, ErrorApp> {
    use crate::servicios::{peticion, portal, sesion, FirmaRecibida};
    demasiado_grande(&certificado, &sello, &cadena)?;
    let sesion = sesion()?;
    portal()?
        .firmar_terminos(
            &peticion()?,
            &sesion,
            FirmaRecibida {
                certificado_b64: &certificado,
                cadena: &cadena,
                firma_b64: &sello,
            },
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn la_cadena_original_se_lee_como_se_escribe() {
        let c = CadenaOriginal {
            tramite: TRAMITE_GENERACION,
            rol: "PATRON",
            nrp: "Y5412345108",
            rfc: "EKU9003173C9",
            razon_social: "ESCUELA KEMPER URGATE SA DE CV",
            no_certificado: "30001000000500003415",
            terminos_version: "patron-v1",
            terminos_sha256: "ab",
            fecha: "2026-11-27T11:00:00Z",
            reemplaza: "",
            nonce: "n0nce",
        };
        let s = c.escribir();
        assert!(s.starts_with("||1.0|GENERACION DE CONTRASENA|PATRON|Y5412345108|"));
        assert!(s.ends_with("|2026-11-27T11:00:00Z||n0nce||"));
        assert_eq!(CadenaOriginal::leer(&s), Some(c));
        assert_eq!(CadenaOriginal::leer("||2.0|x||"), None);
        assert_eq!(CadenaOriginal::leer(&s.replace("1.0", "2.0")), None);
        assert_eq!(CadenaOriginal::leer(&s[2..]), None);
    }
}
