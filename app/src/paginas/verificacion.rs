//! "Verificación de acuses": anyone holding an acuse (or its QR code) checks here, by folio,
//! that the Instituto issued it and that both sellos are intact. Public and rendered entirely on
//! the server, so it works without JavaScript (the form is a plain GET).

use crate::{
    acuses::{verificar_acuse, AcuseVerificado},
    componentes::{Aviso, Encabezado, Pie},
    error::ErrorApp,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn estado_sello(nombre: &str, valido: bool) -> String {
    format!("{nombre}: {}", if valido { "válido" } else { "no válido" })
}

fn resultado(r: Result<Option<AcuseVerificado>, ErrorApp>) -> AnyView {
    match r {
        Err(e) => view! { <Aviso mensaje=e.mensaje error=true /> }.into_any(),
        Ok(None) => {
            view! { <Aviso mensaje="No existe un acuse con ese folio." error=true /> }.into_any()
        }
        Ok(Some(a)) => {
            let (titulo, clase) = if a.valido() {
                ("Acuse válido", "veredicto veredicto-valido")
            } else {
                ("Acuse no válido", "veredicto veredicto-invalido")
            };
            let explicacion = (!a.valido()).then_some(
                "Los sellos digitales no corresponden a los datos del acuse registrados por el Instituto. No lo consideres auténtico.",
            );
            view! {
                <section class="resultado-verificacion" aria-live="polite">
                    <h2 class=clase>{titulo}</h2>
                    {explicacion.map(|m| view! { <Aviso mensaje=m error=true /> })}
                    <dl class="datos">
                        <dt>"Folio"</dt>
                        <dd>{a.folio}</dd>
                        <dt>"Fecha y hora (UTC)"</dt>
                        <dd>{a.fecha_utc}</dd>
                        <dt>"Fecha y hora (Ciudad de México)"</dt>
                        <dd>{a.fecha_cdmx}</dd>
                        <dt>"Rol"</dt>
                        <dd>{a.rol}</dd>
                        <dt>"RFC"</dt>
                        <dd>{a.rfc}</dd>
                        <dt>"Razón social"</dt>
                        <dd>{a.razon_social}</dd>
                    </dl>
                    <ul class="sellos">
                        <li class:sello-invalido=!a.sello_solicitante>
                            {estado_sello("Sello del solicitante", a.sello_solicitante)}
                        </li>
                        <li class:sello-invalido=!a.sello_instituto>
                            {estado_sello("Sello del Instituto", a.sello_instituto)}
                        </li>
                    </ul>
                </section>
            }
            .into_any()
        }
    }
}

#[component]
pub fn VerificacionAcuse() -> impl IntoView {
    let consulta = use_query_map();
    let folio = move || consulta.read().get("folio");
    let verificacion = Resource::new_blocking(folio, |folio| async move {
        match folio {
            None => None,
            Some(f) => Some(verificar_acuse(f).await),
        }
    });
    view! {
        <Title text="Verificación de acuses" />
        <Encabezado>
            <a class="boton boton-secundario" href="/">"Inicio"</a>
        </Encabezado>
        <main id="contenido" class="contenido angosto">
            <h1>"Verificación de acuses"</h1>
            <p>"Escribe el folio del acuse de generación de contraseña de los Servicios de Intercomunicación para comprobar sus sellos digitales."</p>
            <form class="formulario" method="get" action="/acuses/verificar" novalidate>
                <label for="folio">"Folio"</label>
                <input id="folio" name="folio" inputmode="numeric" autocomplete="off"
                    maxlength="10" required value=folio />
                <button type="submit" class="boton">"Verificar"</button>
            </form>
            <Suspense fallback=|| view! { <p>"Verificando…"</p> }>
                {move || Suspend::new(async move { verificacion.await.map(resultado) })}
            </Suspense>
            <p class="nota">
                "El sello del Instituto se comprueba con su "
                <a href="/acuses/certificado-instituto.pem" rel="external">"certificado público"</a>
                "."
            </p>
        </main>
        <Pie />
    }
}
