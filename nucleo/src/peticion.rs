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

/// The CSP of a rendered document: scripts only from this origin or with this render's nonce,
/// WebAssembly compilation allowed (hydration needs it) and nothing else.
pub fn politica_documento(nonce: &str, puerto_recarga: Option<u32>) -> String {
    let recarga = puerto_recarga
        .map(|p| format!(" ws://127.0.0.1:{p} ws://localhost:{p}"))
        .unwrap_or_default();
    format!(
        "default-src 'none'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'{recarga}; \
         form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn la_politica_del_documento_solo_abre_lo_que_la_hidratacion_necesita() {
        let p = politica_documento("abc", None);
        assert!(
            p.starts_with("default-src 'none'; script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';")
        );
        assert!(p.contains("connect-src 'self';"));
        assert!(p.contains("frame-ancestors 'none'"));
        assert!(!p.contains("unsafe-inline"));
        let recarga = politica_documento("abc", Some(3001));
        assert!(recarga.contains("connect-src 'self' ws://127.0.0.1:3001 ws://localhost:3001;"));
    }
}
