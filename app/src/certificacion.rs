//! Certificación (Desarrolladores): a software house registers each payroll product it offers
//! and asks the Instituto to certify it (registrado → solicitado → aprobado | rechazado;
//! aprobado → revocado). The Instituto decides through the operator's command line.

use crate::{cliente::ClientePortal, error::ErrorApp};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventoProducto {
    pub estado: String,
    pub motivo: Option<String>,
    /// Unix seconds (UTC).
    pub momento: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Producto {
    pub id: i64,
    pub nombre: String,
    pub version: String,
    pub contacto: String,
    pub estado: String,
    /// Oldest first.
    pub historial: Vec<EventoProducto>,
}

pub const NOMBRE_MAXIMO: usize = 80;
pub const VERSION_MAXIMA: usize = 30;
pub const CONTACTO_MAXIMO: usize = 120;

/// How each state reads on screen.
pub fn nombre_estado(estado: &str) -> &'static str {
    match estado {
        "registrado" => "Registrado",
        "solicitado" => "Certificación solicitada",
        "aprobado" => "Certificado",
        "rechazado" => "Rechazado",
        "revocado" => "Certificación revocada",
        _ => "Desconocido",
    }
}

/// A product's fields, trimmed and checked: each message names the field.
pub fn validar_producto(
    nombre: &str,
    version: &str,
    contacto: &str,
) -> Result<(String, String, String), &'static str> {
    let limpio = |v: &str| v.trim().to_owned();
    let (n, v, c) = (limpio(nombre), limpio(version), limpio(contacto));
    let imprimible = |t: &str| !t.chars().any(char::is_control);
    if n.is_empty() || n.chars().count() > NOMBRE_MAXIMO || !imprimible(&n) {
        return Err("Escribe el nombre del producto (hasta 80 caracteres).");
    }
    if v.is_empty() || v.chars().count() > VERSION_MAXIMA || !imprimible(&v) {
        return Err("Escribe la versión del producto (hasta 30 caracteres), por ejemplo 4.2.");
    }
    if c.is_empty() || c.chars().count() > CONTACTO_MAXIMO || !imprimible(&c) {
        return Err("Escribe un contacto para el Instituto: correo electrónico o teléfono (hasta 120 caracteres).");
    }
    Ok((n, v, c))
}

#[server(name = ListarProductos, prefix = "/api", endpoint = "certificacion/productos", client = ClientePortal)]
pub async fn listar_productos() -> Result<Vec<Producto>, ErrorApp> {
    use crate::servicios::{portal, sesion};
    portal()?.productos(&sesion()?).await
}

#[server(name = RegistrarProducto, prefix = "/api", endpoint = "certificacion/registrar", client = ClientePortal)]
pub async fn registrar_producto(
    nombre: String,
    version: String,
    contacto: String,
) -> Result<Producto, ErrorApp> {
    use crate::servicios::{peticion, portal, sesion};
    let (nombre, version, contacto) = validar_producto(&nombre, &version, &contacto)
        .map_err(|m| ErrorApp::nuevo(422, "producto_invalido", m))?;
    let sesion = sesion()?;
    portal()?
        .registrar_producto(&peticion()?, &sesion, &nombre, &version, &contacto)
        .await
}

#[server(name = SolicitarCertificacion, prefix = "/api", endpoint = "certificacion/solicitar", client = ClientePortal)]
pub async fn solicitar_certificacion(producto: i64) -> Result<Producto, ErrorApp> {
    use crate::servicios::{peticion, portal, sesion};
    let sesion = sesion()?;
    portal()?
        .solicitar_certificacion(&peticion()?, &sesion, producto)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cada_campo_del_producto_tiene_su_mensaje() {
        assert!(validar_producto(" Nómina Plus ", "4.2", "ti@empresa.mx").is_ok());
        assert!(validar_producto("", "4.2", "x")
            .unwrap_err()
            .contains("nombre"));
        assert!(validar_producto("N", "", "x")
            .unwrap_err()
            .contains("versión"));
        assert!(validar_producto("N", "1", "")
            .unwrap_err()
            .contains("contacto"));
        assert!(validar_producto(&"N".repeat(81), "1", "x").is_err());
        assert!(validar_producto("N\u{0}", "1", "x").is_err());
    }
}
