//! Pieces every page shares: the institutional header, the top menu of the signed-in area, the
//! footer and the message box.

use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Encabezado(children: Children) -> impl IntoView {
    view! {
        <header class="encabezado">
            <div class="marca">
                <span class="marca-logo" aria-hidden="true">"Infonavit"</span>
                <span class="marca-nombre">"Portal Empresarial"</span>
            </div>
            <div class="encabezado-acciones">{children()}</div>
        </header>
    }
}

/// The menu of the signed-in area, with the guide's labels in the guide's order.
#[component]
pub fn MenuSuperior() -> impl IntoView {
    const OPCIONES: [(&str, &str); 6] = [
        ("/portal/escritorio", "Escritorio"),
        ("/portal/mi-cuenta", "Mi Cuenta"),
        ("/portal/mis-tramites", "Mis Trámites"),
        ("/portal/valores", "Valores"),
        (
            "/portal/centro-de-atencion",
            "Centro de Atención Empresarial",
        ),
        ("/portal/guias", "Guías y videotecas"),
    ];
    view! {
        <nav class="menu-superior" aria-label="Menú principal">
            <ul>
                {OPCIONES
                    .into_iter()
                    .map(|(ruta, etiqueta)| view! { <li><A href=ruta>{etiqueta}</A></li> })
                    .collect_view()}
            </ul>
        </nav>
    }
}

#[component]
pub fn Pie() -> impl IntoView {
    view! {
        <footer class="pie">
            <p>"Instituto del Fondo Nacional de la Vivienda para los Trabajadores"</p>
        </footer>
    }
}

/// A message for the person: `error` ones are announced by screen readers at once.
#[component]
pub fn Aviso(#[prop(into)] mensaje: String, #[prop(optional)] error: bool) -> impl IntoView {
    let (clase, rol) = if error {
        ("aviso aviso-error", "alert")
    } else {
        ("aviso", "status")
    };
    view! { <p class=clase role=rol>{mensaje}</p> }
}

/// The CSRF token as a hidden form field, for a form posted before the page hydrated.
#[component]
pub fn CampoCsrf() -> impl IntoView {
    #[cfg(feature = "ssr")]
    let token = crate::servicios::peticion()
        .map(|p| p.csrf)
        .unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let token = crate::cliente::token_csrf().unwrap_or_default();
    view! { <input type="hidden" name="csrf_token" value=token /> }
}

/// A file field as the guide draws it (image 6): the label, an **Examinar** button and the chosen
/// file's name, instead of the browser's own "Choose File" in the browser's language. The native
/// input stays (labelled, focusable, working before hydration), transparent over the button; the
/// name beside it is its description. `accept` hints the picker without hiding SAT's files: the
/// `.KEY` field takes none (macOS maps `.key` to Keynote and would grey SAT's files out), and the
/// page checks every file's content anyway.
#[component]
pub fn CampoArchivo(
    id: &'static str,
    etiqueta: &'static str,
    #[prop(optional)] accept: Option<&'static str>,
    entrada: NodeRef<leptos::html::Input>,
    /// Runs when the employer chooses (or clears) a file.
    #[prop(optional, into)]
    al_cambiar: Option<Callback<()>>,
) -> impl IntoView {
    let nombre = RwSignal::new(None::<String>);
    let descripcion = format!("{id}-nombre");
    view! {
        <label for=id>{etiqueta}</label>
        <div class="archivo">
            <input id=id type="file" class="archivo-entrada" accept=accept required
                aria-describedby=descripcion.clone() node_ref=entrada
                on:change=move |_| {
                    nombre.set(
                        entrada
                            .get_untracked()
                            .and_then(|e| e.files())
                            .and_then(|f| f.get(0))
                            .map(|f| f.name()),
                    );
                    if let Some(al_cambiar) = al_cambiar {
                        al_cambiar.run(());
                    }
                } />
            <span class="boton boton-secundario archivo-boton" aria-hidden="true">"Examinar"</span>
            <span class="archivo-nombre" id=descripcion>
                {move || nombre.get().unwrap_or_else(|| "Ningún archivo seleccionado".into())}
            </span>
        </div>
    }
}
