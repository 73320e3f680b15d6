//! Certificación (Desarrolladores): products, their certification states and history. The
//! developer registers and asks (portal); the Instituto approves, rejects or revokes (operator
//! command line). Every transition is a row of `productos_historial` and an audit event.

use crate::{
    ahora,
    auditoria::{self, Evento},
    bd::{self, Bd},
    credenciales::{self, Rol},
    estado::Estado,
};
use nucleo::{
    certificacion::{EventoProducto, Producto},
    error::ErrorApp,
    peticion::{Peticion, SesionActiva},
};
use sqlx::Row;

/// What the Instituto decides about a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Aprobar,
    Rechazar(String),
    Revocar(String),
}

impl Decision {
    /// (state required, new state, motive)
    fn transicion(&self) -> (&'static str, &'static str, Option<&str>) {
        match self {
            Decision::Aprobar => ("solicitado", "aprobado", None),
            Decision::Rechazar(m) => ("solicitado", "rechazado", Some(m)),
            Decision::Revocar(m) => ("aprobado", "revocado", Some(m)),
        }
    }
}

async fn historial(bd: &Bd, producto: i64) -> sqlx::Result<Vec<EventoProducto>> {
    let filas = sqlx::query(
        "SELECT estado, motivo, momento FROM productos_historial WHERE producto_id = $1 ORDER BY id",
    )
    .bind(producto)
    .fetch_all(bd)
    .await?;
    filas
        .iter()
        .map(|f| {
            Ok(EventoProducto {
                estado: f.try_get(0)?,
                motivo: f.try_get(1)?,
                momento: f.try_get(2)?,
            })
        })
        .collect()
}

fn de_fila(f: &sqlx::any::AnyRow) -> sqlx::Result<Producto> {
    Ok(Producto {
        id: f.try_get(0)?,
        nombre: f.try_get(1)?,
        version: f.try_get(2)?,
        contacto: f.try_get(3)?,
        estado: f.try_get(4)?,
        historial: Vec::new(),
    })
}

const COLUMNAS: &str = "id, nombre, version, contacto, estado";

pub async fn por_id(bd: &Bd, id: i64) -> sqlx::Result<Option<Producto>> {
    let fila = sqlx::query(&format!("SELECT {COLUMNAS} FROM productos WHERE id = $1"))
        .bind(id)
        .fetch_optional(bd)
        .await?;
    let Some(f) = fila else { return Ok(None) };
    let mut p = de_fila(&f)?;
    p.historial = historial(bd, p.id).await?;
    Ok(Some(p))
}

pub async fn de_cuenta(bd: &Bd, cuenta_id: i64) -> sqlx::Result<Vec<Producto>> {
    let filas = sqlx::query(&format!(
        "SELECT {COLUMNAS} FROM productos WHERE cuenta_id = $1 ORDER BY id"
    ))
    .bind(cuenta_id)
    .fetch_all(bd)
    .await?;
    let mut productos = Vec::with_capacity(filas.len());
    for f in &filas {
        let mut p = de_fila(f)?;
        p.historial = historial(bd, p.id).await?;
        productos.push(p);
    }
    Ok(productos)
}

