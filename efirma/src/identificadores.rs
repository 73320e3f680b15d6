//! Mexican identifiers that appear around an e.firma, parsed once at the edge so the rest of the
//! code can trust them: RFC (tax id), CURP (population registry key), NRP (Infonavit/IMSS
//! employer registration number) and the SAT's número de certificado.

use core::fmt;

use crate::Persona;

/// Why a string is not a valid identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorIdentificador {
    /// Wrong number of characters.
    Longitud,
    /// A character that is not allowed at its position.
    Caracter,
    /// The date part (YYMMDD) is not a calendar date.
    Fecha,
    /// The CURP's state code is not one of the 32 states or `NE` (born abroad).
    Entidad,
    /// The CURP's check digit does not match.
    DigitoVerificador,
}

impl ErrorIdentificador {
    /// A clear Spanish sentence for the UI.
    pub fn mensaje(&self) -> &'static str {
        match self {
            ErrorIdentificador::Longitud => "La longitud no es válida.",
            ErrorIdentificador::Caracter => "Contiene caracteres no válidos.",
            ErrorIdentificador::Fecha => "La fecha que contiene no es válida.",
            ErrorIdentificador::Entidad => "La entidad federativa no es válida.",
            ErrorIdentificador::DigitoVerificador => "El dígito verificador no es válido.",
        }
    }
}

impl fmt::Display for ErrorIdentificador {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.mensaje())
    }
}

impl std::error::Error for ErrorIdentificador {}

fn es_letra_rfc(c: char) -> bool {
    c.is_ascii_uppercase() || c == 'Ñ' || c == '&'
}

fn fecha_valida(d: &[char]) -> bool {
    let num = |a: char, b: char| -> Option<u32> { Some(a.to_digit(10)? * 10 + b.to_digit(10)?) };
    let (Some(aa), Some(mm), Some(dd)) = (num(d[0], d[1]), num(d[2], d[3]), num(d[4], d[5])) else {
        return false;
    };
    let dias = match mm {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        // Two-digit years: 00 is 2000 (leap); 1900 is never a birth or founding year here.
        2 if aa % 4 == 0 => 29,
        2 => 28,
        _ => return false,
    };
    (1..=dias).contains(&dd)
}

/// Registro Federal de Contribuyentes: 12 characters for a persona moral (company),
/// 13 for a persona física (individual).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rfc(String);

impl Rfc {
    /// Parses an RFC in upper case (`EKU9003173C9`, `VADA800927DJ3`). Surrounding whitespace is
    /// ignored; lower case is not accepted, because certificates always carry upper case.
    pub fn parse(s: &str) -> Result<Rfc, ErrorIdentificador> {
        let s = s.trim();
        let c: Vec<char> = s.chars().collect();
        let letras = match c.len() {
            12 => 3,
            13 => 4,
            _ => return Err(ErrorIdentificador::Longitud),
        };
        if !c[..letras].iter().all(|&x| es_letra_rfc(x)) {
            return Err(ErrorIdentificador::Caracter);
        }
        let fecha = &c[letras..letras + 6];
        if !fecha.iter().all(char::is_ascii_digit) {
            return Err(ErrorIdentificador::Caracter);
        }
        if !fecha_valida(fecha) {
            return Err(ErrorIdentificador::Fecha);
        }
        let homoclave = &c[letras + 6..];
        let alfanum = |x: &char| x.is_ascii_uppercase() || x.is_ascii_digit();
        if !homoclave[..2].iter().all(alfanum)
            || !(homoclave[2].is_ascii_digit() || homoclave[2] == 'A')
        {
            return Err(ErrorIdentificador::Caracter);
        }
        Ok(Rfc(s.to_owned()))
    }

    /// The RFC as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Company (12 characters) or individual (13).
    pub fn persona(&self) -> Persona {
        if self.0.chars().count() == 12 {
            Persona::Moral
        } else {
            Persona::Fisica
        }
    }
}

impl fmt::Display for Rfc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for Rfc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

const ENTIDADES: [&str; 33] = [
    "AS", "BC", "BS", "CC", "CL", "CM", "CS", "CH", "DF", "DG", "GT", "GR", "HG", "JC", "MC", "MN",
    "MS", "NT", "NL", "OC", "PL", "QT", "QR", "SP", "SL", "SR", "TC", "TS", "TL", "VZ", "YN", "ZS",
    "NE",
];

