//! One call that answers "what is this e.firma and would we accept it?", as a serializable
//! report. It backs the `efirma inspeccionar` command of the server binary.

use serde::Serialize;

use crate::{AlmacenConfianza, Certificado, Error, LlavePrivada};

/// Validity window as RFC 3339 UTC timestamps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Vigencia {
    /// Start, e.g. `2023-05-18T04:37:14Z`.
    pub desde: String,
    /// End.
    pub hasta: String,
}

/// What [`inspeccionar`] found. Serializes to the JSON object the CLI prints; fields that could
/// not be determined are `null`, and `llave_corresponde` / `cadena` appear only when asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Informe {
    /// Holder's RFC.
    pub rfc: Option<String>,
    /// Legal representative's RFC.
    pub rfc_representante: Option<String>,
    /// CURP (holder's, or the representative's for a persona moral).
    pub curp: Option<String>,
    /// Razón social or name.
    pub nombre: Option<String>,
    /// Número de certificado.
    pub no_certificado: Option<String>,
    /// `"FIEL"`, `"CSD"` or `"OTRO"`.
    pub tipo: Option<&'static str>,
    /// `"moral"` or `"fisica"`.
    pub persona: Option<&'static str>,
    /// Validity window.
    pub vigencia: Option<Vigencia>,
    /// Issuer CN.
    pub emisor: Option<String>,
    /// SHA-256 of the certificate DER, hex.
    pub huella_sha256: Option<String>,
    /// Whether the key opened with the password and matches the certificate (when a key was given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub llave_corresponde: Option<bool>,
    /// `"valida"` or the error code of the chain check (when anchors were given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cadena: Option<String>,
    /// `"aceptada"` or the error code of the first failed check.
    pub veredicto: String,
    /// Spanish sentence for the verdict.
    pub mensaje: String,
    #[serde(skip)]
    error: Option<Error>,
}

impl Informe {
    /// Whether the e.firma passed every check that was asked for.
    pub fn aceptada(&self) -> bool {
        self.error.is_none()
    }

    /// The first failed check, if any.
    pub fn error(&self) -> Option<Error> {
        self.error
    }
}

/// Inspects a certificate and, optionally, its key (`(key_bytes, password)`) and its chain
/// (`anclas`) at `ahora_unix`.
///
/// The verdict is the first failure in this order: certificate parses; FIEL profile (a CSD is
/// rejected); key opens and matches; validity window; chain. Without `anclas` the chain is not
/// judged, so such a verdict is about the files only.
pub fn inspeccionar(
    cer: &[u8],
    llave: Option<(&[u8], &[u8])>,
    anclas: Option<&AlmacenConfianza>,
    ahora_unix: i64,
) -> Informe {
    let cert = match Certificado::parse(cer) {
        Ok(c) => c,
        Err(e) => return Informe::vacio(e, llave.map(|_| false)),
    };
    let llave_r = llave.map(|(key, pw)| {
        LlavePrivada::descifrar(key, pw).and_then(|l| {
            if l.corresponde_a(&cert) {
                Ok(())
            } else {
                Err(Error::LlaveNoCorresponde)
            }
        })
    });
    let cadena = anclas.map(|a| a.verificar_cadena(&cert, ahora_unix));
    let veredicto = cert
        .validar_perfil_fiel()
        .and(llave_r.unwrap_or(Ok(())))
        .and(cert.validar_vigencia(ahora_unix))
        .and(cadena.unwrap_or(Ok(())));

    Informe {
        rfc: cert.rfc().map(|r| r.to_string()),
        rfc_representante: cert.rfc_representante().map(|r| r.to_string()),
        curp: cert.curp().map(|c| c.to_string()),
        nombre: Some(cert.nombre().to_owned()),
        no_certificado: Some(cert.no_certificado().to_owned()),
        tipo: Some(cert.tipo().as_str()),
        persona: cert.persona().map(|p| p.as_str()),
        vigencia: Some(Vigencia {
            desde: rfc3339(cert.vigente_desde()),
            hasta: rfc3339(cert.vigente_hasta()),
        }),
        emisor: Some(cert.emisor().to_owned()),
        huella_sha256: Some(cert.huella_sha256_hex()),
        llave_corresponde: llave_r.map(|r| r.is_ok()),
        cadena: cadena.map(|r| match r {
            Ok(()) => "valida".to_owned(),
            Err(e) => e.codigo().to_owned(),
        }),
        veredicto: match veredicto {
            Ok(()) => "aceptada".to_owned(),
            Err(e) => e.codigo().to_owned(),
        },
        mensaje: match veredicto {
            Ok(()) => "La e.firma es válida.".to_owned(),
            Err(e) => e.mensaje().to_owned(),
        },
        error: veredicto.err(),
    }
}

impl Informe {
    fn vacio(e: Error, llave_corresponde: Option<bool>) -> Informe {
        Informe {
            rfc: None,
            rfc_representante: None,
            curp: None,
            nombre: None,
            no_certificado: None,
            tipo: None,
            persona: None,
            vigencia: None,
            emisor: None,
            huella_sha256: None,
            llave_corresponde,
            cadena: None,
            veredicto: e.codigo().to_owned(),
            mensaje: e.mensaje().to_owned(),
            error: Some(e),
        }
    }
}

/// Unix seconds to `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
pub(crate) fn rfc3339(unix: i64) -> String {
    let dias = unix.div_euclid(86_400);
    let s = unix.rem_euclid(86_400);
    // Days-to-civil conversion over 400-year eras.
    let z = dias + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn fechas_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_737_600), "2026-11-27T00:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }
}
