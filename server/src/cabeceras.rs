//! Security headers on every response (DESIGN §10): HSTS, no framing, no sniffing, no referrer
//! leaks, a strict CSP (a rendered document's: [`nucleo::peticion::politica_documento`]), and
//! `Cache-Control: no-store` on everything but the static bundle.

use axum::{extract::Request, middleware::Next, response::Response};
use http::{header, HeaderValue};

const POLITICA_NO_DOCUMENTO: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The Portal's fonts (`/fuentes/`, not content-hashed: named by face and weight) are reused for
/// a week.
pub const CACHE_FUENTES: &str = "public, max-age=604800";

pub async fn aplicar(peticion: Request, siguiente: Next) -> Response {
    let ruta = peticion.uri().path();
    let estatico = ruta.starts_with("/pkg/") || ruta == "/favicon.svg";
    let fuente = ruta.starts_with("/fuentes/");
    let mut respuesta = siguiente.run(peticion).await;
    let exito = respuesta.status().is_success();
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
    if fuente && exito {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_FUENTES),
        );
    } else if !estatico {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    respuesta
}
