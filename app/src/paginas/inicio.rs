//! Home page of the Portal Empresarial (guide §1, image 1): the way in is **Ingresar**.

use crate::componentes::{Encabezado, Pie};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Inicio() -> impl IntoView {
    view! {
        <Title text="Inicio" />
        <Encabezado>
            <a class="boton" href="/ingresar">"Ingresar"</a>
        </Encabezado>
        <main id="contenido" class="contenido inicio">
            <h1>"Portal Empresarial del Infonavit"</h1>
            <p class="destacado">
                "Realiza tus trámites como patrón en línea: consulta tus avisos, administra tu cuenta y "
                "genera la contraseña de los Servicios de Intercomunicación para tu sistema de nómina."
            </p>
            <p>
                "Para iniciar sesión con tu cuenta da clic en "<strong>"Ingresar"</strong>
                ". Necesitas tu Número de Registro Patronal (NRP), el correo electrónico con el que lo registraste y tu contraseña."
            </p>
            <p><a class="boton boton-grande" href="/ingresar">"Ingresar"</a></p>
        </main>
        <Pie />
    }
}
