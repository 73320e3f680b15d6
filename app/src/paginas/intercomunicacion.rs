//! "Servicio de Intercomunicación" (guide §1, image 4): the location line and the three tabs.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, A};

pub use super::relaciones::RelacionesConfianza;
use super::{certificacion::Productos, generacion::GeneracionContrasena};
use crate::generacion::Rol;

const BASE: &str = "/portal/mis-tramites/servicios-de-intercomunicacion";

#[component]
pub fn Intercomunicacion() -> impl IntoView {
    let pestanas = [
        (BASE.to_owned(), "Generación de contraseña"),
        (
            format!("{BASE}/certificacion"),
            "Certificación (Desarrolladores)",
        ),
        (
            format!("{BASE}/relaciones-de-confianza"),
            "Relaciones de confianza",
        ),
    ];
    view! {
        <Title text="Servicios de Intercomunicación" />
        <p class="ubicacion">"Ubicación: Mis Trámites > Servicios de Intercomunicación >"</p>
        <h1>"Servicio de Intercomunicación"</h1>
        <nav class="pestanas" aria-label="Opciones del servicio">
            {pestanas
                .into_iter()
                .map(|(ruta, etiqueta)| view! { <A href=ruta exact=true>{etiqueta}</A> })
                .collect_view()}
        </nav>
        <section class="pestana-contenido">
            <Outlet />
        </section>
    }
}

#[component]
pub fn Certificacion() -> impl IntoView {
    view! {
        <h2>"Certificación (Desarrolladores)"</h2>
        <p>"Si eres desarrollador de software de nómina, aquí obtienes tu contraseña de desarrollador y solicitas la certificación de tus productos."</p>
        <GeneracionContrasena rol=Rol::Desarrollador />
        <Productos />
    }
}
