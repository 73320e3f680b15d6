//! Throttling of failed sign-ins, in the database so every instance sees the same counts.
//!
//! - Per NRP: `bloqueo_intentos` failures within `bloqueo_ventana_seg` lock that NRP until the
//!   oldest of them leaves the window. Applied to any well-formed NRP, registered or not, so the
//!   answer never tells whether an NRP exists.
//! - Per client address: `limite_ip_intentos` failures in the same window throttle the address.

use crate::{ahora, bd::Bd};
use sqlx::Row;

#[derive(Clone)]
pub struct Limites {
    bd: Bd,
    pub intentos: i64,
    pub ventana: i64,
    pub intentos_ip: i64,
}

pub fn clave_nrp(nrp: &str) -> String {
    format!("nrp:{nrp}")
}

pub fn clave_ip(ip: &str) -> String {
    format!("ip:{ip}")
}

impl Limites {
    pub fn new(bd: Bd, intentos: i64, ventana: i64, intentos_ip: i64) -> Self {
        Self {
            bd,
            intentos,
            ventana,
            intentos_ip,
        }
    }

    /// Seconds until `clave` may try again, if it is over `maximo` failures in the window.
    pub async fn espera(&self, clave: &str, maximo: i64) -> sqlx::Result<Option<u64>> {
        let desde = ahora() - self.ventana;
        let fila = sqlx::query(
            "SELECT COUNT(*), MIN(momento) FROM intentos_fallidos WHERE clave = $1 AND momento > $2",
        )
        .bind(clave)
        .bind(desde)
        .fetch_one(&self.bd)
        .await?;
        let cuenta: i64 = fila.try_get(0)?;
        if cuenta < maximo {
            return Ok(None);
        }
        let primero: Option<i64> = fila.try_get(1)?;
        let libre_en = primero.unwrap_or_else(ahora) + self.ventana - ahora();
        Ok(Some(libre_en.max(1) as u64))
    }

    pub async fn registrar_fallo(&self, claves: &[String]) -> sqlx::Result<()> {
        let momento = ahora();
        for clave in claves {
            sqlx::query("DELETE FROM intentos_fallidos WHERE clave = $1 AND momento <= $2")
                .bind(clave)
                .bind(momento - self.ventana)
                .execute(&self.bd)
                .await?;
            sqlx::query("INSERT INTO intentos_fallidos (clave, momento) VALUES ($1, $2)")
                .bind(clave)
                .bind(momento)
                .execute(&self.bd)
                .await?;
        }
        Ok(())
    }

    /// Like [`Limites::espera`], over a window of `ventana` seconds instead of the sign-in one
    /// (captchas per session, recoveries per day, …).
    pub async fn espera_en(
        &self,
        clave: &str,
        maximo: i64,
        ventana: i64,
    ) -> sqlx::Result<Option<u64>> {
        let momento = ahora();
        let fila = sqlx::query(
            "SELECT COUNT(*), MIN(momento) FROM intentos_fallidos WHERE clave = $1 AND momento > $2",
        )
        .bind(clave)
        .bind(momento - ventana)
        .fetch_one(&self.bd)
        .await?;
        let cuenta: i64 = fila.try_get(0)?;
        if cuenta < maximo {
            return Ok(None);
        }
        let primero: Option<i64> = fila.try_get(1)?;
        Ok(Some(
            (primero.unwrap_or(momento) + ventana - momento).max(1) as u64,
        ))
    }

    /// Counts one event against `clave`, forgetting those older than `ventana`.
    pub async fn registrar_en(&self, clave: &str, ventana: i64) -> sqlx::Result<()> {
        let momento = ahora();
        sqlx::query("DELETE FROM intentos_fallidos WHERE clave = $1 AND momento <= $2")
            .bind(clave)
            .bind(momento - ventana)
            .execute(&self.bd)
            .await?;
        sqlx::query("INSERT INTO intentos_fallidos (clave, momento) VALUES ($1, $2)")
            .bind(clave)
            .bind(momento)
            .execute(&self.bd)
            .await?;
        Ok(())
    }

    pub async fn olvidar(&self, clave: &str) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM intentos_fallidos WHERE clave = $1")
            .bind(clave)
            .execute(&self.bd)
            .await?;
        Ok(())
    }
}
