//! `GET /metricas`: what an operator's Prometheus scrapes, in the text exposition format 0.0.4,
//! encoded by `prometheus-client` from typed counters, histograms and gauges.
//!
//! Counters live in this process (each instance reports its own; Prometheus adds them up);
//! the outbox's depth and failures are read from the database at scrape time, so every instance
//! reports the same, cluster-wide values. Every label set is a type (`#[derive(EncodeLabelSet)]`)
//! whose values come from closed sets — roles and API error codes are enums, routes are the
//! router's templates, statuses are numbers, e.firma rejections are the code the person was
//! shown — never from what a client sent.
//!
//! Access: with `INTERCOM_METRICAS_TOKEN`, only `Authorization: Bearer <token>` (compared in
//! constant time); without it, open in the demo and absent (404) in production, so a
//! production portal never shows its internals to the internet by omission.

use crate::{api::errores::Codigo, configuracion::Modo, credenciales::Rol, estado::Estado};
use axum::{
    extract::State,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use http::{header, HeaderMap, HeaderValue, StatusCode};
use prometheus_client::{
    encoding::{prometheus_text, EncodeLabelSet, EncodeLabelValue, LabelValueEncoder},
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::{sync::Arc, time::Duration};
use subtle::ConstantTimeEq;

/// Upper bounds (seconds) of the latency histogram's buckets.
pub const LIMITES: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// `intercom_peticiones_total`'s labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Peticion {
    /// The matched route's template (`/api/v1/sesiones`), never the path a client sent.
    ruta: String,
    estado: u16,
}

/// The latency histogram's label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Ruta {
    ruta: String,
}

/// A role as a label value. The derive writes a variant's name verbatim, so the variants are
/// spelled as the value (`Rol::as_str`; a test keeps them equal).
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
enum RolEtiqueta {
    patron,
    desarrollador,
}

impl From<Rol> for RolEtiqueta {
    fn from(rol: Rol) -> Self {
        match rol {
            Rol::Patron => RolEtiqueta::patron,
            Rol::Desarrollador => RolEtiqueta::desarrollador,
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PorRol {
    rol: RolEtiqueta,
}

/// `intercom_efirma_rechazos_total`'s label: the stable code of the error the person was shown.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MotivoEfirma {
    motivo: String,
}

/// `intercom_api_sesiones_rechazadas_total`'s label: the API's error code.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MotivoApi {
    motivo: Codigo,
}

/// By hand, not derived: the derive writes the variant's name (`TokenInvalido`), the label is
/// the code as the API answers it (`token_invalido`).
impl EncodeLabelValue for Codigo {
    fn encode(&self, e: &mut LabelValueEncoder) -> std::fmt::Result {
        use std::fmt::Write as _;
        e.write_str(self.as_str())
    }
}

fn histograma() -> Histogram {
    Histogram::new(LIMITES)
}

/// This process's counters. Each is a handle (an `Arc` inside): the registry built at every
/// scrape holds clones of the same counters.
#[derive(Clone)]
pub struct Metricas {
    peticiones: Family<Peticion, Counter>,
    duraciones: Family<Ruta, Histogram, fn() -> Histogram>,
    emitidas: Family<PorRol, Counter>,
    canceladas: Family<PorRol, Counter>,
    rechazos_efirma: Family<MotivoEfirma, Counter>,
    sesiones_api_abiertas: Counter,
    sesiones_api_rechazadas: Family<MotivoApi, Counter>,
    correo_reintentos: Counter,
    correo_fallidos: Counter,
}

impl Default for Metricas {
    fn default() -> Self {
        let m = Self {
            peticiones: Family::default(),
            duraciones: Family::new_with_constructor(histograma),
            emitidas: Family::default(),
            canceladas: Family::default(),
            rechazos_efirma: Family::default(),
            sesiones_api_abiertas: Counter::default(),
            sesiones_api_rechazadas: Family::default(),
            correo_reintentos: Counter::default(),
            correo_fallidos: Counter::default(),
        };
        // Both roles from the start, at zero: a rate over a series that appears only with its
        // first increment misses that increment.
        for rol in [Rol::Patron, Rol::Desarrollador] {
            let rol = PorRol { rol: rol.into() };
            let _ = m.emitidas.get_or_create(&rol);
            let _ = m.canceladas.get_or_create(&rol);
        }
        m
    }
}

impl Metricas {
    /// One answered HTTP request: `ruta` is the matched route's template.
    pub fn peticion(&self, ruta: &str, estado: u16, duracion: Duration) {
        self.peticiones
            .get_or_create(&Peticion {
                ruta: ruta.to_owned(),
                estado,
            })
            .inc();
        self.duraciones
            .get_or_create(&Ruta {
                ruta: ruta.to_owned(),
            })
            .observe(duracion.as_secs_f64());
    }

