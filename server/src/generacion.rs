//! The services behind the "Generación de contraseña" tab: the tab's state, e.firma challenges
//! and their verification, each attempt audited.

use crate::{
    auditoria::{self, Evento},
    bd,
    credenciales::{self, Rol},
    cuentas,
    estado::Estado,
    retos::{self, Proposito},
    verificacion::{self, FirmaReto},
};
use app::{
    error::ErrorApp,
    generacion::{CredencialActiva, Solicitante},
    servicios::{Peticion, SesionActiva},
};
use base64::{engine::general_purpose::STANDARD, Engine};

pub async fn credencial_activa(
    estado: &Estado,
    sesion: &SesionActiva,
) -> Result<Option<CredencialActiva>, ErrorApp> {
    let activa = credenciales::activa(&estado.bd, sesion.cuenta_id, Rol::Patron)
        .await
        .map_err(bd::indisponible)?;
    Ok(activa.map(|c| CredencialActiva {
        folio: c.folio,
        emitida: c.emitida,
    }))
}

pub async fn solicitar_reto(
    estado: &Estado,
    sesion: &SesionActiva,
    no_certificado: &str,
) -> Result<String, ErrorApp> {
    let cuenta = cuentas::de_sesion(&estado.bd, sesion).await?;
    let reto = retos::emitir(
        &estado.bd,
        &sesion.id_hash,
        Proposito::GenerarContrasena,
        &cuenta.nrp,
        &cuenta.rfc,
        no_certificado,
    )
    .await
    .map_err(bd::indisponible)?;
    Ok(reto.cadena)
}

pub async fn validar_efirma(
    estado: &Estado,
    peticion: &Peticion,
    sesion: &SesionActiva,
    certificado_b64: &str,
    cadena: &str,
    firma_b64: &str,
) -> Result<Solicitante, ErrorApp> {
    let decodificar = |b64: &str| {
        STANDARD.decode(b64.trim()).map_err(|_| {
            ErrorApp::solicitud_invalida(
                "Los datos de la e.firma llegaron incompletos. Vuelve a dar clic en Validar.",
            )
        })
    };
    let (cer, firma) = (decodificar(certificado_b64)?, decodificar(firma_b64)?);
    let cuenta = cuentas::de_sesion(&estado.bd, sesion).await?;
    let resultado = verificacion::verificar_reto(
        estado,
        FirmaReto {
            sesion_hash: &sesion.id_hash,
            proposito: Proposito::GenerarContrasena,
            rfc_cuenta: &cuenta.rfc,
            cer: &cer,
            cadena,
            firma: &firma,
        },
    )
    .await;
    let ip = peticion.ip.to_string();
    let (evento, detalle) = match &resultado {
        Ok(_) => ("efirma_validada", None),
        Err(e) => ("efirma_rechazada", Some(e.codigo.as_str())),
    };
    auditoria::registrar(
        &estado.bd,
        Evento {
            evento,
            cuenta_id: Some(sesion.cuenta_id),
            sujeto: Some(&cuenta.nrp),
            ip: &ip,
            detalle,
        },
    )
    .await
    .map_err(bd::indisponible)?;
    let certificado = resultado?;
    Ok(Solicitante {
        razon_social: cuenta.razon_social,
        rfc: cuenta.rfc,
        nrp: cuenta.nrp,
        no_certificado: certificado.no_certificado().to_owned(),
    })
}
