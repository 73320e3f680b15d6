//! Cancelación de la contraseña (guide §3): the active credential stops working at once, in one
//! transaction with its audit row and the email that tells the registered address.

use crate::{
    auditoria::{self, Evento},
    bd, correo, credenciales, cuentas,
    estado::Estado,
};
use nucleo::{
    error::ErrorApp,
    gestion::Cancelacion,
    identificadores::Folio,
    peticion::{Peticion, SesionActiva},
};
use sqlx::Row;

pub fn sin_contrasena_activa() -> ErrorApp {
    ErrorApp::nuevo(
        409,
        "sin_contrasena_activa",
        "No tienes una contraseña activa. Puedes generar una en la pestaña Generación de contraseña.",
    )
}

/// Cancels the account's active employer credential `folio`. A second cancel of the same folio
/// (a double click, two tabs) answers like the first, without a second email.
pub async fn cancelar(
    estado: &Estado,
    peticion: &Peticion,
    sesion: &SesionActiva,
    folio: &Folio,
) -> Result<Cancelacion, ErrorApp> {
    let folio = folio.as_str();
    let cuenta = cuentas::de_sesion(&estado.bd, sesion).await?;
    let mut tx = estado.bd.begin().await.map_err(bd::indisponible)?;
    let terminada = credenciales::terminar(&mut tx, sesion.cuenta_id, folio, "cancelada")
        .await
        .map_err(bd::indisponible)?;
    let Some(cancelada) = terminada else {
        drop(tx);
        let credencial = credenciales::por_folio(&estado.bd, sesion.cuenta_id, folio)
            .await
            .map_err(bd::indisponible)?;
        return match credencial {
            Some((c, terminada)) if c.estado == "cancelada" => Ok(Cancelacion {
                folio: c.folio,
                cancelada: terminada.unwrap_or(c.emitida),
            }),
            Some(_) => Err(ErrorApp::nuevo(
                409,
                "contrasena_cambio",
                "Tu contraseña cambió mientras tanto (se recuperó o se reemplazó en otra ventana). Revisa su estado antes de cancelarla.",
            )),
            None => Err(sin_contrasena_activa()),
        };
    };
    // Payroll API sessions opened with this credential end with this commit: the bearer check
    // (api/portador.rs) only accepts a token whose credentials are still active.
    let (asunto, cuerpo) =
        correo::plantillas::contrasena_cancelada(folio, &cuenta.rfc, &cuenta.razon_social);
    correo::encolar(
        &mut tx,
        &estado.cofre,
        correo::Mensaje {
            para: &cuenta.correo,
            asunto: &asunto,
            cuerpo: &cuerpo,
            secreto: None,
        },
    )
    .await
    .map_err(bd::indisponible)?;
    let rol: String =
        sqlx::query("SELECT rol FROM credenciales WHERE cuenta_id = $1 AND folio = $2")
            .bind(sesion.cuenta_id)
            .bind(folio)
            .fetch_one(&mut *tx)
            .await
            .and_then(|f| f.try_get(0))
            .map_err(bd::indisponible)?;
    // Last: the audit row locks the chain's head until the commit.
    let ip = peticion.ip.to_string();
    auditoria::registrar(
        &mut tx,
        Evento {
            evento: "credencial_cancelada",
            cuenta_id: Some(sesion.cuenta_id),
            sujeto: Some(&cuenta.nrp),
            ip: &ip,
            detalle: Some(folio),
        },
    )
    .await
    .map_err(bd::indisponible)?;
    tx.commit().await.map_err(bd::indisponible)?;
    estado.avisar_correo();
    estado.metricas.credencial_cancelada(match rol.as_str() {
        "desarrollador" => credenciales::Rol::Desarrollador,
        _ => credenciales::Rol::Patron,
    });
    Ok(Cancelacion {
        folio: folio.to_owned(),
        cancelada,
    })
}
