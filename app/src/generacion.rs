//! "Generación de contraseña" (guide §2): the server functions of the tab. The e.firma never
//! leaves the browser: these receive only the public certificate and signatures.

use crate::{cliente::ClientePortal, error::ErrorApp};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The active credential, if any, as the tab shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredencialActiva {
    pub folio: String,
    /// Unix seconds (UTC) of issue.
    pub emitida: i64,
}

/// Who is asking, as the validated e.firma and the account agree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Solicitante {
    pub razon_social: String,
    pub rfc: String,
    pub nrp: String,
    pub no_certificado: String,
}

/// Largest base64 certificate accepted (64 KiB of DER).
pub const CERTIFICADO_B64_MAXIMO: usize = 88 * 1024;
/// Largest base64 signature accepted (RSA-8192).
pub const FIRMA_B64_MAXIMA: usize = 1400;

#[server(name = EstadoGeneracion, prefix = "/api", endpoint = "generacion/estado", client = ClientePortal)]
pub async fn estado_generacion() -> Result<Option<CredencialActiva>, ErrorApp> {
    use crate::servicios::{portal, sesion};
    portal()?.credencial_activa(&sesion()?).await
}

/// A challenge for the e.firma whose certificate number the browser read from the `.cer`.
#[server(name = SolicitarReto, prefix = "/api", endpoint = "generacion/reto", client = ClientePortal)]
pub async fn solicitar_reto(no_certificado: String) -> Result<String, ErrorApp> {
    use crate::servicios::{portal, sesion};
    if no_certificado.len() != 20 || !no_certificado.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ErrorApp::solicitud_invalida(
            "El número de certificado no es válido. Vuelve a adjuntar el archivo .CER.",
        ));
    }
    portal()?.solicitar_reto(&sesion()?, &no_certificado).await
}

/// The challenge signed by the e.firma (RSASSA-PSS/SHA-256), with the public certificate.
#[server(name = ValidarEfirma, prefix = "/api", endpoint = "generacion/validar", client = ClientePortal)]
pub async fn validar_efirma(
    certificado: String,
    cadena: String,
    firma: String,
) -> Result<Solicitante, ErrorApp> {
    use crate::servicios::{peticion, portal, sesion};
    if certificado.len() > CERTIFICADO_B64_MAXIMO
        || firma.len() > FIRMA_B64_MAXIMA
        || cadena.len() > 1024
    {
        return Err(ErrorApp::nuevo(
            413,
            "archivo_demasiado_grande",
            "El archivo .CER es demasiado grande: el certificado de una e.firma pesa pocos kilobytes.",
        ));
    }
    let sesion = sesion()?;
    portal()?
        .validar_efirma(&peticion()?, &sesion, &certificado, &cadena, &firma)
        .await
}
