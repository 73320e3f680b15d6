//! The avisos the Instituto issues to employers (retención, modificación and suspensión of the
//! Infonavit credit discount): validating and loading them (operator CLI, demo seed) and
//! querying one employer's avisos page by page (the payroll API).
//!
//! Every field is checked before anything is stored, and a file loads all-or-nothing in one
//! transaction: a half-loaded file would leave the operator unable to tell what is in.

pub mod archivo;
pub mod demo;

use crate::{ahora, bd::Bd};
use serde::{Deserialize, Serialize};
use sqlx::Row;

pub const TIPOS: [&str; 3] = ["retencion", "modificacion", "suspension"];
/// How the discount is expressed: a percentage of the salary, a fixed amount in pesos, or a
/// factor of the UMI (the former VSM).
pub const TIPOS_DESCUENTO: [&str; 3] = ["porcentaje", "cuota_fija", "factor_umi"];

/// One aviso, validated. Field names are the API's and the load files'.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Aviso {
    pub fecha: String,
    pub nrp: String,
    pub nss: String,
    pub nombre: String,
    pub rfc: Option<String>,
    pub curp: Option<String>,
    pub numero_credito: String,
    pub tipo: String,
    pub tipo_descuento: String,
    pub valor_descuento: String,
    pub folio: String,
}

/// An aviso as it comes in a load file: every field text, none checked yet.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvisoCrudo {
    pub fecha: Option<String>,
    pub nrp: Option<String>,
    pub nss: Option<String>,
    pub nombre: Option<String>,
    pub rfc: Option<String>,
    pub curp: Option<String>,
    pub numero_credito: Option<String>,
    pub tipo: Option<String>,
    pub tipo_descuento: Option<String>,
    pub valor_descuento: Option<String>,
    pub folio: Option<String>,
}

pub const CAMPOS: [&str; 11] = [
    "fecha",
    "nrp",
    "nss",
    "nombre",
    "rfc",
    "curp",
    "numero_credito",
    "tipo",
    "tipo_descuento",
    "valor_descuento",
    "folio",
];

impl AvisoCrudo {
    /// Sets a field by its name; `false` for a name that is not a field.
    pub fn poner(&mut self, campo: &str, valor: String) -> bool {
        let destino = match campo {
            "fecha" => &mut self.fecha,
            "nrp" => &mut self.nrp,
            "nss" => &mut self.nss,
            "nombre" => &mut self.nombre,
            "rfc" => &mut self.rfc,
            "curp" => &mut self.curp,
            "numero_credito" => &mut self.numero_credito,
            "tipo" => &mut self.tipo,
            "tipo_descuento" => &mut self.tipo_descuento,
            "valor_descuento" => &mut self.valor_descuento,
            "folio" => &mut self.folio,
            _ => return false,
        };
        *destino = Some(valor);
        true
    }
}

/// `AAAA-MM-DD`, a real calendar date.
pub fn validar_fecha(texto: &str) -> Option<String> {
    let b = texto.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let numero = |r: std::ops::Range<usize>| -> Option<u32> {
        let parte = texto.get(r)?;
        parte
            .bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| parte.parse().ok())?
    };
    let (anio, mes, dia) = (numero(0..4)?, numero(5..7)?, numero(8..10)?);
    let mes = time::Month::try_from(u8::try_from(mes).ok()?).ok()?;
    time::Date::from_calendar_date(i32::try_from(anio).ok()?, mes, u8::try_from(dia).ok()?).ok()?;
    Some(texto.to_owned())
}

fn obligatorio(valor: Option<String>, campo: &str) -> Result<String, String> {
    match valor.map(|v| v.trim().to_owned()) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(format!("falta el campo «{campo}»")),
    }
}

