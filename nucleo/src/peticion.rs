//! What the server's middleware establishes about a request, and what a page sends: the
//! session, the client's address, the CSRF token, the sign-in form, a signature.

use std::net::IpAddr;

/// The header that carries the page's CSRF token on every server function call.
pub const CABECERA_CSRF: &str = "x-csrf-token";

/// The session the request carries, already checked by the server (not expired, not revoked).
#[derive(Clone)]
pub struct SesionActiva {
    /// Hash of the session token: identifies the row, never the token itself.
    pub id_hash: String,
    pub cuenta_id: i64,
}

/// Per-request facts, inserted into the request's extensions by the server's middleware.
#[derive(Clone)]
pub struct Peticion {
    pub sesion: Option<SesionActiva>,
    pub ip: IpAddr,
    /// The CSRF token valid for this browser, rendered into the page.
    pub csrf: String,
}

/// The data of the sign-in form, as typed. The captcha (its id and answer) and the unlock code
/// are empty unless the NRP's state asked for them.
pub struct DatosIngreso {
    pub nrp: String,
    pub correo: String,
    pub contrasena: String,
    pub captcha_id: String,
    pub captcha: String,
    pub codigo_desbloqueo: String,
}

/// A signature as the browser sends it: the public certificate and the signature in base64,
/// and the exact string signed.
pub struct FirmaRecibida<'a> {
    pub certificado_b64: &'a str,
    pub cadena: &'a str,
    pub firma_b64: &'a str,
}
