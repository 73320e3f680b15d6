//! Reading a load file of avisos: CSV (a header row naming the fields, RFC 4180 quoting) or
//! JSON (an array of objects). Every problem names where it is — the CSV line or the JSON
//! element — in a sentence the operator can act on.

use super::{Aviso, AvisoCrudo, CAMPOS};

/// Largest load file accepted (a year of avisos of a large employer fits many times over).
pub const TAMANO_MAXIMO: usize = 64 * 1024 * 1024;

/// Where a problem is and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problema {
    pub donde: String,
    pub que: String,
}

impl std::fmt::Display for Problema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}.", self.donde, self.que)
    }
}

/// Reads the file's text as JSON when it starts with `[` (after blanks), as CSV otherwise.
pub fn leer(texto: &str) -> Result<Vec<Aviso>, Problema> {
    let texto = texto.strip_prefix('\u{feff}').unwrap_or(texto);
    let avisos = if texto.trim_start().starts_with('[') {
        leer_json(texto)?
    } else {
        leer_csv(texto)?
    };
    if avisos.is_empty() {
        return Err(Problema {
            donde: "archivo".into(),
            que: "no contiene ningún aviso".into(),
        });
    }
    repetidos(&avisos)?;
    Ok(avisos.into_iter().map(|(_, a)| a).collect())
}

fn repetidos(avisos: &[(String, Aviso)]) -> Result<(), Problema> {
    let mut vistos = std::collections::HashMap::new();
    for (donde, a) in avisos {
        if let Some(antes) = vistos.insert(a.folio.as_str(), donde.as_str()) {
            return Err(Problema {
                donde: donde.clone(),
                que: format!("el folio {} ya aparece en {antes}", a.folio),
            });
        }
    }
    Ok(())
}

fn leer_json(texto: &str) -> Result<Vec<(String, Aviso)>, Problema> {
    let elementos: Vec<serde_json::Value> = serde_json::from_str(texto).map_err(|e| Problema {
        donde: format!("línea {}", e.line()),
        que: "el archivo no es un arreglo JSON de objetos válido".into(),
    })?;
    elementos
        .into_iter()
        .enumerate()
        .map(|(i, valor)| {
            let donde = format!("elemento {}", i + 1);
            let crudo: AvisoCrudo = serde_json::from_value(valor).map_err(|e| Problema {
                donde: donde.clone(),
                que: format!(
                    "debe ser un objeto cuyos campos ({}) son texto; {}",
                    CAMPOS.join(", "),
                    traducir_serde(&e.to_string())
                ),
            })?;
            let aviso = Aviso::try_from(crudo).map_err(|que| Problema {
                donde: donde.clone(),
                que,
            })?;
            Ok((donde, aviso))
        })
        .collect()
}

fn traducir_serde(e: &str) -> String {
    if let Some(resto) = e.strip_prefix("unknown field ") {
        let campo = resto.split(',').next().unwrap_or(resto);
        format!("el campo {campo} no existe")
    } else if e.starts_with("invalid type") {
        "hay un campo que no es texto".into()
    } else {
        "tiene una forma inesperada".into()
    }
}

