//! Trust: does a certificate chain to one of the SAT root CAs the operator configured, at a given
//! time? Path building is rustls-webpki's; the RSA arithmetic is ours ([`crate::firma`]) so the
//! same code runs in wasm32. The e.firma profile (FIEL, not CSD) is decided by
//! [`Certificado::validar_perfil_fiel`], not by webpki, which ignores key usage.

use core::time::Duration;

use der::Encode;
use rustls_pki_types::{
    alg_id, AlgorithmIdentifier, CertificateDer, InvalidSignature, SignatureVerificationAlgorithm,
    TrustAnchor, UnixTime,
};
use webpki::{
    ExtendedKeyUsageValidator, KeyPurposeId, KeyPurposeIdIter, KeyUsage, RequiredEkuNotFoundContext,
};

use crate::firma::{verificar_rsa, Esquema};
use crate::{Certificado, Error};

/// RSA signature verification for webpki, backed by [`verificar_rsa`].
#[derive(Debug)]
struct Rsa {
    esquema: Esquema,
    firma: AlgorithmIdentifier,
}

impl SignatureVerificationAlgorithm for Rsa {
    fn verify_signature(
        &self,
        llave_publica: &[u8],
        datos: &[u8],
        firma: &[u8],
    ) -> Result<(), InvalidSignature> {
        #[cfg(test)]
        pruebas::VERIFICACIONES.with(|n| n.set(n.get() + 1));
        verificar_rsa(llave_publica, self.esquema, datos, firma).map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::RSA_ENCRYPTION
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.firma
    }
}

/// A signature by one store certificate over another's `tbsCertificate`, checked when the store
/// was built. Signatures do not depend on the time, so a chain that goes through this link
/// needs not redo the RSA arithmetic; everything else (validity at `ahora`, CA constraints,
/// names, EKU) is still checked by webpki on every call.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FirmaVerificada {
    esquema: Esquema,
    /// The issuer's `RSAPublicKey` DER, as webpki hands it to [`SignatureVerificationAlgorithm`].
    llave_publica: Vec<u8>,
    /// The signed bytes: the `tbsCertificate` exactly as encoded in the certificate.
    datos: Vec<u8>,
    firma: Vec<u8>,
}

/// [`Rsa`] that first looks the (key, data, signature) triple up among the signatures verified
/// when the store was built. A hit is exactly the answer the arithmetic would give.
#[derive(Debug)]
struct RsaConVerificadas<'a> {
    rsa: &'static Rsa,
    verificadas: &'a [FirmaVerificada],
}

impl SignatureVerificationAlgorithm for RsaConVerificadas<'_> {
    fn verify_signature(
        &self,
        llave_publica: &[u8],
        datos: &[u8],
        firma: &[u8],
    ) -> Result<(), InvalidSignature> {
        let ya_verificada = self.verificadas.iter().any(|v| {
            v.esquema == self.rsa.esquema
                && v.firma == firma
                && v.llave_publica == llave_publica
                && v.datos == datos
        });
        if ya_verificada {
            return Ok(());
        }
        self.rsa.verify_signature(llave_publica, datos, firma)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.rsa.public_key_alg_id()
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.rsa.signature_alg_id()
    }
}

static RSA_SHA256: Rsa = Rsa {
    esquema: Esquema::Pkcs1Sha256,
    firma: alg_id::RSA_PKCS1_SHA256,
};
static RSA_SHA384: Rsa = Rsa {
    esquema: Esquema::Pkcs1Sha384,
    firma: alg_id::RSA_PKCS1_SHA384,
};
static RSA_SHA512: Rsa = Rsa {
    esquema: Esquema::Pkcs1Sha512,
    firma: alg_id::RSA_PKCS1_SHA512,
};
static ALGORITMOS: [&Rsa; 3] = [&RSA_SHA256, &RSA_SHA384, &RSA_SHA512];

