//! The "Generación de contraseña" server functions over HTTP, as the browser calls them, with
//! SAT's real test FIEL signed natively (the browser signs the same bytes with WebCrypto).

use crate::comun;

use base64::{engine::general_purpose::STANDARD, Engine};
use comun::{error_json, levantar_con, Navegador, CONTRASENA, CORREO, NRP};
use efirma::{Algoritmo, Credencial};
use sqlx::Row;

fn sat(ruta: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/sat")
        .join(ruta)
}

fn fiel() -> Credencial {
    let leer = |r: &str| std::fs::read(sat(r)).unwrap();
    Credencial::abrir(
        &leer("EKU9003173C9/fiel.cer"),
        &leer("EKU9003173C9/fiel.key"),
        b"12345678a",
    )
    .unwrap()
}

async fn app() -> comun::AppPrueba {
    levantar_con(&[("INTERCOM_ANCLAS", &sat("ca/pruebas").display().to_string())]).await
}

async fn reto(n: &mut Navegador, no_certificado: &str) -> reqwest::Response {
    n.post_form(
        "/api/generacion/reto",
        &[
            ("no_certificado", no_certificado),
            ("acepto_terminos", "true"),
        ],
    )
    .await
}

async fn validar(n: &mut Navegador, cer: &[u8], cadena: &str, firma: &[u8]) -> reqwest::Response {
    let (cer, firma) = (STANDARD.encode(cer), STANDARD.encode(firma));
    n.post_form(
        "/api/generacion/validar",
        &[("certificado", &cer), ("cadena", cadena), ("firma", &firma)],
    )
    .await
}

#[tokio::test]
async fn la_efirma_del_patron_se_valida_con_un_reto_firmado() {
    let app = app().await;
    let mut n = Navegador::new(&app);
    assert_eq!(n.ingresar(NRP, CORREO, CONTRASENA).await.status(), 200);
    n.pagina("/portal/mis-tramites/servicios-de-intercomunicacion")
        .await;

    let estado = n.post_form("/api/generacion/estado", &[]).await;
    assert_eq!(estado.status(), 200);
    assert_eq!(
        estado.text().await.unwrap(),
        "null",
        "sin credencial activa"
    );

    let fiel = fiel();
    let r = reto(&mut n, fiel.certificado().no_certificado()).await;
    assert_eq!(r.status(), 200);
    let cadena: String = r.json().await.unwrap();
    let firma = fiel
        .firmar(cadena.as_bytes(), Algoritmo::PssSha256)
        .unwrap();
    let r = validar(&mut n, fiel.certificado().der(), &cadena, &firma).await;
    assert_eq!(r.status(), 200);
    let solicitud: serde_json::Value = r.json().await.unwrap();
    let solicitante = &solicitud["solicitante"];
    assert!(solicitud["cadena_original"]
        .as_str()
        .unwrap()
        .starts_with("||1.0|GENERACION DE CONTRASENA|PATRON|Y5412345108|EKU9003173C9|ESCUELA KEMPER URGATE SA DE CV|30001000000500003415|patron-v1|"));
    assert_eq!(
        solicitante["razon_social"],
        "ESCUELA KEMPER URGATE SA DE CV"
    );
    assert_eq!(solicitante["rfc"], "EKU9003173C9");
    assert_eq!(solicitante["nrp"], NRP);
    assert_eq!(solicitante["no_certificado"], "30001000000500003415");

    // The same signed challenge again: refused.
    let (estado, cuerpo) =
        error_json(validar(&mut n, fiel.certificado().der(), &cadena, &firma).await).await;
    assert_eq!(
        (estado, cuerpo["codigo"].as_str().unwrap()),
        (409, "reto_usado")
    );
    assert_eq!(
        cuerpo["mensaje"],
        "Esta validación ya se usó. Vuelve a dar clic en Validar."
    );

    let eventos: Vec<(String, Option<String>)> = sqlx::query(
        "SELECT evento, detalle FROM auditoria WHERE evento LIKE 'efirma_%' ORDER BY id",
    )
    .fetch_all(&app.estado.bd)
    .await
    .unwrap()
    .iter()
    .map(|f| (f.get(0), f.get(1)))
    .collect();
    assert_eq!(
        eventos,
        [
            ("efirma_validada".into(), None),
            ("efirma_rechazada".into(), Some("reto_usado".into()))
        ]
    );
}

