//! The audit log: every authentication attempt and every credential transition — who, what,
//! when (UTC Unix seconds), from where. It never holds a secret: callers pass only identifiers
//! that were already validated.
//!
//! It is tamper-evident: each row is a link of a hash chain ([`cadena`]), appended under the
//! chain's head row, so rows cannot be altered, removed or slipped in without
//! `intercomunicacion auditoria verificar` ([`verificacion`]) naming the first broken link.

pub mod cadena;
pub mod verificacion;

use crate::{ahora, bd::Bd};
use cadena::Registro;
use sqlx::{Any, Row, Transaction};

pub struct Evento<'a> {
    pub evento: &'a str,
    pub cuenta_id: Option<i64>,
    /// The identifier the action was about (an NRP), only when it was well formed.
    pub sujeto: Option<&'a str>,
    pub ip: &'a str,
    pub detalle: Option<&'a str>,
}

/// Appends an event inside the caller's transaction, so that it commits with the change it
/// describes, or not at all.
///
/// Call it last, right before committing: it locks the chain's head until the commit, so every
/// other audited transaction waits for this one; taking that lock after the transaction's other
/// row locks (never before) also keeps the lock order the same everywhere, so no two
/// transactions can wait for each other.
pub async fn registrar(tx: &mut Transaction<'_, Any>, e: Evento<'_>) -> sqlx::Result<()> {
    registrar_varios(tx, std::slice::from_ref(&e)).await
}

/// Several events of one transaction, appended in order under one lock of the head.
pub async fn registrar_varios(
    tx: &mut Transaction<'_, Any>,
    eventos: &[Evento<'_>],
) -> sqlx::Result<()> {
    if eventos.is_empty() {
        return Ok(());
    }
    let cuantos = eventos.len() as i64;
    // The UPDATE takes the head's row lock (PostgreSQL) or the write lock (SQLite) first: from
    // here to the commit no other append can read the same head.
    let cabeza = sqlx::query(
        "UPDATE auditoria_cadena SET secuencia = secuencia + $1 WHERE id = 1 RETURNING secuencia, hash",
    )
    .bind(cuantos)
    .fetch_one(&mut **tx)
    .await?;
    let ultima: i64 = cabeza.try_get(0)?;
    let mut anterior: String = cabeza.try_get(1)?;
    let momento = ahora();
    for (i, e) in eventos.iter().enumerate() {
        let registro = Registro {
            secuencia: ultima - cuantos + 1 + i as i64,
            momento,
            evento: e.evento,
            cuenta_id: e.cuenta_id,
            sujeto: e.sujeto,
            ip: Some(e.ip),
            detalle: e.detalle,
        };
        let hash = cadena::hash(&anterior, &registro);
        sqlx::query(
            "INSERT INTO auditoria (momento, evento, cuenta_id, sujeto, ip, detalle, secuencia, hash_anterior, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(registro.momento)
        .bind(registro.evento)
        .bind(registro.cuenta_id)
        .bind(registro.sujeto)
        .bind(registro.ip)
        .bind(registro.detalle)
        .bind(registro.secuencia)
        .bind(&anterior)
        .bind(&hash)
        .execute(&mut **tx)
        .await?;
        anterior = hash;
    }
    sqlx::query("UPDATE auditoria_cadena SET hash = $1 WHERE id = 1")
        .bind(&anterior)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Appends an event on its own, in a short transaction: for attempts that change nothing else
/// (a refused sign-in, a rejected e.firma).
pub async fn registrar_aparte(bd: &Bd, e: Evento<'_>) -> sqlx::Result<()> {
    let mut tx = bd.begin().await?;
    registrar(&mut tx, e).await?;
    tx.commit().await
}
