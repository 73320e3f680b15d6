//! The portal's cookies: `__Host-` prefixed (Secure, Path=/, no Domain), HttpOnly, SameSite=Strict.

use http::{header, HeaderMap, HeaderValue};

pub const SESION: &str = "__Host-sesion";
pub const CSRF: &str = "__Host-csrf";

/// The value of one cookie of the request, if present.
pub fn leer<'a>(cabeceras: &'a HeaderMap, nombre: &str) -> Option<&'a str> {
    cabeceras
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|par| par.trim().split_once('='))
        .find(|(n, _)| *n == nombre)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// A session-scoped cookie (`max_edad` None) or a persistent one.
pub fn crear(nombre: &str, valor: &str, max_edad: Option<i64>) -> HeaderValue {
    let edad = max_edad
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{nombre}={valor}; Path=/; Secure; HttpOnly; SameSite=Strict{edad}"
    ))
    .expect("los tokens son base64url")
}

pub fn borrar(nombre: &str) -> HeaderValue {
    crear(nombre, "", Some(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lee_la_cookie_pedida_entre_varias() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; __Host-sesion=abc; b=2"),
        );
        assert_eq!(leer(&h, SESION), Some("abc"));
        assert_eq!(leer(&h, CSRF), None);
    }

    #[test]
    fn las_cookies_llevan_los_atributos_de_seguridad() {
        let c = crear(SESION, "xyz", None);
        assert_eq!(
            c,
            "__Host-sesion=xyz; Path=/; Secure; HttpOnly; SameSite=Strict"
        );
        assert!(borrar(CSRF).to_str().unwrap().ends_with("Max-Age=0"));
    }
}
