//! Security headers on every response (DESIGN §10): HSTS, no framing, no sniffing, no referrer
//! leaks, a strict CSP, and `Cache-Control: no-store` on everything but the static bundle.

use axum::{extract::Request, middleware::Next, response::Response};
use http::{header, HeaderValue};

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

const POLITICA_NO_DOCUMENTO: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

pub async fn aplicar(peticion: Request, siguiente: Next) -> Response {
    let estatico =
        peticion.uri().path().starts_with("/pkg/") || peticion.uri().path() == "/favicon.svg";
    let mut respuesta = siguiente.run(peticion).await;
    let h = respuesta.headers_mut();
    h.insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=63072000; includeSubDomains"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(POLITICA_NO_DOCUMENTO),
        );
    }
    if !estatico {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    respuesta
}
