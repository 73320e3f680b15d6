//! Cancelación and Recuperación de la contraseña (guide §3, §4) over HTTP against the real
//! server, with a real SMTP server on loopback receiving the emails.

use crate::comun;

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

// The limits' messages (private in `servidor::recuperacion`), word for word.
const MENSAJE_CAPTCHAS: &str =
    "Pediste demasiados captchas. Espera unos minutos e inténtalo de nuevo.";
const MENSAJE_FALLOS: &str =
    "Por tu seguridad, la recuperación está detenida unos minutos por varios captchas incorrectos.";
const MENSAJE_RECUPERACIONES: &str = "Ya recuperaste tu contraseña varias veces hoy. Por tu seguridad, inténtalo de nuevo mañana o cancela la contraseña y genera una nueva con tu e.firma.";
const MENSAJE_CODIGOS: &str =
    "Ya te enviamos varios códigos por correo. Revisa tu bandeja o espera una hora.";
const HORA: u64 = 3600;
const DIA: u64 = 24 * HORA;

/// A refusal of the recovery's limits: 429, `Retry-After` in whole seconds within the limit's
/// window, and exactly this body. Answers the seconds to wait.
async fn demasiados(r: reqwest::Response, mensaje: &str, ventana: u64) -> u64 {
    assert_eq!(r.status(), 429);
    let espera: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After en segundos enteros");
    assert!(
        espera > 0 && espera <= ventana,
        "Retry-After {espera} fuera de (0, {ventana}]"
    );
    let (_, cuerpo) = error_json(r).await;
    assert_eq!(
        cuerpo,
        serde_json::json!({
            "codigo": "demasiados_intentos",
            "mensaje": mensaje,
            "estado": 429,
            "reintentar_en": espera,
        })
    );
    espera
}

/// A fresh image captcha for `n`: its id.
async fn captcha_imagen(n: &mut Navegador) -> String {
    let r = captcha(n, false).await;
    assert_eq!(r.status(), 200);
    let c: serde_json::Value = r.json().await.unwrap();
    c["id"].as_str().unwrap().to_owned()
}

/// A wrong answer to a fresh captcha ("Z" is not in the captcha's alphabet): the answer and
/// the captcha's id.
async fn respuesta_incorrecta(n: &mut Navegador) -> (reqwest::Response, String) {
    let id = captcha_imagen(n).await;
    (recuperar(n, &id, "ZZZZZZ").await, id)
}

