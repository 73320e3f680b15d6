//! Relaciones de confianza: the employer says which software developers may exchange information
//! in its name, choosing one of the developer's certified products. Adding one is signed with the
//! employer's e.firma (in the browser, as in generation); revoking asks for a confirmation. The
//! developer sees the employers that trust it.

use crate::{cliente::ClientePortal, error::ErrorApp};
use leptos::prelude::*;
pub use nucleo::relaciones::*;

#[server(name = ListarRelaciones, prefix = "/api", endpoint = "relaciones/lista", client = ClientePortal)]
pub async fn listar_relaciones() -> Result<Relaciones, ErrorApp> {
    use crate::servicios::{portal, sesion};
    portal()?.relaciones(&sesion()?).await
}

/// The certified products of the developer with this RFC.
#[server(name = ProductosDeDesarrollador, prefix = "/api", endpoint = "relaciones/productos", client = ClientePortal)]
pub async fn productos_de_desarrollador(rfc: String) -> Result<Vec<ProductoCertificado>, ErrorApp> {
    use crate::servicios::{portal, sesion};
    let rfc = nucleo::identificadores::Rfc::parse(&rfc.trim().to_uppercase()).map_err(|_| {
        ErrorApp::nuevo(
            422,
            "rfc_invalido",
            "Escribe el RFC del desarrollador (12 o 13 caracteres), por ejemplo VADA800927DJ3.",
        )
    })?;
    portal()?.productos_certificados(&sesion()?, &rfc).await
}

/// The cadena original of a new relation, to be signed with the employer's e.firma.
#[server(name = PrepararRelacion, prefix = "/api", endpoint = "relaciones/preparar", client = ClientePortal)]
pub async fn preparar_relacion(producto: i64, no_certificado: String) -> Result<String, ErrorApp> {
    use crate::servicios::{portal, sesion};
    let no_certificado =
        nucleo::identificadores::NoCertificado::parse(&no_certificado).map_err(|_| {
            ErrorApp::solicitud_invalida(
                "El número de certificado no es válido. Vuelve a adjuntar el archivo .CER.",
            )
        })?;
    portal()?
        .preparar_relacion(&sesion()?, producto, &no_certificado)
        .await
}

/// The signed cadena original (RSASSA-PKCS1-v1_5/SHA-256) with the public certificate.
#[server(name = CrearRelacion, prefix = "/api", endpoint = "relaciones/crear", client = ClientePortal)]
pub async fn crear_relacion(
    certificado: String,
    cadena: String,
    sello: String,
) -> Result<Relacion, ErrorApp> {
    use crate::generacion::{CADENA_MAXIMA, CERTIFICADO_B64_MAXIMO, FIRMA_B64_MAXIMA};
    use crate::servicios::{peticion, portal, sesion, FirmaRecibida};
    if certificado.len() > CERTIFICADO_B64_MAXIMO
        || sello.len() > FIRMA_B64_MAXIMA
        || cadena.len() > CADENA_MAXIMA
    {
        return Err(ErrorApp::nuevo(
            413,
            "archivo_demasiado_grande",
            "Los datos de la firma son demasiado grandes.",
        ));
    }
    let sesion = sesion()?;
    portal()?
        .crear_relacion(
            &peticion()?,
            &sesion,
            FirmaRecibida {
                certificado_b64: &certificado,
                cadena: &cadena,
                firma_b64: &sello,
            },
        )
        .await
}

#[server(name = RevocarRelacion, prefix = "/api", endpoint = "relaciones/revocar", client = ClientePortal)]
pub async fn revocar_relacion(relacion: i64) -> Result<Relacion, ErrorApp> {
    use crate::servicios::{peticion, portal, sesion};
    let sesion = sesion()?;
    portal()?
        .revocar_relacion(&peticion()?, &sesion, relacion)
        .await
}
