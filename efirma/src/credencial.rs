//! A certificate and its private key, checked to belong together: what a person hands over when
//! they "use their e.firma".

#[cfg(any(not(target_arch = "wasm32"), feature = "firma-wasm"))]
use crate::Algoritmo;
use crate::{Certificado, Error, LlavePrivada};

/// `.cer` + `.key` + password, opened and checked to match.
#[derive(Debug)]
pub struct Credencial {
    certificado: Certificado,
    llave: LlavePrivada,
}

impl Credencial {
    /// Parses the certificate, decrypts the key and checks that they match
    /// ([`Error::LlaveNoCorresponde`] otherwise). Profile, validity and trust are separate
    /// questions: see [`crate::validar_efirma`].
    pub fn abrir(cer: &[u8], key: &[u8], contrasena: &[u8]) -> Result<Credencial, Error> {
        let certificado = Certificado::parse(cer)?;
        let llave = LlavePrivada::descifrar(key, contrasena)?;
        Credencial::nueva(certificado, llave)
    }

    /// Opens a PKCS#12 `.pfx`/`.p12` holding the certificate and its key under one password
    /// (feature `pfx`); see [`crate::leer_pfx`] for what is read and its errors.
    #[cfg(feature = "pfx")]
    pub fn abrir_pfx(pfx: &[u8], contrasena: &[u8]) -> Result<Credencial, Error> {
        let contenido = crate::leer_pfx(pfx, contrasena)?;
        Credencial::nueva(
            Certificado::parse(&contenido.certificado_der)?,
            contenido.llave,
        )
    }

    /// Pairs an already parsed certificate and key, checking that they match.
    pub fn nueva(certificado: Certificado, llave: LlavePrivada) -> Result<Credencial, Error> {
        if !llave.corresponde_a(&certificado) {
            return Err(Error::LlaveNoCorresponde);
        }
        Ok(Credencial { certificado, llave })
    }

    /// The certificate.
    pub fn certificado(&self) -> &Certificado {
        &self.certificado
    }

    /// The private key.
    pub fn llave(&self) -> &LlavePrivada {
        &self.llave
    }

    /// Signs with the private key; see [`LlavePrivada::firmar`] (in wasm32 only with the
    /// feature `firma-wasm`).
    #[cfg(any(not(target_arch = "wasm32"), feature = "firma-wasm"))]
    pub fn firmar(&self, datos: &[u8], alg: Algoritmo) -> Result<Vec<u8>, Error> {
        self.llave.firmar(datos, alg)
    }
}
