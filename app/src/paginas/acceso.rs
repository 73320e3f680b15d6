//! "Iniciar sesión con tu cuenta" (guide §1, image 2): NRP, correo electrónico, contraseña and
//! **Entrar**.

use crate::{
    cliente::navegar_completo,
    componentes::{Aviso, CampoCsrf, Encabezado, Pie},
    sesion::{IniciarSesion, LARGO_MAXIMO_CAMPO},
    validacion::{validar_contrasena, validar_correo, validar_nrp},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn Ingresar() -> impl IntoView {
    let consulta = use_query_map();
    let motivo = move || match consulta.read().get("motivo").as_deref() {
        Some("sesion") => Some("Tu sesión terminó. Vuelve a ingresar para continuar."),
        Some("salida") => Some("Cerraste tu sesión."),
        _ => None,
    };

    let nrp = RwSignal::new(String::new());
    let correo = RwSignal::new(String::new());
    let contrasena = RwSignal::new(String::new());
    let mostrar = RwSignal::new(false);
    let error_local = RwSignal::new(None::<&'static str>);
    let entrar = ServerAction::<IniciarSesion>::new();

    Effect::new(move || {
        if let Some(Ok(())) = entrar.value().get() {
            navegar_completo("/portal/escritorio");
        }
    });

    let al_enviar = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let datos = (|| {
            let n = validar_nrp(&nrp.get_untracked())?;
            let c = validar_correo(&correo.get_untracked())?;
            validar_contrasena(&contrasena.get_untracked())?;
            Ok::<_, &'static str>((n, c))
        })();
        match datos {
            Err(mensaje) => error_local.set(Some(mensaje)),
            Ok((n, c)) => {
                error_local.set(None);
                entrar.dispatch(IniciarSesion {
                    nrp: n,
                    correo: c,
                    contrasena: contrasena.get_untracked(),
                });
            }
        }
    };

    let mensaje_error = move || {
        error_local
            .get()
            .map(str::to_owned)
            .or_else(|| match entrar.value().get() {
                Some(Err(e)) => Some(e.mensaje),
                _ => None,
            })
    };

    view! {
        <Title text="Iniciar sesión" />
        <Encabezado>
            <a class="boton boton-secundario" href="/">"Inicio"</a>
        </Encabezado>
        <main id="contenido" class="contenido angosto">
            <h1>"Iniciar sesión con tu cuenta"</h1>
            {move || motivo().map(|m| view! { <Aviso mensaje=m /> })}
            <form class="formulario" method="post" action="/api/iniciar-sesion" on:submit=al_enviar novalidate>
                <CampoCsrf />
                <label for="nrp">"Número de Registro Patronal (NRP)"</label>
                <input id="nrp" name="nrp" autocomplete="username" inputmode="text"
                    maxlength="11" autocapitalize="characters" required
                    bind:value=nrp />
                <label for="correo">"Correo electrónico"</label>
                <input id="correo" name="correo" type="email" autocomplete="email"
                    maxlength=LARGO_MAXIMO_CAMPO required bind:value=correo />
                <label for="contrasena">"Contraseña"</label>
                <div class="campo-con-accion">
                    <input id="contrasena" name="contrasena" autocomplete="current-password"
                        maxlength=LARGO_MAXIMO_CAMPO required
                        type=move || if mostrar.get() { "text" } else { "password" }
                        bind:value=contrasena />
                    <button type="button" class="boton-texto" id="mostrar-contrasena"
                        aria-pressed=move || mostrar.get().to_string()
                        on:click=move |_| mostrar.update(|m| *m = !*m)>
                        {move || if mostrar.get() { "Ocultar" } else { "Mostrar" }}
                    </button>
                </div>
                {move || mensaje_error().map(|m| view! { <Aviso mensaje=m error=true /> })}
                <button type="submit" class="boton" disabled=move || entrar.pending().get()>
                    {move || if entrar.pending().get() { "Verificando…" } else { "Entrar" }}
                </button>
            </form>
        </main>
        <Pie />
    }
}
