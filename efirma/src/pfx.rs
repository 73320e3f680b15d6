//! PKCS#12 (`.pfx`/`.p12`, RFC 7292): the e.firma's certificate and private key in one file
//! under one password, as OpenSSL (`openssl pkcs12 -export`, also `-legacy`), Windows and Java
//! write it. Feature `pfx`.
//!
//! Read: the password-integrity MAC (HMAC with SHA-1/SHA-256/SHA-384/SHA-512, key from RFC 7292
//! appendix B), `data` and `encryptedData` contents (PBES2, PKCS#12 3DES, and RC2 for the
//! certificates only), `pkcs8ShroudedKeyBag` keys (decrypted as a `.key` is) and X.509
//! `certBag`s. Refused: an unencrypted `keyBag` ([`Error::LlaveSinCifrar`], as for a `.key`),
//! public-key integrity or privacy modes and PBMAC1 ([`Error::AlgoritmoNoSoportado`]), BER
//! indefinite lengths ([`Error::NoEsPfx`]). With several certificates (the chain is often
//! included) the one that belongs to the key is returned.

use cms::content_info::ContentInfo;
use cms::encrypted_data::EncryptedData;
use const_oid::db::rfc5911::{ID_DATA, ID_ENCRYPTED_DATA};
use const_oid::db::rfc5912::{ID_SHA_1, ID_SHA_256, ID_SHA_384, ID_SHA_512};
use der::asn1::{ContextSpecific, OctetString};
use der::{Decode, Encode};
use hmac::Mac;
use pkcs12::cert_type::CertBag;
use pkcs12::kdf::Pkcs12KeyType;
use pkcs12::mac_data::MacData;
use pkcs12::pbe_params::EncryptedPrivateKeyInfo;
use pkcs12::pfx::Pfx;
use pkcs12::safe_bag::SafeContents;
use zeroize::Zeroizing;

use crate::error::TAMANO_MAXIMO;
use crate::llave::con_contrasena_recortada;
use crate::{pbe12, Certificado, Error, LlavePrivada};

/// Above this many MAC or PBE iterations a `.pfx` is treated as hostile; OpenSSL uses 2048.
const ITERACIONES_MAXIMAS: u32 = 1_000_000;

/// What a `.pfx` holds for the pair path: the certificate's DER (as a `.cer` would be) and the
/// decrypted private key that belongs to it.
#[derive(Debug)]
pub struct ContenidoPfx {
    /// DER of the certificate whose public key is the key's.
    pub certificado_der: Vec<u8>,
    /// The decrypted private key.
    pub llave: LlavePrivada,
}

/// Opens a `.pfx`/`.p12` with its password: the certificate that belongs to the key, and the
/// key. The password is tried as given and then trimmed, as for a `.key`.
///
/// Errors: [`Error::NoEsPfx`] (not PKCS#12; a `.cer`, `.key` or `.req` included),
/// [`Error::ContrasenaIncorrecta`] (the MAC or a decryption fails),
/// [`Error::AlgoritmoNoSoportado`], [`Error::LlaveSinCifrar`], [`Error::PfxIncompleto`] (no key,
/// or no certificate at all), [`Error::PfxVariasLlaves`], [`Error::LlaveNoCorresponde`]
/// (certificates, none of them the key's), [`Error::ArchivoDemasiadoGrande`].
pub fn leer_pfx(pfx: &[u8], contrasena: &[u8]) -> Result<ContenidoPfx, Error> {
    if pfx.len() > TAMANO_MAXIMO {
        return Err(Error::ArchivoDemasiadoGrande);
    }
    let pfx = Pfx::from_der(pfx).map_err(|_| Error::NoEsPfx)?;
    if pfx.auth_safe.content_type != ID_DATA {
        // Public-key integrity mode (signedData).
        return Err(Error::AlgoritmoNoSoportado);
    }
    let datos = contenido_data(&pfx.auth_safe).ok_or(Error::NoEsPfx)?;
    con_contrasena_recortada(contrasena, |c| abrir(&pfx, &datos, c))
}

fn abrir(pfx: &Pfx, datos: &[u8], contrasena: &[u8]) -> Result<ContenidoPfx, Error> {
    if let Some(mac) = &pfx.mac_data {
        verificar_mac(mac, datos, contrasena)?;
    }
    let seguro = Vec::<ContentInfo>::from_der(datos).map_err(|_| Error::NoEsPfx)?;
    let mut llaves = Vec::new();
    let mut certificados = Vec::new();
    for contenido in &seguro {
        let bolsas = if contenido.content_type == ID_DATA {
            let datos = contenido_data(contenido).ok_or(Error::NoEsPfx)?;
            SafeContents::from_der(&datos).map_err(|_| Error::NoEsPfx)?
        } else if contenido.content_type == ID_ENCRYPTED_DATA {
            // Without a MAC, a wrong password gets past the padding check once in 256 tries
            // and only fails here.
            let claro = descifrar_contenido(contenido, contrasena)?;
            SafeContents::from_der(&claro).map_err(|_| Error::ContrasenaIncorrecta)?
        } else {
            // envelopedData: public-key privacy mode.
            return Err(Error::AlgoritmoNoSoportado);
        };
        for bolsa in bolsas {
            match bolsa.bag_id {
                pkcs12::PKCS_12_PKCS8_KEY_BAG_OID => {
                    let cifrada =
                        ContextSpecific::<EncryptedPrivateKeyInfo>::from_der(&bolsa.bag_value)
                            .map_err(|_| Error::NoEsPfx)?
                            .value;
                    llaves.push(LlavePrivada::abrir(&cifrada, contrasena)?);
                }
                pkcs12::PKCS_12_KEY_BAG_OID => return Err(Error::LlaveSinCifrar),
                pkcs12::PKCS_12_CERT_BAG_OID => {
                    let bolsa = ContextSpecific::<CertBag>::from_der(&bolsa.bag_value)
                        .map_err(|_| Error::NoEsPfx)?
                        .value;
                    if bolsa.cert_id == pkcs12::PKCS_12_X509_CERT_OID {
                        certificados.push(bolsa.cert_value.into_bytes());
                    }
                }
                // CRLs, secrets, nested contents: nothing an e.firma needs.
                _ => {}
            }
        }
    }
    let llave = match llaves.len() {
        0 => return Err(Error::PfxIncompleto),
        1 => llaves.remove(0),
        _ => return Err(Error::PfxVariasLlaves),
    };
    if certificados.is_empty() {
        return Err(Error::PfxIncompleto);
    }
    let certificado_der = certificados
        .into_iter()
        .find(|der| Certificado::parse(der).is_ok_and(|c| llave.corresponde_a(&c)))
        .ok_or(Error::LlaveNoCorresponde)?;
    Ok(ContenidoPfx {
        certificado_der,
        llave,
    })
}

