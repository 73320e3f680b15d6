//! Verification of the audit log's hash chain: walks it in sequence order and names the first
//! broken link, for `intercomunicacion auditoria verificar`.

use super::cadena::{fila, hash, COLUMNAS, GENESIS, LOTE};
use crate::bd::Bd;
use sqlx::Row;
use std::fmt;

/// The first broken link, as an operator needs to find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ruptura {
    /// The sequence jumps from `desde - 1` to `hasta + 1`: rows `desde..=hasta` were deleted.
    Faltan {
        desde: i64,
        hasta: i64,
        id_siguiente: i64,
    },
    /// A row whose sequence number was already taken, or is below the chain's start.
    FueraDeLugar {
        id: i64,
        secuencia: i64,
        esperada: i64,
    },
    /// The row's `hash_anterior` is not the previous row's hash: the previous row was altered
    /// and its hash recomputed, or this row was put here from elsewhere.
    EnlaceRoto {
        id: i64,
        secuencia: i64,
        esperado: String,
        encontrado: Option<String>,
    },
    /// The row's content no longer matches its own hash: it was altered.
    Alterado {
        id: i64,
        secuencia: i64,
        calculado: String,
        guardado: Option<String>,
    },
    /// The head says the chain goes further than its last row: the tail was deleted.
    FinalFaltante { ultimo: i64, cabeza: i64 },
    /// The head's hash is not the last row's.
    CabezaDistinta { secuencia: i64 },
    /// A row outside the chain: written without going through the server, or its link erased.
    SinEncadenar { id: i64 },
}

/// The first 16 hex digits: enough to tell hashes apart on a terminal.
fn corto(h: Option<&str>) -> String {
    h.map(|h| h.chars().take(16).collect::<String>() + "…")
        .unwrap_or_else(|| "vacío".into())
}

