//! Revocation with OCSP (RFC 6960): build the request, judge the response. The HTTP transport is
//! the caller's (POST `application/ocsp-request` to the configured responder; SAT certificates
//! carry no AIA URL).
//!
//! A response is believed only if it is signed by the issuing CA itself or by a delegated
//! responder certificate issued by that CA with id-kp-OCSPSigning, valid at the given time; it
//! must answer for our certificate, echo our nonce when it carries one, and be fresh.

use const_oid::db::rfc5912::{ID_KP_OCSP_SIGNING, ID_SHA_1, ID_SHA_256};
use const_oid::db::rfc6960::{ID_PKIX_OCSP_BASIC, ID_PKIX_OCSP_NONCE};
use const_oid::ObjectIdentifier;
use der::asn1::{Null, OctetString};
use der::{Any, Decode, Encode};
use sha1::Digest;
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::Extension;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspRequest, OcspResponse, OcspResponseStatus, Request,
    ResponderId, TbsRequest, Version,
};

use crate::confianza::emitido_por;
use crate::firma::{verificar_rsa, Esquema};
use crate::{AlmacenConfianza, Certificado, Error};

/// Clock skew tolerated on thisUpdate / nextUpdate.
const TOLERANCIA: i64 = 5 * 60;
/// How old a response without nextUpdate may be.
const EDAD_MAXIMA: i64 = 24 * 60 * 60;

/// What the responder says about the certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EstadoRevocacion {
    /// Not revoked ("good").
    Vigente,
    /// Revoked at `fecha` (unix seconds).
    Revocado {
        /// Revocation time, unix seconds.
        fecha: i64,
    },
    /// The responder does not know the certificate.
    Desconocido,
}

impl EstadoRevocacion {
    /// `Ok` only for [`EstadoRevocacion::Vigente`]; [`Error::Revocado`] or
    /// [`Error::RevocacionDesconocida`] otherwise.
    pub fn como_resultado(&self) -> Result<(), Error> {
        match self {
            EstadoRevocacion::Vigente => Ok(()),
            EstadoRevocacion::Revocado { .. } => Err(Error::Revocado),
            EstadoRevocacion::Desconocido => Err(Error::RevocacionDesconocida),
        }
    }
}

fn resumen(alg: &ObjectIdentifier, datos: &[u8]) -> Option<Vec<u8>> {
    match *alg {
        ID_SHA_1 => Some(sha1::Sha1::digest(datos).to_vec()),
        ID_SHA_256 => Some(sha2::Sha256::digest(datos).to_vec()),
        _ => None,
    }
}

