//! The captcha's picture: draws an answer as a small distorted PNG, readable by a person and
//! tedious for trivial OCR; the drawing is ours, the PNG encoding is the `png` crate's.
//!
//! - Font: a hand-made 5×7 bitmap font holding exactly the [`ALFABETO`] characters, smoothed
//!   to 20×28 with an ink-only Scale2x, twice, and drawn about 4×5 font pixels large, each glyph with its own
//!   shear, rotation, jitter and ink colour, all the text riding a gentle sine wave
//!   (nearest-neighbour sampling).
//! - Clutter: dark lines across the text in the ink's own colours (so a colour filter can't
//!   strip them), dark and light speckles, a light background with a random tint and gradient.
//! - Contrast: ink channels ≤ `TINTA_MAX`, background channels ≥ `FONDO_MIN`, i.e. a
//!   WCAG contrast ratio above 4.5 (a test checks it).
//! - PNG: 8-bit RGB by the `png` crate, filter 0 (none) on every scanline — on this noise the
//!   predictive filters do not pay — and real deflate compression (the image is ~42 KB raw).

use rand::Rng;

/// Characters a captcha may use: unambiguous upper-case letters and digits (no 0/O, 1/I/L,
/// 5/S, 2/Z, 8/B).
pub const ALFABETO: &[u8] = b"34679ACDEFGHJKMNPQRTUVWXY";
/// Longest answer [`png`] draws: more would not fit the width at a readable size.
pub const LONGITUD_MAXIMA: usize = 8;
/// Image size in pixels.
pub const ANCHO: usize = 200;
pub const ALTO: usize = 70;

/// Darkest a background channel gets (base tint − gradient − per-pixel noise).
const FONDO_MIN: u8 = FONDO_BASE_MIN - FONDO_GRADIENTE - FONDO_RUIDO;
const FONDO_BASE_MIN: u8 = 230;
const FONDO_BASE_MAX: u8 = 250;
const FONDO_GRADIENTE: u8 = 8;
const FONDO_RUIDO: u8 = 4;
/// Ink (glyphs, lines, dark speckles) channel range: dark, with a little colour.
const TINTA_MIN: u8 = 10;
const TINTA_MAX: u8 = 80;

const GLIFO_ANCHO: usize = 5;
const GLIFO_ALTO: usize = 7;

/// The 5×7 font, one entry per [`ALFABETO`] character in the same order; each row's five low
/// bits are its pixels, bit 4 leftmost. Strokes are one pixel wide so that, scaled ~4×, they
/// stay thicker than the 1–2 px clutter lines.
///
/// Diagonal strokes (K, M, N, V, W, X, Y…) only touch at corners here; drawn as bare 4×4
/// blocks they fall apart into a staircase, hence the Scale2x smoothing in `Mapa`.
#[rustfmt::skip]
const GLIFOS: [[u8; GLIFO_ALTO]; ALFABETO.len()] = [
    [0x0E, 0x11, 0x01, 0x06, 0x01, 0x11, 0x0E], // 3
    [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02], // 4
    [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E], // 6
    [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08], // 7
    [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C], // 9
    [0x04, 0x0A, 0x11, 0x11, 0x1F, 0x11, 0x11], // A
    [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E], // C
    [0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C], // D
    [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F], // E
    [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10], // F
    [0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F], // G
    [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11], // H
    [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C], // J
    [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11], // K
    [0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11], // M
    [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11], // N
    [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10], // P
    [0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D], // Q
    [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11], // R
    [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04], // T
    [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E], // U
    [0x11, 0x11, 0x11, 0x11, 0x0A, 0x0A, 0x04], // V
    [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A], // W
    [0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11], // X
    [0x11, 0x11, 0x0A, 0x04, 0x04, 0x04, 0x04], // Y
];

/// Renders `texto` (1..=8 chars from [`ALFABETO`]; anything else → `None`) as a PNG of
/// [`ANCHO`]×[`ALTO`] 8-bit RGB pixels, distorted with randomness from `rng` (so tests can use
/// a seeded RNG; production should pass a CSPRNG so the clutter can't be predicted).
pub fn png(texto: &str, rng: &mut impl Rng) -> Option<Vec<u8>> {
    let lienzo = dibujar(texto, rng)?;
    codificar_png(ANCHO as u32, ALTO as u32, &lienzo.pixeles_rgb())
}

