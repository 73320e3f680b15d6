//! PBES2 decryption (RFC 8018) of a PKCS#8 `EncryptedPrivateKeyInfo`: PBKDF2 with HMAC-SHA1 or
//! HMAC-SHA256, then des-ede3-cbc or AES-CBC with PKCS#7 padding.
//!
//! `pkcs5` could do this, but it does not wipe the derived key; here the key and the plaintext
//! live in zeroized buffers, and the ciphers (RustCrypto `des`'s `TdesEde3` and `aes`, in
//! `cbc` mode, all with their `zeroize` feature) wipe their key schedules when dropped. PBKDF2 is RustCrypto's on every
//! target: its SHA-1 uses the CPU's SHA extensions where available and, measured on the SAT key,
//! is about five times faster than `ring::pbkdf2` (whose SHA-1 is portable code).

use cbc::cipher::{
    block_padding::Pkcs7, BlockCipher, BlockDecrypt, BlockDecryptMut, KeyInit, KeyIvInit,
};
use pkcs5::pbes2::{EncryptionScheme, Parameters, Pbkdf2Prf};
use zeroize::Zeroizing;

/// Decrypts `cifrado` and checks its padding. `None` for anything that goes wrong: scheme not
/// handled here, a declared key length that does not fit the cipher, a bad IV or ciphertext
/// length, or bad padding (a wrong password, most of the time).
pub(crate) fn descifrar(
    parametros: &Parameters<'_>,
    contrasena: &[u8],
    cifrado: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let llave = derivar(parametros, contrasena)?;
    descifrar_con(parametros, &llave, cifrado)
}

/// The PBKDF2 step alone: `(salt, iterations, PRF, key length)` for a scheme handled here.
pub(crate) fn pbkdf2_de<'a>(
    parametros: &Parameters<'a>,
) -> Option<(&'a [u8], u32, Pbkdf2Prf, usize)> {
    let pbkdf2 = parametros.kdf.pbkdf2()?;
    let largo = parametros.encryption.key_size();
    if pbkdf2.key_length.is_some_and(|l| usize::from(l) != largo) || largo > 32 {
        return None;
    }
    if !matches!(
        pbkdf2.prf,
        Pbkdf2Prf::HmacWithSha1 | Pbkdf2Prf::HmacWithSha256
    ) {
        return None;
    }
    Some((pbkdf2.salt, pbkdf2.iteration_count, pbkdf2.prf, largo))
}

/// The cipher's key from the password, with RustCrypto's PBKDF2.
fn derivar(parametros: &Parameters<'_>, contrasena: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let (sal, iteraciones, prf, largo) = pbkdf2_de(parametros)?;
    let mut llave = Zeroizing::new(vec![0u8; largo]);
    match prf {
        Pbkdf2Prf::HmacWithSha1 => {
            pbkdf2::pbkdf2_hmac::<sha1::Sha1>(contrasena, sal, iteraciones, &mut llave);
        }
        Pbkdf2Prf::HmacWithSha256 => {
            pbkdf2::pbkdf2_hmac::<sha2::Sha256>(contrasena, sal, iteraciones, &mut llave);
        }
        _ => return None,
    }
    Some(llave)
}

/// Decrypts with the cipher's key already derived (by [`derivar`], or by the browser's own
/// PBKDF2). `None` as [`descifrar`], and for a key of the wrong length.
pub(crate) fn descifrar_con(
    parametros: &Parameters<'_>,
    llave: &[u8],
    cifrado: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let (_, _, _, largo) = pbkdf2_de(parametros)?;
    if llave.len() != largo {
        return None;
    }
    let mut datos = Zeroizing::new(cifrado.to_vec());
    let n = match parametros.encryption {
        EncryptionScheme::DesEde3Cbc { iv } => cbc_pkcs7::<des::TdesEde3>(llave, iv, &mut datos)?,
        EncryptionScheme::Aes128Cbc { iv } => cbc_pkcs7::<aes::Aes128Dec>(llave, iv, &mut datos)?,
        EncryptionScheme::Aes192Cbc { iv } => cbc_pkcs7::<aes::Aes192Dec>(llave, iv, &mut datos)?,
        EncryptionScheme::Aes256Cbc { iv } => cbc_pkcs7::<aes::Aes256Dec>(llave, iv, &mut datos)?,
        _ => return None,
    };
    datos.truncate(n);
    Some(datos)
}