const DICCIONARIO_CURP: &str = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ";

/// Clave Única de Registro de Población: 18 characters, check digit verified.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Curp(String);

impl Curp {
    /// Parses a CURP (`VADA800927HSRSRL05`): structure, birth date, state and check digit.
    pub fn parse(s: &str) -> Result<Curp, ErrorIdentificador> {
        let s = s.trim();
        if !s.is_ascii() {
            return Err(ErrorIdentificador::Caracter);
        }
        let b = s.as_bytes();
        if b.len() != 18 {
            return Err(ErrorIdentificador::Longitud);
        }
        let mayuscula = |x: &u8| x.is_ascii_uppercase();
        let consonante = |x: &u8| x.is_ascii_uppercase() && !b"AEIOU".contains(x);
        if !b[..4].iter().all(mayuscula) || !b[4..10].iter().all(u8::is_ascii_digit) {
            return Err(ErrorIdentificador::Caracter);
        }
        let fecha: Vec<char> = s[4..10].chars().collect();
        if !fecha_valida(&fecha) {
            return Err(ErrorIdentificador::Fecha);
        }
        if !matches!(b[10], b'H' | b'M' | b'X') {
            return Err(ErrorIdentificador::Caracter);
        }
        if !ENTIDADES.contains(&&s[11..13]) {
            return Err(ErrorIdentificador::Entidad);
        }
        if !b[13..16].iter().all(consonante)
            || !(b[16].is_ascii_uppercase() || b[16].is_ascii_digit())
            || !b[17].is_ascii_digit()
        {
            return Err(ErrorIdentificador::Caracter);
        }
        let mut suma = 0u32;
        for (i, ch) in s[..17].chars().enumerate() {
            let valor = DICCIONARIO_CURP
                .chars()
                .position(|d| d == ch)
                .ok_or(ErrorIdentificador::Caracter)? as u32;
            suma += valor * (18 - i as u32);
        }
        let digito = (10 - suma % 10) % 10;
        if u32::from(b[17] - b'0') != digito {
            return Err(ErrorIdentificador::DigitoVerificador);
        }
        Ok(Curp(s.to_owned()))
    }

    /// The CURP as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Curp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for Curp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Número de Registro Patronal: 11 characters, a letter or digit followed by 10 digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nrp(String);

impl Nrp {
    /// Parses an NRP (`Y5412345108`, `12345678901`).
    pub fn parse(s: &str) -> Result<Nrp, ErrorIdentificador> {
        let s = s.trim();
        if !s.is_ascii() {
            return Err(ErrorIdentificador::Caracter);
        }
        let b = s.as_bytes();
        if b.len() != 11 {
            return Err(ErrorIdentificador::Longitud);
        }
        if !(b[0].is_ascii_uppercase() || b[0].is_ascii_digit())
            || !b[1..].iter().all(u8::is_ascii_digit)
        {
            return Err(ErrorIdentificador::Caracter);
        }
        Ok(Nrp(s.to_owned()))
    }

    /// The NRP as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Nrp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for Nrp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Número de certificado: the 20 digits the SAT gives each certificate (its serial number,
/// written in ASCII), as a `.cer` announces it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NoCertificado(String);

impl NoCertificado {
    /// Parses a número de certificado (`30001000000500003415`).
    pub fn parse(s: &str) -> Result<NoCertificado, ErrorIdentificador> {
        let s = s.trim();
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ErrorIdentificador::Caracter);
        }
        if s.len() != 20 {
            return Err(ErrorIdentificador::Longitud);
        }
        Ok(NoCertificado(s.to_owned()))
    }

