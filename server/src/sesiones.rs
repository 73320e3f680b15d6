//! Portal sessions, kept in the database so any server instance can serve any request. The
//! browser holds a random token; the database holds only its SHA-256. A session ends after
//! `sesion_inactividad_seg` without requests or `sesion_maxima_seg` after sign-in, whichever
//! comes first.

use crate::{ahora, bd::Bd, secretos};
use nucleo::peticion::SesionActiva;
use sqlx::Row;

/// Activity is written back at most this often, so reads don't all become writes.
const TOQUE_MINIMO_SEG: i64 = 30;

#[derive(Clone)]
pub struct Sesiones {
    bd: Bd,
    inactividad: i64,
    maxima: i64,
}

pub enum Resolucion {
    Activa(SesionActiva),
    /// The browser sent a token that is unknown or no longer valid.
    Vencida,
}

impl Sesiones {
    pub fn new(bd: Bd, inactividad: i64, maxima: i64) -> Self {
        Self {
            bd,
            inactividad,
            maxima,
        }
    }

    pub fn duracion_maxima(&self) -> i64 {
        self.maxima
    }

    /// Opens a session and returns its token (for the cookie only).
    pub async fn abrir(&self, cuenta_id: i64, ip: &str) -> sqlx::Result<String> {
        let token = secretos::token_aleatorio();
        let momento = ahora();
        sqlx::query(
            "INSERT INTO sesiones (id_hash, cuenta_id, creada, ultima_actividad, ip) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(secretos::huella(&token))
        .bind(cuenta_id)
        .bind(momento)
        .bind(momento)
        .bind(ip)
        .execute(&self.bd)
        .await?;
        Ok(token)
    }

    pub async fn resolver(&self, token: &str) -> sqlx::Result<Resolucion> {
        let id_hash = secretos::huella(token);
        let fila = sqlx::query(
            "SELECT cuenta_id, creada, ultima_actividad FROM sesiones WHERE id_hash = $1",
        )
        .bind(&id_hash)
        .fetch_optional(&self.bd)
        .await?;
        let Some(fila) = fila else {
            return Ok(Resolucion::Vencida);
        };
        let (cuenta_id, creada, ultima): (i64, i64, i64) =
            (fila.try_get(0)?, fila.try_get(1)?, fila.try_get(2)?);
        let momento = ahora();
        if momento - ultima > self.inactividad || momento - creada > self.maxima {
            self.cerrar(&id_hash).await?;
            return Ok(Resolucion::Vencida);
        }
        if momento - ultima >= TOQUE_MINIMO_SEG {
            sqlx::query("UPDATE sesiones SET ultima_actividad = $1 WHERE id_hash = $2")
                .bind(momento)
                .bind(&id_hash)
                .execute(&self.bd)
                .await?;
        }
        Ok(Resolucion::Activa(SesionActiva { id_hash, cuenta_id }))
    }

    pub async fn cerrar(&self, id_hash: &str) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM sesiones WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.bd)
            .await?;
        Ok(())
    }

    /// Drops sessions that can no longer be used.
    pub async fn purgar(&self) -> sqlx::Result<u64> {
        let momento = ahora();
        let r = sqlx::query("DELETE FROM sesiones WHERE ultima_actividad < $1 OR creada < $2")
            .bind(momento - self.inactividad)
            .bind(momento - self.maxima)
            .execute(&self.bd)
            .await?;
        Ok(r.rows_affected())
    }
}