fn glifo(caracter: u8) -> Option<&'static [u8; GLIFO_ALTO]> {
    ALFABETO
        .iter()
        .position(|&c| c == caracter)
        .map(|i| &GLIFOS[i])
}

/// A glyph bitmap of at most 32 columns: bit `x` of `filas[y]` is pixel (x, y).
struct Mapa {
    ancho: usize,
    filas: Vec<u32>,
}

impl Mapa {
    fn de_glifo(glifo: &[u8; GLIFO_ALTO]) -> Mapa {
        let filas = glifo
            .iter()
            .map(|&fila| {
                (0..GLIFO_ANCHO)
                    .filter(|&x| fila & (0x10 >> x) != 0)
                    .fold(0, |acc, x| acc | (1 << x))
            })
            .collect();
        Mapa {
            ancho: GLIFO_ANCHO,
            filas,
        }
    }

    /// Pixel (x, y); outside the bitmap everything is blank.
    fn en(&self, x: isize, y: isize) -> bool {
        x >= 0
            && y >= 0
            && (x as usize) < self.ancho
            && (y as usize) < self.filas.len()
            && (self.filas[y as usize] >> x) & 1 == 1
    }

    /// Scale2x (EPX) that only adds ink: doubles the resolution, filling the notch where two
    /// strokes meet corner to corner, so diagonals become continuous lines rather than
    /// staircases. Plain Scale2x also rounds off convex corners; twice over, that turned the
    /// 7 into a question mark, so a pixel that was ink stays ink.
    fn escala2x(&self) -> Mapa {
        let mut filas = vec![0u32; 2 * self.filas.len()];
        for y in 0..self.filas.len() {
            for x in 0..self.ancho {
                let (xi, yi) = (x as isize, y as isize);
                let p = self.en(xi, yi);
                let arriba = self.en(xi, yi - 1);
                let derecha = self.en(xi + 1, yi);
                let izquierda = self.en(xi - 1, yi);
                let abajo = self.en(xi, yi + 1);
                let cuartos = [
                    if izquierda == arriba && izquierda != abajo && arriba != derecha {
                        arriba
                    } else {
                        p
                    },
                    if arriba == derecha && arriba != izquierda && derecha != abajo {
                        derecha
                    } else {
                        p
                    },
                    if abajo == izquierda && abajo != derecha && izquierda != arriba {
                        izquierda
                    } else {
                        p
                    },
                    if derecha == abajo && derecha != arriba && abajo != izquierda {
                        abajo
                    } else {
                        p
                    },
                ];
                for (i, &lleno) in cuartos.iter().enumerate() {
                    if p || lleno {
                        filas[2 * y + i / 2] |= 1 << (2 * x + i % 2);
                    }
                }
            }
        }
        Mapa {
            ancho: 2 * self.ancho,
            filas,
        }
    }
}

/// Font pixels to smoothed-bitmap pixels: Scale2x applied twice.
const SUAVIZADO: f32 = 4.0;

/// RGB pixels, row by row.
struct Lienzo {
    pixeles: Vec<[u8; 3]>,
}

impl Lienzo {
    fn poner(&mut self, x: i32, y: i32, color: [u8; 3]) {
        if (0..ANCHO as i32).contains(&x) && (0..ALTO as i32).contains(&y) {
            self.pixeles[y as usize * ANCHO + x as usize] = color;
        }
    }

    /// The pixels as PNG takes them: R, G, B, row by row.
    fn pixeles_rgb(&self) -> Vec<u8> {
        self.pixeles.iter().flatten().copied().collect()
    }

    /// What the PNG's zlib stream holds with filter 0: each scanline preceded by its filter
    /// type, 0 (none).
    #[cfg(test)]
    fn filas_crudas(&self) -> Vec<u8> {
        let mut crudo = Vec::with_capacity(ALTO * (1 + 3 * ANCHO));
        for fila in self.pixeles.chunks_exact(ANCHO) {
            crudo.push(0);
            crudo.extend(fila.iter().flatten());
        }
        crudo
    }
}

/// Where and how one glyph is drawn: its centre in the image and the linear map from glyph
/// pixels (centred on the glyph) to image pixels — scale, then shear, then rotation.
struct Colocacion {
    centro: (f32, f32),
    m: [[f32; 2]; 2],
    tinta: [u8; 3],
}

