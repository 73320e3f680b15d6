//! Health for load balancers and orchestrators, outside the portal's session and CSRF layers:
//!
//! - `GET /salud/vivo` (liveness): 200 as long as the process serves requests.
//! - `GET /salud` (readiness): 200 when the database answers `SELECT 1` and the SMTP server
//!   accepts a TCP connection (the local mailbox folder counts as reachable); otherwise 503
//!   with `Retry-After`, so the balancer sends traffic elsewhere until it recovers.
//!
//! The body says only which part failed: no versions, addresses or error texts. The SMTP check
//! is cached a few seconds, so frequent probes do not turn into a stream of connections to the
//! mail server.

use crate::estado::Estado;
use axum::{
    extract::State,
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use http::{header, HeaderValue, StatusCode};
use serde::Serialize;
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

/// How long each check may take.
pub const LIMITE: Duration = Duration::from_secs(2);
/// How long an SMTP check's answer is reused.
pub const VIGENCIA_SMTP: Duration = Duration::from_secs(5);
/// What a 503 asks the balancer to wait, in seconds.
pub const REINTENTAR_EN: u32 = 5;

/// The last SMTP check: when, and whether it connected. The health router's own state, beside
/// the server's.
#[derive(Default)]
struct CacheSmtp(tokio::sync::Mutex<Option<(Instant, bool)>>);

#[derive(Clone)]
struct Salud {
    estado: Arc<Estado>,
    cache_smtp: Arc<CacheSmtp>,
}

#[derive(Serialize)]
pub struct Informe {
    pub estado: &'static str,
    pub base_de_datos: &'static str,
    pub smtp: &'static str,
}

async fn base_de_datos(estado: &Estado) -> bool {
    let consulta = sqlx::query("SELECT 1").execute(&estado.bd);
    matches!(tokio::time::timeout(LIMITE, consulta).await, Ok(Ok(_)))
}

async fn smtp(estado: &Estado, cache_smtp: &CacheSmtp) -> bool {
    let Some(destino) = &estado.config.smtp else {
        return true;
    };
    // Held while checking: concurrent probes wait for this answer instead of connecting too.
    let mut cache = cache_smtp.0.lock().await;
    if let Some((cuando, ok)) = *cache {
        if cuando.elapsed() < VIGENCIA_SMTP {
            return ok;
        }
    }
    let conexion = tokio::net::TcpStream::connect((destino.host.as_str(), destino.puerto));
    let ok = matches!(tokio::time::timeout(LIMITE, conexion).await, Ok(Ok(_)));
    if !ok {
        tracing::warn!("el servidor SMTP no acepta conexiones");
    }
    *cache = Some((Instant::now(), ok));
    ok
}

async fn salud(State(s): State<Salud>) -> Response {
    let (bd, correo) = tokio::join!(base_de_datos(&s.estado), smtp(&s.estado, &s.cache_smtp));
    let informe = Informe {
        estado: if bd && correo { "ok" } else { "no_disponible" },
        base_de_datos: if bd { "ok" } else { "sin_respuesta" },
        smtp: if correo { "ok" } else { "inalcanzable" },
    };
    if bd && correo {
        return (StatusCode::OK, Json(informe)).into_response();
    }
    let mut r = (StatusCode::SERVICE_UNAVAILABLE, Json(informe)).into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(REINTENTAR_EN));
    r
}

async fn vivo() -> Json<serde_json::Value> {
    Json(serde_json::json!({"estado": "ok"}))
}

pub fn enrutador(estado: Arc<Estado>) -> Router {
    Router::new()
        .route("/salud", get(salud))
        .route("/salud/vivo", get(vivo))
        .with_state(Salud {
            estado,
            cache_smtp: Arc::default(),
        })
}
