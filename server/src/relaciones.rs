//! Relaciones de confianza: which developer (and which of its certified products) may exchange
//! information in an employer's name. Creating one is signed with the employer's e.firma over a
//! single-use cadena original (`Proposito::RelacionConfianza`, RSASSA-PKCS1-v1_5, kept with the
//! relation); revoking is immediate — open API tokens check the relation on every request.

use crate::{
    ahora,
    auditoria::{self, Evento},
    bd::{self, Bd},
    cuentas,
    estado::Estado,
    retos::{self, Proposito},
    verificacion::{self, FirmaReto},
};
use base64::{engine::general_purpose::STANDARD, Engine};
use efirma::Algoritmo;
use nucleo::{
    error::ErrorApp,
    fechas,
    identificadores::{NoCertificado, Rfc},
    peticion::{FirmaRecibida, Peticion, SesionActiva},
    relaciones::{ProductoCertificado, Relacion, Relaciones},
};
use sqlx::Row;

const SELECT: &str = "SELECT r.id, o.rfc, o.nrp, o.razon_social, p.nombre || ' ' || p.version, r.estado, r.creada, r.revocada \
    FROM relaciones r JOIN productos p ON p.id = r.producto_id JOIN cuentas o ON o.id = ";

fn de_fila(f: &sqlx::any::AnyRow) -> sqlx::Result<Relacion> {
    Ok(Relacion {
        id: f.try_get(0)?,
        rfc: f.try_get(1)?,
        nrp: f.try_get(2)?,
        razon_social: f.try_get(3)?,
        producto: f.try_get(4)?,
        estado: f.try_get(5)?,
        creada: f.try_get(6)?,
        revocada: f.try_get(7)?,
    })
}

pub async fn de_cuenta(bd: &Bd, cuenta_id: i64) -> sqlx::Result<Relaciones> {
    let desarrolladores = sqlx::query(&format!(
        "{SELECT} r.desarrollador_id WHERE r.patron_id = $1 ORDER BY r.id DESC"
    ))
    .bind(cuenta_id)
    .fetch_all(bd)
    .await?
    .iter()
    .map(de_fila)
    .collect::<sqlx::Result<_>>()?;
    let patrones = sqlx::query(&format!(
        "{SELECT} r.patron_id WHERE r.desarrollador_id = $1 AND r.estado = 'activa' ORDER BY r.id DESC"
    ))
    .bind(cuenta_id)
    .fetch_all(bd)
    .await?
    .iter()
    .map(de_fila)
    .collect::<sqlx::Result<_>>()?;
    Ok(Relaciones {
        desarrolladores,
        patrones,
    })
}

/// The developer with an active developer credential and this RFC, if any: (account id, razón social).
async fn desarrollador(bd: &Bd, rfc: &str) -> sqlx::Result<Option<(i64, String)>> {
    let fila = sqlx::query(
        "SELECT a.id, a.razon_social FROM cuentas a JOIN credenciales c ON c.cuenta_id = a.id \
         WHERE a.rfc = $1 AND c.rol = 'desarrollador' AND c.estado = 'activa'",
    )
    .bind(rfc)
    .fetch_optional(bd)
    .await?;
    fila.map(|f| Ok((f.try_get(0)?, f.try_get(1)?))).transpose()
}

fn desarrollador_desconocido(rfc: &str) -> ErrorApp {
    ErrorApp::nuevo(
        404,
        "desarrollador_desconocido",
        &format!("No hay un desarrollador con contraseña activa y RFC {rfc}. Verifica el RFC con tu proveedor de software de nómina."),
    )
}

pub async fn productos_certificados(
    estado: &Estado,
    rfc: &Rfc,
) -> Result<Vec<ProductoCertificado>, ErrorApp> {
    let rfc = rfc.as_str();
    let (id, _) = desarrollador(&estado.bd, rfc)
        .await
        .map_err(bd::indisponible)?
        .ok_or_else(|| desarrollador_desconocido(rfc))?;
    let filas = sqlx::query(
        "SELECT id, nombre, version FROM productos WHERE cuenta_id = $1 AND estado = 'aprobado' ORDER BY nombre, version",
    )
    .bind(id)
    .fetch_all(&estado.bd)
    .await
    .map_err(bd::indisponible)?;
    let productos: Vec<ProductoCertificado> = filas
        .iter()
        .map(|f| {
            Ok(ProductoCertificado {
                id: f.try_get(0)?,
                nombre: f.try_get(1)?,
                version: f.try_get(2)?,
            })
        })
        .collect::<sqlx::Result<_>>()
        .map_err(bd::indisponible)?;
    if productos.is_empty() {
        return Err(ErrorApp::nuevo(
            409,
            "sin_productos_certificados",
            &format!("El desarrollador con RFC {rfc} aún no tiene productos certificados por el Instituto."),
        ));
    }
    Ok(productos)
}