async fn sin_usar(e: &Escenario, id: &str) -> bool {
    let fila = sqlx::query("SELECT usado FROM captchas WHERE id_hash = $1")
        .bind(servidor::secretos::huella(id))
        .fetch_one(&e.app.estado.bd)
        .await
        .unwrap();
    fila.get::<Option<i64>, _>(0).is_none()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn los_fallos_de_una_sesion_responden_429_con_su_mensaje_y_retry_after() {
    use servidor::recuperacion::{FALLOS_POR_SESION, VENTANA_CAPTCHA};
    let (e, _, contrasena) = escenario().await;
    let mut n = sesion(&e).await;
    for _ in 0..FALLOS_POR_SESION {
        let (r, _) = respuesta_incorrecta(&mut n).await;
        let (s, err) = error_json(r).await;
        assert_eq!(
            (s, err["codigo"].as_str().unwrap()),
            (422, "captcha_incorrecto")
        );
    }
    // One more: refused before the captcha is looked at, so it is not spent.
    let (r, id) = respuesta_incorrecta(&mut n).await;
    demasiados(r, MENSAJE_FALLOS, VENTANA_CAPTCHA as u64).await;
    assert!(sin_usar(&e, &id).await);
    assert!(verifica(&e, &contrasena).await, "nada cambió");
    assert_eq!(
        contar(
            &e,
            "SELECT count(*) FROM credenciales WHERE estado = 'activa'"
        )
        .await,
        1
    );
    // Another session of the same account is not held by this session's count.
    let mut otra = sesion(&e).await;
    let (r, _) = respuesta_incorrecta(&mut otra).await;
    assert_eq!(r.status(), 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn los_fallos_de_la_cuenta_se_suman_entre_sesiones_y_responden_429() {
    use servidor::recuperacion::{FALLOS_POR_CUENTA, FALLOS_POR_SESION, VENTANA_CAPTCHA};
    let (e, _, contrasena) = escenario().await;
    // Each session stays one failure below its own limit, so only the account's count can
    // stop them: several sessions of the same account share the account's budget.
    let por_sesion = FALLOS_POR_SESION - 1;
    let mut sesiones = Vec::new();
    let mut restantes = FALLOS_POR_CUENTA;
    while restantes > 0 {
        let mut n = sesion(&e).await;
        for _ in 0..por_sesion.min(restantes) {
            let (r, _) = respuesta_incorrecta(&mut n).await;
            let (s, err) = error_json(r).await;
            assert_eq!(
                (s, err["codigo"].as_str().unwrap()),
                (422, "captcha_incorrecto")
            );
            restantes -= 1;
        }
        sesiones.push(n);
    }
    assert!(sesiones.len() >= 2);
    // The first session has made fewer than FALLOS_POR_SESION mistakes, yet it waits.
    let (r, id) = respuesta_incorrecta(&mut sesiones[0]).await;
    demasiados(r, MENSAJE_FALLOS, VENTANA_CAPTCHA as u64).await;
    assert!(sin_usar(&e, &id).await);
    // So does a brand-new session, even with the right answer (the emailed code).
    let mut nueva = sesion(&e).await;
    let id_y_codigo = codigo_por_correo(&e, &mut nueva, 0).await;
    let (id, codigo) = id_y_codigo.split_once(' ').unwrap();
    demasiados(
        recuperar(&mut nueva, id, codigo).await,
        MENSAJE_FALLOS,
        VENTANA_CAPTCHA as u64,
    )
    .await;
    assert!(sin_usar(&e, id).await);
    assert!(verifica(&e, &contrasena).await, "nada cambió");
    assert_eq!(
        contar(
            &e,
            "SELECT count(*) FROM auditoria WHERE evento = 'credencial_recuperada'"
        )
        .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pedir_demasiados_captchas_en_una_sesion_responde_429() {
    use servidor::recuperacion::{CAPTCHAS_POR_SESION, VENTANA_CAPTCHA};
    let (e, _, _) = escenario().await;
    let mut n = sesion(&e).await;
    for _ in 0..CAPTCHAS_POR_SESION {
        captcha_imagen(&mut n).await;
    }
    demasiados(
        captcha(&mut n, false).await,
        MENSAJE_CAPTCHAS,
        VENTANA_CAPTCHA as u64,
    )
    .await;
    // The emailed alternative counts as a captcha too: refused, and no email queued.
    demasiados(
        captcha(&mut n, true).await,
        MENSAJE_CAPTCHAS,
        VENTANA_CAPTCHA as u64,
    )
    .await;
    assert_eq!(
        contar(&e, "SELECT count(*) FROM captchas").await,
        CAPTCHAS_POR_SESION
    );
    assert_eq!(contar(&e, "SELECT count(*) FROM correos").await, 0);
    // The limit is this session's: another one still gets a captcha.
    let mut otra = sesion(&e).await;
    captcha_imagen(&mut otra).await;
}

/// Recoveries per day reached with real recoveries, each answering the captcha with the code
/// the SMTP server received; then the codes by email per account, spread over two sessions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn las_recuperaciones_del_dia_y_los_codigos_por_correo_responden_429() {
    use servidor::recuperacion::{CODIGOS_POR_CUENTA, RECUPERACIONES_POR_DIA};
    // Every recovery here needs one emailed code, so the day's recoveries are reachable for
    // real only while the hour's codes are at least as many.
    const _: () = assert!(RECUPERACIONES_POR_DIA <= CODIGOS_POR_CUENTA);
    let (e, _, _) = escenario().await;
    let mut a = sesion(&e).await;
    let mut b = sesion(&e).await;
    let mut recibidos = 0;
    let mut vigente = String::new();
    for i in 0..RECUPERACIONES_POR_DIA {
        let n = if i == 0 { &mut a } else { &mut b };
        let id_y_codigo = codigo_por_correo(&e, n, recibidos).await;
        recibidos += 1;
        let (id, codigo) = id_y_codigo.split_once(' ').unwrap();
        let r = recuperar(n, id, codigo).await;
        assert_eq!(r.status(), 200);
        let correos = e.smtp.esperar(recibidos + 1, Duration::from_secs(10)).await;
        recibidos += 1;
        assert_eq!(correos.len(), recibidos);
        vigente = correos[recibidos - 1]
            .texto()
            .lines()
            .find_map(|l| l.strip_prefix("La contraseña generada es: "))
            .expect("contraseña en el correo")
            .trim()
            .to_owned();
        assert!(verifica(&e, &vigente).await);
    }
    let folio_vigente: String =
        sqlx::query("SELECT folio FROM credenciales WHERE estado = 'activa'")
            .fetch_one(&e.app.estado.bd)
            .await
            .unwrap()
            .get(0);

    // The day's recoveries are spent: refused before the captcha is looked at, until about a
    // day after the first of them.
    let id = captcha_imagen(&mut a).await;
    let espera = demasiados(
        recuperar(&mut a, &id, "ZZZZZZ").await,
        MENSAJE_RECUPERACIONES,
        DIA,
    )
    .await;
    assert!(espera > DIA - 600, "hasta mañana: {espera}");
    assert!(sin_usar(&e, &id).await);

    // Codes by email: counted per account (session `a` asked for one, `b` for the others).
    let mut codigos = RECUPERACIONES_POR_DIA;
    while codigos < CODIGOS_POR_CUENTA {
        codigo_por_correo(&e, &mut a, recibidos).await;
        recibidos += 1;
        codigos += 1;
    }
    let espera = demasiados(captcha(&mut a, true).await, MENSAJE_CODIGOS, HORA).await;
    assert!(espera > HORA - 600, "una hora: {espera}");

    // Nothing else happened: no further email, the last recovered password still works.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(e.smtp.recibidos().len(), recibidos);
    assert_eq!(
        contar(&e, "SELECT count(*) FROM correos").await,
        recibidos as i64
    );
    assert!(verifica(&e, &vigente).await);
    let activas: Vec<String> =
        sqlx::query("SELECT folio FROM credenciales WHERE estado = 'activa'")
            .fetch_all(&e.app.estado.bd)
            .await
            .unwrap()
            .iter()
            .map(|f| f.get(0))
            .collect();
    assert_eq!(activas, [folio_vigente]);
    assert_eq!(
        contar(
            &e,
            "SELECT count(*) FROM auditoria WHERE evento = 'credencial_recuperada'"
        )
        .await,
        RECUPERACIONES_POR_DIA
    );
}

/// Every row of `tabla`, each column as text (NULL as ""), the columns read from the schema so
/// none is left out.
async fn filas_en_texto(e: &Escenario, tabla: &str) -> Vec<Vec<String>> {
    let bd = &e.app.estado.bd;
    let columnas_sql = if e.app.datos.es_postgres() {
        "SELECT CAST(column_name AS TEXT) FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
    } else {
        "SELECT name FROM pragma_table_info($1)"
    };
    let columnas: Vec<String> = sqlx::query(columnas_sql)
        .bind(tabla)
        .fetch_all(bd)
        .await
        .unwrap()
        .iter()
        .map(|f| f.get(0))
        .collect();
    assert!(!columnas.is_empty(), "columnas de {tabla}");
    let lista: Vec<String> = columnas
        .iter()
        .map(|c| format!("CAST({c} AS TEXT)"))
        .collect();
    sqlx::query(&format!("SELECT {} FROM {tabla}", lista.join(", ")))
        .fetch_all(bd)
        .await
        .unwrap()
        .iter()
        .map(|f| {
            (0..columnas.len())
                .map(|i| f.get::<Option<String>, _>(i).unwrap_or_default())
                .collect()
        })
        .collect()
}

/// Delivers what waits in the outbox as if its retry time had come, until the SMTP server has
/// received `n` emails: the outbox worker may hold a row for an attempt of its own meanwhile.
async fn entregar_hasta(e: &Escenario, n: usize) -> Vec<comun::smtp::Recibido> {
    let estado = &e.app.estado;
    let fin = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        correo::entregar_pendientes(
            &estado.bd,
            &estado.cofre,
            estado.correo.transporte(),
            servidor::ahora() + 3600,
        )
        .await
        .unwrap();
        let recibidos = e.smtp.esperar(n, Duration::from_millis(200)).await;
        if recibidos.len() >= n || tokio::time::Instant::now() >= fin {
            return recibidos;
        }
    }
}

fn sin_rastro(tabla: &str, filas: &[Vec<String>], secreto: &str, que: &str) {
    let secreto = secreto.to_lowercase();
    for fila in filas {
        for valor in fila {
            assert!(
                !valor.to_lowercase().contains(&secreto),
                "{que} en {tabla}: {fila:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn la_respuesta_y_el_id_del_captcha_solo_se_guardan_como_huella() {
    let (e, _, _) = escenario().await;
    let mut n = sesion(&e).await;
    // SMTP down first: the emailed code waits in the outbox, the state its secret rests in.
    e.smtp.cambiar(Modo::Rechazar).await;
    let r = captcha(&mut n, true).await;
    assert_eq!(r.status(), 200);
    let c: serde_json::Value = r.json().await.unwrap();
    let id = c["id"].as_str().unwrap().to_owned();
    let tablas = ["captchas", "correos", "auditoria"];
    let mut en_reposo = Vec::new();
    for tabla in tablas {
        en_reposo.push((tabla, filas_en_texto(&e, tabla).await));
    }
    // The captcha is found by the hash of its id; the email holds a placeholder and a sealed
    // secret.
    let (respuesta_hash,): (String,) =
        sqlx::query_as("SELECT respuesta_hash FROM captchas WHERE id_hash = $1")
            .bind(servidor::secretos::huella(&id))
            .fetch_one(&e.app.estado.bd)
            .await
            .unwrap();
    assert_eq!(respuesta_hash.len(), 64, "HMAC-SHA256 en hexadecimal");
    assert_eq!(contar(&e, "SELECT count(*) FROM captchas").await, 1);
    let (cuerpo, secreto, estado): (String, Option<String>, String) =
        sqlx::query_as("SELECT cuerpo, secreto, estado FROM correos")
            .fetch_one(&e.app.estado.bd)
            .await
            .unwrap();
    assert_eq!(estado, "pendiente");
    assert!(cuerpo.contains(correo::MARCADOR), "{cuerpo}");
    assert!(secreto.is_some_and(|s| !s.is_empty()));

    // SMTP back: the code arrives.
    e.smtp.cambiar(Modo::Normal).await;
    let correos = entregar_hasta(&e, 1).await;
    let codigo = correos[0]
        .texto()
        .lines()
        .find_map(|l| l.strip_prefix("Tu código de verificación es: "))
        .expect("código en el correo")
        .trim()
        .to_owned();
    assert_eq!(codigo.len(), servidor::recuperacion::CARACTERES);

    // Neither the code nor the id, in any case, in any column of any row: while the email
    // waited, and after it was sent (when the sealed secret is dropped too).
    // (The scan does read the columns: the id's hash is there.)
    let huella = servidor::secretos::huella(&id);
    assert!(en_reposo[0].1.iter().flatten().any(|v| *v == huella));
    for (tabla, filas) in &en_reposo {
        assert!(!filas.is_empty(), "{tabla} vacía");
        sin_rastro(tabla, filas, &codigo, "el código");
        sin_rastro(tabla, filas, &id, "el id");
    }
    // The SMTP server has the email; the worker marks the row sent right after.
    let mut enviado = (Some(String::new()), String::new());
    for _ in 0..100 {
        enviado = sqlx::query_as("SELECT secreto, estado FROM correos")
            .fetch_one(&e.app.estado.bd)
            .await
            .unwrap();
        if enviado.1 == "enviado" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!((enviado.0, enviado.1.as_str()), (None, "enviado"));
    for tabla in tablas {
        let filas = filas_en_texto(&e, tabla).await;
        sin_rastro(tabla, &filas, &codigo, "el código");
        sin_rastro(tabla, &filas, &id, "el id");
    }

    // And that code was the captcha's answer indeed.
    let r = recuperar(&mut n, &id, &codigo).await;
    assert_eq!(r.status(), 200);
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
    let c = servidor::recuperacion::emitir_captcha(
        &estado.bd,
        &estado.llave_captcha,
        &sesion_hash,
        servidor::recuperacion::UsoCaptcha::Recuperacion(Rol::Patron),
    )
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
    let correos = entregar_hasta(&e, 2).await;
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

// Races: a burst of simultaneous requests must not get more past a limit than the limit
// allows. Each burst is fired with `comun::a_la_vez`; every answer is either processed (and
// checked exactly) or refused with the limit's exact 429.

const RECUPERAR: &str = "/api/recuperacion/recuperar";
const CAPTCHA: &str = "/api/recuperacion/captcha";

/// The session's key in the limits (`sesion_hash` is the SHA-256 of the session's cookie).
fn sesion_hash(n: &Navegador) -> String {
    servidor::secretos::huella(&n.cookies["__Host-sesion"])
}

/// A captcha of `n`'s session whose answer the test knows: issued the way the server issues
/// one (the image's text cannot be read back). Not counted as one the session asked for.
async fn captcha_conocido(e: &Escenario, n: &Navegador) -> (String, String) {
    let c = servidor::recuperacion::emitir_captcha(
        &e.app.estado.bd,
        &e.app.estado.llave_captcha,
        &sesion_hash(n),
        servidor::recuperacion::UsoCaptcha::Recuperacion(Rol::Patron),
    )
    .await
    .unwrap();
    (c.id, c.respuesta.as_str().to_owned())
}

/// The wrong answer's exact refusal.
async fn es_incorrecta(r: reqwest::Response) {
    assert_eq!(
        error_json(r).await,
        (
            422,
            serde_json::json!({
                "codigo": "captcha_incorrecto",
                "mensaje": "El texto no coincide con el captcha. Escribe el de la nueva imagen.",
                "estado": 422,
            })
        )
    );
}

/// Sorts a burst's answers: those the limit refused (checked against its exact 429) and the
/// others, handed to `procesada` one by one. Answers (processed, refused).
async fn separar<F, Fut>(
    respuestas: Vec<reqwest::Response>,
    mensaje: &str,
    ventana: u64,
    mut procesada: F,
) -> (usize, usize)
where
    F: FnMut(reqwest::Response) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (mut procesadas, mut rechazadas) = (0, 0);
    for r in respuestas {
        if r.status() == 429 {
            demasiados(r, mensaje, ventana).await;
            rechazadas += 1;
        } else {
            procesada(r).await;
            procesadas += 1;
        }
    }
    (procesadas, rechazadas)
}

async fn sin_usar_de(e: &Escenario, ids: &[String]) -> usize {
    let mut n = 0;
    for id in ids {
        if sin_usar(e, id).await {
            n += 1;
        }
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn respuestas_incorrectas_simultaneas_no_rebasan_el_limite_de_la_sesion() {
    use servidor::recuperacion::{FALLOS_POR_SESION, VENTANA_CAPTCHA};
    let (e, _, contrasena) = escenario().await;
    let mut n = sesion(&e).await;
    // One failure short of the session's limit…
    for _ in 0..FALLOS_POR_SESION - 1 {
        es_incorrecta(respuesta_incorrecta(&mut n).await.0).await;
    }
    // …then eight wrong answers at once, each to a captcha of its own.
    let mut ids = Vec::new();
    for _ in 0..8 {
        ids.push(captcha_imagen(&mut n).await);
    }
    let respuestas = comun::a_la_vez(
        ids.iter()
            .map(|id| n.post_form_suelto(RECUPERAR, &[("id", id), ("respuesta", "ZZZZZZ")])),
    )
    .await;
    let (procesadas, rechazadas) = separar(
        respuestas,
        MENSAJE_FALLOS,
        VENTANA_CAPTCHA as u64,
        es_incorrecta,
    )
    .await;
    assert_eq!((procesadas, rechazadas), (1, 7));
    // The seven refused before their captcha was looked at: still unused.
    assert_eq!(sin_usar_de(&e, &ids).await, 7);
    assert!(verifica(&e, &contrasena).await, "nada cambió");
    let clave = format!("captcha-fallo-sesion:{}", sesion_hash(&n));
    assert_eq!(comun::intentos(&e.app, &clave).await, FALLOS_POR_SESION);
    assert_eq!(
        comun::intentos(&e.app, "captcha-fallo-cuenta:1").await,
        FALLOS_POR_SESION
    );
    assert_eq!(
        contar(
            &e,
            "SELECT count(*) FROM auditoria WHERE evento = 'captcha_rechazado'"
        )
        .await,
        FALLOS_POR_SESION
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn respuestas_incorrectas_simultaneas_de_varias_sesiones_no_rebasan_el_limite_de_la_cuenta() {
    use servidor::recuperacion::{
        FALLOS_POR_CUENTA, FALLOS_POR_SESION, RECUPERACIONES_POR_DIA, VENTANA_CAPTCHA,
    };
    let (e, _, contrasena) = escenario().await;
    // One failure short of the account's limit, spread over sessions that each stay below
    // their own.
    let mut restantes = FALLOS_POR_CUENTA - 1;
    while restantes > 0 {
        let mut n = sesion(&e).await;
        for _ in 0..(FALLOS_POR_SESION - 1).min(restantes) {
            es_incorrecta(respuesta_incorrecta(&mut n).await.0).await;
            restantes -= 1;
        }
    }
    // Then one wrong answer from each of several fresh sessions at once. As many as the day's
    // recoveries: an attempt in flight may hold a place under that limit too, and no other
    // limit than the account's must be able to refuse them.
    let simultaneas = RECUPERACIONES_POR_DIA as usize;
    let mut sesiones = Vec::new();
    for _ in 0..simultaneas {
        let mut n = sesion(&e).await;
        let id = captcha_imagen(&mut n).await;
        sesiones.push((n, id));
    }
    let respuestas = comun::a_la_vez(
        sesiones
            .iter()
            .map(|(n, id)| n.post_form_suelto(RECUPERAR, &[("id", id), ("respuesta", "ZZZZZZ")])),
    )
    .await;
    let (procesadas, rechazadas) = separar(
        respuestas,
        MENSAJE_FALLOS,
        VENTANA_CAPTCHA as u64,
        es_incorrecta,
    )
    .await;
    assert_eq!((procesadas, rechazadas), (1, simultaneas - 1));
    let ids: Vec<String> = sesiones.iter().map(|(_, id)| id.clone()).collect();
    assert_eq!(sin_usar_de(&e, &ids).await, simultaneas - 1);
    assert!(verifica(&e, &contrasena).await, "nada cambió");
    assert_eq!(
        comun::intentos(&e.app, "captcha-fallo-cuenta:1").await,
        FALLOS_POR_CUENTA
    );
    assert_eq!(
        contar(
            &e,
            "SELECT count(*) FROM auditoria WHERE evento = 'captcha_rechazado'"
        )
        .await,
        FALLOS_POR_CUENTA
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn captchas_pedidos_a_la_vez_no_rebasan_el_limite_de_la_sesion() {
    use servidor::recuperacion::{CAPTCHAS_POR_SESION, VENTANA_CAPTCHA};
    let (e, _, _) = escenario().await;
    let mut n = sesion(&e).await;
    // All but the last eight captchas one after the other, then sixteen at once.
    for _ in 0..CAPTCHAS_POR_SESION - 8 {
        captcha_imagen(&mut n).await;
    }
    let respuestas =
        comun::a_la_vez((0..16).map(|_| n.post_form_suelto(CAPTCHA, &[("por_correo", "false")])))
            .await;
    let (emitidos, rechazados) = separar(
        respuestas,
        MENSAJE_CAPTCHAS,
        VENTANA_CAPTCHA as u64,
        |r| async move {
            assert_eq!(r.status(), 200);
            let c: serde_json::Value = r.json().await.unwrap();
            assert!(c["id"].is_string() && c["imagen"].is_string(), "{c}");
        },
    )
    .await;
    assert_eq!((emitidos, rechazados), (8, 8));
    assert_eq!(
        contar(&e, "SELECT count(*) FROM captchas").await,
        CAPTCHAS_POR_SESION
    );
    let clave = format!("captcha-sesion:{}", sesion_hash(&n));
    assert_eq!(comun::intentos(&e.app, &clave).await, CAPTCHAS_POR_SESION);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codigos_por_correo_pedidos_a_la_vez_no_rebasan_el_limite_de_la_cuenta() {
    use servidor::recuperacion::CODIGOS_POR_CUENTA;
    let (e, _, _) = escenario().await;
    // Two sessions of the same account ask for four codes each, all at once.
    let a = sesion(&e).await;
    let b = sesion(&e).await;
    let respuestas = comun::a_la_vez(
        [&a, &b]
            .into_iter()
            .flat_map(|n| std::iter::repeat_n(n, 4))
            .map(|n| n.post_form_suelto(CAPTCHA, &[("por_correo", "true")])),
    )
    .await;
    let (enviados, rechazados) = separar(respuestas, MENSAJE_CODIGOS, HORA, |r| async move {
        assert_eq!(r.status(), 200);
        let c: serde_json::Value = r.json().await.unwrap();
        assert!(c["id"].is_string() && c["imagen"].is_null(), "{c}");
    })
    .await;
    let codigos = CODIGOS_POR_CUENTA as usize;
    assert_eq!((enviados, rechazados), (codigos, 8 - codigos));
    // Exactly that many emails, and no other on its way.
    e.smtp.esperar(codigos, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(e.smtp.recibidos().len(), codigos);
    assert_eq!(
        contar(&e, "SELECT count(*) FROM correos").await,
        CODIGOS_POR_CUENTA
    );
    assert_eq!(
        contar(
            &e,
            "SELECT count(*) FROM auditoria WHERE evento = 'codigo_recuperacion_enviado'"
        )
        .await,
        CODIGOS_POR_CUENTA
    );
    assert_eq!(
        contar(&e, "SELECT count(*) FROM captchas").await,
        CODIGOS_POR_CUENTA
    );
    assert_eq!(
        comun::intentos(&e.app, "captcha-correo:1").await,
        CODIGOS_POR_CUENTA
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recuperaciones_simultaneas_no_rebasan_las_del_dia() {
    use servidor::recuperacion::{FALLOS_POR_SESION, RECUPERACIONES_POR_DIA};
    let (e, _, _) = escenario().await;
    let mut n = sesion(&e).await;
    // All the day's recoveries but one, one after the other.
    for _ in 0..RECUPERACIONES_POR_DIA - 1 {
        let (id, respuesta) = captcha_conocido(&e, &n).await;
        assert_eq!(recuperar(&mut n, &id, &respuesta).await.status(), 200);
    }
    // Then four right answers at once (fewer than the session's failures: an attempt in
    // flight may hold a place under those limits until its answer proves right).
    const SIMULTANEAS: usize = 4;
    const _: () = assert!((SIMULTANEAS as i64) < FALLOS_POR_SESION);
    let mut captchas = Vec::new();
    for _ in 0..SIMULTANEAS {
        captchas.push(captcha_conocido(&e, &n).await);
    }
    let respuestas = comun::a_la_vez(captchas.iter().map(|(id, respuesta)| {
        n.post_form_suelto(RECUPERAR, &[("id", id), ("respuesta", respuesta)])
    }))
    .await;
    // Each attempt past the limit shows: as a second recovery, or as a 409 if it lost the race
    // on the credential to the one that counted.
    let procesadas = std::sync::Mutex::new(Vec::new());
    let (hechas, rechazadas) = separar(respuestas, MENSAJE_RECUPERACIONES, DIA, |r| {
        let procesadas = &procesadas;
        async move {
            let estado = r.status().as_u16();
            let v: serde_json::Value = r.json().await.unwrap();
            procesadas
                .lock()
                .unwrap()
                .push((estado, v["folio"].is_string()));
        }
    })
    .await;
    assert_eq!((hechas, rechazadas), (1, SIMULTANEAS - 1));
    assert_eq!(procesadas.into_inner().unwrap(), [(200, true)]);
    let ids: Vec<String> = captchas.into_iter().map(|(id, _)| id).collect();
    assert_eq!(sin_usar_de(&e, &ids).await, SIMULTANEAS - 1);
    assert_eq!(
        contar(
            &e,
            "SELECT count(*) FROM auditoria WHERE evento = 'credencial_recuperada'"
        )
        .await,
        RECUPERACIONES_POR_DIA
    );
    assert_eq!(
        contar(
            &e,
            "SELECT count(*) FROM credenciales WHERE estado = 'reemplazada'"
        )
        .await,
        RECUPERACIONES_POR_DIA
    );
    assert_eq!(
        contar(
            &e,
            "SELECT count(*) FROM credenciales WHERE estado = 'activa'"
        )
        .await,
        1
    );
    assert_eq!(
        comun::intentos(&e.app, "recuperacion:1").await,
        RECUPERACIONES_POR_DIA
    );
    // Right answers are no failures: nothing is left counted against the session or account.
    assert_eq!(
        contar(
            &e,
            "SELECT count(*) FROM intentos_fallidos WHERE clave LIKE 'captcha-fallo-%'"
        )
        .await,
        0
    );
}

/// A captcha serves the use it was issued for (security review, finding 7): one solved to
/// recover the employer's password recovers neither the developer's nor signs anybody in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn un_captcha_de_recuperacion_sirve_solo_para_su_rol() {
    let (e, _, _) = escenario().await;
    let mut n = sesion(&e).await;
    let (id, respuesta) = captcha_conocido(&e, &n).await;
    let r = n
        .post_form(
            RECUPERAR,
            &[
                ("id", &id),
                ("respuesta", &respuesta),
                ("rol", "desarrollador"),
            ],
        )
        .await;
    assert_eq!(
        error_json(r).await,
        (
            409,
            serde_json::json!({
                "codigo": "captcha_desconocido",
                "mensaje": "El captcha no corresponde a este trámite o a esta sesión. Escribe el de la nueva imagen.",
                "estado": 409,
            })
        )
    );
    assert!(sin_usar(&e, &id).await, "no se gastó");
    // Nor does it sign in, even from the browser and for the NRP it was issued in.
    let mut ingreso = Navegador::new(&e.app);
    ingreso.pagina("/ingresar").await;
    let r = ingreso
        .post_form(
            "/api/iniciar-sesion",
            &[
                ("nrp", NRP),
                ("correo", CORREO),
                ("contrasena", CONTRASENA),
                ("captcha_id", &id),
                ("captcha", &respuesta),
            ],
        )
        .await;
    assert_eq!(error_json(r).await.1["codigo"], "captcha_desconocido");
    // For its own use it serves.
    assert_eq!(recuperar(&mut n, &id, &respuesta).await.status(), 200);
}
