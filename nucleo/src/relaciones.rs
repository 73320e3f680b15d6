//! Relaciones de confianza as the pages show them.

use serde::{Deserialize, Serialize};
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relacion {
    pub id: i64,
    /// The other party: the developer (for the employer) or the employer (for the developer).
    pub rfc: String,
    pub nrp: String,
    pub razon_social: String,
    pub producto: String,
    pub estado: String,
    pub creada: i64,
    pub revocada: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductoCertificado {
    pub id: i64,
    pub nombre: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relaciones {
    /// The developers this employer trusts.
    pub desarrolladores: Vec<Relacion>,
    /// The employers that trust this account as a developer.
    pub patrones: Vec<Relacion>,
}
