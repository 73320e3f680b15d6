//! "Iniciar sesión con tu cuenta" (guide §1, image 2): NRP, correo electrónico, contraseña and
//! **Entrar**. When the server asks (an NRP with several failed sign-ins from anywhere), the form
//! adds a captcha, with its accessible alternative by email; for an NRP locked outright, the
//! field for the code its account's address received.

use crate::{
    cliente::navegar_completo,
    componentes::{Aviso, CampoCsrf, Encabezado, Pie},
    gestion::Captcha,
    paginas::gestion::ERRORES_DE_CAPTCHA,
    sesion::{captcha_ingreso, IniciarSesion, LARGO_MAXIMO_CAMPO},
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
    let captcha = RwSignal::new(None::<Captcha>);
    let respuesta_captcha = RwSignal::new(String::new());
    let pide_codigo = RwSignal::new(false);
    let codigo = RwSignal::new(String::new());

    let pedir_captcha = move |por_correo: bool| {
        let nrp = nrp.get_untracked();
        leptos::task::spawn_local(async move {
            match captcha_ingreso(nrp, por_correo).await {
                Ok(c) => captcha.set(Some(c)),
                // No captcha to show (too many asked for, say): the reason, where it would be.
                Err(e) => captcha.set(Some(Captcha {
                    id: String::new(),
                    imagen: None,
                    aviso: Some(e.mensaje),
                })),
            }
        });
    };

    Effect::new(move || match entrar.value().get() {
        Some(Ok(())) => navegar_completo("/portal/escritorio"),
        Some(Err(e))
            if e.codigo == "captcha_requerido"
                || ERRORES_DE_CAPTCHA.contains(&e.codigo.as_str()) =>
        {
            // Every captcha serves once: after any refusal comes a new image.
            respuesta_captcha.set(String::new());
            pedir_captcha(false);
        }
        Some(Err(e))
            if e.codigo == "nrp_bloqueado" || e.codigo == "codigo_desbloqueo_incorrecto" =>
        {
            pide_codigo.set(true);
        }
        _ => {}
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
                let (captcha_id, captcha) = match captcha.get_untracked() {
                    Some(c) if !c.id.is_empty() => (c.id, respuesta_captcha.get_untracked()),
                    _ => (String::new(), String::new()),
                };
                entrar.dispatch(IniciarSesion {
                    nrp: n,
                    correo: c,
                    contrasena: contrasena.get_untracked(),
                    captcha_id,
                    captcha,
                    codigo_desbloqueo: codigo.get_untracked(),
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
                {move || captcha.get().map(|c| view! {
                    <div class="captcha" aria-live="polite">
                        {match (c.imagen, c.aviso) {
                            (Some(src), _) => view! {
                                <img id="imagen-captcha" src=src width="200" height="70"
                                    alt="Captcha de seguridad: seis letras y números distorsionados. Si no puedes leerlos, pide el código por correo." />
                            }.into_any(),
                            (None, Some(aviso)) => view! { <Aviso mensaje=aviso /> }.into_any(),
                            (None, None) => view! { <p class="cargando">"Cargando captcha…"</p> }.into_any(),
                        }}
                    </div>
                    <div class="acciones">
                        <button type="button" class="boton-texto" id="otra-imagen"
                            on:click=move |_| pedir_captcha(false)>
                            "Otra imagen"
                        </button>
                        <button type="button" class="boton-texto" id="codigo-por-correo"
                            on:click=move |_| pedir_captcha(true)>
                            "¿No puedes ver la imagen? Recibe un código en tu correo"
                        </button>
                    </div>
                    <input type="hidden" name="captcha_id" value=c.id />
                    <label for="respuesta-captcha">"Escribe el captcha que se muestra en la pantalla"</label>
                    <input id="respuesta-captcha" name="captcha" autocomplete="off" spellcheck="false"
                        autocapitalize="characters" maxlength="16" required bind:value=respuesta_captcha />
                })}
                <Show when=move || pide_codigo.get()>
                    <label for="codigo-desbloqueo">"Código de desbloqueo"</label>
                    <input id="codigo-desbloqueo" name="codigo_desbloqueo" autocomplete="one-time-code"
                        spellcheck="false" autocapitalize="characters" maxlength="16"
                        aria-describedby="ayuda-codigo" bind:value=codigo />
                    <p id="ayuda-codigo" class="ayuda">"Lo enviamos al correo electrónico registrado del NRP."</p>
                </Show>
                {move || mensaje_error().map(|m| view! { <Aviso mensaje=m error=true /> })}
                <button type="submit" class="boton" disabled=move || entrar.pending().get()>
                    {move || if entrar.pending().get() { "Verificando…" } else { "Entrar" }}
                </button>
            </form>
        </main>
        <Pie />
    }
}
