//! The outbox worker: claims due emails one at a time, delivers them, and records the outcome.
//!
//! Claiming is one atomic `UPDATE … WHERE id = (SELECT …) RETURNING …` that leases the row to
//! this pass for [`RECLAMO_SEG`] seconds: SQLite runs the statement under its single write lock;
//! PostgreSQL adds `FOR UPDATE SKIP LOCKED`, so concurrent workers take different rows instead of
//! queueing on the same one. Every later update checks the lease is still ours. A worker that
//! dies mid-delivery leaves a lease that expires, and the email is tried again (at least once,
//! with the same Message-ID, rather than lost).
//!
//! A failed attempt waits 10 s, 30 s, 2 min, 5 min, 10 min, 30 min, then 1 h between tries;
//! after [`MAX_INTENTOS`] the email is `fallido` and its secret erased.

use super::{contexto, transporte::Saliente, Cofre, Transporte, MARCADOR};
use crate::{
    ahora,
    bd::{Bd, Motor},
    estado::Estado,
    secretos,
};
use sqlx::Row;
use std::{sync::Arc, time::Duration};
use zeroize::Zeroizing;

/// Attempts before an email is given up (about 6 hours of retries).
pub const MAX_INTENTOS: i64 = 12;
/// How long a claim holds a row; longer than the longest SMTP delivery (45 s).
pub const RECLAMO_SEG: i64 = 60;
const ESPERAS: [i64; 7] = [10, 30, 120, 300, 600, 1800, 3600];
const LARGO_ERROR: usize = 200;

