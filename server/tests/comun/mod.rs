//! Test helpers: the real application, on a free loopback port, over a throwaway database, and a
//! small browser-like client that keeps the portal's cookies.
//!
//! The database is a SQLite file in a temporary directory, or, when `INTERCOM_PRUEBAS_PG` holds
//! the URL of a PostgreSQL server (`scripts/postgres.sh` starts one), a fresh database created
//! on it for each test: the same tests run on both engines.

#![allow(dead_code)]

pub mod instancia;
pub mod proxy;
pub mod smtp;
pub mod tramite;

use servidor::{arranque, configuracion::Configuracion, cuentas, estado::Estado};
use std::{
    collections::HashMap,
    net::SocketAddr,
    path::Path,
    sync::{
        atomic::{AtomicU32, Ordering},
        Arc,
    },
};
use zeroize::Zeroizing;

pub const NRP: &str = "Y5412345108";
pub const CORREO: &str = "nomina@empresa.example";
pub const CONTRASENA: &str = "Contraseña-de-prueba-1";

pub struct AppPrueba {
    pub base: String,
    pub estado: Arc<Estado>,
    pub datos: Datos,
}

/// A test's data directory and its database.
pub struct Datos {
    pub dir: tempfile::TempDir,
    /// `DATABASE_URL` for the server and its CLI.
    pub url: String,
}

