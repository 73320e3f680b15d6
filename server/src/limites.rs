//! Throttling of failed sign-ins, in the database so every instance sees the same counts.
//!
//! - Per NRP: `bloqueo_intentos` failures within `bloqueo_ventana_seg` lock that NRP until the
//!   oldest of them leaves the window. Applied to any well-formed NRP, registered or not, so the
//!   answer never tells whether an NRP exists.
//! - Per client address: `limite_ip_intentos` failures in the same window throttle the address.
//!
//! An attempt takes its place under every limit that applies *before* it runs ([`Limites::tomar`]:
//! count and record in one transaction, serialized per key across instances), then either
//! confirms it ([`Limites::confirmar`]: it was a failure, it counts) or gives it back
//! ([`Limites::devolver`]: a right password, say). Checking first and recording after the
//! outcome would let a burst of simultaneous attempts all pass the check.
//!
//! A place still pending (its attempt running) holds room, but is not a failure: when only
//! pending places fill a limit, the next attempt waits for room (up to [`ESPERA_MAXIMA`]) instead
//! of being refused, so legitimate concurrency is queued, never answered 429 for what its own
//! requests are doing. A place pending for over [`PENDIENTE_MAXIMO`] seconds (its process died)
//! counts as a failure.

use crate::{
    ahora,
    bd::{Bd, Motor},
};
use sqlx::Row;
use std::time::{Duration, Instant};

/// How long an attempt waits for room held by pending places before it is refused.
pub const ESPERA_MAXIMA: Duration = Duration::from_secs(3);
/// Seconds after which a place still pending counts as a failure.
pub const PENDIENTE_MAXIMO: i64 = 60;

/// One limit an attempt is counted against: at most `maximo` within `ventana` seconds.
#[derive(Debug, Clone, Copy)]
pub struct Limite<'a> {
    pub clave: &'a str,
    pub maximo: i64,
    pub ventana: i64,
}

