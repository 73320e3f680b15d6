//! The acuse as a PDF (A4): the Instituto's header, the title the guide names, every field of
//! DESIGN §6 and a QR code of the public verification page.
//!
//! Every value is written so that a text extractor (`pdftotext`) gives it back exactly once the
//! line breaks inside it are removed: values wrap at any character, never next to a space.

use super::{escritor_pdf as escritor, fecha_cdmx, fecha_utc, nombre_rol, Acuse};
use escritor::{envolver_exacto, envolver_palabras, Fuente, Metadatos, Pagina, ALTO, ANCHO};

pub const TITULO: &str = "Acuse de generación de contraseña — Servicios de Intercomunicación";
pub const SUBTITULO: &str = "Respuesta firmada electrónicamente";

const MARGEN: f32 = 56.0;
const MARGEN_INFERIOR: f32 = 60.0;
const ANCHO_UTIL: f32 = ANCHO - 2.0 * MARGEN;
/// Side of the QR code, quiet zone included.
const LADO_QR: f32 = 128.0;

const ROJO: (f32, f32, f32) = (0.69, 0.07, 0.16);
const GRIS: (f32, f32, f32) = (0.35, 0.35, 0.35);
const NEGRO: (f32, f32, f32) = (0.0, 0.0, 0.0);

/// How a value is set.
#[derive(Clone, Copy)]
enum Estilo {
    /// Short values: Helvetica.
    Dato,
    /// Long opaque values (cadenas, sellos, hashes): Courier, so they wrap at exact widths.
    Codigo,
}

impl Estilo {
    fn fuente(self) -> (Fuente, f32, f32) {
        match self {
            Estilo::Dato => (Fuente::Helvetica, 10.5, 13.0),
            Estilo::Codigo => (Fuente::Courier, 8.0, 10.0),
        }
    }
}

/// Lays out lines top to bottom, starting a new page when one is full.
struct Maquetador {
    paginas: Vec<Pagina>,
    y: f32,
}

impl Maquetador {
    fn new() -> Self {
        Self {
            paginas: vec![Pagina::default()],
            y: ALTO - MARGEN,
        }
    }

    fn pagina(&mut self) -> &mut Pagina {
        if self.paginas.is_empty() {
            self.paginas.push(Pagina::default());
        }
        let ultima = self.paginas.len() - 1;
        &mut self.paginas[ultima]
    }

    /// Makes room for `alto` points, on a new page if this one has no more.
    fn reservar(&mut self, alto: f32) {
        if self.y - alto < MARGEN_INFERIOR {
            self.paginas.push(Pagina::default());
            self.y = ALTO - MARGEN;
        }
    }

    fn linea(&mut self, x: f32, fuente: Fuente, tamano: f32, alto: f32, texto: &str) {
        self.reservar(alto);
        self.y -= alto;
        let y = self.y;
        self.pagina().texto(x, y, fuente, tamano, texto);
    }

    /// A label and its value, within `ancho` points from `x`.
    fn campo(&mut self, x: f32, ancho: f32, etiqueta: &str, valor: &str, estilo: Estilo) {
        let (fuente, tamano, alto) = estilo.fuente();
        // Keep the label with the value's first line.
        self.reservar(12.0 + alto);
        self.color(GRIS);
        self.linea(x, Fuente::HelveticaNegrita, 8.5, 12.0, etiqueta);
        self.color(NEGRO);
        for l in envolver_exacto(valor, fuente, tamano, ancho) {
            self.linea(x, fuente, tamano, alto, &l);
        }
        self.y -= 7.0;
    }

    fn color(&mut self, (r, g, b): (f32, f32, f32)) {
        self.pagina().color(r, g, b);
    }
}

/// The QR code of `texto` as filled squares, with its top-left corner at (`x`, `y`).
fn qr(pagina: &mut Pagina, x: f32, y: f32, lado: f32, texto: &str) {
    let Ok(codigo) = qrcode::QrCode::with_error_correction_level(texto, qrcode::EcLevel::M) else {
        // Only a URL of thousands of characters does not fit; the URL is printed anyway.
        return;
    };
    let modulos = codigo.width();
    let colores = codigo.to_colors();
    // Four modules of quiet zone on each side, as the standard asks.
    let paso = lado / (modulos + 8) as f32;
    for fila in 0..modulos {
        let mut columna = 0;
        while columna < modulos {
            if colores[fila * modulos + columna] != qrcode::Color::Dark {
                columna += 1;
                continue;
            }
            // One rectangle per horizontal run of dark modules.
            let inicio = columna;
            while columna < modulos && colores[fila * modulos + columna] == qrcode::Color::Dark {
                columna += 1;
            }
            pagina.rectangulo(
                x + (inicio + 4) as f32 * paso,
                y - (fila + 5) as f32 * paso,
                (columna - inicio) as f32 * paso,
                paso,
            );
        }
    }
    pagina.rellenar();
}

