//! What the tab offers while a credential is active (guide §3 and §4): **Cancelar contraseña**,
//! behind a warning dialog with **Aceptar**, and **Recuperar contraseña**, behind a captcha with
//! **Continuar**. The dialog is the browser's modal `<dialog>`: the rest of the page is inert
//! while it is open, Escape closes it, and it is labelled by its title and text.

use crate::{
    componentes::Aviso,
    fechas,
    generacion::Rol,
    gestion::{
        cancelar_contrasena, nuevo_captcha, recuperar_contrasena, Cancelacion, Captcha,
        Recuperacion,
    },
};
use leptos::{html, prelude::*};

/// The button and its warning dialog.
#[component]
pub fn CancelarContrasena(folio: String, al_cancelar: Callback<Cancelacion>) -> impl IntoView {
    let dialogo = NodeRef::<html::Dialog>::new();
    let error = RwSignal::new(None::<String>);
    let ocupado = RwSignal::new(false);
    let abrir = move |_| {
        error.set(None);
        if let Some(d) = dialogo.get_untracked() {
            let _ = d.show_modal();
        }
    };
    let cerrar = move |_| {
        if let Some(d) = dialogo.get_untracked() {
            d.close();
        }
    };
    let aceptar = move |_| {
        if ocupado.get_untracked() {
            return;
        }
        ocupado.set(true);
        let folio = folio.clone();
        leptos::task::spawn_local(async move {
            match cancelar_contrasena(folio).await {
                Ok(cancelacion) => {
                    if let Some(d) = dialogo.get_untracked() {
                        d.close();
                    }
                    al_cancelar.run(cancelacion);
                }
                Err(e) => error.set(Some(e.mensaje)),
            }
            ocupado.set(false);
        });
    };
    view! {
        <button type="button" class="boton boton-secundario" id="cancelar-contrasena" on:click=abrir>
            "Cancelar contraseña"
        </button>
        <dialog node_ref=dialogo class="dialogo" id="dialogo-cancelar"
            aria-labelledby="titulo-cancelar" aria-describedby="texto-cancelar">
            <h3 id="titulo-cancelar">"Cancelar contraseña"</h3>
            <p id="texto-cancelar">
                "¿Estás seguro de cancelar tu contraseña? Al dar clic en Aceptar dejará de funcionar de inmediato: tu sistema de nómina ya no podrá intercambiar información con el Instituto y las sesiones abiertas con ella terminarán. Para volver a usar el servicio deberás generar una nueva contraseña con tu e.firma."
            </p>
            {move || error.get().map(|m| view! { <Aviso mensaje=m error=true /> })}
            <div class="acciones">
                <button type="button" class="boton" id="aceptar-cancelacion"
                    disabled=move || ocupado.get() on:click=aceptar>
                    {move || if ocupado.get() { "Cancelando…" } else { "Aceptar" }}
                </button>
                <button type="button" class="boton boton-secundario" autofocus on:click=cerrar>
                    "Regresar"
                </button>
            </div>
        </dialog>
    }
}

/// What the tab shows once the credential was cancelled.
#[component]
pub fn ContrasenaCancelada(cancelacion: Cancelacion, al_generar: Callback<()>) -> impl IntoView {
    view! {
        <h3>"Contraseña cancelada"</h3>
        <Aviso mensaje=format!(
            "La contraseña con folio {} fue cancelada el {} (hora del centro de México). Desde ese momento tu sistema de nómina ya no puede usarla. Te enviamos un aviso al correo electrónico registrado.",
            cancelacion.folio,
            fechas::cdmx(cancelacion.cancelada),
        ) />
        <p>
            <button type="button" class="boton" id="generar-otra" on:click=move |_| al_generar.run(())>
                "Generar una nueva contraseña"
            </button>
        </p>
    }
}

/// The refusals after which a captcha is spent and a new image is needed.
pub const ERRORES_DE_CAPTCHA: [&str; 4] = [
    "captcha_incorrecto",
    "captcha_vencido",
    "captcha_usado",
    "captcha_desconocido",
];

