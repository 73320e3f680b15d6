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
