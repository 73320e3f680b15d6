//! The signed-in account and the sign-in form's limits.

use serde::{Deserialize, Serialize};
/// The signed-in account as pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cuenta {
    pub nrp: String,
    pub rfc: String,
    pub razon_social: String,
    pub correo: String,
}

/// Longest value accepted in any sign-in field; anything longer is refused before any work.
pub const LARGO_MAXIMO_CAMPO: usize = 254;