/// Seconds to wait after the `intentos`-th failed attempt.
pub fn espera(intentos: i64) -> i64 {
    ESPERAS[(intentos - 1).clamp(0, ESPERAS.len() as i64 - 1) as usize]
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Resumen {
    pub enviados: u32,
    /// Failed attempts that will be tried again.
    pub reintentos: u32,
    /// Emails given up in this pass.
    pub fallidos: u32,
}

struct Reclamado {
    id: i64,
    clave: String,
    destinatario: String,
    asunto: String,
    cuerpo: String,
    secreto: Option<String>,
    intentos: i64,
}

enum Desenlace {
    Enviado,
    Reintento(String),
    Fallido(String),
}

/// One delivery pass: every email due at `ahora` (pending, `proximo_intento <= ahora`, not
/// leased by another worker) is claimed and delivered. `ahora` decides what is due (tests move
/// it forward); leases use the wall clock, which all workers share.
pub async fn entregar_pendientes(
    bd: &Bd,
    cofre: &Cofre,
    transporte: &Transporte,
    ahora: i64,
) -> sqlx::Result<Resumen> {
    let motor = Motor::de_url(bd.connect_options().database_url.as_str())
        .map_err(|e| sqlx::Error::Configuration(e.into()))?;
    let yo = secretos::token_aleatorio();
    let mut resumen = Resumen::default();
    while let Some(fila) = reclamar(bd, motor, &yo, ahora).await? {
        match entregar(cofre, transporte, &fila, ahora).await {
            Desenlace::Enviado => {
                registrar(
                    bd,
                    "UPDATE correos SET estado = 'enviado', secreto = NULL, enviado = $1, intentos = intentos + 1, \
                     ultimo_error = NULL, reclamado_hasta = NULL, reclamado_por = NULL \
                     WHERE id = $2 AND reclamado_por = $3",
                    ahora,
                    None,
                    &fila,
                    &yo,
                )
                .await?;
                resumen.enviados += 1;
            }
            Desenlace::Reintento(error) if fila.intentos + 1 < MAX_INTENTOS => {
                tracing::warn!(correo = fila.id, intentos = fila.intentos + 1, %error, "correo no entregado; se reintentará");
                registrar(
                    bd,
                    "UPDATE correos SET proximo_intento = $1, ultimo_error = $2, intentos = intentos + 1, \
                     reclamado_hasta = NULL, reclamado_por = NULL \
                     WHERE id = $3 AND reclamado_por = $4",
                    ahora + espera(fila.intentos + 1),
                    Some(&error),
                    &fila,
                    &yo,
                )
                .await?;
                resumen.reintentos += 1;
            }
            Desenlace::Reintento(error) | Desenlace::Fallido(error) => {
                tracing::error!(correo = fila.id, intentos = fila.intentos + 1, %error, "correo fallido; su secreto se borró");
                registrar(
                    bd,
                    "UPDATE correos SET estado = 'fallido', secreto = NULL, proximo_intento = $1, ultimo_error = $2, \
                     intentos = intentos + 1, reclamado_hasta = NULL, reclamado_por = NULL \
                     WHERE id = $3 AND reclamado_por = $4",
                    ahora,
                    Some(&error),
                    &fila,
                    &yo,
                )
                .await?;
                resumen.fallidos += 1;
            }
        }
    }
    Ok(resumen)
}

async fn reclamar(bd: &Bd, motor: Motor, yo: &str, ahora: i64) -> sqlx::Result<Option<Reclamado>> {
    let bloqueo = match motor {
        Motor::Postgres => " FOR UPDATE SKIP LOCKED",
        Motor::Sqlite => "",
    };
    let reloj = crate::ahora();
    let consulta = format!(
        "UPDATE correos SET reclamado_hasta = $1, reclamado_por = $2 \
         WHERE id = (SELECT id FROM correos WHERE estado = 'pendiente' AND proximo_intento <= $3 \
                     AND (reclamado_hasta IS NULL OR reclamado_hasta < $4) \
                     ORDER BY proximo_intento, id LIMIT 1{bloqueo}) \
           AND estado = 'pendiente' AND (reclamado_hasta IS NULL OR reclamado_hasta < $4) \
         RETURNING id, clave, destinatario, asunto, cuerpo, secreto, intentos"
    );
    let fila = sqlx::query(&consulta)
        .bind(reloj + RECLAMO_SEG)
        .bind(yo)
        .bind(ahora)
        .bind(reloj)
        .fetch_optional(bd)
        .await?;
    fila.map(|f| {
        Ok(Reclamado {
            id: f.try_get(0)?,
            clave: f.try_get(1)?,
            destinatario: f.try_get(2)?,
            asunto: f.try_get(3)?,
            cuerpo: f.try_get(4)?,
            secreto: f.try_get(5)?,
            intentos: f.try_get(6)?,
        })
    })
    .transpose()
}

/// Records an outcome, if the row is still leased to this pass.
async fn registrar(
    bd: &Bd,
    consulta: &str,
    momento: i64,
    error: Option<&str>,
    fila: &Reclamado,
    yo: &str,
) -> sqlx::Result<()> {
    let mut q = sqlx::query(consulta).bind(momento);
    if let Some(e) = error {
        q = q.bind(e);
    }
    let hecho = q.bind(fila.id).bind(yo).execute(bd).await?;
    if hecho.rows_affected() == 0 {
        tracing::warn!(
            correo = fila.id,
            "el reclamo del correo venció antes de registrar su entrega"
        );
    }
    Ok(())
}

async fn entregar(
    cofre: &Cofre,
    transporte: &Transporte,
    fila: &Reclamado,
    ahora: i64,
) -> Desenlace {
    let secreto = match &fila.secreto {
        None if fila.cuerpo.contains(MARCADOR) => {
            return Desenlace::Fallido("el correo perdió su secreto".into())
        }
        None => None,
        Some(sellado) => match cofre.abrir(&contexto(&fila.clave), sellado) {
            Some(s) => Some(s),
            // Another server secret, or a damaged row: no retry can open it.
            None => return Desenlace::Fallido("el secreto no se pudo descifrar".into()),
        },
    };
    let cuerpo = Zeroizing::new(match &secreto {
        Some(s) => fila.cuerpo.replacen(MARCADOR, s, 1),
        None => fila.cuerpo.clone(),
    });
    let identificador = &secretos::huella(&fila.clave)[..32];
    let saliente = Saliente {
        id: fila.id,
        identificador,
        para: &fila.destinatario,
        asunto: &fila.asunto,
        cuerpo: &cuerpo,
    };
    match transporte.entregar(&saliente, ahora).await {
        Ok(()) => Desenlace::Enviado,
        Err(f) => {
            let error = resumir(&f.mensaje, secreto.as_deref().map(String::as_str));
            if f.permanente {
                Desenlace::Fallido(error)
            } else {
                Desenlace::Reintento(error)
            }
        }
    }
}

/// A short error for the row and the log, with the secret blanked should a server echo it.
fn resumir(mensaje: &str, secreto: Option<&str>) -> String {
    let mut texto = mensaje.replace(['\r', '\n'], " ");
    if let Some(s) = secreto.filter(|s| !s.is_empty()) {
        texto = texto.replace(s, "[oculto]");
    }
    texto.chars().take(LARGO_ERROR).collect()
}

/// The earliest moment something may become deliverable: a due time, or a lease's end.
async fn proximo_despertar(bd: &Bd) -> sqlx::Result<Option<i64>> {
    sqlx::query(
        "SELECT MIN(CASE WHEN reclamado_hasta IS NOT NULL AND reclamado_hasta > proximo_intento \
         THEN reclamado_hasta ELSE proximo_intento END) FROM correos WHERE estado = 'pendiente'",
    )
    .fetch_one(bd)
    .await?
    .try_get(0)
}

/// Starts the server's worker: a pass now, then one whenever [`Buzon::avisar`](super::Buzon)
/// rings or the next email falls due (at least once a minute, which also picks up emails other
/// instances queued).
pub fn iniciar(estado: Arc<Estado>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match entregar_pendientes(
                &estado.bd,
                &estado.cofre,
                estado.correo.transporte(),
                ahora(),
            )
            .await
            {
                Ok(r) if r != Resumen::default() => {
                    estado
                        .metricas
                        .correo(u64::from(r.reintentos), u64::from(r.fallidos));
                    tracing::info!(
                        enviados = r.enviados,
                        reintentos = r.reintentos,
                        fallidos = r.fallidos,
                        "buzón de salida"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "no se pudo recorrer el buzón de salida"),
            }
            let espera = match proximo_despertar(&estado.bd).await {
                Ok(Some(t)) => (t - ahora()).clamp(1, 60),
                Ok(None) => 60,
                Err(_) => 10,
            };
            tokio::select! {
                _ = estado.correo.esperar_aviso() => {}
                _ = tokio::time::sleep(Duration::from_secs(espera as u64)) => {}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn la_espera_crece_y_se_detiene_en_una_hora() {
        let esperas: Vec<i64> = (1..=MAX_INTENTOS).map(espera).collect();
        assert_eq!(&esperas[..4], &[10, 30, 120, 300]);
        assert!(esperas.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(*esperas.last().unwrap_or(&0), 3600);
    }

    #[test]
    fn el_error_guardado_es_corto_y_sin_secreto() {
        let largo = format!("554 rechazado: ABCDE-FGHJK {}", "x".repeat(500));
        let r = resumir(&largo, Some("ABCDE-FGHJK"));
        assert!(!r.contains("ABCDE-FGHJK"));
        assert!(r.chars().count() <= LARGO_ERROR);
    }
}
