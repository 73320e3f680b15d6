//! The one error type of the crate. Every variant is something a person can act on, so each has a
//! stable code for programs ([`Error::codigo`]) and a plain Spanish sentence for the employer
//! ([`Error::mensaje`]).

use core::fmt;

/// Everything that can go wrong with an e.firma.
///
/// `Display` shows [`Error::mensaje`]; programs should branch on the variant or on
/// [`Error::codigo`], never on the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not an X.509 certificate (DER or PEM).
    NoEsCertificado,
    /// A well-formed certificate that lacks SAT's subject attributes (RFC), so it was not
    /// issued by the SAT.
    NoEsCertificadoSat,
    /// The certificate has an RSA key of a size this crate does not accept, or another key type.
    LlavePublicaNoSoportada,
    /// The bytes are not an encrypted private key (PKCS#8 `EncryptedPrivateKeyInfo`, DER or PEM).
    NoEsLlavePrivada,
    /// The key is well formed but the password does not open it.
    ContrasenaIncorrecta,
    /// The private key does not belong to the certificate.
    LlaveNoCorresponde,
    /// The certificate is a CSD (Certificado de Sello Digital), which is not an e.firma.
    CsdNoEsEfirma,
    /// The certificate has neither the FIEL nor the CSD profile.
    NoEsEfirma,
    /// The certificate's validity ended before the given time.
    CertificadoVencido,
    /// The certificate's validity starts after the given time.
    CertificadoAunNoVigente,
    /// The certificate does not chain to any configured trust anchor.
    EmisorNoConfiable,
    /// A chain was found but it breaks a rule (bad signature, CA constraints, expired CA, ...).
    CadenaInvalida,
    /// The certificate has been revoked.
    Revocado,
    /// The revocation status could not be established (responder answered "unknown", an error
    /// status, or nothing usable).
    RevocacionDesconocida,
    /// The OCSP response is malformed, badly signed, stale, or does not answer our request.
    RespuestaOcspInvalida,
    /// An algorithm that this crate does not implement (key encryption, signature, ...).
    AlgoritmoNoSoportado,
    /// The signature does not verify with the certificate's public key.
    FirmaInvalida,
    /// A file is larger than any certificate or key can reasonably be (64 KiB).
    ArchivoDemasiadoGrande,
    /// The trust anchors could not be loaded (unreadable directory, no CA certificates).
    AnclasNoDisponibles,
    /// No source of randomness is available on this platform for an operation that needs it.
    SinAleatoriedad,
    /// The test/demo generator (feature `generador`) could not create an RSA key: the `openssl`
    /// command is missing or failed.
    GeneradorNoDisponible,
    /// The key file holds an unencrypted private key (PKCS#8 `PRIVATE KEY`, PEM or DER): no
    /// password protects it, so it is refused.
    LlaveSinCifrar,
    /// The key file holds a PKCS#1 `RSA PRIVATE KEY` (OpenSSL's "traditional" format,
    /// encrypted or not), not SAT's `.key`.
    LlaveRsaTradicional,
    /// The file is a PKCS#10 certificate request (SAT's `.req`, DER or PEM), given as the
    /// `.cer` or the `.key`.
    EsRequerimiento,
    /// The file is a PKCS#12 `.pfx`/`.p12`, given as the `.cer` or the `.key`.
    EsPfx,
    /// The file given as a `.pfx`/`.p12` is not a PKCS#12 file this crate reads (feature `pfx`).
    NoEsPfx,
    /// The `.pfx` lacks the private key or its certificate (feature `pfx`).
    PfxIncompleto,
    /// The `.pfx` holds more than one private key (feature `pfx`).
    PfxVariasLlaves,
}

