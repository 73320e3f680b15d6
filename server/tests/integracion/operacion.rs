//! Health and metrics over HTTP against the real server: `/salud` and `/salud/vivo` with the
//! database or SMTP down, `/metricas` counting what happened, and who may read it in demo and
//! in production mode.

use crate::comun;
use crate::intercambio;

use base64::{engine::general_purpose::STANDARD, Engine};
use comun::{
    sat,
    smtp::{Modo, ServidorSmtp},
    Navegador, CONTRASENA, CORREO, NRP,
};
use efirma::{Algoritmo, Credencial};
use serde_json::Value;
use std::time::Duration;

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("cliente")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn salud_dice_si_la_base_y_el_smtp_responden() {
    let smtp = ServidorSmtp::iniciar().await;
    let app = comun::levantar_con(&[("INTERCOM_SMTP_URL", smtp.url().as_str())]).await;
    let cliente = http();
    let salud = || async {
        let r = cliente
            .get(format!("{}/salud", app.base))
            .header("cookie", "__Host-sesion=no-importa")
            .send()
            .await
            .unwrap();
        let codigo = r.status().as_u16();
        let cabeceras = r.headers().clone();
        (codigo, cabeceras, r.json::<Value>().await.unwrap())
    };

    let (codigo, cabeceras, cuerpo) = salud().await;
    assert_eq!(codigo, 200);
    assert_eq!(
        cuerpo,
        serde_json::json!({"estado": "ok", "base_de_datos": "ok", "smtp": "ok"})
    );
    assert_eq!(cabeceras["cache-control"], "no-store");
    assert!(!cabeceras.contains_key("set-cookie"), "sin sesión ni CSRF");
    assert!(!cabeceras.contains_key("retry-after"));
    let conexiones = smtp.conexiones();
    assert!(conexiones >= 1);
    // Cached: a second probe right away does not connect again.
    assert_eq!(salud().await.0, 200);
    assert_eq!(smtp.conexiones(), conexiones);

    // SMTP down: once the cached answer expires, 503 with Retry-After.
    smtp.cambiar(Modo::Rechazar).await;
    tokio::time::sleep(servidor::salud::VIGENCIA_SMTP + Duration::from_millis(200)).await;
    let (codigo, cabeceras, cuerpo) = salud().await;
    assert_eq!(codigo, 503);
    assert_eq!(
        cuerpo,
        serde_json::json!({"estado": "no_disponible", "base_de_datos": "ok", "smtp": "inalcanzable"})
    );
    assert_eq!(cabeceras["retry-after"], "5");

    // SMTP back, database gone: the liveness probe still answers.
    smtp.cambiar(Modo::Normal).await;
    tokio::time::sleep(servidor::salud::VIGENCIA_SMTP + Duration::from_millis(200)).await;
    app.estado.bd.close().await;
    let (codigo, _, cuerpo) = salud().await;
    assert_eq!(codigo, 503);
    assert_eq!(
        cuerpo,
        serde_json::json!({"estado": "no_disponible", "base_de_datos": "sin_respuesta", "smtp": "ok"})
    );
    let r = cliente
        .get(format!("{}/salud/vivo", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        serde_json::json!({"estado": "ok"})
    );
    // The metrics still answer: the database reads as unavailable, and the outbox's gauges are
    // absent rather than a misleading zero.
    let t = metricas(&app).await;
    assert_eq!(serie(&t, "intercom_base_de_datos_disponible"), Some(0.0));
    assert_eq!(serie(&t, "intercom_correos_pendientes"), None);
    assert!(!t.contains("intercom_correos_fallidos"), "{t}");
    assert!(
        t.contains("intercom_peticiones_total{ruta=\"/salud\",estado=\"503\"} "),
        "{t}"
    );
}

#[tokio::test]
async fn sin_smtp_configurado_el_buzon_local_cuenta_como_disponible() {
    let app = comun::levantar().await;
    let r = http()
        .get(format!("{}/salud", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["smtp"], "ok");
}

/// The value of one series in a Prometheus exposition, `None` when absent.
fn serie(texto: &str, nombre: &str) -> Option<f64> {
    texto
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.strip_prefix(nombre)?.strip_prefix(' ')?.parse().ok())
}

async fn metricas(app: &comun::AppPrueba) -> String {
    let r = http()
        .get(format!("{}/metricas", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    r.text().await.unwrap()
}

fn fiel() -> Credencial {
    let leer = |r: &str| std::fs::read(sat(r)).unwrap();
    Credencial::abrir(
        &leer("EKU9003173C9/fiel.cer"),
        &leer("EKU9003173C9/fiel.key"),
        b"12345678a",
    )
    .unwrap()
}

/// A challenge signed with `fiel` and sent with certificate `cer`.
async fn validar(n: &mut Navegador, fiel: &Credencial, cer: &[u8]) -> reqwest::Response {
    let r = n
        .post_form(
            "/api/generacion/reto",
            &[
                ("no_certificado", fiel.certificado().no_certificado()),
                ("acepto_terminos", "true"),
            ],
        )
        .await;
    let cadena: String = r.json().await.unwrap();
    let firma = fiel
        .firmar(cadena.as_bytes(), Algoritmo::PssSha256)
        .unwrap();
    n.post_form(
        "/api/generacion/validar",
        &[
            ("certificado", &STANDARD.encode(cer)),
            ("cadena", &cadena),
            ("firma", &STANDARD.encode(firma)),
        ],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn las_metricas_cuentan_peticiones_rechazos_credenciales_y_sesiones() {
    let app =
        comun::levantar_con(&[("INTERCOM_ANCLAS", &sat("ca/pruebas").display().to_string())]).await;
    let antes = metricas(&app).await;
    assert_eq!(
        serie(
            &antes,
            "intercom_credenciales_emitidas_total{rol=\"patron\"}"
        ),
        Some(0.0)
    );
    assert_eq!(serie(&antes, "intercom_correos_pendientes"), Some(0.0));
    assert_eq!(
        serie(&antes, "intercom_base_de_datos_disponible"),
        Some(1.0)
    );

    // A sign-in, a refused e.firma (a CSD), then the whole issuance and a cancellation.
    let mut n = Navegador::new(&app);
    assert_eq!(n.ingresar(NRP, CORREO, CONTRASENA).await.status(), 200);
    n.pagina("/portal/mis-tramites/servicios-de-intercomunicacion")
        .await;
    let fiel = fiel();
    let csd = std::fs::read(sat("EKU9003173C9/csd.cer")).unwrap();
    assert_eq!(validar(&mut n, &fiel, &csd).await.status(), 422);
    let r = validar(&mut n, &fiel, fiel.certificado().der()).await;
    assert_eq!(r.status(), 200);
    let cadena = r.json::<Value>().await.unwrap()["cadena_original"]
        .as_str()
        .unwrap()
        .to_owned();
    let sello = fiel
        .firmar(cadena.as_bytes(), Algoritmo::Pkcs1v15Sha256)
        .unwrap();
    let r = n
        .post_form(
            "/api/generacion/firmar",
            &[
                ("certificado", &STANDARD.encode(fiel.certificado().der())),
                ("cadena", &cadena),
                ("sello", &STANDARD.encode(sello)),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let folio = r.json::<Value>().await.unwrap()["folio"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = n
        .post_form("/api/generacion/cancelar", &[("folio", &folio)])
        .await;
    assert_eq!(r.status(), 200);

    // The payroll API: one session refused, one opened.
    let e = intercambio::escenario(&app.estado, NRP).await;
    let mut cuerpo = e.cuerpo_nrp(NRP);
    cuerpo["contrasena_desarrollador"] = "ABCDE-FGHJK-MNPQR-STUVW-XYZ23".into();
    let cliente = http();
    let r = cliente
        .post(format!("{}/api/v1/sesiones", app.base))
        .json(&cuerpo)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = cliente
        .post(format!("{}/api/v1/sesiones", app.base))
        .json(&e.cuerpo_nrp(NRP))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    let t = metricas(&app).await;
    let valor = |nombre: &str| serie(&t, nombre).unwrap_or_else(|| panic!("falta {nombre}:\n{t}"));
    assert_eq!(
        valor("intercom_peticiones_total{ruta=\"/api/iniciar-sesion\",estado=\"200\"}"),
        1.0
    );
    assert_eq!(
        valor("intercom_peticiones_total{ruta=\"/api/generacion/validar\",estado=\"422\"}"),
        1.0
    );
    assert_eq!(
        valor("intercom_peticiones_total{ruta=\"/api/v1/sesiones\",estado=\"401\"}"),
        1.0
    );
    assert_eq!(
        valor("intercom_peticion_duracion_segundos_count{ruta=\"/api/generacion/validar\"}"),
        2.0
    );
    assert_eq!(
        valor("intercom_peticion_duracion_segundos_bucket{ruta=\"/api/generacion/validar\",le=\"+Inf\"}"),
        2.0
    );
    assert!(
        valor("intercom_peticion_duracion_segundos_sum{ruta=\"/api/generacion/validar\"}") > 0.0
    );
    assert_eq!(
        valor("intercom_efirma_rechazos_total{motivo=\"csd_no_es_efirma\"}"),
        1.0
    );
    assert_eq!(
        valor("intercom_credenciales_emitidas_total{rol=\"patron\"}"),
        1.0
    );
    assert_eq!(
        valor("intercom_credenciales_canceladas_total{rol=\"patron\"}"),
        1.0
    );
    assert_eq!(
        valor("intercom_credenciales_emitidas_total{rol=\"desarrollador\"}"),
        0.0
    );
    assert_eq!(valor("intercom_api_sesiones_abiertas_total"), 1.0);
    assert_eq!(
        valor("intercom_api_sesiones_rechazadas_total{motivo=\"credenciales_invalidas\"}"),
        1.0
    );
    // Two emails (issued, cancelled) wait in the outbox: no worker runs in this test.
    assert_eq!(valor("intercom_correos_pendientes"), 2.0);
    assert_eq!(valor("intercom_correos_fallidos"), 0.0);
    // Labels are route templates, never a client's path.
    assert!(!t.contains(&folio));
    for linea in t.lines().filter(|l| l.starts_with("# TYPE")) {
        assert!(
            linea.ends_with(" counter")
                || linea.ends_with(" gauge")
                || linea.ends_with(" histogram"),
            "{linea}"
        );
    }
    // Every metric /metricas serves, under its name and type, each once.
    let mut tipos: Vec<&str> = t
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .collect();
    tipos.sort_unstable();
    assert_eq!(
        tipos,
        [
            "intercom_api_sesiones_abiertas_total counter",
            "intercom_api_sesiones_rechazadas_total counter",
            "intercom_base_de_datos_disponible gauge",
            "intercom_correo_fallos_total counter",
            "intercom_correo_reintentos_total counter",
            "intercom_correos_en_reintento gauge",
            "intercom_correos_fallidos gauge",
            "intercom_correos_pendientes gauge",
            "intercom_credenciales_canceladas_total counter",
            "intercom_credenciales_emitidas_total counter",
            "intercom_efirma_rechazos_total counter",
            "intercom_peticion_duracion_segundos histogram",
            "intercom_peticiones_total counter",
        ]
    );
}

#[tokio::test]
async fn con_token_las_metricas_piden_el_token_exacto() {
    let token = "t".repeat(40);
    let app = comun::levantar_con(&[("INTERCOM_METRICAS_TOKEN", token.as_str())]).await;
    let cliente = http();
    let pedir = |autorizacion: Option<String>| {
        let mut p = cliente.get(format!("{}/metricas", app.base));
        if let Some(a) = autorizacion {
            p = p.header("authorization", a);
        }
        p.send()
    };
    let r = pedir(None).await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"metricas\"");
    for malo in [
        format!("Bearer {}", "t".repeat(39)),
        format!("Bearer {token}x"),
        format!("bearer {token}"),
        format!("Basic {token}"),
    ] {
        assert_eq!(
            pedir(Some(malo.clone())).await.unwrap().status(),
            401,
            "{malo}"
        );
    }
    let r = pedir(Some(format!("Bearer {token}"))).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("# TYPE intercom_peticiones_total counter"));
}

#[tokio::test]
async fn en_produccion_sin_token_no_hay_metricas() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = ServidorSmtp::iniciar().await;
    let variables = comun::produccion(dir.path(), &smtp.url());
    let pares: Vec<(&'static str, &str)> =
        variables.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = comun::levantar_con(&pares).await;
    let r = http()
        .get(format!("{}/metricas", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = http()
        .get(format!("{}/salud", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// `/.well-known/security.txt` (RFC 9116): the configured contact, the demo's fallback, and
/// nothing in production without one.
#[tokio::test]
async fn security_txt_publica_el_contacto_configurado() {
    let leer = |app: &comun::AppPrueba| {
        let url = format!("{}/.well-known/security.txt", app.base);
        async move { http().get(url).send().await.unwrap() }
    };
    let app = comun::levantar_con(&[
        (
            "INTERCOM_CONTACTO_SEGURIDAD",
            "mailto:seguridad@infonavit.example",
        ),
        ("INTERCOM_URL_PUBLICA", "https://portal.example"),
    ])
    .await;
    let r = leer(&app).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
    assert!(r.headers().get("set-cookie").is_none());
    let texto = r.text().await.unwrap();
    let lineas: Vec<&str> = texto.lines().collect();
    assert_eq!(lineas[0], "Contact: mailto:seguridad@infonavit.example");
    let expira = lineas[1].strip_prefix("Expires: ").expect("Expires");
    let expira =
        time::OffsetDateTime::parse(expira, &time::format_description::well_known::Rfc3339)
            .unwrap()
            .unix_timestamp();
    let dentro = expira - servidor::ahora();
    assert!(
        dentro > 0 && dentro <= 366 * 86_400,
        "menos de un año por delante: {dentro} s"
    );
    assert_eq!(
        &lineas[2..],
        [
            "Preferred-Languages: es, en",
            "Canonical: https://portal.example/.well-known/security.txt"
        ]
    );

    // The demo names the sender's domain when nothing is configured.
    let demo = comun::levantar().await;
    assert!(leer(&demo)
        .await
        .text()
        .await
        .unwrap()
        .starts_with("Contact: mailto:seguridad@infonavit.localhost\n"));

    // Production without a contact publishes none.
    let dir = tempfile::tempdir().unwrap();
    let smtp = ServidorSmtp::iniciar().await;
    let variables = comun::produccion(dir.path(), &smtp.url());
    let pares: Vec<(&'static str, &str)> =
        variables.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = comun::levantar_con(&pares).await;
    assert_eq!(leer(&app).await.status(), 404);
}
