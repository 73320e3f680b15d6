//! The domain of Servicios de Intercomunicación: the types the pages and the server share (the
//! error every trámite answers with, roles, the cadena original, what each tab shows, the
//! request's facts) and the checks of what a person types. Everything here also compiles for the
//! browser.

pub mod acuses;
pub mod certificacion;
pub mod error;
pub mod fechas;
pub mod generacion;
pub mod gestion;
pub mod identificadores;
pub mod peticion;
pub mod relaciones;
pub mod sesion;
pub mod terminos;
pub mod validacion;
