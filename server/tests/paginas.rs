//! Server-side rendering under concurrency, on multi-threaded runtimes like production's: the
//! three tabs of Servicios de Intercomunicación requested hundreds of times at once, every body
//! read to its very end under a deadline and checked for the content its resources load.
//!
//! A page is streamed out of order: the document up to `</html>` first, then one `<template>`
//! per `<Suspense>`/`<Transition>` as its resource resolves, then the resources' data and, last,
//! `__INCOMPLETE_CHUNKS=[];`. A body is whole only when that last script arrived.
//!
//! Regressions these tests guard against:
//! - #6: the Generación tab kept the opened e.firma in thread-local reactive storage during SSR
//!   too. When a response stream finished on another worker thread than the one that created
//!   it, dropping that storage panicked and the connection died mid-body.
//! - #14: a streamed page whose body never finished (once in ~27 runs of `gestion.rs`). Looped
//!   here, a page stalled in about one run in ten of these two tests side by side on a loaded
//!   2-core machine (once before its headers, once right after `</html>` with a `<Transition>`
//!   never resolved, and no panic anywhere). A stalled body fails the test at its deadline with
//!   the request id (sent as `X-Request-Id`) and what had arrived, instead of hanging it.

mod comun;

use comun::{levantar, AppPrueba, Navegador, CONTRASENA, CORREO, NRP};
use servidor::credenciales::{self, Rol};
use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

const TAB: &str = "/portal/mis-tramites/servicios-de-intercomunicacion";
const RAZON_SOCIAL: &str = "ESCUELA KEMPER URGATE SA DE CV";
/// The last thing a streamed page sends.
const FINAL: &str = "__INCOMPLETE_CHUNKS=[];</script>";
/// Far beyond any page's time on a loaded machine; a stall never ends, so it shows all the same.
const PLAZO: Duration = Duration::from_secs(60);

/// The tab and what only its resolved resources render: the active credential's folio, the
/// developer's Terms (no developer credential yet), the empty list of trusted developers.
fn pestanas(folio: &str) -> [(String, String); 3] {
    [
        (TAB.to_owned(), format!("id=\"folio-activo\">{folio}</dd>")),
        (
            format!("{TAB}/certificacion"),
            "<h3 id=\"titulo-terminos\">Términos y condiciones</h3>".to_owned(),
        ),
        (
            format!("{TAB}/relaciones-de-confianza"),
            "Aún no autorizas a ningún desarrollador.".to_owned(),
        ),
    ]
}

/// The server with the test account signed in and an active employer credential: the cookie
/// header of that session and the credential's folio.
async fn sesion(app: &AppPrueba) -> (reqwest::Client, String, String) {
    let mut tx = app.estado.bd.begin().await.unwrap();
    let (credencial, _) = credenciales::emitir(
        &mut tx,
        &app.estado.pepper,
        1,
        Rol::Patron,
        "30001000000500003415",
        false,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut n = Navegador::new(app);
    assert_eq!(n.ingresar(NRP, CORREO, CONTRASENA).await.status(), 200);
    // No client timeout: each page has its own deadline below.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (http, n.cabecera_cookies(), credencial.folio)
}

/// GETs a page and reads its whole body before the deadline; on failure, says what happened
/// and what had arrived.
async fn pagina_entera(
    http: &reqwest::Client,
    url: &str,
    cookies: &str,
    id: &str,
    marca: &str,
) -> Result<(), String> {
    let fin = tokio::time::Instant::now() + PLAZO;
    let inicio = Instant::now();
    let envio = http
        .get(url)
        .header("cookie", cookies)
        .header("x-request-id", id)
        .send();
    let mut r = match tokio::time::timeout_at(fin, envio).await {
        Err(_) => return Err(format!("{id} {url}: sin cabeceras en {PLAZO:?}")),
        Ok(Err(e)) => return Err(format!("{id} {url}: {e}")),
        Ok(Ok(r)) => r,
    };
    if r.status() != 200 {
        return Err(format!("{id} {url}: estado {}", r.status()));
    }
    let mut cuerpo = Vec::new();
    loop {
        match tokio::time::timeout_at(fin, r.chunk()).await {
            Err(_) => {
                let texto = String::from_utf8_lossy(&cuerpo);
                return Err(format!(
                    "{id} {url}: el cuerpo no terminó en {:?} ({} bytes); final: …{}",
                    inicio.elapsed(),
                    cuerpo.len(),
                    &texto[texto.floor_char_boundary(texto.len().saturating_sub(300))..]
                ));
            }
            Ok(Err(e)) => {
                return Err(format!(
                    "{id} {url}: el cuerpo se cortó tras {} bytes: {e}",
                    cuerpo.len()
                ))
            }
            Ok(Ok(None)) => break,
            Ok(Ok(Some(trozo))) => cuerpo.extend_from_slice(&trozo),
        }
    }
    let html = String::from_utf8(cuerpo).map_err(|e| format!("{id} {url}: {e}"))?;
    let documento = html.find("</html>");
    let faltan: Vec<&str> = [
        ("</html>", documento.is_some()),
        (FINAL, html.ends_with(FINAL)),
        (
            "Servicio de Intercomunicación",
            html.contains("<h1>Servicio de Intercomunicación</h1>"),
        ),
        (RAZON_SOCIAL, html.contains(RAZON_SOCIAL)),
        (marca, html.contains(marca)),
    ]
    .into_iter()
    .filter(|(_, esta)| !esta)
    .map(|(que, _)| que)
    .collect();
    if faltan.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{id} {url}: le falta {faltan:?}; final: …{}",
            &html[html.floor_char_boundary(html.len().saturating_sub(300))..]
        ))
    }
}

