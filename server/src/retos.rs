//! e.firma challenges (DESIGN §4): what the browser signs to prove it holds the e.firma.
//!
//! A challenge is a `||`-delimited string binding the purpose, the account (NRP, RFC), the
//! certificate number the browser announced and a 256-bit nonce. It is single use, expires after
//! [`VIGENCIA_SEG`] and belongs to the session that asked for it; only the nonce's hash is the key.

use crate::{ahora, bd::Bd, secretos};
use sqlx::{Any, Executor, Row, Transaction};

pub const VIGENCIA_SEG: i64 = 5 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proposito {
    GenerarContrasena,
    /// The cadena original of a trámite, signed as the applicant's sello.
    FirmaTerminos,
    RelacionConfianza,
}

impl Proposito {
    pub fn as_str(self) -> &'static str {
        match self {
            Proposito::GenerarContrasena => "GENERACION DE CONTRASENA",
            Proposito::FirmaTerminos => "FIRMA DE TERMINOS",
            Proposito::RelacionConfianza => "RELACION DE CONFIANZA",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reto {
    pub cadena: String,
    pub expira: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorReto {
    /// Not issued by us, issued to another session or for another purpose, or altered.
    Desconocido,
    Vencido,
    YaUsado,
    /// Ours and this session's, but the string signed is not the one issued (altered Terms).
    Alterado,
}

impl ErrorReto {
    pub fn codigo(self) -> &'static str {
        match self {
            ErrorReto::Desconocido => "reto_desconocido",
            ErrorReto::Vencido => "reto_vencido",
            ErrorReto::YaUsado => "reto_usado",
            ErrorReto::Alterado => "documento_alterado",
        }
    }

    pub fn mensaje(self) -> &'static str {
        match self {
            ErrorReto::Desconocido => {
                "La validación no corresponde a esta sesión. Vuelve a dar clic en Validar."
            }
            ErrorReto::Vencido => {
                "La validación tardó demasiado y caducó. Vuelve a dar clic en Validar."
            }
            ErrorReto::YaUsado => "Esta validación ya se usó. Vuelve a dar clic en Validar.",
            ErrorReto::Alterado => {
                "Lo firmado no coincide con los Términos y condiciones que se te mostraron; no se emitió ninguna contraseña. Vuelve a iniciar el trámite."
            }
        }
    }
}

/// Whatever part of the string is given, it is kept printable and free of the delimiter.
pub fn campo(valor: &str) -> String {
    valor
        .chars()
        .filter(|c| !c.is_control() && *c != '|')
        .take(64)
        .collect()
}

pub async fn emitir<'c>(
    bd: impl Executor<'c, Database = Any>,
    sesion_hash: &str,
    proposito: Proposito,
    nrp: &str,
    rfc: &str,
    no_certificado: &str,
) -> sqlx::Result<Reto> {
    emitir_con(bd, sesion_hash, proposito, |nonce, momento| {
        format!(
            "||INFONAVIT|SERVICIOS DE INTERCOMUNICACION|{}|NRP {}|RFC {}|NO CERTIFICADO {}|NONCE {}|EMITIDO {}||",
            proposito.as_str(),
            campo(nrp),
            campo(rfc),
            campo(no_certificado),
            nonce,
            momento
        )
    })
    .await
}

