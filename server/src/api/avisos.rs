//! `GET /api/v1/avisos`: the avisos of the token's employer — never another's, whatever the
//! query says (the NRP comes from the session, not from the request) — filtered by date range
//! and type, ordered by fecha then id, one page at a time.
//!
//! The answer's types are the API's own (`AvisoApi`, not the domain's `avisos::Aviso`): the
//! contract changes only when these change. Their doc comments are the OpenAPI document's text,
//! hence in Spanish.

use super::{errores::ErrorApi, portador::SesionApi};
use crate::{
    avisos::{self, Aviso, Filtro},
    estado::Estado,
};
use axum::{extract::State, http::Uri, Json};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

pub const POR_PAGINA: i64 = 100;
pub const POR_PAGINA_MAXIMO: i64 = 500;
/// Far beyond any real employer's avisos; keeps the offset arithmetic trivially in range.
const PAGINA_MAXIMA: i64 = 1_000_000;

// The kinds of aviso: `avisos::TIPOS` (a test keeps them equal).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(description = "Tipo de aviso: retención, modificación o suspensión de descuentos.")]
pub enum TipoAviso {
    Retencion,
    Modificacion,
    Suspension,
}

// How the discount is expressed: `avisos::TIPOS_DESCUENTO` (a test keeps them equal).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(
    description = "Cómo se expresa el descuento: porcentaje del salario, cuota fija en pesos o factor de la UMI."
)]
pub enum TipoDescuento {
    Porcentaje,
    CuotaFija,
    FactorUmi,
}

/// Un aviso de retención, modificación o suspensión de descuentos.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Aviso)]
pub struct AvisoApi {
    /// Fecha del aviso (AAAA-MM-DD).
    #[schema(format = Date)]
    pub fecha: String,
    /// NRP del patrón (el de la sesión).
    pub nrp: String,
    /// Número de Seguridad Social del trabajador.
    #[schema(pattern = "^[0-9]{11}$")]
    pub nss: String,
    pub nombre: String,
    // Always written, `null` when absent: required in the schema too.
    #[schema(required = true)]
    pub rfc: Option<String>,
    #[schema(required = true)]
    pub curp: Option<String>,
    #[schema(pattern = "^[0-9]{10}$")]
    pub numero_credito: String,
    // Checked against `avisos::TIPOS` when loaded.
    #[schema(value_type = TipoAviso)]
    pub tipo: String,
    // Checked against `avisos::TIPOS_DESCUENTO` when loaded.
    #[schema(value_type = TipoDescuento)]
    pub tipo_descuento: String,
    /// Número decimal como texto, hasta 4 decimales (por ejemplo «20.00»).
    pub valor_descuento: String,
    pub folio: String,
}

impl From<Aviso> for AvisoApi {
    fn from(a: Aviso) -> Self {
        Self {
            fecha: a.fecha,
            nrp: a.nrp,
            nss: a.nss,
            nombre: a.nombre,
            rfc: a.rfc,
            curp: a.curp,
            numero_credito: a.numero_credito,
            tipo: a.tipo,
            tipo_descuento: a.tipo_descuento,
            valor_descuento: a.valor_descuento,
            folio: a.folio,
        }
    }
}

/// Una página de avisos.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaginaAvisos {
    pub avisos: Vec<AvisoApi>,
    pub pagina: i64,
    pub por_pagina: i64,
    /// Avisos que cumplen el filtro, en todas las páginas.
    pub total: i64,
    pub paginas: i64,
}

struct Consulta {
    filtro: Filtro,
    pagina: i64,
    por_pagina: i64,
}

fn entero(valor: &str, nombre: &str, maximo: i64) -> Result<i64, ErrorApi> {
    valor
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=maximo).contains(n))
        .ok_or_else(|| {
            ErrorApi::solicitud_invalida(format!(
                "«{nombre}» debe ser un número entero entre 1 y {maximo}."
            ))
        })
}

