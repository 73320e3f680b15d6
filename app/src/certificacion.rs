//! Certificación (Desarrolladores): a software house registers each payroll product it offers
//! and asks the Instituto to certify it (registrado → solicitado → aprobado | rechazado;
//! aprobado → revocado). The Instituto decides through the operator's command line.

use crate::{cliente::ClientePortal, error::ErrorApp};
use leptos::prelude::*;
pub use nucleo::certificacion::*;

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