/// id-kp-clientAuth and id-kp-emailProtection, DER contents.
const EKU_CLIENT_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];
const EKU_EMAIL: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x04];

/// SAT intermediates and CSDs carry no EKU; FIELs carry clientAuth + emailProtection. So: no
/// EKU is fine (profile is judged elsewhere); an EKU must include one of those two.
struct PoliticaEku;

impl ExtendedKeyUsageValidator for PoliticaEku {
    fn validate(&self, iter: KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        let mut presentes = Vec::new();
        for id in iter {
            let id = id?;
            if id == KeyPurposeId::new(EKU_CLIENT_AUTH) || id == KeyPurposeId::new(EKU_EMAIL) {
                return Ok(());
            }
            presentes.push(id.to_decoded_oid());
        }
        if presentes.is_empty() {
            Ok(())
        } else {
            Err(webpki::Error::RequiredEkuNotFoundContext(
                RequiredEkuNotFoundContext {
                    required: KeyUsage::client_auth(),
                    present: presentes,
                },
            ))
        }
    }
}

fn tiempo(ahora_unix: i64) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(ahora_unix).unwrap_or(0)))
}

fn de_webpki(e: webpki::Error) -> Error {
    use webpki::Error as W;
    match e {
        W::UnknownIssuer => Error::EmisorNoConfiable,
        W::CertExpired { .. } => Error::CertificadoVencido,
        W::CertNotValidYet { .. } => Error::CertificadoAunNoVigente,
        W::RequiredEkuNotFoundContext(_) => Error::NoEsEfirma,
        _ => Error::CadenaInvalida,
    }
}

/// Whether `cert` is issued by `emisor` (names match and `emisor`'s key verifies the signature).
pub(crate) fn emitido_por(cert: &Certificado, emisor: &Certificado) -> bool {
    let c = cert.x509();
    if c.tbs_certificate.issuer != emisor.x509().tbs_certificate.subject {
        return false;
    }
    let (Ok(esquema), Ok(tbs), Some(firma)) = (
        Esquema::desde_oid(&c.signature_algorithm.oid),
        c.tbs_certificate.to_der(),
        c.signature.as_bytes(),
    ) else {
        return false;
    };
    verificar_rsa(emisor.llave_publica(), esquema, &tbs, firma).is_ok()
}

/// The `tbsCertificate` of a certificate's DER, byte for byte as encoded (what its signature
/// covers and what webpki passes to the signature check).
fn tbs_tal_cual(der: &[u8]) -> Option<&[u8]> {
    use der::{Decode, Reader};
    let mut lector = der::SliceReader::new(der).ok()?;
    der::Header::decode(&mut lector).ok()?;
    lector.tlv_bytes().ok()
}

/// Checks once every signature between two certificates of the store: `cert` signed by a store
/// certificate whose subject is `cert`'s issuer. Self-signatures are left out (webpki never
/// checks an anchor's own signature).
fn verificar_enlaces(certificados: &[Certificado]) -> Vec<FirmaVerificada> {
    let mut verificadas = Vec::new();
    for (i, cert) in certificados.iter().enumerate() {
        let c = cert.x509();
        let (Ok(esquema), Some(datos), Some(firma)) = (
            Esquema::desde_oid(&c.signature_algorithm.oid),
            tbs_tal_cual(cert.der()),
            c.signature.as_bytes(),
        ) else {
            continue;
        };
        for (j, emisor) in certificados.iter().enumerate() {
            if i == j || c.tbs_certificate.issuer != emisor.x509().tbs_certificate.subject {
                continue;
            }
            if verificar_rsa(emisor.llave_publica(), esquema, datos, firma).is_ok() {
                verificadas.push(FirmaVerificada {
                    esquema,
                    llave_publica: emisor.llave_publica().to_vec(),
                    datos: datos.to_vec(),
                    firma: firma.to_vec(),
                });
            }
        }
    }
    verificadas
}