impl fmt::Display for Ruptura {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ruptura::Faltan {
                desde,
                hasta,
                id_siguiente,
            } if desde == hasta => write!(
                f,
                "falta el registro de secuencia {desde} (se borró): el registro id {id_siguiente} tiene la secuencia {}",
                hasta + 1
            ),
            Ruptura::Faltan {
                desde,
                hasta,
                id_siguiente,
            } => write!(
                f,
                "faltan los registros de secuencia {desde} a {hasta} (se borraron): el registro id {id_siguiente} tiene la secuencia {}",
                hasta + 1
            ),
            Ruptura::FueraDeLugar {
                id,
                secuencia,
                esperada,
            } => write!(
                f,
                "el registro id {id} tiene la secuencia {secuencia}, repetida o fuera de lugar (tocaba la {esperada})"
            ),
            Ruptura::EnlaceRoto {
                id,
                secuencia,
                esperado,
                encontrado,
            } => write!(
                f,
                "registro id {id} (secuencia {secuencia}): su hash_anterior ({}) no es el hash del registro anterior ({})",
                corto(encontrado.as_deref()),
                corto(Some(esperado))
            ),
            Ruptura::Alterado {
                id,
                secuencia,
                calculado,
                guardado,
            } => write!(
                f,
                "registro id {id} (secuencia {secuencia}): su contenido no corresponde a su hash (guardado {}, calculado {}); se modificó después de escribirse",
                corto(guardado.as_deref()),
                corto(Some(calculado))
            ),
            Ruptura::FinalFaltante { ultimo, cabeza } => write!(
                f,
                "faltan los últimos registros: la cadena llega a la secuencia {cabeza} y el último registro tiene la {ultimo}"
            ),
            Ruptura::CabezaDistinta { secuencia } => write!(
                f,
                "la cabeza de la cadena (auditoria_cadena) no tiene el hash del último registro (secuencia {secuencia})"
            ),
            Ruptura::SinEncadenar { id } => write!(
                f,
                "el registro id {id} no está encadenado (no tiene secuencia): no lo escribió el servidor"
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verificacion {
    Integra { registros: i64, hash_final: String },
    Rota(Ruptura),
}

/// Walks the whole chain in sequence order and reports the first broken link. Reads the head
/// first and only the rows up to it, so appends while it runs do not disturb it (a head and
/// its rows commit together).
pub async fn verificar(bd: &Bd) -> sqlx::Result<Verificacion> {
    let cabeza = sqlx::query("SELECT secuencia, hash FROM auditoria_cadena WHERE id = 1")
        .fetch_one(bd)
        .await?;
    let (final_secuencia, final_hash): (i64, String) = (cabeza.try_get(0)?, cabeza.try_get(1)?);
    let mut esperada = 1i64;
    let mut anterior = GENESIS.to_owned();
    // Keyset paging by (secuencia, id): a repeated sequence number still shows up.
    let mut visto = (i64::MIN, i64::MIN);
    loop {
        let filas = sqlx::query(&format!(
            "SELECT {COLUMNAS} FROM auditoria \
             WHERE (secuencia > $1 OR (secuencia = $1 AND id > $2)) AND secuencia <= $3 \
             ORDER BY secuencia, id LIMIT $4"
        ))
        .bind(visto.0)
        .bind(visto.1)
        .bind(final_secuencia)
        .bind(LOTE)
        .fetch_all(bd)
        .await?;
        if filas.is_empty() {
            break;
        }
        for f in &filas {
            let f = fila(f)?;
            let secuencia = f.secuencia.unwrap_or_default();
            visto = (secuencia, f.id);
            if secuencia < esperada {
                return Ok(Verificacion::Rota(Ruptura::FueraDeLugar {
                    id: f.id,
                    secuencia,
                    esperada,
                }));
            }
            if secuencia > esperada {
                return Ok(Verificacion::Rota(Ruptura::Faltan {
                    desde: esperada,
                    hasta: secuencia - 1,
                    id_siguiente: f.id,
                }));
            }
            if f.hash_anterior.as_deref() != Some(anterior.as_str()) {
                return Ok(Verificacion::Rota(Ruptura::EnlaceRoto {
                    id: f.id,
                    secuencia,
                    esperado: anterior,
                    encontrado: f.hash_anterior,
                }));
            }
            let calculado = hash(&anterior, &f.registro(secuencia));
            if f.hash.as_deref() != Some(calculado.as_str()) {
                return Ok(Verificacion::Rota(Ruptura::Alterado {
                    id: f.id,
                    secuencia,
                    calculado,
                    guardado: f.hash,
                }));
            }
            anterior = calculado;
            esperada += 1;
        }
    }
    let ultimo = esperada - 1;
    if ultimo < final_secuencia {
        return Ok(Verificacion::Rota(Ruptura::FinalFaltante {
            ultimo,
            cabeza: final_secuencia,
        }));
    }
    if anterior != final_hash {
        return Ok(Verificacion::Rota(Ruptura::CabezaDistinta {
            secuencia: ultimo,
        }));
    }
    let suelta: Option<i64> = sqlx::query("SELECT MIN(id) FROM auditoria WHERE secuencia IS NULL")
        .fetch_one(bd)
        .await?
        .try_get(0)?;
    if let Some(id) = suelta {
        return Ok(Verificacion::Rota(Ruptura::SinEncadenar { id }));
    }
    Ok(Verificacion::Integra {
        registros: ultimo,
        hash_final: anterior,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn las_rupturas_se_explican_en_espanol() {
        let falta = Ruptura::Faltan {
            desde: 3,
            hasta: 3,
            id_siguiente: 4,
        };
        assert_eq!(
            falta.to_string(),
            "falta el registro de secuencia 3 (se borró): el registro id 4 tiene la secuencia 4"
        );
        let faltan = Ruptura::Faltan {
            desde: 3,
            hasta: 5,
            id_siguiente: 9,
        };
        assert_eq!(
            faltan.to_string(),
            "faltan los registros de secuencia 3 a 5 (se borraron): el registro id 9 tiene la secuencia 6"
        );
    }
}
