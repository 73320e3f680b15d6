//! The API for payroll software (DESIGN §9), mounted at `/api/v1`: JSON in and out, bearer
//! tokens instead of the portal's cookies, so none of the portal's session or CSRF machinery
//! runs here.
//!
//! - `POST /sesiones`: the employer's and the developer's credentials together → a token.
//! - `GET /avisos`: the token's employer's avisos, filtered and paged.
//! - `DELETE /sesiones/actual`: ends the token.
//! - `GET /openapi.json`: the contract, as OpenAPI 3.1, generated from these handlers and their
//!   types (`openapi.rs`), which also mount them.
//!
//! Every answer is JSON (errors `{codigo, mensaje}`) and `Cache-Control: no-store`.

pub mod avisos;
pub mod errores;
pub mod openapi;
pub mod portador;
pub mod sesiones;

use crate::{cabeceras, estado::Estado};
use axum::{middleware, Router};
use std::sync::Arc;

/// Largest request body the API reads: a session request is well under 1 KiB.
pub const CUERPO_MAXIMO: usize = 16 * 1024;

pub fn enrutador(estado: Arc<Estado>) -> Router {
    let (rutas, _) = openapi::rutas().split_for_parts();
    rutas
        .fallback(errores::no_encontrado)
        .with_state(estado)
        .layer(tower_http::limit::RequestBodyLimitLayer::new(CUERPO_MAXIMO))
        .layer(middleware::from_fn(errores::normalizar))
        .layer(middleware::from_fn(cabeceras::aplicar))
}

/// Deletes the API sessions that expired (they are refused anyway; this only keeps the table
/// small).
pub async fn purgar(bd: &crate::bd::Bd) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM sesiones_api WHERE expira <= $1")
        .bind(crate::ahora())
        .execute(bd)
        .await?
        .rows_affected())
}
