//! The demo's avisos: on first start, 39 avisos for the demo employer — sixteen workers with
//! a retención each, most modified or suspended later — dated over the last
//! months, so the API has something realistic to page through. Idempotent: nothing is added
//! when the employer already has avisos.

use super::Aviso;
use crate::bd::Bd;
use sqlx::Row;

/// (nombre, RFC, CURP without its check digit, NSS, crédito).
const TRABAJADORES: [(&str, &str, &str, &str, &str); 16] = [
    (
        "MARÍA GUADALUPE HERNÁNDEZ LÓPEZ",
        "HELG850312QX4",
        "HELG850312MDFRPD0",
        "01178512345",
        "1514236789",
    ),
    (
        "JOSÉ LUIS MARTÍNEZ GARCÍA",
        "MAGL790704JK2",
        "MAGL790704HJCRRS0",
        "32957904112",
        "1408765432",
    ),
    (
        "JUANA RODRÍGUEZ PÉREZ",
        "ROPJ900121AB7",
        "ROPJ900121MNLDRN0",
        "11149012263",
        "1612345098",
    ),
    (
        "FRANCISCO JAVIER SÁNCHEZ RAMÍREZ",
        "SARF821115MN3",
        "SARF821115HPLNMR0",
        "43018201557",
        "1309876543",
    ),
    (
        "ALEJANDRA GONZÁLEZ TORRES",
        "GOTA930830LP9",
        "GOTA930830MMCNRL0",
        "20109305348",
        "1710293847",
    ),
    (
        "MIGUEL ÁNGEL FLORES RIVERA",
        "FORM870219TT1",
        "FORM870219HGTLVG0",
        "56048707892",
        "1520394857",
    ),
    (
        "VERÓNICA DÍAZ CRUZ",
        "DICV880605RS5",
        "DICV880605MVZZRR0",
        "71128806214",
        "1498372615",
    ),
    (
        "RICARDO MORALES JIMÉNEZ",
        "MOJR760927HG8",
        "MOJR760927HDFRMC0",
        "01967611420",
        "1203948576",
    ),
    (
        "PATRICIA REYES GUTIÉRREZ",
        "REGP911111UV3",
        "REGP911111MQTYTT0",
        "84109108733",
        "1630495867",
    ),
    (
        "ARTURO VÁZQUEZ MENDOZA",
        "VAMA840402CD6",
        "VAMA840402HSLZNR0",
        "62028404985",
        "1419283746",
    ),
    (
        "LETICIA CASTILLO ORTIZ",
        "CAOL950718EF2",
        "CAOL950718MCHSRT0",
        "35169503376",
        "1745362718",
    ),
    (
        "JORGE ALBERTO RUIZ AGUILAR",
        "RUAJ800525GH4",
        "RUAJ800525HBCZGR0",
        "47038005219",
        "1354678290",
    ),
    (
        "ROSA ELENA MORENO SILVA",
        "MOSR860209IJ7",
        "MOSR860209MYNRLS0",
        "90118602647",
        "1587463920",
    ),
    (
        "FERNANDO ROMERO CHÁVEZ",
        "ROCF920314KL1",
        "ROCF920314HOCMHR0",
        "13059203581",
        "1698574031",
    ),
    (
        "ADRIANA HERRERA MEDINA",
        "HEMA970926MN5",
        "HEMA970926MTSRDD0",
        "28179709164",
        "1867452390",
    ),
    (
        "SERGIO RAMOS CASTRO",
        "RACS780130OP8",
        "RACS780130HMNMSR0",
        "05017813096",
        "1276543901",
    ),
];

/// The CURP check digit (RENAPO): weighted sum over the 37-symbol dictionary.
fn digito_curp(curp17: &str) -> char {
    const DICCIONARIO: &str = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ";
    let suma: u32 = curp17
        .chars()
        .enumerate()
        .map(|(i, c)| {
            DICCIONARIO.chars().position(|d| d == c).unwrap_or(0) as u32 * (18 - i as u32)
        })
        .sum();
    char::from(b'0' + ((10 - suma % 10) % 10) as u8)
}

fn fecha_hace(hoy: time::Date, dias: i64) -> String {
    let d = hoy - time::Duration::days(dias);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The demo avisos for `nrp`, dated back from `hoy` (Unix seconds).
pub fn avisos(nrp: &str, hoy: i64) -> Vec<Aviso> {
    let hoy = time::OffsetDateTime::from_unix_timestamp(hoy)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .date();
    let mut avisos = Vec::new();
    let mut folio = 0;
    let mut aviso = |i: usize, dias: i64, tipo: &str, tipo_descuento: &str, valor: &str| {
        let (nombre, rfc, curp, nss, credito) = TRABAJADORES[i];
        folio += 1;
        avisos.push(Aviso {
            fecha: fecha_hace(hoy, dias),
            nrp: nrp.to_owned(),
            nss: nss.into(),
            nombre: nombre.into(),
            rfc: Some(rfc.into()),
            curp: Some(format!("{curp}{}", digito_curp(curp))),
            numero_credito: credito.into(),
            tipo: tipo.into(),
            tipo_descuento: tipo_descuento.into(),
            valor_descuento: valor.into(),
            folio: format!("DEMO-{nrp}-{folio:04}"),
        });
    };
    let formas = [
        ("porcentaje", "20.00"),
        ("cuota_fija", "1850.75"),
        ("factor_umi", "23.4560"),
        ("porcentaje", "25.00"),
    ];
    for i in 0..TRABAJADORES.len() {
        let (forma, valor) = formas[i % formas.len()];
        // Retenciones spread over the last six months.
        aviso(i, 180 - 10 * i as i64, "retencion", forma, valor);
        if i % 4 != 3 {
            let (forma, valor) = formas[(i + 1) % formas.len()];
            aviso(i, 120 - 6 * i as i64, "modificacion", forma, valor);
        }
        if i % 3 != 1 {
            // A suspension ends the discount: its value is zero.
            aviso(i, 40 - 2 * i as i64, "suspension", forma, "0");
        }
    }
    avisos
}

/// Loads the demo avisos unless the employer already has some.
pub async fn sembrar(bd: &Bd, nrp: &str) -> anyhow::Result<usize> {
    let hay: i64 = sqlx::query("SELECT COUNT(*) FROM avisos WHERE nrp = $1")
        .bind(nrp)
        .fetch_one(bd)
        .await?
        .try_get(0)?;
    if hay > 0 {
        return Ok(0);
    }
    Ok(super::cargar(bd, &avisos(nrp, crate::ahora())).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn los_avisos_de_demostracion_pasan_la_validacion() {
        let avisos = avisos("Y5412345108", 1_750_000_000);
        assert!((35..=45).contains(&avisos.len()), "{}", avisos.len());
        for a in avisos {
            let crudo = crate::avisos::AvisoCrudo {
                fecha: Some(a.fecha.clone()),
                nrp: Some(a.nrp.clone()),
                nss: Some(a.nss.clone()),
                nombre: Some(a.nombre.clone()),
                rfc: a.rfc.clone(),
                curp: a.curp.clone(),
                numero_credito: Some(a.numero_credito.clone()),
                tipo: Some(a.tipo.clone()),
                tipo_descuento: Some(a.tipo_descuento.clone()),
                valor_descuento: Some(a.valor_descuento.clone()),
                folio: Some(a.folio.clone()),
            };
            assert_eq!(Aviso::try_from(crudo), Ok(a));
        }
    }
}
