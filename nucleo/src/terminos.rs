//! The Terms and Conditions the employer accepts and then signs with its e.firma (guide §2,
//! images 5 and 7). The text is a versioned file in the repository; the version and the SHA-256
//! of these exact bytes go into the cadena original, so the signature covers the text shown.

use sha2::{Digest, Sha256};

/// Version of the employer's Terms. A new text gets a new file and a new version.
pub const VERSION_PATRON: &str = "patron-v1";
/// The employer's Terms, exactly as signed.
pub const TEXTO_PATRON: &str = include_str!("../terminos/patron-v1.txt");
/// Version of the software developer's Terms (Certificación (Desarrolladores)).
pub const VERSION_DESARROLLADOR: &str = "desarrollador-v1";
/// The developer's Terms, exactly as signed.
pub const TEXTO_DESARROLLADOR: &str = include_str!("../terminos/desarrollador-v1.txt");

/// Hex SHA-256 of a Terms text.
pub fn sha256_hex(texto: &str) -> String {
    Sha256::digest(texto.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One block of the text as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bloque<'a> {
    /// "Términos y condiciones", the document's own title.
    Titulo(&'a str),
    /// A numbered clause heading ("1. Aceptación de …").
    Clausula(&'a str),
    Parrafo(&'a str),
}

/// Splits the text into blocks: paragraphs are separated by blank lines; a paragraph that starts
/// with a number and a period is a clause heading; the first line is the title.
pub fn bloques(texto: &str) -> Vec<Bloque<'_>> {
    texto
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .enumerate()
        .map(|(i, p)| {
            let numerada = p
                .split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            if i == 0 {
                Bloque::Titulo(p)
            } else if numerada && p.len() < 160 && !p.contains('\n') {
                Bloque::Clausula(p)
            } else {
                Bloque::Parrafo(p)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn el_texto_empieza_como_en_la_guia_y_tiene_clausulas() {
        let b = bloques(TEXTO_PATRON);
        assert_eq!(b[0], Bloque::Titulo("Términos y condiciones"));
        assert_eq!(
            b[1],
            Bloque::Clausula("1. Aceptación de las condiciones y términos generales del servicio")
        );
        assert!(
            b.iter()
                .filter(|x| matches!(x, Bloque::Clausula(_)))
                .count()
                >= 5
        );
    }

    #[test]
    fn la_huella_es_la_de_los_bytes_del_archivo() {
        assert_eq!(sha256_hex(TEXTO_PATRON).len(), 64);
        assert_ne!(
            sha256_hex(TEXTO_PATRON),
            sha256_hex(&TEXTO_PATRON.replace("PATRÓN", "PATRON"))
        );
    }
}