/// The bytes of a `data` content (an OCTET STRING).
fn contenido_data(contenido: &ContentInfo) -> Option<Vec<u8>> {
    let octetos = OctetString::from_der(&contenido.content.to_der().ok()?).ok()?;
    Some(octetos.into_bytes())
}

/// Decrypts an `encryptedData` content: the SafeContents it holds (zeroized: nothing stops a
/// writer from putting a key bag there).
fn descifrar_contenido(
    contenido: &ContentInfo,
    contrasena: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let cifrado = EncryptedData::from_der(&contenido.content.to_der().map_err(|_| Error::NoEsPfx)?)
        .map_err(|_| Error::NoEsPfx)?
        .enc_content_info;
    let datos = cifrado.encrypted_content.ok_or(Error::NoEsPfx)?;
    let algoritmo = &cifrado.content_enc_alg;
    let parametros = algoritmo
        .parameters
        .as_ref()
        .ok_or(Error::AlgoritmoNoSoportado)?
        .to_der()
        .map_err(|_| Error::NoEsPfx)?;
    let claro = if algoritmo.oid == pkcs5::pbes2::PBES2_OID {
        let parametros = pkcs5::pbes2::Parameters::from_der(&parametros)
            .map_err(|_| Error::AlgoritmoNoSoportado)?;
        let iteraciones = parametros
            .kdf
            .pbkdf2()
            .ok_or(Error::AlgoritmoNoSoportado)?
            .iteration_count;
        if iteraciones == 0 || iteraciones > ITERACIONES_MAXIMAS {
            return Err(Error::AlgoritmoNoSoportado);
        }
        crate::pbes2::descifrar(&parametros, contrasena, datos.as_bytes())
            .ok_or(Error::ContrasenaIncorrecta)?
    } else if let Some(esquema) = pbe12::Esquema::de_certificados(algoritmo.oid) {
        pbe12::descifrar(
            esquema,
            &parametros,
            contrasena,
            datos.as_bytes(),
            ITERACIONES_MAXIMAS,
        )
        .map_err(|e| match e {
            Error::NoEsLlavePrivada => Error::NoEsPfx,
            e => e,
        })?
    } else {
        return Err(Error::AlgoritmoNoSoportado);
    };
    Ok(claro)
}

/// Checks the password-integrity MAC over the authenticated safe.
fn verificar_mac(mac: &MacData, datos: &[u8], contrasena: &[u8]) -> Result<(), Error> {
    if mac.iterations < 1 || mac.iterations.unsigned_abs() > ITERACIONES_MAXIMAS {
        return Err(Error::AlgoritmoNoSoportado);
    }
    let bmp = pbe12::contrasena_bmp(contrasena);
    let sal = mac.mac_salt.as_bytes();
    let esperado = mac.mac.digest.as_bytes();
    let bien = match mac.mac.algorithm.oid {
        ID_SHA_1 => mac_valida::<sha1::Sha1>(&bmp, sal, mac.iterations, datos, esperado),
        ID_SHA_256 => mac_valida::<sha2::Sha256>(&bmp, sal, mac.iterations, datos, esperado),
        ID_SHA_384 => mac_valida::<sha2::Sha384>(&bmp, sal, mac.iterations, datos, esperado),
        ID_SHA_512 => mac_valida::<sha2::Sha512>(&bmp, sal, mac.iterations, datos, esperado),
        // PBMAC1 (RFC 9579) and anything else.
        _ => return Err(Error::AlgoritmoNoSoportado),
    };
    if bien {
        Ok(())
    } else {
        Err(Error::ContrasenaIncorrecta)
    }
}

/// HMAC-`D` of `datos` with the key of RFC 7292 appendix B (ID 3, the digest's length), checked
/// in constant time against `esperado`.
fn mac_valida<D>(bmp: &[u8], sal: &[u8], iteraciones: i32, datos: &[u8], esperado: &[u8]) -> bool
where
    D: sha1::digest::Digest
        + sha1::digest::FixedOutputReset
        + sha1::digest::core_api::BlockSizeUser,
{
    let largo = <D as sha1::digest::Digest>::output_size();
    let llave = pbe12::derivar::<D>(bmp, sal, Pkcs12KeyType::Mac, iteraciones, largo);
    let Ok(mut mac) = hmac::SimpleHmac::<D>::new_from_slice(&llave) else {
        return false;
    };
    mac.update(datos);
    mac.verify_slice(esperado).is_ok()
}
