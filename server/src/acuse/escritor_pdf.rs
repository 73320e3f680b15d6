//! A small PDF 1.4 writer, just enough for the acuse: A4 pages, the standard Type 1 fonts
//! (Helvetica, Helvetica-Bold, Courier) with WinAnsiEncoding so Spanish accents and ñ render and
//! extract as text, text lines, filled rectangles and rules. No embedded fonts, no compression:
//! the output is deterministic and readable with any PDF tool.

use sha2::{Digest, Sha256};
use std::fmt::Write;

/// A4 in points.
pub const ANCHO: f32 = 595.28;
pub const ALTO: f32 = 841.89;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fuente {
    Helvetica,
    HelveticaNegrita,
    /// Monospaced: for values that must wrap at exact character counts (sellos, cadenas).
    Courier,
}

impl Fuente {
    const TODAS: [Fuente; 3] = [Fuente::Helvetica, Fuente::HelveticaNegrita, Fuente::Courier];

    fn recurso(self) -> &'static str {
        match self {
            Fuente::Helvetica => "F1",
            Fuente::HelveticaNegrita => "F2",
            Fuente::Courier => "F3",
        }
    }

    fn nombre_base(self) -> &'static str {
        match self {
            Fuente::Helvetica => "Helvetica",
            Fuente::HelveticaNegrita => "Helvetica-Bold",
            Fuente::Courier => "Courier",
        }
    }

    /// Advance width of one character in thousandths of the font size (the fonts' AFM metrics;
    /// accented letters are as wide as their base letter).
    fn ancho_caracter(self, c: char) -> u16 {
        if self == Fuente::Courier {
            return 600;
        }
        let negrita = self == Fuente::HelveticaNegrita;
        let c = base_latina(c);
        match c {
            ' '..='~' => {
                let tabla = if negrita {
                    &HELVETICA_NEGRITA
                } else {
                    &HELVETICA
                };
                tabla[(c as usize) - 32]
            }
            '—' => 1000,
            '–' => 556,
            '“' | '”' | '‘' | '’' | '«' | '»' => {
                if negrita {
                    500
                } else {
                    333
                }
            }
            '·' | '•' => 350,
            _ => 556,
        }
    }

    /// Width of `texto` at `tamano` points.
    pub fn ancho(self, texto: &str, tamano: f32) -> f32 {
        texto
            .chars()
            .map(|c| f32::from(self.ancho_caracter(c)))
            .sum::<f32>()
            * tamano
            / 1000.0
    }
}

/// The unaccented letter whose width an accented one shares.
fn base_latina(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        'Á' | 'À' | 'Â' | 'Ä' | 'Ã' => 'A',
        'É' | 'È' | 'Ê' | 'Ë' => 'E',
        'Í' | 'Ì' | 'Î' | 'Ï' => 'I',
        'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' => 'O',
        'Ú' | 'Ù' | 'Û' | 'Ü' => 'U',
        'Ñ' => 'N',
        'ç' => 'c',
        'Ç' => 'C',
        '¿' => '?',
        '¡' => '!',
        otro => otro,
    }
}

/// Helvetica widths, characters 32 to 126.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0..?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @..O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P.._
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // `..o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p..~
];

/// Helvetica-Bold widths, characters 32 to 126.
const HELVETICA_NEGRITA: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0..?
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // @..O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // P.._
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // `..o
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, // p..~
];

/// The WinAnsiEncoding byte of a character; `None` for characters the encoding lacks.
pub fn winansi(c: char) -> Option<u8> {
    let u = c as u32;
    match u {
        0x20..=0x7E | 0xA0..=0xFF => Some(u as u8),
        _ => Some(match c {
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            'ˆ' => 0x88,
            '‰' => 0x89,
            'Š' => 0x8A,
            '‹' => 0x8B,
            'Œ' => 0x8C,
            'Ž' => 0x8E,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '˜' => 0x98,
            '™' => 0x99,
            'š' => 0x9A,
            '›' => 0x9B,
            'œ' => 0x9C,
            'ž' => 0x9E,
            'Ÿ' => 0x9F,
            _ => return None,
        }),
    }
}

/// A PDF literal string in WinAnsi: delimiters escaped, bytes above ASCII as octal escapes so
/// the content stream stays 7-bit. Characters outside WinAnsi become `?`.
fn cadena_pdf(texto: &str) -> String {
    let mut s = String::with_capacity(texto.len() + 2);
    s.push('(');
    for c in texto.chars() {
        let b = winansi(c).unwrap_or(b'?');
        match b {
            b'(' | b')' | b'\\' => {
                s.push('\\');
                s.push(b as char);
            }
            0x20..=0x7E => s.push(b as char),
            _ => {
                let _ = write!(s, "\\{b:03o}");
            }
        }
    }
    s.push(')');
    s
}

