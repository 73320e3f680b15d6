//! The browser bundle under `/pkg/`, served like a production site (issue 12):
//!
//! - the `.br` / `.gz` that `cargo leptos build --release --precompress` writes beside every file
//!   are sent to a client that asks for them (`Content-Encoding: br`, else `gzip`, else the file
//!   itself), always with `Vary: Accept-Encoding`;
//! - with content-hashed names (`hash-files`, so the HTML names `intercomunicacion.<hash>.wasm`)
//!   every file is `public, max-age=31536000, immutable`: a new build has new names, so a cached
//!   copy can never be stale. Without hashing (`cargo leptos watch`) they are `no-cache`;
//! - a missing file is a plain 404, never the HTML shell (a stale page asking for an old bundle
//!   must fail loudly, not parse HTML as JavaScript).
//!
//! `tower-http`'s `ServeDir` does the file work: content types, ranges, conditional requests, and
//! refusing paths that would leave the folder.

use axum::{
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Router,
};
use leptos::config::LeptosOptions;
use std::path::{Path, PathBuf};
use tower_http::services::ServeDir;

/// Hashed assets never change under their name.
pub const INMUTABLE: &str = "public, max-age=31536000, immutable";
/// Unhashed assets (development): the browser asks every time (a 304 when unchanged).
pub const REVALIDAR: &str = "no-cache";

/// Whether the bundle was built with content-hashed names: `LEPTOS_HASH_FILES` when set (cargo-leptos
/// sets it), otherwise whether cargo-leptos left its hash file next to the executable, which is
/// where Leptos reads it from when it writes the HTML.
pub fn archivos_con_hash(variable: Option<&str>, archivo: &str) -> bool {
    match variable {
        Some(v) => v.trim().eq_ignore_ascii_case("true"),
        None => ruta_hash(archivo).is_some_and(|r| r.is_file()),
    }
}

/// Where Leptos looks for the hash file: next to the running executable (an absolute name is used
/// as it is).
pub fn ruta_hash(archivo: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.join(archivo))
}

/// The `/pkg` router: the site's package folder, precompressed variants, cache policy, 404s.
pub fn enrutador(opciones: &LeptosOptions) -> Router {
    let carpeta = Path::new(opciones.site_root.as_ref()).join(opciones.site_pkg_dir.as_ref());
    let politica = if opciones.hash_files {
        INMUTABLE
    } else {
        REVALIDAR
    };
    let archivos = ServeDir::new(carpeta)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false)
        .fallback(tower::service_fn(|_peticion: Request| async {
            Ok::<_, std::convert::Infallible>(no_encontrado())
        }));
    Router::new()
        .fallback_service(archivos)
        .layer(axum::middleware::from_fn(move |peticion, siguiente| {
            cabeceras(politica, peticion, siguiente)
        }))
}

fn no_encontrado() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        "No existe ese archivo del portal.\n",
    )
        .into_response()
}

async fn cabeceras(politica: &'static str, peticion: Request, siguiente: Next) -> Response {
    let mut respuesta = siguiente.run(peticion).await;
    let h = respuesta.headers_mut();
    // Every answer here depends on Accept-Encoding, even one that happened to be identity.
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if !h.contains_key(header::CACHE_CONTROL) {
        let politica =
            if respuesta.status().is_success() || respuesta.status() == StatusCode::NOT_MODIFIED {
                politica
            } else {
                "no-store"
            };
        respuesta
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(politica));
    }
    respuesta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn la_variable_manda_sobre_el_archivo() {
        assert!(archivos_con_hash(Some("true"), "no-existe.txt"));
        assert!(archivos_con_hash(Some(" TRUE "), "no-existe.txt"));
        assert!(!archivos_con_hash(Some("false"), "no-existe.txt"));
        assert!(!archivos_con_hash(None, "no-existe-en-ningun-lado.txt"));
        let dir = tempfile::tempdir().unwrap();
        let hash = dir.path().join("hash.txt");
        std::fs::write(&hash, "js: abc\n").unwrap();
        // An absolute name is used as it is, as Leptos does (`Path::join`).
        assert!(archivos_con_hash(None, hash.to_str().unwrap()));
    }
}
