//! The acuse over HTTP:
//!
//! - `GET /acuses/{folio}.pdf`: the PDF, only to a session of the account it belongs to. Anyone
//!   else, signed in or not, gets the same 404 as for a folio that does not exist.
//! - `GET /acuses/certificado-instituto.pem`: the Instituto's public seal certificate.
//! - the public verification behind `/acuses/verificar` ([`verificar_folio`]), throttled per
//!   client address on unknown folios so nobody can walk the folio space.

use super::{fecha_cdmx, fecha_utc, nombre_rol, pdf, por_folio, verificar};
use crate::{bd, configuracion::Configuracion, estado::Estado, limites};
use axum::{
    extract::{Path, Request, State},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use http::{header, HeaderValue, StatusCode};
use nucleo::{
    acuses::AcuseVerificado, error::ErrorApp, identificadores::Folio, peticion::Peticion,
};
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

/// Where the acuse's QR code points.
pub fn url_verificacion(config: &Configuracion, folio: &str) -> String {
    format!("{}/acuses/verificar?folio={folio}", config.url_publica)
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
    let Some(sesion) = peticion
        .extensions()
        .get::<Peticion>()
        .and_then(|p| p.sesion.clone())
    else {
        return no_encontrado();
    };
    let acuse = match por_folio(&estado.bd, folio.as_str()).await {
        Ok(Some(a)) if a.datos.cuenta_id == sesion.cuenta_id => a,
        Ok(_) => return no_encontrado(),
        Err(e) => {
            tracing::error!(error = %e, "no se pudo leer el acuse");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "30")],
                "El servicio no está disponible en este momento.",
            )
                .into_response();
        }
    };
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

fn clave_consultas(ip: &str) -> String {
    format!("acuse-{}", limites::clave_ip(ip))
}

/// The public check of an acuse. Unknown folios count against the client address like failed
/// sign-ins; past the limit every lookup from it waits.
pub async fn verificar_folio(
    estado: &Estado,
    peticion: &Peticion,
    folio: &Folio,
) -> Result<Option<AcuseVerificado>, ErrorApp> {
    let clave = clave_consultas(&peticion.ip.to_string());
    // Each lookup takes a place; one that finds its acuse gives it back, one that does not
    // confirms it: only lookups of folios that do not exist count.
    let plazas = estado
        .limites
        .tomar(&[estado.limites.de_ingreso(&clave, estado.limites.intentos_ip)])
        .await
        .map_err(bd::indisponible)?
        .map_err(|lleno| {
            ErrorApp::nuevo(
                429,
                "demasiadas_consultas",
                "Hubo demasiadas consultas de folios inexistentes desde tu conexión. Espera unos minutos e intenta de nuevo.",
            )
            .con_reintento(lleno.espera)
        })?;
    let Some(acuse) = por_folio(&estado.bd, folio.as_str())
        .await
        .map_err(bd::indisponible)?
    else {
        estado
            .limites
            .confirmar(plazas.todas())
            .await
            .map_err(bd::indisponible)?;
        return Ok(None);
    };
    estado
        .limites
        .devolver(plazas.todas())
        .await
        .map_err(bd::indisponible)?;
    let v = verificar(&acuse, &estado.sellador);
    let d = acuse.datos;
    Ok(Some(AcuseVerificado {
        fecha_utc: fecha_utc(d.emitido),
        fecha_cdmx: fecha_cdmx(d.emitido),
        rol: nombre_rol(&d.rol).to_owned(),
        folio: d.folio,
        rfc: d.rfc,
        razon_social: d.razon_social,
        sello_solicitante: v.sello_solicitante,
        sello_instituto: v.sello_instituto,
    }))
}
