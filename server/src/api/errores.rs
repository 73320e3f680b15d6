//! The API's one error shape, `{"codigo": "...", "mensaje": "..."}`: a stable snake_case code
//! for programs and a Spanish sentence for the person reading the payroll software's log.
//!
//! [`Codigo`] is the closed set of codes the API answers: the OpenAPI document lists it (its
//! schema is derived from the enum) and a test checks that every one is documented on the
//! operations that answer it.

use axum::{
    extract::Request,
    middleware::Next,
    response::{IntoResponse, Response},
    Json,
};
use http::{header, HeaderValue, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Every code the API answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(
    description = "Código estable, snake_case: los programas deciden por él, nunca por el mensaje."
)]
pub enum Codigo {
    SolicitudInvalida,
    CredencialesInvalidas,
    TokenInvalido,
    SinRelacion,
    ProductoNoCertificado,
    NoEncontrado,
    MetodoNoPermitido,
    CuerpoDemasiadoGrande,
    TipoNoAdmitido,
    DemasiadosIntentos,
    ErrorInterno,
    ServicioNoDisponible,
}

impl Codigo {
    /// As serialized (`serde`'s snake_case), for logs, audit details and metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Codigo::SolicitudInvalida => "solicitud_invalida",
            Codigo::CredencialesInvalidas => "credenciales_invalidas",
            Codigo::TokenInvalido => "token_invalido",
            Codigo::SinRelacion => "sin_relacion",
            Codigo::ProductoNoCertificado => "producto_no_certificado",
            Codigo::NoEncontrado => "no_encontrado",
            Codigo::MetodoNoPermitido => "metodo_no_permitido",
            Codigo::CuerpoDemasiadoGrande => "cuerpo_demasiado_grande",
            Codigo::TipoNoAdmitido => "tipo_no_admitido",
            Codigo::DemasiadosIntentos => "demasiados_intentos",
            Codigo::ErrorInterno => "error_interno",
            Codigo::ServicioNoDisponible => "servicio_no_disponible",
        }
    }

    /// The status the code is answered with (`error_interno`: 500, or the 5xx axum produced).
    pub fn estado(self) -> StatusCode {
        match self {
            Codigo::SolicitudInvalida => StatusCode::BAD_REQUEST,
            Codigo::CredencialesInvalidas | Codigo::TokenInvalido => StatusCode::UNAUTHORIZED,
            Codigo::SinRelacion | Codigo::ProductoNoCertificado => StatusCode::FORBIDDEN,
            Codigo::NoEncontrado => StatusCode::NOT_FOUND,
            Codigo::MetodoNoPermitido => StatusCode::METHOD_NOT_ALLOWED,
            Codigo::CuerpoDemasiadoGrande => StatusCode::PAYLOAD_TOO_LARGE,
            Codigo::TipoNoAdmitido => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Codigo::DemasiadosIntentos => StatusCode::TOO_MANY_REQUESTS,
            Codigo::ErrorInterno => StatusCode::INTERNAL_SERVER_ERROR,
            Codigo::ServicioNoDisponible => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// An error answer of the API. In the document it is the schema `Error`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Error, description = "Toda respuesta de error de la API.")]
pub struct ErrorApi {
    #[serde(skip)]
    pub estado: StatusCode,
    pub codigo: Codigo,
    /// Explicación en español para una persona.
    pub mensaje: String,
    #[serde(skip)]
    pub reintentar_en: Option<u64>,
}

impl ErrorApi {
    /// An answer with the code's own status.
    pub fn nuevo(codigo: Codigo, mensaje: impl Into<String>) -> Self {
        Self::con_estado(codigo.estado(), codigo, mensaje)
    }

    /// An answer with a status of its own: the 5xx axum produced (502, 504, … besides 500).
    pub fn con_estado(estado: StatusCode, codigo: Codigo, mensaje: impl Into<String>) -> Self {
        Self {
            estado,
            codigo,
            mensaje: mensaje.into(),
            reintentar_en: None,
        }
    }

    pub fn solicitud_invalida(mensaje: impl Into<String>) -> Self {
        Self::nuevo(Codigo::SolicitudInvalida, mensaje)
    }

    pub fn credenciales_invalidas() -> Self {
        Self::nuevo(
            Codigo::CredencialesInvalidas,
            "Las credenciales del patrón y del desarrollador no son válidas en conjunto. Revisa los identificadores y las contraseñas.",
        )
    }

    pub fn token_invalido() -> Self {
        Self::nuevo(
            Codigo::TokenInvalido,
            "El token no es válido o ya venció. Abre una sesión nueva con POST /api/v1/sesiones.",
        )
    }

    pub fn demasiados_intentos(segundos: u64) -> Self {
        Self {
            reintentar_en: Some(segundos),
            ..Self::nuevo(
                Codigo::DemasiadosIntentos,
                format!("Demasiados intentos fallidos. Intenta de nuevo en {segundos} segundos."),
            )
        }
    }

    pub fn no_disponible() -> Self {
        Self {
            reintentar_en: Some(30),
            ..Self::nuevo(
                Codigo::ServicioNoDisponible,
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
        if self.codigo == Codigo::TokenInvalido {
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
        Codigo::NoEncontrado,
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
                Codigo::MetodoNoPermitido,
                "Ese método no se admite en este recurso.",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => ErrorApi::nuevo(
                Codigo::CuerpoDemasiadoGrande,
                format!(
                    "El cuerpo de la solicitud pasa de {} KiB.",
                    super::CUERPO_MAXIMO / 1024
                ),
            ),
            StatusCode::NOT_FOUND => ErrorApi::nuevo(
                Codigo::NoEncontrado,
                "Ese recurso no existe. Consulta /api/v1/openapi.json.",
            ),
            e if e.is_server_error() => {
                ErrorApi::con_estado(estado, Codigo::ErrorInterno, "Ocurrió un error inesperado.")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cada_codigo_se_escribe_como_lo_serializa_serde() {
        let esquema = serde_json::to_value(<Codigo as utoipa::PartialSchema>::schema()).unwrap();
        let codigos: Vec<Codigo> = serde_json::from_value(esquema["enum"].clone()).unwrap();
        assert_eq!(codigos.len(), 12, "{esquema}");
        for c in codigos {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
            assert!(c.estado().is_client_error() || c.estado().is_server_error());
        }
    }
}