fn opcional(valor: Option<String>) -> Option<String> {
    valor.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A decimal number ≥ 0 with at most 4 decimals, as text (`"25"`, `"1250.50"`, `"3.1416"`).
fn es_decimal(texto: &str) -> bool {
    let (entero, fraccion) = texto.split_once('.').unwrap_or((texto, ""));
    let digitos = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
    !entero.is_empty()
        && entero.len() <= 9
        && digitos(entero)
        && digitos(fraccion)
        && fraccion.len() <= 4
        && (!texto.contains('.') || !fraccion.is_empty())
}

impl TryFrom<AvisoCrudo> for Aviso {
    type Error = String;

    /// Checks every field; the error is a Spanish phrase naming the field.
    fn try_from(c: AvisoCrudo) -> Result<Self, String> {
        let fecha = obligatorio(c.fecha, "fecha")?;
        let fecha = validar_fecha(&fecha)
            .ok_or_else(|| format!("la fecha «{fecha}» no es una fecha válida AAAA-MM-DD"))?;
        let nrp = obligatorio(c.nrp, "nrp")?.to_uppercase();
        efirma::identificadores::Nrp::parse(&nrp).map_err(|_| {
            format!("el NRP «{nrp}» no es válido: una letra o un dígito, seguido de 10 dígitos")
        })?;
        let nss = obligatorio(c.nss, "nss")?;
        if nss.len() != 11 || !nss.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("el NSS «{nss}» debe tener 11 dígitos"));
        }
        let nombre = obligatorio(c.nombre, "nombre")?;
        if nombre.chars().count() > 200 {
            return Err("el nombre tiene más de 200 caracteres".into());
        }
        let rfc = opcional(c.rfc).map(|r| r.to_uppercase());
        if let Some(r) = &rfc {
            efirma::identificadores::Rfc::parse(r)
                .map_err(|_| format!("el RFC «{r}» no es válido"))?;
        }
        let curp = opcional(c.curp).map(|r| r.to_uppercase());
        if let Some(r) = &curp {
            efirma::identificadores::Curp::parse(r)
                .map_err(|_| format!("la CURP «{r}» no es válida"))?;
        }
        let numero_credito = obligatorio(c.numero_credito, "numero_credito")?;
        if numero_credito.len() != 10 || !numero_credito.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "el número de crédito «{numero_credito}» debe tener 10 dígitos"
            ));
        }
        let tipo = obligatorio(c.tipo, "tipo")?.to_lowercase();
        if !TIPOS.contains(&tipo.as_str()) {
            return Err(format!(
                "el tipo «{tipo}» no existe: retencion, modificacion o suspension"
            ));
        }
        let tipo_descuento = obligatorio(c.tipo_descuento, "tipo_descuento")?.to_lowercase();
        if !TIPOS_DESCUENTO.contains(&tipo_descuento.as_str()) {
            return Err(format!(
                "el tipo de descuento «{tipo_descuento}» no existe: porcentaje, cuota_fija o factor_umi"
            ));
        }
        let valor_descuento = obligatorio(c.valor_descuento, "valor_descuento")?;
        if !es_decimal(&valor_descuento) {
            return Err(format!(
                "el valor de descuento «{valor_descuento}» debe ser un número positivo con hasta 4 decimales, como 1250.50"
            ));
        }
        let folio = obligatorio(c.folio, "folio")?;
        if folio.len() > 40
            || !folio
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(format!(
                "el folio «{folio}» debe tener a lo más 40 letras, dígitos o guiones"
            ));
        }
        Ok(Aviso {
            fecha,
            nrp,
            nss,
            nombre,
            rfc,
            curp,
            numero_credito,
            tipo,
            tipo_descuento,
            valor_descuento,
            folio,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ErrorCarga {
    /// The folio is already loaded (or repeated in the file); nothing was stored.
    #[error("el folio {0} ya existe; no se cargó ningún aviso")]
    FolioRepetido(String),
    #[error(transparent)]
    Bd(#[from] sqlx::Error),
}

/// Stores the avisos in one transaction: all of them, or none.
pub async fn cargar(bd: &Bd, avisos: &[Aviso]) -> Result<usize, ErrorCarga> {
    let momento = ahora();
    let mut tx = bd.begin().await?;
    for a in avisos {
        let r = sqlx::query(
            "INSERT INTO avisos (nrp, fecha, tipo, nss, nombre, rfc_trabajador, curp_trabajador, numero_credito, tipo_descuento, valor_descuento, folio, cargado) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&a.nrp)
        .bind(&a.fecha)
        .bind(&a.tipo)
        .bind(&a.nss)
        .bind(&a.nombre)
        .bind(a.rfc.as_deref())
        .bind(a.curp.as_deref())
        .bind(&a.numero_credito)
        .bind(&a.tipo_descuento)
        .bind(&a.valor_descuento)
        .bind(&a.folio)
        .bind(momento)
        .execute(&mut *tx)
        .await;
        match r {
            Ok(_) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(ErrorCarga::FolioRepetido(a.folio.clone()));
            }
            Err(e) => return Err(e.into()),
        }
    }
    tx.commit().await?;
    Ok(avisos.len())
}

/// What the API lets a caller narrow: dates inclusive, `AAAA-MM-DD`, already validated.
#[derive(Debug, Clone, Default)]
pub struct Filtro {
    pub desde: Option<String>,
    pub hasta: Option<String>,
    pub tipo: Option<String>,
}

/// One page of an employer's avisos (ordered by fecha, then id) and how many match in all.
pub async fn consultar(
    bd: &Bd,
    nrp: &str,
    filtro: &Filtro,
    pagina: i64,
    por_pagina: i64,
) -> sqlx::Result<(Vec<Aviso>, i64)> {
    // Dates are ISO text, so comparing the text compares the dates; the open ends are the
    // smallest and largest such text.
    let desde = filtro.desde.as_deref().unwrap_or("0000-00-00");
    let hasta = filtro.hasta.as_deref().unwrap_or("9999-99-99");
    let condicion_tipo = if filtro.tipo.is_some() {
        " AND tipo = $4"
    } else {
        ""
    };
    let donde = format!("WHERE nrp = $1 AND fecha >= $2 AND fecha <= $3{condicion_tipo}");
    let sql_total = format!("SELECT COUNT(*) FROM avisos {donde}");
    let mut q = sqlx::query(&sql_total).bind(nrp).bind(desde).bind(hasta);
    if let Some(t) = &filtro.tipo {
        q = q.bind(t);
    }
    let total: i64 = q.fetch_one(bd).await?.try_get(0)?;
    let (limite, desplazamiento) = if filtro.tipo.is_some() {
        ("$5", "$6")
    } else {
        ("$4", "$5")
    };
    let sql = format!(
        "SELECT fecha, nrp, nss, nombre, rfc_trabajador, curp_trabajador, numero_credito, tipo, tipo_descuento, valor_descuento, folio \
         FROM avisos {donde} ORDER BY fecha, id LIMIT {limite} OFFSET {desplazamiento}"
    );
    let mut q = sqlx::query(&sql).bind(nrp).bind(desde).bind(hasta);
    if let Some(t) = &filtro.tipo {
        q = q.bind(t);
    }
    let filas = q
        .bind(por_pagina)
        .bind((pagina - 1).saturating_mul(por_pagina))
        .fetch_all(bd)
        .await?;
    let avisos = filas
        .iter()
        .map(|f| {
            Ok(Aviso {
                fecha: f.try_get(0)?,
                nrp: f.try_get(1)?,
                nss: f.try_get(2)?,
                nombre: f.try_get(3)?,
                rfc: f.try_get(4)?,
                curp: f.try_get(5)?,
                numero_credito: f.try_get(6)?,
                tipo: f.try_get(7)?,
                tipo_descuento: f.try_get(8)?,
                valor_descuento: f.try_get(9)?,
                folio: f.try_get(10)?,
            })
        })
        .collect::<sqlx::Result<Vec<_>>>()?;
    Ok((avisos, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crudo() -> AvisoCrudo {
        AvisoCrudo {
            fecha: Some("2025-02-28".into()),
            nrp: Some("y5412345108".into()),
            nss: Some("12345678901".into()),
            nombre: Some("MARÍA LÓPEZ HERNÁNDEZ".into()),
            rfc: Some(String::new()),
            curp: None,
            numero_credito: Some("1234567890".into()),
            tipo: Some("retencion".into()),
            tipo_descuento: Some("porcentaje".into()),
            valor_descuento: Some("25.5".into()),
            folio: Some("AV-1".into()),
        }
    }

    #[test]
    fn un_aviso_completo_se_acepta_y_normaliza() {
        let a = Aviso::try_from(crudo()).unwrap();
        assert_eq!(a.nrp, "Y5412345108");
        assert_eq!(a.rfc, None);
    }

    type Cambio = fn(&mut AvisoCrudo);

    #[test]
    fn cada_campo_invalido_se_rechaza_nombrandolo() {
        let casos: [(Cambio, &str); 7] = [
            (|c| c.fecha = Some("2025-02-30".into()), "fecha"),
            (|c| c.nrp = Some("123".into()), "NRP"),
            (|c| c.nss = Some("1234567890".into()), "NSS"),
            (|c| c.tipo = Some("otro".into()), "tipo"),
            (|c| c.valor_descuento = Some("-1".into()), "valor"),
            (|c| c.nombre = None, "nombre"),
            (|c| c.folio = Some("a b".into()), "folio"),
        ];
        for (cambio, palabra) in casos {
            let mut c = crudo();
            cambio(&mut c);
            let e = Aviso::try_from(c).unwrap_err();
            assert!(e.contains(palabra), "{e}");
        }
    }

    #[test]
    fn las_fechas_son_de_calendario() {
        assert!(validar_fecha("2024-02-29").is_some());
        assert!(validar_fecha("2023-02-29").is_none());
        assert!(validar_fecha("2023-2-01").is_none());
        assert!(validar_fecha("+023-02-01").is_none());
    }
}
