//! `GET /api/v1/avisos`: the avisos of the token's employer — never another's, whatever the
//! query says (the NRP comes from the session, not from the request) — filtered by date range
//! and type, ordered by fecha then id, one page at a time.

use super::{errores::ErrorApi, portador::SesionApi};
use crate::{
    avisos::{self, Aviso, Filtro},
    estado::Estado,
};
use axum::{extract::State, http::Uri, Json};
use serde::Serialize;
use std::sync::Arc;

pub const POR_PAGINA: i64 = 100;
pub const POR_PAGINA_MAXIMO: i64 = 500;
/// Far beyond any real employer's avisos; keeps the offset arithmetic trivially in range.
const PAGINA_MAXIMA: i64 = 1_000_000;

#[derive(Serialize)]
pub struct PaginaAvisos {
    pub avisos: Vec<Aviso>,
    pub pagina: i64,
    pub por_pagina: i64,
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
        avisos,
        pagina: c.pagina,
        por_pagina: c.por_pagina,
        total,
        paginas: (total + c.por_pagina - 1) / c.por_pagina,
    }))
}