/// Splits prose into lines no wider than `ancho`, at spaces (a word wider than the line is cut).
pub fn envolver_palabras(texto: &str, fuente: Fuente, tamano: f32, ancho: f32) -> Vec<String> {
    let mut lineas = Vec::new();
    let mut actual = String::new();
    for palabra in texto.split_whitespace() {
        let candidata = if actual.is_empty() {
            palabra.to_owned()
        } else {
            format!("{actual} {palabra}")
        };
        if fuente.ancho(&candidata, tamano) <= ancho || actual.is_empty() {
            actual = candidata;
        } else {
            lineas.push(std::mem::take(&mut actual));
            actual = palabra.to_owned();
        }
        if fuente.ancho(&actual, tamano) > ancho {
            // A single word wider than the line.
            let mut partes = envolver_exacto(&actual, fuente, tamano, ancho);
            actual = partes.pop().unwrap_or_default();
            lineas.extend(partes);
        }
    }
    if !actual.is_empty() {
        lineas.push(actual);
    }
    lineas
}

/// Splits a value into lines no wider than `ancho` at any character, so that joining the lines
/// gives back the value exactly. A break never falls next to a space (text extractors drop
/// spaces at line ends), so a line may end a character or two early.
pub fn envolver_exacto(texto: &str, fuente: Fuente, tamano: f32, ancho: f32) -> Vec<String> {
    let caracteres: Vec<char> = texto.chars().collect();
    let mut lineas = Vec::new();
    let mut inicio = 0;
    while inicio < caracteres.len() {
        let mut fin = inicio;
        let mut usado = 0.0;
        while fin < caracteres.len() {
            let w = f32::from(fuente.ancho_caracter(caracteres[fin])) * tamano / 1000.0;
            if usado + w > ancho && fin > inicio {
                break;
            }
            usado += w;
            fin += 1;
        }
        if fin < caracteres.len() {
            // Move the break back until neither side of it is a space.
            let mut corte = fin;
            while corte > inicio + 1 && (caracteres[corte - 1] == ' ' || caracteres[corte] == ' ') {
                corte -= 1;
            }
            if corte > inicio + 1 {
                fin = corte;
            }
        }
        lineas.push(caracteres[inicio..fin].iter().collect());
        inicio = fin;
    }
    lineas
}

/// The drawing operations of one page (its content stream).
#[derive(Default)]
pub struct Pagina {
    contenido: String,
}

impl Pagina {
    /// One line of text with its baseline at (`x`, `y`), in points from the bottom-left corner.
    pub fn texto(&mut self, x: f32, y: f32, fuente: Fuente, tamano: f32, texto: &str) {
        let _ = writeln!(
            self.contenido,
            "BT /{} {tamano:.2} Tf {x:.2} {y:.2} Td {} Tj ET",
            fuente.recurso(),
            cadena_pdf(texto)
        );
    }

    /// Fill colour for what follows (RGB, 0..1).
    pub fn color(&mut self, r: f32, g: f32, b: f32) {
        let _ = writeln!(
            self.contenido,
            "{r:.3} {g:.3} {b:.3} rg {r:.3} {g:.3} {b:.3} RG"
        );
    }

    /// Adds a rectangle to the current path; [`Pagina::rellenar`] paints them all at once.
    pub fn rectangulo(&mut self, x: f32, y: f32, ancho: f32, alto: f32) {
        let _ = writeln!(self.contenido, "{x:.3} {y:.3} {ancho:.3} {alto:.3} re");
    }

    pub fn rellenar(&mut self) {
        self.contenido.push_str("f\n");
    }

    /// A horizontal rule.
    pub fn regla(&mut self, x: f32, y: f32, ancho: f32, grosor: f32) {
        let _ = writeln!(
            self.contenido,
            "{grosor:.2} w {x:.2} {y:.2} m {:.2} {y:.2} l S",
            x + ancho
        );
    }
}

/// Document metadata (the Info dictionary).
pub struct Metadatos<'a> {
    pub titulo: &'a str,
    pub autor: &'a str,
    pub asunto: &'a str,
    /// Unix seconds, UTC: the document's creation date (passed in, never read from a clock).
    pub creado: i64,
}

/// A PDF text string in UTF-16BE with its byte-order mark, for Info values.
fn texto_utf16(texto: &str) -> String {
    let mut s = String::from("<FEFF");
    for u in texto.encode_utf16() {
        let _ = write!(s, "{u:04X}");
    }
    s.push('>');
    s
}

