//! Sign-in, sign-out and the signed-in account: server functions the pages call.

use crate::{cliente::ClientePortal, error::ErrorApp};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The signed-in account as pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cuenta {
    pub nrp: String,
    pub rfc: String,
    pub razon_social: String,
    pub correo: String,
}

/// Longest value accepted in any sign-in field; anything longer is refused before any work.
pub const LARGO_MAXIMO_CAMPO: usize = 254;

#[server(name = IniciarSesion, prefix = "/api", endpoint = "iniciar-sesion", client = ClientePortal)]
pub async fn iniciar_sesion(
    nrp: String,
    correo: String,
    contrasena: String,
) -> Result<(), ErrorApp> {
    use crate::servicios::{agregar_cabeceras, peticion, portal, DatosIngreso};
    let peticion = peticion()?;
    let cookies = portal()?
        .iniciar_sesion(
            &peticion,
            DatosIngreso {
                nrp,
                correo,
                contrasena,
            },
        )
        .await?;
    agregar_cabeceras(http::header::SET_COOKIE, cookies);
    Ok(())
}

#[server(name = CerrarSesion, prefix = "/api", endpoint = "cerrar-sesion", client = ClientePortal)]
pub async fn cerrar_sesion() -> Result<(), ErrorApp> {
    use crate::servicios::{agregar_cabeceras, peticion, portal};
    let peticion = peticion()?;
    let cookies = portal()?.cerrar_sesion(&peticion).await?;
    agregar_cabeceras(http::header::SET_COOKIE, cookies);
    Ok(())
}

#[server(name = CuentaActual, prefix = "/api", endpoint = "cuenta-actual", client = ClientePortal)]
pub async fn cuenta_actual() -> Result<Cuenta, ErrorApp> {
    use crate::servicios::{portal, sesion};
    let sesion = sesion()?;
    portal()?.cuenta(&sesion).await
}