impl Colocacion {
    /// Half width and half height of the drawn glyph's bounding box, wave excluded.
    fn semiejes(&self) -> (f32, f32) {
        let (u, v) = (GLIFO_ANCHO as f32 / 2.0, GLIFO_ALTO as f32 / 2.0);
        (
            self.m[0][0].abs() * u + self.m[0][1].abs() * v,
            self.m[1][0].abs() * u + self.m[1][1].abs() * v,
        )
    }
}

/// Vertical displacement of the text at column `x`: `amplitud · sin(frecuencia · x + fase)`.
struct Onda {
    amplitud: f32,
    frecuencia: f32,
    fase: f32,
}

impl Onda {
    fn en(&self, x: f32) -> f32 {
        self.amplitud * (self.frecuencia * x + self.fase).sin()
    }
}

const ONDA_AMPLITUD_MAX: f32 = 3.0;
/// Outermost glyph centres stay this far from the sides, so a fully distorted glyph still fits.
const MARGEN: f32 = 21.0;
/// Widest spacing between glyph centres (short answers shouldn't look sparse).
const PASO_MAXIMO: f32 = 28.0;
/// Spacing below which glyphs are drawn narrower than usual.
const PASO_HOLGADO: f32 = 26.0;

fn colocar(n: usize, rng: &mut impl Rng) -> Vec<Colocacion> {
    let paso = if n > 1 {
        PASO_MAXIMO.min((ANCHO as f32 - 2.0 * MARGEN) / (n - 1) as f32)
    } else {
        0.0
    };
    let inicio = ANCHO as f32 / 2.0 - paso * (n as f32 - 1.0) / 2.0;
    // Seven or eight glyphs would touch at full width; narrow them to keep a gap.
    let estrechez = if n > 1 {
        (paso / PASO_HOLGADO).min(1.0)
    } else {
        1.0
    };
    (0..n)
        .map(|i| {
            let ex = rng.gen_range(3.7f32..4.3) * estrechez;
            let ey = rng.gen_range(4.6f32..5.4);
            // Shear and rotation add up to a slant of at most ~0.27 (15°): more, and a T's
            // stem leans like a 7's.
            let corte = rng.gen_range(-0.15f32..0.15);
            let (sen, cos) = rng.gen_range(-0.12f32..0.12).sin_cos();
            // rotación · corte · escala
            let m = [
                [cos * ex, (cos * corte - sen) * ey],
                [sen * ex, (sen * corte + cos) * ey],
            ];
            let centro = (
                inicio + paso * i as f32 + rng.gen_range(-2.0f32..2.0),
                ALTO as f32 / 2.0 + rng.gen_range(-6.0f32..6.0),
            );
            Colocacion {
                centro,
                m,
                tinta: tinta(rng),
            }
        })
        .collect()
}

fn tinta(rng: &mut impl Rng) -> [u8; 3] {
    [(); 3].map(|_| rng.gen_range(TINTA_MIN..=TINTA_MAX))
}

fn dibujar(texto: &str, rng: &mut impl Rng) -> Option<Lienzo> {
    if texto.is_empty() || texto.len() > LONGITUD_MAXIMA {
        return None;
    }
    // Every byte must be an ALFABETO character; as those are ASCII, this also rejects any
    // multi-byte UTF-8 character, so the byte length above is the character count.
    let glifos = texto.bytes().map(glifo).collect::<Option<Vec<_>>>()?;

    let mut lienzo = fondo(rng);
    let onda = Onda {
        amplitud: rng.gen_range(1.5..ONDA_AMPLITUD_MAX),
        frecuencia: rng.gen_range(0.06f32..0.11),
        fase: rng.gen_range(0.0..std::f32::consts::TAU),
    };
    for (glifo, colocacion) in glifos.into_iter().zip(colocar(texto.len(), rng)) {
        dibujar_glifo(&mut lienzo, glifo, &colocacion, &onda);
    }
    lineas(&mut lienzo, rng);
    motas(&mut lienzo, rng);
    Some(lienzo)
}

