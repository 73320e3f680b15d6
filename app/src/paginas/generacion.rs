//! The tab "Generación de contraseña" (guide §2, images 5–8): Términos y condiciones →
//! Validar con Firma electrónica avanzada (e.firma) → Solicitud de trámite → Respuesta firmada
//! electrónicamente. When a credential is already active the tab says so instead, and offers
//! Cancelar contraseña / Recuperar contraseña, or an explicit replacement.

use super::gestion::{
    CancelarContrasena, ContrasenaCancelada, ContrasenaRecuperada, RecuperarContrasena,
};
use crate::{
    componentes::{Aviso, CampoArchivo},
    fechas,
    generacion::{
        estado_generacion, firmar_terminos, solicitar_reto, validar_efirma, CadenaOriginal,
        CredencialActiva, Emision, Rol, Solicitud, TRAMITE_GENERACION,
    },
    gestion::{Cancelacion, Recuperacion},
    navegador::{self, EfirmaAbierta, Uso},
    terminos::{self, Bloque},
};
use base64::{engine::general_purpose::STANDARD, Engine};
use leptos::{html, prelude::*};
use zeroize::Zeroizing;

pub const GUIA: &str = "/guias/generacion-de-contrasena";

/// What the `.CER` field's picker offers first: SAT's certificate extension and its PEM/MIME
/// cousins. The `.KEY` field names none (see `CampoArchivo`).
pub const ACCEPT_CER: &str = ".cer,.crt,.pem,application/pkix-cert,application/x-x509-ca-cert";

#[derive(Debug, Clone, PartialEq)]
enum Paso {
    Terminos,
    Efirma,
    Solicitud(Solicitud),
    Respuesta(Emision),
}

#[component]
pub fn GeneracionContrasena(
    /// The employer's tab by default; the Certificación tab shows the developer's.
    #[prop(optional)]
    rol: Rol,
) -> impl IntoView {
    // Every step below reads the role from here (Terms text, requests).
    provide_context(rol);
    let estado = Resource::new(move || rol, estado_generacion);
    // An explicit request to replace the active credential.
    let reemplazar = RwSignal::new(false);
    view! {
        {match rol {
            Rol::Patron => view! {
                <h2>"Generación de contraseña"</h2>
                <p><a href=GUIA>"Guía de usuario - Generación de contraseña"</a></p>
                <p>"Aquí puedes generar tu contraseña para ingresar a los Servicios de Intercomunicación. Para realizar este trámite debes contar con tu e. Firma."</p>
            }.into_any(),
            Rol::Desarrollador => view! {
                <h3>"Contraseña de desarrollador"</h3>
                <p>"Con esta contraseña, tus sistemas de nómina certificados se autentican en los Servicios de Intercomunicación junto con la del patrón. Para realizar este trámite debes contar con la e. Firma de tu empresa."</p>
            }.into_any(),
        }}
        <Transition fallback=|| view! { <p class="cargando">"Cargando…"</p> }>
            {move || {
                estado
                    .get()
                    .map(|r| match r {
                        Err(e) => view! { <Aviso mensaje=e.mensaje error=true /> }.into_any(),
                        Ok(Some(activa)) if !reemplazar.get() => {
                            let recargar = Callback::new(move |_| estado.refetch());
                            view! { <ContrasenaActiva activa reemplazar recargar /> }.into_any()
                        }
                        Ok(activa) => {
                            let reemplaza = activa.map(|a| a.folio);
                            view! { <Tramite reemplaza /> }.into_any()
                        }
                    })
            }}
        </Transition>
    }
}

/// What the tab shows while a credential is active.
#[derive(Debug, Clone, PartialEq)]
enum Gestion {
    Activa,
    Recuperando,
    Cancelada(Cancelacion),
    Recuperada(Recuperacion),
}

