//! The acuse (DESIGN §6): the signed answer an employer downloads after signing the Terms with
//! its e.firma — stored once, sealed by the Instituto, rendered as a PDF and re-checkable by
//! anyone from its folio.
//!
//! Two sellos, both RSASSA-PKCS1-v1_5/SHA-256 over UTF-8 text (the SAT convention):
//!
//! - the applicant's, over the *cadena original* it signed in the browser with its e.firma;
//! - the Instituto's, over the **cadena del Instituto**, which binds every field the acuse shows:
//!
//! ```text
//! ||FOLIO {folio}|EMITIDO {AAAA-MM-DDTHH:MM:SSZ}|ROL {patron|desarrollador}|NRP {nrp}|RFC {rfc}|RAZON SOCIAL {razón social}|NO CERTIFICADO {número de certificado de la e.firma}|TERMINOS {versión}|SHA256 {sha-256 de los términos}|CADENA ORIGINAL {cadena original sin los || exteriores}|SELLO {sello del solicitante}||
//! ```
//!
//! `EMITIDO` is the UTC time printed in the acuse; every value but the cadena original has `|`
//! and control characters removed (none of the real values has any). With the acuse in hand:
//!
//! ```sh
//! printf '%s' '||FOLIO …||' > cadena.txt          # no trailing newline
//! echo '<Sello digital del Instituto>' | base64 -d > sello.bin
//! curl -O https://…/acuses/certificado-instituto.pem
//! openssl x509 -in certificado-instituto.pem -pubkey -noout > instituto.pem
//! openssl dgst -sha256 -verify instituto.pem -signature sello.bin cadena.txt
//! ```

pub mod consulta;
mod documento;
mod escritor_pdf;
pub mod rutas;
mod sello;

pub use documento::pdf;
pub use sello::{carpeta_demo, Sellador};

use crate::bd::Bd;
use base64::{engine::general_purpose::STANDARD, Engine};
use efirma::{Algoritmo, Certificado};
use sqlx::Row;

/// What the trámite hands over to be sealed and kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatosAcuse {
    pub folio: String,
    pub cuenta_id: i64,
    /// `"patron"` or `"desarrollador"`.
    pub rol: String,
    pub nrp: String,
    pub rfc: String,
    pub razon_social: String,
    pub no_certificado: String,
    /// The applicant's e.firma certificate (public), DER.
    pub certificado_der: Vec<u8>,
    pub terminos_version: String,
    /// Hex SHA-256 of the Terms text signed.
    pub terminos_sha256: String,
    /// `||…||`: what the applicant signed.
    pub cadena_original: String,
    /// Base64 of the applicant's RSASSA-PKCS1-v1_5/SHA-256 signature over `cadena_original`.
    pub sello: String,
    /// Unix seconds, UTC.
    pub emitido: i64,
}

/// A stored acuse: the trámite's data and the Instituto's seal over it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acuse {
    pub datos: DatosAcuse,
    /// Base64 of the Instituto's signature over [`cadena_instituto`].
    pub sello_instituto: String,
    /// Number of the Instituto's certificate that sealed it.
    pub instituto_no_certificado: String,
    /// Hex SHA-256 of that certificate's DER.
    pub instituto_huella: String,
}

/// The outcome of re-checking both sellos.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verificacion {
    /// The applicant's sello verifies over the cadena original with the stored certificate,
    /// whose number is the acuse's.
    pub sello_solicitante: bool,
    /// The Instituto's sello verifies over the cadena del Instituto with the certificate this
    /// server seals with.
    pub sello_instituto: bool,
}

impl Verificacion {
    pub fn valida(self) -> bool {
        self.sello_solicitante && self.sello_instituto
    }
}

/// A value as it enters the cadena del Instituto: no delimiter, no control characters.
fn campo(valor: &str) -> String {
    valor
        .chars()
        .filter(|c| !c.is_control() && *c != '|')
        .collect()
}

/// The text the Instituto signs (see the module documentation).
pub fn cadena_instituto(d: &DatosAcuse) -> String {
    let original = d.cadena_original.trim();
    let interior = original
        .strip_prefix("||")
        .and_then(|r| r.strip_suffix("||"))
        .unwrap_or(original);
    format!(
        "||FOLIO {}|EMITIDO {}|ROL {}|NRP {}|RFC {}|RAZON SOCIAL {}|NO CERTIFICADO {}|TERMINOS {}|SHA256 {}|CADENA ORIGINAL {}|SELLO {}||",
        campo(&d.folio),
        fecha_utc(d.emitido),
        campo(&d.rol),
        campo(&d.nrp),
        campo(&d.rfc),
        campo(&d.razon_social),
        campo(&d.no_certificado),
        campo(&d.terminos_version),
        campo(&d.terminos_sha256),
        interior,
        campo(&d.sello),
    )
}

