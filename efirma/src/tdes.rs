//! Triple DES (EDE, three keys) decryption in CBC mode, the cipher of SAT's `.key` files.
//!
//! Written from FIPS 46-3 because decrypting a `.key` is on the hot path of every signature and
//! a table-driven round (S-boxes and the P permutation merged into eight 64-entry tables) is
//! several times faster than the generic `des` crate. Like that crate, it indexes tables with
//! key-dependent values; it is only used to open a key file the caller already holds.
//! Cross-checked against the `des` crate and the FIPS test vectors in the tests below.

use zeroize::{Zeroize, ZeroizeOnDrop};

/// Initial permutation (1-based input bit, most significant first); computed by [`ip`], kept to
/// test it.
#[cfg(test)]
const IP: [u8; 64] = [
    58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6,
    64, 56, 48, 40, 32, 24, 16, 8, 57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61,
    53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
];

/// Permutation applied to the S-box outputs.
const P: [u8; 32] = [
    16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19,
    13, 30, 6, 22, 11, 4, 25,
];

/// Permuted choice 1: 64-bit key to the 56 bits of C and D.
const PC1: [u8; 56] = [
    57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60,
    52, 44, 36, 63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29,
    21, 13, 5, 28, 20, 12, 4,
];

/// Permuted choice 2: C and D to a 48-bit round key.
const PC2: [u8; 48] = [
    14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, 41, 52,
    31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];

/// Left rotations of C and D before each round.
const ROTACIONES: [u32; 16] = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];

/// S-boxes S1..S8, four rows of sixteen.
#[rustfmt::skip]
const S: [[u8; 64]; 8] = [
    [14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7,
     0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
     4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0,
     15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13],
    [15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10,
     3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
     0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15,
     13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9],
    [10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8,
     13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
     13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7,
     1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12],
    [7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15,
     13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
     10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4,
     3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14],
    [2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9,
     14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
     4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14,
     11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3],
    [12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11,
     10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
     9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6,
     4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13],
    [4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1,
     13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
     1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2,
     6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12],
    [13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7,
     1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
     7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8,
     2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11],
];

/// `SP[i][x]`: S-box `i` on the six bits `x`, its four output bits in place, then P.
const SP: [[u32; 64]; 8] = tablas_sp();

/// How far to rotate R left so that its `i`-th six-bit group of the expansion E lands in the
/// low six bits (E takes bits 4i..4i+5, 1-based and cyclic, from R).
const ROTACION_E: [u32; 8] = [5, 9, 13, 17, 21, 25, 29, 1];

/// Exchanges the bits of `x` selected by `mascara` with those `d` places to their left.
#[inline(always)]
fn intercambiar(x: u64, d: u32, mascara: u64) -> u64 {
    let t = (x ^ (x >> d)) & mascara;
    x ^ t ^ (t << d)
}

/// Transposes `x` as an 8×8 bit matrix (byte i = row i).
#[inline(always)]
fn transponer(x: u64) -> u64 {
    let x = intercambiar(x, 7, 0x00AA_00AA_00AA_00AA);
    let x = intercambiar(x, 14, 0x0000_CCCC_0000_CCCC);
    intercambiar(x, 28, 0x0000_0000_F0F0_F0F0)
}

/// [`IP`] without a loop: its row `r` is bit `[2, 4, 6, 8, 1, 3, 5, 7][r]` of the input bytes
/// in reverse order, i.e. the transpose of the byte-reversed block with its rows reordered.
#[inline(always)]
fn ip(x: u64) -> u64 {
    let t = transponer(x.swap_bytes()).to_be_bytes();
    u64::from_be_bytes([t[1], t[3], t[5], t[7], t[0], t[2], t[4], t[6]])
}

/// The final permutation, the inverse of [`ip`].
#[inline(always)]
fn fp(x: u64) -> u64 {
    let o = x.to_be_bytes();
    let t = u64::from_be_bytes([o[4], o[0], o[5], o[1], o[6], o[2], o[7], o[3]]);
    transponer(t).swap_bytes()
}

/// Output bit `j` (most significant first, `tabla.len()` bits) is input bit `tabla[j]`
/// (1-based, most significant first, of an `ancho`-bit input).
const fn permutar(entrada: u64, ancho: u32, tabla: &[u8]) -> u64 {
    let mut salida = 0u64;
    let mut j = 0;
    while j < tabla.len() {
        let bit = (entrada >> (ancho - tabla[j] as u32)) & 1;
        salida = (salida << 1) | bit;
        j += 1;
    }
    salida
}