/// Issues a string to sign built by `armar` from a fresh nonce and the current time; the nonce
/// must sit where the purpose's format puts it ([`Proposito::nonce_de`]).
pub async fn emitir_con<'c>(
    bd: impl Executor<'c, Database = Any>,
    sesion_hash: &str,
    proposito: Proposito,
    armar: impl FnOnce(&str, i64) -> String,
) -> sqlx::Result<Reto> {
    let nonce = secretos::token_aleatorio();
    let momento = ahora();
    let cadena = armar(&nonce, momento);
    debug_assert_eq!(proposito.nonce_de(&cadena), Some(nonce.as_str()));
    let expira = momento + VIGENCIA_SEG;
    sqlx::query(
        "INSERT INTO retos (id_hash, sesion_hash, proposito, cadena, creado, expira) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(secretos::huella(&nonce))
    .bind(sesion_hash)
    .bind(proposito.as_str())
    .bind(&cadena)
    .bind(momento)
    .bind(expira)
    .execute(bd)
    .await?;
    Ok(Reto { cadena, expira })
}

impl Proposito {
    /// The nonce, read from the one position this purpose's format gives it. Fields are
    /// positional and free of `|` ([`campo`]), so a value chosen by someone else (a razón
    /// social that reads "NONCE …") can never be taken for it.
    ///
    /// - Generación's challenge: `||INFONAVIT|…|NONCE n|EMITIDO t||`, second to last field;
    /// - a relation's challenge: `||INFONAVIT|…|FECHA f|NONCE n||`, the last field;
    /// - the cadena original of the Terms: its last field, bare ([`CadenaOriginal`]).
    ///
    /// [`CadenaOriginal`]: nucleo::generacion::CadenaOriginal
    pub fn nonce_de(self, cadena: &str) -> Option<&str> {
        let campos = || {
            let interior = cadena.strip_prefix("||")?.strip_suffix("||")?;
            Some(interior.split('|').rev())
        };
        match self {
            Proposito::GenerarContrasena => campos()?.nth(1)?.strip_prefix("NONCE "),
            Proposito::RelacionConfianza => campos()?.next()?.strip_prefix("NONCE "),
            Proposito::FirmaTerminos => {
                nucleo::generacion::CadenaOriginal::leer(cadena).map(|c| c.nonce)
            }
        }
        .filter(|n| !n.is_empty())
    }
}

/// A presented challenge as read by [`examinar`], before [`gastar`] spends it.
#[derive(Debug)]
pub struct Presentado {
    /// The row to spend: this session's challenge for this purpose, unused and unexpired, or
    /// an altered copy of it (which spends it too).
    por_gastar: Option<String>,
    pub veredicto: Result<(), ErrorReto>,
}

/// Reads the challenge `cadena` claims to be, without changing anything: whether it is ours,
/// this session's, for this purpose, unaltered, unexpired and unused. Only [`gastar`], inside
/// the transaction that records the outcome, spends it — so the checks in between (the
/// certificate's chain, OCSP, the signature) hold no write lock and the attempt costs one
/// durable commit.
pub async fn examinar(
    bd: &Bd,
    sesion_hash: &str,
    proposito: Proposito,
    cadena: &str,
) -> sqlx::Result<Presentado> {
    let desconocido = Presentado {
        por_gastar: None,
        veredicto: Err(ErrorReto::Desconocido),
    };
    let Some(nonce) = proposito.nonce_de(cadena) else {
        return Ok(desconocido);
    };
    let id_hash = secretos::huella(nonce);
    let fila = sqlx::query(
        "SELECT sesion_hash, proposito, cadena, expira, usado FROM retos WHERE id_hash = $1",
    )
    .bind(&id_hash)
    .fetch_optional(bd)
    .await?;
    let Some(f) = fila else {
        return Ok(desconocido);
    };
    let (sesion, prop, guardada, expira, usado): (String, String, String, i64, Option<i64>) = (
        f.try_get(0)?,
        f.try_get(1)?,
        f.try_get(2)?,
        f.try_get(3)?,
        f.try_get(4)?,
    );
    if sesion != sesion_hash || prop != proposito.as_str() {
        return Ok(desconocido);
    }
    let (por_gastar, veredicto) = if guardada != cadena {
        // A document altered between the server and the signature: the trámite starts again,
        // as the message says, so the challenge is spent and the genuine document is no longer
        // signable (only its own session, for its own purpose, gets this far).
        (Some(id_hash), Err(ErrorReto::Alterado))
    } else if usado.is_some() {
        (None, Err(ErrorReto::YaUsado))
    } else if ahora() > expira {
        (None, Err(ErrorReto::Vencido))
    } else {
        (Some(id_hash), Ok(()))
    };
    Ok(Presentado {
        por_gastar,
        veredicto,
    })
}

/// Spends the challenge [`examinar`] read, inside the caller's transaction, and returns its
/// verdict. Exactly one of two concurrent spends of the same challenge succeeds: the other is
/// told it was already used.
pub async fn gastar(
    tx: &mut Transaction<'_, Any>,
    presentado: &Presentado,
) -> sqlx::Result<Result<(), ErrorReto>> {
    let Some(id_hash) = &presentado.por_gastar else {
        return Ok(presentado.veredicto);
    };
    let r = sqlx::query("UPDATE retos SET usado = $1 WHERE id_hash = $2 AND usado IS NULL")
        .bind(ahora())
        .bind(id_hash)
        .execute(&mut **tx)
        .await?;
    Ok(match presentado.veredicto {
        Ok(()) if r.rows_affected() != 1 => Err(ErrorReto::YaUsado),
        v => v,
    })
}

/// [`examinar`] and [`gastar`] in a transaction of their own.
pub async fn consumir(
    bd: &Bd,
    sesion_hash: &str,
    proposito: Proposito,
    cadena: &str,
) -> Result<Result<(), ErrorReto>, sqlx::Error> {
    let presentado = examinar(bd, sesion_hash, proposito, cadena).await?;
    let mut tx = bd.begin().await?;
    let veredicto = gastar(&mut tx, &presentado).await?;
    tx.commit().await?;
    Ok(veredicto)
}

/// Drops challenges that can no longer be used.
pub async fn purgar(bd: &Bd) -> sqlx::Result<u64> {
    let r = sqlx::query("DELETE FROM retos WHERE expira < $1")
        .bind(ahora() - 3600)
        .execute(bd)
        .await?;
    Ok(r.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nucleo::generacion::{CadenaOriginal, TRAMITE_GENERACION};

    #[test]
    fn el_nonce_de_la_cadena_original_es_su_ultimo_campo_aunque_la_razon_social_diga_nonce() {
        let cadena = CadenaOriginal {
            tramite: TRAMITE_GENERACION,
            rol: "PATRON",
            nrp: "Y5412345108",
            rfc: "EKU9003173C9",
            razon_social: &campo("NONCE FALSO SA DE CV"),
            no_certificado: "30001000000500003415",
            terminos_version: "patron-v1",
            terminos_sha256: "ab",
            fecha: "2026-12-03T18:00:00Z",
            reemplaza: "",
            nonce: "el-nonce",
        }
        .escribir();
        assert_eq!(Proposito::FirmaTerminos.nonce_de(&cadena), Some("el-nonce"));
    }

    #[test]
    fn el_nonce_de_un_reto_esta_en_la_posicion_de_su_formato() {
        let generacion = "||INFONAVIT|SERVICIOS DE INTERCOMUNICACION|GENERACION DE CONTRASENA|NRP Y5412345108|RFC EKU9003173C9|NO CERTIFICADO NONCE x|NONCE el-nonce|EMITIDO 1||";
        assert_eq!(
            Proposito::GenerarContrasena.nonce_de(generacion),
            Some("el-nonce")
        );
        let relacion = "||INFONAVIT|SERVICIOS DE INTERCOMUNICACION|RELACION DE CONFIANZA|NRP Y5412345108|RFC EKU9003173C9|RAZON SOCIAL NONCE x|DESARROLLADOR VADA800927DJ3|RAZON SOCIAL DESARROLLADOR NONCE y|PRODUCTO 1 NONCE z|NO CERTIFICADO 1|FECHA 2026-12-03T18:00:00Z|NONCE el-nonce||";
        assert_eq!(
            Proposito::RelacionConfianza.nonce_de(relacion),
            Some("el-nonce")
        );
        // Anything else in the nonce's place is no nonce at all.
        assert_eq!(Proposito::RelacionConfianza.nonce_de(generacion), None);
        assert_eq!(Proposito::GenerarContrasena.nonce_de("||NONCE x||"), None);
        assert_eq!(Proposito::FirmaTerminos.nonce_de(relacion), None);
    }
}