/// Assembles the pages into a complete PDF file.
pub fn escribir(paginas: &[Pagina], meta: &Metadatos<'_>) -> Vec<u8> {
    // Objects: 1 catalog, 2 page tree, 3 info, 4..=6 fonts, then a page and its content each.
    let n_fuentes = Fuente::TODAS.len();
    let primera_pagina = 4 + n_fuentes;
    let total = primera_pagina - 1 + 2 * paginas.len();
    let mut salida: Vec<u8> = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut posiciones = vec![0usize; total + 1];
    let mut objeto = |salida: &mut Vec<u8>, numero: usize, cuerpo: &[u8]| {
        posiciones[numero] = salida.len();
        salida.extend_from_slice(format!("{numero} 0 obj\n").as_bytes());
        salida.extend_from_slice(cuerpo);
        salida.extend_from_slice(b"\nendobj\n");
    };

    objeto(&mut salida, 1, b"<< /Type /Catalog /Pages 2 0 R >>");
    let hijos: Vec<String> = (0..paginas.len())
        .map(|i| format!("{} 0 R", primera_pagina + 2 * i))
        .collect();
    objeto(
        &mut salida,
        2,
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            hijos.join(" "),
            paginas.len()
        )
        .as_bytes(),
    );
    let fecha = {
        let t = time::OffsetDateTime::from_unix_timestamp(meta.creado)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        format!(
            "D:{:04}{:02}{:02}{:02}{:02}{:02}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    };
    objeto(
        &mut salida,
        3,
        format!(
            "<< /Title {} /Author {} /Subject {} /Creator (Servicios de Intercomunicacion) /Producer (intercomunicacion) /CreationDate ({fecha}) >>",
            texto_utf16(meta.titulo),
            texto_utf16(meta.autor),
            texto_utf16(meta.asunto),
        )
        .as_bytes(),
    );
    for (i, fuente) in Fuente::TODAS.iter().enumerate() {
        objeto(
            &mut salida,
            4 + i,
            format!(
                "<< /Type /Font /Subtype /Type1 /BaseFont /{} /Encoding /WinAnsiEncoding >>",
                fuente.nombre_base()
            )
            .as_bytes(),
        );
    }
    let recursos: String = Fuente::TODAS
        .iter()
        .enumerate()
        .map(|(i, f)| format!("/{} {} 0 R ", f.recurso(), 4 + i))
        .collect();
    let mut huella = Sha256::new();
    for (i, pagina) in paginas.iter().enumerate() {
        let numero = primera_pagina + 2 * i;
        objeto(
            &mut salida,
            numero,
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {ANCHO} {ALTO}] /Resources << /Font << {recursos}>> >> /Contents {} 0 R >>",
                numero + 1
            )
            .as_bytes(),
        );
        let contenido = pagina.contenido.as_bytes();
        huella.update(contenido);
        let mut flujo = format!("<< /Length {} >>\nstream\n", contenido.len()).into_bytes();
        flujo.extend_from_slice(contenido);
        flujo.extend_from_slice(b"\nendstream");
        objeto(&mut salida, numero + 1, &flujo);
    }

    let inicio_xref = salida.len();
    let mut xref = format!("xref\n0 {}\n0000000000 65535 f \n", total + 1);
    for p in &posiciones[1..] {
        // Each entry is exactly 20 bytes: the trailing space and the newline are its end of line.
        let _ = writeln!(xref, "{p:010} 00000 n ");
    }
    // The file identifier: a hash of the content, so the same acuse gives the same bytes.
    let id: String = huella.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    let _ = write!(
        xref,
        "trailer\n<< /Size {} /Root 1 0 R /Info 3 0 R /ID [<{id}> <{id}>] >>\nstartxref\n{inicio_xref}\n%%EOF\n",
        total + 1
    );
    salida.extend_from_slice(xref.as_bytes());
    salida
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn el_texto_se_codifica_en_winansi_con_escapes() {
        assert_eq!(cadena_pdf("a(b)\\"), "(a\\(b\\)\\\\)");
        assert_eq!(cadena_pdf("ñÁ—"), "(\\361\\301\\227)");
        assert_eq!(cadena_pdf("日"), "(?)");
    }

    #[test]
    fn el_ajuste_exacto_no_pierde_ni_agrega_caracteres() {
        let valor =
            "||FOLIO 0123456789|RAZON SOCIAL ESCUELA KEMPER URGATE SA DE CV|SELLO abc||".repeat(4);
        for ancho in [40.0, 97.0, 200.0, 333.0] {
            let lineas = envolver_exacto(&valor, Fuente::Courier, 8.0, ancho);
            assert_eq!(lineas.concat(), valor);
            for l in &lineas {
                assert!(Fuente::Courier.ancho(l, 8.0) <= ancho);
                assert!(!l.starts_with(' ') && !l.ends_with(' '), "{l:?}");
            }
        }
    }

    #[test]
    fn la_prosa_se_ajusta_por_palabras() {
        let texto = "Acuse de generación de contraseña — Servicios de Intercomunicación";
        let lineas = envolver_palabras(texto, Fuente::HelveticaNegrita, 14.0, 300.0);
        assert!(lineas.len() > 1);
        assert_eq!(lineas.join(" "), texto);
        for l in &lineas {
            assert!(Fuente::HelveticaNegrita.ancho(l, 14.0) <= 300.0);
        }
    }

    #[test]
    fn el_archivo_tiene_la_forma_de_un_pdf() {
        let mut p = Pagina::default();
        p.texto(50.0, 800.0, Fuente::Helvetica, 12.0, "Hola");
        let pdf = escribir(
            &[p],
            &Metadatos {
                titulo: "T",
                autor: "A",
                asunto: "S",
                creado: 0,
            },
        );
        let texto = String::from_utf8_lossy(&pdf);
        assert!(texto.starts_with("%PDF-1.4"));
        assert!(texto.ends_with("%%EOF\n"));
        // The xref offset points at the xref table.
        let inicio: usize = texto
            .rsplit("startxref\n")
            .next()
            .and_then(|r| r.lines().next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(pdf[inicio..].starts_with(b"xref\n"));
    }
}
