//! Logs over HTTP against the real server: every request's id in its log lines, no secret in
//! them, and the real binary's JSON logs in production mode.

mod comun;
#[path = "comun/intercambio.rs"]
mod intercambio;

use comun::{
    smtp::{Modo, ServidorSmtp},
    Navegador, CONTRASENA, CORREO, NRP,
};
use serde_json::Value;
use servidor::telemetria;
use std::{
    io::Write,
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};

/// Everything this test binary logs, in the server's JSON format.
#[derive(Clone, Default)]
struct Bufer(Arc<Mutex<Vec<u8>>>);

impl Write for Bufer {
    fn write(&mut self, datos: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("candado").extend_from_slice(datos);
        Ok(datos.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Bufer {
    type Writer = Bufer;
    fn make_writer(&'a self) -> Bufer {
        self.clone()
    }
}

impl Bufer {
    fn texto(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("candado")).into_owned()
    }

    fn lineas(&self) -> Vec<Value> {
        self.texto()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("no es JSON: {l}")))
            .collect()
    }
}

fn registros() -> &'static Bufer {
    static BUFER: OnceLock<Bufer> = OnceLock::new();
    BUFER.get_or_init(|| {
        let bufer = Bufer::default();
        tracing::subscriber::set_global_default(telemetria::suscriptor(true, bufer.clone()))
            .expect("un solo suscriptor");
        bufer
    })
}

