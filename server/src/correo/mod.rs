//! The mail outbox (DESIGN §7). An email is a row of `correos` written in the same transaction
//! as the state change it announces ([`encolar`]), so it exists exactly when that change
//! committed and survives an SMTP outage. A worker ([`trabajador`]) delivers due rows with
//! retries and exponential backoff; several workers (processes) may run against one database.
//!
//! A password travels in the email but never rests in clear: the body holds [`MARCADOR`], the
//! password is sealed by the [`Cofre`] into the row, substituted only in memory at delivery, and
//! the sealed value is erased (NULL) once the email is sent — or once it failed for good, after
//! which the person gets a new password through "Recuperar contraseña".

pub mod cofre;
pub mod plantillas;
pub mod trabajador;
pub mod transporte;

pub use cofre::Cofre;
pub use plantillas::contrasena_generada;
pub use trabajador::{entregar_pendientes, Resumen};
pub use transporte::{DestinoSmtp, Transporte};

use crate::{ahora, secretos};
use sqlx::Row;
use tokio::sync::Notify;

/// Where the password goes in a body; substituted at delivery time.
pub const MARCADOR: &str = "{{CONTRASENA}}";

/// Purpose under which the outbox key is derived from the server secret.
pub const PROPOSITO_LLAVE: &str = "correo:v1";

pub struct Mensaje<'a> {
    pub para: &'a str,
    pub asunto: &'a str,
    /// Plain text; holds [`MARCADOR`] exactly once when `secreto` is given, never otherwise.
    pub cuerpo: &'a str,
    pub secreto: Option<&'a str>,
}

/// The associated data that binds a sealed secret to its row.
fn contexto(clave: &str) -> String {
    format!("correo:v1:{clave}")
}

/// Writes the email into the outbox inside the caller's transaction (the same one as the state
/// change it announces). Returns the row's id. A message whose marker and secret do not match,
/// or whose address is not an email address, is refused (`InvalidArgument`): that is a bug of
/// the caller, and failing the transaction is better than losing the password.
pub async fn encolar(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    cofre: &Cofre,
    m: Mensaje<'_>,
) -> sqlx::Result<i64> {
    let marcadores = m.cuerpo.matches(MARCADOR).count();
    match (m.secreto, marcadores) {
        (Some(_), 1) | (None, 0) => {}
        (Some(_), _) => {
            return Err(sqlx::Error::InvalidArgument(
                "un correo con secreto lleva el marcador exactamente una vez".into(),
            ))
        }
        (None, _) => {
            return Err(sqlx::Error::InvalidArgument(
                "un correo sin secreto no lleva el marcador".into(),
            ))
        }
    }
    if m.para.parse::<lettre::Address>().is_err() {
        return Err(sqlx::Error::InvalidArgument(
            "el destinatario no es una dirección de correo".into(),
        ));
    }
    let clave = secretos::token_aleatorio();
    let sellado = m.secreto.map(|s| cofre.sellar(&contexto(&clave), s));
    let momento = ahora();
    let fila = sqlx::query(
        "INSERT INTO correos (clave, destinatario, asunto, cuerpo, secreto, estado, intentos, proximo_intento, creado) \
         VALUES ($1, $2, $3, $4, $5, 'pendiente', 0, $6, $7) RETURNING id",
    )
    .bind(&clave)
    .bind(m.para)
    .bind(m.asunto)
    .bind(m.cuerpo)
    .bind(sellado)
    .bind(momento)
    .bind(momento)
    .fetch_one(&mut **tx)
    .await?;
    fila.try_get(0)
}

/// The delivery side the server shares: the transport and the doorbell of its worker.
pub struct Buzon {
    transporte: Transporte,
    aviso: Notify,
}

impl Buzon {
    pub fn nuevo(transporte: Transporte) -> Self {
        Self {
            transporte,
            aviso: Notify::new(),
        }
    }

    pub fn transporte(&self) -> &Transporte {
        &self.transporte
    }

    /// Wakes the worker (call it right after committing a transaction that queued an email).
    /// A ring while the worker is busy is kept, so it looks again when it finishes.
    pub fn avisar(&self) {
        self.aviso.notify_one();
    }

    async fn esperar_aviso(&self) {
        self.aviso.notified().await
    }
}

/// An email as the operator sees it: never its body or secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pendiente {
    pub id: i64,
    pub destinatario: String,
    pub estado: String,
    pub intentos: i64,
    pub proximo_intento: i64,
    pub ultimo_error: Option<String>,
}

/// Emails still to deliver or failed for good, oldest first (at most `limite`).
pub async fn pendientes(bd: &crate::bd::Bd, limite: i64) -> sqlx::Result<Vec<Pendiente>> {
    let filas = sqlx::query(
        "SELECT id, destinatario, estado, intentos, proximo_intento, ultimo_error FROM correos \
         WHERE estado IN ('pendiente', 'fallido') ORDER BY id LIMIT $1",
    )
    .bind(limite)
    .fetch_all(bd)
    .await?;
    filas
        .iter()
        .map(|f| {
            Ok(Pendiente {
                id: f.try_get(0)?,
                destinatario: f.try_get(1)?,
                estado: f.try_get(2)?,
                intentos: f.try_get(3)?,
                proximo_intento: f.try_get(4)?,
                ultimo_error: f.try_get(5)?,
            })
        })
        .collect()
}

/// How many emails are in each state: (pendiente, enviado, fallido).
pub async fn conteo(bd: &crate::bd::Bd) -> sqlx::Result<(i64, i64, i64)> {
    let filas = sqlx::query("SELECT estado, COUNT(*) FROM correos GROUP BY estado")
        .fetch_all(bd)
        .await?;
    let mut conteo = (0, 0, 0);
    for f in &filas {
        let estado: String = f.try_get(0)?;
        let n: i64 = f.try_get(1)?;
        match estado.as_str() {
            "pendiente" => conteo.0 = n,
            "enviado" => conteo.1 = n,
            _ => conteo.2 = n,
        }
    }
    Ok(conteo)
}
