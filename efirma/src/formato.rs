//! What a file handed over as a `.cer` or a `.key` actually is: DER or PEM, and which of the
//! structures people confuse with SAT's files (an unencrypted or PKCS#1 key, the `.req`, a
//! `.pfx`). Only recognition lives here; each caller decides what to accept.

use der::Decode;

/// A file as read: its PEM label if it is PEM text, and its DER (the file itself, or the PEM's
/// payload; `None` when the PEM body does not decode, e.g. it has `Proc-Type` headers).
pub(crate) struct Archivo {
    pub(crate) etiqueta: Option<String>,
    pub(crate) der: Option<Vec<u8>>,
}

/// Reads `bytes` as DER, or as PEM when it is text with a `-----BEGIN ` line (text before that
/// line, like the "Bag Attributes" that `openssl pkcs12` prints, is skipped).
pub(crate) fn leer(bytes: &[u8]) -> Archivo {
    let Some(inicio) = inicio_pem(bytes) else {
        return Archivo {
            etiqueta: None,
            der: Some(bytes.to_vec()),
        };
    };
    let pem = &bytes[inicio..];
    let etiqueta = pem["-----BEGIN ".len()..]
        .split(|&b| b == b'\n' || b == b'\r')
        .next()
        .and_then(|l| l.strip_suffix(b"-----"))
        .and_then(|l| core::str::from_utf8(l).ok())
        .map(str::to_owned);
    let der = der::pem::decode_vec(pem)
        .ok()
        .filter(|(l, _)| Some(*l) == etiqueta.as_deref())
        .map(|(_, der)| der);
    Archivo {
        etiqueta: Some(etiqueta.unwrap_or_default()),
        der,
    }
}

/// Where the PEM armour starts: at the first non-blank byte, or anywhere in a file that is only
/// printable text (DER always has control bytes: tags and lengths).
fn inicio_pem(bytes: &[u8]) -> Option<usize> {
    const INICIO: &[u8] = b"-----BEGIN ";
    let primero = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    if bytes[primero..].starts_with(INICIO) {
        return Some(primero);
    }
    let texto = core::str::from_utf8(bytes).ok()?;
    if texto
        .chars()
        .any(|c| c.is_control() && !c.is_ascii_whitespace())
    {
        return None;
    }
    texto.find("-----BEGIN ")
}

/// The kinds of file that are not what was asked for but are worth naming.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Clase {
    /// An X.509 certificate.
    Certificado,
    /// A PKCS#10 certificate request: SAT's `.req`.
    Requerimiento,
    /// A PKCS#8 `EncryptedPrivateKeyInfo`.
    LlaveCifrada,
    /// A PKCS#8 `PrivateKeyInfo`, not encrypted.
    LlaveSinCifrar,
    /// A PKCS#1 `RSAPrivateKey` ("traditional" OpenSSL format), encrypted or not.
    RsaTradicional,
    /// A PKCS#12 `PFX`.
    Pfx,
}

/// The kind a PEM label names.
pub(crate) fn clase_de_etiqueta(etiqueta: &str) -> Option<Clase> {
    Some(match etiqueta {
        "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => Clase::Certificado,
        "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => Clase::Requerimiento,
        "ENCRYPTED PRIVATE KEY" => Clase::LlaveCifrada,
        "PRIVATE KEY" => Clase::LlaveSinCifrar,
        "RSA PRIVATE KEY" => Clase::RsaTradicional,
        "PKCS12" => Clase::Pfx,
        _ => return None,
    })
}

/// The kind of a DER structure, if it is one of [`Clase`].
pub(crate) fn clase_de_der(der: &[u8]) -> Option<Clase> {
    if x509_cert::Certificate::from_der(der).is_ok() {
        Some(Clase::Certificado)
    } else if x509_cert::request::CertReq::from_der(der).is_ok() {
        Some(Clase::Requerimiento)
    } else if pkcs12::pbe_params::EncryptedPrivateKeyInfo::from_der(der).is_ok() {
        Some(Clase::LlaveCifrada)
    } else if pkcs8::PrivateKeyInfo::from_der(der).is_ok() {
        Some(Clase::LlaveSinCifrar)
    } else if pkcs1::RsaPrivateKey::from_der(der).is_ok() {
        Some(Clase::RsaTradicional)
    } else if pkcs12::pfx::Pfx::from_der(der).is_ok() {
        Some(Clase::Pfx)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_con_texto_antes_y_encabezados() {
        let a = leer(b"Bag Attributes\n    localKeyID: 01\n-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n");
        assert_eq!(a.etiqueta.as_deref(), Some("CERTIFICATE"));
        assert_eq!(a.der.as_deref(), Some(&[0x30, 0][..]));
        let a = leer(b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: DES-EDE3-CBC,00\n\nMAA=\n-----END RSA PRIVATE KEY-----\n");
        assert_eq!(a.etiqueta.as_deref(), Some("RSA PRIVATE KEY"));
        assert_eq!(
            clase_de_etiqueta("RSA PRIVATE KEY"),
            Some(Clase::RsaTradicional)
        );
        let a = leer(&[0x30, 0x03, 0x02, 0x01, 0x00]);
        assert_eq!(a.etiqueta, None);
        assert_eq!(clase_de_der(a.der.as_deref().unwrap()), None);
        assert_eq!(clase_de_etiqueta("PUBLIC KEY"), None);
    }
}
