//! The API for payroll software over HTTP, against the real server: sessions opened with both
//! credentials, avisos of the token's employer only, every refusal and its JSON shape, the
//! limits, and the operator's `avisos cargar`.

use crate::comun;
use crate::intercambio;

use comun::{
    levantar, levantar_con, smtp::ServidorSmtp, AppPrueba, Datos, Navegador, CONTRASENA, CORREO,
    NRP,
};
use intercambio::{escenario, Escenario, RFC_DESARROLLADOR};
use serde_json::{json, Value};
use servidor::{avisos, credenciales};
use std::time::Duration;

const NRP_B: &str = "B1234567890";
const RFC_B: &str = "AAA010101AAA";

fn cliente() -> reqwest::Client {
    reqwest::Client::new()
}

async fn abrir(app: &AppPrueba, cuerpo: &Value) -> reqwest::Response {
    cliente()
        .post(format!("{}/api/v1/sesiones", app.base))
        .json(cuerpo)
        .send()
        .await
        .expect("POST")
}

async fn abrir_crudo(app: &AppPrueba, cuerpo: &str) -> reqwest::Response {
    cliente()
        .post(format!("{}/api/v1/sesiones", app.base))
        .header("content-type", "application/json")
        .body(cuerpo.to_owned())
        .send()
        .await
        .expect("POST")
}

async fn abrir_token(app: &AppPrueba, cuerpo: &Value) -> String {
    let r = abrir(app, cuerpo).await;
    let estado = r.status().as_u16();
    let v: Value = r.json().await.expect("JSON");
    assert_eq!(estado, 201, "{v}");
    v["token"].as_str().expect("token").to_owned()
}

async fn avisos_con(app: &AppPrueba, token: &str, consulta: &str) -> reqwest::Response {
    cliente()
        .get(format!("{}/api/v1/avisos{consulta}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET")
}

/// Status and JSON body, checking the headers every answer carries.
async fn respuesta(r: reqwest::Response) -> (u16, Value) {
    let estado = r.status().as_u16();
    assert_eq!(
        r.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("no-store"),
        "toda respuesta lleva no-store"
    );
    if estado >= 400 {
        assert!(r
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap().starts_with("application/json")));
    }
    let texto = r.text().await.expect("cuerpo");
    let v = if texto.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&texto).unwrap_or_else(|_| panic!("no es JSON: {texto}"))
    };
    if estado >= 400 {
        assert!(v["codigo"].is_string() && v["mensaje"].is_string(), "{v}");
    }
    (estado, v)
}

async fn preparado() -> (AppPrueba, Escenario) {
    let app = levantar().await;
    let e = escenario(&app.estado, NRP).await;
    avisos::cargar(&app.estado.bd, &intercambio::avisos_de(NRP, 250))
        .await
        .expect("avisos");
    (app, e)
}

