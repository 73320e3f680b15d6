//! The private half of an e.firma: the SAT `.key`, a PKCS#8 `EncryptedPrivateKeyInfo`
//! (PBES2 / PBKDF2-HMAC-SHA1 / des-ede3-cbc, or the same key re-encrypted with AES or with
//! PKCS#12's 3DES), decrypted with the holder's password.
//!
//! Every buffer that holds decrypted key material is zeroized when dropped. Natively the key is
//! also loaded into `ring` for fast signing; `ring` does not promise to wipe its own copy, so the
//! server should drop keys as soon as it is done with them. In wasm32 signing is opt-in
//! (feature `firma-wasm`): the portal hands the decrypted key to WebCrypto instead.

use core::fmt;

use const_oid::db::rfc5912::RSA_ENCRYPTION;
use der::{Decode, Encode};
use pkcs12::pbe_params::EncryptedPrivateKeyInfo;
use pkcs5::pbes2::{EncryptionScheme, Pbkdf2Prf};
use zeroize::Zeroizing;

use crate::certificado::Certificado;
use crate::error::TAMANO_MAXIMO;
#[cfg(any(not(target_arch = "wasm32"), feature = "firma-wasm"))]
use crate::firma::Algoritmo;
use crate::formato::{self, Clase};
use crate::pbe12;
use crate::Error;

/// Above this many PBKDF2 iterations a key file is treated as hostile (it would freeze the
/// browser); SAT uses 2048.
const ITERACIONES_MAXIMAS: u32 = 1_000_000;

/// What opens a key: its password, or the cipher key a browser already derived from it with its
/// own PBKDF2 ([`LlavePrivada::derivacion`]).
#[derive(Clone, Copy)]
enum Apertura<'a> {
    Contrasena(&'a [u8]),
    LlaveDerivada(&'a [u8]),
}

/// The PBES2 parameters this crate accepts, or why not.
fn revisar_pbes2(parametros: &pkcs5::pbes2::Parameters<'_>) -> Result<(), Error> {
    let pbkdf2 = parametros.kdf.pbkdf2().ok_or(Error::AlgoritmoNoSoportado)?;
    if !matches!(
        pbkdf2.prf,
        Pbkdf2Prf::HmacWithSha1 | Pbkdf2Prf::HmacWithSha256
    ) || pbkdf2.iteration_count == 0
        || pbkdf2.iteration_count > ITERACIONES_MAXIMAS
    {
        return Err(Error::AlgoritmoNoSoportado);
    }
    if !matches!(
        parametros.encryption,
        EncryptionScheme::DesEde3Cbc { .. }
            | EncryptionScheme::Aes128Cbc { .. }
            | EncryptionScheme::Aes192Cbc { .. }
            | EncryptionScheme::Aes256Cbc { .. }
    ) {
        return Err(Error::AlgoritmoNoSoportado);
    }
    Ok(())
}

/// PBES2 with the parameters this crate accepts; the plaintext, or why not.
fn descifrar_pbes2(
    parametros: &pkcs5::pbes2::Parameters<'_>,
    apertura: Apertura<'_>,
    cifrado: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    revisar_pbes2(parametros)?;
    match apertura {
        Apertura::Contrasena(c) => crate::pbes2::descifrar(parametros, c, cifrado),
        Apertura::LlaveDerivada(k) => crate::pbes2::descifrar_con(parametros, k, cifrado),
    }
    .ok_or(Error::ContrasenaIncorrecta)
}

/// The hash of the PBKDF2 that turns a `.key`'s password into its cipher key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashPbkdf2 {
    /// HMAC-SHA1: SAT's `.key` files.
    Sha1,
    /// HMAC-SHA256: keys re-encrypted by newer tools (OpenSSL 3's default).
    Sha256,
}

impl HashPbkdf2 {
    /// The name WebCrypto gives it (`{name: "PBKDF2", hash: ..}`).
    pub fn nombre_webcrypto(self) -> &'static str {
        match self {
            HashPbkdf2::Sha1 => "SHA-1",
            HashPbkdf2::Sha256 => "SHA-256",
        }
    }
}

