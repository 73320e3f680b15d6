//! The public verification of an acuse: what it shows, and the folio as typed.

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