/// Light background: a random tint, a horizontal gradient to a second tint, per-pixel noise.
fn fondo(rng: &mut impl Rng) -> Lienzo {
    let base = [(); 3].map(|_| rng.gen_range(FONDO_BASE_MIN..=FONDO_BASE_MAX));
    let deriva = [(); 3].map(|_| rng.gen_range(-(FONDO_GRADIENTE as f32)..=FONDO_GRADIENTE as f32));
    let mut pixeles = Vec::with_capacity(ANCHO * ALTO);
    for _ in 0..ALTO {
        for x in 0..ANCHO {
            let t = x as f32 / (ANCHO - 1) as f32;
            // One RNG draw per pixel, a byte per channel: the slight modulo bias is irrelevant
            // for noise, and this is the hot loop.
            let azar = rng.next_u32().to_le_bytes();
            pixeles.push([0, 1, 2].map(|c| {
                let ruido = (azar[c] % (2 * FONDO_RUIDO + 1)) as i16 - FONDO_RUIDO as i16;
                (base[c] as i16 + (deriva[c] * t) as i16 + ruido).clamp(FONDO_MIN as i16, 255) as u8
            }));
        }
    }
    Lienzo { pixeles }
}

/// Inverse mapping: for every pixel of the glyph's bounding box, find the glyph pixel it comes
/// from (nearest neighbour), so the distorted glyph has no holes.
fn dibujar_glifo(lienzo: &mut Lienzo, glifo: &[u8; GLIFO_ALTO], c: &Colocacion, onda: &Onda) {
    let (semiancho, semialto) = c.semiejes();
    let semialto = semialto + onda.amplitud;
    let mapa = Mapa::de_glifo(glifo).escala2x().escala2x();
    let det = c.m[0][0] * c.m[1][1] - c.m[0][1] * c.m[1][0];
    let inversa = [
        [c.m[1][1] / det, -c.m[0][1] / det],
        [-c.m[1][0] / det, c.m[0][0] / det],
    ];
    let x0 = (c.centro.0 - semiancho).floor().max(0.0) as usize;
    let x1 = ((c.centro.0 + semiancho).ceil() as usize).min(ANCHO);
    let y0 = (c.centro.1 - semialto).floor().max(0.0) as usize;
    let y1 = ((c.centro.1 + semialto).ceil() as usize).min(ALTO);
    for x in x0..x1 {
        let px = x as f32 + 0.5;
        let dx = px - c.centro.0;
        let desplazamiento = onda.en(px);
        for y in y0..y1 {
            let dy = y as f32 + 0.5 - c.centro.1 - desplazamiento;
            let u = inversa[0][0] * dx + inversa[0][1] * dy + GLIFO_ANCHO as f32 / 2.0;
            let v = inversa[1][0] * dx + inversa[1][1] * dy + GLIFO_ALTO as f32 / 2.0;
            if u < 0.0 || v < 0.0 {
                continue;
            }
            if mapa.en((u * SUAVIZADO) as isize, (v * SUAVIZADO) as isize) {
                lienzo.pixeles[y * ANCHO + x] = c.tinta;
            }
        }
    }
}

/// 3–4 thin lines across most of the width, gently bowed, in ink colours: thin enough for a
/// person to see past, but they join the glyphs into one blob for naive segmentation.
fn lineas(lienzo: &mut Lienzo, rng: &mut impl Rng) {
    for _ in 0..rng.gen_range(3..=4) {
        let (xa, xb) = (
            rng.gen_range(0..40),
            rng.gen_range(ANCHO as i32 - 40..ANCHO as i32),
        );
        let (ya, yb) = (rng.gen_range(12.0f32..58.0), rng.gen_range(12.0f32..58.0));
        let curva = rng.gen_range(-10.0f32..10.0);
        let grosor = rng.gen_range(1..=2);
        let color = tinta(rng);
        // One pixel per column: the slope stays below 1, so the line has no gaps.
        for x in xa..=xb {
            let t = (x - xa) as f32 / (xb - xa) as f32;
            let y = ya + (yb - ya) * t + curva * (std::f32::consts::PI * t).sin();
            for g in 0..grosor {
                lienzo.poner(x, y as i32 + g, color);
            }
        }
    }
}

/// About 4% of the pixels: dark specks around and light pinholes in the strokes.
fn motas(lienzo: &mut Lienzo, rng: &mut impl Rng) {
    for _ in 0..ANCHO * ALTO / 25 {
        let (x, y) = (
            rng.gen_range(0..ANCHO as i32),
            rng.gen_range(0..ALTO as i32),
        );
        let color = if rng.gen_bool(0.5) {
            tinta(rng)
        } else {
            [(); 3].map(|_| rng.gen_range(FONDO_BASE_MIN..=FONDO_BASE_MAX))
        };
        lienzo.poner(x, y, color);
    }
}