/// Image 13: "Escribe el captcha que se muestra en la pantalla" and Continuar.
#[component]
pub fn RecuperarContrasena(
    al_recuperar: Callback<Recuperacion>,
    al_regresar: Callback<()>,
) -> impl IntoView {
    let captcha = RwSignal::new(None::<Captcha>);
    let error = RwSignal::new(None::<String>);
    let ocupado = RwSignal::new(false);
    let respuesta = NodeRef::<html::Input>::new();
    let interactivo = RwSignal::new(false);
    let rol = use_context::<Rol>().unwrap_or_default();

    let pedir = move |por_correo: bool| {
        leptos::task::spawn_local(async move {
            match nuevo_captcha(por_correo, rol).await {
                Ok(c) => captcha.set(Some(c)),
                Err(e) => error.set(Some(e.mensaje)),
            }
        });
    };
    Effect::new(move || {
        interactivo.set(true);
        pedir(false);
    });

    let al_continuar = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if ocupado.get_untracked() || !interactivo.get_untracked() {
            return;
        }
        let Some(c) = captcha.get_untracked() else {
            return;
        };
        let texto = respuesta
            .get_untracked()
            .map(|e| e.value())
            .unwrap_or_default();
        ocupado.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match recuperar_contrasena(c.id, texto, rol).await {
                Ok(r) => al_recuperar.run(r),
                Err(e) => {
                    // Every captcha serves once: after a wrong answer comes a new image.
                    if ERRORES_DE_CAPTCHA.contains(&e.codigo.as_str()) {
                        if let Some(campo) = respuesta.get_untracked() {
                            campo.set_value("");
                        }
                        pedir(false);
                    }
                    error.set(Some(e.mensaje));
                    ocupado.set(false);
                }
            }
        });
    };

    view! {
        <section class="recuperacion" aria-labelledby="titulo-recuperar">
            <h3 id="titulo-recuperar">"Recuperar contraseña"</h3>
            <p>"Por tu seguridad las contraseñas no se guardan: se generará una nueva, la enviaremos al correo electrónico registrado y la actual dejará de funcionar."</p>
            <form class="formulario" id="formulario-captcha" on:submit=al_continuar novalidate>
                <div class="captcha" aria-live="polite">
                    {move || match captcha.get() {
                        Some(Captcha { imagen: Some(src), .. }) => view! {
                            <img id="imagen-captcha" src=src width="200" height="70"
                                alt="Captcha de seguridad: seis letras y números distorsionados. Si no puedes leerlos, pide el código por correo." />
                        }.into_any(),
                        Some(Captcha { aviso: Some(aviso), .. }) => view! { <Aviso mensaje=aviso /> }.into_any(),
                        _ => view! { <p class="cargando">"Cargando captcha…"</p> }.into_any(),
                    }}
                </div>
                <div class="acciones">
                    <button type="button" class="boton-texto" id="otra-imagen"
                        on:click=move |_| { error.set(None); pedir(false) }>
                        "Otra imagen"
                    </button>
                    <button type="button" class="boton-texto" id="codigo-por-correo"
                        on:click=move |_| { error.set(None); pedir(true) }>
                        "¿No puedes ver la imagen? Recibe un código en tu correo"
                    </button>
                </div>
                <label for="respuesta-captcha">"Escribe el captcha que se muestra en la pantalla"</label>
                <input id="respuesta-captcha" node_ref=respuesta autocomplete="off" spellcheck="false"
                    autocapitalize="characters" maxlength="16" required />
                {move || error.get().map(|m| view! { <Aviso mensaje=m error=true /> })}
                <div class="acciones">
                    <button type="submit" class="boton" id="continuar-recuperacion"
                        disabled=move || ocupado.get() || !interactivo.get() || captcha.get().is_none()>
                        {move || if ocupado.get() { "Enviando…" } else { "Continuar" }}
                    </button>
                    <button type="button" class="boton boton-secundario" on:click=move |_| al_regresar.run(())>
                        "Regresar"
                    </button>
                </div>
            </form>
        </section>
    }
}

/// After recovery: the password is on its way, never on screen.
#[component]
pub fn ContrasenaRecuperada(recuperacion: Recuperacion) -> impl IntoView {
    view! {
        <h3>"Recuperar contraseña"</h3>
        <Aviso mensaje="Recibirás un correo electrónico con la contraseña. La contraseña anterior ya no funciona." />
        <dl class="datos">
            <dt>"Folio"</dt>
            <dd id="folio-recuperado">{recuperacion.folio}</dd>
        </dl>
    }
}