/// `AAAA-MM-DDTHH:MM:SSZ` (RFC 3339, UTC): how the acuse and the cadena del Instituto write it.
pub fn fecha_utc(unix: i64) -> String {
    nucleo::fechas::rfc3339_utc(unix)
}

/// `DD/MM/AAAA HH:MM:SS` in Mexico City (UTC−6 all year since 2022; see [`nucleo::fechas`]).
pub fn fecha_cdmx(unix: i64) -> String {
    nucleo::fechas::cdmx_con_segundos(unix)
}

/// "Patrón" or "Desarrollador", as the acuse names the role.
pub fn nombre_rol(rol: &str) -> &str {
    match rol {
        "patron" => "Patrón",
        "desarrollador" => "Desarrollador",
        otro => otro,
    }
}

/// Whether the applicant's sello is its certificate's signature of the cadena original.
fn sello_solicitante_valido(d: &DatosAcuse) -> bool {
    let Ok(certificado) = Certificado::parse(&d.certificado_der) else {
        return false;
    };
    let Ok(firma) = STANDARD.decode(d.sello.trim()) else {
        return false;
    };
    certificado.no_certificado() == d.no_certificado
        && certificado
            .verificar(
                d.cadena_original.as_bytes(),
                &firma,
                Algoritmo::Pkcs1v15Sha256,
            )
            .is_ok()
}

