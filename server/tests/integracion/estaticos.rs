//! The bundle's serving contract (issue 12), on the real server over a site folder made here: the
//! HTML names the content-hashed files; each file goes out brotli-compressed when asked, gzip when
//! only gzip is asked and as it is otherwise, always with `Vary: Accept-Encoding`; hashed files are
//! immutable, HTML is `no-store`; a missing file is a plain 404, not the HTML shell.
//! `end2end/tests/entrega.spec.ts` checks the same against the real release build.

use crate::comun;

use comun::levantar_con;
use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH,
    LAST_MODIFIED, VARY,
};
use std::path::Path;

struct Sitio {
    _raiz: tempfile::TempDir,
    sitio: String,
    hash: String,
}

/// A site as `cargo leptos build --release --precompress` leaves it (with `hash-files`): each file
/// of the bundle under its hashed name, with a `.br` and a `.gz` beside it (distinct bytes, so the
/// test can tell which one was sent), and the hash file.
fn sitio() -> Sitio {
    let raiz = tempfile::tempdir().unwrap();
    let pkg = raiz.path().join("sitio/pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    for (nombre, contenido) in [
        ("intercomunicacion.h4shjs.js", "export default function(){}"),
        ("intercomunicacion.h4shwasm.wasm", "\0asm-de-prueba"),
        ("intercomunicacion.h4shcss.css", "body{}"),
    ] {
        std::fs::write(pkg.join(nombre), contenido).unwrap();
        std::fs::write(pkg.join(format!("{nombre}.br")), format!("BR:{contenido}")).unwrap();
        std::fs::write(pkg.join(format!("{nombre}.gz")), format!("GZ:{contenido}")).unwrap();
    }
    let hash = raiz.path().join("hash.txt");
    std::fs::write(&hash, "js: h4shjs\nwasm: h4shwasm\ncss: h4shcss\n").unwrap();
    Sitio {
        sitio: raiz.path().join("sitio").display().to_string(),
        hash: hash.display().to_string(),
        _raiz: raiz,
    }
}

