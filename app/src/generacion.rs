//! "Generación de contraseña" (guide §2): the server functions of the tab, and the shape of the
//! two strings the e.firma signs. The e.firma never leaves the browser: these functions receive
//! only the public certificate and signatures.
//!
//! 1. [`solicitar_reto`]: the Terms were accepted; a single-use challenge for the announced
//!    certificate.
//! 2. [`validar_efirma`]: the challenge signed (RSASSA-PSS); answers with the requester's data and
//!    the cadena original of the trámite to sign.
//! 3. [`firmar_terminos`]: the cadena original signed (RSASSA-PKCS1-v1_5, the SAT convention for
//!    a sello); the credential is issued, the acuse sealed and the email queued, all at once.

use crate::{cliente::ClientePortal, error::ErrorApp};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Who a credential is for: the employer (tab Generación de contraseña) or the software
/// developer (tab Certificación (Desarrolladores)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rol {
    #[default]
    Patron,
    Desarrollador,
}

impl Rol {
    /// As stored and as sent in requests.
    pub fn as_str(self) -> &'static str {
        match self {
            Rol::Patron => "patron",
            Rol::Desarrollador => "desarrollador",
        }
    }

    /// As written in a cadena original.
    pub fn en_cadena(self) -> &'static str {
        match self {
            Rol::Patron => "PATRON",
            Rol::Desarrollador => "DESARROLLADOR",
        }
    }

    pub fn de_cadena(texto: &str) -> Option<Rol> {
        match texto {
            "PATRON" => Some(Rol::Patron),
            "DESARROLLADOR" => Some(Rol::Desarrollador),
            _ => None,
        }
    }

    /// The Terms this role signs: version and text.
    pub fn terminos(self) -> (&'static str, &'static str) {
        use crate::terminos::*;
        match self {
            Rol::Patron => (VERSION_PATRON, TEXTO_PATRON),
            Rol::Desarrollador => (VERSION_DESARROLLADOR, TEXTO_DESARROLLADOR),
        }
    }
}

/// The active credential, if any, as the tab shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredencialActiva {
    pub folio: String,
    /// Unix seconds (UTC) of issue.
    pub emitida: i64,
}

/// Who is asking, as the validated e.firma and the account agree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Solicitante {
    pub razon_social: String,
    pub rfc: String,
    pub nrp: String,
    pub no_certificado: String,
}

/// Step 3 of the guide ("Solicitud de trámite"): the requester and the document to sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Solicitud {
    pub solicitante: Solicitante,
    /// The cadena original (see [`CadenaOriginal`]).
    pub cadena_original: String,
}

/// Step 4 ("Respuesta firmada electrónicamente"): the issued credential's folio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Emision {
    pub folio: String,
    pub emitida: i64,
}

/// Largest base64 certificate accepted (64 KiB of DER).
pub const CERTIFICADO_B64_MAXIMO: usize = 88 * 1024;
/// Largest base64 signature accepted (RSA-8192).
pub const FIRMA_B64_MAXIMA: usize = 1400;
/// Largest challenge or cadena original accepted.
pub const CADENA_MAXIMA: usize = 2048;

/// What the trámite's cadena original says, field by field (SAT style: `||`-delimited,
/// positional, version first):
///
/// `||1.0|GENERACION DE CONTRASENA|PATRON|NRP|RFC|RAZON SOCIAL|NO. CERTIFICADO|VERSION TERMINOS|
/// SHA-256 TERMINOS|FECHA (UTC, RFC 3339)|FOLIO REEMPLAZADO (vacío si no hay)|NONCE||`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CadenaOriginal<'a> {
    pub tramite: &'a str,
    pub rol: &'a str,
    pub nrp: &'a str,
    pub rfc: &'a str,
    pub razon_social: &'a str,
    pub no_certificado: &'a str,
    pub terminos_version: &'a str,
    pub terminos_sha256: &'a str,
    pub fecha: &'a str,
    pub reemplaza: &'a str,
    pub nonce: &'a str,
}

pub const VERSION_CADENA: &str = "1.0";
pub const TRAMITE_GENERACION: &str = "GENERACION DE CONTRASENA";

impl<'a> CadenaOriginal<'a> {
    pub fn leer(cadena: &'a str) -> Option<Self> {
        let interior = cadena.strip_prefix("||")?.strip_suffix("||")?;
        let campos: Vec<&str> = interior.split('|').collect();
        let [version, tramite, rol, nrp, rfc, razon_social, no_certificado, terminos_version, terminos_sha256, fecha, reemplaza, nonce] =
            campos.as_slice()
        else {
            return None;
        };
        (*version == VERSION_CADENA && !nonce.is_empty()).then_some(Self {
            tramite,
            rol,
            nrp,
            rfc,
            razon_social,
            no_certificado,
            terminos_version,
            terminos_sha256,
            fecha,
            reemplaza,
            nonce,
        })
    }

