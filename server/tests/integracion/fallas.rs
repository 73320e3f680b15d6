//! Faults the server must survive with nothing lost or duplicated: being killed (SIGKILL) in the
//! middle of generations and cancellations, and its database going away for a while under load.
//! (SMTP faults — refused, dropped, 4xx/5xx — are in `correo.rs` and `gestion.rs`.)

use crate::comun;

use comun::{instancia::Instancia, proxy::Relevo, smtp::ServidorSmtp, tramite, Datos, Navegador};
use std::{
    collections::{HashMap, HashSet},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

const TAB: &str = "/portal/mis-tramites/servicios-de-intercomunicacion";
/// Employers with the RFC of SAT's test FIEL.
const CUENTAS: [(&str, &str); 3] = [
    ("Y5412345108", "nomina@empresa.example"),
    ("C5412345109", "pagos@empresa.example"),
    ("D5412345100", "sistemas@empresa.example"),
];
const CONTRASENA: &str = "Contraseña-de-prueba-1";

fn alta(datos: &Datos) {
    for (nrp, correo) in CUENTAS {
        datos.alta_cuenta(nrp, correo, CONTRASENA);
    }
}

/// One employer generating and cancelling in a loop until told to stop.
async fn trabajar(
    base: String,
    nrp: &'static str,
    correo: &'static str,
    seguir: Arc<AtomicBool>,
) -> usize {
    let fiel = tramite::fiel();
    let mut n = Navegador::en(&base);
    if n.ingresar(nrp, correo, CONTRASENA).await.status() != 200 {
        return 0;
    }
    n.pagina(TAB).await;
    let mut hechos = 0;
    while seguir.load(Ordering::SeqCst) {
        if let Ok(folio) = tramite::generar(&mut n, &fiel, true).await {
            hechos += 1;
            if tramite::cancelar(&mut n, &folio).await.is_ok() {
                hechos += 1;
            }
        }
    }
    hechos
}

/// What must hold whenever the server stops, however it stops.
async fn comprobar_coherencia(bd: &servidor::bd::Bd) -> (usize, usize) {
    let credenciales: Vec<(String, String, i64, String)> =
        sqlx::query_as("SELECT folio, estado, cuenta_id, rol FROM credenciales")
            .fetch_all(bd)
            .await
            .expect("credenciales");
    let acuses: HashSet<String> = sqlx::query_scalar("SELECT folio FROM acuses")
        .fetch_all(bd)
        .await
        .expect("acuses")
        .into_iter()
        .collect();
    let correos: Vec<(String, String)> = sqlx::query_as("SELECT asunto, cuerpo FROM correos")
        .fetch_all(bd)
        .await
        .expect("correos");
    let folio_de = |cuerpo: &str| {
        cuerpo
            .lines()
            .find_map(|l| l.strip_prefix("FOLIO: "))
            .map(str::to_owned)
    };
    let mut por_folio: HashMap<(String, &'static str), usize> = HashMap::new();
    for (asunto, cuerpo) in &correos {
        let tipo = if asunto.ends_with("Contraseña generada") {
            "generada"
        } else if asunto.ends_with("Contraseña cancelada") {
            "cancelada"
        } else {
            continue;
        };
        let folio = folio_de(cuerpo).unwrap_or_else(|| panic!("correo sin folio: {asunto}"));
        *por_folio.entry((folio, tipo)).or_default() += 1;
    }
    let estados: HashMap<&str, &str> = credenciales
        .iter()
        .map(|(f, e, _, _)| (f.as_str(), e.as_str()))
        .collect();
    // Every email is about a credential that exists, in the state the email announces.
    for ((folio, tipo), n) in &por_folio {
        assert_eq!(*n, 1, "un solo correo «{tipo}» para {folio}");
        let estado = estados
            .get(folio.as_str())
            .unwrap_or_else(|| panic!("correo «{tipo}» de una credencial que no existe: {folio}"));
        if *tipo == "cancelada" {
            assert_eq!(*estado, "cancelada", "{folio}");
        }
    }
    // Every credential has its acuse and its email; a cancelled one, its notice too.
    let mut activas: HashMap<(i64, &str), usize> = HashMap::new();
    for (folio, estado, cuenta, rol) in &credenciales {
        assert!(acuses.contains(folio), "credencial {folio} sin acuse");
        assert!(
            por_folio.contains_key(&(folio.clone(), "generada")),
            "credencial {folio} sin su correo"
        );
        if estado == "cancelada" {
            assert!(
                por_folio.contains_key(&(folio.clone(), "cancelada")),
                "cancelación de {folio} sin su aviso"
            );
        }
        if estado == "activa" {
            *activas.entry((*cuenta, rol.as_str())).or_default() += 1;
        }
    }
    assert!(
        activas.values().all(|&n| n == 1),
        "una sola activa por cuenta y rol: {activas:?}"
    );
    assert_eq!(
        acuses.len(),
        credenciales.len(),
        "ningún acuse sin credencial"
    );
    (credenciales.len(), correos.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matar_el_servidor_a_media_operacion_no_deja_nada_a_medias() {
    let datos = Datos::nuevos().await;
    alta(&datos);
    let smtp = ServidorSmtp::iniciar().await;
    let (anclas, url_smtp) = (tramite::sat("ca/pruebas").display().to_string(), smtp.url());
    let extra = [
        ("INTERCOM_ANCLAS", anclas.as_str()),
        ("INTERCOM_SMTP_URL", url_smtp.as_str()),
    ];
    let bd = datos.conectar().await;
    let mut trabajo_total = 0;
    // Three kills, at different moments of the same kind of load.
    for ronda in 0..3u64 {
        let mut instancia = Instancia::iniciar(&datos, &extra).await;
        let seguir = Arc::new(AtomicBool::new(true));
        let tareas: Vec<_> = CUENTAS
            .iter()
            .map(|&(nrp, correo)| {
                tokio::spawn(trabajar(
                    instancia.base.clone(),
                    nrp,
                    correo,
                    seguir.clone(),
                ))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(1500 + 700 * ronda)).await;
        instancia.matar();
        seguir.store(false, Ordering::SeqCst);
        for t in tareas {
            trabajo_total += t.await.expect("tarea");
        }
        comprobar_coherencia(&bd).await;
    }
    assert!(trabajo_total > 0, "hubo trabajo que interrumpir");

    // Restarted, the server delivers what the outbox still held: each email once (a message
    // handed to SMTP just before a kill may be sent again, with the same Message-ID, which
    // mail servers deduplicate).
    let _instancia = Instancia::iniciar(&datos, &extra).await;
    let (credenciales, correos) = comprobar_coherencia(&bd).await;
    assert!(credenciales > 0);
    let limite = Instant::now() + Duration::from_secs(90);
    loop {
        let pendientes: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM correos WHERE estado <> 'enviado'")
                .fetch_one(&bd)
                .await
                .expect("correos");
        if pendientes == 0 {
            break;
        }
        assert!(Instant::now() < limite, "{pendientes} correos sin entregar");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let ids: HashSet<String> = smtp
        .recibidos()
        .iter()
        .map(|r| r.cabecera("Message-ID").expect("Message-ID"))
        .collect();
    assert_eq!(
        ids.len(),
        correos,
        "cada correo llegó, cada uno con su propio Message-ID"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sin_base_de_datos_responde_503_y_se_recupera_sola() {
    let datos = Datos::nuevos().await;
    if !datos.es_postgres() {
        // SQLite is a file inside the process: it cannot become unreachable. The test runs in
        // the PostgreSQL pass of the suite (scripts/probar.sh).
        eprintln!("solo con PostgreSQL (INTERCOM_PRUEBAS_PG)");
        return;
    }
    alta(&datos);
    // The server reaches PostgreSQL through a relay the test can cut.
    let (prefijo, resto) = datos.url.split_once('@').expect("URL con @");
    let (destino, base) = resto.split_once('/').expect("URL con /base");
    let relevo = Relevo::iniciar(destino.to_owned()).await;
    let url = format!("{prefijo}@127.0.0.1:{}/{base}", relevo.puerto);
    let instancia = Instancia::iniciar(&datos, &[("DATABASE_URL", url.as_str())]).await;
    let (nrp, correo) = CUENTAS[0];
    let mut n = Navegador::en(&instancia.base);
    assert_eq!(n.ingresar(nrp, correo, CONTRASENA).await.status(), 200);
    let cookies = n.cookies.clone();

    // Load: an authenticated page and sign-in attempts, from several clients at once.
    let seguir = Arc::new(AtomicBool::new(true));
    let vistos: Arc<std::sync::Mutex<Vec<(Instant, u16, bool)>>> = Arc::default();
    let mut tareas = Vec::new();
    for i in 0..4 {
        let (base, cookies, seguir, vistos) = (
            instancia.base.clone(),
            cookies.clone(),
            seguir.clone(),
            vistos.clone(),
        );
        tareas.push(tokio::spawn(async move {
            let mut n = Navegador::en(&base);
            if i % 2 == 0 {
                n.cookies = cookies;
            } else {
                // The sign-in form's own session and CSRF token.
                n.pagina("/ingresar").await;
            }
            while seguir.load(Ordering::SeqCst) {
                let r = if i % 2 == 0 {
                    n.get(TAB).await
                } else {
                    n.post_form_intento(
                        "/api/iniciar-sesion",
                        &[
                            ("nrp", "Z0000000001"),
                            ("correo", "x@empresa.example"),
                            ("contrasena", "x"),
                        ],
                    )
                    .await
                    .expect("respuesta")
                };
                let reintento = r.headers().contains_key("retry-after");
                let estado = r.status().as_u16();
                let _ = r.bytes().await;
                vistos
                    .lock()
                    .expect("vistos")
                    .push((Instant::now(), estado, reintento));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let corte = Instant::now();
    relevo.cortar();
    tokio::time::sleep(Duration::from_secs(8)).await;
    let regreso = Instant::now();
    relevo.restablecer();
    tokio::time::sleep(Duration::from_secs(12)).await;
    seguir.store(false, Ordering::SeqCst);
    for t in tareas {
        t.await.expect("tarea");
    }

    let vistos = vistos.lock().expect("vistos").clone();
    let resumen = |desde: Instant, hasta: Instant| {
        let mut r: std::collections::BTreeMap<(u16, bool), usize> = Default::default();
        for v in vistos.iter().filter(|v| v.0 > desde && v.0 < hasta) {
            *r.entry((v.1, v.2)).or_default() += 1;
        }
        format!("{r:?}")
    };
    let fin = Instant::now();
    eprintln!(
        "antes del corte {}; durante {}; después {}",
        resumen(corte - Duration::from_secs(60), corte),
        resumen(corte, regreso),
        resumen(regreso, fin)
    );
    let normal = |e: u16| matches!(e, 200 | 401 | 429);
    // Before the cut: normal answers only.
    assert!(
        vistos.iter().filter(|v| v.0 < corte).all(|v| normal(v.1)),
        "{vistos:?}"
    );
    // During the cut: answers keep coming, each a 503 with Retry-After (or a normal one that
    // was already on its way); never a 500, never a hang.
    let durante: Vec<_> = vistos
        .iter()
        .filter(|v| v.0 > corte && v.0 < regreso)
        .collect();
    assert!(
        durante.iter().any(|v| v.1 == 503),
        "503 durante el corte: {durante:?}"
    );
    assert!(
        durante.iter().all(|v| (v.1 == 503 && v.2) || normal(v.1)),
        "solo 503 con Retry-After: {}",
        resumen(corte, regreso)
    );
    // After it: the process recovered by itself, and the last answers are normal again.
    let despues: Vec<_> = vistos.iter().filter(|v| v.0 > regreso).collect();
    assert!(
        despues.iter().all(|v| normal(v.1) || (v.1 == 503 && v.2)),
        "{despues:?}"
    );
    let ultimos: Vec<_> = despues.iter().rev().take(8).collect();
    assert!(
        ultimos.iter().all(|v| normal(v.1)),
        "recuperado: {ultimos:?}"
    );
    // The session outlived the outage.
    let (estado, html) = n.pagina(TAB).await;
    assert_eq!(estado, 200);
    assert!(html.contains("Generación de contraseña"));
}

/// An internal failure (here the database pool closed under the running server, which works on
/// both engines) answers each caller a generic message and a `Retry-After`: no error text,
/// query, driver name or stack trace (ASVS 16.5.1), while the log keeps the detail.
#[tokio::test]
async fn un_error_interno_responde_un_mensaje_generico() {
    let app = comun::levantar().await;
    let mut n = Navegador::new(&app);
    n.pagina("/ingresar").await;
    app.estado.bd.close().await;

    let portal = n
        .post_form(
            "/api/iniciar-sesion",
            &[
                ("nrp", comun::NRP),
                ("correo", comun::CORREO),
                ("contrasena", comun::CONTRASENA),
            ],
        )
        .await;
    let api = reqwest::Client::new()
        .get(format!("{}/api/v1/avisos", app.base))
        .bearer_auth("x".repeat(43))
        .send()
        .await
        .unwrap();
    for (que, r, esperado) in [
        (
            "portal",
            portal,
            serde_json::json!({
                "codigo": "servicio_no_disponible",
                "mensaje": "El servicio no está disponible en este momento. Intenta de nuevo en unos minutos.",
                "estado": 503,
                "reintentar_en": 30,
            }),
        ),
        (
            "api",
            api,
            serde_json::json!({
                "codigo": "servicio_no_disponible",
                "mensaje": "El servicio no está disponible en este momento. Intenta de nuevo en unos minutos.",
            }),
        ),
    ] {
        assert_eq!(r.status(), 503, "{que}");
        assert!(r.headers().contains_key("retry-after"), "{que}");
        let texto = r.text().await.unwrap();
        let cuerpo: serde_json::Value = serde_json::from_str(&texto).unwrap();
        assert_eq!(cuerpo, esperado, "{que}: {texto}");
    }
}
