//! Start-up: connect and migrate the database, load secrets, seed the demo, build the router and
//! serve until Ctrl-C / SIGTERM.

use crate::{
    acuse, api, avisos, bd, cabeceras,
    configuracion::{Configuracion, Modo},
    contexto, correo, cuentas, demo,
    estado::Estado,
    limites::Limites,
    metricas,
    portal::PortalServidor,
    revocacion::ClienteOcsp,
    salud,
    secretos::Secretos,
    sesiones::Sesiones,
    telemetria,
};
use anyhow::Context;

/// What the credential pepper is derived for (the server and the operator CLI must agree).
pub const PROPOSITO_PEPPER: &str = "credenciales";
use app::{servicios::ServiciosPortal, shell, App};
use axum::{middleware, serve::ListenerExt, Router};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::{
    net::SocketAddr,
    sync::{Arc, OnceLock},
};
use tokio::net::TcpListener;

pub async fn preparar(config: Configuracion) -> anyhow::Result<Arc<Estado>> {
    let bd = bd::conectar(&config.url_bd).await?;
    bd::migrar(&bd, &config.url_bd).await?;
    if config.modo == Modo::Produccion && demo::hay_cuenta(&bd).await? {
        anyhow::bail!(
            "en modo producción la base de datos no puede tener la cuenta de demostración (NRP {}, cuya contraseña se imprimió al sembrarla): usa una base de datos sin datos de demostración",
            demo::NRP
        );
    }
    let secretos = Secretos::cargar(&config)?;
    let senuelo = tokio::task::spawn_blocking(cuentas::hash_senuelo).await?;
    // The demo may generate an RSA key here: off the async threads.
    let sellador = tokio::task::spawn_blocking({
        let config = config.clone();
        move || acuse::Sellador::cargar(&config)
    })
    .await??;
    let directorio_anclas = config.anclas.clone().or_else(|| {
        let demo = demo::carpeta_efirma(&config.datos).join("ca");
        (config.modo == Modo::Demo && demo.is_dir()).then_some(demo)
    });
    let anclas = match directorio_anclas {
        None => None,
        Some(dir) => Some(
            efirma::AlmacenConfianza::desde_directorio(&dir).map_err(|e| {
                anyhow::anyhow!("anclas de confianza en {}: {}", dir.display(), e.mensaje())
            })?,
        ),
    };
    if let (Modo::Produccion, Some(almacen)) = (config.modo, &anclas) {
        crate::configuracion::produccion::revisar_ac(almacen)?;
    }
    Ok(Arc::new(Estado {
        sesiones: Sesiones::new(
            bd.clone(),
            config.sesion_inactividad_seg,
            config.sesion_maxima_seg,
        ),
        limites: Limites::new(
            bd.clone(),
            bd::Motor::de_url(&config.url_bd)?,
            config.bloqueo_intentos,
            config.bloqueo_ventana_seg,
            config.limite_ip_intentos,
        ),
        cofre: correo::Cofre::nuevo(secretos.derivar(correo::PROPOSITO_LLAVE)),
        correo: correo::Buzon::nuevo(transporte_correo(&config)?),
        clave_csrf: secretos.derivar("csrf"),
        pepper: secretos.derivar(PROPOSITO_PEPPER),
        senuelo,
        ocsp: cliente_ocsp(&config)?,
        anclas,
        sellador,
        llave_captcha: secretos.derivar(crate::recuperacion::PROPOSITO_LLAVE),
        metricas: Default::default(),
        bd,
        config,
    }))
}

/// SMTP when configured; otherwise the local mailbox folder `<datos>/buzon/`.
pub fn transporte_correo(config: &Configuracion) -> anyhow::Result<correo::Transporte> {
    let remitente = config.correo_remitente.clone();
    match &config.smtp {
        Some(destino) => correo::Transporte::smtp(destino, remitente),
        None => Ok(correo::Transporte::carpeta(
            config.datos.join("buzon"),
            remitente,
        )),
    }
}

fn cliente_ocsp(config: &Configuracion) -> anyhow::Result<Option<ClienteOcsp>> {
    let Some(url) = config.ocsp_url.clone() else {
        return Ok(None);
    };
    let responsable = match &config.ocsp_certificado {
        None => None,
        Some(ruta) => {
            let der = std::fs::read(ruta)
                .with_context(|| format!("no se pudo leer {}", ruta.display()))?;
            Some(
                efirma::Certificado::parse(&der)
                    .map_err(|e| anyhow::anyhow!("{}: {}", ruta.display(), e.mensaje()))?,
            )
        }
    };
    Ok(Some(ClienteOcsp::nuevo(
        url,
        responsable,
        config.ocsp_acepta_si_falla,
    )?))
}

/// The app's routes, listed once per process. Listing them renders the app once, and Leptos
/// suppresses resource loading meanwhile through a process-wide flag (leptos_server's
/// `SuppressResourceLoad`): a page any server of the process rendered at that moment created
/// resources that never loaded, and its streamed body never finished (issue 14's stall, seen when
/// tests built servers beside others serving). The first router is built before anything is
/// served; later ones reuse the list and never raise the flag.
fn rutas_leptos() -> Vec<AxumRouteListing> {
    static RUTAS: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    RUTAS.get_or_init(|| generate_route_list(App)).clone()
}

