//! One portal account cannot act on another's objects by naming their ids (OWASP ASVS 5.0
//! V8.2.2, V8.4.1): an intruder signed in with its own account tries to revoke an employer's
//! trust relation, ask for the certification of a developer's product, cancel an employer's
//! credential and list what they hold. Each is refused as if the object were not there, and
//! nothing changes.

use crate::comun;
use crate::intercambio;

use comun::{error_json, levantar, Navegador, NRP};
use serde_json::Value;
use servidor::{
    credenciales::Rol,
    cuentas::{self, NuevaCuenta},
};
use zeroize::Zeroizing;

const NRP_INTRUSO: &str = "B1234567890";
const CORREO_INTRUSO: &str = "intruso@otra.example";
const CONTRASENA_INTRUSO: &str = "Contraseña-del-intruso-1";

async fn escalar(app: &comun::AppPrueba, sql: &str, id: i64) -> String {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(&app.estado.bd)
        .await
        .unwrap()
}

#[tokio::test]
async fn una_cuenta_no_alcanza_los_objetos_de_otra_por_su_id() {
    let app = levantar().await;
    let e = intercambio::escenario(&app.estado, NRP).await;
    let registrado = intercambio::producto(&app.estado, e.desarrollador_id, "registrado").await;
    let folio = escalar(
        &app,
        "SELECT folio FROM credenciales WHERE id = $1",
        e.credencial_patron,
    )
    .await;
    cuentas::alta(
        &app.estado.bd,
        NuevaCuenta {
            nrp: NRP_INTRUSO.into(),
            rfc: "AAA010101AAA".into(),
            razon_social: "INTRUSO SA DE CV".into(),
            correo: CORREO_INTRUSO.into(),
            contrasena: Zeroizing::new(CONTRASENA_INTRUSO.into()),
        },
    )
    .await
    .unwrap();
    // The intruder holds both credentials of its own, so no refusal is for lacking them.
    let intruso_id = intercambio::cuenta_por_nrp(&app.estado, NRP_INTRUSO).await;
    for rol in [Rol::Patron, Rol::Desarrollador] {
        intercambio::credencial(&app.estado, intruso_id, rol).await;
    }
    let mut intruso = Navegador::new(&app);
    assert_eq!(
        intruso
            .ingresar(NRP_INTRUSO, CORREO_INTRUSO, CONTRASENA_INTRUSO)
            .await
            .status(),
        200
    );
    intruso.pagina("/portal/escritorio").await;

    let relacion = e.relacion_id.to_string();
    let producto = registrado.to_string();
    for (ruta, campos, estado, codigo) in [
        (
            "/api/relaciones/revocar",
            ("relacion", relacion.as_str()),
            404,
            "relacion_desconocida",
        ),
        (
            "/api/certificacion/solicitar",
            ("producto", producto.as_str()),
            404,
            "producto_desconocido",
        ),
        (
            "/api/generacion/cancelar",
            ("folio", folio.as_str()),
            409,
            "sin_contrasena_activa",
        ),
    ] {
        let (s, cuerpo) = error_json(intruso.post_form(ruta, &[campos]).await).await;
        assert_eq!(
            (s, cuerpo["codigo"].as_str()),
            (estado, Some(codigo)),
            "{ruta}"
        );
    }
    // Nothing of theirs shows in the intruder's lists.
    for (ruta, vacio) in [
        (
            "/api/relaciones/lista",
            serde_json::json!({"desarrolladores": [], "patrones": []}),
        ),
        ("/api/certificacion/productos", serde_json::json!([])),
    ] {
        let r = intruso.post_form(ruta, &[]).await;
        assert_eq!(r.status(), 200, "{ruta}");
        assert_eq!(r.json::<Value>().await.unwrap(), vacio, "{ruta}");
    }

    // Nothing changed: the relation, the product and the credential are as they were, and the
    // payroll API still opens the employer's session through that relation.
    for (sql, id, esperado) in [
        (
            "SELECT estado FROM relaciones WHERE id = $1",
            e.relacion_id,
            "activa",
        ),
        (
            "SELECT estado FROM productos WHERE id = $1",
            registrado,
            "registrado",
        ),
        (
            "SELECT estado FROM credenciales WHERE id = $1",
            e.credencial_patron,
            "activa",
        ),
    ] {
        assert_eq!(escalar(&app, sql, id).await, esperado, "{sql}");
    }
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/sesiones", app.base))
        .json(&e.cuerpo_nrp(NRP))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}
