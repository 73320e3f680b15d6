//! Cancelación and Recuperación de la contraseña (guide §3, §4) over HTTP against the real
//! server, with a real SMTP server on loopback receiving the emails.

mod comun;

use comun::{
    error_json,
    smtp::{Modo, ServidorSmtp},
    Navegador, CONTRASENA, CORREO, NRP,
};
use servidor::{
    correo,
    credenciales::{self, Rol},
};
use sqlx::Row;
use std::time::Duration;

struct Escenario {
    app: comun::AppPrueba,
    smtp: ServidorSmtp,
}

/// The server with its outbox worker delivering to a loopback SMTP server, and an employer
/// with an active credential (folio, password).
async fn escenario() -> (Escenario, String, String) {
    let smtp = ServidorSmtp::iniciar().await;
    let app = comun::levantar_con(&[("INTERCOM_SMTP_URL", smtp.url().as_str())]).await;
    correo::trabajador::iniciar(app.estado.clone());
    let mut tx = app.estado.bd.begin().await.unwrap();
    let (c, contrasena) = credenciales::emitir(
        &mut tx,
        &app.estado.pepper,
        1,
        Rol::Patron,
        "30001000000500003415",
        false,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let contrasena = contrasena.exponer().to_owned();
    (Escenario { app, smtp }, c.folio, contrasena)
}

async fn sesion(e: &Escenario) -> Navegador {
    let mut n = Navegador::new(&e.app);
    assert_eq!(n.ingresar(NRP, CORREO, CONTRASENA).await.status(), 200);
    n.pagina("/portal/mis-tramites/servicios-de-intercomunicacion")
        .await;
    n
}

async fn verifica(e: &Escenario, contrasena: &str) -> bool {
    credenciales::verificar(
        &e.app.estado.bd,
        &e.app.estado.pepper,
        1,
        Rol::Patron,
        contrasena,
    )
    .await
    .unwrap()
    .is_some()
}

async fn cancelar(n: &mut Navegador, folio: &str) -> reqwest::Response {
    n.post_form("/api/generacion/cancelar", &[("folio", folio)])
        .await
}

async fn captcha(n: &mut Navegador, por_correo: bool) -> reqwest::Response {
    n.post_form(
        "/api/recuperacion/captcha",
        &[("por_correo", if por_correo { "true" } else { "false" })],
    )
    .await
}

async fn recuperar(n: &mut Navegador, id: &str, respuesta: &str) -> reqwest::Response {
    n.post_form(
        "/api/recuperacion/recuperar",
        &[("id", id), ("respuesta", respuesta)],
    )
    .await
}

async fn contar(e: &Escenario, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(&e.app.estado.bd)
        .await
        .unwrap()
        .get(0)
}

/// The code of the accessible alternative, read from the email the SMTP server received.
async fn codigo_por_correo(e: &Escenario, n: &mut Navegador, recibidos_antes: usize) -> String {
    let r = captcha(n, true).await;
    assert_eq!(r.status(), 200);
    let c: serde_json::Value = r.json().await.unwrap();
    assert!(c["imagen"].is_null());
    assert!(c["aviso"]
        .as_str()
        .unwrap()
        .contains("n***@empresa.example"));
    let correos = e
        .smtp
        .esperar(recibidos_antes + 1, Duration::from_secs(10))
        .await;
    let texto = correos.last().unwrap().texto();
    let codigo = texto
        .lines()
        .find_map(|l| l.strip_prefix("Tu código de verificación es: "))
        .expect("código en el correo")
        .trim()
        .to_owned();
    let id = c["id"].as_str().unwrap().to_owned();
    format!("{id} {codigo}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelar_termina_la_credencial_y_avisa_una_sola_vez() {
    let (e, folio, contrasena) = escenario().await;
    let mut n = sesion(&e).await;
    assert!(verifica(&e, &contrasena).await);

    // Malformed, unknown, and without the CSRF defence: clean 4xx, nothing changes.
    let (s, c) = error_json(cancelar(&mut n, "12").await).await;
    assert_eq!(
        (s, c["codigo"].as_str().unwrap()),
        (400, "solicitud_invalida")
    );
    let (s, c) = error_json(cancelar(&mut n, "0000000000").await).await;
    assert_eq!(
        (s, c["codigo"].as_str().unwrap()),
        (409, "sin_contrasena_activa")
    );
    let forjada = n
        .post_form_con("/api/generacion/cancelar", &[("folio", &folio)], None, None)
        .await;
    assert_eq!(forjada.status(), 403);
    let ajena = n
        .post_form_con(
            "/api/generacion/cancelar",
            &[("folio", &folio)],
            Some(&n.csrf.clone()),
            Some("https://otro-sitio.example"),
        )
        .await;
    assert_eq!(ajena.status(), 403);
    assert!(verifica(&e, &contrasena).await);

    let r = cancelar(&mut n, &folio).await;
    assert_eq!(r.status(), 200);
    let cancelacion: serde_json::Value = r.json().await.unwrap();
    assert_eq!(cancelacion["folio"], folio.as_str());
    assert!(
        !verifica(&e, &contrasena).await,
        "deja de funcionar de inmediato"
    );

    // Again (a double click): the same answer, one effect.
    let r = cancelar(&mut n, &folio).await;
    assert_eq!(r.status(), 200);
    let otra: serde_json::Value = r.json().await.unwrap();
    assert_eq!(otra, cancelacion);
    let correos = e.smtp.esperar(1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(e.smtp.recibidos().len(), 1, "un solo correo");
    assert_eq!(
        correos[0].cabecera("subject").unwrap(),
        "Servicios de Intercomunicación - Contraseña cancelada"
    );
    let texto = correos[0].texto();
    assert!(texto.starts_with(&format!(
        "Datos de identificación del solicitante\nFOLIO: {folio}\nRFC: EKU9003173C9\nRazón Social: ESCUELA KEMPER URGATE SA DE CV\n"
    )));
    assert_eq!(
        contar(
            &e,
            "SELECT count(*) FROM auditoria WHERE evento = 'credencial_cancelada'"
        )
        .await,
        1
    );
    // Nothing left to recover.
    let (s, c) = error_json(captcha(&mut n, false).await).await;
    assert_eq!(
        (s, c["codigo"].as_str().unwrap()),
        (409, "sin_contrasena_activa")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dos_cancelaciones_a_la_vez_tienen_un_solo_efecto() {
    let (e, folio, _) = escenario().await;
    let mut a = sesion(&e).await;
    let mut b = sesion(&e).await;
    let (ra, rb) = tokio::join!(cancelar(&mut a, &folio), cancelar(&mut b, &folio));
    assert_eq!((ra.status().as_u16(), rb.status().as_u16()), (200, 200));
    assert_eq!(
        contar(
            &e,
            "SELECT count(*) FROM auditoria WHERE evento = 'credencial_cancelada'"
        )
        .await,
        1
    );
    assert_eq!(contar(&e, "SELECT count(*) FROM correos").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recuperar_con_captcha_envia_una_contrasena_nueva_y_la_anterior_deja_de_servir() {
    let (e, folio, anterior) = escenario().await;
    let mut n = sesion(&e).await;

    // The image: a PNG for this session only, single use, and a wrong answer spends it.
    let r = captcha(&mut n, false).await;
    assert_eq!(r.status(), 200);
    let c: serde_json::Value = r.json().await.unwrap();
    let imagen = c["imagen"].as_str().unwrap();
    let png = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        imagen.strip_prefix("data:image/png;base64,").unwrap(),
    )
    .unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let id = c["id"].as_str().unwrap().to_owned();
    let (s, err) = error_json(recuperar(&mut n, &id, "ZZZZZZ").await).await;
    assert_eq!(
        (s, err["codigo"].as_str().unwrap()),
        (422, "captcha_incorrecto")
    );
    let (s, err) = error_json(recuperar(&mut n, &id, "ZZZZZZ").await).await;
    assert_eq!((s, err["codigo"].as_str().unwrap()), (409, "captcha_usado"));
    let (s, err) = error_json(recuperar(&mut n, &id, "").await).await;
    assert_eq!((s, err["codigo"].as_str().unwrap()), (422, "captcha_vacio"));
    // Another session cannot use this session's captcha.
    let r = captcha(&mut n, false).await;
    let c: serde_json::Value = r.json().await.unwrap();
    let mut otra = sesion(&e).await;
    let (s, err) =
        error_json(recuperar(&mut otra, c["id"].as_str().unwrap(), "ZZZZZZ").await).await;
    assert_eq!(
        (s, err["codigo"].as_str().unwrap()),
        (409, "captcha_desconocido")
    );
    // Expired.
    let r = captcha(&mut n, false).await;
    let c: serde_json::Value = r.json().await.unwrap();
    sqlx::query("UPDATE captchas SET expira = 0 WHERE usado IS NULL")
        .execute(&e.app.estado.bd)
        .await
        .unwrap();
    let (s, err) = error_json(recuperar(&mut n, c["id"].as_str().unwrap(), "ZZZZZZ").await).await;
    assert_eq!(
        (s, err["codigo"].as_str().unwrap()),
        (422, "captcha_vencido")
    );
    assert!(verifica(&e, &anterior).await, "nada cambió");

    // The accessible alternative: the code by email; then the recovery.
    let id_y_codigo = codigo_por_correo(&e, &mut n, 0).await;
    let (id, codigo) = id_y_codigo.split_once(' ').unwrap();
    let r = recuperar(&mut n, id, &codigo.to_lowercase()).await;
    assert_eq!(r.status(), 200);
    let cuerpo = r.text().await.unwrap();
    let recuperacion: serde_json::Value = serde_json::from_str(&cuerpo).unwrap();
    let nuevo_folio = recuperacion["folio"].as_str().unwrap().to_owned();
    assert_ne!(nuevo_folio, folio);
    assert_eq!(
        recuperacion.as_object().unwrap().len(),
        1,
        "solo el folio: {cuerpo}"
    );

    let correos = e.smtp.esperar(2, Duration::from_secs(10)).await;
    let correo = &correos[1];
    assert_eq!(
        correo.cabecera("subject").unwrap(),
        "Servicios de Intercomunicación - Contraseña recuperada"
    );
    let texto = correo.texto();
    assert!(texto.starts_with(&format!(
        "Datos de identificación del solicitante\nFOLIO: {nuevo_folio}\nRFC: EKU9003173C9\n"
    )));
    let nueva = texto
        .lines()
        .find_map(|l| l.strip_prefix("La contraseña generada es: "))
        .unwrap()
        .trim()
        .to_owned();
    assert!(
        !cuerpo.contains(&nueva),
        "la página nunca muestra la contraseña"
    );
    assert!(verifica(&e, &nueva).await);
    assert!(!verifica(&e, &anterior).await);
    assert_eq!(
        contar(
            &e,
            "SELECT count(*) FROM credenciales WHERE estado = 'activa'"
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn los_limites_responden_429_con_retry_after() {
    let (e, _, _) = escenario().await;
    let mut n = sesion(&e).await;
    for _ in 0..servidor::recuperacion::FALLOS_POR_SESION {
        let c: serde_json::Value = captcha(&mut n, false).await.json().await.unwrap();
        let r = recuperar(&mut n, c["id"].as_str().unwrap(), "ZZZZZZ").await;
        assert_eq!(r.status(), 422);
    }
    let c: serde_json::Value = captcha(&mut n, false).await.json().await.unwrap();
    let r = recuperar(&mut n, c["id"].as_str().unwrap(), "ZZZZZZ").await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let (_, err) = error_json(r).await;
    assert_eq!(err["codigo"], "demasiados_intentos");

    // Recoveries per account per day: the day's count reached, even a right answer waits.
    let mut m = sesion(&e).await;
    for _ in 0..servidor::recuperacion::RECUPERACIONES_POR_DIA {
        e.app
            .estado
            .limites
            .registrar_en("recuperacion:1", 86_400)
            .await
            .unwrap();
    }
    let id_y_codigo = codigo_por_correo(&e, &mut m, 0).await;
    let (id, codigo) = id_y_codigo.split_once(' ').unwrap();
    let r = recuperar(&mut m, id, codigo).await;
    assert_eq!(r.status(), 429);
    let espera: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(espera > 3600, "hasta mañana: {espera}");
    // Codes by email per account per hour.
    for _ in 1..servidor::recuperacion::CODIGOS_POR_CUENTA {
        assert_eq!(captcha(&mut m, true).await.status(), 200);
    }
    let r = captcha(&mut m, true).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelar_y_recuperar_a_la_vez_deja_un_solo_resultado() {
    let (e, folio, anterior) = escenario().await;
    let mut a = sesion(&e).await;
    let mut b = sesion(&e).await;
    let id_y_codigo = codigo_por_correo(&e, &mut b, 0).await;
    let (id, codigo) = id_y_codigo.split_once(' ').unwrap();
    let (rc, rr) = tokio::join!(cancelar(&mut a, &folio), recuperar(&mut b, id, codigo));
    let (sc, sr) = (rc.status().as_u16(), rr.status().as_u16());
    let activas = contar(
        &e,
        "SELECT count(*) FROM credenciales WHERE estado = 'activa'",
    )
    .await;
    match (sc, sr) {
        // The cancel first: nothing left to recover.
        (200, 409) => assert_eq!(activas, 0),
        // The recovery first: the cancel names a folio that is no longer active.
        (409, 200) => assert_eq!(activas, 1),
        otro => panic!("resultado inesperado {otro:?}"),
    }
    assert!(!verifica(&e, &anterior).await);
    assert_eq!(
        contar(&e, "SELECT count(*) FROM auditoria WHERE evento IN ('credencial_cancelada', 'credencial_recuperada')").await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn con_el_smtp_caido_los_cambios_se_quedan_y_los_correos_llegan_despues_una_vez() {
    let (e, _, contrasena) = escenario().await;
    e.smtp.cambiar(Modo::Rechazar).await;
    let mut n = sesion(&e).await;
    let estado = &e.app.estado;

    // Recovery while SMTP refuses connections. (The captcha is issued through the library for
    // this session: its emailed alternative could not arrive with SMTP down.)
    let sesion_hash = servidor::secretos::huella(&n.cookies["__Host-sesion"]);
    let c = servidor::recuperacion::emitir_captcha(&estado.bd, &estado.llave_captcha, &sesion_hash)
        .await
        .unwrap();
    let r = recuperar(&mut n, &c.id, &c.respuesta).await;
    assert_eq!(r.status(), 200);
    let nuevo_folio = r.json::<serde_json::Value>().await.unwrap()["folio"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!verifica(&e, &contrasena).await);
    // Then cancel the new one, still with SMTP down.
    assert_eq!(cancelar(&mut n, &nuevo_folio).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(e.smtp.recibidos().is_empty());
    assert_eq!(
        contar(
            &e,
            "SELECT count(*) FROM correos WHERE estado = 'pendiente'"
        )
        .await,
        2
    );
    assert_eq!(
        contar(
            &e,
            "SELECT count(*) FROM credenciales WHERE estado = 'activa'"
        )
        .await,
        0
    );

    e.smtp.cambiar(Modo::Normal).await;
    let despues = servidor::ahora() + 3600;
    for _ in 0..2 {
        correo::entregar_pendientes(
            &estado.bd,
            &estado.cofre,
            estado.correo.transporte(),
            despues,
        )
        .await
        .unwrap();
    }
    let correos = e.smtp.esperar(2, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(e.smtp.recibidos().len(), 2, "exactamente una vez cada uno");
    let asuntos: Vec<String> = correos
        .iter()
        .map(|c| c.cabecera("subject").unwrap())
        .collect();
    assert!(asuntos.contains(&"Servicios de Intercomunicación - Contraseña recuperada".into()));
    assert!(asuntos.contains(&"Servicios de Intercomunicación - Contraseña cancelada".into()));
    assert!(correos
        .iter()
        .all(|c| c.texto().contains(&format!("FOLIO: {nuevo_folio}"))));
}