fn cliente() -> reqwest::Client {
    // No automatic decompression: the test reads the bytes as served.
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn cabecera(r: &reqwest::Response, nombre: reqwest::header::HeaderName) -> String {
    r.headers()
        .get(&nombre)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn el_paquete_se_sirve_comprimido_con_nombres_con_hash_e_inmutable() {
    let s = sitio();
    let app = levantar_con(&[
        ("LEPTOS_SITE_ROOT", s.sitio.as_str()),
        ("LEPTOS_HASH_FILES", "true"),
        ("LEPTOS_HASH_FILE_NAME", s.hash.as_str()),
    ])
    .await;
    let http = cliente();

    // The HTML names the hashed files and is never stored.
    let pagina = http
        .get(format!("{}/ingresar", app.base))
        .header(ACCEPT_ENCODING, "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(pagina.status(), 200);
    assert_eq!(cabecera(&pagina, CACHE_CONTROL), "no-store");
    let html = pagina.text().await.unwrap();
    for nombre in [
        "/pkg/intercomunicacion.h4shjs.js",
        "/pkg/intercomunicacion.h4shwasm.wasm",
        "/pkg/intercomunicacion.h4shcss.css",
    ] {
        assert!(
            html.contains(nombre),
            "la página no nombra {nombre}: {html}"
        );
    }
    assert!(!html.contains("/pkg/intercomunicacion.css"), "{html}");

    for (nombre, tipo, contenido) in [
        (
            "intercomunicacion.h4shjs.js",
            "text/javascript",
            "export default function(){}",
        ),
        (
            "intercomunicacion.h4shwasm.wasm",
            "application/wasm",
            "\0asm-de-prueba",
        ),
        ("intercomunicacion.h4shcss.css", "text/css", "body{}"),
    ] {
        let url = format!("{}/pkg/{nombre}", app.base);
        for (pide, codificacion, cuerpo) in [
            ("br, gzip", "br", format!("BR:{contenido}")),
            ("gzip;q=0.8, deflate, br", "br", format!("BR:{contenido}")),
            // Quality values are honoured: the client prefers gzip here.
            ("gzip, br;q=0.9", "gzip", format!("GZ:{contenido}")),
            ("gzip", "gzip", format!("GZ:{contenido}")),
            ("gzip;q=1, br;q=0", "gzip", format!("GZ:{contenido}")),
            ("", "", contenido.to_owned()),
            ("identity", "", contenido.to_owned()),
            ("deflate", "", contenido.to_owned()),
        ] {
            let mut peticion = http.get(&url);
            if !pide.is_empty() {
                peticion = peticion.header(ACCEPT_ENCODING, pide);
            }
            let r = peticion.send().await.unwrap();
            let que = format!("{nombre} con Accept-Encoding «{pide}»");
            assert_eq!(r.status(), 200, "{que}");
            assert_eq!(cabecera(&r, CONTENT_ENCODING), codificacion, "{que}");
            assert_eq!(cabecera(&r, VARY), "accept-encoding", "{que}");
            assert_eq!(
                cabecera(&r, CACHE_CONTROL),
                "public, max-age=31536000, immutable",
                "{que}"
            );
            assert!(cabecera(&r, CONTENT_TYPE).starts_with(tipo), "{que}: {r:?}");
            assert_eq!(r.bytes().await.unwrap(), cuerpo.as_bytes(), "{que}");
        }
        // A revalidation (a browser that ignores `immutable`) is a 304.
        let r = http.get(&url).send().await.unwrap();
        let validador = cabecera(&r, ETAG);
        let r = if validador.is_empty() {
            let fecha = cabecera(&r, LAST_MODIFIED);
            assert!(!fecha.is_empty(), "{nombre}: sin ETag ni Last-Modified");
            http.get(&url)
                .header(reqwest::header::IF_MODIFIED_SINCE, fecha)
                .send()
                .await
                .unwrap()
        } else {
            http.get(&url)
                .header(IF_NONE_MATCH, validador)
                .send()
                .await
                .unwrap()
        };
        assert_eq!(r.status(), 304, "{nombre}");
    }

    // A file that is not there (an old page asking for a previous build's bundle, a typo): a plain
    // 404 that no cache keeps, never the HTML shell. Also for the folder itself and the bundle's
    // unhashed names.
    for ruta in [
        "/pkg/intercomunicacion.0ld.wasm",
        "/pkg/intercomunicacion.css",
        "/pkg/",
        "/pkg",
        "/pkg/no/existe.js",
    ] {
        let r = http
            .get(format!("{}{ruta}", app.base))
            .header(ACCEPT_ENCODING, "br, gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{ruta}");
        assert_eq!(cabecera(&r, CACHE_CONTROL), "no-store", "{ruta}");
        assert!(
            !cabecera(&r, CONTENT_TYPE).starts_with("text/html"),
            "{ruta}: {r:?}"
        );
        let cuerpo = r.text().await.unwrap();
        assert!(!cuerpo.contains("<html"), "{ruta}: {cuerpo}");
    }
}

/// Without hashed names (`cargo leptos watch`), the same files are revalidated on every visit:
/// their names do not change when their content does.
#[tokio::test]
async fn sin_hash_el_paquete_se_revalida() {
    let s = sitio();
    let pkg = Path::new(&s.sitio).join("pkg");
    std::fs::write(pkg.join("intercomunicacion.css"), "body{}").unwrap();
    std::fs::write(pkg.join("intercomunicacion.css.gz"), "GZ:body{}").unwrap();
    let app = levantar_con(&[
        ("LEPTOS_SITE_ROOT", s.sitio.as_str()),
        ("LEPTOS_HASH_FILES", "false"),
    ])
    .await;
    let http = cliente();
    let html = http
        .get(format!("{}/ingresar", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("/pkg/intercomunicacion.css"), "{html}");
    assert!(!html.contains("h4sh"), "{html}");

    let r = http
        .get(format!("{}/pkg/intercomunicacion.css", app.base))
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(cabecera(&r, CONTENT_ENCODING), "gzip");
    assert_eq!(cabecera(&r, VARY), "accept-encoding");
    assert_eq!(cabecera(&r, CACHE_CONTROL), "no-cache");
    assert_eq!(r.bytes().await.unwrap(), "GZ:body{}".as_bytes());
}