/// PBKDF2's parameters for one `.key` ([`LlavePrivada::derivacion`]): salt, iterations, hash and
/// the length of the key to derive, in bytes. Public data, stored in the file itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derivacion {
    /// PBKDF2's salt.
    pub sal: Vec<u8>,
    /// PBKDF2's iteration count (SAT: 2048).
    pub iteraciones: u32,
    /// The HMAC's hash.
    pub hash: HashPbkdf2,
    /// Bytes to derive: the cipher's key length (24 for 3DES).
    pub largo: usize,
}

/// Runs `abrir` with the password as typed and, when that is a wrong password and the password
/// has ASCII blanks (spaces, tabs, line ends) at either end, once more with them trimmed. A
/// password that really ends in a space still works (it is tried first); the second try costs
/// one more key derivation, only on failure.
pub(crate) fn con_contrasena_recortada<T>(
    contrasena: &[u8],
    abrir: impl Fn(&[u8]) -> Result<T, Error>,
) -> Result<T, Error> {
    let mut resultado = Err(Error::ContrasenaIncorrecta);
    for intento in contrasenas_a_probar(contrasena) {
        resultado = abrir(intento);
        if resultado.as_ref().err() != Some(&Error::ContrasenaIncorrecta) {
            break;
        }
    }
    resultado
}

/// The passwords [`LlavePrivada::descifrar`] tries for a typed one, in order: as typed, then
/// without ASCII blanks at either end if it has any. For a caller that derives the key itself
/// ([`LlavePrivada::derivacion`]) and must try the same ones.
pub fn contrasenas_a_probar(contrasena: &[u8]) -> impl Iterator<Item = &[u8]> {
    let recortada = contrasena.trim_ascii();
    std::iter::once(contrasena).chain((recortada.len() != contrasena.len()).then_some(recortada))
}

/// A decrypted RSA private key.
pub struct LlavePrivada {
    /// Unencrypted PKCS#8 `PrivateKeyInfo` (rsaEncryption), rebuilt canonically.
    pkcs8: Zeroizing<Vec<u8>>,
    modulo: Vec<u8>,
    exponente: Vec<u8>,
    #[cfg(not(target_arch = "wasm32"))]
    par: ring::signature::RsaKeyPair,
    /// Built on the first [`LlavePrivada::firmar`]: in the browser the key usually goes to
    /// WebCrypto ([`LlavePrivada::pkcs8_der`]) and RustCrypto's key validation and CRT
    /// precomputation would be wasted work.
    #[cfg(all(target_arch = "wasm32", feature = "firma-wasm"))]
    rsa: std::sync::OnceLock<Option<rsa::RsaPrivateKey>>,
}

impl fmt::Debug for LlavePrivada {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LlavePrivada(..)")
    }
}

impl LlavePrivada {
    /// Decrypts a SAT `.key` (DER, or PEM `ENCRYPTED PRIVATE KEY`) with its password.
    ///
    /// Accepted: PKCS#8 `EncryptedPrivateKeyInfo` with PBES2 (PBKDF2 HMAC-SHA1/SHA-256 and
    /// des-ede3-cbc or AES-CBC, SAT's own) or with PKCS#12's pbeWithSHAAnd3-KeyTripleDES-CBC
    /// (`openssl pkcs8 -v1 PBE-SHA1-3DES`). The password is tried as given and, if it does not
    /// open the key and has blanks at either end (a copied password often does), trimmed.
    ///
    /// - Files that are something else get their own error: [`Error::LlaveSinCifrar`] (a
    ///   `PRIVATE KEY`, PEM or DER), [`Error::LlaveRsaTradicional`] (an `RSA PRIVATE KEY`),
    ///   [`Error::EsRequerimiento`] (SAT's `.req`), [`Error::EsPfx`] (a `.pfx`/`.p12`); anything
    ///   else that is not an encrypted PKCS#8 structure: [`Error::NoEsLlavePrivada`].
    /// - Another encryption scheme: [`Error::AlgoritmoNoSoportado`].
    /// - Anything that goes wrong after that, including a plaintext that is not an RSA key (a
    ///   wrong password gets past the CBC padding check about once in 256 tries):
    ///   [`Error::ContrasenaIncorrecta`].
    pub fn descifrar(key: &[u8], contrasena: &[u8]) -> Result<LlavePrivada, Error> {
        let der = Self::der_cifrada(key)?;
        let cifrada = Self::cifrada(&der)?;
        con_contrasena_recortada(contrasena, |c| Self::abrir(&cifrada, c))
    }

