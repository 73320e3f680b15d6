//! The audit log's hash chain: row `n` stores the hash of row `n - 1` (`hash_anterior`) and its
//! own, `SHA-256` over an unambiguous encoding of that previous hash, its sequence number and
//! its content. Changing a row breaks its own hash; recomputing it breaks the next row's
//! `hash_anterior`; deleting a row leaves a gap in the sequence; the head row
//! (`auditoria_cadena`) says where the chain ends, so cutting the tail shows too.
//!
//! What the chain cannot prove alone: someone with write access to the database who rewrites
//! every hash from the altered row to the head. Against that, operators keep the final hash
//! that `intercomunicacion auditoria verificar` prints somewhere else (a ticket, another system)
//! and compare it later.

use crate::bd::Bd;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// The `hash_anterior` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Names the encoding, so that a future one can never produce the same bytes.
const VERSION: &str = "intercomunicacion/auditoria/v1";

/// How many rows are read at a time.
pub(super) const LOTE: i64 = 1000;

/// What a link's hash covers, besides the previous hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registro<'a> {
    pub secuencia: i64,
    pub momento: i64,
    pub evento: &'a str,
    pub cuenta_id: Option<i64>,
    pub sujeto: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub detalle: Option<&'a str>,
}

/// Each field is a presence byte (0 absent, 1 present) and then, for text, its length as 8
/// big-endian bytes and its UTF-8 bytes; for integers, 8 big-endian bytes. No two different
/// rows encode the same (`("ab", "c")` vs `("a", "bc")`, absent vs empty are all distinct).
fn texto(h: &mut Sha256, valor: Option<&str>) {
    match valor {
        None => h.update([0u8]),
        Some(t) => {
            h.update([1u8]);
            h.update((t.len() as u64).to_be_bytes());
            h.update(t.as_bytes());
        }
    }
}

fn entero(h: &mut Sha256, valor: Option<i64>) {
    match valor {
        None => h.update([0u8]),
        Some(n) => {
            h.update([1u8]);
            h.update(n.to_be_bytes());
        }
    }
}

/// The hash of a link, lowercase hex.
pub fn hash(anterior: &str, r: &Registro<'_>) -> String {
    let mut h = Sha256::new();
    texto(&mut h, Some(VERSION));
    texto(&mut h, Some(anterior));
    entero(&mut h, Some(r.secuencia));
    entero(&mut h, Some(r.momento));
    texto(&mut h, Some(r.evento));
    entero(&mut h, r.cuenta_id);
    texto(&mut h, r.sujeto);
    texto(&mut h, r.ip);
    texto(&mut h, r.detalle);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A row as stored, every column that matters to the chain.
pub(super) struct Fila {
    pub(super) id: i64,
    pub(super) momento: i64,
    pub(super) evento: String,
    pub(super) cuenta_id: Option<i64>,
    pub(super) sujeto: Option<String>,
    pub(super) ip: Option<String>,
    pub(super) detalle: Option<String>,
    pub(super) secuencia: Option<i64>,
    pub(super) hash_anterior: Option<String>,
    pub(super) hash: Option<String>,
}

pub(super) const COLUMNAS: &str =
    "id, momento, evento, cuenta_id, sujeto, ip, detalle, secuencia, hash_anterior, hash";

pub(super) fn fila(f: &sqlx::any::AnyRow) -> sqlx::Result<Fila> {
    Ok(Fila {
        id: f.try_get(0)?,
        momento: f.try_get(1)?,
        evento: f.try_get(2)?,
        cuenta_id: f.try_get(3)?,
        sujeto: f.try_get(4)?,
        ip: f.try_get(5)?,
        detalle: f.try_get(6)?,
        secuencia: f.try_get(7)?,
        hash_anterior: f.try_get(8)?,
        hash: f.try_get(9)?,
    })
}

impl Fila {
    pub(super) fn registro(&self, secuencia: i64) -> Registro<'_> {
        Registro {
            secuencia,
            momento: self.momento,
            evento: &self.evento,
            cuenta_id: self.cuenta_id,
            sujeto: self.sujeto.as_deref(),
            ip: self.ip.as_deref(),
            detalle: self.detalle.as_deref(),
        }
    }
}

