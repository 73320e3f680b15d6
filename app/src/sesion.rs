//! Sign-in, sign-out and the signed-in account: server functions the pages call.

use crate::{cliente::ClientePortal, error::ErrorApp};
use leptos::prelude::*;
pub use nucleo::sesion::*;

/// Signs in. `captcha_id`/`captcha`: the captcha the server asked for (its id and the answer
/// typed), when it asked; `codigo_desbloqueo`: the code the account's address received to lift
/// a lock, when the NRP is locked.
#[server(name = IniciarSesion, prefix = "/api", endpoint = "iniciar-sesion", client = ClientePortal)]
pub async fn iniciar_sesion(
    nrp: String,
    correo: String,
    contrasena: String,
    #[server(default)] captcha_id: String,
    #[server(default)] captcha: String,
    #[server(default)] codigo_desbloqueo: String,
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
                captcha_id,
                captcha,
                codigo_desbloqueo,
            },
        )
        .await?;
    agregar_cabeceras(http::header::SET_COOKIE, cookies);
    Ok(())
}

/// A captcha for signing in with `nrp` (`por_correo`: the accessible alternative, a code sent
/// to the NRP's registered address), asked for when the server answers `captcha_requerido`.
#[server(name = CaptchaIngreso, prefix = "/api", endpoint = "ingreso/captcha", client = ClientePortal)]
pub async fn captcha_ingreso(
    nrp: String,
    #[server(default)] por_correo: bool,
) -> Result<crate::gestion::Captcha, ErrorApp> {
    use crate::servicios::{peticion, portal};
    portal()?
        .captcha_ingreso(&peticion()?, &nrp, por_correo)
        .await
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
