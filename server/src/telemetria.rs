//! Logging: human-readable by default, JSON with `INTERCOM_LOG_JSON=1`; level from `RUST_LOG`.
//! Nothing logged here or elsewhere carries a secret (tokens, passwords, keys).

use tracing_subscriber::{fmt, EnvFilter};

pub fn iniciar() {
    let filtro = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let json = std::env::var("INTERCOM_LOG_JSON").is_ok_and(|v| v == "1");
    let constructor = fmt().with_env_filter(filtro).with_writer(std::io::stderr);
    let _ = if json {
        constructor.json().try_init()
    } else {
        constructor.try_init()
    };
}
