//! What every request handler shares.

use efirma::AlmacenConfianza;

use crate::{
    acuse::Sellador, bd::Bd, configuracion::Configuracion, correo, limites::Limites,
    metricas::Metricas, sesiones::Sesiones,
};

pub struct Estado {
    pub config: Configuracion,
    pub bd: Bd,
    pub sesiones: Sesiones,
    pub limites: Limites,
    /// Key of the CSRF tokens (derived from the server secret).
    pub clave_csrf: [u8; 32],
    /// Key of the credential hashes (derived from the server secret).
    pub pepper: [u8; 32],
    /// argon2id hash nobody's password matches: the cost paid for unknown accounts.
    pub senuelo: String,
    /// Trust anchors for e.firma chains; `None` when none are configured (every e.firma is then
    /// refused with `anclas_no_disponibles`).
    pub anclas: Option<AlmacenConfianza>,
    /// Revocation check, when a responder is configured.
    pub ocsp: Option<crate::revocacion::ClienteOcsp>,
    /// Seals the passwords inside pending emails (key derived from the server secret).
    pub cofre: correo::Cofre,
    /// The outbox's transport and the doorbell of its worker.
    pub correo: correo::Buzon,
    /// The Instituto's seal over every acuse.
    pub sellador: Sellador,
    /// Key of the captcha answers' hashes (derived from the server secret).
    pub llave_captcha: [u8; 32],
    /// This process's counters for `/metricas`.
    pub metricas: Metricas,
}

impl Estado {
    /// Wakes the outbox worker: call it right after committing a transaction that queued an
    /// email, so it leaves now rather than at the worker's next look.
    pub fn avisar_correo(&self) {
        self.correo.avisar();
    }
}