#[tokio::test]
async fn una_sesion_por_nrp_o_por_rfc_lee_los_avisos_paginados_y_termina_con_delete() {
    let (app, e) = preparado().await;

    let r = abrir(&app, &e.cuerpo_nrp(NRP)).await;
    let (estado, v) = respuesta(r).await;
    assert_eq!(estado, 201, "{v}");
    let token = v["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 43, "256 bits en base64url");
    assert_eq!(v["expira_en"], 900);
    assert!(v["expira"].as_str().unwrap().ends_with('Z'));
    // Only the token's hash is stored.
    let guardados: (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM sesiones_api WHERE token_hash = $1")
            .bind(&token)
            .fetch_one(&app.estado.bd)
            .await
            .unwrap();
    assert_eq!(guardados.0, 0);

    let (estado, v) = respuesta(avisos_con(&app, &token, "").await).await;
    assert_eq!(estado, 200);
    assert_eq!(v["total"], 250);
    assert_eq!(v["paginas"], 3);
    assert_eq!(v["pagina"], 1);
    let lista = v["avisos"].as_array().unwrap();
    assert_eq!(lista.len(), 100);
    let primero = &lista[0];
    for campo in [
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
    ] {
        assert!(primero.get(campo).is_some(), "falta {campo}: {primero}");
    }
    let fechas: Vec<&str> = lista.iter().map(|a| a["fecha"].as_str().unwrap()).collect();
    assert!(
        fechas.windows(2).all(|w| w[0] <= w[1]),
        "ordenados por fecha"
    );

    let (_, v) = respuesta(avisos_con(&app, &token, "?pagina=3").await).await;
    assert_eq!(v["avisos"].as_array().unwrap().len(), 50);
    let (_, v) = respuesta(avisos_con(&app, &token, "?pagina=4").await).await;
    assert_eq!(v["avisos"].as_array().unwrap().len(), 0);
    let (_, v) = respuesta(avisos_con(&app, &token, "?por_pagina=500").await).await;
    assert_eq!(v["avisos"].as_array().unwrap().len(), 250);
    assert_eq!(v["paginas"], 1);

    let (_, v) = respuesta(avisos_con(&app, &token, "?tipo=suspension&por_pagina=500").await).await;
    let lista = v["avisos"].as_array().unwrap();
    assert!(!lista.is_empty() && lista.iter().all(|a| a["tipo"] == "suspension"));
    assert_eq!(v["total"], lista.len());

    let (_, v) = respuesta(
        avisos_con(
            &app,
            &token,
            "?desde=2025-02-01&hasta=2025-02-28&por_pagina=500",
        )
        .await,
    )
    .await;
    let lista = v["avisos"].as_array().unwrap();
    assert_eq!(lista.len(), 28);
    assert!(lista
        .iter()
        .all(|a| a["fecha"].as_str().unwrap().starts_with("2025-02-")));

    // By RFC as well.
    let mut por_rfc = e.cuerpo_nrp(NRP);
    por_rfc["patron"] = json!({"rfc": "EKU9003173C9"});
    let token_rfc = abrir_token(&app, &por_rfc).await;
    assert_eq!(
        respuesta(avisos_con(&app, &token_rfc, "").await).await.0,
        200
    );

    // DELETE ends the token, and only that one.
    let r = cliente()
        .delete(format!("{}/api/v1/sesiones/actual", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let (estado, v) = respuesta(avisos_con(&app, &token, "").await).await;
    assert_eq!(
        (estado, v["codigo"].as_str()),
        (401, Some("token_invalido"))
    );
    assert_eq!(
        respuesta(avisos_con(&app, &token_rfc, "").await).await.0,
        200
    );

    // Every attempt is audited, and never with a password.
    let filas: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT evento, detalle FROM auditoria WHERE evento = 'api_sesion'")
            .fetch_all(&app.estado.bd)
            .await
            .unwrap();
    assert_eq!(filas.len(), 3);
    for (_, detalle) in filas {
        let detalle = detalle.unwrap_or_default();
        assert!(
            !detalle.contains(&e.contrasena_patron)
                && !detalle.contains(&e.contrasena_desarrollador)
        );
    }
}

#[tokio::test]
async fn los_parametros_invalidos_de_avisos_son_400() {
    let (app, e) = preparado().await;
    let token = abrir_token(&app, &e.cuerpo_nrp(NRP)).await;
    for consulta in [
        "?desde=2025-13-01",
        "?hasta=ayer",
        "?desde=2025-03-01&hasta=2025-02-01",
        "?tipo=otro",
        "?pagina=0",
        "?pagina=-1",
        "?pagina=abc",
        "?por_pagina=501",
        "?por_pagina=0",
        "?nrp=B1234567890",
        "?pagina=1&pagina=2",
        "?pagina=99999999999999999999999",
    ] {
        let (estado, v) = respuesta(avisos_con(&app, &token, consulta).await).await;
        assert_eq!(estado, 400, "{consulta}: {v}");
        assert_eq!(v["codigo"], "solicitud_invalida");
    }
}

#[tokio::test]
async fn los_cuerpos_mal_formados_son_400_con_json() {
    let (app, e) = preparado().await;
    let bueno = e.cuerpo_nrp(NRP);
    let largo = "A".repeat(255);
    let mut casos: Vec<(Value, &str)> = Vec::new();
    for campo in [
        "patron",
        "contrasena_patron",
        "desarrollador",
        "contrasena_desarrollador",
    ] {
        let mut c = bueno.clone();
        c.as_object_mut().unwrap().remove(campo);
        casos.push((c, "Falta el campo"));
    }
    let mut c = bueno.clone();
    c["extra"] = json!(1);
    casos.push((c, "no se admite"));
    let mut c = bueno.clone();
    c["patron"] = json!({"nrp": NRP, "rfc": "EKU9003173C9"});
    casos.push((c, ""));
    let mut c = bueno.clone();
    c["patron"] = json!({"curp": "X"});
    casos.push((c, "nrp"));
    let mut c = bueno.clone();
    c["desarrollador"] = json!({"rfc": RFC_DESARROLLADOR, "nombre": "x"});
    casos.push((c, "no se admite"));
    let mut c = bueno.clone();
    c["contrasena_patron"] = json!(12345);
    casos.push((c, "El campo «contrasena_patron» debe ser texto."));
    let mut c = bueno.clone();
    c["patron"] = json!({"nrp": 5412345108u64});
    casos.push((c, "El campo «patron.nrp» debe ser texto."));
    casos.push((
        json!([1, 2]),
        "El cuerpo debe ser un objeto JSON con los campos patron, contrasena_patron, desarrollador y contrasena_desarrollador.",
    ));
    let mut c = bueno.clone();
    c["patron"] = json!("Y5412345108");
    casos.push((c, ""));
    let mut c = bueno.clone();
    c["contrasena_desarrollador"] = json!(largo);
    casos.push((c, "254"));
    let mut c = bueno.clone();
    c["patron"] = json!({"nrp": largo});
    casos.push((c, "254"));
    let mut c = bueno.clone();
    c["patron"] = json!({"nrp": "123"});
    casos.push((c, "NRP"));
    let mut c = bueno.clone();
    c["desarrollador"] = json!({"rfc": "NO-ES-RFC"});
    casos.push((c, "RFC"));
    let mut c = bueno.clone();
    c["contrasena_patron"] = json!("");
    casos.push((c, "obligatorias"));
    for (cuerpo, palabra) in casos {
        let (estado, v) = respuesta(abrir(&app, &cuerpo).await).await;
        assert_eq!(estado, 400, "{cuerpo}: {v}");
        assert_eq!(v["codigo"], "solicitud_invalida", "{cuerpo}");
        assert!(
            v["mensaje"].as_str().unwrap().contains(palabra),
            "{cuerpo}: {v}"
        );
    }

    let (estado, v) = respuesta(abrir_crudo(&app, "{no es json").await).await;
    assert_eq!(
        (estado, v["codigo"].as_str()),
        (400, Some("solicitud_invalida"))
    );

    let r = cliente()
        .post(format!("{}/api/v1/sesiones", app.base))
        .header("content-type", "text/plain")
        .body(bueno.to_string())
        .send()
        .await
        .unwrap();
    let (estado, v) = respuesta(r).await;
    assert_eq!(
        (estado, v["codigo"].as_str()),
        (415, Some("tipo_no_admitido"))
    );
    // JSON in another charset would be read as what it is not.
    let r = cliente()
        .post(format!("{}/api/v1/sesiones", app.base))
        .header("content-type", "application/json; charset=utf-16")
        .body(bueno.to_string())
        .send()
        .await
        .unwrap();
    let (estado, v) = respuesta(r).await;
    assert_eq!(
        (estado, v["codigo"].as_str(), v["mensaje"].as_str()),
        (
            415,
            Some("tipo_no_admitido"),
            Some("El cuerpo debe ser JSON en UTF-8 (Content-Type: application/json).")
        )
    );

    let enorme = json!({"patron": {"nrp": "A".repeat(20_000)}}).to_string();
    let (estado, v) = respuesta(abrir_crudo(&app, &enorme).await).await;
    assert_eq!(
        (estado, v["codigo"].as_str()),
        (413, Some("cuerpo_demasiado_grande"))
    );
}

#[tokio::test]
async fn rutas_y_metodos_desconocidos_responden_json() {
    let (app, _) = preparado().await;
    let (estado, v) = respuesta(
        cliente()
            .get(format!("{}/api/v1/nada", app.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((estado, v["codigo"].as_str()), (404, Some("no_encontrado")));
    let (estado, v) = respuesta(
        cliente()
            .get(format!("{}/api/v1/sesiones", app.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (estado, v["codigo"].as_str()),
        (405, Some("metodo_no_permitido"))
    );
    let (estado, _) = respuesta(
        cliente()
            .post(format!("{}/api/v1/avisos", app.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(estado, 405);
    let (estado, _) = respuesta(
        cliente()
            .put(format!("{}/api/v1/sesiones/actual", app.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(estado, 405);
}

#[tokio::test]
async fn toda_falla_de_identidad_da_la_misma_respuesta_401() {
    let (app, e) = preparado().await;
    let otro = intercambio::cuenta(&app.estado, "C1234567890", "GOGA8001019Z8").await;
    let sin_credencial_dev = {
        let mut c = e.cuerpo_nrp(NRP);
        c["desarrollador"] = json!({"rfc": "GOGA8001019Z8"});
        c
    };
    let _ = otro;
    let mut casos = vec![sin_credencial_dev];
    let mut c = e.cuerpo_nrp(NRP);
    c["patron"] = json!({"nrp": "Z9999999999"});
    casos.push(c);
    let mut c = e.cuerpo_nrp(NRP);
    c["patron"] = json!({"rfc": "ZZZ991231ZZ9"});
    casos.push(c);
    let mut c = e.cuerpo_nrp(NRP);
    c["desarrollador"] = json!({"rfc": "ZZZZ991231ZZ9"});
    casos.push(c);
    let mut c = e.cuerpo_nrp(NRP);
    c["contrasena_patron"] = json!("AAAAA-AAAAA-AAAAA-AAAAA-AAAAA");
    casos.push(c);
    let mut c = e.cuerpo_nrp(NRP);
    c["contrasena_desarrollador"] = json!("AAAAA-AAAAA-AAAAA-AAAAA-AAAAA");
    casos.push(c);
    // Each party's password in the other's place.
    let mut c = e.cuerpo_nrp(NRP);
    c["contrasena_patron"] = json!(e.contrasena_desarrollador);
    c["contrasena_desarrollador"] = json!(e.contrasena_patron);
    casos.push(c);
    let mut primera: Option<Value> = None;
    for cuerpo in casos {
        let (estado, v) = respuesta(abrir(&app, &cuerpo).await).await;
        assert_eq!(estado, 401, "{cuerpo}: {v}");
        assert_eq!(v["codigo"], "credenciales_invalidas");
        match &primera {
            None => primera = Some(v),
            Some(p) => assert_eq!(p, &v, "la misma respuesta para toda falla"),
        }
    }
    // A cancelled credential is no credential.
    intercambio::ejecutar(
        &app.estado,
        "UPDATE credenciales SET estado = 'cancelada' WHERE id = $1",
        e.credencial_desarrollador,
    )
    .await;
    let (estado, v) = respuesta(abrir(&app, &e.cuerpo_nrp(NRP)).await).await;
    assert_eq!((estado, v), (401, primera.unwrap()));
}

#[tokio::test]
async fn sin_relacion_o_con_producto_sin_certificar_es_403() {
    let (app, e) = preparado().await;
    // Revoking the relation refuses new sessions and ends the open token at once.
    let abierto = abrir_token(&app, &e.cuerpo_nrp(NRP)).await;
    intercambio::ejecutar(
        &app.estado,
        "UPDATE relaciones SET estado = 'revocada', revocada = 1 WHERE id = $1",
        e.relacion_id,
    )
    .await;
    let (estado, v) = respuesta(avisos_con(&app, &abierto, "").await).await;
    assert_eq!(
        (estado, v["codigo"].as_str()),
        (401, Some("token_invalido"))
    );
    let (estado, v) = respuesta(abrir(&app, &e.cuerpo_nrp(NRP)).await).await;
    assert_eq!((estado, v["codigo"].as_str()), (403, Some("sin_relacion")));

    // A new relation, but the product is only registered, then rejected, then revoked.
    for estado_producto in ["registrado", "solicitado", "rechazado", "revocado"] {
        sqlx::query("UPDATE relaciones SET estado = 'revocada' WHERE estado = 'activa'")
            .execute(&app.estado.bd)
            .await
            .unwrap();
        let p = intercambio::producto(&app.estado, e.desarrollador_id, estado_producto).await;
        intercambio::relacion(&app.estado, e.patron_id, e.desarrollador_id, p).await;
        let (estado, v) = respuesta(abrir(&app, &e.cuerpo_nrp(NRP)).await).await;
        assert_eq!(
            (estado, v["codigo"].as_str()),
            (403, Some("producto_no_certificado")),
            "{estado_producto}"
        );
    }

    // Revoking the certification of the product of an open token ends it too.
    sqlx::query("UPDATE relaciones SET estado = 'revocada' WHERE estado = 'activa'")
        .execute(&app.estado.bd)
        .await
        .unwrap();
    let p = intercambio::producto(&app.estado, e.desarrollador_id, "aprobado").await;
    intercambio::relacion(&app.estado, e.patron_id, e.desarrollador_id, p).await;
    let abierto = abrir_token(&app, &e.cuerpo_nrp(NRP)).await;
    assert_eq!(respuesta(avisos_con(&app, &abierto, "").await).await.0, 200);
    intercambio::ejecutar(
        &app.estado,
        "UPDATE productos SET estado = 'revocado' WHERE id = $1",
        p,
    )
    .await;
    assert_eq!(respuesta(avisos_con(&app, &abierto, "").await).await.0, 401);
}

#[tokio::test]
async fn un_token_vencido_falsificado_o_de_credencial_cancelada_es_401() {
    let (app, e) = preparado().await;
    let vencido = abrir_token(&app, &e.cuerpo_nrp(NRP)).await;
    sqlx::query("UPDATE sesiones_api SET expira = 1 WHERE token_hash = $1")
        .bind(servidor::secretos::huella(&vencido))
        .execute(&app.estado.bd)
        .await
        .unwrap();
    let falsificado = servidor::secretos::token_aleatorio();
    for t in [
        vencido.as_str(),
        falsificado.as_str(),
        "corto",
        &"x".repeat(300),
    ] {
        let r = avisos_con(&app, t, "").await;
        assert!(r
            .headers()
            .get("www-authenticate")
            .is_some_and(|v| v.to_str().unwrap().starts_with("Bearer")));
        let (estado, v) = respuesta(r).await;
        assert_eq!(
            (estado, v["codigo"].as_str()),
            (401, Some("token_invalido")),
            "{t}"
        );
    }

    // Cancelling either credential ends the open tokens at once.
    let abierto = abrir_token(&app, &e.cuerpo_nrp(NRP)).await;
    assert_eq!(respuesta(avisos_con(&app, &abierto, "").await).await.0, 200);
    intercambio::ejecutar(
        &app.estado,
        "UPDATE credenciales SET estado = 'cancelada' WHERE id = $1",
        e.credencial_patron,
    )
    .await;
    assert_eq!(respuesta(avisos_con(&app, &abierto, "").await).await.0, 401);

    let (_, nueva) =
        intercambio::credencial(&app.estado, e.patron_id, credenciales::Rol::Patron).await;
    let mut cuerpo = e.cuerpo_nrp(NRP);
    cuerpo["contrasena_patron"] = json!(nueva);
    let abierto = abrir_token(&app, &cuerpo).await;
    assert_eq!(respuesta(avisos_con(&app, &abierto, "").await).await.0, 200);
    intercambio::ejecutar(
        &app.estado,
        "UPDATE credenciales SET estado = 'cancelada' WHERE id = $1",
        e.credencial_desarrollador,
    )
    .await;
    assert_eq!(respuesta(avisos_con(&app, &abierto, "").await).await.0, 401);

    // Replacing a credential (recovery issues a new one) ends the tokens of the old one.
    let (_, dev) = intercambio::credencial(
        &app.estado,
        e.desarrollador_id,
        credenciales::Rol::Desarrollador,
    )
    .await;
    cuerpo["contrasena_desarrollador"] = json!(dev);
    let abierto = abrir_token(&app, &cuerpo).await;
    intercambio::credencial(
        &app.estado,
        e.desarrollador_id,
        credenciales::Rol::Desarrollador,
    )
    .await;
    assert_eq!(respuesta(avisos_con(&app, &abierto, "").await).await.0, 401);
}

#[tokio::test]
async fn un_token_solo_lee_los_avisos_de_su_patron() {
    let (app, e) = preparado().await;
    // Employer B, authorized to the same developer, with its own avisos.
    let b = intercambio::cuenta(&app.estado, NRP_B, RFC_B).await;
    let (_, contrasena_b) =
        intercambio::credencial(&app.estado, b, credenciales::Rol::Patron).await;
    intercambio::relacion(&app.estado, b, e.desarrollador_id, e.producto_id).await;
    avisos::cargar(&app.estado.bd, &intercambio::avisos_de(NRP_B, 7))
        .await
        .unwrap();

    let token_a = abrir_token(&app, &e.cuerpo_nrp(NRP)).await;
    let mut cuerpo_b = e.cuerpo_nrp(NRP_B);
    cuerpo_b["contrasena_patron"] = json!(contrasena_b);
    let token_b = abrir_token(&app, &cuerpo_b).await;

    // Whatever the query tries, A sees A's avisos only.
    for consulta in ["?por_pagina=500", "?por_pagina=500&nrp=B1234567890"] {
        let (estado, v) = respuesta(avisos_con(&app, &token_a, consulta).await).await;
        if estado == 200 {
            assert_eq!(v["total"], 250);
            assert!(v["avisos"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["nrp"] == NRP));
        } else {
            assert_eq!(estado, 400);
        }
    }
    let (_, v) = respuesta(avisos_con(&app, &token_b, "?por_pagina=500").await).await;
    assert_eq!(v["total"], 7);
    assert!(v["avisos"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["nrp"] == NRP_B));

    // B's password does not open A, nor A's open B.
    let mut cruzado = e.cuerpo_nrp(NRP);
    cruzado["contrasena_patron"] = json!(contrasena_b);
    assert_eq!(respuesta(abrir(&app, &cruzado).await).await.0, 401);
}

#[tokio::test]
async fn un_rfc_con_varios_nrp_se_resuelve_por_la_contrasena_sin_revelar_nada() {
    let (app, e) = preparado().await;
    // A second NRP of the same RFC, with its own password and its own avisos.
    let b = intercambio::cuenta(&app.estado, NRP_B, "EKU9003173C9").await;
    let (_, contrasena_b) =
        intercambio::credencial(&app.estado, b, credenciales::Rol::Patron).await;
    let por_rfc = |contrasena: &str| {
        let mut c = e.cuerpo_nrp(NRP);
        c["patron"] = json!({"rfc": "EKU9003173C9"});
        c["contrasena_patron"] = json!(contrasena);
        c
    };
    // The RFC with A's password opens A's session; with B's password, B (no relation: 403).
    let token = abrir_token(&app, &por_rfc(&e.contrasena_patron)).await;
    let (estado, v) = respuesta(avisos_con(&app, &token, "").await).await;
    assert_eq!(estado, 200);
    assert!(v["avisos"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["nrp"] == NRP));
    let (estado, v) = respuesta(abrir(&app, &por_rfc(&contrasena_b)).await).await;
    assert_eq!((estado, v["codigo"].as_str()), (403, Some("sin_relacion")));
    // A wrong password gets the one answer every failure gets: nothing says the RFC has
    // several NRPs.
    let (estado, v) = respuesta(abrir(&app, &por_rfc("AAAAA-BBBBB-CCCCC-DDDDD-EEEEE")).await).await;
    assert_eq!(
        (estado, v["codigo"].as_str()),
        (401, Some("credenciales_invalidas"))
    );
}

#[tokio::test]
async fn la_matriz_de_autorizacion() {
    let (app, e) = preparado().await;
    let valido = abrir_token(&app, &e.cuerpo_nrp(NRP)).await;
    let falsificado = servidor::secretos::token_aleatorio();
    let base = &app.base;
    // (method, path, token, expected status)
    let casos: Vec<(&str, String, Option<&str>, u16)> = vec![
        ("GET", format!("{base}/api/v1/avisos"), None, 401),
        (
            "GET",
            format!("{base}/api/v1/avisos"),
            Some(&falsificado),
            401,
        ),
        ("GET", format!("{base}/api/v1/avisos"), Some(&valido), 200),
        (
            "DELETE",
            format!("{base}/api/v1/sesiones/actual"),
            None,
            401,
        ),
        (
            "DELETE",
            format!("{base}/api/v1/sesiones/actual"),
            Some(&falsificado),
            401,
        ),
        ("GET", format!("{base}/api/v1/openapi.json"), None, 200),
        (
            "GET",
            format!("{base}/api/v1/openapi.json"),
            Some(&falsificado),
            200,
        ),
        (
            "DELETE",
            format!("{base}/api/v1/sesiones/actual"),
            Some(&valido),
            204,
        ),
        ("GET", format!("{base}/api/v1/avisos"), Some(&valido), 401),
    ];
    for (metodo, url, token, esperado) in casos {
        let mut p = cliente().request(metodo.parse().unwrap(), &url);
        if let Some(t) = token {
            p = p.bearer_auth(t);
        }
        let r = p.send().await.unwrap();
        assert_eq!(r.status().as_u16(), esperado, "{metodo} {url} {token:?}");
        assert_eq!(r.headers()["cache-control"], "no-store");
    }
    // A portal cookie is not an API credential, and the API needs no CSRF token.
    let r = cliente()
        .get(format!("{base}/api/v1/avisos"))
        .header("cookie", "__Host-sesion=abc")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // "Basic" is not "Bearer".
    let r = cliente()
        .get(format!("{base}/api/v1/avisos"))
        .basic_auth("x", Some("y"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
}

#[tokio::test]
async fn demasiados_fallos_de_un_par_dan_429_con_retry_after() {
    let (app, e) = preparado().await;
    let mut malo = e.cuerpo_nrp(NRP);
    malo["contrasena_desarrollador"] = json!("AAAAA-AAAAA-AAAAA-AAAAA-AAAAA");
    for _ in 0..servidor::api::sesiones::INTENTOS_POR_PAR {
        assert_eq!(respuesta(abrir(&app, &malo).await).await.0, 401);
    }
    // Now even the right passwords wait.
    let r = abrir(&app, &e.cuerpo_nrp(NRP)).await;
    let espera: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(espera > 0 && espera <= 900);
    let (estado, v) = respuesta(r).await;
    assert_eq!(
        (estado, v["codigo"].as_str()),
        (429, Some("demasiados_intentos"))
    );
    // Another pair from the same address is not locked yet.
    let mut otro = e.cuerpo_nrp(NRP);
    otro["patron"] = json!({"rfc": "EKU9003173C9"});
    assert_eq!(respuesta(abrir(&app, &otro).await).await.0, 201);
}

#[tokio::test]
async fn ningun_cuerpo_basura_produce_un_500() {
    let (app, e) = preparado().await;
    let bueno = e.cuerpo_nrp(NRP).to_string();
    let mut cuerpos: Vec<String> = vec![
        String::new(),
        "null".into(),
        "[]".into(),
        "{}".into(),
        "0".into(),
        "\"x\"".into(),
        "{\"patron\": null}".into(),
        "{\"patron\": []}".into(),
        "{\"patron\": {}}".into(),
        "{\"patron\": {\"nrp\": null}}".into(),
        "\u{0}".into(),
        "{\"a\":".into(),
        "{\"patron\": {\"nrp\": \"Y5412345108\"}, \"patron\": {\"nrp\": \"Y5412345108\"}}".into(),
        "[".repeat(5000),
        "{\"patron\": {\"nrp\": \"\u{fffd}\u{202e}\"}}".into(),
    ];
    // Every prefix of a good body, and the good body with each byte flipped.
    for i in (0..bueno.len()).step_by(7) {
        cuerpos.push(bueno[..i].to_owned());
    }
    let bytes = bueno.as_bytes();
    let mut alterados: Vec<Vec<u8>> = Vec::new();
    for i in (0..bytes.len()).step_by(5) {
        let mut b = bytes.to_vec();
        b[i] ^= 0x5a;
        alterados.push(b);
    }
    for c in cuerpos.into_iter().map(String::into_bytes).chain(alterados) {
        let r = cliente()
            .post(format!("{}/api/v1/sesiones", app.base))
            .header("content-type", "application/json")
            .body(c.clone())
            .send()
            .await
            .unwrap();
        let estado = r.status().as_u16();
        assert!(
            estado < 500,
            "{estado} para {:?}",
            String::from_utf8_lossy(&c)
        );
        respuesta(r).await;
    }
}

#[tokio::test]
async fn el_documento_openapi_describe_las_tres_operaciones_y_el_error() {
    let app = levantar().await;
    let r = cliente()
        .get(format!("{}/api/v1/openapi.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert!(v["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(v["paths"]["/sesiones"]["post"].is_object());
    assert!(v["paths"]["/avisos"]["get"].is_object());
    assert!(v["paths"]["/sesiones/actual"]["delete"].is_object());
    let error = &v["components"]["schemas"]["Error"];
    assert_eq!(error["required"], json!(["codigo", "mensaje"]));
    assert_eq!(
        error["properties"]["codigo"]["$ref"],
        "#/components/schemas/Codigo"
    );
    assert_eq!(v["servers"], json!([{"url": "/api/v1"}]));
    assert_eq!(
        v["components"]["securitySchemes"]["portador"],
        json!({"type": "http", "scheme": "bearer", "description": "El token de POST /sesiones."})
    );
    // The request body's schema is the type serde reads: unknown fields refused, the employer
    // by NRP or RFC.
    let solicitud = &v["components"]["schemas"]["SolicitudSesion"];
    assert_eq!(solicitud["additionalProperties"], false);
    assert_eq!(
        solicitud["required"],
        json!([
            "patron",
            "contrasena_patron",
            "desarrollador",
            "contrasena_desarrollador"
        ])
    );
    let patron = serde_json::to_string(&solicitud["properties"]["patron"]).unwrap();
    let patron: Value = if patron.contains("$ref") {
        v["components"]["schemas"]["IdPatron"].clone()
    } else {
        solicitud["properties"]["patron"].clone()
    };
    let variantes: Vec<String> = patron["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["required"][0].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(variantes, ["nrp", "rfc"], "{patron}");
    assert_eq!(
        v["components"]["schemas"]["TipoAviso"]["enum"],
        json!(["retencion", "modificacion", "suspension"])
    );
}

/// `(method, path)` of every operation the document describes.
fn operaciones(documento: &Value) -> Vec<(String, String)> {
    let mut ops = Vec::new();
    for (ruta, item) in documento["paths"].as_object().unwrap() {
        for metodo in item.as_object().unwrap().keys() {
            if [
                "get", "put", "post", "delete", "patch", "head", "options", "trace",
            ]
            .contains(&metodo.as_str())
            {
                ops.push((metodo.to_uppercase(), ruta.clone()));
            }
        }
    }
    ops.sort();
    ops
}

async fn documento(app: &AppPrueba) -> Value {
    let r = cliente()
        .get(format!("{}/api/v1/openapi.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    r.json().await.unwrap()
}

/// The document and the router agree: every documented operation is mounted (it does not
/// answer the API's 404 or 405), and on every documented path the methods the router allows
/// are exactly the documented ones.
#[tokio::test]
async fn el_documento_openapi_describe_exactamente_las_rutas_montadas() {
    let app = levantar().await;
    let v = documento(&app).await;
    let ops = operaciones(&v);
    assert_eq!(
        ops,
        [
            ("DELETE".to_owned(), "/sesiones/actual".to_owned()),
            ("GET".to_owned(), "/avisos".to_owned()),
            ("GET".to_owned(), "/openapi.json".to_owned()),
            ("POST".to_owned(), "/sesiones".to_owned()),
        ]
    );
    for ruta in v["paths"].as_object().unwrap().keys() {
        let documentados: Vec<&str> = ops
            .iter()
            .filter(|(_, r)| r == ruta)
            .map(|(m, _)| m.as_str())
            .collect();
        for metodo in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            let r = cliente()
                .request(
                    metodo.parse().unwrap(),
                    format!("{}/api/v1{ruta}", app.base),
                )
                .send()
                .await
                .unwrap();
            let estado = r.status().as_u16();
            let permitidos = r
                .headers()
                .get("allow")
                .map(|a| a.to_str().unwrap().to_owned());
            let cuerpo: Value = r.json().await.unwrap_or(Value::Null);
            if documentados.contains(&metodo) {
                assert!(
                    estado != 404 && estado != 405,
                    "{metodo} {ruta} documentada pero no montada: {estado} {cuerpo}"
                );
            } else {
                assert_eq!(
                    (estado, cuerpo["codigo"].as_str()),
                    (405, Some("metodo_no_permitido")),
                    "{metodo} {ruta}"
                );
                // axum answers HEAD wherever GET is mounted.
                let mut montados: Vec<&str> = permitidos
                    .as_deref()
                    .unwrap_or_default()
                    .split(',')
                    .map(str::trim)
                    .filter(|m| *m != "HEAD")
                    .collect();
                montados.sort_unstable();
                assert_eq!(montados, documentados, "Allow de {ruta}");
            }
        }
    }
    // A path the document does not name is the API's 404.
    let r = cliente()
        .get(format!("{}/api/v1/sesiones/otra", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(respuesta(r).await.1["codigo"], "no_encontrado");
}

/// Real answers have the documented shape: each object's keys are exactly its schema's
/// properties, all of them required (serde writes every field, `null` included).
#[tokio::test]
async fn las_respuestas_tienen_la_forma_que_documenta_el_documento_openapi() {
    let (app, e) = preparado().await;
    let v = documento(&app).await;
    let esquemas = &v["components"]["schemas"];
    let revisar = |objeto: &Value, esquema: &str| {
        let esquema = &esquemas[esquema];
        let mut claves: Vec<&String> = objeto.as_object().unwrap().keys().collect();
        let mut propiedades: Vec<&String> =
            esquema["properties"].as_object().unwrap().keys().collect();
        claves.sort();
        propiedades.sort();
        assert_eq!(claves, propiedades, "{objeto}");
        let mut requeridas: Vec<&str> = esquema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        requeridas.sort_unstable();
        assert_eq!(
            requeridas,
            propiedades.iter().map(|p| p.as_str()).collect::<Vec<_>>()
        );
    };
    let r = abrir(&app, &e.cuerpo_nrp(NRP)).await;
    let (estado, sesion) = respuesta(r).await;
    assert_eq!(estado, 201);
    revisar(&sesion, "SesionAbierta");
    let token = sesion["token"].as_str().unwrap();
    let (estado, pagina) = respuesta(avisos_con(&app, token, "?por_pagina=3").await).await;
    assert_eq!(estado, 200);
    revisar(&pagina, "PaginaAvisos");
    let tipos = &esquemas["TipoAviso"]["enum"];
    let descuentos = &esquemas["TipoDescuento"]["enum"];
    for aviso in pagina["avisos"].as_array().unwrap() {
        revisar(aviso, "Aviso");
        assert!(
            tipos.as_array().unwrap().contains(&aviso["tipo"]),
            "{aviso}"
        );
        assert!(
            descuentos
                .as_array()
                .unwrap()
                .contains(&aviso["tipo_descuento"]),
            "{aviso}"
        );
    }
    let (estado, error) = respuesta(avisos_con(&app, token, "?pagina=0").await).await;
    assert_eq!(estado, 400);
    revisar(&error, "Error");
}

/// The codes an error response's description names (`codigo[, codigo]`, then `.` or `:`).
fn codigos_de(descripcion: &str) -> Vec<String> {
    let fin = descripcion.find([':', '.']).unwrap_or(descripcion.len());
    descripcion[..fin].split(", ").map(str::to_owned).collect()
}

/// Every code of the API's error enum is documented, each with the status it is answered with
/// and the `Error` body; no response names a code the enum lacks.
#[tokio::test]
async fn el_documento_openapi_documenta_cada_codigo_de_error_con_su_estado() {
    use servidor::api::errores::Codigo;
    let app = levantar().await;
    let v = documento(&app).await;
    let todos: Vec<Codigo> =
        serde_json::from_value(v["components"]["schemas"]["Codigo"]["enum"].clone()).unwrap();
    assert_eq!(todos.len(), 12);
    let es_error = json!({"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}});
    let mut documentados: Vec<Codigo> = Vec::new();
    let mut revisar = |estado: u16, respuesta: &Value, donde: &str| {
        assert_eq!(respuesta["content"], es_error, "{donde}");
        let descripcion = respuesta["description"].as_str().unwrap();
        for nombre in codigos_de(descripcion) {
            let codigo: Codigo = serde_json::from_value(json!(nombre))
                .unwrap_or_else(|_| panic!("{donde}: «{nombre}» no es un código de la API"));
            assert_eq!(codigo.estado().as_u16(), estado, "{donde}: {nombre}");
            documentados.push(codigo);
        }
    };
    for (ruta, item) in v["paths"].as_object().unwrap() {
        for (metodo, operacion) in item.as_object().unwrap() {
            for (estado, respuesta) in operacion["responses"].as_object().unwrap() {
                let estado: u16 = estado.parse().unwrap();
                if estado >= 400 {
                    revisar(estado, respuesta, &format!("{metodo} {ruta} {estado}"));
                }
            }
        }
    }
    for (nombre, respuesta) in v["components"]["responses"].as_object().unwrap() {
        let codigo: Codigo = serde_json::from_value(json!(nombre)).unwrap();
        assert_eq!(
            codigos_de(respuesta["description"].as_str().unwrap()),
            [nombre.as_str()]
        );
        revisar(codigo.estado().as_u16(), respuesta, nombre);
    }
    for codigo in &todos {
        assert!(documentados.contains(codigo), "{codigo:?} sin documentar");
    }
}

/// What every request with a token that no longer opens anything gets.
fn token_invalido() -> Value {
    json!({
        "codigo": "token_invalido",
        "mensaje": "El token no es válido o ya venció. Abre una sesión nueva con POST /api/v1/sesiones.",
    })
}

/// A token that no longer works: exactly the 401 every other dead token gets.
async fn rechazado(app: &AppPrueba, token: &str) {
    let r = avisos_con(app, token, "").await;
    assert_eq!(
        r.headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap()),
        Some("Bearer realm=\"api\", error=\"invalid_token\"")
    );
    assert_eq!(respuesta(r).await, (401, token_invalido()));
}

/// [`preparado`] with the outbox delivering to a loopback SMTP server, for the portal's
/// recovery (its code and its new password arrive by email).
async fn preparado_con_correo() -> (AppPrueba, Escenario, ServidorSmtp) {
    let smtp = ServidorSmtp::iniciar().await;
    let app = levantar_con(&[("INTERCOM_SMTP_URL", smtp.url().as_str())]).await;
    servidor::correo::trabajador::iniciar(app.estado.clone());
    let e = escenario(&app.estado, NRP).await;
    avisos::cargar(&app.estado.bd, &intercambio::avisos_de(NRP, 250))
        .await
        .expect("avisos");
    (app, e, smtp)
}

/// The scenario's employer signed into the portal, on the page that carries the CSRF token.
async fn portal(app: &AppPrueba) -> Navegador {
    let mut n = Navegador::new(app);
    assert_eq!(n.ingresar(NRP, CORREO, CONTRASENA).await.status(), 200);
    n.pagina("/portal/mis-tramites/servicios-de-intercomunicacion")
        .await;
    assert!(!n.csrf.is_empty());
    n
}

async fn folio_de(app: &AppPrueba, credencial: i64) -> String {
    let (folio,): (String,) = sqlx::query_as("SELECT folio FROM credenciales WHERE id = $1")
        .bind(credencial)
        .fetch_one(&app.estado.bd)
        .await
        .unwrap();
    folio
}

async fn estado_credencial(app: &AppPrueba, credencial: i64) -> String {
    let (estado,): (String,) = sqlx::query_as("SELECT estado FROM credenciales WHERE id = $1")
        .bind(credencial)
        .fetch_one(&app.estado.bd)
        .await
        .unwrap();
    estado
}

/// The first line starting with `prefijo` in the body of the `n`-th email (1-based) received.
async fn linea_del_correo(smtp: &ServidorSmtp, n: usize, prefijo: &str) -> String {
    let correos = smtp.esperar(n, Duration::from_secs(10)).await;
    assert_eq!(correos.len(), n, "correos recibidos");
    correos[n - 1]
        .texto()
        .lines()
        .find_map(|l| l.strip_prefix(prefijo))
        .unwrap_or_else(|| panic!("«{prefijo}» en el correo {n}"))
        .trim()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelar_en_el_portal_termina_los_tokens_abiertos_con_esa_contrasena() {
    let (app, e) = preparado().await;
    // Employer B, authorized to the same developer: its token must survive A's cancel.
    let b = intercambio::cuenta(&app.estado, NRP_B, RFC_B).await;
    let (_, contrasena_b) =
        intercambio::credencial(&app.estado, b, credenciales::Rol::Patron).await;
    intercambio::relacion(&app.estado, b, e.desarrollador_id, e.producto_id).await;
    let mut cuerpo_b = e.cuerpo_nrp(NRP_B);
    cuerpo_b["contrasena_patron"] = json!(contrasena_b);
    let token_b = abrir_token(&app, &cuerpo_b).await;

    let abierto = abrir_token(&app, &e.cuerpo_nrp(NRP)).await;
    assert_eq!(respuesta(avisos_con(&app, &abierto, "").await).await.0, 200);

    // The employer cancels through the portal, as the tab's dialog does after Aceptar.
    let mut n = portal(&app).await;
    let folio = folio_de(&app, e.credencial_patron).await;
    let r = n
        .post_form("/api/generacion/cancelar", &[("folio", &folio)])
        .await;
    assert_eq!(r.status(), 200);
    let cancelacion: Value = r.json().await.unwrap();
    assert_eq!(cancelacion["folio"], folio.as_str());

    // At once: the open token is dead, and the password opens nothing any more.
    rechazado(&app, &abierto).await;
    let (estado, v) = respuesta(abrir(&app, &e.cuerpo_nrp(NRP)).await).await;
    assert_eq!(
        (estado, v["codigo"].as_str()),
        (401, Some("credenciales_invalidas"))
    );
    // Nothing else ended: the developer's credential, the relation and B's token.
    assert_eq!(
        estado_credencial(&app, e.credencial_patron).await,
        "cancelada"
    );
    assert_eq!(
        estado_credencial(&app, e.credencial_desarrollador).await,
        "activa"
    );
    let (relacion,): (String,) = sqlx::query_as("SELECT estado FROM relaciones WHERE id = $1")
        .bind(e.relacion_id)
        .fetch_one(&app.estado.bd)
        .await
        .unwrap();
    assert_eq!(relacion, "activa");
    let (estado, v) = respuesta(avisos_con(&app, &token_b, "?por_pagina=500").await).await;
    assert_eq!((estado, v["total"].as_i64()), (200, Some(0)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recuperar_en_el_portal_termina_los_tokens_abiertos_con_la_contrasena_anterior() {
    let (app, e, smtp) = preparado_con_correo().await;
    let abierto = abrir_token(&app, &e.cuerpo_nrp(NRP)).await;
    assert_eq!(respuesta(avisos_con(&app, &abierto, "").await).await.0, 200);

    // Recuperar contraseña in the portal, with the captcha's accessible alternative: its code
    // arrives by email.
    let mut n = portal(&app).await;
    let r = n
        .post_form("/api/recuperacion/captcha", &[("por_correo", "true")])
        .await;
    assert_eq!(r.status(), 200);
    let captcha: Value = r.json().await.unwrap();
    let codigo = linea_del_correo(&smtp, 1, "Tu código de verificación es: ").await;
    let r = n
        .post_form(
            "/api/recuperacion/recuperar",
            &[
                ("id", captcha["id"].as_str().unwrap()),
                ("respuesta", &codigo),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let recuperacion: Value = r.json().await.unwrap();
    let nuevo_folio = recuperacion["folio"].as_str().unwrap().to_owned();
    assert_ne!(nuevo_folio, folio_de(&app, e.credencial_patron).await);
    let nueva = linea_del_correo(&smtp, 2, "La contraseña generada es: ").await;

    // The token of the old password is dead at once, and the old password opens nothing.
    rechazado(&app, &abierto).await;
    assert_eq!(
        estado_credencial(&app, e.credencial_patron).await,
        "reemplazada"
    );
    let (estado, v) = respuesta(abrir(&app, &e.cuerpo_nrp(NRP)).await).await;
    assert_eq!(
        (estado, v["codigo"].as_str()),
        (401, Some("credenciales_invalidas"))
    );
    // The new password opens a session that reads the same avisos.
    let mut cuerpo = e.cuerpo_nrp(NRP);
    cuerpo["contrasena_patron"] = json!(nueva);
    let token = abrir_token(&app, &cuerpo).await;
    let (estado, v) = respuesta(avisos_con(&app, &token, "").await).await;
    assert_eq!((estado, v["total"].as_i64()), (200, Some(250)));
    // The old token stays dead even though the employer has an active credential again.
    rechazado(&app, &abierto).await;
}

fn intercomunicacion(datos: &Datos) -> std::process::Command {
    datos.cli()
}

fn cuantos_avisos(datos: &Datos) -> i64 {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let bd = datos.conectar().await;
        let n: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM avisos")
            .fetch_one(&bd)
            .await
            .unwrap();
        n.0
    })
}

#[test]
fn avisos_cargar_acepta_csv_y_json_y_rechaza_todo_el_archivo_si_una_fila_falla() {
    let datos = Datos::nuevos_bloqueante();
    let csv = datos.path().join("avisos.csv");
    std::fs::write(
        &csv,
        "fecha,nrp,nss,nombre,rfc,curp,numero_credito,tipo,tipo_descuento,valor_descuento,folio\n\
         2025-01-15,Y5412345108,12345678901,\"PÉREZ LÓPEZ, JUAN\",,,1234567890,retencion,porcentaje,20,F-1\n\
         2025-02-15,Y5412345108,12345678901,\"PÉREZ LÓPEZ, JUAN\",,,1234567890,suspension,porcentaje,0,F-2\n",
    )
    .unwrap();
    let salida = intercomunicacion(&datos)
        .args(["avisos", "cargar", "--archivo"])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        salida.status.success(),
        "{}",
        String::from_utf8_lossy(&salida.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&salida.stdout).trim(), "2");

    let json_ = datos.path().join("avisos.json");
    std::fs::write(
        &json_,
        r#"[{"fecha": "2025-03-01", "nrp": "Y5412345108", "nss": "98765432109", "nombre": "ANA RUIZ",
             "numero_credito": "2234567890", "tipo": "modificacion", "tipo_descuento": "cuota_fija",
             "valor_descuento": "1500.50", "folio": "F-3"}]"#,
    )
    .unwrap();
    let salida = intercomunicacion(&datos)
        .args(["avisos", "cargar", "--archivo"])
        .arg(&json_)
        .output()
        .unwrap();
    assert!(
        salida.status.success(),
        "{}",
        String::from_utf8_lossy(&salida.stderr)
    );
    assert_eq!(cuantos_avisos(&datos), 3);

    // One bad row (line 3: an NSS of 10 digits): exit 2, the line named, nothing loaded.
    let malo = datos.path().join("malo.csv");
    std::fs::write(
        &malo,
        "fecha,nrp,nss,nombre,rfc,curp,numero_credito,tipo,tipo_descuento,valor_descuento,folio\n\
         2025-04-01,Y5412345108,12345678901,A,,,1234567890,retencion,porcentaje,20,F-10\n\
         2025-04-01,Y5412345108,1234567890,B,,,1234567890,retencion,porcentaje,20,F-11\n",
    )
    .unwrap();
    let salida = intercomunicacion(&datos)
        .args(["avisos", "cargar", "--archivo"])
        .arg(&malo)
        .output()
        .unwrap();
    assert_eq!(salida.status.code(), Some(2));
    let error = String::from_utf8_lossy(&salida.stderr);
    assert!(
        error.contains("línea 3") && error.contains("NSS"),
        "{error}"
    );
    assert_eq!(cuantos_avisos(&datos), 3);

    // A folio already loaded: exit 2, nothing of the file loaded.
    let repetido = datos.path().join("repetido.json");
    std::fs::write(
        &repetido,
        r#"[{"fecha": "2025-05-01", "nrp": "Y5412345108", "nss": "98765432109", "nombre": "ANA RUIZ",
             "numero_credito": "2234567890", "tipo": "suspension", "tipo_descuento": "cuota_fija",
             "valor_descuento": "0", "folio": "F-20"},
            {"fecha": "2025-05-01", "nrp": "Y5412345108", "nss": "98765432109", "nombre": "ANA RUIZ",
             "numero_credito": "2234567890", "tipo": "suspension", "tipo_descuento": "cuota_fija",
             "valor_descuento": "0", "folio": "F-3"}]"#,
    )
    .unwrap();
    let salida = intercomunicacion(&datos)
        .args(["avisos", "cargar", "--archivo"])
        .arg(&repetido)
        .output()
        .unwrap();
    assert_eq!(salida.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&salida.stderr).contains("F-3"));
    assert_eq!(cuantos_avisos(&datos), 3);

    // Not a file of avisos at all.
    let basura = datos.path().join("basura.json");
    std::fs::write(&basura, "[1, 2").unwrap();
    let salida = intercomunicacion(&datos)
        .args(["avisos", "cargar", "--archivo"])
        .arg(&basura)
        .output()
        .unwrap();
    assert_eq!(salida.status.code(), Some(2));
}

/// The bad bodies (each its own request, fired together) and their answers: status,
/// `Retry-After` and body.
async fn abrir_a_la_vez(app: &AppPrueba, cuerpos: Vec<Value>) -> Vec<(u16, Option<u64>, Value)> {
    let url = format!("{}/api/v1/sesiones", app.base);
    comun::a_la_vez(cuerpos.into_iter().map(|cuerpo| {
        // A client of its own per request: separate connections, as separate programs.
        let envio = cliente().post(&url).json(&cuerpo).send();
        async move { comun::resultado(envio.await.expect("POST")).await }
    }))
    .await
}

/// Checks one answer of a race and says which kind it was: a failure that counted (401
/// `credenciales_invalidas`) or a refusal of the limit (429 with the body its `Retry-After`
/// implies).
fn contada((estado, espera, cuerpo): &(u16, Option<u64>, Value)) -> bool {
    match estado {
        401 => {
            assert_eq!(espera, &None, "{cuerpo}");
            assert_eq!(
                cuerpo,
                &json!({
                    "codigo": "credenciales_invalidas",
                    "mensaje": "Las credenciales del patrón y del desarrollador no son válidas en conjunto. Revisa los identificadores y las contraseñas.",
                })
            );
            true
        }
        429 => {
            let espera = espera.expect("un 429 lleva Retry-After");
            assert!(
                espera > 0 && espera <= servidor::api::sesiones::VENTANA_SEG as u64,
                "Retry-After {espera}"
            );
            assert_eq!(
                cuerpo,
                &json!({
                    "codigo": "demasiados_intentos",
                    "mensaje": format!("Demasiados intentos fallidos. Intenta de nuevo en {espera} segundos."),
                })
            );
            false
        }
        otro => panic!("respuesta inesperada {otro}: {cuerpo}"),
    }
}

async fn contar_api(app: &AppPrueba, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.estado.bd)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fallos_simultaneos_de_un_par_no_rebasan_su_limite() {
    use servidor::api::sesiones::INTENTOS_POR_PAR;
    let (app, e) = preparado().await;
    let mut malo = e.cuerpo_nrp(NRP);
    malo["contrasena_desarrollador"] = json!("AAAAA-AAAAA-AAAAA-AAAAA-AAAAA");
    let n = 2 * INTENTOS_POR_PAR as usize;
    let respuestas = abrir_a_la_vez(&app, vec![malo; n]).await;
    let contadas = respuestas.iter().filter(|r| contada(r)).count();
    // Exactly the pair's limit was processed; the others waited without being checked.
    assert_eq!(
        (contadas, n - contadas),
        (INTENTOS_POR_PAR as usize, n - INTENTOS_POR_PAR as usize)
    );

    // The pair waits, even with the right passwords.
    let r = comun::resultado(abrir(&app, &e.cuerpo_nrp(NRP)).await).await;
    assert!(!contada(&r));

    let par = format!("api-par:{NRP}:{RFC_DESARROLLADOR}");
    assert_eq!(comun::intentos(&app, &par).await, INTENTOS_POR_PAR);
    assert_eq!(
        comun::intentos(&app, "api-ip:127.0.0.1").await,
        INTENTOS_POR_PAR
    );
    let detalle = |codigo: &str| {
        format!(
            "SELECT COUNT(*) FROM auditoria WHERE evento = 'api_sesion' AND detalle = '{codigo}; desarrollador {RFC_DESARROLLADOR}'"
        )
    };
    assert_eq!(
        contar_api(&app, &detalle("credenciales_invalidas")).await,
        INTENTOS_POR_PAR
    );
    assert_eq!(
        contar_api(&app, &detalle("demasiados_intentos")).await,
        n as i64 - INTENTOS_POR_PAR + 1
    );
    assert_eq!(
        contar_api(&app, "SELECT COUNT(*) FROM sesiones_api").await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fallos_simultaneos_desde_una_direccion_no_rebasan_su_limite() {
    use servidor::api::sesiones::{INTENTOS_POR_DIRECCION, INTENTOS_POR_PAR};
    let (app, e) = preparado().await;
    // Every failure names another (unknown) employer, so no pair reaches its own limit and
    // only the address's can refuse.
    let malo = |i: i64| {
        let mut c = e.cuerpo_nrp(NRP);
        c["patron"] = json!({"nrp": format!("Z{i:010}")});
        c
    };
    const _: () = assert!(INTENTOS_POR_PAR > 1);
    // All but the last eight places taken one after the other…
    let antes = INTENTOS_POR_DIRECCION - 8;
    for i in 0..antes {
        assert_eq!(respuesta(abrir(&app, &malo(i)).await).await.0, 401);
    }
    // …then sixteen at once: exactly eight more are processed.
    let respuestas = abrir_a_la_vez(&app, (antes..antes + 16).map(malo).collect()).await;
    let contadas = respuestas.iter().filter(|r| contada(r)).count();
    assert_eq!((contadas, respuestas.len() - contadas), (8, 8));

    // The address waits, even with the right passwords of a pair that never failed.
    let r = comun::resultado(abrir(&app, &e.cuerpo_nrp(NRP)).await).await;
    assert!(!contada(&r));

    assert_eq!(
        comun::intentos(&app, "api-ip:127.0.0.1").await,
        INTENTOS_POR_DIRECCION
    );
    assert_eq!(
        contar_api(
            &app,
            "SELECT COUNT(*) FROM intentos_fallidos WHERE clave LIKE 'api-par:%'"
        )
        .await,
        INTENTOS_POR_DIRECCION
    );
    assert_eq!(
        contar_api(&app, "SELECT COUNT(*) FROM sesiones_api").await,
        0
    );
}
