//! What the server provides to pages and server functions (SSR only): the [`Portal`] services
//! behind a trait object, and the facts about the current request the server's middleware
//! established (session, client address, CSRF token).

use crate::{
    acuses::AcuseVerificado,
    certificacion::Producto,
    error::ErrorApp,
    generacion::{CredencialActiva, Emision, Rol, Solicitud},
    gestion::{Cancelacion, Captcha, Recuperacion},
    relaciones::{ProductoCertificado, Relacion, Relaciones},
    sesion::Cuenta,
};
use async_trait::async_trait;
use http::{header, HeaderValue};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use nucleo::identificadores::{Folio, NoCertificado, Rfc};
pub use nucleo::peticion::*;
use std::sync::Arc;

/// The server's services, as pages and server functions see them.
#[async_trait]
pub trait Portal: Send + Sync + 'static {
    /// Checks the account's credentials and opens a new session. Returns the `Set-Cookie`
    /// headers that carry it.
    async fn iniciar_sesion(
        &self,
        peticion: &Peticion,
        datos: DatosIngreso,
    ) -> Result<Vec<HeaderValue>, ErrorApp>;

    /// A captcha for signing in with `nrp` from this browser (or a code by email, `por_correo`).
    async fn captcha_ingreso(
        &self,
        peticion: &Peticion,
        nrp: &str,
        por_correo: bool,
    ) -> Result<Captcha, ErrorApp>;

    /// Ends the current session. Returns the `Set-Cookie` headers that clear it.
    async fn cerrar_sesion(&self, peticion: &Peticion) -> Result<Vec<HeaderValue>, ErrorApp>;

    /// The signed-in account.
    async fn cuenta(&self, sesion: &SesionActiva) -> Result<Cuenta, ErrorApp>;

    /// The account's active employer credential, if any.
    async fn credencial_activa(
        &self,
        sesion: &SesionActiva,
        rol: Rol,
    ) -> Result<Option<CredencialActiva>, ErrorApp>;

    /// A single-use challenge for this session and e.firma.
    async fn solicitar_reto(
        &self,
        sesion: &SesionActiva,
        no_certificado: &NoCertificado,
    ) -> Result<String, ErrorApp>;

    /// Checks the signed challenge; answers with the requester and the cadena original to sign.
    async fn validar_efirma(
        &self,
        peticion: &Peticion,
        sesion: &SesionActiva,
        firma: FirmaRecibida<'_>,
        reemplazar: bool,
        rol: Rol,
    ) -> Result<Solicitud, ErrorApp>;

    /// Checks the signed cadena original and issues the credential, its acuse and its email.
    async fn firmar_terminos(
        &self,
        peticion: &Peticion,
        sesion: &SesionActiva,
        firma: FirmaRecibida<'_>,
    ) -> Result<Emision, ErrorApp>;

    /// Re-checks both sellos of the acuse with this folio. `None` when there is no such acuse.
    /// Public: anyone holding an acuse may ask.
    async fn verificar_acuse(
        &self,
        peticion: &Peticion,
        folio: &Folio,
    ) -> Result<Option<AcuseVerificado>, ErrorApp>;

    /// Cancels the account's active employer credential `folio`.
    async fn cancelar(
        &self,
        peticion: &Peticion,
        sesion: &SesionActiva,
        folio: &Folio,
    ) -> Result<Cancelacion, ErrorApp>;

    /// A new captcha for recovering the password (or a code by email, `por_correo`).
    async fn captcha(
        &self,
        peticion: &Peticion,
        sesion: &SesionActiva,
        por_correo: bool,
        rol: Rol,
    ) -> Result<Captcha, ErrorApp>;

    /// Recovers the password: checks the captcha, issues a new password, emails it.
    async fn recuperar(
        &self,
        peticion: &Peticion,
        sesion: &SesionActiva,
        id: &str,
        respuesta: &str,
        rol: Rol,
    ) -> Result<Recuperacion, ErrorApp>;

    /// The account's products and their certification history.
    async fn productos(&self, sesion: &SesionActiva) -> Result<Vec<Producto>, ErrorApp>;

    /// Registers a payroll product (fields already validated).
    async fn registrar_producto(
        &self,
        peticion: &Peticion,
        sesion: &SesionActiva,
        nombre: &str,
        version: &str,
        contacto: &str,
    ) -> Result<Producto, ErrorApp>;

    /// Asks the Instituto to certify one of the account's products.
    async fn solicitar_certificacion(
        &self,
        peticion: &Peticion,
        sesion: &SesionActiva,
        producto: i64,
    ) -> Result<Producto, ErrorApp>;

    /// The account's trust relations, both ways.
    async fn relaciones(&self, sesion: &SesionActiva) -> Result<Relaciones, ErrorApp>;

    /// The certified products of the developer with this RFC.
    async fn productos_certificados(
        &self,
        sesion: &SesionActiva,
        rfc: &Rfc,
    ) -> Result<Vec<ProductoCertificado>, ErrorApp>;

    /// The single-use cadena original of a new relation with `producto`'s developer.
    async fn preparar_relacion(
        &self,
        sesion: &SesionActiva,
        producto: i64,
        no_certificado: &NoCertificado,
    ) -> Result<String, ErrorApp>;

    /// Checks the signed cadena original and records the relation.
    async fn crear_relacion(
        &self,
        peticion: &Peticion,
        sesion: &SesionActiva,
        firma: FirmaRecibida<'_>,
    ) -> Result<Relacion, ErrorApp>;

    /// Revokes one of the employer's relations.
    async fn revocar_relacion(
        &self,
        peticion: &Peticion,
        sesion: &SesionActiva,
        relacion: i64,
    ) -> Result<Relacion, ErrorApp>;

    /// The Content-Security-Policy for a document rendered with this script nonce.
    fn politica_contenido(&self, nonce: &str) -> String;
}

pub type ServiciosPortal = Arc<dyn Portal>;

pub fn portal() -> Result<ServiciosPortal, ErrorApp> {
    use_context::<ServiciosPortal>().ok_or_else(ErrorApp::interno)
}

pub fn peticion() -> Result<Peticion, ErrorApp> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Peticion>().cloned())
        .ok_or_else(ErrorApp::interno)
}

/// The current session, or the error that sends the person back to sign in.
pub fn sesion() -> Result<SesionActiva, ErrorApp> {
    peticion()?.sesion.ok_or_else(ErrorApp::sesion_requerida)
}

/// Adds response headers from inside a server function or a page render.
pub fn agregar_cabeceras(nombre: header::HeaderName, valores: Vec<HeaderValue>) {
    if let Some(respuesta) = use_context::<ResponseOptions>() {
        for valor in valores {
            respuesta.append_header(nombre.clone(), valor);
        }
    }
}

/// What the document shell needs: the page's CSRF token; also sets the document's CSP (with the
/// nonce of this render) on the response.
pub struct SeguridadDocumento {
    pub csrf: String,
}

pub fn cabeceras_documento(nonce: Option<leptos::nonce::Nonce>) -> SeguridadDocumento {
    let csrf = peticion().map(|p| p.csrf).unwrap_or_default();
    if let (Ok(portal), Some(nonce), Some(respuesta)) =
        (portal(), nonce, use_context::<ResponseOptions>())
    {
        if let Ok(valor) = HeaderValue::from_str(&portal.politica_contenido(&nonce)) {
            respuesta.insert_header(header::CONTENT_SECURITY_POLICY, valor);
        }
    }
    SeguridadDocumento { csrf }
}
