//! `POST /api/v1/sesiones` and `DELETE /api/v1/sesiones/actual`: payroll software proves both
//! the employer's and the developer's credential at once and gets a short-lived bearer token.
//!
//! - Every identity or password failure is the same 401 `credenciales_invalidas`, and an
//!   unknown account costs the same keyed-hash work as a known one: the answer never says which
//!   half was wrong or whether an account exists.
//! - Failures are throttled per client address and per (employer, developer) pair.
//! - The token is 256 random bits; only its SHA-256 is stored.

use super::{
    errores::{Codigo, ErrorApi},
    portador::SesionApi,
};
use crate::{
    ahora,
    auditoria::{self, Evento},
    credenciales,
    estado::Estado,
    limites::Limite,
    secretos,
};
use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, ConnectInfo, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::{net::SocketAddr, sync::Arc};
use subtle::ConstantTimeEq;
use utoipa::{
    openapi::{schema::Type, ObjectBuilder, RefOr, Schema},
    PartialSchema, ToSchema,
};

/// Failed session requests per (employer, developer) pair within [`VENTANA_SEG`].
pub const INTENTOS_POR_PAR: i64 = 10;
/// Failed session requests per client address within [`VENTANA_SEG`].
pub const INTENTOS_POR_DIRECCION: i64 = 100;
pub const VENTANA_SEG: i64 = 15 * 60;
/// Longest text accepted in any field (identifiers are 11–13 characters, passwords 29).
pub const LARGO_MAXIMO: usize = 254;

/// The body of `POST /api/v1/sesiones`. Doc comments on this type and the next ones are the
/// OpenAPI document's text, hence in Spanish.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(
    as = SolicitudSesion,
    description = "Las credenciales del patrón y del desarrollador, juntas."
)]
pub struct Solicitud {
    patron: IdPatron,
    /// Contraseña de intercomunicación del patrón.
    #[schema(min_length = 1, max_length = 254)]
    contrasena_patron: String,
    desarrollador: IdDesarrollador,
    /// Contraseña de intercomunicación del desarrollador.
    #[schema(min_length = 1, max_length = 254)]
    contrasena_desarrollador: String,
}

/// El patrón, por su NRP o por su RFC: `{"nrp": "Y5412345108"}` o `{"rfc": "EKU9003173C9"}`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
enum IdPatron {
    Nrp(#[schema(inline)] TextoNrp),
    Rfc(#[schema(inline)] TextoRfc),
}

/// The text of an NRP as sent (checked by [`validar`]). Its schema is written here because
/// utoipa takes no `pattern` on a variant's unnamed field.
#[derive(Deserialize)]
#[serde(transparent)]
struct TextoNrp(String);

/// The text of an RFC as sent (checked by [`validar`]).
#[derive(Deserialize)]
#[serde(transparent)]
struct TextoRfc(String);

fn texto(descripcion: &str, ejemplo: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(descripcion))
        .examples([serde_json::json!(ejemplo)])
}

impl PartialSchema for TextoNrp {
    fn schema() -> RefOr<Schema> {
        texto("NRP: una letra o dígito y diez dígitos.", "Y5412345108")
            .pattern(Some("^[A-Z0-9][0-9]{10}$"))
            .into()
    }
}

/// Always inlined (`#[schema(inline)]`): never a named schema of its own.
impl ToSchema for TextoNrp {}

impl PartialSchema for TextoRfc {
    fn schema() -> RefOr<Schema> {
        texto("RFC de persona moral (12) o física (13).", "EKU9003173C9")
            .min_length(Some(12))
            .max_length(Some(13))
            .into()
    }
}

impl ToSchema for TextoRfc {}

/// El desarrollador, por su RFC.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct IdDesarrollador {
    #[schema(min_length = 12, max_length = 13)]
    rfc: String,
}

/// Una sesión abierta.
#[derive(Serialize, ToSchema)]
pub struct SesionAbierta {
    #[doc = "256 bits aleatorios en base64url sin relleno (43 caracteres). Úsalo como `Authorization: Bearer <token>`."]
    pub token: String,
    /// Cuándo vence el token (UTC).
    #[schema(format = DateTime)]
    pub expira: String,
    /// Segundos de vida del token.
    pub expira_en: i64,
}