    /// The número de certificado as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NoCertificado {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for NoCertificado {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn el_numero_de_certificado_son_20_digitos() {
        let no = NoCertificado::parse(" 30001000000500003415 ").unwrap();
        assert_eq!(no.as_str(), "30001000000500003415");
        assert_eq!(no.to_string(), "30001000000500003415");
        assert_eq!(
            NoCertificado::parse("3000100000050000341"),
            Err(ErrorIdentificador::Longitud)
        );
        assert_eq!(
            NoCertificado::parse("300010000005000034150"),
            Err(ErrorIdentificador::Longitud)
        );
        assert_eq!(
            NoCertificado::parse("3000100000050000341a"),
            Err(ErrorIdentificador::Caracter)
        );
        assert_eq!(
            NoCertificado::parse("３0001000000500003415"),
            Err(ErrorIdentificador::Caracter)
        );
        assert_eq!(NoCertificado::parse(""), Err(ErrorIdentificador::Longitud));
    }

    #[test]
    fn rfc_moral_y_fisica() {
        let m = Rfc::parse("EKU9003173C9").unwrap();
        assert_eq!(m.persona(), Persona::Moral);
        assert_eq!(m.as_str(), "EKU9003173C9");
        let f = Rfc::parse("VADA800927DJ3").unwrap();
        assert_eq!(f.persona(), Persona::Fisica);
        assert_eq!(f.to_string(), "VADA800927DJ3");
        assert!(Rfc::parse("AAA010101AAA").is_ok());
        assert!(Rfc::parse("XAXX010101000").is_ok());
        assert!(Rfc::parse("ÑAÑ800101AB1").is_ok());
        assert!(Rfc::parse("A&A800101AB1").is_ok());
    }

    #[test]
    fn rfc_rechaza_longitud_caracteres_y_fecha() {
        assert_eq!(Rfc::parse("EKU9003173C"), Err(ErrorIdentificador::Longitud));
        assert_eq!(Rfc::parse(""), Err(ErrorIdentificador::Longitud));
        assert_eq!(
            Rfc::parse("eku9003173C9"),
            Err(ErrorIdentificador::Caracter)
        );
        assert_eq!(
            Rfc::parse("EK19003173C9"),
            Err(ErrorIdentificador::Caracter)
        );
        assert_eq!(Rfc::parse("EKU9013173C9"), Err(ErrorIdentificador::Fecha));
        assert_eq!(Rfc::parse("EKU9002303C9"), Err(ErrorIdentificador::Fecha));
        assert_eq!(Rfc::parse("EKU0002293C9").map(|_| ()), Ok(()));
        assert_eq!(Rfc::parse("EKU9902293C9"), Err(ErrorIdentificador::Fecha));
        assert_eq!(
            Rfc::parse("EKU9003173CB"),
            Err(ErrorIdentificador::Caracter)
        );
    }

    #[test]
    fn curp_con_digito_verificador() {
        let c = Curp::parse("VADA800927HSRSRL05").unwrap();
        assert_eq!(c.as_str(), "VADA800927HSRSRL05");
        assert!(Curp::parse("MIML911119HDFRRS02").is_ok());
        assert!(Curp::parse("TASJ770930HGRPNV09").is_ok());
        assert_eq!(
            Curp::parse("VADA800927HSRSRL06"),
            Err(ErrorIdentificador::DigitoVerificador)
        );
        assert_eq!(
            Curp::parse("VADA800927HXXSRL05"),
            Err(ErrorIdentificador::Entidad)
        );
        assert_eq!(
            Curp::parse("VADA801327HSRSRL05"),
            Err(ErrorIdentificador::Fecha)
        );
        assert_eq!(
            Curp::parse("VADA800927HSRSRL0"),
            Err(ErrorIdentificador::Longitud)
        );
        assert_eq!(
            Curp::parse("VADA800927HSRARL05"),
            Err(ErrorIdentificador::Caracter)
        );
        assert_eq!(
            Curp::parse("VADA800927ÑSRSRL0"),
            Err(ErrorIdentificador::Caracter)
        );
    }

    #[test]
    fn nrp() {
        assert!(Nrp::parse("Y5412345108").is_ok());
        assert!(Nrp::parse("12345678901").is_ok());
        assert_eq!(Nrp::parse("Y541234510"), Err(ErrorIdentificador::Longitud));
        assert_eq!(Nrp::parse("YY412345108"), Err(ErrorIdentificador::Caracter));
        assert_eq!(Nrp::parse("y5412345108"), Err(ErrorIdentificador::Caracter));
        assert_eq!(Nrp::parse("Y54123451ñ"), Err(ErrorIdentificador::Caracter));
    }
}