fn unix(t: &x509_ocsp::OcspGeneralizedTime) -> i64 {
    i64::try_from(t.0.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

/// An OCSP request for one certificate, kept to judge the response to it.
#[derive(Debug, Clone)]
pub struct SolicitudOcsp {
    der: Vec<u8>,
    nonce: Vec<u8>,
    serie: x509_cert::serial_number::SerialNumber,
    nombre_emisor: Vec<u8>,
    emisor: Certificado,
    responsables: Vec<Certificado>,
}

impl SolicitudOcsp {
    /// A request for `cert`, issued by `emisor`, with a fresh random `nonce` of 16 to 32 bytes
    /// (anything else: [`Error::AlgoritmoNoSoportado`]). CertID uses SHA-1, which every
    /// responder supports. Fails with [`Error::EmisorNoConfiable`] if `emisor` did not issue
    /// `cert`.
    pub fn nueva(
        cert: &Certificado,
        emisor: &Certificado,
        nonce: &[u8],
    ) -> Result<SolicitudOcsp, Error> {
        if !(16..=32).contains(&nonce.len()) {
            return Err(Error::AlgoritmoNoSoportado);
        }
        if !emitido_por(cert, emisor) {
            return Err(Error::EmisorNoConfiable);
        }
        let tbs = &cert.x509().tbs_certificate;
        let nombre_emisor = tbs.issuer.to_der().map_err(|_| Error::NoEsCertificado)?;
        let mut s = SolicitudOcsp {
            der: Vec::new(),
            nonce: nonce.to_vec(),
            serie: tbs.serial_number.clone(),
            nombre_emisor,
            emisor: emisor.clone(),
            responsables: Vec::new(),
        };
        let cert_id = s.cert_id(&ID_SHA_1)?;
        let valor_nonce = OctetString::new(nonce)
            .and_then(|o| o.to_der())
            .and_then(OctetString::new)
            .map_err(|_| Error::AlgoritmoNoSoportado)?;
        let solicitud = OcspRequest {
            tbs_request: TbsRequest {
                version: Version::V1,
                requestor_name: None,
                request_list: vec![Request {
                    req_cert: cert_id,
                    single_request_extensions: None,
                }],
                request_extensions: Some(vec![Extension {
                    extn_id: ID_PKIX_OCSP_NONCE,
                    critical: false,
                    extn_value: valor_nonce,
                }]),
            },
            optional_signature: None,
        };
        s.der = solicitud
            .to_der()
            .map_err(|_| Error::AlgoritmoNoSoportado)?;
        Ok(s)
    }

    /// A request for `cert`, looking its issuer up in `almacen`
    /// ([`Error::EmisorNoConfiable`] if it is not there).
    pub fn con_almacen(
        cert: &Certificado,
        almacen: &AlmacenConfianza,
        nonce: &[u8],
    ) -> Result<SolicitudOcsp, Error> {
        let emisor = almacen.emisor_de(cert).ok_or(Error::EmisorNoConfiable)?;
        SolicitudOcsp::nueva(cert, emisor, nonce)
    }

    /// Also accept responses signed by `responsable` (e.g. SAT's published OCSP certificates,
    /// for responders that do not include their certificate). It is still checked: issued by the
    /// same CA, id-kp-OCSPSigning, valid at the time of evaluation.
    pub fn con_responsable(mut self, responsable: Certificado) -> SolicitudOcsp {
        self.responsables.push(responsable);
        self
    }

    /// The DER request to POST (`Content-Type: application/ocsp-request`).
    pub fn der(&self) -> Vec<u8> {
        self.der.clone()
    }

    fn cert_id(&self, alg: &ObjectIdentifier) -> Result<CertId, Error> {
        let h = |d: &[u8]| {
            resumen(alg, d)
                .and_then(|r| OctetString::new(r).ok())
                .ok_or(Error::AlgoritmoNoSoportado)
        };
        Ok(CertId {
            hash_algorithm: AlgorithmIdentifierOwned {
                oid: *alg,
                parameters: Some(Any::from(Null)),
            },
            issuer_name_hash: h(&self.nombre_emisor)?,
            issuer_key_hash: h(self.emisor.llave_publica())?,
            serial_number: self.serie.clone(),
        })
    }

    fn es_nuestro(&self, id: &CertId) -> bool {
        let Ok(nuestro) = self.cert_id(&id.hash_algorithm.oid) else {
            return false;
        };
        nuestro.issuer_name_hash == id.issuer_name_hash
            && nuestro.issuer_key_hash == id.issuer_key_hash
            && nuestro.serial_number == id.serial_number
    }

    /// Whether `c` is named by `id` (by name, or by SHA-1 of its public key).
    fn es_respondedor(c: &Certificado, id: &ResponderId) -> bool {
        match id {
            ResponderId::ByName(n) => *n == c.x509().tbs_certificate.subject,
            ResponderId::ByKey(k) => {
                k.as_bytes() == sha1::Sha1::digest(c.llave_publica()).as_slice()
            }
        }
    }

    /// A delegated responder must be issued by our CA, be for OCSP signing and be in force.
    fn delegado_valido(&self, c: &Certificado, ahora_unix: i64) -> bool {
        emitido_por(c, &self.emisor)
            && c.tiene_eku(&ID_KP_OCSP_SIGNING)
            && c.validar_vigencia(ahora_unix).is_ok()
    }

    /// Judges the responder's DER answer at `ahora_unix`.
    ///
    /// - Responder error statuses (tryLater, internalError, unauthorized, ...):
    ///   [`Error::RevocacionDesconocida`].
    /// - Malformed, unsigned or badly signed, by an unauthorized signer, without an answer for
    ///   our certificate, with a different nonce, or stale: [`Error::RespuestaOcspInvalida`].
    pub fn evaluar(
        &self,
        respuesta_der: &[u8],
        ahora_unix: i64,
    ) -> Result<EstadoRevocacion, Error> {
        let invalida = |_| Error::RespuestaOcspInvalida;
        let respuesta = OcspResponse::from_der(respuesta_der).map_err(invalida)?;
        if respuesta.response_status != OcspResponseStatus::Successful {
            return Err(Error::RevocacionDesconocida);
        }
        let bytes = respuesta
            .response_bytes
            .ok_or(Error::RespuestaOcspInvalida)?;
        if bytes.response_type != ID_PKIX_OCSP_BASIC {
            return Err(Error::RespuestaOcspInvalida);
        }
        let basica = BasicOcspResponse::from_der(bytes.response.as_bytes()).map_err(invalida)?;
        let datos = &basica.tbs_response_data;

        // Who signed it.
        let incluidos: Vec<Certificado> = basica
            .certs
            .iter()
            .flatten()
            .filter_map(|c| c.to_der().ok())
            .filter_map(|d| Certificado::parse(&d).ok())
            .collect();
        let firmante = if Self::es_respondedor(&self.emisor, &datos.responder_id) {
            &self.emisor
        } else {
            incluidos
                .iter()
                .chain(&self.responsables)
                .find(|c| {
                    Self::es_respondedor(c, &datos.responder_id)
                        && self.delegado_valido(c, ahora_unix)
                })
                .ok_or(Error::RespuestaOcspInvalida)?
        };
        let esquema = Esquema::desde_oid(&basica.signature_algorithm.oid)
            .map_err(|_| Error::RespuestaOcspInvalida)?;
        let tbs = datos.to_der().map_err(invalida)?;
        let firma = basica
            .signature
            .as_bytes()
            .ok_or(Error::RespuestaOcspInvalida)?;
        verificar_rsa(firmante.llave_publica(), esquema, &tbs, firma)
            .map_err(|_| Error::RespuestaOcspInvalida)?;

        // Our nonce, if the responder echoes one.
        if let Some(ext) = datos
            .response_extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == ID_PKIX_OCSP_NONCE)
        {
            let eco = ext.extn_value.as_bytes();
            let envuelto = OctetString::from_der(eco).ok();
            let coincide = eco == self.nonce.as_slice()
                || envuelto.is_some_and(|o| o.as_bytes() == self.nonce.as_slice());
            if !coincide {
                return Err(Error::RespuestaOcspInvalida);
            }
        }

        // The answer about our certificate, and its freshness.
        let unica = datos
            .responses
            .iter()
            .find(|r| self.es_nuestro(&r.cert_id))
            .ok_or(Error::RespuestaOcspInvalida)?;
        let desde = unix(&unica.this_update);
        if desde > ahora_unix + TOLERANCIA {
            return Err(Error::RespuestaOcspInvalida);
        }
        match &unica.next_update {
            Some(hasta) if unix(hasta) < ahora_unix - TOLERANCIA => {
                return Err(Error::RespuestaOcspInvalida)
            }
            None if ahora_unix - desde > EDAD_MAXIMA => return Err(Error::RespuestaOcspInvalida),
            _ => {}
        }
        Ok(match &unica.cert_status {
            CertStatus::Good(_) => EstadoRevocacion::Vigente,
            CertStatus::Revoked(info) => EstadoRevocacion::Revocado {
                fecha: unix(&info.revocation_time),
            },
            CertStatus::Unknown(_) => EstadoRevocacion::Desconocido,
        })
    }
}