/// serde's English explanation, as a Spanish sentence naming the field by its path
/// (`patron.nrp`); never a value from the body. `es_json`: whether the body is JSON at all
/// (serde_json reports some shape errors, such as an enum given two keys, as syntax errors).
fn explicar(e: &serde_path_to_error::Error<serde_json::Error>, es_json: bool) -> String {
    let interno = e.inner();
    let ruta = e.path().to_string();
    let en_la_raiz = ruta == "." || ruta.starts_with('[');
    if (interno.is_syntax() || interno.is_eof()) && !es_json {
        return NO_ES_JSON.into();
    }
    if en_la_raiz && !interno.to_string().starts_with("missing field") {
        return CUERPO_OBJETO.into();
    }
    if ruta == "patron" {
        return PATRON.into();
    }
    let en_ruta = |campo: &str| {
        if en_la_raiz {
            campo.to_owned()
        } else {
            format!("{ruta}.{campo}")
        }
    };
    // Field names only (serde quotes them between backticks); values are never repeated.
    let texto = interno.to_string();
    let nombre = || -> String {
        texto
            .split('`')
            .nth(1)
            .map(|n| n.chars().filter(|c| !c.is_control()).take(64).collect())
            .unwrap_or_default()
    };
    if texto.starts_with("missing field") {
        format!("Falta el campo «{}».", en_ruta(&nombre()))
    } else if texto.starts_with("unknown field") {
        // The path already ends at the unknown field.
        format!("El campo «{ruta}» no se admite.")
    } else if texto.starts_with("invalid type") {
        let esperado = if texto.contains("expected a string") {
            "texto"
        } else {
            "un objeto"
        };
        format!("El campo «{ruta}» debe ser {esperado}.")
    } else {
        format!("El campo «{ruta}» no tiene la forma esperada; consulta /api/v1/openapi.json.")
    }
}

const NO_ES_JSON: &str = "El cuerpo no es JSON válido (UTF-8).";
const PATRON: &str = "El campo «patron» lleva uno solo de nrp o rfc, como texto: {\"nrp\": \"…\"} o {\"rfc\": \"…\"}.";
const CUERPO_OBJETO: &str = "El cuerpo debe ser un objeto JSON con los campos patron, contrasena_patron, desarrollador y contrasena_desarrollador.";

/// Whether `Content-Type` says JSON in UTF-8: `application/json`, with no charset or with
/// `charset=utf-8` (any other charset would be read as something it is not).
fn es_json_utf8(tipo: Option<&str>) -> bool {
    let Some(tipo) = tipo else {
        return false;
    };
    let mut partes = tipo.split(';');
    let esencia = partes.next().unwrap_or_default().trim();
    esencia.eq_ignore_ascii_case("application/json")
        && partes.all(|parametro| match parametro.split_once('=') {
            Some((nombre, valor)) if nombre.trim().eq_ignore_ascii_case("charset") => {
                valor.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            }
            _ => true,
        })
}

/// `415` unless the body is declared JSON in UTF-8.
fn revisar_tipo(tipo: Option<&str>) -> Result<(), ErrorApi> {
    if es_json_utf8(tipo) {
        Ok(())
    } else {
        Err(ErrorApi::nuevo(
            Codigo::TipoNoAdmitido,
            "El cuerpo debe ser JSON en UTF-8 (Content-Type: application/json).",
        ))
    }
}

/// The shape of the body; every refusal names what is wrong and never echoes a value.
fn leer_cuerpo(cuerpo: &[u8]) -> Result<Solicitud, ErrorApi> {
    let mut lector = serde_json::Deserializer::from_slice(cuerpo);
    let solicitud: Solicitud = serde_path_to_error::deserialize(&mut lector).map_err(|e| {
        let es_json = serde_json::from_slice::<serde::de::IgnoredAny>(cuerpo).is_ok();
        ErrorApi::solicitud_invalida(explicar(&e, es_json))
    })?;
    lector
        .end()
        .map_err(|_| ErrorApi::solicitud_invalida(NO_ES_JSON))?;
    // serde's derived structs also read a JSON array by position (`[{"nrp": "…"}, "…",
    // {"rfc": "…"}, "…"]`, found by fuzzing); the contract is an object, field by field.
    let objeto: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(cuerpo).map_err(|_| ErrorApi::solicitud_invalida(CUERPO_OBJETO))?;
    if !objeto
        .get("desarrollador")
        .is_some_and(serde_json::Value::is_object)
    {
        return Err(ErrorApi::solicitud_invalida(
            "El campo «desarrollador» debe ser un objeto.",
        ));
    }
    Ok(solicitud)
}

