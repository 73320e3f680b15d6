//! Server-side check of an e.firma signature over a challenge (DESIGN §4): the certificate is a
//! FIEL (never a CSD), valid now, chains to a configured SAT anchor, not revoked (when an OCSP
//! responder is configured), belongs to the account's RFC
//! and to the challenge; the signature (RSASSA-PSS/SHA-256) verifies; the challenge is this
//! session's, unexpired and unused — and is spent by this attempt, whatever its outcome.

use crate::{ahora, bd, estado::Estado, retos};
use efirma::{Algoritmo, Certificado};
use nucleo::error::ErrorApp;
use sqlx::{Any, Transaction};

/// Largest `.cer` accepted, as in the browser.
pub const CER_MAXIMO: usize = 64 * 1024;

/// The Spanish message and stable code of an e.firma rejection, as a 422.
pub fn rechazo(e: efirma::Error) -> ErrorApp {
    ErrorApp::nuevo(422, e.codigo(), e.mensaje())
}

pub struct FirmaReto<'a> {
    pub sesion_hash: &'a str,
    pub proposito: retos::Proposito,
    /// The RFC of the signed-in account.
    pub rfc_cuenta: &'a str,
    pub cer: &'a [u8],
    pub cadena: &'a str,
    pub firma: &'a [u8],
    /// PSS for challenges, PKCS#1 v1.5 for the sello over a cadena original (DESIGN §4: the SAT
    /// convention, verifiable with `openssl dgst -sha256 -verify`).
    pub algoritmo: Algoritmo,
}

/// A signed challenge, checked but not yet spent: [`RetoVerificado::gastar`] spends it in the
/// transaction that records the outcome.
#[must_use = "the challenge must be spent, whatever the outcome"]
pub struct RetoVerificado {
    reto: retos::Presentado,
    resultado: Result<Certificado, ErrorApp>,
}

impl RetoVerificado {
    /// Spends the challenge inside `tx` and returns the attempt's outcome: the challenge's own
    /// refusal first (unknown, expired, used, altered), then the e.firma's.
    pub async fn gastar(
        self,
        tx: &mut Transaction<'_, Any>,
    ) -> Result<Result<Certificado, ErrorApp>, ErrorApp> {
        Ok(
            match retos::gastar(tx, &self.reto)
                .await
                .map_err(bd::indisponible)?
            {
                Ok(()) => self.resultado,
                Err(e @ retos::ErrorReto::Alterado) => {
                    Err(ErrorApp::nuevo(422, e.codigo(), e.mensaje()))
                }
                Err(e) => Err(ErrorApp::nuevo(409, e.codigo(), e.mensaje())),
            },
        )
    }
}

/// Checks a signed challenge without writing anything. The challenge is read first: one that
/// cannot be spent is refused without looking at the certificate (no OCSP request for it).
pub async fn verificar_reto(estado: &Estado, f: FirmaReto<'_>) -> Result<RetoVerificado, ErrorApp> {
    let reto = retos::examinar(&estado.bd, f.sesion_hash, f.proposito, f.cadena)
        .await
        .map_err(bd::indisponible)?;
    let resultado = match reto.veredicto {
        Ok(()) => verificar_firma(estado, &f).await,
        // Never returned: `gastar` answers with the challenge's own refusal.
        Err(_) => Err(ErrorApp::interno()),
    };
    Ok(RetoVerificado { reto, resultado })
}

async fn verificar_firma(estado: &Estado, f: &FirmaReto<'_>) -> Result<Certificado, ErrorApp> {
    if f.cer.len() > CER_MAXIMO {
        return Err(rechazo(efirma::Error::ArchivoDemasiadoGrande));
    }
    let certificado = Certificado::parse(f.cer).map_err(rechazo)?;
    let anclas = estado
        .anclas
        .as_ref()
        .ok_or_else(|| rechazo(efirma::Error::AnclasNoDisponibles))?;
    efirma::validar_efirma(&certificado, anclas, ahora()).map_err(rechazo)?;
    if let Some(ocsp) = &estado.ocsp {
        ocsp.verificar(&certificado, anclas, ahora())
            .await
            .map_err(rechazo)?;
    }
    let rfc = certificado.rfc().map(|r| r.as_str()).unwrap_or_default();
    if rfc != f.rfc_cuenta {
        return Err(ErrorApp::nuevo(
            422,
            "rfc_distinto",
            &format!(
                "La e.firma pertenece al RFC {rfc}, que no es el de tu cuenta ({}). Usa la e.firma de la empresa.",
                f.rfc_cuenta
            ),
        ));
    }
    let anunciado = match f.proposito {
        retos::Proposito::FirmaTerminos => nucleo::generacion::CadenaOriginal::leer(f.cadena)
            .is_some_and(|c| c.no_certificado == certificado.no_certificado()),
        _ => f.cadena.contains(&format!(
            "|NO CERTIFICADO {}|",
            certificado.no_certificado()
        )),
    };
    if !anunciado {
        return Err(ErrorApp::nuevo(
            409,
            "reto_desconocido",
            retos::ErrorReto::Desconocido.mensaje(),
        ));
    }
    certificado
        .verificar(f.cadena.as_bytes(), f.firma, f.algoritmo)
        .map_err(rechazo)?;
    Ok(certificado)
}