/// Whether a JSON log line was written inside the request with this id.
fn de_la_peticion(linea: &Value, id: &str) -> bool {
    linea["span"]["id"] == id
        || linea["spans"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s["id"] == id))
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("cliente")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cada_peticion_lleva_su_id_y_los_registros_no_guardan_secretos() {
    let bufer = registros();
    let app = comun::levantar().await;
    let cliente = http();

    // A well-formed incoming id is kept and echoed; anything else is replaced.
    let r = cliente
        .get(format!("{}/salud/vivo", app.base))
        .header("x-request-id", "balanceador-7_a")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "balanceador-7_a");
    for malo in ["x".repeat(65), "a;b".into(), "ñandú".into()] {
        let r = cliente
            .get(format!("{}/salud/vivo", app.base))
            .header("x-request-id", malo.as_bytes())
            .send()
            .await
            .unwrap();
        let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_ne!(id, malo);
        assert!(
            id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "{id}"
        );
    }
    let r = cliente
        .get(format!("{}/salud/vivo", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"].len(), 32, "sin id, uno nuevo");

    // A sign-in (password in the body), a page with a query string, then the payroll API
    // (two credential passwords in the body, then a bearer token).
    let mut n = Navegador::new(&app);
    n.pagina("/ingresar").await;
    let r = n
        .http
        .post(format!("{}/api/iniciar-sesion", app.base))
        .header(
            "cookie",
            format!("__Host-csrf={}", n.cookies["__Host-csrf"]),
        )
        .header("x-csrf-token", &n.csrf)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-request-id", "ingreso-1")
        .body(
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs([("nrp", NRP), ("correo", CORREO), ("contrasena", CONTRASENA)])
                .finish(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookies: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| {
            v.split(';')
                .next()?
                .split_once('=')
                .map(|(_, v)| v.to_owned())
        })
        .filter(|v| !v.is_empty())
        .collect();
    assert!(!cookies.is_empty(), "el ingreso entrega cookies");
    let r = n
        .http
        .get(format!(
            "{}/acuses/verificar?folio=MARCA-DE-LA-CONSULTA",
            app.base
        ))
        .header("x-request-id", "consulta-1")
        .header("authorization", "Basic c2VjcmV0by1kZS1jYWJlY2VyYQ==")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "consulta-1");

    let e = intercambio::escenario(&app.estado, NRP).await;
    let r = cliente
        .post(format!("{}/api/v1/sesiones", app.base))
        .header("x-request-id", "api-sesion-1")
        .json(&e.cuerpo_nrp(NRP))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = cliente
        .get(format!("{}/api/v1/avisos?pagina=1", app.base))
        .header("x-request-id", "api-avisos-1")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-request-id"], "api-avisos-1");

    let lineas = bufer.lineas();
    let atendida = |id: &str| -> Value {
        lineas
            .iter()
            .find(|l| de_la_peticion(l, id) && l["fields"]["message"] == "petición atendida")
            .unwrap_or_else(|| panic!("sin línea de la petición {id}"))
            .clone()
    };
    let avisos = atendida("api-avisos-1");
    assert_eq!(avisos["span"]["ruta"], "/api/v1/avisos");
    assert_eq!(avisos["span"]["metodo"], "GET");
    assert_eq!(avisos["fields"]["estado"], 200);
    assert!(avisos["fields"]["duracion_ms"].as_f64().is_some());
    assert_eq!(avisos["level"], "INFO");
    // When, in UTC (ASVS 16.2.2): RFC 3339 with the zone `Z`, within a minute of now.
    let cuando = avisos["timestamp"].as_str().expect("timestamp");
    assert!(cuando.ends_with('Z'), "{cuando}");
    let cuando =
        time::OffsetDateTime::parse(cuando, &time::format_description::well_known::Rfc3339)
            .expect("RFC 3339");
    assert!((cuando.unix_timestamp() - servidor::ahora()).abs() < 60);
    let ingreso = atendida("ingreso-1");
    assert_eq!(
        (
            &ingreso["span"]["ruta"],
            &ingreso["span"]["metodo"],
            &ingreso["fields"]["estado"]
        ),
        (
            &Value::from("/api/iniciar-sesion"),
            &Value::from("POST"),
            &Value::from(200)
        )
    );
    assert_eq!(atendida("api-sesion-1")["fields"]["estado"], 201);
    assert_eq!(atendida("consulta-1")["span"]["ruta"], "/acuses/verificar");
    assert_eq!(atendida("balanceador-7_a")["span"]["ruta"], "/salud/vivo");

    let texto = bufer.texto();
    let mut secretos = vec![
        CONTRASENA.to_owned(),
        token.clone(),
        e.contrasena_patron.clone(),
        e.contrasena_patron.replace('-', ""),
        e.contrasena_desarrollador.clone(),
        e.contrasena_desarrollador.replace('-', ""),
        n.csrf.clone(),
        "MARCA-DE-LA-CONSULTA".into(),
        "c2VjcmV0by1kZS1jYWJlY2VyYQ".into(),
    ];
    secretos.extend(cookies);
    for secreto in secretos {
        assert!(
            !texto.contains(&secreto),
            "«{secreto}» aparece en los registros"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lo_que_se_registra_dentro_de_una_peticion_lleva_su_id() {
    let bufer = registros();
    // An SMTP address nobody listens on: /salud logs a warning while answering.
    let smtp = ServidorSmtp::iniciar().await;
    smtp.cambiar(Modo::Rechazar).await;
    let app = comun::levantar_con(&[("INTERCOM_SMTP_URL", smtp.url().as_str())]).await;
    let r = http()
        .get(format!("{}/salud", app.base))
        .header("x-request-id", "salud-con-aviso")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let propias: Vec<Value> = bufer
        .lineas()
        .into_iter()
        .filter(|l| de_la_peticion(l, "salud-con-aviso"))
        .collect();
    let mensajes: Vec<&str> = propias
        .iter()
        .filter_map(|l| l["fields"]["message"].as_str())
        .collect();
    assert_eq!(
        mensajes,
        ["el servidor SMTP no acepta conexiones", "petición atendida"]
    );
    assert_eq!(propias[0]["level"], "WARN");

    // A page rendered with the database gone: the error logged while rendering carries the id.
    app.estado.bd.close().await;
    let r = http()
        .get(format!("{}/acuses/verificar?folio=0123456789", app.base))
        .header("x-request-id", "pagina-sin-base")
        .send()
        .await
        .unwrap();
    let _ = r.text().await;
    let propias: Vec<Value> = bufer
        .lineas()
        .into_iter()
        .filter(|l| de_la_peticion(l, "pagina-sin-base"))
        .collect();
    assert!(
        propias
            .iter()
            .any(|l| l["level"] == "ERROR" && l["fields"]["message"] == "base de datos"),
        "{propias:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn las_tareas_que_lanza_leptos_heredan_el_span_de_la_peticion() {
    let bufer = registros();
    // Building the server installs the spawner Leptos uses for a page's resources.
    let _app = comun::levantar().await;
    let (listo, esperar) = tokio::sync::oneshot::channel();
    tracing::info_span!("peticion", id = "tarea-de-leptos").in_scope(|| {
        any_spawner::Executor::spawn(async move {
            tracing::info!("desde una tarea");
            let _ = listo.send(());
        })
    });
    esperar.await.expect("la tarea corrió");
    assert!(bufer.lineas().iter().any(
        |l| de_la_peticion(l, "tarea-de-leptos") && l["fields"]["message"] == "desde una tarea"
    ));
}

/// Kills the child on the way out, even when an assertion fails.
struct Proceso(std::process::Child);

impl Drop for Proceso {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn el_binario_en_produccion_registra_json_con_el_id_de_cada_peticion() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let datos = comun::Datos::nuevos().await;
    let smtp = ServidorSmtp::iniciar().await;
    let token = "m".repeat(48);
    let puerto = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut orden = std::process::Command::new(env!("CARGO_BIN_EXE_intercomunicacion"));
    orden
        .envs(comun::produccion(dir.path(), &smtp.url()))
        .envs(datos.variables())
        .env("INTERCOM_METRICAS_TOKEN", &token)
        .env("INTERCOM_LOG_JSON", "1")
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{puerto}"))
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut proceso = Proceso(orden.spawn().expect("el binario arranca"));
    let base = format!("http://127.0.0.1:{puerto}");
    let cliente = http();
    let mut listo = false;
    for _ in 0..300 {
        if let Ok(r) = cliente.get(format!("{base}/salud/vivo")).send().await {
            listo = r.status() == 200;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(listo, "el servidor no respondió");
    let r = cliente
        .get(format!("{base}/salud"))
        .header("x-request-id", "binario-salud")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-request-id"], "binario-salud");
    let r = cliente
        .get(format!("{base}/metricas"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = cliente
        .get(format!("{base}/metricas"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("intercom_peticiones_total{ruta=\"/salud\",estado=\"200\"} 1"));

    let _ = proceso.0.kill();
    let _ = proceso.0.wait();
    let mut stderr = String::new();
    proceso
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let lineas: Vec<Value> = stderr
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let linea = lineas
        .iter()
        .find(|l| de_la_peticion(l, "binario-salud"))
        .unwrap_or_else(|| panic!("sin la línea de la petición:\n{stderr}"));
    assert_eq!(linea["fields"]["message"], "petición atendida");
    assert_eq!(linea["span"]["ruta"], "/salud");
    assert_eq!(linea["fields"]["estado"], 200);
    assert!(
        !stderr.contains(&token),
        "el token de métricas no se registra"
    );
}
