//! HTTP-level protections against the real server (OWASP ASVS 5.0 V3.4, V3.5, V4.1, V4.2): the
//! exact security headers on every kind of response, a content type with its charset, no CORS,
//! no state changed by a GET, HTTP/1.1 message framing that cannot be read two ways, and paths
//! that cannot leave the site's folder (V5.3).

use crate::comun;

use comun::{levantar, Navegador, CONTRASENA, CORREO, NRP};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What a rendered document's policy must be, `NONCE` standing for the render's nonce.
const CSP_DOCUMENTO: &str =
    "default-src 'none'; script-src 'self' 'nonce-NONCE' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'";
/// ...and that of everything else (JSON, PDF, text, redirects, errors).
const CSP_OTROS: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("cliente")
}

/// The render's nonce in a document's policy.
fn nonce(csp: &str) -> &str {
    csp.split("'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .unwrap_or_else(|| panic!("sin nonce: {csp}"))
}

#[tokio::test]
async fn cada_respuesta_lleva_las_cabeceras_de_seguridad_exactas() {
    let app = levantar().await;
    let mut n = Navegador::new(&app);
    n.pagina("/ingresar").await;
    let sin_csrf = http()
        .post(format!("{}/api/iniciar-sesion", app.base))
        .header("cookie", n.cabecera_cookies())
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://atacante.example")
        .body("nrp=Y5412345108")
        .send()
        .await
        .unwrap();

    // (request, expected status, expected content type or none, is a rendered document)
    let mut casos: Vec<(String, reqwest::Response, u16, Option<&str>, bool)> = Vec::new();
    for (ruta, estado, tipo, documento) in [
        ("/", 200, Some("text/html; charset=utf-8"), true),
        ("/ingresar", 200, Some("text/html; charset=utf-8"), true),
        (
            "/acuses/verificar?folio=0123456789",
            200,
            Some("text/html; charset=utf-8"),
            true,
        ),
        (
            "/una-ruta-que-no-existe",
            404,
            Some("text/html; charset=utf-8"),
            true,
        ),
        ("/portal/escritorio", 303, None, false),
        ("/api/v1/avisos", 401, Some("application/json"), false),
        ("/api/v1/openapi.json", 200, Some("application/json"), false),
        ("/api/v1/nada", 404, Some("application/json"), false),
        ("/salud/vivo", 200, Some("application/json"), false),
        (
            "/.well-known/security.txt",
            200,
            Some("text/plain; charset=utf-8"),
            false,
        ),
        (
            "/acuses/0000000000.pdf",
            404,
            Some("text/plain; charset=utf-8"),
            false,
        ),
        (
            "/acuses/certificado-instituto.pem",
            200,
            Some("application/x-pem-file"),
            false,
        ),
    ] {
        // A foreign Origin on every request: no answer may open itself to it.
        let r = http()
            .get(format!("{}{ruta}", app.base))
            .header("origin", "https://atacante.example")
            .send()
            .await
            .unwrap();
        casos.push((ruta.to_owned(), r, estado, tipo, documento));
    }
    casos.push((
        "POST /api/iniciar-sesion sin token".into(),
        sin_csrf,
        403,
        Some("application/json"),
        false,
    ));
    let preflight = http()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/v1/sesiones", app.base),
        )
        .header("origin", "https://atacante.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    let estado_preflight = preflight.status().as_u16();
    assert!(
        estado_preflight == 404 || estado_preflight == 405,
        "un preflight no se atiende: {estado_preflight}"
    );
    casos.push((
        "OPTIONS /api/v1/sesiones".into(),
        preflight,
        estado_preflight,
        Some("application/json"),
        false,
    ));

    for (que, r, estado, tipo, documento) in casos {
        let h = r.headers();
        assert_eq!(r.status().as_u16(), estado, "{que}");
        assert_eq!(
            h["strict-transport-security"], "max-age=63072000; includeSubDomains",
            "{que}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{que}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{que}");
        assert_eq!(h["x-frame-options"], "DENY", "{que}");
        assert_eq!(h["cache-control"], "no-store", "{que}");
        let csp = h["content-security-policy"].to_str().unwrap();
        if documento {
            assert_eq!(csp, CSP_DOCUMENTO.replace("NONCE", nonce(csp)), "{que}");
        } else {
            assert_eq!(csp, CSP_OTROS, "{que}");
        }
        for cors in [
            "access-control-allow-origin",
            "access-control-allow-credentials",
            "access-control-allow-methods",
            "access-control-allow-headers",
        ] {
            assert!(h.get(cors).is_none(), "{que}: {cors}");
        }
        assert_eq!(
            h.get("content-type").map(|v| v.to_str().unwrap()),
            tipo,
            "{que}"
        );
    }

    // Each render has a nonce of its own.
    let csp = |r: &reqwest::Response| {
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    let a = csp(&http().get(format!("{}/", app.base)).send().await.unwrap());
    let b = csp(&http().get(format!("{}/", app.base)).send().await.unwrap());
    assert_ne!(nonce(&a), nonce(&b));
    assert!(nonce(&a).len() >= 22, "al menos 128 bits: {}", nonce(&a));
}

/// A GET or HEAD never runs what changes state: the server functions answer only POST, so a
/// link or an image on another site cannot sign anybody out (ASVS 3.5.3).
#[tokio::test]
async fn un_get_no_ejecuta_lo_que_cambia_estado() {
    let app = levantar().await;
    let mut n = Navegador::new(&app);
    assert_eq!(n.ingresar(NRP, CORREO, CONTRASENA).await.status(), 200);
    for metodo in [reqwest::Method::GET, reqwest::Method::HEAD] {
        let r = n
            .http
            .request(metodo.clone(), format!("{}/api/cerrar-sesion", app.base))
            .header("cookie", n.cabecera_cookies())
            .send()
            .await
            .unwrap();
        assert!(
            !r.status().is_success(),
            "{metodo} /api/cerrar-sesion: {}",
            r.status()
        );
        assert!(r.headers().get("set-cookie").is_none(), "{metodo}");
    }
    let r = n
        .http
        .get(format!(
            "{}/api/iniciar-sesion?nrp={NRP}&correo={CORREO}&contrasena={CONTRASENA}",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert!(
        !r.status().is_success(),
        "GET /api/iniciar-sesion: {}",
        r.status()
    );
    assert!(!r
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap().starts_with("__Host-sesion=")));

    // The session is still there, and only the one the POST sign-in opened.
    assert_eq!(n.get("/portal/escritorio").await.status(), 200);
    let sesiones: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sesiones")
        .fetch_one(&app.estado.bd)
        .await
        .unwrap();
    assert_eq!(sesiones, 1);
}

/// Writes `bytes` on one connection and reads until the server closes it: every response, as
/// text.
async fn en_bruto(app: &comun::AppPrueba, bytes: &str) -> String {
    let direccion = app.base.strip_prefix("http://").unwrap();
    let mut s = tokio::net::TcpStream::connect(direccion).await.unwrap();
    s.write_all(bytes.as_bytes()).await.unwrap();
    let mut leido = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut leido))
        .await
        .expect("el servidor cierra la conexión")
        .unwrap();
    String::from_utf8_lossy(&leido).into_owned()
}

/// The status codes of the responses in `texto` (a status line may follow a body directly).
fn estados(texto: &str) -> Vec<&str> {
    texto
        .match_indices("HTTP/1.1 ")
        .filter_map(|(i, _)| texto.get(i + 9..i + 12))
        .collect()
}

/// HTTP/1.1 framing (ASVS 4.2.1): with `Transfer-Encoding: chunked` the `Content-Length` is
/// ignored, a message whose length could be read two ways is refused or ends its connection,
/// so no request can be smuggled inside another one's body.
#[tokio::test]
async fn un_mensaje_http_no_se_puede_leer_de_dos_maneras() {
    let app = levantar().await;
    let host = app.base.strip_prefix("http://").unwrap().to_owned();
    let siguiente =
        format!("GET /salud/vivo HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");

    // The net first: two plain requests on one connection get two answers.
    let texto = en_bruto(
        &app,
        &format!("GET /salud/vivo HTTP/1.1\r\nHost: {host}\r\n\r\n{siguiente}"),
    )
    .await;
    assert_eq!(estados(&texto), ["200", "200"], "{texto}");

    // Chunked wins over Content-Length: the body read is the chunk `[1,2]` (valid JSON of the
    // wrong shape), not the 3 bytes "5\r\n" the Content-Length names; and the connection
    // ends there, so the request behind it is never answered.
    let texto = en_bruto(
        &app,
        &format!(
            "POST /api/v1/sesiones HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
             Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n[1,2]\r\n0\r\n\r\n{siguiente}"
        ),
    )
    .await;
    assert_eq!(estados(&texto), ["400"], "{texto}");
    assert!(
        texto.contains("El cuerpo debe ser un objeto JSON con los campos"),
        "{texto}"
    );

    // A transfer coding other than chunked, or two different lengths: 400, and the request
    // behind it is never answered.
    for cabeceras in [
        "Transfer-Encoding: gzip\r\n",
        "Transfer-Encoding: chunked, identity\r\n",
        "Content-Length: 2\r\nContent-Length: 3\r\n",
    ] {
        let texto = en_bruto(
            &app,
            &format!(
                "POST /api/v1/sesiones HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
                 {cabeceras}\r\n{{}}\r\n{siguiente}"
            ),
        )
        .await;
        assert_eq!(estados(&texto), ["400"], "{cabeceras}: {texto}");
    }
}

/// Paths chosen by the client never leave the site's folder (ASVS 5.3.2): dot segments, raw or
/// percent-encoded, in the static files' route or anywhere else, are not followed to a file
/// beside it or above it.
#[tokio::test]
async fn una_ruta_no_sale_de_la_carpeta_del_sitio() {
    // A site folder with one file of the bundle, and a secret next to that folder.
    let raiz = tempfile::tempdir().unwrap();
    let sitio = raiz.path().join("sitio");
    std::fs::create_dir_all(sitio.join("pkg")).unwrap();
    std::fs::write(
        sitio.join("pkg/intercomunicacion.css"),
        "/* hoja de prueba */",
    )
    .unwrap();
    std::fs::write(raiz.path().join("secreto.txt"), "SECRETO-FUERA-DEL-SITIO").unwrap();
    let sitio = sitio.display().to_string();
    let app = comun::levantar_con(&[("LEPTOS_SITE_ROOT", sitio.as_str())]).await;
    let host = app.base.strip_prefix("http://").unwrap().to_owned();
    let pedir = |ruta: &str| {
        let peticion = format!("GET {ruta} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        let app = &app;
        async move { en_bruto(app, &peticion).await }
    };

    // The net: the bundle's file is served.
    let texto = pedir("/pkg/intercomunicacion.css").await;
    assert_eq!(estados(&texto), ["200"], "{texto}");
    assert!(texto.ends_with("/* hoja de prueba */"), "{texto}");

    for ruta in [
        "/pkg/../../secreto.txt",
        "/../secreto.txt",
        "/pkg/..%2f..%2fsecreto.txt",
        "/pkg/%2e%2e/%2e%2e/secreto.txt",
        "/%2e%2e/secreto.txt",
        "/pkg/..\\..\\secreto.txt",
        "/pkg/%2e%2e%5c%2e%2e%5csecreto.txt",
        "/pkg/....//....//secreto.txt",
        "/acuses/..%2fsecreto.txt",
        "/pkg/../../../../../../etc/passwd",
    ] {
        let texto = pedir(ruta).await;
        assert!(
            matches!(estados(&texto).as_slice(), ["400"] | ["404"]),
            "{ruta}: {texto}"
        );
        for fuera in ["SECRETO-FUERA-DEL-SITIO", "root:x:0:0"] {
            assert!(!texto.contains(fuera), "{ruta}: {texto}");
        }
    }
}