/// The CA certificates an operator trusts: roots (self-signed) as anchors, the rest as
/// intermediates that may complete a chain.
///
/// The signatures between certificates of the store (intermediate by root, intermediate by
/// intermediate) are verified once, when the store is built; a chain verification then only
/// does the RSA arithmetic for signatures it has not seen (normally the leaf's). Validity
/// windows and every other constraint are still checked at the `ahora` of each call.
#[derive(Debug, Clone)]
pub struct AlmacenConfianza {
    anclas: Vec<TrustAnchor<'static>>,
    intermedios: Vec<CertificateDer<'static>>,
    certificados: Vec<Certificado>,
    verificadas: Vec<FirmaVerificada>,
}

impl AlmacenConfianza {
    /// Builds a store from CA certificates (DER or PEM). Self-signed certificates become trust
    /// anchors; the others, intermediates. Fails with [`Error::AnclasNoDisponibles`] if a
    /// certificate does not parse or there is no anchor.
    pub fn desde_certificados<I, B>(certificados: I) -> Result<AlmacenConfianza, Error>
    where
        I: IntoIterator<Item = B>,
        B: AsRef<[u8]>,
    {
        let mut almacen = AlmacenConfianza {
            anclas: Vec::new(),
            intermedios: Vec::new(),
            certificados: Vec::new(),
            verificadas: Vec::new(),
        };
        for bytes in certificados {
            let cert =
                Certificado::parse(bytes.as_ref()).map_err(|_| Error::AnclasNoDisponibles)?;
            let der = CertificateDer::from(cert.der().to_vec());
            if emitido_por(&cert, &cert) {
                let ancla = webpki::anchor_from_trusted_cert(&der)
                    .map_err(|_| Error::AnclasNoDisponibles)?
                    .to_owned();
                almacen.anclas.push(ancla);
            } else {
                almacen.intermedios.push(der);
            }
            almacen.certificados.push(cert);
        }
        if almacen.anclas.is_empty() {
            return Err(Error::AnclasNoDisponibles);
        }
        almacen.verificadas = verificar_enlaces(&almacen.certificados);
        Ok(almacen)
    }

    /// Loads every `.cer`, `.crt`, `.der` and `.pem` file directly inside `dir` (not
    /// subdirectories). See [`AlmacenConfianza::desde_certificados`].
    #[cfg(not(target_arch = "wasm32"))]
    pub fn desde_directorio(dir: impl AsRef<std::path::Path>) -> Result<AlmacenConfianza, Error> {
        let mut archivos = Vec::new();
        let entradas = std::fs::read_dir(dir).map_err(|_| Error::AnclasNoDisponibles)?;
        for entrada in entradas {
            let ruta = entrada.map_err(|_| Error::AnclasNoDisponibles)?.path();
            let extension = ruta
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase);
            if ruta.is_file() && matches!(extension.as_deref(), Some("cer" | "crt" | "der" | "pem"))
            {
                archivos.push(std::fs::read(&ruta).map_err(|_| Error::AnclasNoDisponibles)?);
            }
        }
        AlmacenConfianza::desde_certificados(archivos)
    }

    /// Verifies that `cert` chains to an anchor at `ahora_unix` (every certificate in the path
    /// within its validity, signatures, CA constraints). Does not judge FIEL vs CSD nor
    /// revocation.
    pub fn verificar_cadena(&self, cert: &Certificado, ahora_unix: i64) -> Result<(), Error> {
        self.verificar_cadena_der(cert.der(), ahora_unix)
    }

    /// [`AlmacenConfianza::verificar_cadena`] on raw DER.
    pub fn verificar_cadena_der(&self, der: &[u8], ahora_unix: i64) -> Result<(), Error> {
        let der = CertificateDer::from(der);
        let ee = webpki::EndEntityCert::try_from(&der).map_err(|_| Error::CadenaInvalida)?;
        let [a, b, c] = ALGORITMOS.map(|rsa| RsaConVerificadas {
            rsa,
            verificadas: &self.verificadas,
        });
        ee.verify_for_usage(
            &[&a, &b, &c],
            &self.anclas,
            &self.intermedios,
            tiempo(ahora_unix),
            PoliticaEku,
            None,
            None,
        )
        .map(|_| ())
        .map_err(de_webpki)
    }

    /// The CA certificate in this store that issued `cert`, if any (for OCSP requests).
    pub fn emisor_de(&self, cert: &Certificado) -> Option<&Certificado> {
        self.certificados.iter().find(|c| emitido_por(cert, c))
    }

    /// Every certificate in the store.
    pub fn certificados(&self) -> &[Certificado] {
        &self.certificados
    }
}

