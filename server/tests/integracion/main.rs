//! The server's integration tests, one module per area, linked into one test binary: each
//! binary links the whole server, and 25 of them took most of the build's disk and link time.
//! Two stay binaries of their own: `registros.rs` installs the process-wide log subscriber it
//! reads, and `paginas.rs` loads the machine with hundreds of streamed pages at once.
//!
//! One area: `cargo test -p intercomunicacion --test integracion acceso::`.

#[path = "../comun/mod.rs"]
mod comun;
#[path = "../comun/intercambio.rs"]
mod intercambio;

mod acceso;
mod acuse;
mod api;
mod auditoria;
mod autorizacion;
mod bloqueo;
mod cli;
mod codificacion;
mod contrasenas;
mod correo;
mod credenciales;
mod demo;
mod escala;
mod estaticos;
mod fallas;
mod generacion;
mod gestion;
mod http;
mod instancias;
mod operacion;
mod permisos;
mod produccion;
mod relaciones;
mod revocacion;
mod verificacion;
