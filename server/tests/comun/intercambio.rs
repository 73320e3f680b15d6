//! Test helpers for the payroll API: accounts, credentials, products, relations and avisos
//! written straight into the database (the portal flows that create them are tested elsewhere).

#![allow(dead_code)]

use servidor::{avisos, credenciales, estado::Estado};

pub const RFC_DESARROLLADOR: &str = "VADA800927DJ3";

/// An account with a placeholder portal hash (nobody signs into the portal in these tests).
pub async fn cuenta(estado: &Estado, nrp: &str, rfc: &str) -> i64 {
    let fila: (i64,) = sqlx::query_as(
        "INSERT INTO cuentas (nrp, rfc, razon_social, correo, contrasena_hash, creada) VALUES ($1, $2, 'EMPRESA DE PRUEBA SA DE CV', 'prueba@empresa.example', 'x', 0) RETURNING id",
    )
    .bind(nrp)
    .bind(rfc)
    .fetch_one(&estado.bd)
    .await
    .expect("cuenta");
    fila.0
}

pub async fn cuenta_por_nrp(estado: &Estado, nrp: &str) -> i64 {
    let fila: (i64,) = sqlx::query_as("SELECT id FROM cuentas WHERE nrp = $1")
        .bind(nrp)
        .fetch_one(&estado.bd)
        .await
        .expect("cuenta existente");
    fila.0
}

/// Issues a credential; returns its id and password.
pub async fn credencial(estado: &Estado, cuenta_id: i64, rol: credenciales::Rol) -> (i64, String) {
    let mut tx = estado.bd.begin().await.expect("tx");
    let (c, contrasena) = credenciales::emitir(
        &mut tx,
        &estado.pepper,
        cuenta_id,
        rol,
        "00001000000500000001",
        true,
    )
    .await
    .expect("credencial");
    tx.commit().await.expect("commit");
    (c.id, contrasena.exponer().to_owned())
}

pub async fn producto(estado: &Estado, desarrollador_id: i64, estado_producto: &str) -> i64 {
    let fila: (i64,) = sqlx::query_as(
        "INSERT INTO productos (cuenta_id, nombre, version, contacto, estado, creado) VALUES ($1, 'NóminaPro', $2, 'soporte@nominapro.example', $3, 0) RETURNING id",
    )
    .bind(desarrollador_id)
    .bind(servidor::secretos::token_aleatorio())
    .bind(estado_producto)
    .fetch_one(&estado.bd)
    .await
    .expect("producto");
    fila.0
}

pub async fn relacion(
    estado: &Estado,
    patron_id: i64,
    desarrollador_id: i64,
    producto_id: i64,
) -> i64 {
    let fila: (i64,) = sqlx::query_as(
        "INSERT INTO relaciones (patron_id, desarrollador_id, producto_id, estado, cadena_original, sello, no_certificado, creada) \
         VALUES ($1, $2, $3, 'activa', '||prueba||', 'c2VsbG8=', '00001000000500000001', 0) RETURNING id",
    )
    .bind(patron_id)
    .bind(desarrollador_id)
    .bind(producto_id)
    .fetch_one(&estado.bd)
    .await
    .expect("relación");
    fila.0
}

pub async fn ejecutar(estado: &Estado, sql: &str, id: i64) {
    sqlx::query(sql)
        .bind(id)
        .execute(&estado.bd)
        .await
        .expect("SQL de prueba");
}

/// `n` avisos for `nrp`: dates 2025-01-01 onwards (one per day), types in turn.
pub fn avisos_de(nrp: &str, n: usize) -> Vec<avisos::Aviso> {
    (0..n)
        .map(|i| avisos::Aviso {
            fecha: format!("2025-{:02}-{:02}", 1 + i / 28, 1 + i % 28),
            nrp: nrp.to_owned(),
            nss: format!("{:011}", 10_000_000_000u64 + i as u64),
            nombre: format!("TRABAJADOR {i}"),
            rfc: None,
            curp: None,
            numero_credito: format!("{:010}", 1_500_000_000u64 + i as u64),
            tipo: avisos::TIPOS[i % 3].to_owned(),
            tipo_descuento: "porcentaje".into(),
            valor_descuento: "20.00".into(),
            folio: format!("{nrp}-{i:05}"),
        })
        .collect()
}

/// The usual cast: the test employer (NRP `comun::NRP`), a developer with a certified product
/// and an active relation, both credentials.
pub struct Escenario {
    pub patron_id: i64,
    pub desarrollador_id: i64,
    pub producto_id: i64,
    pub relacion_id: i64,
    pub credencial_patron: i64,
    pub credencial_desarrollador: i64,
    pub contrasena_patron: String,
    pub contrasena_desarrollador: String,
}

pub async fn escenario(estado: &Estado, nrp_patron: &str) -> Escenario {
    let patron_id = cuenta_por_nrp(estado, nrp_patron).await;
    let desarrollador_id = cuenta(estado, "D0000000001", RFC_DESARROLLADOR).await;
    let (credencial_patron, contrasena_patron) =
        credencial(estado, patron_id, credenciales::Rol::Patron).await;
    let (credencial_desarrollador, contrasena_desarrollador) =
        credencial(estado, desarrollador_id, credenciales::Rol::Desarrollador).await;
    let producto_id = producto(estado, desarrollador_id, "aprobado").await;
    let relacion_id = relacion(estado, patron_id, desarrollador_id, producto_id).await;
    Escenario {
        patron_id,
        desarrollador_id,
        producto_id,
        relacion_id,
        credencial_patron,
        credencial_desarrollador,
        contrasena_patron,
        contrasena_desarrollador,
    }
}

impl Escenario {
    pub fn cuerpo_nrp(&self, nrp: &str) -> serde_json::Value {
        serde_json::json!({
            "patron": {"nrp": nrp},
            "contrasena_patron": self.contrasena_patron,
            "desarrollador": {"rfc": RFC_DESARROLLADOR},
            "contrasena_desarrollador": self.contrasena_desarrollador,
        })
    }
}
