//! The real server binary as a separate process (`intercomunicacion servir`), for what only a
//! process can show: several instances on one database, and being killed mid-operation.

use super::Datos;
use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

pub struct Instancia {
    pub base: String,
    proceso: Child,
    /// Every line the process wrote to stderr (its log, JSON).
    registro: Arc<Mutex<Vec<String>>>,
}

/// A loopback port nobody is listening on right now.
pub fn puerto_libre() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("puerto libre")
}

impl Instancia {
    /// Starts `intercomunicacion servir` on a free port over `datos` and waits until it answers.
    pub async fn iniciar(datos: &Datos, extra: &[(&str, &str)]) -> Self {
        let mut entorno: Vec<(&str, String)> = datos.variables().into();
        entorno.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        Self::iniciar_con(&entorno).await
    }

    /// Starts `intercomunicacion servir` on a free port with exactly these variables (and no
    /// `DATABASE_URL` but theirs) and waits until it answers.
    pub async fn iniciar_con(entorno: &[(&str, String)]) -> Self {
        let puerto = puerto_libre();
        let mut c = Command::new(env!("CARGO_BIN_EXE_intercomunicacion"));
        c.env_remove("DATABASE_URL")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{puerto}"))
            .env("INTERCOM_LOG_JSON", "1")
            .env("RUST_LOG", "info,sqlx=warn")
            .env_remove("INTERCOM_SMTP_URL")
            .envs(entorno.iter().map(|(k, v)| (k, v)))
            .arg("servir")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut proceso = c.spawn().expect("iniciar el servidor");
        let registro = Arc::new(Mutex::new(Vec::new()));
        let salida = proceso.stderr.take().expect("stderr");
        let copia = registro.clone();
        std::thread::spawn(move || {
            for linea in BufReader::new(salida).lines().map_while(Result::ok) {
                copia.lock().expect("registro").push(linea);
            }
        });
        let instancia = Self {
            base: format!("http://127.0.0.1:{puerto}"),
            proceso,
            registro,
        };
        instancia.esperar_lista().await;
        instancia
    }

    async fn esperar_lista(&self) {
        let limite = Instant::now() + Duration::from_secs(60);
        let http = reqwest::Client::new();
        loop {
            if let Ok(r) = http.get(format!("{}/ingresar", self.base)).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            assert!(
                Instant::now() < limite,
                "el servidor no respondió en 60 s:\n{}",
                self.registro().join("\n")
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn registro(&self) -> Vec<String> {
        self.registro.lock().expect("registro").clone()
    }

    /// SIGKILL: no chance to finish anything.
    pub fn matar(&mut self) {
        let _ = self.proceso.kill();
        let _ = self.proceso.wait();
    }

    /// Sum of a numeric field over the JSON log lines with the given message.
    pub fn sumar(&self, mensaje: &str, campo: &str) -> i64 {
        self.registro()
            .iter()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["fields"]["message"] == mensaje)
            .filter_map(|v| v["fields"][campo].as_i64())
            .sum()
    }
}

impl Drop for Instancia {
    fn drop(&mut self) {
        self.matar();
    }
}