    /// How the password of `key` becomes its cipher key: PBKDF2 with these parameters, so that a
    /// browser can run its own native PBKDF2 (WebCrypto `deriveBits`, far faster than wasm) and
    /// then call [`LlavePrivada::descifrar_con_llave_derivada`]. Only for PBES2 keys (SAT's);
    /// anything else, including a PKCS#12-encrypted key (whose KDF WebCrypto lacks), is refused
    /// as [`LlavePrivada::descifrar`] would refuse it, or with [`Error::AlgoritmoNoSoportado`]: a
    /// caller that gets an error here falls back to `descifrar`, whose answer is the one to show.
    pub fn derivacion(key: &[u8]) -> Result<Derivacion, Error> {
        Self::con_pbes2(key, |parametros, _| {
            revisar_pbes2(parametros)?;
            let (sal, iteraciones, prf, largo) =
                crate::pbes2::pbkdf2_de(parametros).ok_or(Error::AlgoritmoNoSoportado)?;
            Ok(Derivacion {
                sal: sal.to_vec(),
                iteraciones,
                hash: if prf == Pbkdf2Prf::HmacWithSha256 {
                    HashPbkdf2::Sha256
                } else {
                    HashPbkdf2::Sha1
                },
                largo,
            })
        })
    }

    /// Decrypts a PBES2 `key` with its cipher key already derived from the password as
    /// [`LlavePrivada::derivacion`] describes. A wrong key (from a wrong password) is
    /// [`Error::ContrasenaIncorrecta`], as in [`LlavePrivada::descifrar`].
    pub fn descifrar_con_llave_derivada(key: &[u8], llave: &[u8]) -> Result<LlavePrivada, Error> {
        Self::con_pbes2(key, |parametros, cifrado| {
            let claro = descifrar_pbes2(parametros, Apertura::LlaveDerivada(llave), cifrado)?;
            Self::desde_claro(&claro)
        })
    }

