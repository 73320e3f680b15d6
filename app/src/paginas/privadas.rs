//! The signed-in area: its frame (header, top menu, sign-out) and the menu's screens.
//!
//! The server refuses every `/portal/...` document to a browser without a valid session before
//! any of this renders, so these components can take the account for granted; a session that
//! ends while the page is open sends the person back to sign in.

use crate::{
    cliente::navegar_completo,
    componentes::{Encabezado, MenuSuperior, Pie},
    sesion::{cuenta_actual, CerrarSesion, Cuenta},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Outlet, components::A};

#[component]
pub fn AreaPrivada() -> impl IntoView {
    let cuenta = Resource::new_blocking(|| (), |_| cuenta_actual());
    provide_context(cuenta);
    let salir = ServerAction::<CerrarSesion>::new();
    Effect::new(move || {
        if salir.value().get().is_some() {
            navegar_completo("/ingresar?motivo=salida");
        }
    });
    Effect::new(move || {
        if let Some(Err(e)) = cuenta.get() {
            if e.estado == 401 {
                navegar_completo("/ingresar?motivo=sesion");
            }
        }
    });

    view! {
        <Encabezado>
            <Suspense>
                {move || Suspend::new(async move {
                    cuenta.await.ok().map(|c| view! {
                        <span class="cuenta-activa">
                            <span class="cuenta-razon">{c.razon_social}</span>
                            <span class="cuenta-nrp">"NRP "{c.nrp}</span>
                        </span>
                    })
                })}
            </Suspense>
            <button type="button" class="boton boton-secundario" id="cerrar-sesion"
                disabled=move || salir.pending().get()
                on:click=move |_| { salir.dispatch(CerrarSesion {}); }>
                "Cerrar sesión"
            </button>
        </Encabezado>
        <MenuSuperior />
        <main id="contenido" class="contenido">
            <Outlet />
        </main>
        <Pie />
    }
}

/// The account loaded by [`AreaPrivada`], for the screens inside it.
fn con_cuenta<V: IntoView + 'static>(
    vista: impl Fn(Cuenta) -> V + Send + Sync + Clone + 'static,
) -> impl IntoView {
    let cuenta = expect_context::<Resource<Result<Cuenta, crate::error::ErrorApp>>>();
    view! {
        <Suspense fallback=|| view! { <p>"Cargando…"</p> }>
            {move || {
                let vista = vista.clone();
                Suspend::new(async move { cuenta.await.ok().map(vista) })
            }}
        </Suspense>
    }
}

#[component]
pub fn Escritorio() -> impl IntoView {
    view! {
        <Title text="Escritorio" />
        <h1>"Escritorio"</h1>
        {con_cuenta(|c| view! {
            <p class="destacado">"Bienvenido(a), "{c.razon_social}"."</p>
        })}
        <p>"Desde "<strong>"Mis Trámites"</strong>" puedes ingresar a los "
            <A href="/portal/mis-tramites/servicios-de-intercomunicacion">"Servicios de Intercomunicación"</A>"."</p>
    }
}

#[component]
pub fn MiCuenta() -> impl IntoView {
    view! {
        <Title text="Mi Cuenta" />
        <h1>"Mi Cuenta"</h1>
        {con_cuenta(|c| view! {
            <dl class="datos">
                <dt>"Número de Registro Patronal (NRP)"</dt><dd>{c.nrp}</dd>
                <dt>"RFC"</dt><dd>{c.rfc}</dd>
                <dt>"Razón social"</dt><dd>{c.razon_social}</dd>
                <dt>"Correo electrónico"</dt><dd>{c.correo}</dd>
            </dl>
        })}
    }
}

#[component]
pub fn MisTramites() -> impl IntoView {
    view! {
        <Title text="Mis Trámites" />
        <h1>"Mis Trámites"</h1>
        <ul class="lista-tramites">
            <li>
                <A href="/portal/mis-tramites/servicios-de-intercomunicacion">"Servicios de Intercomunicación"</A>
                <p>"Contraseña para el intercambio de información entre tu sistema de nómina y el Instituto."</p>
            </li>
        </ul>
    }
}

#[component]
pub fn Valores() -> impl IntoView {
    view! {
        <Title text="Valores" />
        <h1>"Valores"</h1>
        <p>"Consulta aquí los valores vigentes que el Instituto publica para el cálculo de aportaciones y amortizaciones."</p>
    }
}

#[component]
pub fn CentroAtencion() -> impl IntoView {
    view! {
        <Title text="Centro de Atención Empresarial" />
        <h1>"Centro de Atención Empresarial"</h1>
        <p>"Si necesitas ayuda con un trámite, comunícate con el Centro de Atención Empresarial del Infonavit."</p>
    }
}

#[component]
pub fn Guias() -> impl IntoView {
    view! {
        <Title text="Guías y videotecas" />
        <h1>"Guías y videotecas"</h1>
        <ul>
            <li>
                <a href="/guias/generacion-de-contrasena">"Guía de usuario - Generación de contraseña"</a>
                " de los Servicios de Intercomunicación."
            </li>
        </ul>
    }
}
