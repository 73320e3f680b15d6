//! Public verification of an acuse by its folio: the server re-checks both sellos (the
//! applicant's and the Instituto's) and says what the acuse certifies. No session needed.

use crate::{cliente::ClientePortal, error::ErrorApp};
use leptos::prelude::*;
pub use nucleo::acuses::*;

/// `None`: there is no acuse with that folio. A GET, so the page can be rendered, shared and
/// re-run from its address alone.
#[server(
    name = VerificarAcuse,
    prefix = "/api",
    endpoint = "acuses/verificar",
    input = server_fn::codec::GetUrl,
    client = ClientePortal
)]
pub async fn verificar_acuse(folio: String) -> Result<Option<AcuseVerificado>, ErrorApp> {
    use crate::servicios::{peticion, portal};
    let folio =
        nucleo::identificadores::Folio::parse(&folio).map_err(ErrorApp::solicitud_invalida)?;
    portal()?.verificar_acuse(&peticion()?, &folio).await
}
