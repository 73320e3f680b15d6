//! Configuration from environment variables (documented in the README), read once at start.

use anyhow::{bail, Context};
use leptos::config::LeptosOptions;
use std::{net::SocketAddr, path::PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Modo {
    /// Out of the box: generated secrets and demo data are fine.
    Demo,
    /// Refuses demo secrets and missing configuration.
    Produccion,
}

#[derive(Clone)]
pub struct Configuracion {
    pub modo: Modo,
    /// Where the SQLite file, generated secrets, the demo e.firma and the local mailbox live.
    pub datos: PathBuf,
    pub url_bd: String,
    pub leptos: LeptosOptions,
    pub sesion_inactividad_seg: i64,
    pub sesion_maxima_seg: i64,
    /// Failed sign-ins for one NRP within the window that lock it.
    pub bloqueo_intentos: i64,
    pub bloqueo_ventana_seg: i64,
    /// Failed sign-ins from one address within the window that throttle it.
    pub limite_ip_intentos: i64,
    /// Set by `cargo leptos watch`: allows the reload websocket in the CSP.
    pub recarga_en_vivo: bool,
}

fn variable(nombre: &str) -> Option<String> {
    std::env::var(nombre).ok().filter(|v| !v.trim().is_empty())
}

fn numero(nombre: &str, omision: i64) -> anyhow::Result<i64> {
    match variable(nombre) {
        None => Ok(omision),
        Some(v) => v.trim().parse().with_context(|| format!("{nombre} debe ser un número entero")),
    }
}

impl Configuracion {
    pub fn desde_entorno() -> anyhow::Result<Self> {
        let modo = match variable("INTERCOM_MODO").as_deref() {
            None | Some("demo") => Modo::Demo,
            Some("produccion") => Modo::Produccion,
            Some(otro) => bail!("INTERCOM_MODO debe ser «demo» o «produccion», no «{otro}»"),
        };
        let datos = PathBuf::from(variable("INTERCOM_DATOS").unwrap_or_else(|| "data".into()));
        let url_bd = match variable("DATABASE_URL") {
            Some(url) => url,
            None => format!("sqlite://{}?mode=rwc", datos.join("intercomunicacion.db").display()),
        };
        // cargo-leptos passes the site layout in LEPTOS_* variables; a binary started on its own
        // (tests, operators) gets the same defaults.
        for (nombre, omision) in [
            ("LEPTOS_OUTPUT_NAME", "intercomunicacion"),
            ("LEPTOS_SITE_ROOT", "target/site"),
            ("LEPTOS_SITE_PKG_DIR", "pkg"),
        ] {
            if variable(nombre).is_none() {
                // Single-threaded here: runs before the runtime starts.
                std::env::set_var(nombre, omision);
            }
        }
        let leptos = leptos::config::get_configuration(None)
            .context("configuración de Leptos (variables LEPTOS_*)")?
            .leptos_options;
        Ok(Self {
            modo,
            datos,
            url_bd,
            leptos,
            sesion_inactividad_seg: numero("INTERCOM_SESION_INACTIVIDAD_SEG", 15 * 60)?,
            sesion_maxima_seg: numero("INTERCOM_SESION_MAXIMA_SEG", 8 * 60 * 60)?,
            bloqueo_intentos: numero("INTERCOM_BLOQUEO_INTENTOS", 5)?,
            bloqueo_ventana_seg: numero("INTERCOM_BLOQUEO_VENTANA_SEG", 15 * 60)?,
            limite_ip_intentos: numero("INTERCOM_LIMITE_IP_INTENTOS", 50)?,
            recarga_en_vivo: variable("LEPTOS_WATCH").is_some(),
        })
    }

    pub fn direccion(&self) -> SocketAddr {
        self.leptos.site_addr
    }
}