/// CBC decryption in place with PKCS#7 padding; the length of the plaintext, or `None` for a
/// key or IV of the wrong length, a ciphertext that is not whole blocks, or bad padding.
pub(crate) fn cbc_pkcs7<C>(llave: &[u8], iv: &[u8], datos: &mut [u8]) -> Option<usize>
where
    C: BlockCipher + BlockDecrypt + KeyInit,
{
    let descifrador = cbc::Decryptor::<C>::new_from_slices(llave, iv).ok()?;
    descifrador
        .decrypt_padded_mut::<Pkcs7>(datos)
        .ok()
        .map(<[u8]>::len)
}

#[cfg(test)]
mod tests {
    use der::Decode;
    use pkcs5::pbes2::Pbkdf2Params;

    use super::*;

    /// Same plaintext as `pkcs5` for every scheme we accept, and the same refusals.
    #[test]
    fn igual_que_pkcs5() {
        let claro: Vec<u8> = (0u8..=200).collect();
        let sal = [9u8; 16];
        let iv = [5u8; 16];
        let esquemas = [
            EncryptionScheme::DesEde3Cbc {
                iv: iv[..8].try_into().unwrap(),
            },
            EncryptionScheme::Aes128Cbc { iv: &iv },
            EncryptionScheme::Aes192Cbc { iv: &iv },
            EncryptionScheme::Aes256Cbc { iv: &iv },
        ];
        for prf in [Pbkdf2Prf::HmacWithSha1, Pbkdf2Prf::HmacWithSha256] {
            for encryption in esquemas {
                let parametros = Parameters {
                    kdf: Pbkdf2Params {
                        salt: &sal,
                        iteration_count: 3,
                        key_length: None,
                        prf,
                    }
                    .into(),
                    encryption,
                };
                let cifrado = parametros.encrypt(b"clave", &claro).unwrap();
                let nuestro = descifrar(&parametros, b"clave", &cifrado).unwrap();
                assert_eq!(nuestro.as_slice(), claro.as_slice());
                for contrasena in [&b"otra"[..], b"", b"clave "] {
                    assert_eq!(
                        descifrar(&parametros, contrasena, &cifrado).map(|c| c.to_vec()),
                        parametros.decrypt(contrasena, &cifrado).ok()
                    );
                }
                assert_eq!(descifrar(&parametros, b"clave", &cifrado[1..]), None);
            }
        }
    }

    #[test]
    fn longitud_de_llave_declarada() {
        let sal = [1u8; 8];
        let iv = [2u8; 8];
        let con_largo = |key_length| Parameters {
            kdf: Pbkdf2Params {
                salt: &sal,
                iteration_count: 2,
                key_length,
                prf: Pbkdf2Prf::HmacWithSha1,
            }
            .into(),
            encryption: EncryptionScheme::DesEde3Cbc { iv: &iv },
        };
        let cifrado = con_largo(None).encrypt(b"x", b"hola").unwrap();
        assert_eq!(
            descifrar(&con_largo(Some(24)), b"x", &cifrado).as_deref(),
            Some(&b"hola".to_vec())
        );
        assert_eq!(descifrar(&con_largo(Some(16)), b"x", &cifrado), None);
    }

    /// The ciphers wipe their key schedules (and CBC its IV) when dropped: the crates'
    /// `zeroize` features are on.
    #[test]
    fn cifradores_se_borran() {
        fn borra_al_soltar<T: zeroize::ZeroizeOnDrop>() {}
        borra_al_soltar::<cbc::Decryptor<des::TdesEde3>>();
        borra_al_soltar::<cbc::Decryptor<aes::Aes128Dec>>();
        borra_al_soltar::<cbc::Decryptor<aes::Aes192Dec>>();
        borra_al_soltar::<cbc::Decryptor<aes::Aes256Dec>>();
    }

    /// The SAT test FIEL, decrypted both ways.
    #[test]
    fn llave_del_sat() {
        let key = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/fixtures/sat/EKU9003173C9/fiel.key"
        ))
        .unwrap();
        let cifrada = pkcs8::EncryptedPrivateKeyInfo::from_der(&key).unwrap();
        let pkcs5::EncryptionScheme::Pbes2(parametros) = &cifrada.encryption_algorithm else {
            panic!("PBES2");
        };
        let nuestro = descifrar(parametros, b"12345678a", cifrada.encrypted_data).unwrap();
        let suyo = parametros
            .decrypt(b"12345678a", cifrada.encrypted_data)
            .unwrap();
        assert_eq!(nuestro.as_slice(), suyo.as_slice());
    }
}