#[cfg(test)]
const FIRMA_PNG: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n'];

/// A PNG of 8-bit RGB pixels (`alto` rows of 3·`ancho` bytes). `None` only if the sizes disagree.
fn codificar_png(ancho: u32, alto: u32, rgb: &[u8]) -> Option<Vec<u8>> {
    let mut salida = Vec::with_capacity(16 * 1024);
    let mut codificador = png::Encoder::new(&mut salida, ancho, alto);
    codificador.set_color(png::ColorType::Rgb);
    codificador.set_depth(png::BitDepth::Eight);
    // `set_compression` also picks a filter: set ours after it.
    codificador.set_compression(png::Compression::High);
    codificador.set_filter(png::Filter::NoFilter);
    let mut escritor = codificador.write_header().ok()?;
    escritor.write_image_data(rgb).ok()?;
    escritor.finish().ok()?;
    Some(salida)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};

    fn semilla(n: u64) -> StdRng {
        StdRng::seed_from_u64(n)
    }

    struct Trozo<'a> {
        tipo: [u8; 4],
        datos: &'a [u8],
        crc: u32,
    }

    /// Splits a PNG into its chunks, checking the signature and that nothing dangles.
    fn trozos(png: &[u8]) -> Vec<Trozo<'_>> {
        assert_eq!(png[..8], FIRMA_PNG, "firma PNG");
        let mut resto = &png[8..];
        let mut salida = Vec::new();
        while !resto.is_empty() {
            assert!(resto.len() >= 12, "trozo truncado");
            let largo = u32::from_be_bytes(resto[0..4].try_into().unwrap()) as usize;
            assert!(resto.len() >= 12 + largo, "trozo truncado");
            salida.push(Trozo {
                tipo: resto[4..8].try_into().unwrap(),
                datos: &resto[8..8 + largo],
                crc: u32::from_be_bytes(resto[8 + largo..12 + largo].try_into().unwrap()),
            });
            resto = &resto[12 + largo..];
        }
        salida
    }

    /// CRC-32 (ISO-HDLC), bit by bit from the definition: an independent check of each chunk.
    fn crc32(datos: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in datos {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    0xEDB8_8320 ^ (crc >> 1)
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn crc32_da_el_valor_de_referencia() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn la_firma_y_el_ihdr_son_correctos() {
        let png = png("7KQ4M", &mut semilla(1)).expect("texto válido");
        let trozos = trozos(&png);
        let tipos: Vec<&[u8; 4]> = trozos.iter().map(|t| &t.tipo).collect();
        assert_eq!(tipos, [b"IHDR", b"IDAT", b"IEND"]);
        let ihdr = trozos[0].datos;
        assert_eq!(ihdr.len(), 13);
        assert_eq!(u32::from_be_bytes(ihdr[0..4].try_into().unwrap()), 200);
        assert_eq!(u32::from_be_bytes(ihdr[4..8].try_into().unwrap()), 70);
        assert_eq!(ihdr[8], 8, "profundidad de bits");
        assert_eq!(ihdr[9], 2, "tipo de color RGB");
        assert_eq!(ihdr[10..], [0, 0, 0], "compresión, filtro, entrelazado");
        assert!(trozos[2].datos.is_empty());
    }

    #[test]
    fn el_crc_de_cada_trozo_verifica() {
        for n in 0..5 {
            let png = png("EFHN3", &mut semilla(n)).expect("texto válido");
            for t in trozos(&png) {
                let mut cubierto = t.tipo.to_vec();
                cubierto.extend_from_slice(t.datos);
                assert_eq!(t.crc, crc32(&cubierto), "CRC de {:?}", t.tipo);
            }
        }
        // IEND is always the same 12 bytes.
        let png = png("A", &mut semilla(0)).expect("texto válido");
        assert_eq!(
            png[png.len() - 12..],
            [0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]
        );
    }

    #[test]
    fn la_imagen_se_decodifica_a_los_pixeles_dibujados_y_va_comprimida() {
        let lienzo = dibujar("WXYPRT96", &mut semilla(7)).expect("texto válido");
        let png = png("WXYPRT96", &mut semilla(7)).expect("texto válido");
        let mut lector = png::Decoder::new(std::io::Cursor::new(&png))
            .read_info()
            .expect("PNG legible");
        let mut pixeles = vec![0; lector.output_buffer_size().expect("tamaño")];
        let info = lector.next_frame(&mut pixeles).expect("un cuadro");
        assert_eq!((info.width, info.height), (ANCHO as u32, ALTO as u32));
        assert_eq!(info.color_type, png::ColorType::Rgb);
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        assert!(
            pixeles[..info.buffer_size()] == lienzo.pixeles_rgb()[..],
            "los píxeles decodificados difieren de los dibujados"
        );
        // Real deflate: well under the 42 KB of raw scanlines the stored blocks used to take.
        let crudo = lienzo.filas_crudas().len();
        assert!(png.len() < crudo * 3 / 4, "{} bytes de {crudo}", png.len());
    }

    #[test]
    fn una_entrada_invalida_no_da_imagen() {
        let mut rng = semilla(0);
        for texto in [
            "",
            "ACDEFGHJK", // 9
            "ABC",       // B is not in the alphabet
            "O",
            "0",
            "acd",
            "AC D",
            "ACÑ",
            "A\u{0}",
        ] {
            assert!(png(texto, &mut rng).is_none(), "{texto:?}");
        }
        assert!(png("ACDEFGHJ", &mut rng).is_some(), "8 caracteres");
        assert!(png("3", &mut rng).is_some(), "1 carácter");
    }

    #[test]
    fn cada_caracter_del_alfabeto_se_dibuja() {
        for &c in ALFABETO {
            let texto = [c; 4];
            let texto = std::str::from_utf8(&texto).expect("ASCII");
            assert!(png(texto, &mut semilla(c as u64)).is_some(), "{texto}");
        }
    }

    #[test]
    fn otra_semilla_da_otra_imagen_y_la_misma_la_misma() {
        let a = png("MNQ4", &mut semilla(1)).expect("texto válido");
        let b = png("MNQ4", &mut semilla(2)).expect("texto válido");
        let a_otra_vez = png("MNQ4", &mut semilla(1)).expect("texto válido");
        assert_ne!(a, b);
        assert_eq!(a, a_otra_vez);
    }

    #[test]
    fn la_escala2x_conecta_las_diagonales_y_respeta_lo_macizo() {
        let mapa = |filas: &[u32]| Mapa {
            ancho: 3,
            filas: filas.to_vec(),
        };
        // A 3×3 diagonal: the 2×2 blocks touch only at corners, Scale2x fills both notches.
        let diagonal = mapa(&[0b001, 0b010, 0b100]).escala2x();
        assert!(diagonal.en(2, 1) && diagonal.en(1, 2));
        assert!(diagonal.en(0, 0) && diagonal.en(3, 3) && diagonal.en(5, 5));
        assert!(!diagonal.en(5, 0) && !diagonal.en(0, 5));
        // A solid square stays exactly a solid square: corners are not rounded off.
        let macizo = mapa(&[0b111; 3]).escala2x();
        assert_eq!(macizo.ancho, 6);
        assert_eq!(macizo.filas, [0b11_1111; 6]);
        // Every glyph, smoothed twice, fits the 32-bit rows and keeps all its ink: each font
        // pixel's 4×4 block is fully inked.
        for g in &GLIFOS {
            let original = Mapa::de_glifo(g);
            let suave = original.escala2x().escala2x();
            assert_eq!((suave.ancho, suave.filas.len()), (20, 28));
            for (x, y) in (0..5).flat_map(|x| (0..7).map(move |y| (x, y))) {
                if original.en(x, y) {
                    assert!((0..16).all(|i| suave.en(4 * x + i % 4, 4 * y + i / 4)));
                }
            }
        }
    }

    #[test]
    fn los_glifos_son_distintos_entre_si() {
        let pixeles = |g: &[u8; GLIFO_ALTO]| -> u32 {
            // 35 bits: the rows side by side.
            g.iter().fold(0, |acc, &fila| (acc << 5) | u32::from(fila))
        };
        for (i, g) in GLIFOS.iter().enumerate() {
            assert!(g.iter().all(|&fila| fila < 0x20), "solo 5 columnas");
            assert!(g.iter().any(|&fila| fila != 0));
            for (j, h) in GLIFOS.iter().enumerate().skip(i + 1) {
                // Not merely different: at least 3 pixels apart (F/P and P/R are the closest).
                let distancia = (pixeles(g) ^ pixeles(h)).count_ones();
                assert!(
                    distancia >= 3,
                    "{} y {} difieren en {distancia} píxeles",
                    ALFABETO[i] as char,
                    ALFABETO[j] as char
                );
            }
        }
    }

    #[test]
    fn el_texto_distorsionado_cabe_en_la_imagen() {
        let mut rng = semilla(3);
        for _ in 0..200 {
            for n in 1..=LONGITUD_MAXIMA {
                for c in colocar(n, &mut rng) {
                    let (semiancho, semialto) = c.semiejes();
                    let semialto = semialto + ONDA_AMPLITUD_MAX;
                    assert!(
                        c.centro.0 - semiancho >= 0.0 && c.centro.0 + semiancho <= ANCHO as f32
                    );
                    assert!(c.centro.1 - semialto >= 0.0 && c.centro.1 + semialto <= ALTO as f32);
                }
            }
        }
    }

    #[test]
    fn el_contraste_entre_tinta_y_fondo_supera_wcag_aa() {
        // WCAG 2 relative luminance of a grey level; the worst case is the lightest ink on the
        // darkest background, and for a given channel bound grey is the worst hue.
        let luminancia = |canal: u8| {
            let c = canal as f64 / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let contraste = (luminancia(FONDO_MIN) + 0.05) / (luminancia(TINTA_MAX) + 0.05);
        assert!(contraste >= 4.5, "contraste {contraste:.2}");
    }

    #[test]
    fn la_imagen_tiene_tinta_y_fondo() {
        // Guards against a transform bug that silently draws nothing: a good share of pixels
        // must be ink-dark, and most must stay light.
        let lienzo = dibujar("HKMW", &mut semilla(11)).expect("texto válido");
        let oscuros = lienzo
            .pixeles
            .iter()
            .filter(|p| p.iter().all(|&c| c <= TINTA_MAX))
            .count();
        let total = ANCHO * ALTO;
        assert!(oscuros > total / 10, "{oscuros} píxeles oscuros");
        assert!(oscuros < total / 2, "{oscuros} píxeles oscuros");
    }

    /// An independent decoder: Python's `zlib` inflates the IDAT and checks every chunk CRC.
    /// Skipped when `python3` isn't installed.
    #[test]
    fn python_decodifica_el_png() {
        use std::io::Write;
        use std::process::{Command, Stdio};

        const GUION: &str = r#"
import sys, zlib
png = sys.stdin.buffer.read()
assert png[:8] == b"\x89PNG\r\n\x1a\n"
i, idat = 8, b""
while i < len(png):
    n = int.from_bytes(png[i:i+4], "big")
    tipo, datos = png[i+4:i+8], png[i+8:i+8+n]
    assert zlib.crc32(tipo + datos) == int.from_bytes(png[i+8+n:i+12+n], "big"), tipo
    if tipo == b"IDAT":
        idat += datos
    i += 12 + n
sys.stdout.buffer.write(zlib.decompress(idat))
"#;
        let lienzo = dibujar("CDGJ", &mut semilla(5)).expect("texto válido");
        let png = png("CDGJ", &mut semilla(5)).expect("texto válido");
        let Ok(mut hijo) = Command::new("python3")
            .args(["-c", GUION])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
        else {
            eprintln!("python3 no está instalado; se omite la prueba");
            return;
        };
        hijo.stdin
            .take()
            .expect("stdin")
            .write_all(&png)
            .expect("escribir a python3");
        let salida = hijo.wait_with_output().expect("python3");
        assert!(
            salida.status.success(),
            "python3: {}",
            String::from_utf8_lossy(&salida.stderr)
        );
        assert!(salida.stdout == lienzo.filas_crudas());
    }

    /// Writes a sample for people to look at and reports the rendering time (add `--release`
    /// for a meaningful figure; it is about 0.6 ms there):
    /// `cargo test -p intercomunicacion --lib captcha::imagen::tests::muestra -- --ignored --nocapture`
    #[test]
    #[ignore = "escribe /tmp/captcha-muestra.png"]
    fn muestra() {
        let mut rng = rand::thread_rng();
        let inicio = std::time::Instant::now();
        const VECES: u32 = 100;
        for _ in 0..VECES {
            png("K7MW4Q", &mut rng).expect("texto válido");
        }
        eprintln!("{:?} por imagen", inicio.elapsed() / VECES);
        let png = png("K7MW4Q", &mut rng).expect("texto válido");
        std::fs::write("/tmp/captcha-muestra.png", png).expect("escribir la muestra");
    }
}