fn leer_csv(texto: &str) -> Result<Vec<(String, Aviso)>, Problema> {
    let mut registros = registros_csv(texto)?.into_iter();
    let Some((_, encabezado)) = registros.next() else {
        return Err(Problema {
            donde: "archivo".into(),
            que: "está vacío".into(),
        });
    };
    let encabezado: Vec<String> = encabezado.iter().map(|c| c.trim().to_lowercase()).collect();
    for (i, campo) in encabezado.iter().enumerate() {
        if !CAMPOS.contains(&campo.as_str()) {
            return Err(Problema {
                donde: "línea 1".into(),
                que: format!(
                    "la columna «{campo}» no es un campo de aviso (campos: {})",
                    CAMPOS.join(", ")
                ),
            });
        }
        if encabezado[..i].contains(campo) {
            return Err(Problema {
                donde: "línea 1".into(),
                que: format!("la columna «{campo}» aparece dos veces"),
            });
        }
    }
    let mut avisos = Vec::new();
    for (linea, campos) in registros {
        let donde = format!("línea {linea}");
        // A blank line (an editor's trailing newline) is not a row.
        if campos.len() == 1 && campos[0].trim().is_empty() {
            continue;
        }
        if campos.len() != encabezado.len() {
            return Err(Problema {
                donde,
                que: format!(
                    "tiene {} columnas y el encabezado {}",
                    campos.len(),
                    encabezado.len()
                ),
            });
        }
        let mut crudo = AvisoCrudo::default();
        for (campo, valor) in encabezado.iter().zip(campos) {
            crudo.poner(campo, valor);
        }
        let aviso = Aviso::try_from(crudo).map_err(|que| Problema {
            donde: donde.clone(),
            que,
        })?;
        avisos.push((donde, aviso));
    }
    Ok(avisos)
}

/// RFC 4180 records, each with the line it starts on (1-based).
fn registros_csv(texto: &str) -> Result<Vec<(usize, Vec<String>)>, Problema> {
    let mut registros = Vec::new();
    let mut campos = Vec::new();
    let mut campo = String::new();
    let mut linea = 1;
    let mut inicio = 1;
    let mut entre_comillas = false;
    let mut chars = texto.chars().peekable();
    let mut algo = false;
    while let Some(c) = chars.next() {
        algo = true;
        if entre_comillas {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    campo.push('"');
                }
                '"' => entre_comillas = false,
                '\n' => {
                    linea += 1;
                    campo.push(c);
                }
                _ => campo.push(c),
            }
            continue;
        }
        match c {
            '"' if campo.is_empty() => entre_comillas = true,
            ',' => campos.push(std::mem::take(&mut campo)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                campos.push(std::mem::take(&mut campo));
                registros.push((inicio, std::mem::take(&mut campos)));
                linea += 1;
                inicio = linea;
                algo = false;
            }
            _ => campo.push(c),
        }
    }
    if entre_comillas {
        return Err(Problema {
            donde: format!("línea {inicio}"),
            que: "unas comillas abren y no cierran".into(),
        });
    }
    if algo {
        campos.push(campo);
        registros.push((inicio, campos));
    }
    Ok(registros)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENCABEZADO: &str =
        "fecha,nrp,nss,nombre,rfc,curp,numero_credito,tipo,tipo_descuento,valor_descuento,folio\n";

    #[test]
    fn lee_csv_con_comillas_y_nombra_la_linea_del_error() {
        let bien = format!(
            "{ENCABEZADO}2025-01-15,Y5412345108,12345678901,\"PÉREZ, JUAN\",,,1234567890,retencion,porcentaje,20,F-1\r\n"
        );
        let avisos = leer(&bien).unwrap();
        assert_eq!(avisos[0].nombre, "PÉREZ, JUAN");
        let mal = format!(
            "{ENCABEZADO}2025-01-15,Y5412345108,12345678901,A,,,1234567890,retencion,porcentaje,20,F-1\n2025-01-15,Y5412345108,123,B,,,1234567890,retencion,porcentaje,20,F-2\n"
        );
        let p = leer(&mal).unwrap_err();
        assert_eq!(p.donde, "línea 3");
        assert!(p.que.contains("NSS"), "{p}");
    }

    #[test]
    fn lee_json_y_rechaza_campos_desconocidos() {
        let p = leer(r#"[{"fecha": "2025-01-15", "color": "rojo"}]"#).unwrap_err();
        assert_eq!(p.donde, "elemento 1");
        assert!(p.que.contains("color"), "{p}");
    }

    #[test]
    fn un_folio_repetido_en_el_archivo_se_rechaza() {
        let fila =
            "2025-01-15,Y5412345108,12345678901,A,,,1234567890,retencion,porcentaje,20,F-1\n";
        let p = leer(&format!("{ENCABEZADO}{fila}{fila}")).unwrap_err();
        assert_eq!(p.donde, "línea 3");
    }
}