/// (developer account, RFC, razón social, product label) of a certified product.
async fn producto_certificado(
    bd: &Bd,
    producto: i64,
) -> sqlx::Result<Option<(i64, String, String, String)>> {
    let fila = sqlx::query(
        "SELECT a.id, a.rfc, a.razon_social, p.nombre || ' ' || p.version FROM productos p JOIN cuentas a ON a.id = p.cuenta_id \
         JOIN credenciales c ON c.cuenta_id = a.id AND c.rol = 'desarrollador' AND c.estado = 'activa' \
         WHERE p.id = $1 AND p.estado = 'aprobado'",
    )
    .bind(producto)
    .fetch_optional(bd)
    .await?;
    fila.map(|f| Ok((f.try_get(0)?, f.try_get(1)?, f.try_get(2)?, f.try_get(3)?)))
        .transpose()
}

fn producto_no_disponible() -> ErrorApp {
    ErrorApp::nuevo(
        409,
        "producto_no_certificado",
        "Ese producto no está certificado (o su desarrollador ya no tiene contraseña activa). Elige otro.",
    )
}

pub async fn preparar(
    estado: &Estado,
    sesion: &SesionActiva,
    producto: i64,
    no_certificado: &NoCertificado,
) -> Result<String, ErrorApp> {
    let cuenta = cuentas::de_sesion(&estado.bd, sesion).await?;
    let (desarrollador_id, rfc, razon, etiqueta) = producto_certificado(&estado.bd, producto)
        .await
        .map_err(bd::indisponible)?
        .ok_or_else(producto_no_disponible)?;
    if desarrollador_id == sesion.cuenta_id {
        return Err(ErrorApp::nuevo(
            409,
            "relacion_consigo_mismo",
            "No puedes establecer una relación de confianza contigo mismo.",
        ));
    }
    let reto = retos::emitir_con(&estado.bd, &sesion.id_hash, Proposito::RelacionConfianza, |nonce, momento| {
        format!(
            "||INFONAVIT|SERVICIOS DE INTERCOMUNICACION|{}|NRP {}|RFC {}|RAZON SOCIAL {}|DESARROLLADOR {}|RAZON SOCIAL DESARROLLADOR {}|PRODUCTO {} {}|NO CERTIFICADO {}|FECHA {}|NONCE {}||",
            Proposito::RelacionConfianza.as_str(),
            retos::campo(&cuenta.nrp),
            retos::campo(&cuenta.rfc),
            retos::campo(&cuenta.razon_social),
            retos::campo(&rfc),
            retos::campo(&razon),
            producto,
            retos::campo(&etiqueta),
            no_certificado,
            fechas::rfc3339_utc(momento),
            nonce,
        )
    })
    .await
    .map_err(bd::indisponible)?;
    Ok(reto.cadena)
}