/// Seals the acuse with the Instituto's key and stores it, inside the caller's transaction (the
/// one that issues the credential with this folio). The applicant's sello is checked first: the
/// Instituto never seals what it cannot vouch for (`InvalidArgument` then).
pub async fn guardar(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    sellador: &Sellador,
    datos: DatosAcuse,
) -> sqlx::Result<Acuse> {
    if nucleo::identificadores::Folio::parse(&datos.folio).is_err() {
        return Err(sqlx::Error::InvalidArgument(
            "el folio del acuse debe tener 10 dígitos".into(),
        ));
    }
    if !sello_solicitante_valido(&datos) {
        return Err(sqlx::Error::InvalidArgument(
            "el sello del solicitante no corresponde a la cadena original y su certificado".into(),
        ));
    }
    let sello_instituto = sellador
        .sellar(&cadena_instituto(&datos))
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    // The sealing certificate joins the history with its first acuse (once).
    sqlx::query(
        "INSERT INTO sellos_instituto (huella, no_certificado, certificado, registrado) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (huella) DO NOTHING",
    )
    .bind(sellador.huella())
    .bind(sellador.no_certificado())
    .bind(sellador.certificado().der())
    .bind(datos.emitido)
    .execute(&mut **tx)
    .await?;
    let acuse = Acuse {
        datos,
        sello_instituto,
        instituto_no_certificado: sellador.no_certificado().to_owned(),
        instituto_huella: sellador.huella(),
    };
    let d = &acuse.datos;
    sqlx::query(
        "INSERT INTO acuses (folio, cuenta_id, rol, nrp, rfc, razon_social, no_certificado, certificado, \
         terminos_version, terminos_sha256, cadena_original, sello, emitido, sello_instituto, \
         instituto_no_certificado, instituto_huella) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(&d.folio)
    .bind(d.cuenta_id)
    .bind(&d.rol)
    .bind(&d.nrp)
    .bind(&d.rfc)
    .bind(&d.razon_social)
    .bind(&d.no_certificado)
    .bind(&d.certificado_der)
    .bind(&d.terminos_version)
    .bind(&d.terminos_sha256)
    .bind(&d.cadena_original)
    .bind(&d.sello)
    .bind(d.emitido)
    .bind(&acuse.sello_instituto)
    .bind(&acuse.instituto_no_certificado)
    .bind(&acuse.instituto_huella)
    .execute(&mut **tx)
    .await?;
    Ok(acuse)
}

pub async fn por_folio(bd: &Bd, folio: &str) -> sqlx::Result<Option<Acuse>> {
    let fila = sqlx::query(
        "SELECT folio, cuenta_id, rol, nrp, rfc, razon_social, no_certificado, certificado, \
         terminos_version, terminos_sha256, cadena_original, sello, emitido, sello_instituto, \
         instituto_no_certificado, instituto_huella FROM acuses WHERE folio = $1",
    )
    .bind(folio)
    .fetch_optional(bd)
    .await?;
    let Some(f) = fila else { return Ok(None) };
    Ok(Some(Acuse {
        datos: DatosAcuse {
            folio: f.try_get(0)?,
            cuenta_id: f.try_get(1)?,
            rol: f.try_get(2)?,
            nrp: f.try_get(3)?,
            rfc: f.try_get(4)?,
            razon_social: f.try_get(5)?,
            no_certificado: f.try_get(6)?,
            certificado_der: f.try_get(7)?,
            terminos_version: f.try_get(8)?,
            terminos_sha256: f.try_get(9)?,
            cadena_original: f.try_get(10)?,
            sello: f.try_get(11)?,
            emitido: f.try_get(12)?,
        },
        sello_instituto: f.try_get(13)?,
        instituto_no_certificado: f.try_get(14)?,
        instituto_huella: f.try_get(15)?,
    }))
}

/// Re-checks both sellos, the Instituto's with the certificate that sealed the acuse: this
/// server's own, or an earlier one from the history (`sellos_instituto`) after a key rotation.
/// A certificate there whose DER no longer matches its fingerprint vouches for nothing.
pub async fn verificar_con_historial(
    bd: &Bd,
    acuse: &Acuse,
    sellador: &Sellador,
) -> sqlx::Result<Verificacion> {
    if acuse.instituto_huella == sellador.huella() {
        return Ok(verificar(acuse, sellador));
    }
    let der: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT certificado FROM sellos_instituto WHERE huella = $1")
            .bind(&acuse.instituto_huella)
            .fetch_optional(bd)
            .await?;
    let sello_instituto = der
        .and_then(|der| efirma::Certificado::parse(&der).ok())
        .filter(|c| c.huella_sha256_hex() == acuse.instituto_huella)
        .and_then(|c| {
            base64::Engine::decode(
                &base64::engine::general_purpose::STANDARD,
                acuse.sello_instituto.trim(),
            )
            .ok()
            .map(|firma| {
                c.verificar(
                    cadena_instituto(&acuse.datos).as_bytes(),
                    &firma,
                    efirma::Algoritmo::Pkcs1v15Sha256,
                )
                .is_ok()
            })
        })
        .unwrap_or(false);
    Ok(Verificacion {
        sello_solicitante: sello_solicitante_valido(&acuse.datos),
        sello_instituto,
    })
}

/// Re-checks both sellos from the stored data alone, the Instituto's with this server's own
/// certificate only ([`verificar_con_historial`] also knows the earlier ones).
pub fn verificar(acuse: &Acuse, sellador: &Sellador) -> Verificacion {
    Verificacion {
        sello_solicitante: sello_solicitante_valido(&acuse.datos),
        sello_instituto: acuse.instituto_huella == sellador.huella()
            && sellador.verifica(&cadena_instituto(&acuse.datos), &acuse.sello_instituto),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn las_fechas_se_escriben_en_utc_y_en_la_ciudad_de_mexico() {
        // 2026-11-27 18:04:05 UTC.
        let t = 1_795_802_645;
        assert_eq!(fecha_utc(t), "2026-11-27T18:04:05Z");
        assert_eq!(fecha_cdmx(t), "27/11/2026 12:04:05");
        // Across midnight and in summer: still six hours behind (no daylight saving time).
        assert_eq!(fecha_cdmx(1_782_874_800), "30/06/2026 21:00:00");
        assert_eq!(fecha_utc(1_782_874_800), "2026-07-01T03:00:00Z");
    }

    #[test]
    fn la_cadena_del_instituto_liga_todos_los_campos() {
        let d = DatosAcuse {
            folio: "0123456789".into(),
            cuenta_id: 1,
            rol: "patron".into(),
            nrp: "Y5412345108".into(),
            rfc: "EKU9003173C9".into(),
            razon_social: "ESCUELA | KEMPER".into(),
            no_certificado: "30001000000500003416".into(),
            certificado_der: vec![],
            terminos_version: "patron-v1".into(),
            terminos_sha256: "ab".into(),
            cadena_original: "||A|B||".into(),
            sello: "c2VsbG8=".into(),
            emitido: 1_795_802_645,
        };
        assert_eq!(
            cadena_instituto(&d),
            "||FOLIO 0123456789|EMITIDO 2026-11-27T18:04:05Z|ROL patron|NRP Y5412345108|RFC EKU9003173C9|RAZON SOCIAL ESCUELA  KEMPER|NO CERTIFICADO 30001000000500003416|TERMINOS patron-v1|SHA256 ab|CADENA ORIGINAL A|B|SELLO c2VsbG8=||"
        );
    }
}