pub fn enrutador(estado: Arc<Estado>) -> Router {
    telemetria::propagar_span_a_tareas();
    let opciones = estado.config.leptos.clone();
    let portal: ServiciosPortal = Arc::new(PortalServidor(estado.clone()));
    let contexto_leptos = move || {
        provide_context(portal.clone());
        leptos::nonce::provide_nonce();
    };
    let rutas = rutas_leptos();
    let proxies = Arc::new(estado.config.proxies.clone());
    let api = api::enrutador(estado.clone());
    let portal = Router::new()
        .merge(acuse::rutas::enrutador(estado.clone()))
        .nest_service("/pkg", crate::estaticos::enrutador(&opciones))
        .leptos_routes_with_context(&opciones, rutas, contexto_leptos.clone(), {
            let opciones = opciones.clone();
            move || shell(opciones.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context(
            contexto_leptos,
            shell,
        ))
        .with_state(opciones)
        .layer(middleware::from_fn_with_state(
            estado.clone(),
            contexto::establecer,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            contexto::CUERPO_MAXIMO,
        ))
        .layer(middleware::from_fn(cabeceras::aplicar));
    // Health, metrics and security.txt answer without a session, a CSRF cookie or the database behind the
    // portal's context.
    let operacion = Router::new()
        .merge(salud::enrutador(estado.clone()))
        .merge(metricas::enrutador(estado.clone()))
        .merge(crate::seguridad_txt::enrutador(estado.clone()))
        .layer(middleware::from_fn(cabeceras::aplicar));
    // The payroll API is nested outside the portal's layers: no session, CSRF or portal body
    // limit; it brings its own headers, limit and JSON errors. The request id, its log line
    // and the request metrics wrap every route (a router's layer runs after routing, so it
    // knows the matched route's template). Outermost: every limit, audit row and log line
    // below sees the client's address (trusted proxies' X-Forwarded-For).
    Router::new()
        .nest("/api/v1", api)
        .merge(operacion)
        .merge(portal)
        .layer(middleware::from_fn_with_state(estado, telemetria::peticion))
        .layer(middleware::from_fn_with_state(
            proxies,
            crate::proxies::resolver,
        ))
}

pub async fn servir(config: Configuracion) -> anyhow::Result<()> {
    let direccion = config.direccion();
    let efirma_nueva = config.modo == Modo::Demo && demo::sembrar_efirma(&config.datos).await?;
    let estado = preparar(config).await?;
    if estado.config.modo == Modo::Demo {
        let cuenta_nueva = demo::sembrar_cuenta(&estado).await?;
        avisos::demo::sembrar(&estado.bd, demo::NRP).await?;
        if let Some(anuncio) = demo::anuncio(&estado.config.datos, efirma_nueva || cuenta_nueva) {
            // Shown on the operator's console on purpose: this is how the demo is used.
            eprintln!("{anuncio}");
        }
    }
    let purga = estado.clone();
    tokio::spawn(async move {
        let mut intervalo = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            intervalo.tick().await;
            if let Err(e) = purga.sesiones.purgar().await {
                tracing::warn!(error = %e, "no se pudieron purgar las sesiones vencidas");
            }
            let vencidos = tokio::try_join!(
                crate::retos::purgar(&purga.bd),
                crate::recuperacion::purgar(&purga.bd)
            );
            if let Err(e) = vencidos {
                tracing::warn!(error = %e, "no se pudieron purgar retos o captchas vencidos");
            }
            if let Err(e) = api::purgar(&purga.bd).await {
                tracing::warn!(error = %e, "no se pudieron purgar las sesiones vencidas de la API");
            }
        }
    });
    if let Some(carpeta) = estado.correo.transporte().carpeta_local() {
        // Absolute: the person reading this may be in another directory.
        let carpeta = std::path::absolute(carpeta).unwrap_or_else(|_| carpeta.to_path_buf());
        eprintln!(
            "Correos (sin INTERCOM_SMTP_URL): cada correo enviado queda como archivo .eml en\n  {}/\n",
            carpeta.display()
        );
    }
    correo::trabajador::iniciar(estado.clone());
    let escucha = TcpListener::bind(direccion)
        .await
        .with_context(|| format!("no se pudo escuchar en {direccion}"))?;
    tracing::info!("Portal en http://{}", escucha.local_addr()?);
    // No Nagle: a streamed page leaves in several small writes, and on a kept-alive connection
    // each one after the first waited for the client's delayed ACK (~20–40 ms per page).
    let escucha = escucha.tap_io(|conexion| {
        if let Err(e) = conexion.set_nodelay(true) {
            tracing::warn!(error = %e, "no se pudo activar TCP_NODELAY");
        }
    });
    axum::serve(
        escucha,
        enrutador(estado).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(senal_de_paro())
    .await?;
    Ok(())
}

async fn senal_de_paro() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminar = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminar = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminar => {} }
}