/// The acuse as a PDF file; `url_verificacion` is what the QR code and the text point to.
pub fn pdf(acuse: &Acuse, url_verificacion: &str) -> Vec<u8> {
    let d = &acuse.datos;
    let mut m = Maquetador::new();

    // Header: the Instituto, then the title and subtitle.
    m.color(ROJO);
    m.linea(MARGEN, Fuente::HelveticaNegrita, 20.0, 20.0, "INFONAVIT");
    let instituto = "Instituto del Fondo Nacional de la Vivienda para los Trabajadores";
    let y = m.y;
    m.color(GRIS);
    m.pagina().texto(
        ANCHO - MARGEN - Fuente::Helvetica.ancho(instituto, 8.0),
        y,
        Fuente::Helvetica,
        8.0,
        instituto,
    );
    m.color(ROJO);
    m.y -= 8.0;
    let y = m.y;
    m.pagina().regla(MARGEN, y, ANCHO_UTIL, 1.5);
    m.y -= 8.0;
    m.color(NEGRO);
    for l in envolver_palabras(TITULO, Fuente::HelveticaNegrita, 14.0, ANCHO_UTIL) {
        m.linea(MARGEN, Fuente::HelveticaNegrita, 14.0, 18.0, &l);
    }
    m.color(GRIS);
    m.linea(MARGEN, Fuente::Helvetica, 10.5, 15.0, SUBTITULO);
    m.y -= 12.0;

    // The identifying fields, with the QR code beside them.
    let arriba = m.y;
    qr(
        m.pagina(),
        ANCHO - MARGEN - LADO_QR,
        arriba,
        LADO_QR,
        url_verificacion,
    );
    let columna = ANCHO_UTIL - LADO_QR - 16.0;
    let cortos = [
        ("Folio", d.folio.clone()),
        ("Fecha y hora (UTC)", fecha_utc(d.emitido)),
        (
            "Fecha y hora (Ciudad de México, UTC-06:00)",
            fecha_cdmx(d.emitido),
        ),
        ("Rol", nombre_rol(&d.rol).to_owned()),
        ("Número de Registro Patronal (NRP)", d.nrp.clone()),
        ("RFC", d.rfc.clone()),
        ("Razón social", d.razon_social.clone()),
        (
            "Número de certificado de la e.firma",
            d.no_certificado.clone(),
        ),
    ];
    for (etiqueta, valor) in &cortos {
        m.campo(MARGEN, columna, etiqueta, valor, Estilo::Dato);
    }
    // Below the QR code even when the fields are few.
    if m.paginas.len() == 1 {
        m.y = m.y.min(arriba - LADO_QR - 8.0);
    }

    let largos = [
        (
            "Términos y condiciones (versión)",
            d.terminos_version.as_str(),
            Estilo::Dato,
        ),
        (
            "Términos y condiciones (SHA-256)",
            d.terminos_sha256.as_str(),
            Estilo::Codigo,
        ),
        (
            "Cadena original",
            d.cadena_original.as_str(),
            Estilo::Codigo,
        ),
        (
            "Sello digital del solicitante",
            d.sello.as_str(),
            Estilo::Codigo,
        ),
        (
            "Sello digital del Instituto",
            acuse.sello_instituto.as_str(),
            Estilo::Codigo,
        ),
        (
            "Número de certificado del Instituto",
            acuse.instituto_no_certificado.as_str(),
            Estilo::Dato,
        ),
        (
            "SHA-256 del certificado del Instituto",
            acuse.instituto_huella.as_str(),
            Estilo::Codigo,
        ),
        ("Verificación del acuse", url_verificacion, Estilo::Codigo),
    ];
    for (etiqueta, valor, estilo) in largos {
        m.campo(MARGEN, ANCHO_UTIL, etiqueta, valor, estilo);
    }

    let nota = "Los sellos digitales son firmas RSASSA-PKCS1-v1_5 con SHA-256 en base64. El del \
        solicitante se calcula sobre la cadena original con su e.firma; el del Instituto, sobre la \
        cadena del Instituto (||FOLIO|EMITIDO|ROL|NRP|RFC|RAZON SOCIAL|NO CERTIFICADO|TERMINOS|\
        SHA256|CADENA ORIGINAL|SELLO||) con el certificado que el Instituto publica junto a la \
        página de verificación.";
    m.color(GRIS);
    m.y -= 4.0;
    for l in envolver_palabras(nota, Fuente::Helvetica, 7.5, ANCHO_UTIL) {
        m.linea(MARGEN, Fuente::Helvetica, 7.5, 9.5, &l);
    }

    // Footer on every page, once their number is known.
    let total = m.paginas.len();
    for (i, pagina) in m.paginas.iter_mut().enumerate() {
        pagina.color(GRIS.0, GRIS.1, GRIS.2);
        pagina.regla(MARGEN, MARGEN_INFERIOR - 18.0, ANCHO_UTIL, 0.5);
        pagina.texto(
            MARGEN,
            MARGEN_INFERIOR - 30.0,
            Fuente::Helvetica,
            7.5,
            &format!("Folio {} · Página {} de {total}", d.folio, i + 1),
        );
    }

    escritor::escribir(
        &m.paginas,
        &Metadatos {
            titulo: TITULO,
            autor: "INFONAVIT",
            asunto: &format!("Acuse con folio {}", d.folio),
            creado: d.emitido,
        },
    )
}
