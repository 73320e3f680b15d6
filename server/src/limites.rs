//! Throttling of failed sign-ins, in the database so every instance sees the same counts.
//!
//! - Per NRP: `bloqueo_intentos` failures within `bloqueo_ventana_seg` lock that NRP until the
//!   oldest of them leaves the window. Applied to any well-formed NRP, registered or not, so the
//!   answer never tells whether an NRP exists.
//! - Per client address: `limite_ip_intentos` failures in the same window throttle the address.
//!
//! An attempt takes its place under every limit that applies *before* it runs ([`Limites::tomar`]:
//! count and record in one transaction, serialized per key across instances), and gives it back
//! ([`Limites::devolver`]) when it turns out not to count (a right password, say). Checking first
//! and recording after the outcome would let a burst of simultaneous attempts all pass the check.

use crate::{
    ahora,
    bd::{Bd, Motor},
};
use sqlx::Row;

/// One limit an attempt is counted against: at most `maximo` within `ventana` seconds.
#[derive(Debug, Clone, Copy)]
pub struct Limite<'a> {
    pub clave: &'a str,
    pub maximo: i64,
    pub ventana: i64,
}

/// The places an attempt took, one per [`Limite`], in the same order.
#[derive(Debug, Clone)]
#[must_use = "una plaza se cuenta como fallo mientras no se devuelva"]
pub struct Plazas(Vec<i64>);

impl Plazas {
    /// The place taken under the `i`-th limit.
    pub fn de(&self, i: usize) -> i64 {
        self.0[i]
    }

    pub fn todas(&self) -> &[i64] {
        &self.0
    }
}

/// The limit that had no place left (its index among those asked), and the seconds until it
/// has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lleno {
    pub limite: usize,
    pub espera: u64,
}

#[derive(Clone)]
pub struct Limites {
    bd: Bd,
    motor: Motor,
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
    pub fn new(bd: Bd, motor: Motor, intentos: i64, ventana: i64, intentos_ip: i64) -> Self {
        Self {
            bd,
            motor,
            intentos,
            ventana,
            intentos_ip,
        }
    }

    /// A limit over the sign-in window (`bloqueo_ventana_seg`).
    pub fn de_ingreso<'a>(&self, clave: &'a str, maximo: i64) -> Limite<'a> {
        Limite {
            clave,
            maximo,
            ventana: self.ventana,
        }
    }

    /// Takes one place under each limit, all or none. `Ok(Err(lleno))` names the first limit
    /// (in the order given) with no place left; nothing is taken then.
    ///
    /// The transaction serializes attempts on the same keys on every instance: on PostgreSQL
    /// with a transaction-scoped advisory lock per key (taken in a fixed order), on SQLite by
    /// opening with a write (SQLite has one writer at a time).
    pub async fn tomar(&self, limites: &[Limite<'_>]) -> sqlx::Result<Result<Plazas, Lleno>> {
        let momento = ahora();
        let mut tx = self.bd.begin().await?;
        if self.motor == Motor::Postgres {
            let mut claves: Vec<&str> = limites.iter().map(|l| l.clave).collect();
            claves.sort_unstable();
            claves.dedup();
            for clave in claves {
                sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                    .bind(clave)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        for l in limites {
            sqlx::query("DELETE FROM intentos_fallidos WHERE clave = $1 AND momento <= $2")
                .bind(l.clave)
                .bind(momento - l.ventana)
                .execute(&mut *tx)
                .await?;
        }
        for (i, l) in limites.iter().enumerate() {
            if let Some(espera) = espera_en_tx(&mut tx, l, momento).await? {
                return Ok(Err(Lleno { limite: i, espera }));
            }
        }
        let mut ids = Vec::with_capacity(limites.len());
        for l in limites {
            let fila = sqlx::query(
                "INSERT INTO intentos_fallidos (clave, momento) VALUES ($1, $2) RETURNING id",
            )
            .bind(l.clave)
            .bind(momento)
            .fetch_one(&mut *tx)
            .await?;
            ids.push(fila.try_get(0)?);
        }
        tx.commit().await?;
        Ok(Ok(Plazas(ids)))
    }

    /// Gives places back: the attempt did not count against their limits.
    pub async fn devolver(&self, plazas: &[i64]) -> sqlx::Result<()> {
        for id in plazas {
            sqlx::query("DELETE FROM intentos_fallidos WHERE id = $1")
                .bind(id)
                .execute(&self.bd)
                .await?;
        }
        Ok(())
    }

    /// Forgets every count of `clave` (a successful sign-in clears its NRP's failures).
    pub async fn olvidar(&self, clave: &str) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM intentos_fallidos WHERE clave = $1")
            .bind(clave)
            .execute(&self.bd)
            .await?;
        Ok(())
    }
}

/// Seconds until `l` has a place again, if it has none now.
async fn espera_en_tx(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    l: &Limite<'_>,
    momento: i64,
) -> sqlx::Result<Option<u64>> {
    let fila = sqlx::query(
        "SELECT COUNT(*), MIN(momento) FROM intentos_fallidos WHERE clave = $1 AND momento > $2",
    )
    .bind(l.clave)
    .bind(momento - l.ventana)
    .fetch_one(&mut **tx)
    .await?;
    let cuenta: i64 = fila.try_get(0)?;
    if cuenta < l.maximo {
        return Ok(None);
    }
    let primero: Option<i64> = fila.try_get(1)?;
    Ok(Some(
        (primero.unwrap_or(momento) + l.ventana - momento).max(1) as u64,
    ))
}
