//! The portal's services as pages see them ([`app::servicios::Portal`]), over the server's
//! state: sign-in with throttling and audit, sign-out, the signed-in account.

use crate::{
    acuse,
    auditoria::{self, Evento},
    bd, cookies, cuentas,
    estado::Estado,
    generacion,
    limites::{clave_ip, clave_nrp, Lleno},
    secretos,
};
use app::{
    acuses::AcuseVerificado,
    certificacion::Producto,
    error::ErrorApp,
    generacion::{CredencialActiva, Emision, Rol, Solicitud},
    gestion::{Cancelacion, Captcha, Recuperacion},
    relaciones::{ProductoCertificado, Relacion, Relaciones},
    servicios::{DatosIngreso, FirmaRecibida, Peticion, Portal, SesionActiva},
    sesion::Cuenta,
    validacion,
};
use async_trait::async_trait;
use http::HeaderValue;
use std::sync::Arc;

pub struct PortalServidor(pub Arc<Estado>);

fn datos_incorrectos() -> ErrorApp {
    ErrorApp::nuevo(
        401,
        "datos_incorrectos",
        "Los datos de acceso no son correctos. Verifica tu NRP, tu correo electrónico y tu contraseña.",
    )
}

#[async_trait]
impl Portal for PortalServidor {
    async fn iniciar_sesion(
        &self,
        peticion: &Peticion,
        datos: DatosIngreso,
    ) -> Result<Vec<HeaderValue>, ErrorApp> {
        let e = &self.0;
        let ip = peticion.ip.to_string();
        let nrp = validacion::validar_nrp(&datos.nrp).map_err(ErrorApp::solicitud_invalida)?;
        let correo =
            validacion::validar_correo(&datos.correo).map_err(ErrorApp::solicitud_invalida)?;
        validacion::validar_contrasena(&datos.contrasena).map_err(ErrorApp::solicitud_invalida)?;
        let contrasena = zeroize::Zeroizing::new(datos.contrasena);

        let auditar =
            |evento: &'static str, cuenta_id: Option<i64>, detalle: Option<&'static str>| {
                let (bd, nrp, ip) = (e.bd.clone(), nrp.clone(), ip.clone());
                async move {
                    let r = auditoria::registrar_aparte(
                        &bd,
                        Evento {
                            evento,
                            cuenta_id,
                            sujeto: Some(&nrp),
                            ip: &ip,
                            detalle,
                        },
                    )
                    .await;
                    r.map_err(bd::indisponible)
                }
            };

        // The attempt takes its place under both limits first; a right sign-in gives them back.
        let (por_ip, por_nrp) = (clave_ip(&ip), clave_nrp(&nrp));
        let plazas = e
            .limites
            .tomar(&[
                e.limites.de_ingreso(&por_ip, e.limites.intentos_ip),
                e.limites.de_ingreso(&por_nrp, e.limites.intentos),
            ])
            .await
            .map_err(bd::indisponible)?;
        let plazas = match plazas {
            Ok(p) => p,
            Err(Lleno { limite: 0, espera }) => {
                auditar("ingreso_rechazado", None, Some("limite_por_direccion")).await?;
                return Err(ErrorApp::nuevo(
                    429,
                    "demasiados_intentos",
                    "Hubo demasiados intentos de ingreso desde tu conexión. Espera unos minutos e intenta de nuevo.",
                )
                .con_reintento(espera));
            }
            Err(Lleno { espera, .. }) => {
                auditar("ingreso_rechazado", None, Some("nrp_bloqueado")).await?;
                let minutos = espera.div_ceil(60);
                return Err(ErrorApp::nuevo(
                    429,
                    "cuenta_bloqueada",
                    &format!(
                        "Por tu seguridad, el ingreso con este NRP está bloqueado temporalmente por varios intentos fallidos. Intenta de nuevo en {minutos} minuto{}.",
                        if minutos == 1 { "" } else { "s" }
                    ),
                )
                .con_reintento(espera));
            }
        };

        let cuenta = cuentas::para_ingreso(&e.bd, &nrp)
            .await
            .map_err(bd::indisponible)?;
        let (hash, cuenta) = match cuenta {
            Some(c) => (c.contrasena_hash.clone(), Some(c)),
            None => (e.senuelo.clone(), None),
        };
        let clave = contrasena.clone();
        let contrasena_valida =
            tokio::task::spawn_blocking(move || cuentas::verificar_contrasena(&hash, &clave))
                .await
                .map_err(|_| ErrorApp::interno())?;
        let cuenta = cuenta.filter(|c| contrasena_valida && c.correo.eq_ignore_ascii_case(&correo));

        let Some(cuenta) = cuenta else {
            e.limites
                .confirmar(plazas.todas())
                .await
                .map_err(bd::indisponible)?;
            auditar("ingreso_fallido", None, Some("datos_incorrectos")).await?;
            return Err(datos_incorrectos());
        };

        e.limites
            .devolver(plazas.todas())
            .await
            .map_err(bd::indisponible)?;
        e.limites
            .olvidar(&por_nrp)
            .await
            .map_err(bd::indisponible)?;
        // Session rotation: whatever session this browser had ends here.
        if let Some(anterior) = &peticion.sesion {
            e.sesiones
                .cerrar(&anterior.id_hash)
                .await
                .map_err(bd::indisponible)?;
        }
        let token = e
            .sesiones
            .abrir(cuenta.id, &ip)
            .await
            .map_err(bd::indisponible)?;
        auditar("ingreso_exitoso", Some(cuenta.id), None).await?;
        Ok(vec![
            cookies::crear(cookies::SESION, &token, None),
            cookies::crear(cookies::CSRF, &secretos::token_aleatorio(), None),
        ])
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
        no_certificado: &str,
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
        folio: &str,
    ) -> Result<Option<AcuseVerificado>, ErrorApp> {
        acuse::rutas::verificar_folio(&self.0, peticion, folio).await
    }

    async fn cancelar(
        &self,
        peticion: &Peticion,
        sesion: &SesionActiva,
        folio: &str,
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
        rfc: &str,
    ) -> Result<Vec<ProductoCertificado>, ErrorApp> {
        crate::relaciones::productos_certificados(&self.0, rfc).await
    }

    async fn preparar_relacion(
        &self,
        sesion: &SesionActiva,
        producto: i64,
        no_certificado: &str,
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
