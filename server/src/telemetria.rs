//! Logging: human-readable by default, JSON with `INTERCOM_LOG_JSON=1`; level from `RUST_LOG`.
//! And the request's identity: every HTTP request gets an id (the caller's well-formed
//! `X-Request-Id`, or a new one), echoed in the response, carried by a span that every log line
//! of the request inherits, and one line when it is answered (method, route template, status,
//! latency).
//!
//! Nothing logged here or elsewhere carries a secret: the request line names the route
//! *template* (never the path with its identifiers, nor the query string), and no header,
//! cookie or body is ever logged.

use crate::estado::Estado;
use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::Response,
};
use http::HeaderValue;
use rand::RngCore;
use std::{sync::Arc, time::Instant};
use tracing::Instrument;
use tracing_subscriber::{fmt, fmt::MakeWriter, util::SubscriberInitExt, EnvFilter};

/// The header that carries the request id, in both directions.
pub const CABECERA_ID: &str = "x-request-id";
/// Longest incoming id accepted as is.
pub const ID_MAXIMO: usize = 64;
/// The route label of a request no route matched (static files, unknown paths): never the
/// path itself, which a client chooses.
pub const SIN_RUTA: &str = "sin_ruta";

/// The request's id, also left in the request's extensions for handlers that want it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdPeticion(pub String);

pub fn iniciar() {
    let json = std::env::var("INTERCOM_LOG_JSON").is_ok_and(|v| v == "1");
    // `try_init` also routes the `log` records of dependencies into the same output.
    let _ = suscriptor(json, std::io::stderr).try_init();
}

/// The process's log format, writing wherever `escritor` says (stderr in the server; a buffer
/// in the tests that read what was logged).
pub fn suscriptor<W>(json: bool, escritor: W) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filtro = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    // Colours only for a person at a terminal, never into a file or a log collector.
    let colores = !json && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let constructor = fmt()
        .with_env_filter(filtro)
        .with_ansi(colores)
        .with_writer(escritor);
    if json {
        Box::new(constructor.json().finish())
    } else {
        Box::new(constructor.finish())
    }
}

/// Spawns Leptos's tasks on tokio, as Leptos would, but inside the span current at spawn time:
/// what a page's resources log while rendering carries the request's id too.
struct TareasConSpan;

impl any_spawner::CustomExecutor for TareasConSpan {
    fn spawn(&self, tarea: any_spawner::PinnedFuture<()>) {
        tokio::spawn(tarea.instrument(tracing::Span::current()));
    }

    fn spawn_local(&self, tarea: any_spawner::PinnedLocalFuture<()>) {
        tokio::task::spawn_local(tarea.instrument(tracing::Span::current()));
    }

    fn poll_local(&self) {}
}

/// Installs [`TareasConSpan`] as Leptos's executor. Call it before Leptos installs its own
/// (the first one installed stays; later calls change nothing).
pub fn propagar_span_a_tareas() {
    let _ = any_spawner::Executor::init_custom_executor(TareasConSpan);
}

/// An incoming id worth keeping: 1 to 64 characters of `[A-Za-z0-9_-]`, so it can go into a
/// log line or a header as is.
pub fn id_valido(valor: &str) -> bool {
    (1..=ID_MAXIMO).contains(&valor.len())
        && valor
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// 128 random bits, hex.
pub fn nuevo_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The outermost layer of every route: id, span, request line, request metrics.
pub async fn peticion(
    State(estado): State<Arc<Estado>>,
    mut peticion: Request,
    siguiente: Next,
) -> Response {
    let id = peticion
        .headers()
        .get(CABECERA_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| id_valido(v))
        .map(str::to_owned)
        .unwrap_or_else(nuevo_id);
    let ruta = peticion
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| SIN_RUTA.to_owned());
    let metodo = peticion.method().clone();
    peticion.extensions_mut().insert(IdPeticion(id.clone()));
    let span = tracing::info_span!("peticion", id = %id, metodo = %metodo, ruta = %ruta);
    let inicio = Instant::now();
    let mut respuesta = siguiente.run(peticion).instrument(span.clone()).await;
    let duracion = inicio.elapsed();
    let codigo = respuesta.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            estado = codigo,
            // Microsecond precision is plenty, and keeps the line short.
            duracion_ms = (duracion.as_secs_f64() * 1e6).round() / 1e3,
            "petición atendida"
        )
    });
    estado.metricas.peticion(&ruta, codigo, duracion);
    if let Ok(valor) = HeaderValue::from_str(&id) {
        respuesta.headers_mut().insert(CABECERA_ID, valor);
    }
    respuesta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solo_se_aceptan_ids_cortos_y_sin_caracteres_raros() {
        assert!(id_valido("abc-DEF_123"));
        assert!(id_valido(&"a".repeat(64)));
        assert!(!id_valido(&"a".repeat(65)));
        assert!(!id_valido(""));
        for malo in ["a b", "a\nb", "a\"b", "ñ", "a/b", "a=b"] {
            assert!(!id_valido(malo), "{malo:?}");
        }
        let nuevo = nuevo_id();
        assert_eq!(nuevo.len(), 32);
        assert!(id_valido(&nuevo));
        assert_ne!(nuevo_id(), nuevo);
    }
}
