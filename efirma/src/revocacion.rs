//! Revocation with OCSP (RFC 6960). Work in progress.

/// Revocation status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EstadoRevocacion {
    /// Good.
    Vigente,
    /// Revoked at `fecha` (unix seconds).
    Revocado {
        /// Revocation time.
        fecha: i64,
    },
    /// Unknown to the responder.
    Desconocido,
}

/// An OCSP request.
pub struct SolicitudOcsp;