impl Error {
    /// A stable snake_case code, for logs, APIs and the UI's message catalogue.
    pub fn codigo(&self) -> &'static str {
        match self {
            Error::NoEsCertificado => "no_es_certificado",
            Error::NoEsCertificadoSat => "certificado_no_sat",
            Error::LlavePublicaNoSoportada => "llave_publica_no_soportada",
            Error::NoEsLlavePrivada => "no_es_llave_privada",
            Error::ContrasenaIncorrecta => "contrasena_incorrecta",
            Error::LlaveNoCorresponde => "llave_no_corresponde",
            Error::CsdNoEsEfirma => "csd_no_es_efirma",
            Error::NoEsEfirma => "no_es_efirma",
            Error::CertificadoVencido => "certificado_vencido",
            Error::CertificadoAunNoVigente => "certificado_aun_no_vigente",
            Error::EmisorNoConfiable => "emisor_no_confiable",
            Error::CadenaInvalida => "cadena_invalida",
            Error::Revocado => "certificado_revocado",
            Error::RevocacionDesconocida => "revocacion_desconocida",
            Error::RespuestaOcspInvalida => "respuesta_ocsp_invalida",
            Error::AlgoritmoNoSoportado => "algoritmo_no_soportado",
            Error::FirmaInvalida => "firma_invalida",
            Error::ArchivoDemasiadoGrande => "archivo_demasiado_grande",
            Error::AnclasNoDisponibles => "anclas_no_disponibles",
            Error::SinAleatoriedad => "sin_aleatoriedad",
            Error::GeneradorNoDisponible => "generador_no_disponible",
            Error::LlaveSinCifrar => "llave_sin_cifrar",
            Error::LlaveRsaTradicional => "llave_rsa_tradicional",
            Error::EsRequerimiento => "es_requerimiento",
            Error::EsPfx => "es_pfx",
            Error::NoEsPfx => "no_es_pfx",
            Error::PfxIncompleto => "pfx_incompleto",
            Error::PfxVariasLlaves => "pfx_varias_llaves",
        }
    }

    /// A clear Spanish sentence for a non-technical employer.
    pub fn mensaje(&self) -> &'static str {
        match self {
            Error::NoEsCertificado => {
                "El archivo no es un certificado válido. Elige el archivo .cer de tu e.firma."
            }
            Error::NoEsCertificadoSat => {
                "El certificado no fue emitido por el SAT. Usa el .cer de tu e.firma."
            }
            Error::LlavePublicaNoSoportada => {
                "El certificado usa un tipo de llave que no se acepta. Usa el .cer de tu e.firma del SAT."
            }
            Error::NoEsLlavePrivada => {
                "El archivo no es una clave privada válida. Elige el archivo .key de tu e.firma."
            }
            Error::ContrasenaIncorrecta => {
                "La contraseña de la clave privada es incorrecta. Verifícala e inténtalo de nuevo."
            }
            Error::LlaveNoCorresponde => {
                "La clave privada (.key) no corresponde al certificado (.cer). Elige los dos archivos de la misma e.firma."
            }
            Error::CsdNoEsEfirma => {
                "El certificado es un Certificado de Sello Digital (CSD), no una e.firma. Usa el .cer de tu e.firma."
            }
            Error::NoEsEfirma => "El certificado no es una e.firma. Usa el .cer de tu e.firma.",
            Error::CertificadoVencido => {
                "Tu e.firma está vencida. Renuévala en el SAT e inténtalo de nuevo."
            }
            Error::CertificadoAunNoVigente => {
                "Tu e.firma todavía no está vigente. Inténtalo de nuevo cuando inicie su vigencia."
            }
            Error::EmisorNoConfiable => {
                "El certificado no fue emitido por una autoridad certificadora del SAT reconocida."
            }
            Error::CadenaInvalida => {
                "No se pudo validar la cadena de confianza del certificado con el SAT."
            }
            Error::Revocado => {
                "Tu e.firma fue revocada. Tramita una nueva en el SAT."
            }
            Error::RevocacionDesconocida => {
                "No fue posible confirmar con el SAT que tu e.firma siga vigente. Inténtalo más tarde."
            }
            Error::RespuestaOcspInvalida => {
                "La respuesta del servicio de validación del SAT no es válida. Inténtalo más tarde."
            }
            Error::AlgoritmoNoSoportado => {
                "El archivo usa un algoritmo que no se acepta. Usa los archivos de tu e.firma emitidos por el SAT."
            }
            Error::FirmaInvalida => "La firma electrónica no es válida.",
            Error::ArchivoDemasiadoGrande => {
                "El archivo es demasiado grande para ser un certificado o una clave privada."
            }
            Error::AnclasNoDisponibles => {
                "No están disponibles los certificados del SAT para validar la e.firma."
            }
            Error::SinAleatoriedad => {
                "No fue posible firmar en este equipo: falta una fuente de números aleatorios."
            }
            Error::GeneradorNoDisponible => {
                "No se pudo generar una llave RSA: instala OpenSSL (el comando openssl) e inténtalo de nuevo."
            }
            Error::LlaveSinCifrar => {
                "La clave privada no está protegida con contraseña (está sin cifrar) y no se acepta. Usa el archivo .key original que te entregó el SAT, que se abre con la contraseña de tu e.firma."
            }
            Error::LlaveRsaTradicional => {
                "El archivo es una clave privada RSA en formato tradicional («RSA PRIVATE KEY»), no el .key de tu e.firma. Usa el archivo .key original que te entregó el SAT."
            }
            Error::EsRequerimiento => {
                "El archivo es el requerimiento (.req) con el que se solicita la e.firma al SAT, no la e.firma. Usa el certificado (.cer) que descargaste del SAT y la clave privada (.key) que se generó junto con el requerimiento."
            }
            Error::EsPfx => {
                "El archivo es un .pfx o .p12 (certificado y clave privada en un solo archivo), no un .cer ni un .key. Elige por separado el .cer y el .key de tu e.firma."
            }
            Error::NoEsPfx => {
                "El archivo no es un .pfx o .p12 válido. Elige el .pfx (o .p12) con tu certificado y tu clave privada, o usa el .cer y el .key de tu e.firma."
            }
            Error::PfxIncompleto => {
                "El archivo .pfx no contiene juntos tu certificado y tu clave privada. Expórtalo de nuevo con los dos, o usa el .cer y el .key de tu e.firma."
            }
            Error::PfxVariasLlaves => {
                "El archivo .pfx contiene más de una clave privada. Exporta un .pfx sólo con tu e.firma, o usa el .cer y el .key de tu e.firma."
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.mensaje())
    }
}

