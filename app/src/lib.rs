//! Portal Empresarial: the routes, pages and components shared by the server render (SSR) and
//! the browser (hydration or client-only build), plus the thin server functions they call.
//!
//! The real work behind each server function lives in the `server` crate, reached through the
//! [`servicios::Portal`] trait object the server provides into the Leptos context.

pub mod acuses;
pub mod certificacion;
pub mod cliente;
pub use nucleo::{error, fechas, terminos, validacion};
pub mod componentes;
pub mod generacion;
pub mod gestion;
pub mod navegador;
pub mod paginas;
pub mod relaciones;
#[cfg(feature = "ssr")]
pub mod servicios;
pub mod sesion;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::{
    components::{ParentRoute, Redirect, Route, Router, Routes},
    path, SsrMode,
};

use paginas::{
    acceso::Ingresar,
    generacion::GeneracionContrasena,
    guia::GuiaGeneracion,
    inicio::Inicio,
    intercomunicacion::{Certificacion, Intercomunicacion, RelacionesConfianza},
    privadas::{AreaPrivada, CentroAtencion, Escritorio, Guias, MiCuenta, MisTramites, Valores},
    verificacion::VerificacionAcuse,
    NoEncontrada,
};

/// The HTML document around the app, rendered only on the server.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos::nonce::use_nonce;
    let seguridad = servicios::cabeceras_documento(use_nonce());
    view! {
        <!DOCTYPE html>
        <html lang="es-MX">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="csrf-token" content=seguridad.csrf />
                <leptos_meta::HashedStylesheet options=options.clone() />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <leptos_meta::MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser: this marks the moment the page became interactive
    // (what the end-to-end tests wait for before typing).
    Effect::new(|| {
        if let Some(cuerpo) = document().body() {
            let _ = cuerpo.set_attribute("data-hidratado", "");
        }
    });
    view! {
        <Title formatter=|t: String| format!("{t} | Portal Empresarial Infonavit") />
        <Router>
            <a class="saltar" href="#contenido">"Ir al contenido"</a>
            <Routes fallback=NoEncontrada>
                <Route path=path!("/") view=Inicio />
                <Route path=path!("/ingresar") view=Ingresar />
                <Route path=path!("/guias/generacion-de-contrasena") view=GuiaGeneracion />
                <Route path=path!("/acuses/verificar") view=VerificacionAcuse ssr=SsrMode::Async />
                <ParentRoute path=path!("/portal") view=AreaPrivada>
                    <Route path=path!("") view=|| view! { <Redirect path="/portal/escritorio" /> } />
                    <Route path=path!("escritorio") view=Escritorio />
                    <Route path=path!("mi-cuenta") view=MiCuenta />
                    <Route path=path!("mis-tramites") view=MisTramites />
                    <ParentRoute
                        path=path!("mis-tramites/servicios-de-intercomunicacion")
                        view=Intercomunicacion
                    >
                        <Route path=path!("") view=|| view! { <GeneracionContrasena /> } />
                        <Route path=path!("certificacion") view=Certificacion />
                        <Route path=path!("relaciones-de-confianza") view=RelacionesConfianza />
                    </ParentRoute>
                    <Route path=path!("valores") view=Valores />
                    <Route path=path!("centro-de-atencion") view=CentroAtencion />
                    <Route path=path!("guias") view=Guias />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