impl Datos {
    pub async fn nuevos() -> Self {
        let dir = tempfile::tempdir().expect("directorio temporal");
        let url = match std::env::var("INTERCOM_PRUEBAS_PG") {
            Ok(administrador) if !administrador.is_empty() => base_postgres(&administrador).await,
            _ => format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("intercomunicacion.db").display()
            ),
        };
        Self { dir, url }
    }

    /// For synchronous tests (those that drive the CLI).
    pub fn nuevos_bloqueante() -> Self {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(Self::nuevos())
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn es_postgres(&self) -> bool {
        self.url.starts_with("postgres")
    }

    /// The variables the server and its CLI read to find these data.
    pub fn variables(&self) -> [(&'static str, String); 2] {
        [
            ("INTERCOM_DATOS", self.path().display().to_string()),
            ("DATABASE_URL", self.url.clone()),
        ]
    }

    /// The operator CLI, pointed at these data.
    pub fn cli(&self) -> std::process::Command {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_intercomunicacion"));
        c.envs(self.variables());
        c
    }

    /// Registers an employer with the operator CLI, with the RFC of SAT's test FIEL.
    pub fn alta_cuenta(&self, nrp: &str, correo: &str, contrasena: &str) {
        use std::io::Write;
        let mut h = self
            .cli()
            .args(["cuentas", "alta", "--nrp", nrp, "--rfc", tramite::RFC])
            .args(["--razon-social", tramite::RAZON_SOCIAL, "--correo", correo])
            .arg("--contrasena-stdin")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("cuentas alta");
        writeln!(h.stdin.take().expect("stdin"), "{contrasena}").expect("contraseña");
        let salida = h.wait_with_output().expect("cuentas alta");
        assert!(
            salida.status.success(),
            "cuentas alta {nrp}: {}{}",
            String::from_utf8_lossy(&salida.stdout),
            String::from_utf8_lossy(&salida.stderr)
        );
    }

    /// A pool of its own, for a test to look at (or tamper with) the database.
    pub async fn conectar(&self) -> servidor::bd::Bd {
        servidor::bd::conectar(&self.url).await.expect("conexión")
    }
}

/// Creates an empty database for one test on the PostgreSQL server of `administrador` and
/// answers its URL.
async fn base_postgres(administrador: &str) -> String {
    use sqlx::{Connection, Executor};
    static CONTADOR: AtomicU32 = AtomicU32::new(0);
    sqlx::any::install_default_drivers();
    let nombre = format!(
        "prueba_{}_{}_{}",
        std::process::id(),
        CONTADOR.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("reloj")
            .subsec_nanos()
    );
    let mut conexion = sqlx::AnyConnection::connect(administrador)
        .await
        .expect("PostgreSQL de prueba (INTERCOM_PRUEBAS_PG)");
    conexion
        .execute(format!("CREATE DATABASE {nombre}").as_str())
        .await
        .expect("CREATE DATABASE");
    let _ = conexion.close().await;
    let (base, _) = administrador
        .rsplit_once('/')
        .expect("INTERCOM_PRUEBAS_PG termina con /<base>");
    format!("{base}/{nombre}")
}

pub async fn levantar() -> AppPrueba {
    levantar_con(&[]).await
}

pub async fn levantar_con(extra: &[(&'static str, &str)]) -> AppPrueba {
    let datos = Datos::nuevos().await;
    let mut variables: HashMap<&str, String> = datos.variables().into_iter().collect();
    for (k, v) in extra {
        variables.insert(k, v.to_string());
    }
    let config = Configuracion::desde(&variables).expect("configuración");
    let estado = arranque::preparar(config).await.expect("arranque");
    cuentas::alta(
        &estado.bd,
        cuentas::NuevaCuenta {
            nrp: NRP.into(),
            rfc: "EKU9003173C9".into(),
            razon_social: "ESCUELA KEMPER URGATE SA DE CV".into(),
            correo: CORREO.into(),
            contrasena: Zeroizing::new(CONTRASENA.into()),
        },
    )
    .await
    .expect("cuenta de prueba");
    let escucha = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("puerto libre");
    let direccion = escucha.local_addr().expect("dirección");
    let enrutador = arranque::enrutador(estado.clone());
    tokio::spawn(async move {
        axum::serve(
            escucha,
            enrutador.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("servidor");
    });
    AppPrueba {
        base: format!("http://{direccion}"),
        estado,
        datos,
    }
}

/// Keeps cookies like a browser would (reqwest's own jar drops `Secure` cookies over http).
pub struct Navegador {
    pub base: String,
    pub http: reqwest::Client,
    pub cookies: HashMap<String, String>,
    pub csrf: String,
}

impl Navegador {
    pub fn new(app: &AppPrueba) -> Self {
        Self::en(&app.base)
    }

    /// A browser for the server at `base` (e.g. an [`instancia::Instancia`]).
    pub fn en(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .expect("cliente http");
        Self {
            base: base.to_owned(),
            http,
            cookies: HashMap::new(),
            csrf: String::new(),
        }
    }

    pub fn cabecera_cookies(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn guardar_cookies(&mut self, r: &reqwest::Response) {
        for valor in r.headers().get_all("set-cookie") {
            let texto = valor.to_str().unwrap_or_default();
            let par = texto.split(';').next().unwrap_or_default();
            if let Some((nombre, valor)) = par.split_once('=') {
                if valor.is_empty() || texto.contains("Max-Age=0") {
                    self.cookies.remove(nombre);
                } else {
                    self.cookies.insert(nombre.to_owned(), valor.to_owned());
                }
            }
        }
    }

    pub async fn get(&mut self, ruta: &str) -> reqwest::Response {
        let r = self
            .http
            .get(format!("{}{ruta}", self.base))
            .header("cookie", self.cabecera_cookies())
            .send()
            .await
            .expect("GET");
        self.guardar_cookies(&r);
        r
    }

    /// GET a page and remember the CSRF token it carries.
    pub async fn pagina(&mut self, ruta: &str) -> (reqwest::StatusCode, String) {
        let r = self.get(ruta).await;
        let estado = r.status();
        let html = r.text().await.expect("cuerpo");
        if let Some(token) = extraer_meta_csrf(&html) {
            self.csrf = token;
        }
        (estado, html)
    }

    /// A form POST that reports a transport failure (say, a server that died) instead of
    /// panicking.
    pub async fn post_form_intento(
        &mut self,
        ruta: &str,
        campos: &[(&str, &str)],
    ) -> Result<reqwest::Response, String> {
        let r = self
            .peticion_form(ruta, campos)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        self.guardar_cookies(&r);
        Ok(r)
    }

    /// A form POST from this browser's session, as the page's script sends it (cookies, CSRF
    /// token, JSON wanted), ready for more headers.
    pub fn peticion_form(&self, ruta: &str, campos: &[(&str, &str)]) -> reqwest::RequestBuilder {
        let cuerpo: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(campos)
            .finish();
        self.http
            .post(format!("{}{ruta}", self.base))
            .header("cookie", self.cabecera_cookies())
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .header("x-csrf-token", &self.csrf)
            .body(cuerpo)
    }

    /// A form POST from this browser's session that leaves its cookies alone: a future that
    /// owns all it needs, so that several can be fired at once from the same session (see
    /// [`a_la_vez`]).
    pub fn post_form_suelto(
        &self,
        ruta: &str,
        campos: &[(&str, &str)],
    ) -> impl std::future::Future<Output = reqwest::Response> + Send + 'static {
        let envio = self.peticion_form(ruta, campos).send();
        async move { envio.await.expect("POST") }
    }

    pub async fn post_form(&mut self, ruta: &str, campos: &[(&str, &str)]) -> reqwest::Response {
        self.post_form_con(ruta, campos, Some(&self.csrf.clone()), None)
            .await
    }

    pub async fn post_form_con(
        &mut self,
        ruta: &str,
        campos: &[(&str, &str)],
        csrf: Option<&str>,
        origen: Option<&str>,
    ) -> reqwest::Response {
        let cuerpo: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(campos)
            .finish();
        let mut p = self
            .http
            .post(format!("{}{ruta}", self.base))
            .header("cookie", self.cabecera_cookies())
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(cuerpo);
        if let Some(t) = csrf {
            p = p.header("x-csrf-token", t);
        }
        if let Some(o) = origen {
            p = p.header("origin", o);
        }
        let r = p.send().await.expect("POST");
        self.guardar_cookies(&r);
        r
    }

    pub async fn ingresar(
        &mut self,
        nrp: &str,
        correo: &str,
        contrasena: &str,
    ) -> reqwest::Response {
        self.pagina("/ingresar").await;
        self.post_form(
            "/api/iniciar-sesion",
            &[("nrp", nrp), ("correo", correo), ("contrasena", contrasena)],
        )
        .await
    }
}

/// Runs the futures at once, each on a task of its own, all released together by a barrier:
/// the requests they make reach the server simultaneously (tests of races use a multi-thread
/// runtime). Answers their outputs in the order given.
pub async fn a_la_vez<F>(futuros: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let futuros: Vec<F> = futuros.into_iter().collect();
    let barrera = Arc::new(tokio::sync::Barrier::new(futuros.len()));
    let tareas: Vec<_> = futuros
        .into_iter()
        .map(|f| {
            let barrera = barrera.clone();
            tokio::spawn(async move {
                barrera.wait().await;
                f.await
            })
        })
        .collect();
    let mut salidas = Vec::with_capacity(tareas.len());
    for t in tareas {
        salidas.push(t.await.expect("tarea simultánea"));
    }
    salidas
}

/// A refused or accepted request reduced to what the race tests compare: status, `Retry-After`
/// (if any) and the JSON body (`null` when empty).
pub async fn resultado(r: reqwest::Response) -> (u16, Option<u64>, serde_json::Value) {
    let estado = r.status().as_u16();
    let espera = r.headers().get("retry-after").map(|v| {
        v.to_str()
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("Retry-After en segundos enteros: {v:?}"))
    });
    let cuerpo = r.text().await.expect("cuerpo");
    let valor = if cuerpo.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&cuerpo).unwrap_or_else(|_| panic!("no es JSON: {cuerpo}"))
    };
    (estado, espera, valor)
}

/// Rows of `intentos_fallidos` counted against `clave` (a limit's places, whatever their age).
pub async fn intentos(app: &AppPrueba, clave: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM intentos_fallidos WHERE clave = $1")
        .bind(clave)
        .fetch_one(&app.estado.bd)
        .await
        .expect("intentos_fallidos")
}

pub fn extraer_meta_csrf(html: &str) -> Option<String> {
    let inicio =
        html.find("name=\"csrf-token\" content=\"")? + "name=\"csrf-token\" content=\"".len();
    let fin = html[inicio..].find('"')?;
    Some(html[inicio..inicio + fin].to_owned()).filter(|t| !t.is_empty())
}

/// The JSON error of a refused request.
pub async fn error_json(r: reqwest::Response) -> (u16, serde_json::Value) {
    let estado = r.status().as_u16();
    let cuerpo = r.text().await.expect("cuerpo");
    let valor = serde_json::from_str(&cuerpo).unwrap_or_else(|_| panic!("no es JSON: {cuerpo}"));
    (estado, valor)
}

/// A file of SAT's test fixtures (`shared/fixtures/sat`).
pub fn sat(ruta: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/sat")
        .join(ruta)
}

/// A complete production configuration: a seal of its own (not the demo's), SAT's test CAs, a
/// random secret, SMTP on loopback.
pub fn produccion(dir: &std::path::Path, smtp: &str) -> Vec<(&'static str, String)> {
    use std::os::unix::fs::PermissionsExt;
    let ahora = servidor::ahora();
    let (cer, pkcs8) = efirma::generador::sello_autofirmado(
        "Sello del Instituto de Pruebas",
        "INFONAVIT",
        "90000000000000000001",
        ahora - 86_400,
        ahora + 365 * 86_400,
    )
    .unwrap();
    let (llave, certificado) = (dir.join("sello.key"), dir.join("sello.cer"));
    std::fs::write(&llave, pkcs8.as_slice()).unwrap();
    std::fs::set_permissions(&llave, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(&certificado, cer).unwrap();
    let secreto: Vec<u8> = (0..32u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(11))
        .collect();
    vec![
        ("INTERCOM_MODO", "produccion".into()),
        (
            "INTERCOM_SECRETO",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, secreto),
        ),
        ("INTERCOM_ANCLAS", sat("ca/pruebas").display().to_string()),
        ("INTERCOM_SELLO_LLAVE", llave.display().to_string()),
        (
            "INTERCOM_SELLO_CERTIFICADO",
            certificado.display().to_string(),
        ),
        ("INTERCOM_SMTP_URL", smtp.into()),
        ("INTERCOM_URL_PUBLICA", "https://portal.example".into()),
    ]
}
