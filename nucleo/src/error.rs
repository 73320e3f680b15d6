//! The one error every server function returns: a stable code, a Spanish message the page can
//! show as is, and the HTTP status the server answers with.

use serde::{Deserialize, Serialize};
use server_fn::{codec::JsonEncoding, error::FromServerFnError, ServerFnError};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorApp {
    /// Stable, machine-readable code (snake_case Spanish).
    pub codigo: String,
    /// A sentence for the person in front of the screen.
    pub mensaje: String,
    /// HTTP status the server answers with (the server's middleware applies it).
    pub estado: u16,
    /// Seconds after which trying again makes sense (sent as `Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reintentar_en: Option<u64>,
}

impl ErrorApp {
    pub fn nuevo(estado: u16, codigo: &str, mensaje: &str) -> Self {
        Self {
            codigo: codigo.into(),
            mensaje: mensaje.into(),
            estado,
            reintentar_en: None,
        }
    }

    pub fn con_reintento(mut self, segundos: u64) -> Self {
        self.reintentar_en = Some(segundos);
        self
    }

    pub fn solicitud_invalida(mensaje: &str) -> Self {
        Self::nuevo(400, "solicitud_invalida", mensaje)
    }

    pub fn sesion_requerida() -> Self {
        Self::nuevo(
            401,
            "sesion_requerida",
            "Tu sesión terminó. Vuelve a ingresar con tu NRP, correo electrónico y contraseña.",
        )
    }

    pub fn interno() -> Self {
        Self::nuevo(
            500,
            "error_interno",
            "Ocurrió un error inesperado. Intenta de nuevo en unos minutos.",
        )
    }

    pub fn no_disponible() -> Self {
        Self::nuevo(
            503,
            "servicio_no_disponible",
            "El servicio no está disponible en este momento. Intenta de nuevo en unos minutos.",
        )
        .con_reintento(30)
    }
}

impl fmt::Display for ErrorApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.mensaje)
    }
}

impl std::error::Error for ErrorApp {}

impl FromServerFnError for ErrorApp {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: server_fn::error::ServerFnErrorErr) -> Self {
        use server_fn::error::ServerFnErrorErr as E;
        match value {
            // The request itself was malformed: missing or mistyped fields.
            E::Args(_) | E::MissingArg(_) => ErrorApp::solicitud_invalida(
                "La solicitud no es válida. Recarga la página e intenta de nuevo.",
            ),
            // The browser could not reach the server or could not read its answer.
            E::Request(_) | E::Deserialization(_) | E::Response(_) => ErrorApp::nuevo(
                0,
                "sin_conexion",
                "No fue posible comunicarse con el Portal. Revisa tu conexión e intenta de nuevo.",
            ),
            _ => ErrorApp::interno(),
        }
    }
}

impl From<ServerFnError> for ErrorApp {
    fn from(_: ServerFnError) -> Self {
        ErrorApp::interno()
    }
}