impl std::error::Error for Error {}

/// Upper bound for any certificate or key file we accept; SAT files are about 1.5 KiB.
pub(crate) const TAMANO_MAXIMO: usize = 64 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codigos_son_snake_case_y_unicos() {
        let todos = [
            Error::NoEsCertificado,
            Error::NoEsCertificadoSat,
            Error::LlavePublicaNoSoportada,
            Error::NoEsLlavePrivada,
            Error::ContrasenaIncorrecta,
            Error::LlaveNoCorresponde,
            Error::CsdNoEsEfirma,
            Error::NoEsEfirma,
            Error::CertificadoVencido,
            Error::CertificadoAunNoVigente,
            Error::EmisorNoConfiable,
            Error::CadenaInvalida,
            Error::Revocado,
            Error::RevocacionDesconocida,
            Error::RespuestaOcspInvalida,
            Error::AlgoritmoNoSoportado,
            Error::FirmaInvalida,
            Error::ArchivoDemasiadoGrande,
            Error::AnclasNoDisponibles,
            Error::SinAleatoriedad,
            Error::GeneradorNoDisponible,
            Error::LlaveSinCifrar,
            Error::LlaveRsaTradicional,
            Error::EsRequerimiento,
            Error::EsPfx,
            Error::NoEsPfx,
            Error::PfxIncompleto,
            Error::PfxVariasLlaves,
        ];
        let mut vistos = std::collections::HashSet::new();
        let mut vistos_mensajes = std::collections::HashSet::new();
        for e in todos {
            let c = e.codigo();
            assert!(
                c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{c}"
            );
            assert!(vistos.insert(c), "código repetido {c}");
            assert_eq!(e.to_string(), e.mensaje());
            assert!(e.mensaje().ends_with('.'));
            assert!(vistos_mensajes.insert(e.mensaje()), "mensaje repetido {c}");
        }
    }
}
