//! The request's context, established before any page or server function runs:
//!
//! - the session (cookie `__Host-sesion`), checked against its timeouts;
//! - the CSRF defence: a random `__Host-csrf` cookie per browser and a token derived from it
//!   with the server's key (HMAC-SHA-256) that the page carries; every state-changing request
//!   must present the token (header `X-CSRF-Token`, or form field `csrf_token` for a form posted
//!   before the page hydrated) and, when the browser says where it comes from, come from here;
//! - the signed-in area (`/portal/...`) only with a session;
//! - server-function errors answered with the status their [`ErrorApp`] names.

use crate::{cookies, estado::Estado, sesiones::Resolucion};
use app::cliente::CABECERA_CSRF;
use axum::{
    body::{Body, Bytes},
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, Mac};
use http::{header, HeaderValue, Method, StatusCode};
use nucleo::{error::ErrorApp, peticion::Peticion};
use sha2::Sha256;
use std::{net::SocketAddr, sync::Arc};
use subtle::ConstantTimeEq;

/// Largest body a portal request may carry (e.firma certificates travel base64-encoded).
pub const CUERPO_MAXIMO: usize = 256 * 1024;

pub fn token_csrf(clave: &[u8; 32], cookie: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(clave).expect("llave de 32 bytes");
    mac.update(b"csrf:");
    mac.update(cookie.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

fn respuesta_error(e: ErrorApp) -> Response {
    let estado = StatusCode::from_u16(e.estado).unwrap_or(StatusCode::BAD_REQUEST);
    let mut r = (estado, axum::Json(&e)).into_response();
    if let Some(segundos) = e.reintentar_en {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(segundos));
    }
    r
}

fn csrf_invalido() -> Response {
    respuesta_error(ErrorApp::nuevo(
        403,
        "csrf_invalido",
        "La página caducó por seguridad. Recarga la página e intenta de nuevo.",
    ))
}

fn cambia_estado(metodo: &Method) -> bool {
    !matches!(*metodo, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The browser's own statement of where the request comes from must be this site: exactly the
/// origin of `INTERCOM_URL_PUBLICA` (scheme, host and port) when it is set, otherwise plain
/// `http://` (what this server speaks) on the host and port the request was addressed to. A
/// request that names no origin is left to the CSRF token.
fn origen_aceptable(peticion: &Request, publico: Option<&url::Origin>) -> bool {
    let h = peticion.headers();
    if let Some(sitio) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if !matches!(sitio, "same-origin" | "none") {
            return false;
        }
    }
    let Some(origen) = h.get(header::ORIGIN) else {
        return true;
    };
    let Some(origen) = origen
        .to_str()
        .ok()
        .and_then(|o| url::Url::parse(o).ok())
        .filter(|u| u.has_host() && u.path() == "/" && u.query().is_none())
        .map(|u| u.origin())
    else {
        return false;
    };
    match publico {
        Some(publico) => origen == *publico,
        None => h
            .get(header::HOST)
            .and_then(|host| host.to_str().ok())
            .and_then(|host| url::Url::parse(&format!("http://{host}")).ok())
            .is_some_and(|esperado| esperado.origin() == origen),
    }
}

pub async fn establecer(
    State(estado): State<Arc<Estado>>,
    ConnectInfo(cliente): ConnectInfo<SocketAddr>,
    peticion: Request,
    siguiente: Next,
) -> Response {
    let ruta = peticion.uri().path().to_owned();
    // The payroll API authenticates with bearer tokens, and static files need no context.
    if ruta.starts_with("/api/v1/") || ruta.starts_with("/pkg/") {
        return siguiente.run(peticion).await;
    }

    let mut nuevas_cookies = Vec::new();
    let mut sesion_vencida = false;
    let sesion = match cookies::leer(peticion.headers(), cookies::SESION) {
        None => None,
        Some(token) => match estado.sesiones.resolver(token).await {
            Ok(Resolucion::Activa(s)) => Some(s),
            Ok(Resolucion::Vencida) => {
                sesion_vencida = true;
                nuevas_cookies.push(cookies::borrar(cookies::SESION));
                None
            }
            Err(e) => {
                tracing::error!(error = %e, "no se pudo consultar la sesión");
                return respuesta_error(ErrorApp::no_disponible());
            }
        },
    };
    let cookie_csrf = match cookies::leer(peticion.headers(), cookies::CSRF) {
        Some(valor) => valor.to_owned(),
        None => {
            let valor = crate::secretos::token_aleatorio();
            nuevas_cookies.push(cookies::crear(cookies::CSRF, &valor, None));
            valor
        }
    };
    let csrf = token_csrf(&estado.clave_csrf, &cookie_csrf);

    let mut peticion = peticion;
    if cambia_estado(peticion.method()) {
        if !origen_aceptable(&peticion, estado.config.origen_publico.as_ref()) {
            return csrf_invalido();
        }
        match verificar_csrf(peticion, &csrf).await {
            Ok(p) => peticion = p,
            Err(r) => return r,
        }
    } else if ruta.starts_with("/portal") && sesion.is_none() {
        let destino = if sesion_vencida {
            "/ingresar?motivo=sesion"
        } else {
            "/ingresar"
        };
        return con_cookies(Redirect::to(destino).into_response(), nuevas_cookies);
    } else if ruta == "/ingresar" && sesion.is_some() {
        return Redirect::to("/portal/escritorio").into_response();
    }

    peticion.extensions_mut().insert(Peticion {
        sesion: sesion.clone(),
        ip: cliente.ip(),
        csrf,
    });
    let respuesta = siguiente.run(peticion).await;
    let respuesta = estado_de_error(respuesta).await;
    con_cookies(respuesta, nuevas_cookies)
}

fn con_cookies(mut respuesta: Response, cookies: Vec<HeaderValue>) -> Response {
    for c in cookies {
        respuesta.headers_mut().append(header::SET_COOKIE, c);
    }
    respuesta
}

/// Accepts the request if it carries the token; gives the request back (its body may have been
/// read to find the form field).
async fn verificar_csrf(peticion: Request, esperado: &str) -> Result<Request, Response> {
    let igual = |dado: &str| bool::from(dado.as_bytes().ct_eq(esperado.as_bytes()));
    if let Some(dado) = peticion.headers().get(CABECERA_CSRF) {
        return if dado.to_str().is_ok_and(igual) {
            Ok(peticion)
        } else {
            Err(csrf_invalido())
        };
    }
    let es_formulario = peticion
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !es_formulario {
        return Err(csrf_invalido());
    }
    let (partes, cuerpo) = peticion.into_parts();
    let bytes: Bytes = axum::body::to_bytes(cuerpo, CUERPO_MAXIMO)
        .await
        .map_err(|_| {
            respuesta_error(ErrorApp::nuevo(
                413,
                "solicitud_muy_grande",
                "La solicitud es demasiado grande.",
            ))
        })?;
    let valido = form_urlencoded::parse(&bytes).any(|(k, v)| k == "csrf_token" && igual(&v));
    if !valido {
        return Err(csrf_invalido());
    }
    Ok(Request::from_parts(partes, Body::from(bytes)))
}

/// Server functions answer errors with 500 by default; ours say their own status.
async fn estado_de_error(respuesta: Response) -> Response {
    if !respuesta.headers().contains_key("serverfnerror") {
        return respuesta;
    }
    let (mut partes, cuerpo) = respuesta.into_parts();
    let Ok(bytes) = axum::body::to_bytes(cuerpo, CUERPO_MAXIMO).await else {
        return respuesta_error(ErrorApp::interno());
    };
    if let Ok(e) = serde_json::from_slice::<ErrorApp>(&bytes) {
        if let Ok(estado) = StatusCode::from_u16(e.estado) {
            if estado.is_client_error() || estado.is_server_error() {
                partes.status = estado;
            }
        }
        if let Some(segundos) = e.reintentar_en {
            partes
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(segundos));
        }
    }
    Response::from_parts(partes, Body::from(bytes))
}
