//! Server-side rendering under concurrency, on a multi-threaded runtime like production's.
//!
//! Regression: the Generación tab once kept the opened e.firma in thread-local reactive storage
//! during SSR too. When a response stream finished on another worker thread than the one that
//! created it, dropping that storage panicked, the connection died mid-body and the browser waited
//! for `load` forever. Every page here must arrive whole.

mod comun;

use comun::{levantar, Navegador, CONTRASENA, CORREO, NRP};

const TAB: &str = "/portal/mis-tramites/servicios-de-intercomunicacion";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn las_pestanas_llegan_completas_con_muchas_solicitudes_a_la_vez() {
    let app = levantar().await;
    let mut n = Navegador::new(&app);
    assert!(n
        .ingresar(NRP, CORREO, CONTRASENA)
        .await
        .status()
        .is_success());
    let cookies = n
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let rutas = [
        TAB.to_owned(),
        format!("{TAB}/certificacion"),
        format!("{TAB}/relaciones-de-confianza"),
    ];
    let mut tareas = tokio::task::JoinSet::new();
    for i in 0..24 {
        let http = n.http.clone();
        let url = format!("{}{}", app.base, rutas[i % rutas.len()]);
        let cookies = cookies.clone();
        tareas.spawn(async move {
            let mut fallas = Vec::new();
            for _ in 0..10 {
                let r = http.get(&url).header("cookie", &cookies).send().await;
                match r {
                    Ok(r) if r.status() == 200 => match r.text().await {
                        Ok(html) if html.contains("</html>") => {}
                        Ok(html) => fallas.push(format!(
                            "{url}: cuerpo incompleto: …{}",
                            &html[html.floor_char_boundary(html.len().saturating_sub(300))..]
                        )),
                        Err(e) => fallas.push(format!("{url}: el cuerpo se cortó: {e}")),
                    },
                    Ok(r) => fallas.push(format!("{url}: estado {}", r.status())),
                    Err(e) => fallas.push(format!("{url}: {e}")),
                }
            }
            fallas
        });
    }
    let mut fallas = Vec::new();
    while let Some(r) = tareas.join_next().await {
        fallas.extend(r.expect("tarea"));
    }
    fallas.sort();
    fallas.dedup_by(|a, b| a.split(": ").next() == b.split(": ").next());
    assert!(fallas.is_empty(), "páginas que fallaron: {fallas:?}");
}
