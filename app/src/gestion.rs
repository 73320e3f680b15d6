//! Cancelación (guide §3) and Recuperación (guide §4) of the password: the server functions of
//! the two options the tab offers while a credential is active. Neither ever returns the
//! password: recovery sends the new one to the registered email.

use crate::{cliente::ClientePortal, error::ErrorApp, generacion::Rol};
use leptos::prelude::*;
pub use nucleo::gestion::*;

/// Cancels the active credential shown in the tab (its folio, so a stale tab cannot cancel a
/// newer credential). Cancelling one already cancelled answers as the first time did.
#[server(name = CancelarContrasena, prefix = "/api", endpoint = "generacion/cancelar", client = ClientePortal)]
pub async fn cancelar_contrasena(folio: String) -> Result<Cancelacion, ErrorApp> {
    use crate::servicios::{peticion, portal, sesion};
    let folio = nucleo::identificadores::Folio::parse(&folio).map_err(|_| {
        ErrorApp::solicitud_invalida(
            "El folio no es válido. Vuelve a abrir la pestaña Generación de contraseña.",
        )
    })?;
    let sesion = sesion()?;
    portal()?.cancelar(&peticion()?, &sesion, &folio).await
}

/// A new captcha for this session (`por_correo`: the accessible alternative, a code by email).
#[server(name = NuevoCaptcha, prefix = "/api", endpoint = "recuperacion/captcha", client = ClientePortal)]
pub async fn nuevo_captcha(
    #[server(default)] por_correo: bool,
    #[server(default)] rol: Rol,
) -> Result<Captcha, ErrorApp> {
    use crate::servicios::{peticion, portal, sesion};
    let sesion = sesion()?;
    portal()?
        .captcha(&peticion()?, &sesion, por_correo, rol)
        .await
}

/// Recovers the password with the captcha's answer: a new password goes to the email.
#[server(name = RecuperarContrasena, prefix = "/api", endpoint = "recuperacion/recuperar", client = ClientePortal)]
pub async fn recuperar_contrasena(
    id: String,
    respuesta: String,
    #[server(default)] rol: Rol,
) -> Result<Recuperacion, ErrorApp> {
    use crate::servicios::{peticion, portal, sesion};
    if id.len() > CAMPO_MAXIMO || respuesta.len() > CAMPO_MAXIMO {
        return Err(ErrorApp::solicitud_invalida(
            "El captcha escrito es demasiado largo. Escribe los caracteres de la imagen.",
        ));
    }
    if respuesta.trim().is_empty() {
        return Err(ErrorApp::nuevo(
            422,
            "captcha_vacio",
            "Escribe el captcha que se muestra en la pantalla.",
        ));
    }
    let sesion = sesion()?;
    portal()?
        .recuperar(&peticion()?, &sesion, &id, &respuesta, rol)
        .await
}