/// Is `cert` an e.firma we accept at `ahora_unix`? In this order: the FIEL profile
/// ([`Error::CsdNoEsEfirma`] for a CSD), the validity window, and the chain to `almacen`.
/// Revocation is a separate step ([`crate::revocacion`]).
pub fn validar_efirma(
    cert: &Certificado,
    almacen: &AlmacenConfianza,
    ahora_unix: i64,
) -> Result<(), Error> {
    cert.validar_perfil_fiel()?;
    cert.validar_vigencia(ahora_unix)?;
    almacen.verificar_cadena(cert, ahora_unix)
}

#[cfg(test)]
mod pruebas {
    use std::cell::Cell;

    use super::*;

    thread_local! {
        /// RSA verifications webpki asked [`Rsa`] for, in this thread.
        pub(super) static VERIFICACIONES: Cell<usize> = const { Cell::new(0) };
    }

    const SAT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fixtures/sat/");
    /// 2026-11-27.
    const AHORA: i64 = 1_795_737_600;

    fn leer(ruta: &str) -> Vec<u8> {
        std::fs::read(format!("{SAT}{ruta}")).expect("fixture")
    }

    #[test]
    fn el_enlace_intermedio_raiz_se_verifica_una_vez() {
        let almacen = AlmacenConfianza::desde_directorio(format!("{SAT}ca/pruebas")).unwrap();
        // AC UAT 2022 by its root; the root's self-signature is not a link.
        assert_eq!(almacen.verificadas.len(), 1);
        let fiel = Certificado::parse(&leer("EKU9003173C9/fiel.cer")).unwrap();

        VERIFICACIONES.with(|n| n.set(0));
        assert_eq!(almacen.verificar_cadena(&fiel, AHORA), Ok(()));
        // Only the FIEL's signature by the AC.
        assert_eq!(VERIFICACIONES.with(Cell::get), 1);

        // Without the pre-verified link: same verdict, one more RSA check.
        let mut sin = almacen.clone();
        sin.verificadas.clear();
        VERIFICACIONES.with(|n| n.set(0));
        assert_eq!(sin.verificar_cadena(&fiel, AHORA), Ok(()));
        assert_eq!(VERIFICACIONES.with(Cell::get), 2);
    }

    #[test]
    fn un_enlace_alterado_no_se_toma_por_verificado() {
        let almacen = AlmacenConfianza::desde_directorio(format!("{SAT}ca/pruebas")).unwrap();
        let v = &almacen.verificadas[0];
        let memoria = [v.clone()];
        let rsa = RsaConVerificadas {
            rsa: ALGORITMOS
                .into_iter()
                .find(|a| a.esquema == v.esquema)
                .unwrap(),
            verificadas: &memoria,
        };
        assert!(rsa
            .verify_signature(&v.llave_publica, &v.datos, &v.firma)
            .is_ok());
        let mut datos = v.datos.clone();
        let ultimo = datos.len() - 1;
        datos[ultimo] ^= 1;
        assert!(rsa
            .verify_signature(&v.llave_publica, &datos, &v.firma)
            .is_err());
        let mut firma = v.firma.clone();
        firma[0] ^= 1;
        assert!(rsa
            .verify_signature(&v.llave_publica, &v.datos, &firma)
            .is_err());
    }
}