/// The active credential: folio, since when, and what can be done with it.
#[component]
fn ContrasenaActiva(
    activa: CredencialActiva,
    reemplazar: RwSignal<bool>,
    recargar: Callback<()>,
) -> impl IntoView {
    let gestion = RwSignal::new(Gestion::Activa);
    move || match gestion.get() {
        Gestion::Activa => view! {
            <Activa activa=activa.clone() reemplazar gestion />
        }
        .into_any(),
        Gestion::Recuperando => view! {
            <RecuperarContrasena
                al_recuperar=Callback::new(move |r| gestion.set(Gestion::Recuperada(r)))
                al_regresar=Callback::new(move |_| gestion.set(Gestion::Activa)) />
        }
        .into_any(),
        Gestion::Cancelada(c) => view! {
            <ContrasenaCancelada cancelacion=c al_generar=recargar />
        }
        .into_any(),
        Gestion::Recuperada(r) => view! { <ContrasenaRecuperada recuperacion=r /> }.into_any(),
    }
}

#[component]
fn Activa(
    activa: CredencialActiva,
    reemplazar: RwSignal<bool>,
    gestion: RwSignal<Gestion>,
) -> impl IntoView {
    let confirmar = RwSignal::new(false);
    let folio = activa.folio.clone();
    view! {
        <div class="credencial-activa" role="status">
            <p>"Tienes una contraseña activa para los Servicios de Intercomunicación."</p>
            <dl class="datos">
                <dt>"Folio"</dt>
                <dd id="folio-activo">{activa.folio.clone()}</dd>
                <dt>"Generada el"</dt>
                <dd>{fechas::cdmx(activa.emitida)} " (hora del centro de México)"</dd>
            </dl>
        </div>
        <div class="acciones">
            <CancelarContrasena folio
                al_cancelar=Callback::new(move |c| gestion.set(Gestion::Cancelada(c))) />
            <button type="button" class="boton boton-secundario" id="recuperar-contrasena"
                on:click=move |_| gestion.set(Gestion::Recuperando)>
                "Recuperar contraseña"
            </button>
            <button type="button" class="boton-texto" id="generar-nueva"
                on:click=move |_| confirmar.set(true)>
                "Generar una nueva contraseña"
            </button>
        </div>
        <Show when=move || confirmar.get()>
            <div class="aviso" role="alert">
                <p>
                    "Si generas una nueva contraseña, la actual (folio " {activa.folio.clone()}
                    ") dejará de funcionar en el momento en que firmes la nueva solicitud, y tu sistema de nómina deberá usar la nueva."
                </p>
                <button type="button" class="boton" id="confirmar-reemplazo"
                    on:click=move |_| reemplazar.set(true)>
                    "Continuar"
                </button>
            </div>
        </Show>
    }
}

/// Where the opened e.firma is kept. In the browser the WebCrypto handles are not `Send`, so they
/// live in thread-local storage. On the server the value is never set, but the page is rendered on
/// a multi-threaded runtime whose reactive owner may be dropped on another thread; thread-local
/// storage there panics on drop (and kills the response mid-stream), so the server uses `Sync`
/// storage.
#[cfg(target_arch = "wasm32")]
type EfirmaGuardada = StoredValue<Option<EfirmaAbierta>, LocalStorage>;
#[cfg(not(target_arch = "wasm32"))]
type EfirmaGuardada = StoredValue<Option<EfirmaAbierta>, SyncStorage>;

/// The four steps of the guide.
#[component]
fn Tramite(reemplaza: Option<String>) -> impl IntoView {
    let paso = RwSignal::new(Paso::Terminos);
    // The opened e.firma lives between "Validar" and "Continuar": only WebCrypto handles to a
    // non-extractable key, never the key itself.
    let efirma = EfirmaGuardada::new_with_storage(None);
    let reemplazar = reemplaza.is_some();
    view! {
        {move || match paso.get() {
            Paso::Terminos => view! { <PasoTerminos paso /> }.into_any(),
            Paso::Efirma => view! { <PasoEfirma paso efirma reemplazar /> }.into_any(),
            Paso::Solicitud(s) => view! { <PasoSolicitud solicitud=s paso efirma /> }.into_any(),
            Paso::Respuesta(e) => view! { <PasoRespuesta emision=e /> }.into_any(),
        }}
        {reemplaza.map(|folio| view! {
            <p class="nota">"Estás generando una contraseña que reemplazará la del folio " {folio} "."</p>
        })}
    }
}

