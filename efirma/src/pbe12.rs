//! PKCS#12 password-based encryption (RFC 7292 appendix B for the key derivation, appendix C for
//! the schemes): `pbeWithSHAAnd3-KeyTripleDES-CBC`, the "PBES1" of `openssl pkcs8 -v1
//! PBE-SHA1-3DES` and of older `.pfx` key bags, and, for the certificates of a `.pfx` only
//! (feature `pfx`), the RC2-CBC ones that OpenSSL's `-legacy` and older Windows exports use.
//!
//! The derivation is the `pkcs12` crate's (RustCrypto); its output and the password in the
//! form it wants (UTF-16 big-endian, two zero bytes at the end) live in zeroized buffers.

use const_oid::ObjectIdentifier;
use der::Decode;
use pkcs12::kdf::{derive_key, Pkcs12KeyType};
use pkcs12::pbe_params::Pkcs12PbeParams;
use zeroize::Zeroizing;

use crate::Error;

/// A PKCS#12 PBE scheme this crate decrypts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Esquema {
    /// pbeWithSHAAnd3-KeyTripleDES-CBC (1.2.840.113549.1.12.1.3).
    TresDes,
    /// pbeWithSHAAnd40BitRC2-CBC (1.2.840.113549.1.12.1.6): certificates of a `.pfx` only.
    #[cfg(feature = "pfx")]
    Rc2De40,
    /// pbeWithSHAAnd128BitRC2-CBC (1.2.840.113549.1.12.1.5): certificates of a `.pfx` only.
    #[cfg(feature = "pfx")]
    Rc2De128,
}

impl Esquema {
    /// The scheme for a key: 3DES only (RC2-40 protects nothing).
    pub(crate) fn de_llave(oid: ObjectIdentifier) -> Option<Esquema> {
        (oid == pkcs12::PKCS_12_PBE_WITH_SHAAND3_KEY_TRIPLE_DES_CBC).then_some(Esquema::TresDes)
    }

    /// The scheme for a `.pfx`'s certificates, which are public anyway.
    #[cfg(feature = "pfx")]
    pub(crate) fn de_certificados(oid: ObjectIdentifier) -> Option<Esquema> {
        match oid {
            pkcs12::PKCS_12_PBEWITH_SHAAND40_BIT_RC2_CBC => Some(Esquema::Rc2De40),
            pkcs12::PKCS_12_PBE_WITH_SHAAND128_BIT_RC2_CBC => Some(Esquema::Rc2De128),
            _ => Esquema::de_llave(oid),
        }
    }
}

/// The password as PKCS#12's derivation takes it: UTF-16BE and a two-byte terminator. Bytes
/// that are not UTF-8 are taken one per character (Latin-1), as OpenSSL does.
pub(crate) fn contrasena_bmp(contrasena: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut bmp = Zeroizing::new(Vec::with_capacity(contrasena.len() * 2 + 2));
    match core::str::from_utf8(contrasena) {
        Ok(texto) => texto
            .encode_utf16()
            .for_each(|u| bmp.extend_from_slice(&u.to_be_bytes())),
        Err(_) => contrasena
            .iter()
            .for_each(|&b| bmp.extend_from_slice(&[0, b])),
    }
    bmp.extend_from_slice(&[0, 0]);
    bmp
}

/// RFC 7292 appendix B.2 with SHA-1, into a zeroized buffer.
pub(crate) fn derivar<D>(
    bmp: &[u8],
    sal: &[u8],
    id: Pkcs12KeyType,
    iteraciones: i32,
    largo: usize,
) -> Zeroizing<Vec<u8>>
where
    D: sha1::digest::Digest
        + sha1::digest::FixedOutputReset
        + sha1::digest::core_api::BlockSizeUser,
{
    Zeroizing::new(derive_key::<D>(bmp, sal, id, iteraciones, largo))
}

