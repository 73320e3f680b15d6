//! One module per screen of the guide.

pub mod acceso;
pub mod certificacion;
pub mod generacion;
pub mod gestion;
pub mod guia;
pub mod inicio;
pub mod intercomunicacion;
pub mod privadas;
pub mod relaciones;
pub mod verificacion;

use crate::componentes::{Encabezado, Pie};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NoEncontrada() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(respuesta) = use_context::<leptos_axum::ResponseOptions>() {
        respuesta.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Página no encontrada" />
        <Encabezado>
            <a class="boton boton-secundario" href="/">"Inicio"</a>
        </Encabezado>
        <main id="contenido" class="contenido">
            <h1>"Página no encontrada"</h1>
            <p>"La dirección que buscas no existe. Regresa a la página de inicio del Portal Empresarial."</p>
        </main>
        <Pie />
    }
}
