//! The tamper-evident audit log: rows written by the real server form a hash chain that
//! `intercomunicacion auditoria verificar` checks, naming the first broken link after a row is
//! altered or deleted with SQL; concurrent appends, from one pool or from two (two instances),
//! keep the chain whole; rows older than the chain are chained once, at the first migration.
//! On SQLite, and on PostgreSQL when `INTERCOM_PRUEBAS_PG` is set (see `comun`).

use crate::comun;

use comun::{Navegador, CONTRASENA, CORREO, NRP};
use servidor::{
    auditoria::{
        self, cadena,
        verificacion::{self, Ruptura, Verificacion},
        Evento,
    },
    bd,
};
use sqlx::Row;
use std::process::Output;

/// The operator's command on the database of a running test server.
fn verificar_cli(datos: &comun::Datos) -> Output {
    datos
        .cli()
        .args(["auditoria", "verificar"])
        .env_remove("INTERCOM_MODO")
        .output()
        .expect("la orden corre")
}

fn texto(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn ejecutar(bd: &bd::Bd, sql: &str) {
    sqlx::query(sql).execute(bd).await.expect("SQL de prueba");
}

async fn verificar(bd: &bd::Bd) -> Verificacion {
    verificacion::verificar(bd).await.expect("verificación")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn la_cadena_nombra_el_primer_eslabon_alterado_o_borrado() {
    let app = comun::levantar().await;
    let bd = &app.estado.bd;
    // Real audit rows: sign-ins that succeed and fail, and a sign-out.
    let mut n = Navegador::new(&app);
    assert_eq!(n.ingresar(NRP, CORREO, CONTRASENA).await.status(), 200);
    let mut otro = Navegador::new(&app);
    assert_eq!(
        otro.ingresar(NRP, CORREO, "Otra-contraseña-1")
            .await
            .status(),
        401
    );
    assert_eq!(
        otro.ingresar(NRP, CORREO, "Otra-contraseña-2")
            .await
            .status(),
        401
    );
    n.pagina("/portal/escritorio").await;
    assert!(n
        .post_form("/api/cerrar-sesion", &[])
        .await
        .status()
        .is_success());
    for i in 0..4 {
        auditoria::registrar_aparte(
            bd,
            Evento {
                evento: "prueba",
                cuenta_id: Some(1),
                sujeto: Some(NRP),
                ip: "127.0.0.1",
                detalle: Some(&format!("evento {i}")),
            },
        )
        .await
        .unwrap();
    }
    let filas: Vec<(i64, i64, String, String)> =
        sqlx::query("SELECT id, secuencia, hash_anterior, hash FROM auditoria ORDER BY secuencia")
            .fetch_all(bd)
            .await
            .unwrap()
            .iter()
            .map(|f| (f.get(0), f.get(1), f.get(2), f.get(3)))
            .collect();
    let total = filas.len() as i64;
    assert!(total >= 8, "{filas:?}");
    assert_eq!(filas[0].2, cadena::GENESIS);
    for (i, par) in filas.windows(2).enumerate() {
        assert_eq!(par[0].1, i as i64 + 1, "secuencia sin huecos");
        assert_eq!(
            par[1].2, par[0].3,
            "cada fila apunta al hash de la anterior"
        );
    }

    let datos = &app.datos;
    let salida = verificar_cli(datos);
    assert_eq!(salida.status.code(), Some(0), "{}", texto(&salida.stderr));
    let stdout = texto(&salida.stdout);
    let mut lineas = stdout.lines();
    assert_eq!(
        lineas.next(),
        Some(format!("Cadena de auditoría íntegra: {total} registros.").as_str())
    );
    let (_, _, _, ultimo_hash) = filas.last().unwrap();
    assert_eq!(
        lineas.next(),
        Some(format!("Hash final: {ultimo_hash}").as_str())
    );

    // 1. A detail rewritten with SQL: that very row is named.
    let (id3, _, _, hash3) = filas[2].clone();
    let original: Option<String> = sqlx::query("SELECT detalle FROM auditoria WHERE id = $1")
        .bind(id3)
        .fetch_one(bd)
        .await
        .unwrap()
        .get(0);
    ejecutar(
        bd,
        &format!("UPDATE auditoria SET detalle = 'nada que ver' WHERE id = {id3}"),
    )
    .await;
    let Verificacion::Rota(Ruptura::Alterado {
        id,
        secuencia,
        guardado,
        ..
    }) = verificar(bd).await
    else {
        panic!("se esperaba un registro alterado");
    };
    assert_eq!(
        (id, secuencia, guardado.as_deref()),
        (id3, 3, Some(hash3.as_str()))
    );
    let salida = verificar_cli(datos);
    assert_eq!(salida.status.code(), Some(1));
    let error = texto(&salida.stderr);
    assert!(
        error.contains(&format!(
            "Cadena de auditoría rota. Primer eslabón roto: registro id {id3} (secuencia 3): su contenido no corresponde a su hash (guardado {}…, calculado ",
            &hash3[..16]
        )),
        "{error}"
    );
    assert!(
        error.contains("se modificó después de escribirse."),
        "{error}"
    );

    // 2. ...and its hash recomputed to match: the next row's link gives it away.
    let f = sqlx::query(
        "SELECT momento, evento, cuenta_id, sujeto, ip, detalle, hash_anterior FROM auditoria WHERE id = $1",
    )
    .bind(id3)
    .fetch_one(bd)
    .await
    .unwrap();
    let (evento, sujeto, ip, detalle): (String, Option<String>, Option<String>, Option<String>) =
        (f.get(1), f.get(3), f.get(4), f.get(5));
    let anterior: String = f.get(6);
    let rehecho = cadena::hash(
        &anterior,
        &cadena::Registro {
            secuencia: 3,
            momento: f.get(0),
            evento: &evento,
            cuenta_id: f.get(2),
            sujeto: sujeto.as_deref(),
            ip: ip.as_deref(),
            detalle: detalle.as_deref(),
        },
    );
    sqlx::query("UPDATE auditoria SET hash = $1 WHERE id = $2")
        .bind(&rehecho)
        .bind(id3)
        .execute(bd)
        .await
        .unwrap();
    let (id4, _, _, _) = filas[3].clone();
    assert_eq!(
        verificar(bd).await,
        Verificacion::Rota(Ruptura::EnlaceRoto {
            id: id4,
            secuencia: 4,
            esperado: rehecho,
            encontrado: Some(hash3.clone()),
        })
    );

    // Put back as it was: whole again.
    sqlx::query("UPDATE auditoria SET detalle = $1, hash = $2 WHERE id = $3")
        .bind(original)
        .bind(&hash3)
        .bind(id3)
        .execute(bd)
        .await
        .unwrap();
    let ahora = verificar(bd).await;
    assert!(
        matches!(ahora, Verificacion::Integra { registros, .. } if registros == total),
        "{ahora:?}"
    );

    // 3. A middle row deleted: the gap is named, with the row after it.
    let (id5, _, _, _) = filas[4].clone();
    let (id6, _, _, _) = filas[5].clone();
    ejecutar(bd, &format!("DELETE FROM auditoria WHERE id = {id5}")).await;
    assert_eq!(
        verificar(bd).await,
        Verificacion::Rota(Ruptura::Faltan {
            desde: 5,
            hasta: 5,
            id_siguiente: id6,
        })
    );
    let salida = verificar_cli(datos);
    assert_eq!(salida.status.code(), Some(1));
    assert_eq!(
        texto(&salida.stderr).trim_end(),
        format!(
            "Cadena de auditoría rota. Primer eslabón roto: falta el registro de secuencia 5 (se borró): el registro id {id6} tiene la secuencia 6."
        )
    );
}

#[tokio::test]
async fn cortar_el_final_o_meter_un_registro_por_fuera_tambien_se_nota() {
    let app = comun::levantar().await;
    let bd = &app.estado.bd;
    for i in 0..5 {
        auditoria::registrar_aparte(
            bd,
            Evento {
                evento: "prueba",
                cuenta_id: None,
                sujeto: None,
                ip: "operador",
                detalle: Some(&i.to_string()),
            },
        )
        .await
        .unwrap();
    }
    ejecutar(bd, "DELETE FROM auditoria WHERE secuencia = 5").await;
    assert_eq!(
        verificar(bd).await,
        Verificacion::Rota(Ruptura::FinalFaltante {
            ultimo: 4,
            cabeza: 5
        })
    );
    assert_eq!(
        Ruptura::FinalFaltante {
            ultimo: 4,
            cabeza: 5
        }
        .to_string(),
        "faltan los últimos registros: la cadena llega a la secuencia 5 y el último registro tiene la 4"
    );
    // Cutting the head back along with the tail leaves a consistent, shorter chain: the
    // reason operators keep the final hash the command prints somewhere else.
    ejecutar(
        bd,
        "UPDATE auditoria_cadena SET secuencia = 4, hash = (SELECT hash FROM auditoria WHERE secuencia = 4)",
    )
    .await;
    assert!(matches!(
        verificar(bd).await,
        Verificacion::Integra { registros: 4, .. }
    ));

    // A row written around the server, with no link.
    ejecutar(
        bd,
        "INSERT INTO auditoria (momento, evento, ip) VALUES (0, 'inventado', '10.0.0.1')",
    )
    .await;
    let id: i64 = sqlx::query("SELECT MAX(id) FROM auditoria")
        .fetch_one(bd)
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        verificar(bd).await,
        Verificacion::Rota(Ruptura::SinEncadenar { id })
    );
    // Migrating again does not launder it into the chain.
    bd::migrar(bd, &app.estado.config.url_bd).await.unwrap();
    assert_eq!(
        verificar(bd).await,
        Verificacion::Rota(Ruptura::SinEncadenar { id })
    );
}

/// Many appends at once, alone and inside transactions that also write something else.
async fn anotar_a_la_vez(bd: &bd::Bd, tareas: usize) {
    let mut juntas = Vec::new();
    for i in 0..tareas {
        let bd = bd.clone();
        juntas.push(tokio::spawn(async move {
            let detalle = format!("tarea {i}");
            let evento = Evento {
                evento: "concurrente",
                cuenta_id: None,
                sujeto: None,
                ip: "127.0.0.1",
                detalle: Some(&detalle),
            };
            if i % 2 == 0 {
                auditoria::registrar_aparte(&bd, evento).await
            } else {
                let mut tx = bd.begin().await?;
                sqlx::query("INSERT INTO intentos_fallidos (clave, momento) VALUES ($1, 0)")
                    .bind(&detalle)
                    .execute(&mut *tx)
                    .await?;
                auditoria::registrar(&mut tx, evento).await?;
                tx.commit().await
            }
        }));
    }
    for j in juntas {
        j.await.expect("tarea").expect("anotación");
    }
}

async fn revisar_concurrencia(bd: &bd::Bd) {
    let antes: i64 = sqlx::query("SELECT COUNT(*) FROM auditoria")
        .fetch_one(bd)
        .await
        .unwrap()
        .get(0);
    anotar_a_la_vez(bd, 64).await;
    let Verificacion::Integra { registros, .. } = verificar(bd).await else {
        panic!("cadena rota: {:?}", verificar(bd).await);
    };
    assert_eq!(registros, antes + 64);
    let distintas: i64 =
        sqlx::query("SELECT COUNT(DISTINCT detalle) FROM auditoria WHERE evento = 'concurrente'")
            .fetch_one(bd)
            .await
            .unwrap()
            .get(0);
    assert_eq!(distintas, 64, "ninguna anotación se perdió");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn anotaciones_simultaneas_dejan_la_cadena_integra() {
    let app = comun::levantar().await;
    revisar_concurrencia(&app.estado.bd).await;
}

/// Two pools on one database stand for two server instances appending at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dos_instancias_anotan_a_la_vez_sin_romper_la_cadena() {
    let datos = comun::Datos::nuevos().await;
    let una = datos.conectar().await;
    bd::migrar(&una, &datos.url).await.unwrap();
    let otra = datos.conectar().await;
    bd::migrar(&otra, &datos.url).await.unwrap();
    tokio::join!(anotar_a_la_vez(&una, 40), anotar_a_la_vez(&otra, 40));
    let Verificacion::Integra { registros, .. } = verificar(&una).await else {
        panic!("cadena rota: {:?}", verificar(&una).await);
    };
    assert_eq!(registros, 80);
    revisar_concurrencia(&otra).await;
}

#[tokio::test]
async fn los_registros_anteriores_a_la_cadena_se_encadenan_una_vez_al_migrar() {
    let datos = comun::Datos::nuevos().await;
    let url = datos.url.clone();
    // The schema as it was before migration 0007, with rows in its audit log.
    let anteriores = tempfile::tempdir().unwrap();
    let motor = if datos.es_postgres() {
        servidor::bd::Motor::Postgres
    } else {
        servidor::bd::Motor::Sqlite
    };
    for m in servidor::migraciones::migraciones(motor) {
        if m.version < 7 {
            let nombre = format!("{:04}_{}.sql", m.version, m.description.replace(' ', "_"));
            std::fs::write(anteriores.path().join(nombre), m.sql.as_bytes()).unwrap();
        }
    }
    let bd = datos.conectar().await;
    sqlx::migrate::Migrator::new(anteriores.path())
        .await
        .unwrap()
        .run(&bd)
        .await
        .unwrap();
    for (momento, evento, detalle) in [
        (1_700_000_000i64, "ingreso", None),
        (1_700_000_100, "ingreso_fallido", Some("contrasena")),
        (1_700_000_200, "salida", None),
    ] {
        sqlx::query("INSERT INTO auditoria (momento, evento, cuenta_id, sujeto, ip, detalle) VALUES ($1, $2, 1, 'Y5412345108', '127.0.0.1', $3)")
            .bind(momento)
            .bind(evento)
            .bind(detalle)
            .execute(&bd)
            .await
            .unwrap();
    }

    bd::migrar(&bd, &url).await.unwrap();
    let Verificacion::Integra { registros, .. } = verificar(&bd).await else {
        panic!("{:?}", verificar(&bd).await);
    };
    assert_eq!(registros, 3);
    let orden: Vec<(i64, String)> =
        sqlx::query("SELECT secuencia, evento FROM auditoria ORDER BY id")
            .fetch_all(&bd)
            .await
            .unwrap()
            .iter()
            .map(|f| (f.get(0), f.get(1)))
            .collect();
    assert_eq!(
        orden,
        [
            (1, "ingreso".to_owned()),
            (2, "ingreso_fallido".to_owned()),
            (3, "salida".to_owned())
        ]
    );
    // New rows continue the same chain; migrating again changes nothing.
    auditoria::registrar_aparte(
        &bd,
        Evento {
            evento: "ingreso",
            cuenta_id: Some(1),
            sujeto: Some("Y5412345108"),
            ip: "127.0.0.1",
            detalle: None,
        },
    )
    .await
    .unwrap();
    bd::migrar(&bd, &url).await.unwrap();
    assert!(matches!(
        verificar(&bd).await,
        Verificacion::Integra { registros: 4, .. }
    ));
}