    /// Runs `f` with the PBES2 parameters and the ciphertext of an encrypted PKCS#8 `key`;
    /// another scheme is [`Error::AlgoritmoNoSoportado`], another kind of file its own error.
    fn con_pbes2<R>(
        key: &[u8],
        f: impl FnOnce(&pkcs5::pbes2::Parameters<'_>, &[u8]) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let der = Self::der_cifrada(key)?;
        let cifrada = Self::cifrada(&der)?;
        let der_pbes2 = Self::der_pbes2(&cifrada)?;
        let parametros = pkcs5::pbes2::Parameters::from_der(&der_pbes2)
            .map_err(|_| Error::AlgoritmoNoSoportado)?;
        f(&parametros, cifrada.encrypted_data.as_bytes())
    }

    /// The DER of an encrypted PKCS#8 key, or what the file is instead.
    fn der_cifrada(key: &[u8]) -> Result<Vec<u8>, Error> {
        if key.len() > TAMANO_MAXIMO {
            return Err(Error::ArchivoDemasiadoGrande);
        }
        let archivo = formato::leer(key);
        if let Some(etiqueta) = &archivo.etiqueta {
            let clase = formato::clase_de_etiqueta(etiqueta);
            if clase != Some(Clase::LlaveCifrada) {
                return Err(Self::otra_cosa(clase));
            }
        }
        archivo.der.ok_or(Error::NoEsLlavePrivada)
    }

    fn cifrada(der: &[u8]) -> Result<EncryptedPrivateKeyInfo, Error> {
        EncryptedPrivateKeyInfo::from_der(der)
            .map_err(|_| Self::otra_cosa(formato::clase_de_der(der)))
    }

    fn otra_cosa(clase: Option<Clase>) -> Error {
        match clase {
            Some(Clase::LlaveSinCifrar) => Error::LlaveSinCifrar,
            Some(Clase::RsaTradicional) => Error::LlaveRsaTradicional,
            Some(Clase::Requerimiento) => Error::EsRequerimiento,
            Some(Clase::Pfx) => Error::EsPfx,
            _ => Error::NoEsLlavePrivada,
        }
    }

    /// The DER of `cifrada`'s PBES2 parameters, or [`Error::AlgoritmoNoSoportado`] for another
    /// scheme.
    fn der_pbes2(cifrada: &EncryptedPrivateKeyInfo) -> Result<Vec<u8>, Error> {
        if cifrada.encryption_algorithm.oid != pkcs5::pbes2::PBES2_OID {
            return Err(Error::AlgoritmoNoSoportado);
        }
        cifrada
            .encryption_algorithm
            .parameters
            .as_ref()
            .ok_or(Error::AlgoritmoNoSoportado)?
            .to_der()
            .map_err(|_| Error::NoEsLlavePrivada)
    }

    /// The plaintext of a key read as a PKCS#8 `PrivateKeyInfo`: anything but an RSA key there
    /// means the decryption went wrong (a wrong password past the padding check).
    fn desde_claro(claro: &[u8]) -> Result<LlavePrivada, Error> {
        Self::desde_pkcs8(claro).map_err(|e| match e {
            Error::AlgoritmoNoSoportado => e,
            _ => Error::ContrasenaIncorrecta,
        })
    }

    /// Decrypts a PKCS#8 `EncryptedPrivateKeyInfo` with one password, as [`Self::descifrar`]
    /// does.
    pub(crate) fn abrir(
        cifrada: &EncryptedPrivateKeyInfo,
        contrasena: &[u8],
    ) -> Result<LlavePrivada, Error> {
        let algoritmo = &cifrada.encryption_algorithm;
        let parametros = algoritmo
            .parameters
            .as_ref()
            .ok_or(Error::AlgoritmoNoSoportado)?
            .to_der()
            .map_err(|_| Error::NoEsLlavePrivada)?;
        let cifrado = cifrada.encrypted_data.as_bytes();
        let claro = if algoritmo.oid == pkcs5::pbes2::PBES2_OID {
            let parametros = pkcs5::pbes2::Parameters::from_der(&parametros)
                .map_err(|_| Error::AlgoritmoNoSoportado)?;
            descifrar_pbes2(&parametros, Apertura::Contrasena(contrasena), cifrado)?
        } else if let Some(esquema) = pbe12::Esquema::de_llave(algoritmo.oid) {
            pbe12::descifrar(
                esquema,
                &parametros,
                contrasena,
                cifrado,
                ITERACIONES_MAXIMAS,
            )?
        } else {
            return Err(Error::AlgoritmoNoSoportado);
        };
        Self::desde_claro(&claro)
    }

    /// Loads an unencrypted PKCS#8 `PrivateKeyInfo` holding an RSA key (2048–8192 bits).
    pub fn desde_pkcs8(pkcs8_der: &[u8]) -> Result<LlavePrivada, Error> {
        let info =
            pkcs8::PrivateKeyInfo::from_der(pkcs8_der).map_err(|_| Error::NoEsLlavePrivada)?;
        if info.algorithm.oid != RSA_ENCRYPTION {
            return Err(Error::AlgoritmoNoSoportado);
        }
        let rsa_der = info.private_key;
        let rsa = pkcs1::RsaPrivateKey::from_der(rsa_der).map_err(|_| Error::NoEsLlavePrivada)?;
        let modulo = rsa.modulus.as_bytes().to_vec();
        let exponente = rsa.public_exponent.as_bytes().to_vec();
        if !(2048..=8192).contains(&(modulo.len() * 8)) {
            return Err(Error::AlgoritmoNoSoportado);
        }
        // Canonical form for WebCrypto's importKey("pkcs8"): rsaEncryption with NULL parameters.
        let canonica = pkcs8::PrivateKeyInfo::new(
            pkcs8::AlgorithmIdentifierRef {
                oid: RSA_ENCRYPTION,
                parameters: Some(der::asn1::AnyRef::NULL),
            },
            rsa_der,
        );
        let pkcs8 = Zeroizing::new(canonica.to_der().map_err(|_| Error::NoEsLlavePrivada)?);

        #[cfg(not(target_arch = "wasm32"))]
        let par =
            ring::signature::RsaKeyPair::from_der(rsa_der).map_err(|_| Error::NoEsLlavePrivada)?;
        Ok(LlavePrivada {
            pkcs8,
            modulo,
            exponente,
            #[cfg(not(target_arch = "wasm32"))]
            par,
            #[cfg(all(target_arch = "wasm32", feature = "firma-wasm"))]
            rsa: std::sync::OnceLock::new(),
        })
    }

    /// The key as unencrypted PKCS#8 `PrivateKeyInfo` DER, for WebCrypto's
    /// `importKey("pkcs8", ..)`. Overwrite the JS copy once imported.
    pub fn pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        self.pkcs8.clone()
    }

