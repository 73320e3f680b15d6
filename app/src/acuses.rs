//! Public verification of an acuse by its folio: the server re-checks both sellos (the
//! applicant's and the Instituto's) and says what the acuse certifies. No session needed.

use crate::{cliente::ClientePortal, error::ErrorApp};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the verification page shows of an existing acuse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcuseVerificado {
    pub folio: String,
    /// `AAAA-MM-DDTHH:MM:SSZ`.
    pub fecha_utc: String,
    /// `DD/MM/AAAA HH:MM:SS`, Mexico City (UTC−6).
    pub fecha_cdmx: String,
    /// "Patrón" or "Desarrollador".
    pub rol: String,
    pub rfc: String,
    pub razon_social: String,
    pub sello_solicitante: bool,
    pub sello_instituto: bool,
}

impl AcuseVerificado {
    pub fn valido(&self) -> bool {
        self.sello_solicitante && self.sello_instituto
    }
}

/// A folio as printed in the acuse: 10 digits (spaces around it are forgiven).
pub fn validar_folio(folio: &str) -> Result<String, &'static str> {
    let folio = folio.trim();
    if folio.len() == 10 && folio.bytes().all(|b| b.is_ascii_digit()) {
        Ok(folio.to_owned())
    } else {
        Err("El folio debe tener 10 dígitos, como aparece en el acuse.")
    }
}

/// `None`: there is no acuse with that folio. A GET, so the page can be rendered, shared and
/// re-run from its address alone.
#[server(
    name = VerificarAcuse,
    prefix = "/api",
    endpoint = "acuses/verificar",
    input = server_fn::codec::GetUrl,
    client = ClientePortal
)]
pub async fn verificar_acuse(folio: String) -> Result<Option<AcuseVerificado>, ErrorApp> {
    use crate::servicios::{peticion, portal};
    let folio = validar_folio(&folio).map_err(ErrorApp::solicitud_invalida)?;
    portal()?.verificar_acuse(&peticion()?, &folio).await
}