#[component]
fn TextoTerminos() -> impl IntoView {
    let rol = use_context::<Rol>().unwrap_or_default();
    terminos::bloques(rol.terminos().1)
        .into_iter()
        .map(|b| match b {
            Bloque::Titulo(t) => view! { <h3 id="titulo-terminos">{t}</h3> }.into_any(),
            Bloque::Clausula(t) => view! { <h4>{t}</h4> }.into_any(),
            Bloque::Parrafo(t) => view! { <p>{t}</p> }.into_any(),
        })
        .collect_view()
}

/// Image 5: the Terms, "Acepto términos y condiciones" and "Continuar".
#[component]
fn PasoTerminos(paso: RwSignal<Paso>) -> impl IntoView {
    let acepto = RwSignal::new(false);
    let version = use_context::<Rol>().unwrap_or_default().terminos().0;
    view! {
        <section class="terminos" aria-labelledby="titulo-terminos">
            <div class="documento" tabindex="0" role="document" aria-labelledby="titulo-terminos">
                <TextoTerminos />
            </div>
            <p class="version-terminos">"Versión " {version}</p>
            <label class="casilla">
                <input type="checkbox" id="acepto-terminos" bind:checked=acepto />
                "Acepto términos y condiciones"
            </label>
            <button type="button" class="boton" id="continuar-terminos"
                disabled=move || !acepto.get()
                on:click=move |_| {
                    if acepto.get_untracked() {
                        paso.set(Paso::Efirma);
                    }
                }>
                "Continuar"
            </button>
        </section>
    }
}

fn base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// What the challenge must look like before the e.firma signs it (DESIGN §4: check the shape of
/// whatever the server asks to sign).
fn reto_esperado(cadena: &str, efirma: &EfirmaAbierta) -> Result<(), String> {
    let prefijo = format!("||INFONAVIT|SERVICIOS DE INTERCOMUNICACION|{TRAMITE_GENERACION}|");
    let certificado = format!("|NO CERTIFICADO {}|", efirma.no_certificado);
    if cadena.len() > 1024 || !cadena.starts_with(&prefijo) || !cadena.contains(&certificado) {
        return Err("La validación recibida no corresponde a este trámite; no se firmó nada. Vuelve a dar clic en Validar.".into());
    }
    Ok(())
}

/// The cadena original must describe exactly the Terms shown, for this e.firma.
fn documento_esperado(cadena: &str, efirma: &EfirmaAbierta, rol: Rol) -> Result<(), String> {
    let (version, texto) = rol.terminos();
    let bien = CadenaOriginal::leer(cadena).is_some_and(|c| {
        c.tramite == TRAMITE_GENERACION
            && c.rol == rol.en_cadena()
            && c.rfc == efirma.rfc
            && c.no_certificado == efirma.no_certificado
            && c.terminos_version == version
            && c.terminos_sha256 == terminos::sha256_hex(texto)
    });
    if bien {
        Ok(())
    } else {
        Err("El documento a firmar no corresponde a los Términos y condiciones mostrados; no se firmó nada. Vuelve a iniciar el trámite.".into())
    }
}

/// A challenge asked for as soon as the `.CER` was chosen, so that the click on Validar does only
/// local work and one request. Single-use, and valid on the server for 5 minutes: reused for
/// 4 at most.
#[derive(Debug, Clone)]
struct RetoPrevio {
    no_certificado: String,
    cadena: String,
    pedido_ms: f64,
}

const RETO_PREVIO_MS: f64 = 4.0 * 60.0 * 1000.0;

async fn pedir_reto_previo(cer: web_sys::File, reto: StoredValue<Option<RetoPrevio>>) {
    let Some(no_certificado) = navegador::numero_de_certificado(cer).await else {
        return;
    };
    if let Ok(cadena) = solicitar_reto(no_certificado.clone(), true).await {
        reto.set_value(Some(RetoPrevio {
            no_certificado,
            cadena,
            pedido_ms: navegador::ahora_ms(),
        }));
    }
}

