//! The public verification of an acuse by its folio (`/acuses/verificar`): both sellos
//! re-checked, throttled per client address on unknown folios so nobody can walk the folio
//! space.

use super::{fecha_cdmx, fecha_utc, nombre_rol, por_folio, verificar_con_historial};
use crate::{bd, configuracion::Configuracion, estado::Estado, limites};
use nucleo::{
    acuses::AcuseVerificado, error::ErrorApp, identificadores::Folio, peticion::Peticion,
};

/// Where the acuse's QR code points.
pub fn url_verificacion(config: &Configuracion, folio: &str) -> String {
    format!("{}/acuses/verificar?folio={folio}", config.url_publica)
}

fn clave_consultas(ip: &str) -> String {
    format!("acuse-{}", limites::clave_ip(ip))
}

/// The public check of an acuse. Unknown folios count against the client address like failed
/// sign-ins; past the limit every lookup from it waits.
pub async fn verificar_folio(
    estado: &Estado,
    peticion: &Peticion,
    folio: &Folio,
) -> Result<Option<AcuseVerificado>, ErrorApp> {
    let clave = clave_consultas(&peticion.ip.to_string());
    // Each lookup takes a place; one that finds its acuse gives it back, one that does not
    // confirms it: only lookups of folios that do not exist count.
    let plazas = estado
        .limites
        .tomar(&[estado.limites.de_ingreso(&clave, estado.limites.intentos_ip)])
        .await
        .map_err(bd::indisponible)?
        .map_err(|lleno| {
            ErrorApp::nuevo(
                429,
                "demasiadas_consultas",
                "Hubo demasiadas consultas de folios inexistentes desde tu conexión. Espera unos minutos e intenta de nuevo.",
            )
            .con_reintento(lleno.espera)
        })?;
    let Some(acuse) = por_folio(&estado.bd, folio.as_str())
        .await
        .map_err(bd::indisponible)?
    else {
        estado
            .limites
            .confirmar(plazas.todas())
            .await
            .map_err(bd::indisponible)?;
        return Ok(None);
    };
    estado
        .limites
        .devolver(plazas.todas())
        .await
        .map_err(bd::indisponible)?;
    let v = verificar_con_historial(&estado.bd, &acuse, &estado.sellador)
        .await
        .map_err(bd::indisponible)?;
    let d = acuse.datos;
    Ok(Some(AcuseVerificado {
        fecha_utc: fecha_utc(d.emitido),
        fecha_cdmx: fecha_cdmx(d.emitido),
        rol: nombre_rol(&d.rol).to_owned(),
        folio: d.folio,
        rfc: d.rfc,
        razon_social: d.razon_social,
        sello_solicitante: v.sello_solicitante,
        sello_instituto: v.sello_instituto,
    }))
}