fn sin_fallas(fallas: Vec<String>, paginas: usize) {
    assert!(
        fallas.is_empty(),
        "{} de {paginas} páginas fallaron: {fallas:#?}",
        fallas.len()
    );
}

/// `paginas` pages from one session (the three tabs in turn), `a_la_vez` in flight at any
/// moment: the failures.
async fn muchas_paginas(app: &AppPrueba, paginas: usize, a_la_vez: usize) -> Vec<String> {
    let (http, cookies, folio) = sesion(app).await;
    let pestanas = Arc::new(pestanas(&folio));
    let siguiente = Arc::new(AtomicUsize::new(0));
    let hechas = Arc::new(AtomicUsize::new(0));
    let mut tareas = tokio::task::JoinSet::new();
    for _ in 0..a_la_vez {
        let (http, cookies, pestanas, base) = (
            http.clone(),
            cookies.clone(),
            pestanas.clone(),
            app.base.clone(),
        );
        let (siguiente, hechas) = (siguiente.clone(), hechas.clone());
        tareas.spawn(async move {
            let mut fallas = Vec::new();
            loop {
                let i = siguiente.fetch_add(1, Ordering::Relaxed);
                if i >= paginas {
                    break fallas;
                }
                let (ruta, marca) = &pestanas[i % pestanas.len()];
                let url = format!("{base}{ruta}");
                match pagina_entera(&http, &url, &cookies, &format!("pagina-{i}"), marca).await {
                    Ok(()) => {
                        hechas.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => fallas.push(e),
                }
            }
        });
    }
    let mut fallas = Vec::new();
    while let Some(r) = tareas.join_next().await {
        fallas.extend(r.expect("tarea"));
    }
    assert_eq!(hechas.load(Ordering::Relaxed) + fallas.len(), paginas);
    fallas
}

/// One server, one session: 480 pages (160 of each tab), 24 in flight at any moment.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn las_pestanas_llegan_completas_con_muchas_solicitudes_a_la_vez() {
    let app = levantar().await;
    sin_fallas(muchas_paginas(&app, 480, 24).await, 480);
}

/// The cause of #14's stall: building a server's router renders the app once to list its
/// routes, and Leptos suppresses resource loading meanwhile through a process-wide flag, so a
/// page another server of the process rendered at that moment created resources that never
/// loaded (before its headers for the blocking account resource, after `</html>` for a
/// `<Transition>`'s). Here routers are built one after the other while 240 pages stream.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn levantar_otro_servidor_no_detiene_las_paginas_en_curso() {
    let app = levantar().await;
    let alto = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // On the runtime's blocking pool: Leptos spawns the tasks of what it renders on tokio.
    let constructor = tokio::task::spawn_blocking({
        let (estado, alto) = (app.estado.clone(), alto.clone());
        move || {
            let mut construidos = 0;
            while !alto.load(Ordering::Relaxed) {
                drop(servidor::arranque::enrutador(estado.clone()));
                construidos += 1;
            }
            construidos
        }
    });
    let fallas = muchas_paginas(&app, 240, 24).await;
    alto.store(true, Ordering::Relaxed);
    let construidos = constructor.await.expect("constructor de enrutadores");
    assert!(construidos > 0, "ningún enrutador se construyó a la vez");
    sin_fallas(fallas, 240);
}

/// As in `gestion.rs`: short-lived servers, each on a runtime of its own (2 workers), each page
/// among the first its server renders right after a fresh sign-in, while other runtimes start
/// and shut down beside it. 6 rounds of 3 servers, 6 pages at once on each.
#[test]
fn las_pestanas_llegan_completas_en_servidores_recien_levantados() {
    const RONDAS: usize = 6;
    const SERVIDORES: usize = 3;
    const PAGINAS: usize = 6;
    let mut fallas = Vec::new();
    for ronda in 0..RONDAS {
        let hilos: Vec<_> = (0..SERVIDORES)
            .map(|s| {
                std::thread::spawn(move || {
                    tokio::runtime::Builder::new_multi_thread()
                        .worker_threads(2)
                        .enable_all()
                        .build()
                        .expect("runtime")
                        .block_on(async move {
                            let app = levantar().await;
                            let (http, cookies, folio) = sesion(&app).await;
                            let pestanas = pestanas(&folio);
                            let mut tareas = tokio::task::JoinSet::new();
                            for k in 0..PAGINAS {
                                let (ruta, marca) = pestanas[k % pestanas.len()].clone();
                                let (http, cookies) = (http.clone(), cookies.clone());
                                let url = format!("{}{ruta}", app.base);
                                let id = format!("ronda-{ronda}-servidor-{s}-pagina-{k}");
                                tareas.spawn(async move {
                                    pagina_entera(&http, &url, &cookies, &id, &marca).await
                                });
                            }
                            let mut fallas = Vec::new();
                            while let Some(r) = tareas.join_next().await {
                                if let Err(e) = r.expect("tarea") {
                                    fallas.push(e);
                                }
                            }
                            fallas
                        })
                })
            })
            .collect();
        for h in hilos {
            fallas.extend(h.join().expect("servidor"));
        }
    }
    sin_fallas(fallas, RONDAS * SERVIDORES * PAGINAS);
}