#[tokio::test]
async fn cada_efirma_inaceptable_recibe_su_mensaje() {
    let app = app().await;
    let mut n = Navegador::new(&app);
    n.ingresar(NRP, CORREO, CONTRASENA).await;
    n.pagina("/portal/escritorio").await;
    let fiel = fiel();
    let no = fiel.certificado().no_certificado().to_owned();

    for (archivo, codigo, estado) in [
        ("EKU9003173C9/csd.cer", "csd_no_es_efirma", 422),
        ("AAA010101AAA/fiel.cer", "certificado_vencido", 422),
        ("no-sat/autofirmado.cer", "certificado_no_sat", 422),
        ("EKU9003173C9/fiel.key", "no_es_certificado", 422),
    ] {
        let cadena: String = reto(&mut n, &no).await.json().await.unwrap();
        let firma = fiel
            .firmar(cadena.as_bytes(), Algoritmo::PssSha256)
            .unwrap();
        let cer = std::fs::read(sat(archivo)).unwrap();
        let (s, cuerpo) = error_json(validar(&mut n, &cer, &cadena, &firma).await).await;
        assert_eq!(
            (s, cuerpo["codigo"].as_str().unwrap()),
            (estado, codigo),
            "{archivo}"
        );
        assert!(!cuerpo["mensaje"].as_str().unwrap().is_empty());
    }

    // Malformed requests: a clear 4xx.
    let (s, cuerpo) = error_json(reto(&mut n, "12345").await).await;
    assert_eq!(
        (s, cuerpo["codigo"].as_str().unwrap()),
        (400, "solicitud_invalida")
    );
    let cadena: String = reto(&mut n, &no).await.json().await.unwrap();
    let r = n
        .post_form(
            "/api/generacion/validar",
            &[
                ("certificado", "%%no-es-base64%%"),
                ("cadena", &cadena),
                ("firma", "AA=="),
            ],
        )
        .await;
    let (s, cuerpo) = error_json(r).await;
    assert_eq!(
        (s, cuerpo["codigo"].as_str().unwrap()),
        (400, "solicitud_invalida")
    );
    let enorme = "A".repeat(100 * 1024);
    let r = n
        .post_form(
            "/api/generacion/validar",
            &[
                ("certificado", &enorme),
                ("cadena", &cadena),
                ("firma", "AA=="),
            ],
        )
        .await;
    assert_eq!(r.status(), 413);
}

#[tokio::test]
async fn la_efirma_de_otro_contribuyente_o_sin_sesion_no_sirve() {
    let app = app().await;
    servidor::cuentas::alta(
        &app.estado.bd,
        servidor::cuentas::NuevaCuenta {
            nrp: "B1234567890".into(),
            rfc: "AAA010101AAA".into(),
            razon_social: "ACCEM SERVICIOS EMPRESARIALES SC".into(),
            correo: "rh@accem.example".into(),
            contrasena: zeroize::Zeroizing::new("Accem-Portal-2026".into()),
        },
    )
    .await
    .unwrap();
    let fiel = fiel();
    let mut n = Navegador::new(&app);
    n.ingresar("B1234567890", "rh@accem.example", "Accem-Portal-2026")
        .await;
    n.pagina("/portal/escritorio").await;
    let cadena: String = reto(&mut n, fiel.certificado().no_certificado())
        .await
        .json()
        .await
        .unwrap();
    let firma = fiel
        .firmar(cadena.as_bytes(), Algoritmo::PssSha256)
        .unwrap();
    let (s, cuerpo) =
        error_json(validar(&mut n, fiel.certificado().der(), &cadena, &firma).await).await;
    assert_eq!(
        (s, cuerpo["codigo"].as_str().unwrap()),
        (422, "rfc_distinto")
    );
    assert!(cuerpo["mensaje"]
        .as_str()
        .unwrap()
        .starts_with("La e.firma pertenece al RFC EKU9003173C9"));

    // Signed out, the challenge cannot be used from a new session either.
    n.post_form("/api/cerrar-sesion", &[]).await;
    n.pagina("/ingresar").await;
    let (s, cuerpo) =
        error_json(validar(&mut n, fiel.certificado().der(), &cadena, &firma).await).await;
    assert_eq!(
        (s, cuerpo["codigo"].as_str().unwrap()),
        (401, "sesion_requerida")
    );
    n.ingresar(NRP, CORREO, CONTRASENA).await;
    n.pagina("/portal/escritorio").await;
    let (s, cuerpo) =
        error_json(validar(&mut n, fiel.certificado().der(), &cadena, &firma).await).await;
    assert_eq!(
        (s, cuerpo["codigo"].as_str().unwrap()),
        (409, "reto_desconocido")
    );
}