fn leer_consulta(consulta: Option<&str>) -> Result<Consulta, ErrorApi> {
    let mut c = Consulta {
        filtro: Filtro::default(),
        pagina: 1,
        por_pagina: POR_PAGINA,
    };
    let mut vistos: Vec<String> = Vec::new();
    for (nombre, valor) in form_urlencoded::parse(consulta.unwrap_or_default().as_bytes()) {
        if vistos.iter().any(|v| *v == nombre) {
            return Err(ErrorApi::solicitud_invalida(format!(
                "El parámetro «{nombre}» aparece más de una vez."
            )));
        }
        vistos.push(nombre.to_string());
        match &*nombre {
            "desde" | "hasta" => {
                let fecha = avisos::validar_fecha(&valor).ok_or_else(|| {
                    ErrorApi::solicitud_invalida(format!(
                        "«{nombre}» debe ser una fecha AAAA-MM-DD, como 2025-01-31."
                    ))
                })?;
                if nombre == "desde" {
                    c.filtro.desde = Some(fecha);
                } else {
                    c.filtro.hasta = Some(fecha);
                }
            }
            "tipo" => {
                if !avisos::TIPOS.contains(&&*valor) {
                    return Err(ErrorApi::solicitud_invalida(
                        "«tipo» debe ser retencion, modificacion o suspension.",
                    ));
                }
                c.filtro.tipo = Some(valor.into_owned());
            }
            "pagina" => c.pagina = entero(&valor, "pagina", PAGINA_MAXIMA)?,
            "por_pagina" => c.por_pagina = entero(&valor, "por_pagina", POR_PAGINA_MAXIMO)?,
            _ => {
                let nombre: String = nombre.chars().take(40).collect();
                return Err(ErrorApi::solicitud_invalida(format!(
                    "El parámetro «{nombre}» no existe: desde, hasta, tipo, pagina, por_pagina."
                )));
            }
        }
    }
    if let (Some(desde), Some(hasta)) = (&c.filtro.desde, &c.filtro.hasta) {
        if desde > hasta {
            return Err(ErrorApi::solicitud_invalida(
                "«desde» no puede ser posterior a «hasta».",
            ));
        }
    }
    Ok(c)
}

#[utoipa::path(
    get,
    path = "/avisos",
    operation_id = "listarAvisos",
    summary = "Avisos del patrón de la sesión, paginados",
    description = "Sólo los avisos del NRP con que se abrió la sesión, ordenados por fecha y luego por orden de carga. El token deja de servir en cuanto vence, se cancela o reemplaza cualquiera de las dos credenciales, se revoca la relación de confianza o se revoca la certificación del producto.",
    security(("portador" = [])),
    params(
        ("desde" = Option<String>, Query, format = Date, description = "Fecha mínima, inclusive."),
        ("hasta" = Option<String>, Query, format = Date, description = "Fecha máxima, inclusive."),
        ("tipo" = Option<TipoAviso>, Query, description = "Tipo de aviso."),
        ("pagina" = Option<i64>, Query, minimum = 1, maximum = 1000000, description = "Página, desde 1 (por omisión 1)."),
        ("por_pagina" = Option<i64>, Query, minimum = 1, maximum = 500, description = "Avisos por página (por omisión 100)."),
    ),
    responses(
        (status = 200, description = "Una página de avisos.", body = PaginaAvisos,
            headers(("Cache-Control" = String, description = "no-store"))),
        (status = 400, description = "solicitud_invalida: parámetro desconocido, repetido o mal formado.", body = ErrorApi),
        (status = 401, description = "token_invalido.", body = ErrorApi,
            headers(("WWW-Authenticate" = String, description = "Bearer realm=\"api\", error=\"invalid_token\""))),
        (status = 503, description = "servicio_no_disponible.", body = ErrorApi,
            headers(("Retry-After" = i64, description = "Segundos tras los cuales tiene sentido reintentar."))),
    ),
)]
pub async fn listar(
    State(estado): State<Arc<Estado>>,
    sesion: SesionApi,
    uri: Uri,
) -> Result<Json<PaginaAvisos>, ErrorApi> {
    let c = leer_consulta(uri.query())?;
    let (avisos, total) =
        avisos::consultar(&estado.bd, &sesion.nrp, &c.filtro, c.pagina, c.por_pagina)
            .await
            .map_err(ErrorApi::bd)?;
    Ok(Json(PaginaAvisos {
        avisos: avisos.into_iter().map(AvisoApi::from).collect(),
        pagina: c.pagina,
        por_pagina: c.por_pagina,
        total,
        paginas: (total + c.por_pagina - 1) / c.por_pagina,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nombres<T: Serialize>(valores: &[T]) -> Vec<String> {
        valores
            .iter()
            .map(|v| {
                serde_json::to_value(v)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    }

    #[test]
    fn los_tipos_del_contrato_son_los_del_dominio() {
        use TipoAviso::*;
        use TipoDescuento::*;
        assert_eq!(
            nombres(&[Retencion, Modificacion, Suspension]),
            avisos::TIPOS
        );
        assert_eq!(
            nombres(&[Porcentaje, CuotaFija, FactorUmi]),
            avisos::TIPOS_DESCUENTO
        );
        for (tipo, esperado) in [
            (
                <TipoAviso as utoipa::PartialSchema>::schema(),
                &avisos::TIPOS[..],
            ),
            (
                <TipoDescuento as utoipa::PartialSchema>::schema(),
                &avisos::TIPOS_DESCUENTO[..],
            ),
        ] {
            assert_eq!(
                serde_json::to_value(tipo).unwrap()["enum"],
                serde_json::json!(esperado)
            );
        }
    }
}
