//! The products section of Certificación (Desarrolladores): register a payroll product, ask for
//! its certification, and follow its state and history.

use crate::{
    certificacion::{
        listar_productos, nombre_estado, registrar_producto, solicitar_certificacion,
        validar_producto, Producto, CONTACTO_MAXIMO, NOMBRE_MAXIMO, VERSION_MAXIMA,
    },
    componentes::Aviso,
    fechas,
};
use leptos::{html, prelude::*};

#[component]
pub fn Productos() -> impl IntoView {
    let productos = Resource::new(|| (), |_| listar_productos());
    let error = RwSignal::new(None::<String>);
    let aviso = RwSignal::new(None::<String>);
    let ocupado = RwSignal::new(false);
    let (nombre, version, contacto) = (
        NodeRef::<html::Input>::new(),
        NodeRef::<html::Input>::new(),
        NodeRef::<html::Input>::new(),
    );
    let valor = |n: NodeRef<html::Input>| n.get_untracked().map(|e| e.value()).unwrap_or_default();

    let al_registrar = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if ocupado.get_untracked() {
            return;
        }
        let datos = validar_producto(&valor(nombre), &valor(version), &valor(contacto));
        let (n, v, c) = match datos {
            Ok(d) => d,
            Err(m) => {
                error.set(Some(m.into()));
                return;
            }
        };
        ocupado.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match registrar_producto(n, v, c).await {
                Ok(p) => {
                    aviso.set(Some(format!("Registraste {} {}.", p.nombre, p.version)));
                    for campo in [nombre, version, contacto] {
                        if let Some(e) = campo.get_untracked() {
                            e.set_value("");
                        }
                    }
                    productos.refetch();
                }
                Err(e) => error.set(Some(e.mensaje)),
            }
            ocupado.set(false);
        });
    };
    let solicitar = move |id: i64| {
        error.set(None);
        leptos::task::spawn_local(async move {
            match solicitar_certificacion(id).await {
                Ok(p) => {
                    aviso.set(Some(format!(
                        "Solicitaste la certificación de {} {}. El Instituto te responderá en esta página.",
                        p.nombre, p.version
                    )));
                    productos.refetch();
                }
                Err(e) => error.set(Some(e.mensaje)),
            }
        });
    };

    view! {
        <section class="productos" aria-labelledby="titulo-productos">
            <h3 id="titulo-productos">"Productos y certificación"</h3>
            <Transition fallback=|| view! { <p class="cargando">"Cargando…"</p> }>
                {move || productos.get().map(|r| match r {
                    Err(e) => view! { <Aviso mensaje=e.mensaje error=true /> }.into_any(),
                    Ok(lista) if lista.is_empty() => view! {
                        <p>"Aún no registras productos."</p>
                    }.into_any(),
                    Ok(lista) => view! {
                        <table class="tabla" id="tabla-productos">
                            <thead><tr>
                                <th scope="col">"Producto"</th><th scope="col">"Versión"</th>
                                <th scope="col">"Estado"</th><th scope="col">"Historial"</th>
                                <th scope="col"><span class="solo-lectores">"Acciones"</span></th>
                            </tr></thead>
                            <tbody>
                                {lista.into_iter().map(|p| fila(p, solicitar)).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                })}
            </Transition>
            <form class="formulario" id="formulario-producto" on:submit=al_registrar novalidate>
                <h4>"Registrar un producto"</h4>
                <label for="producto-nombre">"Nombre del producto"</label>
                <input id="producto-nombre" node_ref=nombre maxlength=NOMBRE_MAXIMO required />
                <label for="producto-version">"Versión"</label>
                <input id="producto-version" node_ref=version maxlength=VERSION_MAXIMA required />
                <label for="producto-contacto">"Contacto (correo electrónico o teléfono)"</label>
                <input id="producto-contacto" node_ref=contacto maxlength=CONTACTO_MAXIMO required />
                {move || error.get().map(|m| view! { <Aviso mensaje=m error=true /> })}
                {move || aviso.get().map(|m| view! { <Aviso mensaje=m /> })}
                <button type="submit" class="boton" disabled=move || ocupado.get()>"Registrar producto"</button>
            </form>
        </section>
    }
}

fn fila(p: Producto, solicitar: impl Fn(i64) + Copy + 'static) -> impl IntoView {
    let puede_solicitar = matches!(p.estado.as_str(), "registrado" | "rechazado");
    let id = p.id;
    let historial = p
        .historial
        .iter()
        .map(|e| {
            let motivo = e
                .motivo
                .clone()
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            view! { <li>{fechas::cdmx(e.momento)} " — " {nombre_estado(&e.estado)} {motivo}</li> }
        })
        .collect_view();
    view! {
        <tr>
            <td>{p.nombre.clone()}</td>
            <td>{p.version.clone()}</td>
            <td class=format!("estado estado-{}", p.estado)>{nombre_estado(&p.estado)}</td>
            <td><ul class="historial">{historial}</ul></td>
            <td>
                {puede_solicitar.then(|| view! {
                    <button type="button" class="boton boton-secundario"
                        on:click=move |_| solicitar(id)>
                        "Solicitar certificación"
                    </button>
                })}
            </td>
        </tr>
    }
}
