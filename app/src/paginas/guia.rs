//! "Guía de usuario - Generación de contraseña": the official user guide, in the portal, so the
//! employer can read it next to the trámite. Public: no session needed.

use crate::componentes::{Encabezado, Pie};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn GuiaGeneracion() -> impl IntoView {
    view! {
        <Title text="Guía de usuario - Generación de contraseña" />
        <Encabezado>
            <a class="boton boton-secundario" href="/">"Inicio"</a>
        </Encabezado>
        <main id="contenido" class="contenido guia">
            <h1>"Guía de usuario para la generación de contraseña de los Servicios de Intercomunicación"</h1>
            <p>"Servicio disponible en el Portal Empresarial."</p>
            <nav aria-label="Contenido de la guía">
                <ol>
                    <li><a href="#acceso">"Acceso al servicio"</a></li>
                    <li><a href="#generacion">"Generación de la contraseña"</a></li>
                    <li><a href="#cancelacion">"Cancelación de la contraseña"</a></li>
                    <li><a href="#recuperacion">"Recuperación de la contraseña"</a></li>
                </ol>
            </nav>

            <h2 id="acceso">"1. Acceso al servicio"</h2>
            <p>"Para acceder al Servicios de Intercomunicación, sigue estos pasos:"</p>
            <ol>
                <li>"Ingresa al Portal Empresarial del Infonavit."</li>
                <li>"En la página de inicio del Portal Empresarial, da clic en la opción "<strong>"Ingresar"</strong>" para iniciar sesión con tu cuenta."</li>
                <li>"El sistema solicitará la siguiente información para ingresar a tu cuenta: Número de Registro Patronal (NRP); correo electrónico con el que se registró el NRP; contraseña (clave que se generó al momento del registro). Al proporcionar la información solicitada, da clic en "<strong>"Entrar"</strong>"."</li>
                <li>"Localiza el apartado "<strong>"Mis Trámites"</strong>", da clic en la opción "<strong>"Servicios de Intercomunicación"</strong>". Se mostrará la pantalla principal de acceso al Servicio de Intercomunicación."</li>
            </ol>

            <h2 id="generacion">"2. Generación de la contraseña"</h2>
            <ol>
                <li>"Ingresa a la pestaña "<strong>"Generación de contraseña"</strong>", realiza la lectura de los Términos y Condiciones del Servicio, si estás de acuerdo, habilita la casilla "<strong>"Acepto términos y condiciones"</strong>", y da clic en "<strong>"Continuar"</strong>"."</li>
                <li>"El servicio te mostrará una pantalla solicitando los datos de tu e.firma. Ingresa los archivos “.cer”, “.key” y la contraseña de la firma electrónica de la empresa y da clic en el botón "<strong>"Validar"</strong>"."</li>
                <li>"Si los datos de tu e.firma son correctos, el servicio te mostrará los Términos y Condiciones. Da clic en "<strong>"Continuar"</strong>" para concluir este proceso."</li>
                <li>"Se mostrará una pantalla para descargar los Términos y Condiciones firmados, da clic en el archivo “.pdf” para descargar la respuesta."</li>
                <li>"Recibirás un correo con la contraseña generada."</li>
            </ol>
            <p class="aviso">"Tu e.firma se usa sólo en tu equipo: los archivos .key y su contraseña nunca se envían al Instituto."</p>

            <h2 id="cancelacion">"3. Cancelación de la contraseña"</h2>
            <p>"Para cancelar tu contraseña, ingresa al Servicio siguiendo los "<a href="#acceso">"pasos del punto 1"</a>". Ingresa a la pestaña "<strong>"Generación de contraseña"</strong>", da clic en la opción "<strong>"Cancelar contraseña"</strong>". Se mostrará un mensaje de advertencia, si estás seguro de cancelar tu contraseña da clic en "<strong>"Aceptar"</strong>". La contraseña será cancelada."</p>

            <h2 id="recuperacion">"4. Recuperación de la contraseña"</h2>
            <p>"Para recuperar tu contraseña, ingresa al Servicio siguiendo los "<a href="#acceso">"pasos del punto 1"</a>". En la pestaña "<strong>"Generación de contraseña"</strong>", da clic en la opción "<strong>"Recuperar contraseña"</strong>". Escribe el captcha que se muestra en la pantalla y da clic en "<strong>"Continuar"</strong>". Recibirás un correo electrónico con la contraseña."</p>
        </main>
        <Pie />
    }
}