/// The body of `POST /api/v1/sesiones`, read: its media type (JSON, UTF-8), then its shape.
pub fn leer_solicitud(tipo: Option<&str>, cuerpo: &[u8]) -> Result<Solicitud, ErrorApi> {
    revisar_tipo(tipo)?;
    leer_cuerpo(cuerpo)
}

/// What the request identifies, validated.
struct Identidades {
    patron: Patron,
    rfc_desarrollador: String,
}

enum Patron {
    Nrp(String),
    Rfc(String),
}

impl Patron {
    fn texto(&self) -> &str {
        match self {
            Patron::Nrp(s) | Patron::Rfc(s) => s,
        }
    }
}

fn validar(s: &Solicitud) -> Result<Identidades, ErrorApi> {
    let textos = [
        match &s.patron {
            IdPatron::Nrp(TextoNrp(t)) | IdPatron::Rfc(TextoRfc(t)) => t,
        },
        &s.desarrollador.rfc,
        &s.contrasena_patron,
        &s.contrasena_desarrollador,
    ];
    if textos.iter().any(|t| t.len() > LARGO_MAXIMO) {
        return Err(ErrorApi::solicitud_invalida(format!(
            "Ningún campo puede pasar de {LARGO_MAXIMO} caracteres."
        )));
    }
    if s.contrasena_patron.is_empty() || s.contrasena_desarrollador.is_empty() {
        return Err(ErrorApi::solicitud_invalida(
            "Las contraseñas del patrón y del desarrollador son obligatorias.",
        ));
    }
    let rfc = |t: &str, quien: &str| {
        efirma::identificadores::Rfc::parse(&t.trim().to_uppercase())
            .map(|r| r.as_str().to_owned())
            .map_err(|_| {
                ErrorApi::solicitud_invalida(format!(
                    "El RFC {quien} no es válido: 12 caracteres para persona moral o 13 para persona física."
                ))
            })
    };
    let patron = match &s.patron {
        IdPatron::Nrp(TextoNrp(t)) => Patron::Nrp(
            efirma::identificadores::Nrp::parse(&t.trim().to_uppercase())
                .map(|n| n.as_str().to_owned())
                .map_err(|_| {
                    ErrorApi::solicitud_invalida(
                        "El NRP tiene 11 caracteres: una letra o un dígito, seguido de 10 dígitos.",
                    )
                })?,
        ),
        IdPatron::Rfc(TextoRfc(t)) => Patron::Rfc(rfc(t, "del patrón")?),
    };
    Ok(Identidades {
        patron,
        rfc_desarrollador: rfc(&s.desarrollador.rfc, "del desarrollador")?,
    })
}

/// An active credential that may be the one the password belongs to.
struct Candidata {
    cuenta_id: i64,
    credencial_id: i64,
    esquema: String,
    hash: String,
}

fn candidata(f: &sqlx::any::AnyRow) -> sqlx::Result<Candidata> {
    Ok(Candidata {
        cuenta_id: f.try_get(0)?,
        credencial_id: f.try_get(1)?,
        esquema: f.try_get(2)?,
        hash: f.try_get(3)?,
    })
}

/// The candidate the password opens. Every candidate is compared (and one decoy when there is
/// none), so the work does not depend on which account exists.
fn elegir(pepper: &[u8; 32], contrasena: &str, candidatas: Vec<Candidata>) -> Option<Candidata> {
    let huella = credenciales::huella(pepper, contrasena);
    let senuelo = "0".repeat(huella.len());
    let mut elegida = None;
    if candidatas.is_empty() {
        let _ = huella.as_bytes().ct_eq(senuelo.as_bytes());
    }
    for c in candidatas {
        let coincide = c.esquema == credenciales::ESQUEMA
            && bool::from(huella.as_bytes().ct_eq(c.hash.as_bytes()));
        if coincide && elegida.is_none() {
            elegida = Some(c);
        }
    }
    elegida
}