fn producto_de(cadena: &str) -> Option<i64> {
    cadena
        .split('|')
        .find_map(|c| c.strip_prefix("PRODUCTO "))?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

pub async fn crear(
    estado: &Estado,
    peticion: &Peticion,
    sesion: &SesionActiva,
    firma: FirmaRecibida<'_>,
) -> Result<Relacion, ErrorApp> {
    let cuenta = cuentas::de_sesion(&estado.bd, sesion).await?;
    let decodificar = |b64: &str| {
        STANDARD.decode(b64.trim()).map_err(|_| {
            ErrorApp::solicitud_invalida(
                "Los datos de la e.firma llegaron incompletos. Vuelve a firmar.",
            )
        })
    };
    let (cer, sello) = (
        decodificar(firma.certificado_b64)?,
        decodificar(firma.firma_b64)?,
    );
    let verificado = verificacion::verificar_reto(
        estado,
        FirmaReto {
            sesion_hash: &sesion.id_hash,
            proposito: Proposito::RelacionConfianza,
            rfc_cuenta: &cuenta.rfc,
            cer: &cer,
            cadena: firma.cadena,
            firma: &sello,
            algoritmo: Algoritmo::Pkcs1v15Sha256,
        },
    )
    .await?;
    let ip = peticion.ip.to_string();
    // The challenge is spent whatever the outcome; a refusal is audited in the same commit.
    let mut tx = estado.bd.begin().await.map_err(bd::indisponible)?;
    let certificado = match verificado.gastar(&mut tx).await? {
        Ok(c) => {
            tx.commit().await.map_err(bd::indisponible)?;
            c
        }
        Err(e) => {
            if e.estado < 500 {
                estado.metricas.efirma_rechazada(&e.codigo);
            }
            auditoria::registrar(
                &mut tx,
                Evento {
                    evento: "relacion_rechazada",
                    cuenta_id: Some(sesion.cuenta_id),
                    sujeto: Some(&cuenta.nrp),
                    ip: &ip,
                    detalle: Some(&e.codigo),
                },
            )
            .await
            .map_err(bd::indisponible)?;
            tx.commit().await.map_err(bd::indisponible)?;
            return Err(e);
        }
    };
    // Ours and unaltered (the challenge was spent only if it matched exactly).
    let producto = producto_de(firma.cadena).ok_or_else(ErrorApp::interno)?;
    let (desarrollador_id, _, _, _) = producto_certificado(&estado.bd, producto)
        .await
        .map_err(bd::indisponible)?
        .ok_or_else(producto_no_disponible)?;
    let mut tx = estado.bd.begin().await.map_err(bd::indisponible)?;
    let fila = sqlx::query(
        "INSERT INTO relaciones (patron_id, desarrollador_id, producto_id, estado, cadena_original, sello, no_certificado, creada) \
         VALUES ($1, $2, $3, 'activa', $4, $5, $6, $7) RETURNING id",
    )
    .bind(sesion.cuenta_id)
    .bind(desarrollador_id)
    .bind(producto)
    .bind(firma.cadena)
    .bind(firma.firma_b64.trim())
    .bind(certificado.no_certificado())
    .bind(ahora())
    .fetch_one(&mut *tx)
    .await;
    let id = bd::id_insertado(fila, || {
        ErrorApp::nuevo(
            409,
            "relacion_existente",
            "Ya tienes una relación de confianza activa con ese desarrollador. Revócala primero si quieres cambiar de producto.",
        )
    })?;
    let detalle = format!("relación {id}, producto {producto}");
    auditoria::registrar(
        &mut tx,
        Evento {
            evento: "relacion_creada",
            cuenta_id: Some(sesion.cuenta_id),
            sujeto: Some(&cuenta.nrp),
            ip: &ip,
            detalle: Some(&detalle),
        },
    )
    .await
    .map_err(bd::indisponible)?;
    tx.commit().await.map_err(bd::indisponible)?;
    propia(&estado.bd, sesion.cuenta_id, id).await
}

async fn propia(bd: &Bd, cuenta_id: i64, id: i64) -> Result<Relacion, ErrorApp> {
    de_cuenta(bd, cuenta_id)
        .await
        .map_err(bd::indisponible)?
        .desarrolladores
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| {
            ErrorApp::nuevo(
                404,
                "relacion_desconocida",
                "No encontramos esa relación de confianza entre las tuyas.",
            )
        })
}

pub async fn revocar(
    estado: &Estado,
    peticion: &Peticion,
    sesion: &SesionActiva,
    relacion: i64,
) -> Result<Relacion, ErrorApp> {
    let cuenta = cuentas::de_sesion(&estado.bd, sesion).await?;
    let mut tx = estado.bd.begin().await.map_err(bd::indisponible)?;
    let r = sqlx::query(
        "UPDATE relaciones SET estado = 'revocada', revocada = $1 WHERE id = $2 AND patron_id = $3 AND estado = 'activa'",
    )
    .bind(ahora())
    .bind(relacion)
    .bind(sesion.cuenta_id)
    .execute(&mut *tx)
    .await
    .map_err(bd::indisponible)?;
    if r.rows_affected() == 1 {
        let detalle = format!("relación {relacion}");
        auditoria::registrar(
            &mut tx,
            Evento {
                evento: "relacion_revocada",
                cuenta_id: Some(sesion.cuenta_id),
                sujeto: Some(&cuenta.nrp),
                ip: &peticion.ip.to_string(),
                detalle: Some(&detalle),
            },
        )
        .await
        .map_err(bd::indisponible)?;
        tx.commit().await.map_err(bd::indisponible)?;
    } else {
        drop(tx);
    }
    // Revoking one already revoked answers like the first time; another's: not found.
    propia(&estado.bd, sesion.cuenta_id, relacion).await
}