async fn validar(
    cer: Option<web_sys::File>,
    key: Option<web_sys::File>,
    contrasena: Zeroizing<String>,
    reemplazar: bool,
    rol: Rol,
    reto: StoredValue<Option<RetoPrevio>>,
) -> Result<(EfirmaAbierta, Solicitud), String> {
    let efirma = navegador::abrir(cer, key, contrasena)
        .await
        .map_err(|p| p.0)?;
    // From here the challenge is spent, whatever happens next.
    let previo = reto.try_update_value(Option::take).flatten().filter(|r| {
        r.no_certificado == efirma.no_certificado
            && navegador::ahora_ms() - r.pedido_ms < RETO_PREVIO_MS
    });
    let cadena = match previo {
        Some(r) => r.cadena,
        None => solicitar_reto(efirma.no_certificado.clone(), true)
            .await
            .map_err(|e| e.mensaje)?,
    };
    reto_esperado(&cadena, &efirma)?;
    let firma = efirma.firmar(&cadena, Uso::Reto).await.map_err(|p| p.0)?;
    let solicitud = validar_efirma(
        base64(&efirma.certificado),
        cadena,
        base64(&firma),
        reemplazar,
        rol,
    )
    .await
    .map_err(|e| e.mensaje)?;
    documento_esperado(&solicitud.cadena_original, &efirma, rol)?;
    Ok((efirma, solicitud))
}

/// Image 6: "Validar con Firma electrónica avanzada (e.firma)".
#[component]
fn PasoEfirma(paso: RwSignal<Paso>, efirma: EfirmaGuardada, reemplazar: bool) -> impl IntoView {
    let cer = NodeRef::<html::Input>::new();
    let key = NodeRef::<html::Input>::new();
    let contrasena = NodeRef::<html::Input>::new();
    let error = RwSignal::new(None::<String>);
    let ocupado = RwSignal::new(false);
    let rol = use_context::<Rol>().unwrap_or_default();
    // Until the page is interactive the form cannot do its work in the browser, so it cannot be
    // submitted at all (a plain submission would put the password in the URL).
    let interactivo = RwSignal::new(false);
    Effect::new(move || interactivo.set(true));
    let reto = StoredValue::new(None::<RetoPrevio>);
    Effect::new(move || leptos::task::spawn_local(navegador::preparar()));

    let primer_archivo = |entrada: NodeRef<html::Input>| {
        entrada
            .get_untracked()
            .and_then(|e| e.files())
            .and_then(|f| f.get(0))
    };
    let al_validar = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if ocupado.get_untracked() || !interactivo.get_untracked() {
            return;
        }
        ocupado.set(true);
        error.set(None);
        let contrasena = Zeroizing::new(
            contrasena
                .get_untracked()
                .map(|e| e.value())
                .unwrap_or_default(),
        );
        let (cer, key) = (primer_archivo(cer), primer_archivo(key));
        leptos::task::spawn_local(async move {
            match validar(cer, key, contrasena, reemplazar, rol, reto).await {
                Ok((abierta, solicitud)) => {
                    efirma.set_value(Some(abierta));
                    paso.set(Paso::Solicitud(solicitud));
                }
                Err(mensaje) => error.set(Some(mensaje)),
            }
            ocupado.set(false);
        });
    };

    view! {
        <h3>"Validar con Firma electrónica avanzada (e.firma)"</h3>
        <form class="formulario" id="formulario-efirma" on:submit=al_validar novalidate
            aria-describedby="campos-obligatorios"
            // Both files dropped at once onto the form fill both fields.
            on:dragover=|ev: leptos::ev::DragEvent| ev.prevent_default()
            on:drop=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                if let (Some(c), Some(k)) = (cer.get_untracked(), key.get_untracked()) {
                    navegador::repartir_soltados(&ev, &c, &k);
                }
            }>
            <CampoArchivo id="archivo-cer" etiqueta="Adjunta el archivo .CER: *"
                accept=ACCEPT_CER entrada=cer
                al_cambiar=move || {
                    reto.set_value(None);
                    if let Some(archivo) = primer_archivo(cer) {
                        leptos::task::spawn_local(pedir_reto_previo(archivo, reto));
                    }
                } />
            <CampoArchivo id="archivo-key" etiqueta="Adjunta el archivo .KEY: *" entrada=key
                al_cambiar=move || {
                    if let Some(archivo) = primer_archivo(key) {
                        leptos::task::spawn_local(navegador::leer_de_antemano(archivo, ".KEY"));
                    }
                } />
            <label for="contrasena-efirma">"Contraseña de la Firma electrónica avanzada: *"</label>
            <input id="contrasena-efirma" type="password" autocomplete="off" required
                node_ref=contrasena />
            <p class="nota" id="campos-obligatorios">"* Campos obligatorios"</p>
            {move || error.get().map(|m| view! { <Aviso mensaje=m error=true /> })}
            <button type="submit" class="boton" id="validar"
                disabled=move || ocupado.get() || !interactivo.get()>
                {move || if ocupado.get() { "Validando…" } else { "Validar" }}
            </button>
        </form>
    }
}