    /// Whether this key is the private half of `cert`'s public key.
    pub fn corresponde_a(&self, cert: &Certificado) -> bool {
        pkcs1::RsaPublicKey::from_der(cert.llave_publica()).is_ok_and(|p| {
            p.modulus.as_bytes() == self.modulo.as_slice()
                && p.public_exponent.as_bytes() == self.exponente.as_slice()
        })
    }

    /// Signs `datos` (hashed here with SHA-256), with `ring`.
    ///
    /// In wasm32 signing needs the crate feature `firma-wasm`; in the browser prefer WebCrypto
    /// with the key from [`LlavePrivada::pkcs8_der`].
    #[cfg(not(target_arch = "wasm32"))]
    pub fn firmar(&self, datos: &[u8], alg: Algoritmo) -> Result<Vec<u8>, Error> {
        let relleno: &'static dyn ring::signature::RsaEncoding = match alg {
            Algoritmo::Pkcs1v15Sha256 => &ring::signature::RSA_PKCS1_SHA256,
            Algoritmo::PssSha256 => &ring::signature::RSA_PSS_SHA256,
        };
        let mut firma = vec![0; self.par.public().modulus_len()];
        self.par
            .sign(relleno, &ring::rand::SystemRandom::new(), datos, &mut firma)
            .map_err(|_| Error::SinAleatoriedad)?;
        Ok(firma)
    }

    /// Signs `datos` (hashed here with SHA-256).
    ///
    /// In wasm32 this exists only with the crate feature `firma-wasm` (RustCrypto's `rsa`, whose
    /// private-key arithmetic is not constant time: RUSTSEC-2023-0071, see SECURITY.md). In the
    /// browser prefer WebCrypto with the key from [`LlavePrivada::pkcs8_der`].
    /// [`Algoritmo::PssSha256`] needs randomness for its salt: enable the crate feature `js`,
    /// or it fails with [`Error::SinAleatoriedad`]. The RSA key is loaded (and its consistency
    /// checked) on the first call, so a key that parses but is not a valid RSA key fails here
    /// with [`Error::NoEsLlavePrivada`] rather than in [`LlavePrivada::descifrar`].
    #[cfg(all(target_arch = "wasm32", feature = "firma-wasm"))]
    pub fn firmar(&self, datos: &[u8], alg: Algoritmo) -> Result<Vec<u8>, Error> {
        use sha2::Digest;
        let llave = self
            .rsa
            .get_or_init(|| {
                use rsa::pkcs8::DecodePrivateKey;
                rsa::RsaPrivateKey::from_pkcs8_der(&self.pkcs8).ok()
            })
            .as_ref()
            .ok_or(Error::NoEsLlavePrivada)?;
        let resumen = sha2::Sha256::digest(datos);
        #[cfg(feature = "js")]
        {
            let mut rng = rand_core::OsRng;
            let r = match alg {
                Algoritmo::Pkcs1v15Sha256 => llave.sign_with_rng(
                    &mut rng,
                    rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                    &resumen,
                ),
                Algoritmo::PssSha256 => llave.sign_with_rng(
                    &mut rng,
                    rsa::Pss::new_with_salt::<sha2::Sha256>(32),
                    &resumen,
                ),
            };
            r.map_err(|_| Error::SinAleatoriedad)
        }
        #[cfg(not(feature = "js"))]
        match alg {
            Algoritmo::Pkcs1v15Sha256 => llave
                .sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &resumen)
                .map_err(|_| Error::NoEsLlavePrivada),
            Algoritmo::PssSha256 => Err(Error::SinAleatoriedad),
        }
    }
}
