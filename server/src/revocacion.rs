//! Revocation: every e.firma is checked with the configured OCSP responder (RFC 6960) before it
//! is accepted. The request carries a fresh nonce; the answer must be signed by the issuer or
//! a responder it delegated to (or the configured responder certificate). If the responder
//! cannot be reached, the configured policy decides; production always refuses.

use efirma::{AlmacenConfianza, Certificado, EstadoRevocacion, SolicitudOcsp};
use rand::RngCore;
use std::time::Duration;

pub struct ClienteOcsp {
    url: String,
    responsable: Option<Certificado>,
    acepta_si_falla: bool,
    http: reqwest::Client,
}

impl ClienteOcsp {
    pub fn nuevo(
        url: String,
        responsable: Option<Certificado>,
        acepta_si_falla: bool,
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            url,
            responsable,
            acepta_si_falla,
            http,
        })
    }

    async fn consultar(&self, solicitud: Vec<u8>) -> Result<Vec<u8>, reqwest::Error> {
        let r = self
            .http
            .post(&self.url)
            .header("content-type", "application/ocsp-request")
            .body(solicitud)
            .send()
            .await?
            .error_for_status()?;
        Ok(r.bytes().await?.to_vec())
    }

    pub async fn verificar(
        &self,
        cert: &Certificado,
        anclas: &AlmacenConfianza,
        ahora: i64,
    ) -> Result<(), efirma::Error> {
        let mut nonce = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let mut solicitud = SolicitudOcsp::con_almacen(cert, anclas, &nonce)?;
        if let Some(r) = &self.responsable {
            solicitud = solicitud.con_responsable(r.clone());
        }
        let respuesta = match self.consultar(solicitud.der()).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "el respondedor OCSP no contestó");
                return if self.acepta_si_falla {
                    Ok(())
                } else {
                    Err(efirma::Error::RevocacionDesconocida)
                };
            }
        };
        match solicitud.evaluar(&respuesta, ahora)? {
            EstadoRevocacion::Vigente => Ok(()),
            otro => otro.como_resultado(),
        }
    }
}
