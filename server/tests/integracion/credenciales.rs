//! Credentials and e.firma challenges over a real SQLite database: issuing, replacing, racing,
//! and every way a challenge can be misused.

use crate::comun;

use servidor::{
    credenciales::{self, ErrorEmision, Rol},
    retos::{self, ErrorReto, Proposito},
};
use sqlx::Row;

async fn cuenta_id(app: &comun::AppPrueba) -> i64 {
    sqlx::query("SELECT id FROM cuentas")
        .fetch_one(&app.estado.bd)
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn emitir_verificar_y_reemplazar() {
    let app = comun::levantar().await;
    let (bd, pepper, id) = (&app.estado.bd, &app.estado.pepper, cuenta_id(&app).await);

    let mut tx = bd.begin().await.unwrap();
    let (primera, contrasena) = credenciales::emitir(
        &mut tx,
        pepper,
        id,
        Rol::Patron,
        "30001000000500003415",
        false,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(primera.folio.len(), 10);
    let ok = credenciales::verificar(bd, pepper, id, Rol::Patron, contrasena.exponer())
        .await
        .unwrap();
    assert_eq!(
        ok.as_ref().map(|c| c.folio.as_str()),
        Some(primera.folio.as_str())
    );
    assert!(
        credenciales::verificar(bd, pepper, id, Rol::Patron, "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        credenciales::verificar(bd, pepper, id, Rol::Desarrollador, contrasena.exponer())
            .await
            .unwrap()
            .is_none()
    );

    // The hash is stored, never the password.
    let guardado: String = sqlx::query("SELECT hash FROM credenciales")
        .fetch_one(bd)
        .await
        .unwrap()
        .get(0);
    assert!(!guardado.contains(&contrasena.exponer().replace('-', "")));

    // A second one only as an explicit replacement.
    let mut tx = bd.begin().await.unwrap();
    let r = credenciales::emitir(
        &mut tx,
        pepper,
        id,
        Rol::Patron,
        "30001000000500003415",
        false,
    )
    .await;
    assert!(matches!(r, Err(ErrorEmision::YaActiva)));
    drop(tx);
    let mut tx = bd.begin().await.unwrap();
    let (segunda, nueva) = credenciales::emitir(
        &mut tx,
        pepper,
        id,
        Rol::Patron,
        "30001000000500003415",
        true,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_ne!(segunda.folio, primera.folio);
    assert!(
        credenciales::verificar(bd, pepper, id, Rol::Patron, contrasena.exponer())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        credenciales::verificar(bd, pepper, id, Rol::Patron, nueva.exponer())
            .await
            .unwrap()
            .is_some()
    );
    let estados: Vec<String> = sqlx::query("SELECT estado FROM credenciales ORDER BY id")
        .fetch_all(bd)
        .await
        .unwrap()
        .iter()
        .map(|f| f.get(0))
        .collect();
    assert_eq!(estados, ["reemplazada", "activa"]);
}

#[tokio::test]
async fn dos_solicitudes_simultaneas_dejan_exactamente_una_credencial() {
    let app = comun::levantar().await;
    let id = cuenta_id(&app).await;
    let tareas: Vec<_> = (0..4)
        .map(|_| {
            let estado = app.estado.clone();
            tokio::spawn(async move {
                let mut tx = estado.bd.begin().await?;
                match credenciales::emitir(&mut tx, &estado.pepper, id, Rol::Patron, "1", false)
                    .await
                {
                    Ok(_) => tx.commit().await.map(|_| true),
                    Err(_) => Ok(false),
                }
            })
        })
        .collect();
    let mut emitidas = 0;
    for t in tareas {
        if t.await.unwrap().unwrap() {
            emitidas += 1;
        }
    }
    assert_eq!(emitidas, 1);
    let total: i64 = sqlx::query("SELECT COUNT(*) FROM credenciales")
        .fetch_one(&app.estado.bd)
        .await
        .unwrap()
        .get(0);
    assert_eq!(total, 1);
}

#[tokio::test]
async fn un_reto_sirve_una_sola_vez_a_su_sesion_para_su_proposito() {
    let app = comun::levantar().await;
    let bd = &app.estado.bd;
    let emitir = || {
        retos::emitir(
            bd,
            "sesion-a",
            Proposito::GenerarContrasena,
            comun::NRP,
            "EKU9003173C9",
            "30001000000500003415",
        )
    };

    let reto = emitir().await.unwrap();
    assert!(reto.cadena.starts_with("||INFONAVIT|SERVICIOS DE INTERCOMUNICACION|GENERACION DE CONTRASENA|NRP Y5412345108|RFC EKU9003173C9|NO CERTIFICADO 30001000000500003415|NONCE "));
    let consumir = |sesion: &'static str, proposito, cadena: String| async move {
        retos::consumir(bd, sesion, proposito, &cadena)
            .await
            .unwrap()
    };
    // Another session, another purpose: unknown (and still usable); an altered string: altered.
    assert_eq!(
        consumir(
            "sesion-b",
            Proposito::GenerarContrasena,
            reto.cadena.clone()
        )
        .await,
        Err(ErrorReto::Desconocido)
    );
    assert_eq!(
        consumir(
            "sesion-a",
            Proposito::RelacionConfianza,
            reto.cadena.clone()
        )
        .await,
        Err(ErrorReto::Desconocido)
    );
    let alterada = reto.cadena.replace("RFC EKU9003173C9", "RFC XAXX010101000");
    assert_eq!(
        consumir("sesion-a", Proposito::GenerarContrasena, alterada).await,
        Err(ErrorReto::Alterado)
    );
    assert_eq!(
        consumir(
            "sesion-a",
            Proposito::GenerarContrasena,
            "||sin nonce||".into()
        )
        .await,
        Err(ErrorReto::Desconocido)
    );
    // The altered copy spent it: the genuine one is refused as used (the trámite starts again).
    assert_eq!(
        consumir(
            "sesion-a",
            Proposito::GenerarContrasena,
            reto.cadena.clone()
        )
        .await,
        Err(ErrorReto::YaUsado)
    );
    // A fresh one: used once; replayed: refused.
    let reto = emitir().await.unwrap();
    assert_eq!(
        consumir(
            "sesion-a",
            Proposito::GenerarContrasena,
            reto.cadena.clone()
        )
        .await,
        Ok(())
    );
    assert_eq!(
        consumir(
            "sesion-a",
            Proposito::GenerarContrasena,
            reto.cadena.clone()
        )
        .await,
        Err(ErrorReto::YaUsado)
    );

    // Expired.
    let viejo = emitir().await.unwrap();
    sqlx::query("UPDATE retos SET expira = expira - 3600")
        .execute(bd)
        .await
        .unwrap();
    assert_eq!(
        consumir("sesion-a", Proposito::GenerarContrasena, viejo.cadena).await,
        Err(ErrorReto::Vencido)
    );

    // Raced: exactly one wins.
    let reto = emitir().await.unwrap();
    let (a, b) = tokio::join!(
        retos::consumir(bd, "sesion-a", Proposito::GenerarContrasena, &reto.cadena),
        retos::consumir(bd, "sesion-a", Proposito::GenerarContrasena, &reto.cadena),
    );
    let ganadores = [a.unwrap(), b.unwrap()]
        .iter()
        .filter(|r| r.is_ok())
        .count();
    assert_eq!(ganadores, 1);
}