async fn firmar(n: &mut Navegador, cer: &[u8], cadena: &str, sello: &[u8]) -> reqwest::Response {
    let (cer, sello) = (STANDARD.encode(cer), STANDARD.encode(sello));
    n.post_form(
        "/api/generacion/firmar",
        &[("certificado", &cer), ("cadena", cadena), ("sello", &sello)],
    )
    .await
}

/// Signs in, validates the SAT test FIEL and returns the cadena original to sign.
async fn hasta_la_solicitud(n: &mut Navegador, fiel: &Credencial, reemplazar: bool) -> String {
    let r = validar_como(n, fiel, reemplazar, "patron").await;
    assert_eq!(r.status(), 200);
    let solicitud: serde_json::Value = r.json().await.unwrap();
    solicitud["cadena_original"].as_str().unwrap().to_owned()
}

/// The challenge signed and sent, for the given role.
async fn validar_como(
    n: &mut Navegador,
    fiel: &Credencial,
    reemplazar: bool,
    rol: &str,
) -> reqwest::Response {
    let cadena: String = reto(n, fiel.certificado().no_certificado())
        .await
        .json()
        .await
        .unwrap();
    let firma = fiel
        .firmar(cadena.as_bytes(), Algoritmo::PssSha256)
        .unwrap();
    let (cer, firma) = (
        STANDARD.encode(fiel.certificado().der()),
        STANDARD.encode(firma),
    );
    let r = n
        .post_form(
            "/api/generacion/validar",
            &[
                ("certificado", cer.as_str()),
                ("cadena", &cadena),
                ("firma", &firma),
                ("reemplazar", if reemplazar { "true" } else { "false" }),
                ("rol", rol),
            ],
        )
        .await;
    r
}

