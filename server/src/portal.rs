//! The portal's services as pages see them ([`app::servicios::Portal`]), over the server's
//! state: sign-in ([`crate::ingreso`]), sign-out, the signed-in account.

use crate::{
    acuse,
    auditoria::{self, Evento},
    bd, cookies, cuentas,
    estado::Estado,
    generacion, secretos,
};
use app::servicios::Portal;
use async_trait::async_trait;
use http::HeaderValue;
use nucleo::{
    acuses::AcuseVerificado,
    certificacion::Producto,
    error::ErrorApp,
    generacion::{CredencialActiva, Emision, Rol, Solicitud},
    gestion::{Cancelacion, Captcha, Recuperacion},
    identificadores::{Folio, NoCertificado, Rfc},
    peticion::{DatosIngreso, FirmaRecibida, Peticion, SesionActiva},
    relaciones::{ProductoCertificado, Relacion, Relaciones},
    sesion::Cuenta,
};
use std::sync::Arc;

pub struct PortalServidor(pub Arc<Estado>);

#[async_trait]
impl Portal for PortalServidor {
    async fn iniciar_sesion(
        &self,
        peticion: &Peticion,
        datos: DatosIngreso,
    ) -> Result<Vec<HeaderValue>, ErrorApp> {
        crate::ingreso::iniciar_sesion(&self.0, peticion, datos).await
    }

    async fn captcha_ingreso(
        &self,
        peticion: &Peticion,
        nrp: &str,
        por_correo: bool,
    ) -> Result<Captcha, ErrorApp> {
        crate::ingreso::nuevo_captcha(&self.0, peticion, nrp, por_correo).await
    }

    async fn cerrar_sesion(&self, peticion: &Peticion) -> Result<Vec<HeaderValue>, ErrorApp> {
        let e = &self.0;
        if let Some(sesion) = &peticion.sesion {
            e.sesiones
                .cerrar(&sesion.id_hash)
                .await
                .map_err(bd::indisponible)?;
            auditoria::registrar_aparte(
                &e.bd,
                Evento {
                    evento: "salida",
                    cuenta_id: Some(sesion.cuenta_id),
                    sujeto: None,
                    ip: &peticion.ip.to_string(),
                    detalle: None,
                },
            )
            .await
            .map_err(bd::indisponible)?;
        }
        Ok(vec![
            cookies::borrar(cookies::SESION),
            cookies::crear(cookies::CSRF, &secretos::token_aleatorio(), None),
        ])
    }

    async fn cuenta(&self, sesion: &SesionActiva) -> Result<Cuenta, ErrorApp> {
        cuentas::de_sesion(&self.0.bd, sesion).await
    }

    async fn credencial_activa(
        &self,
        sesion: &SesionActiva,
        rol: Rol,
    ) -> Result<Option<CredencialActiva>, ErrorApp> {
        generacion::credencial_activa(&self.0, sesion, rol).await
    }

    async fn solicitar_reto(
        &self,
        sesion: &SesionActiva,
        no_certificado: &NoCertificado,
    ) -> Result<String, ErrorApp> {
        generacion::solicitar_reto(&self.0, sesion, no_certificado).await
    }

    async fn validar_efirma(
        &self,
        peticion: &Peticion,
        sesion: &SesionActiva,
        firma: FirmaRecibida<'_>,
        reemplazar: bool,
        rol: Rol,
    ) -> Result<Solicitud, ErrorApp> {
        generacion::validar_efirma(&self.0, peticion, sesion, firma, reemplazar, rol).await
    }

    async fn firmar_terminos(
        &self,
        peticion: &Peticion,
        sesion: &SesionActiva,
        firma: FirmaRecibida<'_>,
    ) -> Result<Emision, ErrorApp> {
        generacion::firmar_terminos(&self.0, peticion, sesion, firma).await
    }

    async fn verificar_acuse(
        &self,
        peticion: &Peticion,
        folio: &Folio,
    ) -> Result<Option<AcuseVerificado>, ErrorApp> {
        acuse::rutas::verificar_folio(&self.0, peticion, folio).await
    }

    async fn cancelar(
        &self,
        peticion: &Peticion,
        sesion: &SesionActiva,
        folio: &Folio,
    ) -> Result<Cancelacion, ErrorApp> {
        crate::cancelacion::cancelar(&self.0, peticion, sesion, folio).await
    }

    async fn captcha(
        &self,
        peticion: &Peticion,
        sesion: &SesionActiva,
        por_correo: bool,
        rol: Rol,
    ) -> Result<Captcha, ErrorApp> {
        crate::recuperacion::nuevo_captcha(&self.0, peticion, sesion, por_correo, rol).await
    }

    async fn recuperar(
        &self,
        peticion: &Peticion,
        sesion: &SesionActiva,
        id: &str,
        respuesta: &str,
        rol: Rol,
    ) -> Result<Recuperacion, ErrorApp> {
        crate::recuperacion::recuperar(&self.0, peticion, sesion, id, respuesta, rol).await
    }

    async fn productos(&self, sesion: &SesionActiva) -> Result<Vec<Producto>, ErrorApp> {
        crate::certificacion::de_cuenta(&self.0.bd, sesion.cuenta_id)
            .await
            .map_err(bd::indisponible)
    }

    async fn registrar_producto(
        &self,
        peticion: &Peticion,
        sesion: &SesionActiva,
        nombre: &str,
        version: &str,
        contacto: &str,
    ) -> Result<Producto, ErrorApp> {
        crate::certificacion::registrar(&self.0, peticion, sesion, (nombre, version, contacto))
            .await
    }

    async fn solicitar_certificacion(
        &self,
        peticion: &Peticion,
        sesion: &SesionActiva,
        producto: i64,
    ) -> Result<Producto, ErrorApp> {
        crate::certificacion::solicitar(&self.0, peticion, sesion, producto).await
    }

    async fn relaciones(&self, sesion: &SesionActiva) -> Result<Relaciones, ErrorApp> {
        crate::relaciones::de_cuenta(&self.0.bd, sesion.cuenta_id)
            .await
            .map_err(bd::indisponible)
    }

    async fn productos_certificados(
        &self,
        _sesion: &SesionActiva,
        rfc: &Rfc,
    ) -> Result<Vec<ProductoCertificado>, ErrorApp> {
        crate::relaciones::productos_certificados(&self.0, rfc).await
    }

    async fn preparar_relacion(
        &self,
        sesion: &SesionActiva,
        producto: i64,
        no_certificado: &NoCertificado,
    ) -> Result<String, ErrorApp> {
        crate::relaciones::preparar(&self.0, sesion, producto, no_certificado).await
    }

    async fn crear_relacion(
        &self,
        peticion: &Peticion,
        sesion: &SesionActiva,
        firma: FirmaRecibida<'_>,
    ) -> Result<Relacion, ErrorApp> {
        crate::relaciones::crear(&self.0, peticion, sesion, firma).await
    }

    async fn revocar_relacion(
        &self,
        peticion: &Peticion,
        sesion: &SesionActiva,
        relacion: i64,
    ) -> Result<Relacion, ErrorApp> {
        crate::relaciones::revocar(&self.0, peticion, sesion, relacion).await
    }

    fn politica_contenido(&self, nonce: &str) -> String {
        crate::cabeceras::politica_documento(
            nonce,
            self.0
                .config
                .recarga_en_vivo
                .then_some(self.0.config.leptos.reload_port),
        )
    }
}
