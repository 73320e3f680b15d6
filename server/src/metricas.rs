//! `GET /metricas`: what an operator's Prometheus scrapes, in the text exposition format 0.0.4,
//! written by hand (a few counters and one histogram need no library).
//!
//! Counters live in this process (each instance reports its own; Prometheus adds them up);
//! the outbox's depth and failures are read from the database at scrape time, so every instance
//! reports the same, cluster-wide values. Labels only take values from closed sets — route
//! templates, status codes, roles, rejection codes — never from what a client sent.
//!
//! Access: with `INTERCOM_METRICAS_TOKEN`, only `Authorization: Bearer <token>` (compared in
//! constant time); without it, open in the demo and absent (404) in production, so a
//! production portal never shows its internals to the internet by omission.

use crate::{configuracion::Modo, credenciales::Rol, estado::Estado};
use axum::{
    extract::State,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use http::{header, HeaderMap, HeaderValue, StatusCode};
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::{
    collections::BTreeMap,
    fmt::Write,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};
use subtle::ConstantTimeEq;

/// Upper bounds (seconds) of the latency histogram's buckets.
pub const LIMITES: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default, Clone)]
struct Histograma {
    /// Per bucket of [`LIMITES`], not cumulative (the exposition accumulates).
    cubetas: [u64; LIMITES.len()],
    cuenta: u64,
    suma: f64,
}

impl Histograma {
    fn observar(&mut self, segundos: f64) {
        if let Some(i) = LIMITES.iter().position(|l| segundos <= *l) {
            self.cubetas[i] += 1;
        }
        self.cuenta += 1;
        self.suma += segundos;
    }
}

type Contador<K> = Mutex<BTreeMap<K, u64>>;

fn sumar<K: Ord>(c: &Contador<K>, clave: K) {
    if let Ok(mut m) = c.lock() {
        *m.entry(clave).or_default() += 1;
    }
}

fn copia<K: Ord + Clone>(c: &Contador<K>) -> BTreeMap<K, u64> {
    c.lock().map(|m| m.clone()).unwrap_or_default()
}

/// This process's counters.
#[derive(Default)]
pub struct Metricas {
    peticiones: Contador<(String, u16)>,
    duraciones: Mutex<BTreeMap<String, Histograma>>,
    emitidas: Contador<&'static str>,
    canceladas: Contador<&'static str>,
    rechazos_efirma: Contador<String>,
    sesiones_api_abiertas: AtomicU64,
    sesiones_api_rechazadas: Contador<&'static str>,
    correo_reintentos: AtomicU64,
    correo_fallidos: AtomicU64,
}

impl Metricas {
    /// One answered HTTP request: `ruta` is the matched route's template.
    pub fn peticion(&self, ruta: &str, estado: u16, duracion: Duration) {
        sumar(&self.peticiones, (ruta.to_owned(), estado));
        if let Ok(mut m) = self.duraciones.lock() {
            m.entry(ruta.to_owned())
                .or_default()
                .observar(duracion.as_secs_f64());
        }
    }

    /// A credential issued (generation or recovery), after its transaction committed.
    pub fn credencial_emitida(&self, rol: Rol) {
        sumar(&self.emitidas, rol.as_str());
    }

    pub fn credencial_cancelada(&self, rol: Rol) {
        sumar(&self.canceladas, rol.as_str());
    }

    /// An e.firma (or a signature made with it) refused, by the code the person was shown.
    pub fn efirma_rechazada(&self, codigo: &str) {
        sumar(&self.rechazos_efirma, codigo.to_owned());
    }

    pub fn sesion_api_abierta(&self) {
        self.sesiones_api_abiertas.fetch_add(1, Ordering::Relaxed);
    }

    pub fn sesion_api_rechazada(&self, codigo: &'static str) {
        sumar(&self.sesiones_api_rechazadas, codigo);
    }

    /// What one pass of the outbox worker did.
    pub fn correo(&self, reintentos: u64, fallidos: u64) {
        self.correo_reintentos
            .fetch_add(reintentos, Ordering::Relaxed);
        self.correo_fallidos.fetch_add(fallidos, Ordering::Relaxed);
    }
}

