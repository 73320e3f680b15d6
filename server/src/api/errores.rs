//! The API's one error shape, `{"codigo": "...", "mensaje": "..."}`: a stable snake_case code
//! for programs and a Spanish sentence for the person reading the payroll software's log.

use axum::{
    extract::Request,
    middleware::Next,
    response::{IntoResponse, Response},
    Json,
};
use http::{header, HeaderValue, StatusCode};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ErrorApi {
    #[serde(skip)]
    pub estado: StatusCode,
    pub codigo: &'static str,
    pub mensaje: String,
    #[serde(skip)]
    pub reintentar_en: Option<u64>,
}

impl ErrorApi {
    pub fn nuevo(estado: StatusCode, codigo: &'static str, mensaje: impl Into<String>) -> Self {
        Self {
            estado,
            codigo,
            mensaje: mensaje.into(),
            reintentar_en: None,
        }
    }

    pub fn solicitud_invalida(mensaje: impl Into<String>) -> Self {
        Self::nuevo(StatusCode::BAD_REQUEST, "solicitud_invalida", mensaje)
    }

    pub fn credenciales_invalidas() -> Self {
        Self::nuevo(
            StatusCode::UNAUTHORIZED,
            "credenciales_invalidas",
            "Las credenciales del patrón y del desarrollador no son válidas en conjunto. Revisa los identificadores y las contraseñas.",
        )
    }

    pub fn token_invalido() -> Self {
        Self::nuevo(
            StatusCode::UNAUTHORIZED,
            "token_invalido",
            "El token no es válido o ya venció. Abre una sesión nueva con POST /api/v1/sesiones.",
        )
    }

    pub fn demasiados_intentos(segundos: u64) -> Self {
        Self {
            reintentar_en: Some(segundos),
            ..Self::nuevo(
                StatusCode::TOO_MANY_REQUESTS,
                "demasiados_intentos",
                format!("Demasiados intentos fallidos. Intenta de nuevo en {segundos} segundos."),
            )
        }
    }

    pub fn no_disponible() -> Self {
        Self {
            reintentar_en: Some(30),
            ..Self::nuevo(
                StatusCode::SERVICE_UNAVAILABLE,
                "servicio_no_disponible",
                "El servicio no está disponible en este momento. Intenta de nuevo en unos minutos.",
            )
        }
    }

    /// A database failure: the details go to the log only.
    pub fn bd(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "base de datos (API)");
        Self::no_disponible()
    }
}

impl IntoResponse for ErrorApi {
    fn into_response(self) -> Response {
        let mut r = (self.estado, Json(&self)).into_response();
        let h = r.headers_mut();
        if let Some(s) = self.reintentar_en {
            h.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if self.codigo == "token_invalido" {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"api\", error=\"invalid_token\""),
            );
        }
        r
    }
}

/// The answer for an unknown path under `/api/v1`.
pub async fn no_encontrado() -> ErrorApi {
    ErrorApi::nuevo(
        StatusCode::NOT_FOUND,
        "no_encontrado",
        "Ese recurso no existe. Consulta /api/v1/openapi.json.",
    )
}

/// Gives the answers axum writes by itself (405 with an empty body, 413 of the body limit,
/// 415 …) the API's JSON shape, and marks every answer `no-store`.
pub async fn normalizar(peticion: Request, siguiente: Next) -> Response {
    let respuesta = siguiente.run(peticion).await;
    let estado = respuesta.status();
    let es_json = respuesta
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let mut respuesta = if (estado.is_client_error() || estado.is_server_error()) && !es_json {
        let (partes, _) = respuesta.into_parts();
        let error = match estado {
            StatusCode::METHOD_NOT_ALLOWED => ErrorApi::nuevo(
                estado,
                "metodo_no_permitido",
                "Ese método no se admite en este recurso.",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => ErrorApi::nuevo(
                estado,
                "cuerpo_demasiado_grande",
                format!(
                    "El cuerpo de la solicitud pasa de {} KiB.",
                    super::CUERPO_MAXIMO / 1024
                ),
            ),
            StatusCode::NOT_FOUND => ErrorApi::nuevo(
                estado,
                "no_encontrado",
                "Ese recurso no existe. Consulta /api/v1/openapi.json.",
            ),
            e if e.is_server_error() => {
                ErrorApi::nuevo(estado, "error_interno", "Ocurrió un error inesperado.")
            }
            _ => ErrorApi::solicitud_invalida("La solicitud no es válida."),
        };
        let mut nueva = error.into_response();
        // Keep what axum said that still applies (`Allow` on a 405).
        if let Some(permitidos) = partes.headers.get(header::ALLOW) {
            nueva
                .headers_mut()
                .insert(header::ALLOW, permitidos.clone());
        }
        nueva
    } else {
        respuesta
    };
    respuesta
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    respuesta
}

impl ErrorApi {
    /// The same answer under a more specific code.
    pub fn con_codigo(mut self, codigo: &'static str) -> Self {
        self.codigo = codigo;
        self
    }
}