/// The places an attempt took, one per [`Limite`], in the same order: pending until confirmed
/// or given back.
#[derive(Debug, Clone)]
#[must_use = "una plaza se confirma (fallo) o se devuelve"]
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

    /// Takes one pending place under each limit, all or none. `Ok(Err(lleno))` names the first
    /// limit (in the order given) that is full of failures, or still full of pending places after
    /// [`ESPERA_MAXIMA`]; nothing is taken then.
    ///
    /// The transaction serializes attempts on the same keys on every instance: on PostgreSQL
    /// with a transaction-scoped advisory lock per key (taken in a fixed order), on SQLite by
    /// opening with a write (SQLite has one writer at a time).
    pub async fn tomar(&self, limites: &[Limite<'_>]) -> sqlx::Result<Result<Plazas, Lleno>> {
        let hasta = Instant::now() + ESPERA_MAXIMA;
        loop {
            match self.intentar(limites).await? {
                Ok(plazas) => return Ok(Ok(plazas)),
                Err(Estado::Lleno(lleno)) => return Ok(Err(lleno)),
                Err(Estado::Ocupado(limite)) if Instant::now() >= hasta => {
                    return Ok(Err(Lleno { limite, espera: 1 }))
                }
                Err(Estado::Ocupado(_)) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }

    async fn intentar(&self, limites: &[Limite<'_>]) -> sqlx::Result<Result<Plazas, Estado>> {
        let momento = ahora();
        let mut tx = self.bd.begin().await?;
        self.bloquear(&mut tx, limites, momento).await?;
        for (i, l) in limites.iter().enumerate() {
            let ocupacion = ocupacion(&mut tx, l, momento).await?;
            if ocupacion.fallos >= l.maximo {
                let primero = ocupacion.primer_fallo.unwrap_or(momento);
                let espera = (primero + l.ventana - momento).max(1) as u64;
                return Ok(Err(Estado::Lleno(Lleno { limite: i, espera })));
            }
            if ocupacion.fallos + ocupacion.pendientes >= l.maximo {
                return Ok(Err(Estado::Ocupado(i)));
            }
        }
        let mut ids = Vec::with_capacity(limites.len());
        for l in limites {
            let fila = sqlx::query(
                "INSERT INTO intentos_fallidos (clave, momento, pendiente) VALUES ($1, $2, 1) RETURNING id",
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

    /// Within the caller's transaction, for attempts quick enough to run inside it (the API's
    /// keyed-hash checks): serializes attempts on these keys until the transaction ends, and names
    /// the first limit already full of failures. A failure is then recorded in the same
    /// transaction with [`Limites::contar_fallo_en`]; a success records nothing.
    pub async fn revisar_en(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        limites: &[Limite<'_>],
    ) -> sqlx::Result<Option<Lleno>> {
        let momento = ahora();
        self.bloquear(tx, limites, momento).await?;
        for (i, l) in limites.iter().enumerate() {
            let o = ocupacion(tx, l, momento).await?;
            if o.fallos + o.pendientes >= l.maximo {
                let primero = o.primer_fallo.unwrap_or(momento);
                let espera = (primero + l.ventana - momento).max(1) as u64;
                return Ok(Some(Lleno { limite: i, espera }));
            }
        }
        Ok(None)
    }

    /// Counts one failure under each limit, in the transaction [`Limites::revisar_en`] opened.
    pub async fn contar_fallo_en(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        limites: &[Limite<'_>],
    ) -> sqlx::Result<()> {
        let momento = ahora();
        for l in limites {
            sqlx::query("INSERT INTO intentos_fallidos (clave, momento) VALUES ($1, $2)")
                .bind(l.clave)
                .bind(momento)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Serializes the transaction with every other on the same keys (on PostgreSQL an advisory
    /// lock per key, in a fixed order; on SQLite the write its first statement makes), and
    /// forgets what left the windows.
    async fn bloquear(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        limites: &[Limite<'_>],
        momento: i64,
    ) -> sqlx::Result<()> {
        if self.motor == Motor::Postgres {
            let mut claves: Vec<&str> = limites.iter().map(|l| l.clave).collect();
            claves.sort_unstable();
            claves.dedup();
            for clave in claves {
                sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                    .bind(clave)
                    .execute(&mut **tx)
                    .await?;
            }
        }
        for l in limites {
            sqlx::query("DELETE FROM intentos_fallidos WHERE clave = $1 AND momento <= $2")
                .bind(l.clave)
                .bind(momento - l.ventana)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Confirms places: their attempt was a failure (or an event that counts), it counts.
    pub async fn confirmar(&self, plazas: &[i64]) -> sqlx::Result<()> {
        for id in plazas {
            sqlx::query("UPDATE intentos_fallidos SET pendiente = 0 WHERE id = $1")
                .bind(id)
                .execute(&self.bd)
                .await?;
        }
        Ok(())
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

    /// The failures counted under `l` now (confirmed, or pending for too long).
    pub async fn fallos(&self, l: &Limite<'_>) -> sqlx::Result<i64> {
        let mut conexion = self.bd.acquire().await?;
        Ok(ocupacion(&mut conexion, l, ahora()).await?.fallos)
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

/// Why no place was taken.
enum Estado {
    /// Full of failures: refused.
    Lleno(Lleno),
    /// Full only with pending places (the `usize`-th limit): wait for room.
    Ocupado(usize),
}

struct Ocupacion {
    fallos: i64,
    pendientes: i64,
    primer_fallo: Option<i64>,
}

/// What holds room under `l` now: failures (confirmed, or pending for too long) and pending
/// places.
async fn ocupacion(
    conexion: &mut sqlx::AnyConnection,
    l: &Limite<'_>,
    momento: i64,
) -> sqlx::Result<Ocupacion> {
    let fila = sqlx::query(
        "SELECT COUNT(*), \
         COALESCE(SUM(CASE WHEN pendiente = 1 AND momento > $3 THEN 1 ELSE 0 END), 0), \
         MIN(CASE WHEN pendiente = 0 OR momento <= $3 THEN momento END) \
         FROM intentos_fallidos WHERE clave = $1 AND momento > $2",
    )
    .bind(l.clave)
    .bind(momento - l.ventana)
    .bind(momento - PENDIENTE_MAXIMO)
    .fetch_one(conexion)
    .await?;
    let todas: i64 = fila.try_get(0)?;
    let pendientes: i64 = fila.try_get(1)?;
    Ok(Ocupacion {
        fallos: todas - pendientes,
        pendientes,
        primer_fallo: fila.try_get(2)?,
    })
}