/// Chains, once, the rows written before the chain existed (up to `heredados_hasta`, noted by
/// migration 0007), in id order, under the head's lock. Called right after migrating; returns
/// how many it chained. Rows without a link past that mark are left alone: verification
/// reports them.
pub async fn encadenar_heredados(bd: &Bd) -> sqlx::Result<u64> {
    let pendientes: i64 = sqlx::query(
        "SELECT COUNT(*) FROM auditoria WHERE secuencia IS NULL \
         AND id <= (SELECT heredados_hasta FROM auditoria_cadena WHERE id = 1)",
    )
    .fetch_one(bd)
    .await?
    .try_get(0)?;
    if pendientes == 0 {
        return Ok(0);
    }
    let mut tx = bd.begin().await?;
    let cabeza = sqlx::query(
        "UPDATE auditoria_cadena SET secuencia = secuencia WHERE id = 1 \
         RETURNING secuencia, hash, heredados_hasta",
    )
    .fetch_one(&mut *tx)
    .await?;
    let mut secuencia: i64 = cabeza.try_get(0)?;
    let mut anterior: String = cabeza.try_get(1)?;
    let hasta: i64 = cabeza.try_get(2)?;
    let mut encadenados = 0u64;
    loop {
        let filas = sqlx::query(&format!(
            "SELECT {COLUMNAS} FROM auditoria WHERE secuencia IS NULL AND id <= $1 ORDER BY id LIMIT $2"
        ))
        .bind(hasta)
        .bind(LOTE)
        .fetch_all(&mut *tx)
        .await?;
        if filas.is_empty() {
            break;
        }
        for f in &filas {
            let f = fila(f)?;
            secuencia += 1;
            let h = hash(&anterior, &f.registro(secuencia));
            sqlx::query(
                "UPDATE auditoria SET secuencia = $1, hash_anterior = $2, hash = $3 WHERE id = $4",
            )
            .bind(secuencia)
            .bind(&anterior)
            .bind(&h)
            .bind(f.id)
            .execute(&mut *tx)
            .await?;
            anterior = h;
            encadenados += 1;
        }
    }
    sqlx::query("UPDATE auditoria_cadena SET secuencia = $1, hash = $2 WHERE id = 1")
        .bind(secuencia)
        .bind(&anterior)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(encadenados)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Registro<'static> {
        Registro {
            secuencia: 7,
            momento: 1_795_000_000,
            evento: "ingreso",
            cuenta_id: Some(3),
            sujeto: Some("Y5412345108"),
            ip: Some("127.0.0.1"),
            detalle: None,
        }
    }

    #[test]
    fn cada_campo_y_el_hash_anterior_cambian_el_hash() {
        let h = hash(GENESIS, &base());
        assert_eq!(h.len(), 64);
        assert!(h
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(hash(GENESIS, &base()), h, "determinista");
        let variantes = [
            Registro {
                secuencia: 8,
                ..base()
            },
            Registro {
                momento: 1_795_000_001,
                ..base()
            },
            Registro {
                evento: "salida",
                ..base()
            },
            Registro {
                cuenta_id: None,
                ..base()
            },
            Registro {
                sujeto: None,
                ..base()
            },
            Registro {
                ip: Some("127.0.0.2"),
                ..base()
            },
            Registro {
                detalle: Some(""),
                ..base()
            },
        ];
        for v in variantes {
            assert_ne!(hash(GENESIS, &v), h, "{v:?}");
        }
        assert_ne!(hash(&"1".repeat(64), &base()), h);
    }

    #[test]
    fn la_codificacion_no_es_ambigua() {
        // The same characters split differently between fields.
        let a = Registro {
            sujeto: Some("ab"),
            ip: Some("c"),
            ..base()
        };
        let b = Registro {
            sujeto: Some("a"),
            ip: Some("bc"),
            ..base()
        };
        assert_ne!(hash(GENESIS, &a), hash(GENESIS, &b));
        // Absent is not empty.
        let vacio = Registro {
            detalle: Some(""),
            ..base()
        };
        assert_ne!(hash(GENESIS, &vacio), hash(GENESIS, &base()));
    }
}