/// Decrypts `cifrado` with `esquema` and its DER parameters (salt and iteration count).
///
/// Malformed parameters: [`Error::NoEsLlavePrivada`]; an iteration count of zero or above
/// `maximo`: [`Error::AlgoritmoNoSoportado`]; bad padding (a wrong password, most of the time):
/// [`Error::ContrasenaIncorrecta`].
pub(crate) fn descifrar(
    esquema: Esquema,
    parametros: &[u8],
    contrasena: &[u8],
    cifrado: &[u8],
    maximo: u32,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let parametros = Pkcs12PbeParams::from_der(parametros).map_err(|_| Error::NoEsLlavePrivada)?;
    let iteraciones = parametros.iterations;
    if iteraciones < 1 || iteraciones.unsigned_abs() > maximo {
        return Err(Error::AlgoritmoNoSoportado);
    }
    let sal = parametros.salt.as_bytes();
    let bmp = contrasena_bmp(contrasena);
    let largo_llave = match esquema {
        Esquema::TresDes => 24,
        #[cfg(feature = "pfx")]
        Esquema::Rc2De40 => 5,
        #[cfg(feature = "pfx")]
        Esquema::Rc2De128 => 16,
    };
    let llave = derivar::<sha1::Sha1>(
        &bmp,
        sal,
        Pkcs12KeyType::EncryptionKey,
        iteraciones,
        largo_llave,
    );
    let iv = derivar::<sha1::Sha1>(&bmp, sal, Pkcs12KeyType::Iv, iteraciones, 8);
    let mut datos = Zeroizing::new(cifrado.to_vec());
    let n = match esquema {
        Esquema::TresDes => crate::pbes2::cbc_pkcs7::<des::TdesEde3>(&llave, &iv, &mut datos),
        #[cfg(feature = "pfx")]
        Esquema::Rc2De40 | Esquema::Rc2De128 => rc2_cbc(&llave, &iv, &mut datos),
    }
    .ok_or(Error::ContrasenaIncorrecta)?;
    datos.truncate(n);
    Ok(datos)
}

#[cfg(feature = "pfx")]
fn rc2_cbc(llave: &[u8], iv: &[u8], datos: &mut [u8]) -> Option<usize> {
    use cbc::cipher::{block_padding::Pkcs7, BlockDecryptMut, InnerIvInit};
    // RC2's effective key length is the key's own here: 40 or 128 bits.
    let rc2 = rc2::Rc2::new_with_eff_key_len(llave, llave.len() * 8);
    cbc::Decryptor::inner_iv_slice_init(rc2, iv)
        .ok()?
        .decrypt_padded_mut::<Pkcs7>(datos)
        .ok()
        .map(<[u8]>::len)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `pkcs12` crate's vectors, checked against OpenSSL's `PKCS12_key_gen_utf8`: with our
    /// conversion of a non-ASCII password, the same keys.
    #[test]
    fn vectores_de_derivacion() {
        let bmp = contrasena_bmp("ge@äheim".as_bytes());
        let sal = [1, 2, 3, 4, 5, 6, 7, 8];
        let hex = |b: &[u8]| b.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let llave = derivar::<sha2::Sha256>(&bmp, &sal, Pkcs12KeyType::EncryptionKey, 100, 32);
        assert_eq!(
            hex(&llave),
            "fae4d4957a3cc781e1180b9d4fb79c1e0c8579b746a3177e5b0768a3118bf863"
        );
        let iv = derivar::<sha2::Sha256>(&bmp, &sal, Pkcs12KeyType::Iv, 100, 32);
        assert_eq!(
            hex(&iv),
            "e5ff813bc6547de5155b14d2fada85b3201a977349db6e26ccc998d9e8f83d6c"
        );
    }

    #[test]
    fn contrasena_que_no_es_utf8() {
        assert_eq!(contrasena_bmp(b"\xf1").as_slice(), b"\0\xf1\0\0");
        assert_eq!(contrasena_bmp("ñ".as_bytes()).as_slice(), b"\0\xf1\0\0");
        assert_eq!(contrasena_bmp(b"").as_slice(), b"\0\0");
    }

    #[test]
    fn parametros_e_iteraciones() {
        // SEQUENCE { OCTET STRING 0102, INTEGER n }
        let con = |n: u8| vec![0x30, 0x07, 0x04, 0x02, 1, 2, 0x02, 0x01, n];
        assert_eq!(
            descifrar(Esquema::TresDes, &con(0), b"x", &[0; 8], 10),
            Err(Error::AlgoritmoNoSoportado)
        );
        assert_eq!(
            descifrar(Esquema::TresDes, &con(11), b"x", &[0; 8], 10),
            Err(Error::AlgoritmoNoSoportado)
        );
        assert_eq!(
            descifrar(Esquema::TresDes, &con(1), b"x", &[0; 7], 10),
            Err(Error::ContrasenaIncorrecta)
        );
        assert_eq!(
            descifrar(Esquema::TresDes, &[0x30, 0], b"x", &[0; 8], 10),
            Err(Error::NoEsLlavePrivada)
        );
    }
}
