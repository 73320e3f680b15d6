//! Servicios de Intercomunicación — the server: configuration, database, portal services, HTTP
//! middleware (sessions, CSRF, security headers, request ids), the API for payroll software
//! (`/api/v1`), health and metrics for operators (`/salud`, `/metricas`) and the operator's
//! command line.

pub mod acuse;
pub mod api;
pub mod arranque;
pub mod auditoria;
pub mod avisos;
pub mod bd;
pub mod cabeceras;
pub mod cancelacion;
pub mod captcha;
pub mod certificacion;
pub mod cli;
pub mod configuracion;
pub mod contexto;
pub mod cookies;
pub mod correo;
pub mod credenciales;
pub mod cuentas;
pub mod demo;
pub mod estado;
pub mod estaticos;
pub mod generacion;
pub mod ingreso;
pub mod limites;
pub mod metricas;
pub mod migraciones;
pub mod portal;
pub mod proxies;
pub mod recuperacion;
pub mod relaciones;
pub mod retos;
pub mod revocacion;
pub mod salud;
pub mod secretos;
pub mod seguridad_txt;
pub mod sesiones;
pub mod telemetria;
pub mod verificacion;

/// Unix seconds now. The one place the server reads the clock.
pub fn ahora() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
