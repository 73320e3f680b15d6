//! The tab "Relaciones de confianza": the developers this employer trusts (add one with the
//! employer's e.firma, revoke one after a confirmation) and the employers that trust this
//! account as a developer.

use crate::{
    componentes::{Aviso, CampoArchivo},
    fechas,
    navegador::{self, Uso},
    relaciones::{
        crear_relacion, listar_relaciones, preparar_relacion, productos_de_desarrollador,
        revocar_relacion, ProductoCertificado, Relacion,
    },
};
use base64::{engine::general_purpose::STANDARD, Engine};
use leptos::{html, prelude::*};
use zeroize::Zeroizing;

#[component]
pub fn RelacionesConfianza() -> impl IntoView {
    let lista = Resource::new(|| (), |_| listar_relaciones());
    let recargar = Callback::new(move |_| lista.refetch());
    view! {
        <h2>"Relaciones de confianza"</h2>
        <p>"Aquí indicas qué desarrolladores de software de nómina pueden intercambiar información con el Instituto en tu nombre."</p>
        <Transition fallback=|| view! { <p class="cargando">"Cargando…"</p> }>
            {move || lista.get().map(|r| match r {
                Err(e) => view! { <Aviso mensaje=e.mensaje error=true /> }.into_any(),
                Ok(r) => view! {
                    <h3>"Desarrolladores de confianza"</h3>
                    {if r.desarrolladores.is_empty() {
                        view! { <p>"Aún no autorizas a ningún desarrollador."</p> }.into_any()
                    } else {
                        view! {
                            <table class="tabla" id="tabla-relaciones">
                                <thead><tr>
                                    <th scope="col">"Desarrollador"</th><th scope="col">"RFC"</th>
                                    <th scope="col">"Producto"</th><th scope="col">"Desde"</th>
                                    <th scope="col">"Estado"</th>
                                    <th scope="col"><span class="solo-lectores">"Acciones"</span></th>
                                </tr></thead>
                                <tbody>
                                    {r.desarrolladores.into_iter().map(|rel| view! { <FilaRelacion rel recargar /> }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }}
                    {(!r.patrones.is_empty()).then(|| view! {
                        <h3>"Patrones que confían en ti"</h3>
                        <ul id="patrones-que-confian">
                            {r.patrones.into_iter().map(|p| view! {
                                <li>{p.razon_social} " (NRP " {p.nrp} ", RFC " {p.rfc} ") — " {p.producto}
                                    ", desde el " {fechas::cdmx(p.creada)}</li>
                            }).collect_view()}
                        </ul>
                    })}
                }.into_any(),
            })}
        </Transition>
        <AgregarRelacion al_agregar=recargar />
    }
}

#[component]
fn FilaRelacion(rel: Relacion, recargar: Callback<()>) -> impl IntoView {
    let dialogo = NodeRef::<html::Dialog>::new();
    let error = RwSignal::new(None::<String>);
    let activa = rel.estado == "activa";
    let id = rel.id;
    let nombre = rel.razon_social.clone();
    let aceptar = move |_| {
        leptos::task::spawn_local(async move {
            match revocar_relacion(id).await {
                Ok(_) => {
                    if let Some(d) = dialogo.get_untracked() {
                        d.close();
                    }
                    recargar.run(());
                }
                Err(e) => error.set(Some(e.mensaje)),
            }
        });
    };
    view! {
        <tr>
            <td>{rel.razon_social.clone()}</td>
            <td>{rel.rfc.clone()}</td>
            <td>{rel.producto.clone()}</td>
            <td>{fechas::cdmx(rel.creada)}</td>
            <td>{if activa { "Activa" } else { "Revocada" }}</td>
            <td>
                {activa.then(|| view! {
                    <button type="button" class="boton boton-secundario"
                        on:click=move |_| { if let Some(d) = dialogo.get_untracked() { let _ = d.show_modal(); } }>
                        "Revocar"
                    </button>
                    <dialog node_ref=dialogo class="dialogo" aria-labelledby=format!("titulo-revocar-{id}")>
                        <h3 id=format!("titulo-revocar-{id}")>"Revocar relación de confianza"</h3>
                        <p>"¿Revocar la relación de confianza con " {nombre.clone()} "? Su sistema de nómina dejará de intercambiar información en tu nombre de inmediato."</p>
                        {move || error.get().map(|m| view! { <Aviso mensaje=m error=true /> })}
                        <div class="acciones">
                            <button type="button" class="boton" on:click=aceptar>"Aceptar"</button>
                            <button type="button" class="boton boton-secundario" autofocus
                                on:click=move |_| { if let Some(d) = dialogo.get_untracked() { d.close(); } }>
                                "Regresar"
                            </button>
                        </div>
                    </dialog>
                })}
            </td>
        </tr>
    }
}

/// What the relation's cadena original must say before the e.firma signs it.
fn cadena_esperada(cadena: &str, rfc: &str, producto: i64, no_certificado: &str) -> bool {
    cadena.starts_with("||INFONAVIT|SERVICIOS DE INTERCOMUNICACION|RELACION DE CONFIANZA|")
        && cadena.contains(&format!("|DESARROLLADOR {rfc}|"))
        && cadena.contains(&format!("|PRODUCTO {producto} "))
        && cadena.contains(&format!("|NO CERTIFICADO {no_certificado}|"))
        && cadena.len() <= 2048
}

#[component]
fn AgregarRelacion(al_agregar: Callback<()>) -> impl IntoView {
    let rfc = NodeRef::<html::Input>::new();
    let (cer, key, contrasena) = (
        NodeRef::<html::Input>::new(),
        NodeRef::<html::Input>::new(),
        NodeRef::<html::Input>::new(),
    );
    let productos = RwSignal::new(None::<(String, Vec<ProductoCertificado>)>);
    let elegido = RwSignal::new(None::<i64>);
    let error = RwSignal::new(None::<String>);
    let aviso = RwSignal::new(None::<String>);
    let ocupado = RwSignal::new(false);

    let buscar = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let texto = rfc.get_untracked().map(|e| e.value()).unwrap_or_default();
        error.set(None);
        aviso.set(None);
        leptos::task::spawn_local(async move {
            match productos_de_desarrollador(texto.clone()).await {
                Ok(lista) => {
                    elegido.set(lista.first().map(|p| p.id));
                    productos.set(Some((texto.trim().to_uppercase(), lista)));
                }
                Err(e) => {
                    productos.set(None);
                    error.set(Some(e.mensaje));
                }
            }
        });
    };
    let archivo = |n: NodeRef<html::Input>| {
        n.get_untracked()
            .and_then(|e| e.files())
            .and_then(|f| f.get(0))
    };
    let firmar = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some((rfc_desarrollador, _)), Some(producto)) =
            (productos.get_untracked(), elegido.get_untracked())
        else {
            return;
        };
        if ocupado.get_untracked() {
            return;
        }
        ocupado.set(true);
        error.set(None);
        let clave = Zeroizing::new(
            contrasena
                .get_untracked()
                .map(|e| e.value())
                .unwrap_or_default(),
        );
        let (cer, key) = (archivo(cer), archivo(key));
        leptos::task::spawn_local(async move {
            let resultado = async {
                let efirma = navegador::abrir(cer, key, clave).await.map_err(|p| p.0)?;
                let cadena = preparar_relacion(producto, efirma.no_certificado.clone())
                    .await
                    .map_err(|e| e.mensaje)?;
                if !cadena_esperada(&cadena, &rfc_desarrollador, producto, &efirma.no_certificado) {
                    return Err("El documento a firmar no corresponde a la relación que elegiste; no se firmó nada.".to_owned());
                }
                let sello = efirma.firmar(&cadena, Uso::Sello).await.map_err(|p| p.0)?;
                crear_relacion(STANDARD.encode(&efirma.certificado), cadena, STANDARD.encode(sello))
                    .await
                    .map_err(|e| e.mensaje)
            }
            .await;
            match resultado {
                Ok(r) => {
                    aviso.set(Some(format!(
                        "Agregaste a {} ({}) con {} como desarrollador de confianza.",
                        r.razon_social, r.rfc, r.producto
                    )));
                    productos.set(None);
                    al_agregar.run(());
                }
                Err(m) => error.set(Some(m)),
            }
            ocupado.set(false);
        });
    };

    view! {
        <section class="agregar-relacion" aria-labelledby="titulo-agregar">
            <h3 id="titulo-agregar">"Agregar un desarrollador de confianza"</h3>
            <form class="formulario" id="buscar-desarrollador" on:submit=buscar novalidate>
                <label for="rfc-desarrollador">"RFC del desarrollador"</label>
                <input id="rfc-desarrollador" node_ref=rfc maxlength="13" autocapitalize="characters" required />
                <button type="submit" class="boton boton-secundario">"Buscar productos certificados"</button>
            </form>
            {move || productos.get().map(|(rfc, lista)| view! {
                <form class="formulario" id="firmar-relacion" on:submit=firmar novalidate>
                    <fieldset>
                        <legend>"Producto certificado de " {rfc}</legend>
                        {lista.into_iter().map(|p| {
                            let id = p.id;
                            view! {
                                <label class="casilla">
                                    <input type="radio" name="producto" value=id.to_string()
                                        checked=move || elegido.get() == Some(id)
                                        on:change=move |_| elegido.set(Some(id)) />
                                    {p.nombre} " " {p.version}
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                    <p>"Firma la relación con la e.firma de tu empresa:"</p>
                    <CampoArchivo id="relacion-cer" etiqueta="Adjunta el archivo .CER: *"
                        accept=super::generacion::ACCEPT_CER entrada=cer />
                    <CampoArchivo id="relacion-key" etiqueta="Adjunta el archivo .KEY: *" entrada=key />
                    <label for="relacion-contrasena">"Contraseña de la Firma electrónica avanzada: *"</label>
                    <input id="relacion-contrasena" type="password" autocomplete="off" node_ref=contrasena required />
                    <p class="nota">"* Campos obligatorios"</p>
                    <button type="submit" class="boton" disabled=move || ocupado.get()>
                        {move || if ocupado.get() { "Firmando…" } else { "Firmar y agregar" }}
                    </button>
                </form>
            })}
            {move || error.get().map(|m| view! { <Aviso mensaje=m error=true /> })}
            {move || aviso.get().map(|m| view! { <Aviso mensaje=m /> })}
        </section>
    }
}