/// Image 7: "Solicitud de trámite": the requester, the Terms as the document to sign, Continuar.
#[component]
fn PasoSolicitud(
    solicitud: Solicitud,
    paso: RwSignal<Paso>,
    efirma: EfirmaGuardada,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let ocupado = RwSignal::new(false);
    let s = solicitud.solicitante.clone();
    let cadena = solicitud.cadena_original.clone();
    let al_continuar = move |_| {
        if ocupado.get_untracked() {
            return;
        }
        let Some(abierta) = efirma.get_value() else {
            error.set(Some(
                "Vuelve a validar tu e.firma para firmar la solicitud.".into(),
            ));
            return;
        };
        ocupado.set(true);
        error.set(None);
        let cadena = cadena.clone();
        leptos::task::spawn_local(async move {
            let resultado = async {
                let sello = abierta.firmar(&cadena, Uso::Sello).await.map_err(|p| p.0)?;
                firmar_terminos(base64(&abierta.certificado), cadena, base64(&sello))
                    .await
                    .map_err(|e| e.mensaje)
            }
            .await;
            match resultado {
                Ok(emision) => {
                    // The key handles are dropped: the trámite is over.
                    efirma.set_value(None);
                    paso.set(Paso::Respuesta(emision));
                }
                Err(m) => {
                    error.set(Some(m));
                    ocupado.set(false);
                }
            }
        });
    };
    view! {
        <h3>"Solicitud de trámite"</h3>
        <p>"Revisa los datos y los Términos y condiciones. Al dar clic en Continuar los firmarás con tu e.firma."</p>
        <dl class="datos" id="datos-solicitante">
            <dt>"Razón social"</dt><dd>{s.razon_social}</dd>
            <dt>"RFC"</dt><dd>{s.rfc}</dd>
            <dt>"NRP"</dt><dd>{s.nrp}</dd>
            <dt>"Número de certificado"</dt><dd>{s.no_certificado}</dd>
        </dl>
        <div class="documento" tabindex="0" role="document" aria-labelledby="titulo-terminos">
            <TextoTerminos />
        </div>
        <details class="cadena-original">
            <summary>"Cadena original"</summary>
            <code>{solicitud.cadena_original}</code>
        </details>
        {move || error.get().map(|m| view! { <Aviso mensaje=m error=true /> })}
        <button type="button" class="boton" id="continuar-firma" disabled=move || ocupado.get()
            on:click=al_continuar>
            {move || if ocupado.get() { "Firmando…" } else { "Continuar" }}
        </button>
    }
}

/// Image 8: "Respuesta firmada electrónicamente": the acuse to download.
#[component]
fn PasoRespuesta(emision: Emision) -> impl IntoView {
    let archivo = format!("acuse-{}.pdf", emision.folio);
    let enlace = format!("/acuses/{}.pdf", emision.folio);
    view! {
        <h3>"Respuesta firmada electrónicamente"</h3>
        <Aviso mensaje="Tu contraseña fue generada con éxito. Recibirás un correo con la contraseña generada en el correo electrónico registrado." />
        <dl class="datos">
            <dt>"Folio"</dt><dd id="folio-emitido">{emision.folio.clone()}</dd>
            <dt>"Fecha"</dt><dd>{fechas::cdmx(emision.emitida)} " (hora del centro de México)"</dd>
        </dl>
        <p>"Descarga los Términos y condiciones firmados:"</p>
        <p><a class="archivo-pdf" id="descargar-acuse" href=enlace download=archivo.clone()>{archivo.clone()}</a></p>
    }
}
