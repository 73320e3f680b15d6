//! Generación de contraseña: who a credential is for, what the tab shows, and the shape of the
//! cadena original the e.firma signs.

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