    pub fn escribir(&self) -> String {
        let campos = [
            VERSION_CADENA,
            self.tramite,
            self.rol,
            self.nrp,
            self.rfc,
            self.razon_social,
            self.no_certificado,
            self.terminos_version,
            self.terminos_sha256,
            self.fecha,
            self.reemplaza,
            self.nonce,
        ];
        format!("||{}||", campos.join("|"))
    }
}

#[server(name = EstadoGeneracion, prefix = "/api", endpoint = "generacion/estado", client = ClientePortal)]
pub async fn estado_generacion(
    #[server(default)] rol: Rol,
) -> Result<Option<CredencialActiva>, ErrorApp> {
    use crate::servicios::{portal, sesion};
    portal()?.credencial_activa(&sesion()?, rol).await
}

/// A challenge for the e.firma whose certificate number the browser read from the `.cer`.
/// Refused unless the employer accepted the Terms.
#[server(name = SolicitarReto, prefix = "/api", endpoint = "generacion/reto", client = ClientePortal)]
pub async fn solicitar_reto(
    no_certificado: String,
    #[server(default)] acepto_terminos: bool,
) -> Result<String, ErrorApp> {
    use crate::servicios::{portal, sesion};
    if !acepto_terminos {
        return Err(terminos_no_aceptados());
    }
    if no_certificado.len() != 20 || !no_certificado.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ErrorApp::solicitud_invalida(
            "El número de certificado no es válido. Vuelve a adjuntar el archivo .CER.",
        ));
    }
    portal()?.solicitar_reto(&sesion()?, &no_certificado).await
}

pub fn terminos_no_aceptados() -> ErrorApp {
    ErrorApp::nuevo(
        422,
        "terminos_no_aceptados",
        "Para continuar debes leer los Términos y condiciones y marcar la casilla Acepto términos y condiciones.",
    )
}

#[cfg(feature = "ssr")]
fn demasiado_grande(certificado: &str, firma: &str, cadena: &str) -> Result<(), ErrorApp> {
    if certificado.len() > CERTIFICADO_B64_MAXIMO
        || firma.len() > FIRMA_B64_MAXIMA
        || cadena.len() > CADENA_MAXIMA
    {
        return Err(ErrorApp::nuevo(
            413,
            "archivo_demasiado_grande",
            "El archivo .CER es demasiado grande: el certificado de una e.firma pesa pocos kilobytes.",
        ));
    }
    Ok(())
}

/// The challenge signed by the e.firma (RSASSA-PSS/SHA-256), with the public certificate.
/// `reemplazar` asks to replace the active credential (an explicit choice in the tab).
#[server(name = ValidarEfirma, prefix = "/api", endpoint = "generacion/validar", client = ClientePortal)]
pub async fn validar_efirma(
    certificado: String,
    cadena: String,
    firma: String,
    #[server(default)] reemplazar: bool,
    #[server(default)] rol: Rol,
) -> Result<Solicitud, ErrorApp> {
    use crate::servicios::{peticion, portal, sesion, FirmaRecibida};
    demasiado_grande(&certificado, &firma, &cadena)?;
    let sesion = sesion()?;
    portal()?
        .validar_efirma(
            &peticion()?,
            &sesion,
            FirmaRecibida {
                certificado_b64: &certificado,
                cadena: &cadena,
                firma_b64: &firma,
            },
            reemplazar,
            rol,
        )
        .await
}

/// The cadena original signed by the e.firma (RSASSA-PKCS1-v1_5/SHA-256): issues the credential.
#[server(name = FirmarTerminos, prefix = "/api", endpoint = "generacion/firmar", client = ClientePortal)]
pub async fn firmar_terminos(
    certificado: String,
    cadena: String,
    sello: String,
) -> Result<Emision, ErrorApp> {
    use crate::servicios::{peticion, portal, sesion, FirmaRecibida};
    demasiado_grande(&certificado, &sello, &cadena)?;
    let sesion = sesion()?;
    portal()?
        .firmar_terminos(
            &peticion()?,
            &sesion,
            FirmaRecibida {
                certificado_b64: &certificado,
                cadena: &cadena,
                firma_b64: &sello,
            },
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn la_cadena_original_se_lee_como_se_escribe() {
        let c = CadenaOriginal {
            tramite: TRAMITE_GENERACION,
            rol: "PATRON",
            nrp: "Y5412345108",
            rfc: "EKU9003173C9",
            razon_social: "ESCUELA KEMPER URGATE SA DE CV",
            no_certificado: "30001000000500003415",
            terminos_version: "patron-v1",
            terminos_sha256: "ab",
            fecha: "2026-11-27T11:00:00Z",
            reemplaza: "",
            nonce: "n0nce",
        };
        let s = c.escribir();
        assert!(s.starts_with("||1.0|GENERACION DE CONTRASENA|PATRON|Y5412345108|"));
        assert!(s.ends_with("|2026-11-27T11:00:00Z||n0nce||"));
        assert_eq!(CadenaOriginal::leer(&s), Some(c));
        assert_eq!(CadenaOriginal::leer("||2.0|x||"), None);
        assert_eq!(CadenaOriginal::leer(&s.replace("1.0", "2.0")), None);
        assert_eq!(CadenaOriginal::leer(&s[2..]), None);
    }
}
