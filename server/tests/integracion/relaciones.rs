//! Relaciones de confianza over HTTP: the employer (SAT's test FIEL, RFC EKU9003173C9) signs
//! the relation with its e.firma; the payroll API honours it until the employer revokes it.

use crate::comun;

use crate::intercambio;

use base64::{engine::general_purpose::STANDARD, Engine};
use comun::{error_json, levantar_con, Navegador, CONTRASENA, CORREO, NRP};
use efirma::{Algoritmo, Credencial};
use intercambio::RFC_DESARROLLADOR;
use servidor::credenciales::Rol;

fn fiel() -> Credencial {
    let leer = |r: &str| {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../shared/fixtures/sat")
                .join(r),
        )
        .unwrap()
    };
    Credencial::abrir(
        &leer("EKU9003173C9/fiel.cer"),
        &leer("EKU9003173C9/fiel.key"),
        b"12345678a",
    )
    .unwrap()
}

async fn preparar(n: &mut Navegador, producto: i64, fiel: &Credencial) -> String {
    let r = n
        .post_form(
            "/api/relaciones/preparar",
            &[
                ("producto", &producto.to_string()),
                ("no_certificado", fiel.certificado().no_certificado()),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn crear(
    n: &mut Navegador,
    fiel: &Credencial,
    cadena: &str,
    sello: &[u8],
) -> reqwest::Response {
    n.post_form(
        "/api/relaciones/crear",
        &[
            ("certificado", &STANDARD.encode(fiel.certificado().der())),
            ("cadena", cadena),
            ("sello", &STANDARD.encode(sello)),
        ],
    )
    .await
}

#[tokio::test]
async fn el_patron_firma_la_relacion_y_al_revocarla_la_api_deja_de_responder() {
    let sat = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/sat/ca/pruebas");
    let app = levantar_con(&[("INTERCOM_ANCLAS", &sat.display().to_string())]).await;
    let estado = &app.estado;
    let patron = intercambio::cuenta_por_nrp(estado, NRP).await;
    let desarrollador = intercambio::cuenta(estado, "D0000000001", RFC_DESARROLLADOR).await;
    let (_, contrasena_patron) = intercambio::credencial(estado, patron, Rol::Patron).await;
    let (_, contrasena_desarrollador) =
        intercambio::credencial(estado, desarrollador, Rol::Desarrollador).await;
    servidor::avisos::cargar(&estado.bd, &intercambio::avisos_de(NRP, 3))
        .await
        .unwrap();
    let fiel = fiel();
    let mut n = Navegador::new(&app);
    n.ingresar(NRP, CORREO, CONTRASENA).await;
    n.pagina("/portal/mis-tramites/servicios-de-intercomunicacion/relaciones-de-confianza")
        .await;

    // Finding the developer: malformed RFC, unknown RFC, no certified product yet.
    let buscar = |rfc: &'static str| ("rfc", rfc);
    let (s, c) = error_json(
        n.post_form("/api/relaciones/productos", &[buscar("12")])
            .await,
    )
    .await;
    assert_eq!((s, c["codigo"].as_str().unwrap()), (422, "rfc_invalido"));
    let (s, c) = error_json(
        n.post_form("/api/relaciones/productos", &[buscar("XAXX010101000")])
            .await,
    )
    .await;
    assert_eq!(
        (s, c["codigo"].as_str().unwrap()),
        (404, "desarrollador_desconocido")
    );
    let (s, c) = error_json(
        n.post_form("/api/relaciones/productos", &[buscar(RFC_DESARROLLADOR)])
            .await,
    )
    .await;
    assert_eq!(
        (s, c["codigo"].as_str().unwrap()),
        (409, "sin_productos_certificados")
    );
    let pendiente = intercambio::producto(estado, desarrollador, "solicitado").await;
    let producto = intercambio::producto(estado, desarrollador, "aprobado").await;
    let r = n
        .post_form("/api/relaciones/productos", &[buscar(RFC_DESARROLLADOR)])
        .await;
    let lista: serde_json::Value = r.json().await.unwrap();
    assert_eq!(lista.as_array().unwrap().len(), 1);
    assert_eq!(lista[0]["id"], producto);
    let (s, c) = error_json(
        n.post_form(
            "/api/relaciones/preparar",
            &[
                ("producto", &pendiente.to_string()),
                ("no_certificado", fiel.certificado().no_certificado()),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, c["codigo"].as_str().unwrap()),
        (409, "producto_no_certificado")
    );

    // Altered, or signed with PSS: refused, nothing recorded.
    let cadena = preparar(&mut n, producto, &fiel).await;
    assert!(cadena.starts_with("||INFONAVIT|SERVICIOS DE INTERCOMUNICACION|RELACION DE CONFIANZA|NRP Y5412345108|RFC EKU9003173C9|"));
    assert!(cadena.contains(&format!("|DESARROLLADOR {RFC_DESARROLLADOR}|")));
    let alterada = cadena.replace(
        &format!("PRODUCTO {producto} "),
        &format!("PRODUCTO {pendiente} "),
    );
    let sello = fiel
        .firmar(alterada.as_bytes(), Algoritmo::Pkcs1v15Sha256)
        .unwrap();
    let (s, c) = error_json(crear(&mut n, &fiel, &alterada, &sello).await).await;
    assert_eq!(
        (s, c["codigo"].as_str().unwrap()),
        (422, "documento_alterado")
    );
    // The forgery spent the challenge: the genuine document is refused as used.
    let sello = fiel
        .firmar(cadena.as_bytes(), Algoritmo::Pkcs1v15Sha256)
        .unwrap();
    let (s, c) = error_json(crear(&mut n, &fiel, &cadena, &sello).await).await;
    assert_eq!((s, c["codigo"].as_str().unwrap()), (409, "reto_usado"));
    let cadena = preparar(&mut n, producto, &fiel).await;
    let pss = fiel
        .firmar(cadena.as_bytes(), Algoritmo::PssSha256)
        .unwrap();
    let (s, c) = error_json(crear(&mut n, &fiel, &cadena, &pss).await).await;
    assert_eq!((s, c["codigo"].as_str().unwrap()), (422, "firma_invalida"));

    // Signed properly: the relation exists.
    let cadena = preparar(&mut n, producto, &fiel).await;
    let sello = fiel
        .firmar(cadena.as_bytes(), Algoritmo::Pkcs1v15Sha256)
        .unwrap();
    let r = crear(&mut n, &fiel, &cadena, &sello).await;
    assert_eq!(r.status(), 200);
    let relacion: serde_json::Value = r.json().await.unwrap();
    assert_eq!(relacion["estado"], "activa");
    assert_eq!(relacion["rfc"], RFC_DESARROLLADOR);
    let id = relacion["id"].as_i64().unwrap();
    // Only one active relation per developer.
    let cadena = preparar(&mut n, producto, &fiel).await;
    let sello = fiel
        .firmar(cadena.as_bytes(), Algoritmo::Pkcs1v15Sha256)
        .unwrap();
    let (s, c) = error_json(crear(&mut n, &fiel, &cadena, &sello).await).await;
    assert_eq!(
        (s, c["codigo"].as_str().unwrap()),
        (409, "relacion_existente")
    );

    // The developer sees who trusts it.
    let vistas = servidor::relaciones::de_cuenta(&estado.bd, desarrollador)
        .await
        .unwrap();
    assert_eq!(vistas.patrones.len(), 1);
    assert_eq!(vistas.patrones[0].nrp, NRP);
    assert!(vistas.desarrolladores.is_empty());

    // The payroll API works with both passwords…
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/api/v1/sesiones", app.base))
        .json(&serde_json::json!({
            "patron": {"nrp": NRP}, "contrasena_patron": contrasena_patron,
            "desarrollador": {"rfc": RFC_DESARROLLADOR}, "contrasena_desarrollador": contrasena_desarrollador,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let token = r.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let avisos = |token: String| {
        let (http, base) = (http.clone(), app.base.clone());
        async move {
            http.get(format!("{base}/api/v1/avisos"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(avisos(token.clone()).await.status(), 200);

    // …until the employer revokes the relation: the open token ends at once.
    let r = n
        .post_form("/api/relaciones/revocar", &[("relacion", &id.to_string())])
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["estado"],
        "revocada"
    );
    assert_eq!(avisos(token).await.status(), 401);
    let r = n
        .post_form("/api/relaciones/revocar", &[("relacion", &id.to_string())])
        .await;
    assert_eq!(r.status(), 200, "revocar otra vez responde igual");
    let (s, c) = error_json(
        n.post_form("/api/relaciones/revocar", &[("relacion", "999")])
            .await,
    )
    .await;
    assert_eq!(
        (s, c["codigo"].as_str().unwrap()),
        (404, "relacion_desconocida")
    );

    let eventos: Vec<String> = sqlx::query_scalar(
        "SELECT evento FROM auditoria WHERE evento LIKE 'relacion_%' ORDER BY id",
    )
    .fetch_all(&estado.bd)
    .await
    .unwrap();
    assert_eq!(
        eventos,
        [
            // Altered, the genuine one after it (spent), signed with PSS.
            "relacion_rechazada",
            "relacion_rechazada",
            "relacion_rechazada",
            "relacion_creada",
            "relacion_revocada"
        ]
    );
}
