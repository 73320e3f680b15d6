//! The acuse over HTTP:
//!
//! - `GET /acuses/{folio}.pdf`: the PDF, only to a session of the account it belongs to, each
//!   download audited (`acuse_descargado`). Anyone else, signed in or not, gets the same 404 as
//!   for a folio that does not exist.
//! - `GET /acuses/certificado-instituto.pem`: the Instituto's public seal certificate.
//!
//! The public verification behind `/acuses/verificar` is a trámite: [`super::consulta`].

use super::{consulta::url_verificacion, pdf, por_folio};
use crate::{
    auditoria::{self, Evento},
    estado::Estado,
};
use axum::{
    extract::{Path, Request, State},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use http::{header, HeaderValue, StatusCode};
use nucleo::{identificadores::Folio, peticion::Peticion};
use std::sync::Arc;

pub fn enrutador<S: Clone + Send + Sync + 'static>(estado: Arc<Estado>) -> Router<S> {
    Router::new()
        .route(
            "/acuses/certificado-instituto.pem",
            get(certificado_instituto),
        )
        .route("/acuses/{archivo}", get(descargar))
        .with_state(estado)
}

fn no_encontrado() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "No encontrado",
    )
        .into_response()
}

async fn descargar(
    State(estado): State<Arc<Estado>>,
    Path(archivo): Path<String>,
    peticion: Request,
) -> Response {
    let Some(folio) = archivo
        .strip_suffix(".pdf")
        .and_then(|f| Folio::parse(f).ok())
    else {
        return no_encontrado();
    };
    let Some((sesion, ip)) = peticion
        .extensions()
        .get::<Peticion>()
        .and_then(|p| Some((p.sesion.clone()?, p.ip)))
    else {
        return no_encontrado();
    };
    let no_disponible = || {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "30")],
            "El servicio no está disponible en este momento.",
        )
            .into_response()
    };
    let acuse = match por_folio(&estado.bd, folio.as_str()).await {
        Ok(Some(a)) if a.datos.cuenta_id == sesion.cuenta_id => a,
        Ok(_) => return no_encontrado(),
        Err(e) => {
            tracing::error!(error = %e, "no se pudo leer el acuse");
            return no_disponible();
        }
    };
    // Every download is on the record before the document leaves (issue 15): none without it.
    if let Err(e) = auditoria::registrar_aparte(
        &estado.bd,
        Evento {
            evento: "acuse_descargado",
            cuenta_id: Some(sesion.cuenta_id),
            sujeto: Some(&acuse.datos.nrp),
            ip: &ip.to_string(),
            detalle: Some(folio.as_str()),
        },
    )
    .await
    {
        tracing::error!(error = %e, "no se pudo auditar la descarga del acuse");
        return no_disponible();
    }
    let documento = pdf(&acuse, &url_verificacion(&estado.config, folio.as_str()));
    let disposicion = HeaderValue::from_str(&format!("attachment; filename=\"acuse-{folio}.pdf\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (header::CONTENT_DISPOSITION, disposicion),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        documento,
    )
        .into_response()
}

async fn certificado_instituto(State(estado): State<Arc<Estado>>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/x-pem-file"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"certificado-instituto.pem\"",
            ),
        ],
        estado.sellador.certificado_pem(),
    )
        .into_response()
}