    /// A credential issued (generation or recovery), after its transaction committed.
    pub fn credencial_emitida(&self, rol: Rol) {
        self.emitidas
            .get_or_create(&PorRol { rol: rol.into() })
            .inc();
    }

    pub fn credencial_cancelada(&self, rol: Rol) {
        self.canceladas
            .get_or_create(&PorRol { rol: rol.into() })
            .inc();
    }

    /// An e.firma (or a signature made with it) refused, by the code the person was shown.
    pub fn efirma_rechazada(&self, codigo: &str) {
        self.rechazos_efirma
            .get_or_create(&MotivoEfirma {
                motivo: codigo.to_owned(),
            })
            .inc();
    }

    pub fn sesion_api_abierta(&self) {
        self.sesiones_api_abiertas.inc();
    }

    pub fn sesion_api_rechazada(&self, codigo: Codigo) {
        self.sesiones_api_rechazadas
            .get_or_create(&MotivoApi { motivo: codigo })
            .inc();
    }

    /// What one pass of the outbox worker did.
    pub fn correo(&self, reintentos: u64, fallidos: u64) {
        self.correo_reintentos.inc_by(reintentos);
        self.correo_fallidos.inc_by(fallidos);
    }

    /// This process's metrics, under their exposition names (a counter's `_total` is added by
    /// the encoder; help texts get their final period from it too).
    fn registrar(&self, r: &mut Registry) {
        r.register(
            "intercom_peticiones",
            "Peticiones HTTP atendidas, por plantilla de ruta y estado",
            self.peticiones.clone(),
        );
        r.register(
            "intercom_peticion_duracion_segundos",
            "Tiempo hasta las cabeceras de la respuesta, por plantilla de ruta",
            self.duraciones.clone(),
        );
        r.register(
            "intercom_credenciales_emitidas",
            "Contraseñas de intercomunicación emitidas (generación o recuperación), por rol",
            self.emitidas.clone(),
        );
        r.register(
            "intercom_credenciales_canceladas",
            "Contraseñas de intercomunicación canceladas, por rol",
            self.canceladas.clone(),
        );
        r.register(
            "intercom_efirma_rechazos",
            "e.firmas o firmas hechas con ellas rechazadas, por motivo (el código que vio la persona)",
            self.rechazos_efirma.clone(),
        );
        r.register(
            "intercom_api_sesiones_abiertas",
            "Sesiones de la API de nómina abiertas",
            self.sesiones_api_abiertas.clone(),
        );
        r.register(
            "intercom_api_sesiones_rechazadas",
            "Solicitudes de sesión de la API de nómina rechazadas, por código de error",
            self.sesiones_api_rechazadas.clone(),
        );
        r.register(
            "intercom_correo_reintentos",
            "Entregas de correo fallidas que se reintentarán (este proceso)",
            self.correo_reintentos.clone(),
        );
        r.register(
            "intercom_correo_fallos",
            "Correos que fallaron definitivamente (este proceso)",
            self.correo_fallidos.clone(),
        );
    }
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

/// A gauge holding `valor`, for a registry that lives one scrape.
fn medida(valor: i64) -> Gauge {
    let g = Gauge::default();
    g.set(valor);
    g
}

/// The whole exposition.
pub async fn exponer(estado: &Estado) -> String {
    let mut r = Registry::default();
    estado.metricas.registrar(&mut r);

    let consulta = tokio::time::timeout(Duration::from_secs(2), buzon(&estado.bd)).await;
    let disponible = matches!(consulta, Ok(Ok(_)));
    // Absent, not zero, when the database did not answer: a zero would read as "empty outbox".
    if let Ok(Ok((pendientes, en_reintento, fallidos))) = consulta {
        r.register(
            "intercom_correos_pendientes",
            "Correos en el buzón de salida por entregar (todas las instancias)",
            medida(pendientes),
        );
        r.register(
            "intercom_correos_en_reintento",
            "Correos pendientes que ya fallaron al menos una vez (todas las instancias)",
            medida(en_reintento),
        );
        r.register(
            "intercom_correos_fallidos",
            "Correos que fallaron definitivamente (todas las instancias)",
            medida(fallidos),
        );
    }
    r.register(
        "intercom_base_de_datos_disponible",
        "1 si la base de datos respondió al leer las métricas, 0 si no",
        medida(i64::from(disponible)),
    );

    let mut t = String::with_capacity(4096);
    // Writing into a String cannot fail.
    let _ = prometheus_text::encode(&mut t, &r);
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
        HeaderValue::from_static(prometheus_text::CONTENT_TYPE),
    );
    r
}

pub fn enrutador(estado: Arc<Estado>) -> Router {
    Router::new()
        .route("/metricas", get(metricas))
        .with_state(estado)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texto(m: &Metricas) -> String {
        let mut r = Registry::default();
        m.registrar(&mut r);
        let mut t = String::new();
        prometheus_text::encode(&mut t, &r).unwrap();
        t
    }

    fn lineas(t: &str) -> Vec<&str> {
        t.lines().collect()
    }

    #[test]
    fn los_nombres_y_tipos_son_los_de_siempre() {
        let m = Metricas::default();
        // A family without series is left out of the exposition (HELP and TYPE too).
        assert!(!texto(&m).contains("intercom_peticiones_total"));
        m.peticion("/salud", 200, Duration::from_millis(1));
        m.efirma_rechazada("firma_invalida");
        m.sesion_api_rechazada(Codigo::TokenInvalido);
        let t = texto(&m);
        let l = lineas(&t);
        for (nombre, tipo) in [
            ("intercom_peticiones_total", "counter"),
            ("intercom_peticion_duracion_segundos", "histogram"),
            ("intercom_credenciales_emitidas_total", "counter"),
            ("intercom_credenciales_canceladas_total", "counter"),
            ("intercom_efirma_rechazos_total", "counter"),
            ("intercom_api_sesiones_abiertas_total", "counter"),
            ("intercom_api_sesiones_rechazadas_total", "counter"),
            ("intercom_correo_reintentos_total", "counter"),
            ("intercom_correo_fallos_total", "counter"),
        ] {
            let tipo_linea = format!("# TYPE {nombre} {tipo}");
            assert!(l.contains(&tipo_linea.as_str()), "{tipo_linea}\n{t}");
        }
        assert!(l.contains(&"# HELP intercom_correo_fallos_total Correos que fallaron definitivamente (este proceso)."));
        assert!(l.contains(&"intercom_api_sesiones_abiertas_total 0"));
        assert!(!t.contains("# EOF"), "formato 0.0.4, no OpenMetrics");
    }

    #[test]
    fn ambos_roles_aparecen_en_cero_con_el_valor_de_rol_as_str() {
        let m = Metricas::default();
        m.credencial_emitida(Rol::Desarrollador);
        let t = texto(&m);
        let l = lineas(&t);
        for rol in [Rol::Patron, Rol::Desarrollador] {
            let cancelada = format!(
                "intercom_credenciales_canceladas_total{{rol=\"{}\"}} 0",
                rol.as_str()
            );
            assert!(l.contains(&cancelada.as_str()), "{cancelada}\n{t}");
        }
        assert!(l.contains(&"intercom_credenciales_emitidas_total{rol=\"patron\"} 0"));
        assert!(l.contains(&"intercom_credenciales_emitidas_total{rol=\"desarrollador\"} 1"));
    }

    #[test]
    fn el_histograma_acumula_por_cubeta() {
        let m = Metricas::default();
        m.peticion("/salud", 200, Duration::from_millis(30));
        m.peticion("/salud", 503, Duration::from_secs(20));
        let t = texto(&m);
        let l = lineas(&t);
        for esperada in [
            "intercom_peticiones_total{ruta=\"/salud\",estado=\"200\"} 1",
            "intercom_peticiones_total{ruta=\"/salud\",estado=\"503\"} 1",
            "intercom_peticion_duracion_segundos_bucket{ruta=\"/salud\",le=\"0.025\"} 0",
            "intercom_peticion_duracion_segundos_bucket{ruta=\"/salud\",le=\"0.05\"} 1",
            "intercom_peticion_duracion_segundos_bucket{ruta=\"/salud\",le=\"10\"} 1",
            "intercom_peticion_duracion_segundos_bucket{ruta=\"/salud\",le=\"+Inf\"} 2",
            "intercom_peticion_duracion_segundos_count{ruta=\"/salud\"} 2",
        ] {
            assert!(l.contains(&esperada), "{esperada}\n{t}");
        }
        let suma = t
            .lines()
            .find_map(|l| {
                l.strip_prefix("intercom_peticion_duracion_segundos_sum{ruta=\"/salud\"} ")
            })
            .unwrap();
        assert!(
            (suma.parse::<f64>().unwrap() - 20.03).abs() < 1e-9,
            "{suma}"
        );
    }

    #[test]
    fn los_valores_de_etiqueta_se_escapan() {
        let m = Metricas::default();
        m.efirma_rechazada("a\"b\\c\nd");
        m.sesion_api_rechazada(Codigo::CredencialesInvalidas);
        m.correo(2, 1);
        let t = texto(&m);
        let l = lineas(&t);
        assert!(
            l.contains(&"intercom_efirma_rechazos_total{motivo=\"a\\\"b\\\\c\\nd\"} 1"),
            "{t}"
        );
        assert!(l.contains(
            &"intercom_api_sesiones_rechazadas_total{motivo=\"credenciales_invalidas\"} 1"
        ));
        assert!(l.contains(&"intercom_correo_reintentos_total 2"));
        assert!(l.contains(&"intercom_correo_fallos_total 1"));
    }
}
