//! RSA signatures: the two algorithms the portal uses, and the verification primitive shared by
//! certificates, trust chains and OCSP responses.
//!
//! Natively the arithmetic is `ring`'s (constant time, fast). In wasm32, where `ring` needs a C
//! toolchain, verification is RustCrypto's `rsa` and only with the feature `verificacion-wasm`
//! (public-key operations only; the portal's bundle does not need it).

#[cfg(any(not(target_arch = "wasm32"), feature = "verificacion-wasm"))]
use crate::Error;

/// The signature algorithms of the portal.
///
/// - [`Algoritmo::PssSha256`]: RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt, for
///   login-style challenges.
/// - [`Algoritmo::Pkcs1v15Sha256`]: RSASSA-PKCS1-v1_5 with SHA-256, for the *sello* over a
///   *cadena original*. This is the SAT convention (verifiable with
///   `openssl dgst -sha256 -verify`), kept for that regulatory reason only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Algoritmo {
    /// RSASSA-PKCS1-v1_5 / SHA-256.
    Pkcs1v15Sha256,
    /// RSASSA-PSS / SHA-256 (salt 32 bytes).
    PssSha256,
}

/// Every RSA signature scheme we verify, including those CAs and OCSP responders use.
#[cfg(any(not(target_arch = "wasm32"), feature = "verificacion-wasm"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Esquema {
    Pkcs1Sha256,
    Pkcs1Sha384,
    Pkcs1Sha512,
    PssSha256,
}

#[cfg(any(not(target_arch = "wasm32"), feature = "verificacion-wasm"))]
impl From<Algoritmo> for Esquema {
    fn from(a: Algoritmo) -> Self {
        match a {
            Algoritmo::Pkcs1v15Sha256 => Esquema::Pkcs1Sha256,
            Algoritmo::PssSha256 => Esquema::PssSha256,
        }
    }
}

#[cfg(any(not(target_arch = "wasm32"), feature = "verificacion-wasm"))]
impl Esquema {
    /// The scheme named by an X.509 `signatureAlgorithm` (RSA PKCS#1 v1.5 with SHA-2 only).
    pub(crate) fn desde_oid(oid: &const_oid::ObjectIdentifier) -> Result<Esquema, Error> {
        use const_oid::db::rfc5912::{
            SHA_256_WITH_RSA_ENCRYPTION, SHA_384_WITH_RSA_ENCRYPTION, SHA_512_WITH_RSA_ENCRYPTION,
        };
        match *oid {
            SHA_256_WITH_RSA_ENCRYPTION => Ok(Esquema::Pkcs1Sha256),
            SHA_384_WITH_RSA_ENCRYPTION => Ok(Esquema::Pkcs1Sha384),
            SHA_512_WITH_RSA_ENCRYPTION => Ok(Esquema::Pkcs1Sha512),
            _ => Err(Error::AlgoritmoNoSoportado),
        }
    }
}

/// Verifies `firma` over `datos` with an RSA public key given as PKCS#1 `RSAPublicKey` DER
/// (the contents of a certificate's `subjectPublicKey`). Keys of 2048 to 8192 bits.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn verificar_rsa(
    llave_publica: &[u8],
    esquema: Esquema,
    datos: &[u8],
    firma: &[u8],
) -> Result<(), Error> {
    use ring::signature as s;
    let alg: &'static s::RsaParameters = match esquema {
        Esquema::Pkcs1Sha256 => &s::RSA_PKCS1_2048_8192_SHA256,
        Esquema::Pkcs1Sha384 => &s::RSA_PKCS1_2048_8192_SHA384,
        Esquema::Pkcs1Sha512 => &s::RSA_PKCS1_2048_8192_SHA512,
        Esquema::PssSha256 => &s::RSA_PSS_2048_8192_SHA256,
    };
    s::UnparsedPublicKey::new(alg, llave_publica)
        .verify(datos, firma)
        .map_err(|_| Error::FirmaInvalida)
}

/// Verifies `firma` over `datos` with an RSA public key given as PKCS#1 `RSAPublicKey` DER
/// (the contents of a certificate's `subjectPublicKey`). Keys of 2048 to 8192 bits.
///
/// Public-key operations only: RUSTSEC-2023-0071 (Marvin) concerns private-key operations.
#[cfg(all(target_arch = "wasm32", feature = "verificacion-wasm"))]
pub(crate) fn verificar_rsa(
    llave_publica: &[u8],
    esquema: Esquema,
    datos: &[u8],
    firma: &[u8],
) -> Result<(), Error> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::traits::PublicKeyParts;
    use sha2::Digest;
    let llave =
        rsa::RsaPublicKey::from_pkcs1_der(llave_publica).map_err(|_| Error::FirmaInvalida)?;
    if !(2048..=8192).contains(&(llave.size() * 8)) {
        return Err(Error::FirmaInvalida);
    }
    let r = match esquema {
        Esquema::Pkcs1Sha256 => llave.verify(
            rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
            &sha2::Sha256::digest(datos),
            firma,
        ),
        Esquema::Pkcs1Sha384 => llave.verify(
            rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
            &sha2::Sha384::digest(datos),
            firma,
        ),
        Esquema::Pkcs1Sha512 => llave.verify(
            rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
            &sha2::Sha512::digest(datos),
            firma,
        ),
        Esquema::PssSha256 => llave.verify(
            rsa::Pss::new_with_salt::<sha2::Sha256>(32),
            &sha2::Sha256::digest(datos),
            firma,
        ),
    };
    r.map_err(|_| Error::FirmaInvalida)
}
