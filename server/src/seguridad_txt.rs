//! `/.well-known/security.txt` (RFC 9116): where to report a vulnerability. The contact comes
//! from configuration (`INTERCOM_CONTACTO_SEGURIDAD`, a `mailto:` or `https:` URI); the demo
//! falls back to `seguridad@` the sender's domain, production without it answers 404 rather
//! than publish a made-up address.
//!
//! `Expires` is required and should be under a year ahead: it is set 180 days after the moment
//! the file is served, so a running portal never publishes a stale one, and `Canonical` names
//! the public URL so a copy served elsewhere can be told apart.

use crate::{configuracion::Modo, estado::Estado};
use axum::{
    extract::State,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use http::{header, HeaderValue, StatusCode};
use std::sync::Arc;

/// How far ahead `Expires` is.
pub const VIGENCIA_SEG: i64 = 180 * 24 * 3600;

/// The contact to publish, if any.
pub fn contacto(estado: &Estado) -> Option<String> {
    let config = &estado.config;
    config.contacto_seguridad.clone().or_else(|| {
        (config.modo == Modo::Demo).then(|| {
            format!(
                "mailto:seguridad@{}",
                config.correo_remitente.email.domain()
            )
        })
    })
}

/// The file's text at `ahora` (unix seconds).
pub fn texto(contacto: &str, url_publica: &str, ahora: i64) -> String {
    let expira = time::OffsetDateTime::from_unix_timestamp(ahora + VIGENCIA_SEG)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "Contact: {contacto}\n\
         Expires: {:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z\n\
         Preferred-Languages: es, en\n\
         Canonical: {url_publica}/.well-known/security.txt\n",
        expira.year(),
        u8::from(expira.month()),
        expira.day(),
        expira.hour(),
        expira.minute(),
        expira.second()
    )
}

async fn servir(State(estado): State<Arc<Estado>>) -> Response {
    let Some(contacto) = contacto(&estado) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let cuerpo = texto(&contacto, &estado.config.url_publica, crate::ahora());
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("max-age=86400"),
            ),
        ],
        cuerpo,
    )
        .into_response()
}

pub fn enrutador(estado: Arc<Estado>) -> Router {
    Router::new()
        .route("/.well-known/security.txt", get(servir))
        .with_state(estado)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lleva_los_campos_de_rfc_9116() {
        // 2026-12-03T18:00:00Z
        let t = texto(
            "mailto:seguridad@infonavit.example",
            "https://portal.example",
            1_796_320_800,
        );
        assert_eq!(
            t,
            "Contact: mailto:seguridad@infonavit.example\n\
             Expires: 2027-06-01T18:00:00Z\n\
             Preferred-Languages: es, en\n\
             Canonical: https://portal.example/.well-known/security.txt\n"
        );
    }
}
