//! Certificación (Desarrolladores): a product, its states and its fields.

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
