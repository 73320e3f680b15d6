//! The public half of an e.firma: an X.509 certificate issued by the SAT, and the questions a
//! certificate answers (whose it is, which number, until when, FIEL or CSD).

use core::fmt;

use const_oid::db::rfc4519;
use const_oid::db::rfc5280::{ID_CE_BASIC_CONSTRAINTS, ID_CE_EXT_KEY_USAGE, ID_CE_KEY_USAGE};
use const_oid::db::rfc5912::{ID_KP_CLIENT_AUTH, ID_KP_EMAIL_PROTECTION, RSA_ENCRYPTION};
use der::{Decode, Tag, Tagged};
use sha2::Digest;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages};
use x509_cert::name::Name;

use crate::error::TAMANO_MAXIMO;
#[cfg(any(not(target_arch = "wasm32"), feature = "verificacion-wasm"))]
use crate::firma::{verificar_rsa, Algoritmo};
use crate::formato::{self, Clase};
use crate::identificadores::{Curp, Rfc};
use crate::Error;

/// x500UniqueIdentifier, where the SAT writes `RFC` or `RFC / RFC del representante`.
const OID_UNIQUE_IDENTIFIER: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("2.5.4.45");

/// What the certificate is for, as the SAT profiles it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TipoCertificado {
    /// e.firma (Firma Electrónica Avanzada): signs on behalf of its holder.
    Fiel,
    /// Certificado de Sello Digital: stamps invoices; never an e.firma.
    Csd,
    /// Anything else (CA certificates, OCSP responders, non-SAT certificates).
    Otro,
}

impl TipoCertificado {
    /// `"FIEL"`, `"CSD"` or `"OTRO"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            TipoCertificado::Fiel => "FIEL",
            TipoCertificado::Csd => "CSD",
            TipoCertificado::Otro => "OTRO",
        }
    }
}

/// Company or individual, as told by the length of the RFC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Persona {
    /// Persona moral: a company (12-character RFC).
    Moral,
    /// Persona física: an individual (13-character RFC).
    Fisica,
}

impl Persona {
    /// `"moral"` or `"fisica"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Persona::Moral => "moral",
            Persona::Fisica => "fisica",
        }
    }
}

/// A parsed X.509 certificate with an RSA key, with the SAT subject fields already extracted.
///
/// Parsing accepts any well-formed certificate (so CA and OCSP certificates can be used too); the
/// SAT-specific questions answer `None` / [`TipoCertificado::Otro`] when the certificate does
/// not carry SAT's attributes. [`Certificado::validar_perfil_fiel`] is the gate for an e.firma.
#[derive(Clone)]
pub struct Certificado {
    der: Vec<u8>,
    // Read by the verification modules only (chains and OCSP; see lib.rs).
    #[cfg_attr(
        all(target_arch = "wasm32", not(feature = "verificacion-wasm")),
        allow(dead_code)
    )]
    x509: x509_cert::Certificate,
    llave_publica: Vec<u8>,
    rfc: Option<Rfc>,
    rfc_representante: Option<Rfc>,
    curp: Option<Curp>,
    nombre: String,
    no_certificado: String,
    emisor: String,
    desde: i64,
    hasta: i64,
    tipo: TipoCertificado,
    es_ca: bool,
    #[cfg_attr(
        all(target_arch = "wasm32", not(feature = "verificacion-wasm")),
        allow(dead_code)
    )]
    eku: Vec<const_oid::ObjectIdentifier>,
}

impl fmt::Debug for Certificado {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificado")
            .field("no_certificado", &self.no_certificado)
            .field("rfc", &self.rfc)
            .field("nombre", &self.nombre)
            .field("tipo", &self.tipo)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Certificado {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for Certificado {}

/// Text of a directory string value. Latin-1 for the legacy T.61 type, which is how SAT-era CAs
/// used it.
pub(crate) fn texto(valor: &der::Any) -> Option<String> {
    let b = valor.value();
    match valor.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::VisibleString => {
            core::str::from_utf8(b).ok().map(str::to_owned)
        }
        Tag::TeletexString => Some(b.iter().map(|&c| char::from(c)).collect()),
        Tag::BmpString => {
            if !b.len().is_multiple_of(2) {
                return None;
            }
            let u: Vec<u16> = b
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&u).ok()
        }
        _ => None,
    }
}