async fn contar(app: &comun::AppPrueba, tabla: &str) -> i64 {
    sqlx::query(&format!("SELECT count(*) FROM {tabla}"))
        .fetch_one(&app.estado.bd)
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn firmar_los_terminos_emite_credencial_acuse_y_correo_juntos() {
    let app = app().await;
    let mut n = Navegador::new(&app);
    n.ingresar(NRP, CORREO, CONTRASENA).await;
    n.pagina("/portal/escritorio").await;
    let fiel = fiel();

    // Without accepting the Terms there is no challenge.
    let r = n
        .post_form(
            "/api/generacion/reto",
            &[("no_certificado", fiel.certificado().no_certificado())],
        )
        .await;
    let (s, cuerpo) = error_json(r).await;
    assert_eq!(
        (s, cuerpo["codigo"].as_str().unwrap()),
        (422, "terminos_no_aceptados")
    );

    let cadena = hasta_la_solicitud(&mut n, &fiel, false).await;
    // A PSS signature is not a sello: refused. Every attempt spends the document, so the
    // employer validates again.
    let pss = fiel
        .firmar(cadena.as_bytes(), Algoritmo::PssSha256)
        .unwrap();
    let sello = fiel
        .firmar(cadena.as_bytes(), Algoritmo::Pkcs1v15Sha256)
        .unwrap();
    let (s, cuerpo) =
        error_json(firmar(&mut n, fiel.certificado().der(), &cadena, &pss).await).await;
    assert_eq!(
        (s, cuerpo["codigo"].as_str().unwrap()),
        (422, "firma_invalida")
    );
    let (s, cuerpo) =
        error_json(firmar(&mut n, fiel.certificado().der(), &cadena, &sello).await).await;
    assert_eq!((s, cuerpo["codigo"].as_str().unwrap()), (409, "reto_usado"));
    let cadena = hasta_la_solicitud(&mut n, &fiel, false).await;
    let sello_nuevo = fiel
        .firmar(cadena.as_bytes(), Algoritmo::Pkcs1v15Sha256)
        .unwrap();
    assert_ne!(sello, sello_nuevo);

    // Altered Terms, validly signed: refused with its own message, nothing issued.
    let alterada = cadena.replace("|patron-v1|", "|patron-v0|");
    assert_ne!(alterada, cadena);
    let sello_alterado = fiel
        .firmar(alterada.as_bytes(), Algoritmo::Pkcs1v15Sha256)
        .unwrap();
    let auditoria_antes = contar(&app, "auditoria").await;
    for tabla in ["credenciales", "acuses", "correos"] {
        assert_eq!(contar(&app, tabla).await, 0, "{tabla} antes del intento");
    }
    let (s, cuerpo) =
        error_json(firmar(&mut n, fiel.certificado().der(), &alterada, &sello_alterado).await)
            .await;
    assert_eq!(
        (s, cuerpo),
        (
            422,
            serde_json::json!({
                "codigo": "documento_alterado",
                "mensaje": "Lo firmado no coincide con los Términos y condiciones que se te mostraron; no se emitió ninguna contraseña. Vuelve a iniciar el trámite.",
                "estado": 422,
            })
        )
    );
    for tabla in ["credenciales", "acuses", "correos"] {
        assert_eq!(contar(&app, tabla).await, 0, "{tabla} después del intento");
    }
    // The one row the attempt writes is its own audit record.
    assert_eq!(contar(&app, "auditoria").await, auditoria_antes + 1);
    let ultima = sqlx::query("SELECT evento, detalle FROM auditoria ORDER BY id DESC LIMIT 1")
        .fetch_one(&app.estado.bd)
        .await
        .unwrap();
    assert_eq!(
        (
            ultima.get::<String, _>(0),
            ultima.get::<Option<String>, _>(1)
        ),
        ("firma_rechazada".into(), Some("documento_alterado".into()))
    );

    // As the message says, the trámite starts again: the genuine document, signed after the
    // forgery, is refused as already used; a new validation gives a new document that signs.
    let (s, cuerpo) =
        error_json(firmar(&mut n, fiel.certificado().der(), &cadena, &sello_nuevo).await).await;
    assert_eq!((s, cuerpo["codigo"].as_str().unwrap()), (409, "reto_usado"));
    let cadena = hasta_la_solicitud(&mut n, &fiel, false).await;
    let sello_nuevo = fiel
        .firmar(cadena.as_bytes(), Algoritmo::Pkcs1v15Sha256)
        .unwrap();
    let r = firmar(&mut n, fiel.certificado().der(), &cadena, &sello_nuevo).await;
    assert_eq!(r.status(), 200);
    let emision: serde_json::Value = r.json().await.unwrap();
    let folio = emision["folio"].as_str().unwrap().to_owned();
    assert_eq!(folio.len(), 10);
    assert_eq!(contar(&app, "credenciales").await, 1);
    assert_eq!(contar(&app, "acuses").await, 1);
    assert_eq!(contar(&app, "correos").await, 1);
    let eventos: Vec<String> = sqlx::query(
        "SELECT evento FROM auditoria WHERE evento IN ('terminos_firmados', 'credencial_emitida') ORDER BY id",
    )
    .fetch_all(&app.estado.bd)
    .await
    .unwrap()
    .iter()
    .map(|f| f.get(0))
    .collect();
    assert_eq!(eventos, ["terminos_firmados", "credencial_emitida"]);

    // The acuse keeps exactly what was signed.
    let acuse = servidor::acuse::por_folio(&app.estado.bd, &folio)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(acuse.datos.cadena_original, cadena);

    // With a credential active, generating again needs an explicit replacement.
    let no = fiel.certificado().no_certificado().to_owned();
    let reto_nuevo: String = reto(&mut n, &no).await.json().await.unwrap();
    let firma = fiel
        .firmar(reto_nuevo.as_bytes(), Algoritmo::PssSha256)
        .unwrap();
    let (s, cuerpo) =
        error_json(validar(&mut n, fiel.certificado().der(), &reto_nuevo, &firma).await).await;
    assert_eq!(
        (s, cuerpo["codigo"].as_str().unwrap()),
        (409, "contrasena_activa")
    );
    assert!(cuerpo["mensaje"].as_str().unwrap().contains(&folio));
}

#[tokio::test]
async fn dos_firmas_simultaneas_dejan_una_sola_credencial() {
    let app = app().await;
    let fiel = fiel();
    let mut a = Navegador::new(&app);
    a.ingresar(NRP, CORREO, CONTRASENA).await;
    a.pagina("/portal/escritorio").await;
    let mut b = Navegador::new(&app);
    b.ingresar(NRP, CORREO, CONTRASENA).await;
    b.pagina("/portal/escritorio").await;
    let cadena_a = hasta_la_solicitud(&mut a, &fiel, false).await;
    let cadena_b = hasta_la_solicitud(&mut b, &fiel, false).await;
    let sello = |c: &str| {
        fiel.firmar(c.as_bytes(), Algoritmo::Pkcs1v15Sha256)
            .unwrap()
    };
    let (sa, sb) = (sello(&cadena_a), sello(&cadena_b));
    let der = fiel.certificado().der().to_vec();
    let (ra, rb) = tokio::join!(
        firmar(&mut a, &der, &cadena_a, &sa),
        firmar(&mut b, &der, &cadena_b, &sb)
    );
    let mut estados = [ra.status().as_u16(), rb.status().as_u16()];
    estados.sort();
    assert_eq!(estados, [200, 409]);
    let perdedora = if ra.status() == 409 { ra } else { rb };
    let (_, cuerpo) = error_json(perdedora).await;
    assert_eq!(cuerpo["codigo"], "contrasena_activa");
    assert_eq!(contar(&app, "credenciales").await, 1);
    assert_eq!(contar(&app, "acuses").await, 1);
    assert_eq!(contar(&app, "correos").await, 1);
}

async fn otra_cuenta_con_el_mismo_rfc(app: &comun::AppPrueba) {
    servidor::cuentas::alta(
        &app.estado.bd,
        servidor::cuentas::NuevaCuenta {
            nrp: "C5412345109".into(),
            rfc: "EKU9003173C9".into(),
            razon_social: "ESCUELA KEMPER URGATE SA DE CV".into(),
            correo: "sistemas@kemper.example".into(),
            contrasena: zeroize::Zeroizing::new("Kemper-Sistemas-2026".into()),
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn el_desarrollador_obtiene_su_contrasena_con_sus_propios_terminos() {
    let app = app().await;
    otra_cuenta_con_el_mismo_rfc(&app).await;
    let fiel = fiel();
    let mut n = Navegador::new(&app);
    n.ingresar(NRP, CORREO, CONTRASENA).await;
    n.pagina("/portal/mis-tramites/servicios-de-intercomunicacion/certificacion")
        .await;
    let r = validar_como(&mut n, &fiel, false, "desarrollador").await;
    assert_eq!(r.status(), 200);
    let solicitud: serde_json::Value = r.json().await.unwrap();
    let cadena = solicitud["cadena_original"].as_str().unwrap().to_owned();
    let terminos = nucleo::terminos::sha256_hex(nucleo::terminos::TEXTO_DESARROLLADOR);
    assert!(cadena
        .starts_with("||1.0|GENERACION DE CONTRASENA|DESARROLLADOR|Y5412345108|EKU9003173C9|"));
    assert!(cadena.contains(&format!("|desarrollador-v1|{terminos}|")));
    let sello = fiel
        .firmar(cadena.as_bytes(), Algoritmo::Pkcs1v15Sha256)
        .unwrap();
    let r = firmar(&mut n, fiel.certificado().der(), &cadena, &sello).await;
    assert_eq!(r.status(), 200);
    let folio = r.json::<serde_json::Value>().await.unwrap()["folio"]
        .as_str()
        .unwrap()
        .to_owned();
    let fila = sqlx::query("SELECT rol FROM credenciales WHERE folio = $1")
        .bind(&folio)
        .fetch_one(&app.estado.bd)
        .await
        .unwrap();
    assert_eq!(fila.get::<String, _>(0), "desarrollador");
    let acuse = servidor::acuse::por_folio(&app.estado.bd, &folio)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(acuse.datos.rol, "desarrollador");
    assert_eq!(acuse.datos.terminos_version, "desarrollador-v1");
    // The employer's credential is another matter: still none.
    let estado = n.post_form("/api/generacion/estado", &[]).await;
    assert_eq!(estado.text().await.unwrap(), "null");
    let estado = n
        .post_form("/api/generacion/estado", &[("rol", "desarrollador")])
        .await;
    let activa: serde_json::Value = estado.json().await.unwrap();
    assert_eq!(activa["folio"], folio.as_str());

    // Payroll software knows a developer by its RFC: one account per RFC may hold it.
    let mut otra = Navegador::new(&app);
    otra.ingresar(
        "C5412345109",
        "sistemas@kemper.example",
        "Kemper-Sistemas-2026",
    )
    .await;
    otra.pagina("/portal/escritorio").await;
    let (s, cuerpo) =
        error_json(validar_como(&mut otra, &fiel, false, "desarrollador").await).await;
    assert_eq!(
        (s, cuerpo["codigo"].as_str().unwrap()),
        (409, "desarrollador_existente")
    );
    assert!(cuerpo["mensaje"].as_str().unwrap().contains("Y5412345108"));
}

async fn registrar(n: &mut Navegador, nombre: &str, version: &str) -> reqwest::Response {
    n.post_form(
        "/api/certificacion/registrar",
        &[
            ("nombre", nombre),
            ("version", version),
            ("contacto", "ti@kemper.example"),
        ],
    )
    .await
}

async fn solicitar(n: &mut Navegador, id: i64) -> reqwest::Response {
    n.post_form(
        "/api/certificacion/solicitar",
        &[("producto", &id.to_string())],
    )
    .await
}

#[tokio::test]
async fn los_productos_se_registran_se_solicitan_y_el_instituto_decide() {
    use servidor::certificacion::{decidir, Decision};
    let app = app().await;
    let mut n = Navegador::new(&app);
    n.ingresar(NRP, CORREO, CONTRASENA).await;
    n.pagina("/portal/mis-tramites/servicios-de-intercomunicacion/certificacion")
        .await;
    // Without a developer credential: a clear refusal.
    let (s, c) = error_json(registrar(&mut n, "Nómina Plus", "4.2").await).await;
    assert_eq!(
        (s, c["codigo"].as_str().unwrap()),
        (409, "sin_contrasena_de_desarrollador")
    );

    let mut tx = app.estado.bd.begin().await.unwrap();
    servidor::credenciales::emitir(
        &mut tx,
        &app.estado.pepper,
        1,
        servidor::credenciales::Rol::Desarrollador,
        "30001000000500003415",
        false,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let (s, c) = error_json(registrar(&mut n, "", "4.2").await).await;
    assert_eq!(
        (s, c["codigo"].as_str().unwrap()),
        (422, "producto_invalido")
    );
    let r = registrar(&mut n, "Nómina Plus", "4.2").await;
    assert_eq!(r.status(), 200);
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["estado"], "registrado");
    let id = p["id"].as_i64().unwrap();
    let (s, c) = error_json(registrar(&mut n, "Nómina Plus", "4.2").await).await;
    assert_eq!(
        (s, c["codigo"].as_str().unwrap()),
        (409, "producto_existente")
    );

    let r = solicitar(&mut n, id).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["estado"],
        "solicitado"
    );
    let (s, c) = error_json(solicitar(&mut n, id).await).await;
    assert_eq!(
        (s, c["codigo"].as_str().unwrap()),
        (409, "certificacion_en_curso")
    );
    let (s, c) = error_json(solicitar(&mut n, 999).await).await;
    assert_eq!(
        (s, c["codigo"].as_str().unwrap()),
        (404, "producto_desconocido")
    );

    // The Instituto: revoking needs an approval first; rejecting needs a motive.
    let bd = &app.estado.bd;
    assert!(decidir(bd, id, &Decision::Revocar("x".into()))
        .await
        .unwrap()
        .is_err());
    assert!(decidir(bd, id, &Decision::Rechazar(" ".into()))
        .await
        .unwrap()
        .is_err());
    let p = decidir(
        bd,
        id,
        &Decision::Rechazar("Falta el manual de seguridad".into()),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(p.estado, "rechazado");
    // Asked again after a rejection, approved, then revoked.
    assert_eq!(solicitar(&mut n, id).await.status(), 200);
    assert_eq!(
        decidir(bd, id, &Decision::Aprobar)
            .await
            .unwrap()
            .unwrap()
            .estado,
        "aprobado"
    );
    let p = decidir(
        bd,
        id,
        &Decision::Revocar("Vulnerabilidad sin corregir".into()),
    )
    .await
    .unwrap()
    .unwrap();
    let historial: Vec<(String, Option<String>)> = p
        .historial
        .iter()
        .map(|e| (e.estado.clone(), e.motivo.clone()))
        .collect();
    assert_eq!(
        historial,
        [
            ("registrado".into(), None),
            ("solicitado".into(), None),
            (
                "rechazado".into(),
                Some("Falta el manual de seguridad".into())
            ),
            ("solicitado".into(), None),
            ("aprobado".into(), None),
            (
                "revocado".into(),
                Some("Vulnerabilidad sin corregir".into())
            ),
        ]
    );
    // The developer sees it all.
    let r = n.post_form("/api/certificacion/productos", &[]).await;
    let lista: serde_json::Value = r.json().await.unwrap();
    assert_eq!(lista[0]["estado"], "revocado");
    assert_eq!(lista[0]["historial"].as_array().unwrap().len(), 6);
}

/// The cadena original carries the razón social as a bare positional field: a razón social
/// that reads like the nonce's field must not stop the employer from signing (the nonce is read
/// from its own position, never by looking for "NONCE " anywhere).
#[tokio::test]
async fn una_razon_social_que_dice_nonce_no_impide_firmar() {
    let app = app().await;
    let razon = "NONCE ABCDEF SA DE CV";
    servidor::cuentas::alta(
        &app.estado.bd,
        servidor::cuentas::NuevaCuenta {
            nrp: "B1234567890".into(),
            rfc: comun::tramite::RFC.into(),
            razon_social: razon.into(),
            correo: "rh@nonce.example".into(),
            contrasena: zeroize::Zeroizing::new(CONTRASENA.into()),
        },
    )
    .await
    .unwrap();
    let mut n = Navegador::new(&app);
    let r = n
        .ingresar("B1234567890", "rh@nonce.example", CONTRASENA)
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    n.pagina("/portal/escritorio").await;
    let fiel = fiel();
    let cadena = hasta_la_solicitud(&mut n, &fiel, false).await;
    assert!(
        cadena.contains(&format!("|{razon}|")),
        "la razón social va tal cual en la cadena original: {cadena}"
    );
    let folio = comun::tramite::firmar(&mut n, &fiel, &cadena)
        .await
        .expect("la credencial se emite");
    let emitida: String = sqlx::query_scalar(
        "SELECT c.folio FROM credenciales c JOIN cuentas a ON a.id = c.cuenta_id WHERE a.nrp = $1 AND c.estado = 'activa'",
    )
    .bind("B1234567890")
    .fetch_one(&app.estado.bd)
    .await
    .unwrap();
    assert_eq!(emitida, folio);
}
