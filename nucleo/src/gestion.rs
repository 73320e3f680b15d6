//! Cancelación and Recuperación: what the server answers.

use serde::{Deserialize, Serialize};
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancelacion {
    pub folio: String,
    /// Unix seconds (UTC) the credential stopped working.
    pub cancelada: i64,
}

/// A captcha to solve: its id and the image as a `data:image/png;base64,…` URL, or, for the
/// accessible alternative, no image and a note that a code went to the registered email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Captcha {
    pub id: String,
    pub imagen: Option<String>,
    pub aviso: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recuperacion {
    /// The folio of the new credential (the email carries its password).
    pub folio: String,
}

/// Largest captcha id or answer accepted.
pub const CAMPO_MAXIMO: usize = 128;