/// A label value, escaped as the format requires (backslash, double quote, line feed).
fn etiqueta(valor: &str) -> String {
    valor
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn cabecera(texto: &mut String, nombre: &str, tipo: &str, ayuda: &str) {
    let _ = writeln!(texto, "# HELP {nombre} {ayuda}");
    let _ = writeln!(texto, "# TYPE {nombre} {tipo}");
}

/// The outbox as the database sees it: (pending, pending after a failed attempt, failed).
async fn buzon(bd: &crate::bd::Bd) -> sqlx::Result<(i64, i64, i64)> {
    let f = sqlx::query(
        "SELECT \
           COALESCE(SUM(CASE WHEN estado = 'pendiente' THEN 1 ELSE 0 END), 0), \
           COALESCE(SUM(CASE WHEN estado = 'pendiente' AND intentos > 0 THEN 1 ELSE 0 END), 0), \
           COALESCE(SUM(CASE WHEN estado = 'fallido' THEN 1 ELSE 0 END), 0) \
         FROM correos WHERE estado IN ('pendiente', 'fallido')",
    )
    .fetch_one(bd)
    .await?;
    Ok((f.try_get(0)?, f.try_get(1)?, f.try_get(2)?))
}

/// The whole exposition.
pub async fn exponer(estado: &Estado) -> String {
    let m = &estado.metricas;
    let mut t = String::with_capacity(4096);

    cabecera(
        &mut t,
        "intercom_peticiones_total",
        "counter",
        "Peticiones HTTP atendidas, por plantilla de ruta y estado.",
    );
    for ((ruta, codigo), n) in copia(&m.peticiones) {
        let _ = writeln!(
            t,
            "intercom_peticiones_total{{ruta=\"{}\",estado=\"{codigo}\"}} {n}",
            etiqueta(&ruta)
        );
    }

    let nombre = "intercom_peticion_duracion_segundos";
    cabecera(
        &mut t,
        nombre,
        "histogram",
        "Tiempo hasta las cabeceras de la respuesta, por plantilla de ruta.",
    );
    let duraciones = m.duraciones.lock().map(|d| d.clone()).unwrap_or_default();
    for (ruta, h) in duraciones {
        let ruta = etiqueta(&ruta);
        let mut acumulado = 0;
        for (limite, n) in LIMITES.iter().zip(h.cubetas) {
            acumulado += n;
            let _ = writeln!(
                t,
                "{nombre}_bucket{{ruta=\"{ruta}\",le=\"{limite}\"}} {acumulado}"
            );
        }
        let _ = writeln!(
            t,
            "{nombre}_bucket{{ruta=\"{ruta}\",le=\"+Inf\"}} {}",
            h.cuenta
        );
        let _ = writeln!(t, "{nombre}_sum{{ruta=\"{ruta}\"}} {}", h.suma);
        let _ = writeln!(t, "{nombre}_count{{ruta=\"{ruta}\"}} {}", h.cuenta);
    }

    for (nombre, ayuda, contador) in [
        (
            "intercom_credenciales_emitidas_total",
            "Contraseñas de intercomunicación emitidas (generación o recuperación), por rol.",
            &m.emitidas,
        ),
        (
            "intercom_credenciales_canceladas_total",
            "Contraseñas de intercomunicación canceladas, por rol.",
            &m.canceladas,
        ),
    ] {
        cabecera(&mut t, nombre, "counter", ayuda);
        let mut valores = copia(contador);
        for rol in [Rol::Patron, Rol::Desarrollador] {
            valores.entry(rol.as_str()).or_default();
        }
        for (rol, n) in valores {
            let _ = writeln!(t, "{nombre}{{rol=\"{rol}\"}} {n}");
        }
    }

    cabecera(
        &mut t,
        "intercom_efirma_rechazos_total",
        "counter",
        "e.firmas o firmas hechas con ellas rechazadas, por motivo (el código que vio la persona).",
    );
    for (motivo, n) in copia(&m.rechazos_efirma) {
        let _ = writeln!(
            t,
            "intercom_efirma_rechazos_total{{motivo=\"{}\"}} {n}",
            etiqueta(&motivo)
        );
    }

    cabecera(
        &mut t,
        "intercom_api_sesiones_abiertas_total",
        "counter",
        "Sesiones de la API de nómina abiertas.",
    );
    let _ = writeln!(
        t,
        "intercom_api_sesiones_abiertas_total {}",
        m.sesiones_api_abiertas.load(Ordering::Relaxed)
    );
    cabecera(
        &mut t,
        "intercom_api_sesiones_rechazadas_total",
        "counter",
        "Solicitudes de sesión de la API de nómina rechazadas, por código de error.",
    );
    for (motivo, n) in copia(&m.sesiones_api_rechazadas) {
        let _ = writeln!(
            t,
            "intercom_api_sesiones_rechazadas_total{{motivo=\"{motivo}\"}} {n}"
        );
    }

    cabecera(
        &mut t,
        "intercom_correo_reintentos_total",
        "counter",
        "Entregas de correo fallidas que se reintentarán (este proceso).",
    );
    let _ = writeln!(
        t,
        "intercom_correo_reintentos_total {}",
        m.correo_reintentos.load(Ordering::Relaxed)
    );
    cabecera(
        &mut t,
        "intercom_correo_fallos_total",
        "counter",
        "Correos que fallaron definitivamente (este proceso).",
    );
    let _ = writeln!(
        t,
        "intercom_correo_fallos_total {}",
        m.correo_fallidos.load(Ordering::Relaxed)
    );

    let consulta = tokio::time::timeout(Duration::from_secs(2), buzon(&estado.bd)).await;
    let disponible = matches!(consulta, Ok(Ok(_)));
    if let Ok(Ok((pendientes, en_reintento, fallidos))) = consulta {
        for (nombre, ayuda, valor) in [
            (
                "intercom_correos_pendientes",
                "Correos en el buzón de salida por entregar (todas las instancias).",
                pendientes,
            ),
            (
                "intercom_correos_en_reintento",
                "Correos pendientes que ya fallaron al menos una vez (todas las instancias).",
                en_reintento,
            ),
            (
                "intercom_correos_fallidos",
                "Correos que fallaron definitivamente (todas las instancias).",
                fallidos,
            ),
        ] {
            cabecera(&mut t, nombre, "gauge", ayuda);
            let _ = writeln!(t, "{nombre} {valor}");
        }
    }
    cabecera(
        &mut t,
        "intercom_base_de_datos_disponible",
        "gauge",
        "1 si la base de datos respondió al leer las métricas, 0 si no.",
    );
    let _ = writeln!(
        t,
        "intercom_base_de_datos_disponible {}",
        u8::from(disponible)
    );
    t
}

/// The answer when the request may not read the metrics; `None` when it may.
fn negar(estado: &Estado, cabeceras: &HeaderMap) -> Option<Response> {
    let Some(token) = &estado.config.metricas_token else {
        return match estado.config.modo {
            Modo::Demo => None,
            Modo::Produccion => Some(StatusCode::NOT_FOUND.into_response()),
        };
    };
    let dado = cabeceras
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Digests first: equal lengths, so the comparison's time says nothing about the token.
    let igual = Sha256::digest(dado.as_bytes()).ct_eq(&Sha256::digest(token.as_bytes()));
    if bool::from(igual) {
        return None;
    }
    let mut r = (
        StatusCode::UNAUTHORIZED,
        "Se requiere el token de métricas.\n",
    )
        .into_response();
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"metricas\""),
    );
    Some(r)
}

async fn metricas(State(estado): State<Arc<Estado>>, cabeceras: HeaderMap) -> Response {
    if let Some(r) = negar(&estado, &cabeceras) {
        return r;
    }
    let mut r = exponer(&estado).await.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

pub fn enrutador(estado: Arc<Estado>) -> Router {
    Router::new()
        .route("/metricas", get(metricas))
        .with_state(estado)
}