const fn tablas_sp() -> [[u32; 64]; 8] {
    let mut sp = [[0u32; 64]; 8];
    let mut i = 0;
    while i < 8 {
        let mut x = 0;
        while x < 64 {
            // Row: first and last bit; column: the four in between.
            let fila = ((x >> 4) & 2) | (x & 1);
            let columna = (x >> 1) & 0xf;
            let s = S[i][fila * 16 + columna] as u64;
            sp[i][x] = permutar(s << (28 - 4 * i), 32, &P) as u32;
            x += 1;
        }
        i += 1;
    }
    sp
}

/// The sixteen round keys of one DES key, each as eight six-bit groups.
#[derive(Zeroize, ZeroizeOnDrop)]
struct Subllaves([[u32; 8]; 16]);

impl Subllaves {
    fn new(llave: [u8; 8]) -> Subllaves {
        let cd = permutar(u64::from_be_bytes(llave), 64, &PC1);
        let (mut c, mut d) = ((cd >> 28) as u32, (cd & 0x0fff_ffff) as u32);
        let mut k = [[0u32; 8]; 16];
        for (ronda, &n) in k.iter_mut().zip(&ROTACIONES) {
            c = ((c << n) | (c >> (28 - n))) & 0x0fff_ffff;
            d = ((d << n) | (d >> (28 - n))) & 0x0fff_ffff;
            let k48 = permutar((u64::from(c) << 28) | u64::from(d), 56, &PC2);
            for (i, grupo) in ronda.iter_mut().enumerate() {
                *grupo = ((k48 >> (42 - 6 * i)) & 0x3f) as u32;
            }
        }
        Subllaves(k)
    }
}

/// The DES round function.
#[inline(always)]
fn f(r: u32, k: &[u32; 8]) -> u32 {
    let mut salida = 0;
    for i in 0..8 {
        let x = (r.rotate_left(ROTACION_E[i]) ^ k[i]) & 0x3f;
        salida ^= SP[i][x as usize];
    }
    salida
}

/// Sixteen Feistel rounds on (L, R) and the final swap; forward or with the keys reversed.
#[inline(always)]
fn rondas(mut l: u32, mut r: u32, k: &Subllaves, descifrar: bool) -> (u32, u32) {
    for i in 0..16 {
        let ki = if descifrar { &k.0[15 - i] } else { &k.0[i] };
        (l, r) = (r, l ^ f(r, ki));
    }
    (r, l)
}

/// DES-EDE3 with keys K1, K2, K3.
pub(crate) struct TripleDes {
    k1: Subllaves,
    k2: Subllaves,
    k3: Subllaves,
}

fn llave_de(bytes: &[u8]) -> [u8; 8] {
    let mut k = [0u8; 8];
    k.copy_from_slice(bytes);
    k
}

impl TripleDes {
    /// `llave` is K1 ‖ K2 ‖ K3 (24 bytes; parity bits are ignored).
    pub(crate) fn new(llave: &[u8; 24]) -> TripleDes {
        TripleDes {
            k1: Subllaves::new(llave_de(&llave[..8])),
            k2: Subllaves::new(llave_de(&llave[8..16])),
            k3: Subllaves::new(llave_de(&llave[16..])),
        }
    }

    /// One block: D_K1(E_K2(D_K3(bloque))). The FP/IP pairs between the three DES operations
    /// cancel out, so there is one IP and one FP per block.
    pub(crate) fn descifrar_bloque(&self, bloque: u64) -> u64 {
        let x = ip(bloque);
        let (l, r) = rondas((x >> 32) as u32, x as u32, &self.k3, true);
        let (l, r) = rondas(l, r, &self.k2, false);
        let (l, r) = rondas(l, r, &self.k1, true);
        fp((u64::from(l) << 32) | u64::from(r))
    }

    /// One block: E_K3(D_K2(E_K1(bloque))).
    #[cfg(test)]
    pub(crate) fn cifrar_bloque(&self, bloque: u64) -> u64 {
        let x = ip(bloque);
        let (l, r) = rondas((x >> 32) as u32, x as u32, &self.k1, false);
        let (l, r) = rondas(l, r, &self.k2, true);
        let (l, r) = rondas(l, r, &self.k3, false);
        fp((u64::from(l) << 32) | u64::from(r))
    }

