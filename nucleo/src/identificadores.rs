//! Identifiers parsed once, at the edge, so the services can trust them: the SAT's and the
//! Instituto's (RFC, CURP, NRP, número de certificado: `efirma`'s) and ours, the folio.

use serde::{Deserialize, Serialize};
use std::fmt;

pub use efirma::{Curp, NoCertificado, Nrp, Rfc};

/// The folio of a credential and of its acuse: 10 digits, as printed (spaces around it are
/// forgiven).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Folio(String);

impl Folio {
    pub const MENSAJE: &'static str = "El folio debe tener 10 dígitos, como aparece en el acuse.";

    pub fn parse(texto: &str) -> Result<Folio, &'static str> {
        let texto = texto.trim();
        if texto.len() == 10 && texto.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Folio(texto.to_owned()))
        } else {
            Err(Self::MENSAJE)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Folio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Folio {
    type Error = &'static str;

    fn try_from(texto: String) -> Result<Self, Self::Error> {
        Folio::parse(&texto)
    }
}

impl From<Folio> for String {
    fn from(folio: Folio) -> String {
        folio.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn un_folio_son_10_digitos() {
        assert_eq!(Folio::parse(" 0123456789 ").unwrap().as_str(), "0123456789");
        for malo in [
            "",
            "012345678",
            "01234567890",
            "012345678a",
            "01234 6789",
            "０123456789",
        ] {
            assert_eq!(Folio::parse(malo), Err(Folio::MENSAJE), "{malo:?}");
        }
        // What serde reads goes through the same check.
        let leido: Result<Folio, _> = serde_json::from_str("\"12345\"");
        assert!(leido.is_err());
        let folio: Folio = serde_json::from_str("\"0000000042\"").unwrap();
        assert_eq!(serde_json::to_string(&folio).unwrap(), "\"0000000042\"");
    }
}