/// First value of an attribute in a name.
pub(crate) fn atributo(nombre: &Name, oid: &const_oid::ObjectIdentifier) -> Option<String> {
    nombre
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == *oid)
        .and_then(|atv| texto(&atv.value))
}

/// The non-empty parts of `A / B`, keeping position (`" / X"` gives `[None, Some("X")]`).
fn partes(valor: &str) -> [Option<&str>; 2] {
    let mut it = valor.splitn(2, '/').map(str::trim);
    let mut uno = || it.next().filter(|s| !s.is_empty());
    [uno(), uno()]
}

fn unix(t: &x509_cert::time::Time) -> i64 {
    i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

impl Certificado {
    /// Parses a certificate from DER (the SAT `.cer`) or PEM.
    ///
    /// PEM is accepted (label `CERTIFICATE`, text before it skipped): it is the same
    /// certificate, and it is what `openssl x509` and many tools write.
    ///
    /// Fails with [`Error::EsRequerimiento`] for SAT's `.req` (PKCS#10, DER or PEM),
    /// [`Error::EsPfx`] for a `.pfx`/`.p12`, [`Error::NoEsCertificado`] for anything else that
    /// is not a single X.509 v3 certificate (a private key included: the portal says "swapped
    /// files" itself), [`Error::LlavePublicaNoSoportada`] for non-RSA or short RSA keys and
    /// [`Error::ArchivoDemasiadoGrande`] beyond 64 KiB.
    pub fn parse(bytes: &[u8]) -> Result<Certificado, Error> {
        if bytes.len() > TAMANO_MAXIMO {
            return Err(Error::ArchivoDemasiadoGrande);
        }
        let otra_cosa = |clase| match clase {
            Some(Clase::Requerimiento) => Error::EsRequerimiento,
            Some(Clase::Pfx) => Error::EsPfx,
            _ => Error::NoEsCertificado,
        };
        let archivo = formato::leer(bytes);
        if let Some(etiqueta) = &archivo.etiqueta {
            let clase = formato::clase_de_etiqueta(etiqueta);
            if clase != Some(Clase::Certificado) {
                return Err(otra_cosa(clase));
            }
        }
        let der = archivo.der.ok_or(Error::NoEsCertificado)?;
        let x509 = x509_cert::Certificate::from_der(&der)
            .map_err(|_| otra_cosa(formato::clase_de_der(&der)))?;
        let tbs = &x509.tbs_certificate;
        if tbs.version != x509_cert::Version::V3 {
            return Err(Error::NoEsCertificado);
        }

        let spki = &tbs.subject_public_key_info;
        if spki.algorithm.oid != RSA_ENCRYPTION {
            return Err(Error::LlavePublicaNoSoportada);
        }
        let llave_publica = spki
            .subject_public_key
            .as_bytes()
            .ok_or(Error::NoEsCertificado)?
            .to_vec();
        let rsa = pkcs1::RsaPublicKey::from_der(&llave_publica)
            .map_err(|_| Error::LlavePublicaNoSoportada)?;
        let bits = rsa.modulus.as_bytes().len() * 8;
        if !(2048..=8192).contains(&bits) {
            return Err(Error::LlavePublicaNoSoportada);
        }

        let sujeto = &tbs.subject;
        let [rfc, rfc_representante] = atributo(sujeto, &OID_UNIQUE_IDENTIFIER)
            .map(|v| partes(&v).map(|p| p.and_then(|p| Rfc::parse(p).ok())))
            .unwrap_or([None, None]);
        // For a persona moral the first part is empty: the CURP is the representative's.
        let curp = atributo(sujeto, &rfc4519::SERIAL_NUMBER).and_then(|v| {
            let [a, b] = partes(&v);
            a.or(b).and_then(|p| Curp::parse(p).ok())
        });
        let nombre = [rfc4519::CN, rfc4519::NAME, rfc4519::O]
            .iter()
            .find_map(|oid| atributo(sujeto, oid))
            .unwrap_or_default();
        // Not `Name`'s Display: it names attributes from const-oid's whole OID database, which
        // would then weigh on every wasm bundle that parses a certificate (issue 12).
        let emisor = [rfc4519::CN, rfc4519::O, rfc4519::OU]
            .iter()
            .find_map(|oid| atributo(&tbs.issuer, oid))
            .unwrap_or_default();

        let serial = tbs.serial_number.as_bytes();
        let no_certificado = if !serial.is_empty() && serial.iter().all(u8::is_ascii_digit) {
            serial.iter().map(|&b| char::from(b)).collect()
        } else {
            serial.iter().map(|b| format!("{b:02x}")).collect()
        };

        let mut uso: Option<KeyUsage> = None;
        let mut uso_extendido: Option<ExtendedKeyUsage> = None;
        let mut es_ca = false;
        for ext in tbs.extensions.iter().flatten() {
            let valor = ext.extn_value.as_bytes();
            if ext.extn_id == ID_CE_KEY_USAGE {
                uso = Some(KeyUsage::from_der(valor).map_err(|_| Error::NoEsCertificado)?);
            } else if ext.extn_id == ID_CE_EXT_KEY_USAGE {
                uso_extendido =
                    Some(ExtendedKeyUsage::from_der(valor).map_err(|_| Error::NoEsCertificado)?);
            } else if ext.extn_id == ID_CE_BASIC_CONSTRAINTS {
                es_ca = BasicConstraints::from_der(valor)
                    .map_err(|_| Error::NoEsCertificado)?
                    .ca;
            }
        }
        let tiene_ou = atributo(sujeto, &rfc4519::OU).is_some();
        let firma_y_no_repudio = uso.is_some_and(|u| {
            u.0.contains(KeyUsages::DigitalSignature) && u.0.contains(KeyUsages::NonRepudiation)
        });
        let eku_de_fiel = uso_extendido.as_ref().is_some_and(|e| {
            e.0.iter()
                .any(|o| *o == ID_KP_CLIENT_AUTH || *o == ID_KP_EMAIL_PROTECTION)
        });
        let tipo = if es_ca || rfc.is_none() || !firma_y_no_repudio {
            TipoCertificado::Otro
        } else if !tiene_ou && eku_de_fiel {
            TipoCertificado::Fiel
        } else if tiene_ou || uso_extendido.is_none() {
            TipoCertificado::Csd
        } else {
            TipoCertificado::Otro
        };

        Ok(Certificado {
            desde: unix(&tbs.validity.not_before),
            hasta: unix(&tbs.validity.not_after),
            der,
            llave_publica,
            rfc,
            rfc_representante,
            curp,
            nombre,
            no_certificado,
            emisor,
            tipo,
            es_ca,
            eku: uso_extendido.map(|e| e.0).unwrap_or_default(),
            x509,
        })
    }

    /// The certificate as DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The holder's RFC (`x500UniqueIdentifier`, first part). `None` when the certificate has no
    /// SAT subject attributes.
    pub fn rfc(&self) -> Option<&Rfc> {
        self.rfc.as_ref()
    }

    /// The legal representative's RFC (`x500UniqueIdentifier`, second part), usually present for
    /// a persona moral.
    pub fn rfc_representante(&self) -> Option<&Rfc> {
        self.rfc_representante.as_ref()
    }

    /// The CURP from the subject's `serialNumber`: the holder's for a persona física, the legal
    /// representative's for a persona moral. `None` if absent or not a valid CURP.
    pub fn curp(&self) -> Option<&Curp> {
        self.curp.as_ref()
    }

    /// Razón social or name (CN, else `name`, else O).
    pub fn nombre(&self) -> &str {
        &self.nombre
    }

    /// Número de certificado: the 20 ASCII digits of the serial number (hex for non-SAT
    /// certificates).
    pub fn no_certificado(&self) -> &str {
        &self.no_certificado
    }

    /// Start of validity, unix seconds.
    pub fn vigente_desde(&self) -> i64 {
        self.desde
    }

    /// End of validity, unix seconds.
    pub fn vigente_hasta(&self) -> i64 {
        self.hasta
    }

    /// The issuer's CN, or its whole distinguished name when it has no CN.
    pub fn emisor(&self) -> &str {
        &self.emisor
    }

    /// FIEL, CSD or something else.
    pub fn tipo(&self) -> TipoCertificado {
        self.tipo
    }

    /// Whether this is an e.firma (FIEL) by profile. Trust is a separate question.
    pub fn es_fiel(&self) -> bool {
        self.tipo == TipoCertificado::Fiel
    }

    /// Whether this is a CA certificate (basicConstraints cA = true).
    pub fn es_ca(&self) -> bool {
        self.es_ca
    }

    /// Company or individual, from the RFC.
    pub fn persona(&self) -> Option<Persona> {
        self.rfc.as_ref().map(Rfc::persona)
    }

    /// SHA-256 of the DER encoding.
    pub fn huella_sha256(&self) -> [u8; 32] {
        sha2::Sha256::digest(&self.der).into()
    }

    /// SHA-256 of the DER encoding, lower-case hex.
    pub fn huella_sha256_hex(&self) -> String {
        self.huella_sha256()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Verifies a signature made with this certificate's key (in wasm32 only with the feature
    /// `verificacion-wasm`).
    #[cfg(any(not(target_arch = "wasm32"), feature = "verificacion-wasm"))]
    pub fn verificar(&self, datos: &[u8], firma: &[u8], alg: Algoritmo) -> Result<(), Error> {
        verificar_rsa(&self.llave_publica, alg.into(), datos, firma)
    }

    /// Checks `vigente_desde <= ahora_unix <= vigente_hasta`.
    pub fn validar_vigencia(&self, ahora_unix: i64) -> Result<(), Error> {
        if ahora_unix < self.desde {
            Err(Error::CertificadoAunNoVigente)
        } else if ahora_unix > self.hasta {
            Err(Error::CertificadoVencido)
        } else {
            Ok(())
        }
    }

    /// Checks that the certificate has the e.firma profile: SAT subject attributes, key usage
    /// digitalSignature + nonRepudiation, EKU clientAuth/emailProtection and no OU.
    pub fn validar_perfil_fiel(&self) -> Result<(), Error> {
        match self.tipo {
            TipoCertificado::Fiel => Ok(()),
            TipoCertificado::Csd => Err(Error::CsdNoEsEfirma),
            TipoCertificado::Otro if self.rfc.is_none() => Err(Error::NoEsCertificadoSat),
            TipoCertificado::Otro => Err(Error::NoEsEfirma),
        }
    }

    /// The RSA public key as PKCS#1 `RSAPublicKey` DER.
    pub(crate) fn llave_publica(&self) -> &[u8] {
        &self.llave_publica
    }

    #[cfg(any(not(target_arch = "wasm32"), feature = "verificacion-wasm"))]
    pub(crate) fn x509(&self) -> &x509_cert::Certificate {
        &self.x509
    }

    /// Whether the extended key usage extension lists `oid`.
    #[cfg(any(not(target_arch = "wasm32"), feature = "verificacion-wasm"))]
    pub(crate) fn tiene_eku(&self, oid: &const_oid::ObjectIdentifier) -> bool {
        self.eku.contains(oid)
    }
}