    /// CBC decryption in place and PKCS#7 padding check; returns the plaintext length. `None`
    /// for a length that is not a positive multiple of 8 or bad padding.
    pub(crate) fn descifrar_cbc(&self, iv: &[u8; 8], datos: &mut [u8]) -> Option<usize> {
        if datos.is_empty() || !datos.len().is_multiple_of(8) {
            return None;
        }
        let mut anterior = u64::from_be_bytes(*iv);
        for bloque in datos.chunks_exact_mut(8) {
            let cifrado = u64::from_be_bytes(llave_de(bloque));
            let claro = self.descifrar_bloque(cifrado) ^ anterior;
            bloque.copy_from_slice(&claro.to_be_bytes());
            anterior = cifrado;
        }
        let relleno = *datos.last()?;
        let n = usize::from(relleno);
        if !(1..=8).contains(&n) || datos[datos.len() - n..].iter().any(|&b| b != relleno) {
            return None;
        }
        Some(datos.len() - n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cbc::cipher::{block_padding::Pkcs7, BlockDecryptMut, BlockEncryptMut, KeyIvInit};

    fn des_simple(llave: u64) -> TripleDes {
        let k = llave.to_be_bytes();
        let mut t = [0u8; 24];
        for c in t.chunks_exact_mut(8) {
            c.copy_from_slice(&k);
        }
        TripleDes::new(&t)
    }

    #[test]
    fn permutaciones_inicial_y_final() {
        let mut x = 0x0123_4567_89AB_CDEFu64;
        for _ in 0..1000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            assert_eq!(ip(x), permutar(x, 64, &IP));
            assert_eq!(fp(ip(x)), x);
        }
        for bit in 0..64 {
            assert_eq!(ip(1 << bit), permutar(1 << bit, 64, &IP));
        }
    }

    #[test]
    fn vectores_fips() {
        // With K1 = K2 = K3, EDE is single DES.
        let d = des_simple(0x1334_5779_9BBC_DFF1);
        assert_eq!(
            d.cifrar_bloque(0x0123_4567_89AB_CDEF),
            0x85E8_1354_0F0A_B405
        );
        assert_eq!(
            d.descifrar_bloque(0x85E8_1354_0F0A_B405),
            0x0123_4567_89AB_CDEF
        );
        let d = des_simple(0x0E32_9232_EA6D_0D73);
        assert_eq!(d.cifrar_bloque(0x8787_8787_8787_8787), 0);
    }

    /// Same results as the `des` crate (through `cbc`) on pseudo-random keys, IVs and lengths.
    #[test]
    fn igual_que_el_crate_des() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut siguiente = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for largo in 0..80 {
            let mut llave = [0u8; 24];
            let mut iv = [0u8; 8];
            llave
                .iter_mut()
                .chain(iv.iter_mut())
                .for_each(|b| *b = siguiente() as u8);
            let claro: Vec<u8> = (0..largo).map(|_| siguiente() as u8).collect();
            let cifrado = cbc::Encryptor::<des::TdesEde3>::new_from_slices(&llave, &iv)
                .unwrap()
                .encrypt_padded_vec_mut::<Pkcs7>(&claro);

            let tdes = TripleDes::new(&llave);
            let mut datos = cifrado.clone();
            let n = tdes.descifrar_cbc(&iv, &mut datos).expect("relleno");
            assert_eq!(&datos[..n], claro.as_slice());

            // Corrupted (the padding byte) and random ciphertexts: the same verdict as `des`.
            let mut iv_malo = iv;
            let mut malo = cifrado.clone();
            match malo.len() {
                8 => iv_malo[7] ^= 0x80,
                n => malo[n - 9] ^= 0x80,
            }
            let azar: Vec<u8> = (0..cifrado.len()).map(|_| siguiente() as u8).collect();
            for (iv, c) in [(iv_malo, malo), (iv, azar)] {
                let suyo = cbc::Decryptor::<des::TdesEde3>::new_from_slices(&llave, &iv)
                    .unwrap()
                    .decrypt_padded_vec_mut::<Pkcs7>(&c)
                    .ok();
                let mut nuestro = c.clone();
                let n = tdes.descifrar_cbc(&iv, &mut nuestro);
                assert_eq!(n.map(|n| nuestro[..n].to_vec()), suyo);
            }
        }
    }

    #[test]
    fn longitudes_invalidas() {
        let tdes = TripleDes::new(&[7; 24]);
        assert_eq!(tdes.descifrar_cbc(&[0; 8], &mut []), None);
        assert_eq!(tdes.descifrar_cbc(&[0; 8], &mut [0; 12]), None);
    }
}
