//! The audit log: every authentication attempt and, later, every credential transition — who,
//! what, when (UTC Unix seconds), from where. It never holds a secret: callers pass only
//! identifiers that were already validated.

use crate::ahora;

pub struct Evento<'a> {
    pub evento: &'a str,
    pub cuenta_id: Option<i64>,
    /// The identifier the action was about (an NRP), only when it was well formed.
    pub sujeto: Option<&'a str>,
    pub ip: &'a str,
    pub detalle: Option<&'a str>,
}

/// Records an event through the pool, or inside the caller's transaction (`&mut *tx`) so that
/// it commits with the change it describes.
pub async fn registrar<'c, E>(ejecutor: E, e: Evento<'_>) -> sqlx::Result<()>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO auditoria (momento, evento, cuenta_id, sujeto, ip, detalle) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(ahora())
    .bind(e.evento)
    .bind(e.cuenta_id)
    .bind(e.sujeto)
    .bind(e.ip)
    .bind(e.detalle)
    .execute(ejecutor)
    .await?;
    Ok(())
}