async fn anotar(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    producto: i64,
    estado: &str,
    motivo: Option<&str>,
    actor: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO productos_historial (producto_id, estado, motivo, actor, momento) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(producto)
    .bind(estado)
    .bind(motivo)
    .bind(actor)
    .bind(ahora())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn sin_credencial_de_desarrollador() -> ErrorApp {
    ErrorApp::nuevo(
        409,
        "sin_contrasena_de_desarrollador",
        "Primero genera tu contraseña de desarrollador en esta pestaña; después podrás registrar tus productos.",
    )
}

async fn exigir_desarrollador(estado: &Estado, sesion: &SesionActiva) -> Result<(), ErrorApp> {
    credenciales::activa(&estado.bd, sesion.cuenta_id, Rol::Desarrollador)
        .await
        .map_err(bd::indisponible)?
        .map(|_| ())
        .ok_or_else(sin_credencial_de_desarrollador)
}

pub async fn registrar(
    estado: &Estado,
    peticion: &Peticion,
    sesion: &SesionActiva,
    datos: (&str, &str, &str),
) -> Result<Producto, ErrorApp> {
    exigir_desarrollador(estado, sesion).await?;
    let (nombre, version, contacto) = datos;
    let mut tx = estado.bd.begin().await.map_err(bd::indisponible)?;
    let fila = sqlx::query(
        "INSERT INTO productos (cuenta_id, nombre, version, contacto, estado, creado) VALUES ($1, $2, $3, $4, 'registrado', $5) RETURNING id",
    )
    .bind(sesion.cuenta_id)
    .bind(nombre)
    .bind(version)
    .bind(contacto)
    .bind(ahora())
    .fetch_one(&mut *tx)
    .await;
    let id = bd::id_insertado(fila, || {
        ErrorApp::nuevo(
            409,
            "producto_existente",
            &format!("Ya registraste {nombre} {version}."),
        )
    })?;
    cerrar_paso_del_desarrollador(
        estado,
        peticion,
        sesion,
        tx,
        id,
        "registrado",
        "producto_registrado",
    )
    .await
}

pub async fn solicitar(
    estado: &Estado,
    peticion: &Peticion,
    sesion: &SesionActiva,
    producto: i64,
) -> Result<Producto, ErrorApp> {
    exigir_desarrollador(estado, sesion).await?;
    let mut tx = estado.bd.begin().await.map_err(bd::indisponible)?;
    let r = sqlx::query(
        "UPDATE productos SET estado = 'solicitado' WHERE id = $1 AND cuenta_id = $2 AND estado IN ('registrado', 'rechazado')",
    )
    .bind(producto)
    .bind(sesion.cuenta_id)
    .execute(&mut *tx)
    .await
    .map_err(bd::indisponible)?;
    if r.rows_affected() != 1 {
        drop(tx);
        let propio = de_cuenta(&estado.bd, sesion.cuenta_id)
            .await
            .map_err(bd::indisponible)?
            .into_iter()
            .find(|p| p.id == producto);
        return Err(match propio {
            None => ErrorApp::nuevo(
                404,
                "producto_desconocido",
                "No encontramos ese producto entre los tuyos.",
            ),
            Some(p) => ErrorApp::nuevo(
                409,
                "certificacion_en_curso",
                &format!(
                    "{} {} está en estado «{}»: no se puede solicitar su certificación ahora.",
                    p.nombre,
                    p.version,
                    nucleo::certificacion::nombre_estado(&p.estado)
                ),
            ),
        });
    }
    cerrar_paso_del_desarrollador(
        estado,
        peticion,
        sesion,
        tx,
        producto,
        "solicitado",
        "certificacion_solicitada",
    )
    .await
}

/// Ends a developer's step: the history row and the audit event in the step's transaction, then
/// the product as it now stands.
async fn cerrar_paso_del_desarrollador(
    estado: &Estado,
    peticion: &Peticion,
    sesion: &SesionActiva,
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
    producto: i64,
    nuevo: &str,
    evento: &'static str,
) -> Result<Producto, ErrorApp> {
    anotar(&mut tx, producto, nuevo, None, "desarrollador")
        .await
        .map_err(bd::indisponible)?;
    let detalle = format!("producto {producto}");
    auditoria::registrar(
        &mut tx,
        Evento {
            evento,
            cuenta_id: Some(sesion.cuenta_id),
            sujeto: None,
            ip: &peticion.ip.to_string(),
            detalle: Some(&detalle),
        },
    )
    .await
    .map_err(bd::indisponible)?;
    tx.commit().await.map_err(bd::indisponible)?;
    por_id(&estado.bd, producto)
        .await
        .map_err(bd::indisponible)?
        .ok_or_else(ErrorApp::interno)
}

/// The Instituto's decision (operator command line). `Err` carries a Spanish message for the
/// operator when the transition does not apply.
pub async fn decidir(
    bd: &Bd,
    producto: i64,
    decision: &Decision,
) -> anyhow::Result<Result<Producto, String>> {
    let (requerido, nuevo, motivo) = decision.transicion();
    if motivo.is_some_and(|m| m.trim().is_empty()) {
        return Ok(Err("Indica el motivo con --motivo.".into()));
    }
    let mut tx = bd.begin().await?;
    let r = sqlx::query("UPDATE productos SET estado = $1 WHERE id = $2 AND estado = $3")
        .bind(nuevo)
        .bind(producto)
        .bind(requerido)
        .execute(&mut *tx)
        .await?;
    if r.rows_affected() != 1 {
        drop(tx);
        return Ok(Err(match por_id(bd, producto).await? {
            None => format!("No existe el producto {producto}."),
            Some(p) => format!(
                "El producto {producto} ({} {}) está en estado «{}»; para esta acción debe estar en «{}».",
                p.nombre,
                p.version,
                p.estado,
                requerido
            ),
        }));
    }
    anotar(&mut tx, producto, nuevo, motivo.map(str::trim), "instituto").await?;
    let detalle = format!("producto {producto}: {nuevo}");
    auditoria::registrar(
        &mut tx,
        Evento {
            evento: "certificacion_decidida",
            cuenta_id: None,
            sujeto: None,
            ip: "operador",
            detalle: Some(&detalle),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(por_id(bd, producto)
        .await?
        .ok_or_else(|| "producto desaparecido".to_owned()))
}

/// Products waiting for the Instituto: (id, developer RFC, NRP, product).
pub async fn pendientes(bd: &Bd) -> sqlx::Result<Vec<(i64, String, String, String)>> {
    let filas = sqlx::query(
        "SELECT p.id, a.rfc, a.nrp, p.nombre || ' ' || p.version FROM productos p JOIN cuentas a ON a.id = p.cuenta_id WHERE p.estado = 'solicitado' ORDER BY p.id",
    )
    .fetch_all(bd)
    .await?;
    filas
        .iter()
        .map(|f| Ok((f.try_get(0)?, f.try_get(1)?, f.try_get(2)?, f.try_get(3)?)))
        .collect()
}