fn rfc3339(segundos: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(segundos)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[utoipa::path(
    post,
    path = "/sesiones",
    operation_id = "abrirSesion",
    summary = "Abre una sesión con las credenciales del patrón y del desarrollador",
    description = "Ambas credenciales activas, ambas contraseñas correctas, una relación de confianza activa del patrón hacia el desarrollador y el producto del desarrollador certificado. Cualquier falla de identidad o contraseña responde el mismo 401 credenciales_invalidas. Los intentos fallidos se limitan por dirección (100 en 15 minutos) y por par patrón–desarrollador (10 en 15 minutos).",
    request_body = Solicitud,
    responses(
        (status = 201, description = "Sesión abierta.", body = SesionAbierta,
            headers(("Cache-Control" = String, description = "no-store"))),
        (status = 400, description = "solicitud_invalida: campos faltantes, desconocidos, de otro tipo, demasiado largos o mal formados.", body = ErrorApi),
        (status = 401, description = "credenciales_invalidas.", body = ErrorApi),
        (status = 403, description = "sin_relacion, producto_no_certificado.", body = ErrorApi),
        (status = 413, description = "cuerpo_demasiado_grande: más de 16 KiB.", body = ErrorApi),
        (status = 415, description = "tipo_no_admitido: el cuerpo debe ser application/json en UTF-8.", body = ErrorApi),
        (status = 429, description = "demasiados_intentos.", body = ErrorApi,
            headers(("Retry-After" = i64, description = "Segundos tras los cuales tiene sentido reintentar."))),
        (status = 503, description = "servicio_no_disponible.", body = ErrorApi,
            headers(("Retry-After" = i64, description = "Segundos tras los cuales tiene sentido reintentar."))),
    ),
)]
pub async fn abrir(
    State(estado): State<Arc<Estado>>,
    ConnectInfo(cliente): ConnectInfo<SocketAddr>,
    cabeceras: HeaderMap,
    cuerpo: Result<Bytes, BytesRejection>,
) -> Response {
    let ip = cliente.ip().to_string();
    match abrir_sesion(&estado, &ip, &cabeceras, cuerpo).await {
        Ok(sesion) => {
            estado.metricas.sesion_api_abierta();
            (StatusCode::CREATED, Json(sesion)).into_response()
        }
        Err(e) => {
            estado.metricas.sesion_api_rechazada(e.codigo);
            e.into_response()
        }
    }
}

async fn abrir_sesion(
    estado: &Estado,
    ip: &str,
    cabeceras: &HeaderMap,
    cuerpo: Result<Bytes, BytesRejection>,
) -> Result<SesionAbierta, ErrorApi> {
    let tipo = cabeceras
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    revisar_tipo(tipo)?;
    let cuerpo = cuerpo.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ErrorApi::nuevo(
                Codigo::CuerpoDemasiadoGrande,
                format!(
                    "El cuerpo de la solicitud pasa de {} KiB.",
                    super::CUERPO_MAXIMO / 1024
                ),
            )
        } else {
            ErrorApi::solicitud_invalida("No se pudo leer el cuerpo de la solicitud.")
        }
    })?;
    let solicitud = leer_cuerpo(&cuerpo)?;
    let ids = validar(&solicitud)?;

    let auditar = |codigo: Codigo, cuenta_id: Option<i64>| {
        let detalle = format!(
            "{}; desarrollador {}",
            codigo.as_str(),
            ids.rfc_desarrollador
        );
        let sujeto = ids.patron.texto().to_owned();
        let ip = ip.to_owned();
        async move {
            let r = auditoria::registrar_aparte(
                &estado.bd,
                Evento {
                    evento: "api_sesion",
                    cuenta_id,
                    sujeto: Some(&sujeto),
                    ip: &ip,
                    detalle: Some(&detalle),
                },
            )
            .await;
            if let Err(e) = r {
                tracing::error!(error = %e, "no se pudo auditar una sesión de la API");
            }
        }
    };

    let clave_ip = format!("api-ip:{ip}");
    let clave_par = format!("api-par:{}:{}", ids.patron.texto(), ids.rfc_desarrollador);
    // The throttles count failures, strictly even under a burst: the credentials are checked
    // first (reads and keyed hashes), then one transaction holding the two limit keys decides
    // whether the attempt may count and records it — a failure, or the token of a success.
    let limites = [
        Limite {
            clave: &clave_ip,
            maximo: INTENTOS_POR_DIRECCION,
            ventana: VENTANA_SEG,
        },
        Limite {
            clave: &clave_par,
            maximo: INTENTOS_POR_PAR,
            ventana: VENTANA_SEG,
        },
    ];

    // An employer named by RFC may hold several NRPs: its password says which. Nothing is
    // answered before the passwords are checked, so a caller learns nothing about an RFC's NRPs.
    let columna = match &ids.patron {
        Patron::Nrp(_) => "nrp",
        Patron::Rfc(_) => "rfc",
    };
    let candidatas_patron: Vec<Candidata> = sqlx::query(&format!(
        "SELECT c.id, cr.id, cr.esquema, cr.hash FROM cuentas c \
         JOIN credenciales cr ON cr.cuenta_id = c.id \
         WHERE c.{columna} = $1 AND cr.rol = 'patron' AND cr.estado = 'activa'"
    ))
    .bind(ids.patron.texto())
    .fetch_all(&estado.bd)
    .await
    .map_err(ErrorApi::bd)?
    .iter()
    .map(candidata)
    .collect::<sqlx::Result<_>>()
    .map_err(ErrorApi::bd)?;
    // For the audit row of a failure: the account, when the identifier names only one.
    let patron_id = match candidatas_patron.as_slice() {
        [una] => Some(una.cuenta_id),
        _ => None,
    };
    let candidatas_desarrollador = sqlx::query(
        "SELECT c.id, cr.id, cr.esquema, cr.hash FROM cuentas c \
         JOIN credenciales cr ON cr.cuenta_id = c.id \
         WHERE c.rfc = $1 AND cr.rol = 'desarrollador' AND cr.estado = 'activa'",
    )
    .bind(&ids.rfc_desarrollador)
    .fetch_all(&estado.bd)
    .await
    .map_err(ErrorApi::bd)?
    .iter()
    .map(candidata)
    .collect::<sqlx::Result<Vec<_>>>()
    .map_err(ErrorApi::bd)?;

    // Both checks always run: failing fast on the first would time which half was wrong.
    let patron = elegir(
        &estado.pepper,
        &solicitud.contrasena_patron,
        candidatas_patron,
    );
    let desarrollador = elegir(
        &estado.pepper,
        &solicitud.contrasena_desarrollador,
        candidatas_desarrollador,
    );
    let mut tx = estado.bd.begin().await.map_err(ErrorApi::bd)?;
    if let Some(lleno) = estado
        .limites
        .revisar_en(&mut tx, &limites)
        .await
        .map_err(ErrorApi::bd)?
    {
        drop(tx);
        auditar(Codigo::DemasiadosIntentos, None).await;
        return Err(ErrorApi::demasiados_intentos(lleno.espera));
    }
    let (Some(patron), Some(desarrollador)) = (patron, desarrollador) else {
        estado
            .limites
            .contar_fallo_en(&mut tx, &limites)
            .await
            .map_err(ErrorApi::bd)?;
        let detalle = format!(
            "credenciales_invalidas; desarrollador {}",
            ids.rfc_desarrollador
        );
        auditoria::registrar(
            &mut tx,
            Evento {
                evento: "api_sesion",
                cuenta_id: patron_id,
                sujeto: Some(ids.patron.texto()),
                ip,
                detalle: Some(&detalle),
            },
        )
        .await
        .map_err(ErrorApi::bd)?;
        tx.commit().await.map_err(ErrorApi::bd)?;
        return Err(ErrorApi::credenciales_invalidas());
    };

    let relacion = sqlx::query(
        "SELECT r.id, p.estado FROM relaciones r JOIN productos p ON p.id = r.producto_id \
         WHERE r.patron_id = $1 AND r.desarrollador_id = $2 AND r.estado = 'activa' \
         AND p.cuenta_id = r.desarrollador_id",
    )
    .bind(patron.cuenta_id)
    .bind(desarrollador.cuenta_id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(ErrorApi::bd)?;
    let Some(relacion) = relacion else {
        drop(tx);
        auditar(Codigo::SinRelacion, Some(patron.cuenta_id)).await;
        return Err(ErrorApi::nuevo(
            Codigo::SinRelacion,
            "El patrón no ha autorizado a este desarrollador en Relaciones de confianza, o revocó la autorización.",
        ));
    };
    let relacion_id: i64 = relacion.try_get(0).map_err(ErrorApi::bd)?;
    let estado_producto: String = relacion.try_get(1).map_err(ErrorApi::bd)?;
    if estado_producto != "aprobado" {
        drop(tx);
        auditar(Codigo::ProductoNoCertificado, Some(patron.cuenta_id)).await;
        return Err(ErrorApi::nuevo(
            Codigo::ProductoNoCertificado,
            "El producto del desarrollador no está certificado por el Instituto, o su certificación fue revocada.",
        ));
    }

    let token = secretos::token_aleatorio();
    let creada = ahora();
    let duracion = estado.config.api_token_seg;
    let expira = creada + duracion;
    // The token and its audit row commit together, in the attempt's transaction: no token
    // without its audit row.
    sqlx::query(
        "INSERT INTO sesiones_api (token_hash, patron_id, desarrollador_id, credencial_patron_id, credencial_desarrollador_id, relacion_id, creada, expira) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(secretos::huella(&token))
    .bind(patron.cuenta_id)
    .bind(desarrollador.cuenta_id)
    .bind(patron.credencial_id)
    .bind(desarrollador.credencial_id)
    .bind(relacion_id)
    .bind(creada)
    .bind(expira)
    .execute(&mut *tx)
    .await
    .map_err(ErrorApi::bd)?;
    let detalle = format!("abierta; desarrollador {}", ids.rfc_desarrollador);
    auditoria::registrar(
        &mut tx,
        Evento {
            evento: "api_sesion",
            cuenta_id: Some(patron.cuenta_id),
            sujeto: Some(ids.patron.texto()),
            ip,
            detalle: Some(&detalle),
        },
    )
    .await
    .map_err(ErrorApi::bd)?;
    tx.commit().await.map_err(ErrorApi::bd)?;
    Ok(SesionAbierta {
        token,
        expira: rfc3339(expira),
        expira_en: duracion,
    })
}

#[utoipa::path(
    delete,
    path = "/sesiones/actual",
    operation_id = "cerrarSesion",
    summary = "Termina la sesión del token",
    security(("portador" = [])),
    responses(
        (status = 204, description = "Sesión terminada: el token ya no sirve."),
        (status = 401, description = "token_invalido.", body = ErrorApi,
            headers(("WWW-Authenticate" = String, description = "Bearer realm=\"api\", error=\"invalid_token\""))),
        (status = 503, description = "servicio_no_disponible.", body = ErrorApi,
            headers(("Retry-After" = i64, description = "Segundos tras los cuales tiene sentido reintentar."))),
    ),
)]
pub async fn cerrar(
    State(estado): State<Arc<Estado>>,
    ConnectInfo(cliente): ConnectInfo<SocketAddr>,
    sesion: SesionApi,
) -> Result<StatusCode, ErrorApi> {
    sqlx::query("DELETE FROM sesiones_api WHERE token_hash = $1")
        .bind(&sesion.token_hash)
        .execute(&estado.bd)
        .await
        .map_err(ErrorApi::bd)?;
    let ip = cliente.ip().to_string();
    let detalle = format!("cerrada; desarrollador {}", sesion.desarrollador_id);
    if let Err(e) = auditoria::registrar_aparte(
        &estado.bd,
        Evento {
            evento: "api_sesion",
            cuenta_id: Some(sesion.patron_id),
            sujeto: Some(&sesion.nrp),
            ip: &ip,
            detalle: Some(&detalle),
        },
    )
    .await
    {
        tracing::error!(error = %e, "no se pudo auditar el cierre de una sesión de la API");
    }
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mensaje(tipo: &str, cuerpo: &str) -> (StatusCode, String) {
        match leer_solicitud(Some(tipo), cuerpo.as_bytes()) {
            Ok(_) => panic!("aceptado: {cuerpo}"),
            Err(e) => (e.estado, e.mensaje),
        }
    }

    const JSON: &str = "application/json";

    fn cuerpo(patron: &str) -> String {
        format!(
            r#"{{"patron":{patron},"contrasena_patron":"a","desarrollador":{{"rfc":"VADA800927DJ3"}},"contrasena_desarrollador":"b"}}"#
        )
    }

    #[test]
    fn un_cuerpo_bien_formado_se_lee() {
        for tipo in [
            JSON,
            "application/json; charset=utf-8",
            "Application/JSON;charset=\"UTF-8\"",
        ] {
            assert!(
                leer_solicitud(Some(tipo), cuerpo(r#"{"nrp":"Y5412345108"}"#).as_bytes()).is_ok()
            );
        }
    }

    #[test]
    fn cada_campo_faltante_o_de_otro_tipo_se_nombra_por_su_ruta_sin_su_valor() {
        let casos = [
            ("[1,2]", "El cuerpo debe ser un objeto JSON con los campos patron, contrasena_patron, desarrollador y contrasena_desarrollador."),
            ("\"texto\"", "El cuerpo debe ser un objeto JSON con los campos patron, contrasena_patron, desarrollador y contrasena_desarrollador."),
            (&cuerpo(r#"{"nrp":5412345108}"#), "El campo «patron.nrp» debe ser texto."),
            (&cuerpo(r#"{"curp":"X"}"#), PATRON),
            (&cuerpo(r#""Y5412345108""#), PATRON),
            (&cuerpo("5"), PATRON),
            (&cuerpo(r#"{"nrp":"Y5412345108","rfc":"EKU9003173C9"}"#), PATRON),
            (r#"{"patron":{"nrp":"Y5412345108"},"contrasena_patron":"a","desarrollador":{"rfc":"VADA800927DJ3"}}"#, "Falta el campo «contrasena_desarrollador»."),
            (r#"{"patron":{"nrp":"Y5412345108"},"contrasena_patron":"a","desarrollador":{},"contrasena_desarrollador":"b"}"#, "Falta el campo «desarrollador.rfc»."),
            (r#"{"patron":{"nrp":"Y5412345108"},"contrasena_patron":"a","desarrollador":{"rfc":"VADA800927DJ3","nombre":"x"},"contrasena_desarrollador":"b"}"#, "El campo «desarrollador.nombre» no se admite."),
            (r#"{"patron":{"nrp":"Y5412345108"},"contrasena_patron":12345,"desarrollador":{"rfc":"VADA800927DJ3"},"contrasena_desarrollador":"b"}"#, "El campo «contrasena_patron» debe ser texto."),
            (r#"{"patron":{"nrp":"Y5412345108"},"contrasena_patron":"a","desarrollador":"VADA800927DJ3","contrasena_desarrollador":"b"}"#, "El campo «desarrollador» debe ser un objeto."),
            // Read by position by serde's derive, were the body not checked to be an object.
            (r#"[{"rfc":"EKU9003173C9"},"a",{"rfc":"VADA800927DJ3"},"b"]"#, "El cuerpo debe ser un objeto JSON con los campos patron, contrasena_patron, desarrollador y contrasena_desarrollador."),
            (r#"{"patron":{"nrp":"Y5412345108"},"contrasena_patron":"a","desarrollador":["VADA800927DJ3"],"contrasena_desarrollador":"b"}"#, "El campo «desarrollador» debe ser un objeto."),
            ("{no es json", "El cuerpo no es JSON válido (UTF-8)."),
            (&format!("{} {{}}", cuerpo(r#"{"nrp":"Y5412345108"}"#)), "El cuerpo no es JSON válido (UTF-8)."),
        ];
        for (cuerpo, esperado) in casos {
            assert_eq!(
                mensaje(JSON, cuerpo),
                (StatusCode::BAD_REQUEST, esperado.to_owned()),
                "{cuerpo}"
            );
            assert!(!esperado.contains("5412345108") && !esperado.contains("12345"));
        }
    }

    #[test]
    fn un_charset_que_no_es_utf8_es_415() {
        let bien = cuerpo(r#"{"nrp":"Y5412345108"}"#);
        for tipo in [
            "application/json; charset=utf-16",
            "application/json;charset=latin1",
            "application/json; charset=\"UTF-16LE\"",
            "text/plain",
            "application/jsonx",
        ] {
            assert_eq!(
                mensaje(tipo, &bien),
                (
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "El cuerpo debe ser JSON en UTF-8 (Content-Type: application/json).".to_owned()
                ),
                "{tipo}"
            );
        }
        assert_eq!(
            leer_solicitud(None, bien.as_bytes())
                .err()
                .map(|e| e.codigo),
            Some(Codigo::TipoNoAdmitido)
        );
    }
}
