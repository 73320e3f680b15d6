//! The bearer token of an API request, resolved to its session. A token is honoured only while
//! it has not expired, both credentials it was opened with are still active, its trust relation
//! is still active and the developer's product is still certified: all checked by one query on
//! every request, so cancelling a credential, revoking a relation or revoking a product ends the
//! open tokens at once without those code paths knowing about tokens.

use super::errores::ErrorApi;
use crate::{ahora, estado::Estado, secretos};
use axum::extract::FromRequestParts;
use http::{header, request::Parts};
use sqlx::Row;
use std::sync::Arc;

/// Length of the tokens we issue (32 random bytes, unpadded base64url).
const LARGO_TOKEN: usize = 43;

pub struct SesionApi {
    pub token_hash: String,
    pub patron_id: i64,
    pub desarrollador_id: i64,
    pub nrp: String,
}

/// The token in `Authorization: Bearer …`, when it has the shape of ours.
fn token(parts: &Parts) -> Option<&str> {
    let valor = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (esquema, token) = valor.split_once(' ')?;
    let token = token.trim();
    (esquema.eq_ignore_ascii_case("bearer")
        && token.len() == LARGO_TOKEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then_some(token)
}

impl FromRequestParts<Arc<Estado>> for SesionApi {
    type Rejection = ErrorApi;

    async fn from_request_parts(parts: &mut Parts, estado: &Arc<Estado>) -> Result<Self, ErrorApi> {
        let token = token(parts).ok_or_else(ErrorApi::token_invalido)?;
        let token_hash = secretos::huella(token);
        let fila = sqlx::query(
            "SELECT s.patron_id, s.desarrollador_id, cu.nrp FROM sesiones_api s \
             JOIN credenciales cp ON cp.id = s.credencial_patron_id AND cp.estado = 'activa' \
             JOIN credenciales cd ON cd.id = s.credencial_desarrollador_id AND cd.estado = 'activa' \
             JOIN relaciones r ON r.id = s.relacion_id AND r.estado = 'activa' \
             JOIN productos p ON p.id = r.producto_id AND p.estado = 'aprobado' \
             JOIN cuentas cu ON cu.id = s.patron_id \
             WHERE s.token_hash = $1 AND s.expira > $2",
        )
        .bind(&token_hash)
        .bind(ahora())
        .fetch_optional(&estado.bd)
        .await
        .map_err(ErrorApi::bd)?
        .ok_or_else(ErrorApi::token_invalido)?;
        Ok(SesionApi {
            token_hash,
            patron_id: fila.try_get(0).map_err(ErrorApi::bd)?,
            desarrollador_id: fila.try_get(1).map_err(ErrorApi::bd)?,
            nrp: fila.try_get(2).map_err(ErrorApi::bd)?,
        })
    }
}
