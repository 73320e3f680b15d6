//! Nobody who merely knows an NRP can lock its employer out (security review, finding 2; NIST
//! SP 800-63B §5.2.2): an attacker's address is throttled for that NRP, the NRP asks everyone
//! for a captcha, and only 100 consecutive failures, each with its captcha solved, lock it
//! outright — then the account's address receives a single-use code that lifts the lock.
//!
//! The clients' addresses come from `X-Forwarded-For`, the test's own connection being the
//! declared load balancer.

use crate::comun;

use comun::{smtp::ServidorSmtp, Navegador, CONTRASENA, CORREO, NRP};
use serde_json::{json, Value};
use servidor::{
    ingreso::{self, BLOQUEO_DEFINITIVO},
    recuperacion::{emitir_captcha, UsoCaptcha},
};
use std::time::Duration;

const DATOS_INCORRECTOS: &str =
    "Los datos de acceso no son correctos. Verifica tu NRP, tu correo electrónico y tu contraseña.";
const CAPTCHA_REQUERIDO: &str = "Por tu seguridad, para ingresar con este NRP escribe también el captcha que se muestra en la pantalla.";
const NRP_BLOQUEADO: &str = "Por tu seguridad, el ingreso con este NRP está bloqueado por muchos intentos fallidos seguidos. Si el NRP está registrado, enviamos a su correo electrónico un código de desbloqueo: escríbelo en «Código de desbloqueo» junto con tus datos.";
const ATACANTE: &str = "203.0.113.66";
const PATRON: &str = "198.51.100.20";

struct Escenario {
    app: comun::AppPrueba,
    smtp: ServidorSmtp,
}

/// Sign-in throttled after 3 failures, email to a loopback SMTP server, and the test's
/// connection declared as the load balancer.
async fn escenario() -> Escenario {
    let smtp = ServidorSmtp::iniciar().await;
    let app = comun::levantar_con(&[
        ("INTERCOM_PROXIES", "127.0.0.1"),
        ("INTERCOM_BLOQUEO_INTENTOS", "3"),
        ("INTERCOM_SMTP_URL", smtp.url().as_str()),
    ])
    .await;
    servidor::correo::trabajador::iniciar(app.estado.clone());
    Escenario { app, smtp }
}

async fn navegador(e: &Escenario) -> Navegador {
    let mut n = Navegador::new(&e.app);
    n.pagina("/ingresar").await;
    n
}

/// A sign-in from `desde` with `contrasena` and the `extra` fields (captcha, unlock code):
/// status, `Retry-After` and JSON body (`null` for a success's empty body).
async fn ingresar(
    n: &mut Navegador,
    desde: &str,
    contrasena: &str,
    extra: &[(&str, &str)],
) -> (u16, Option<u64>, Value) {
    let mut campos = vec![("nrp", NRP), ("correo", CORREO), ("contrasena", contrasena)];
    campos.extend_from_slice(extra);
    let r = n
        .peticion_form("/api/iniciar-sesion", &campos)
        .header("x-forwarded-for", desde)
        .send()
        .await
        .expect("POST");
    for valor in r.headers().get_all("set-cookie") {
        let texto = valor.to_str().unwrap_or_default();
        if let Some((nombre, valor)) = texto.split(';').next().and_then(|p| p.split_once('=')) {
            n.cookies.insert(nombre.to_owned(), valor.to_owned());
        }
    }
    comun::resultado(r).await
}

fn error(estado: u16, codigo: &str, mensaje: &str) -> Value {
    json!({"codigo": codigo, "mensaje": mensaje, "estado": estado})
}

/// The exact refusal of a throttled (NRP, address) pair: today's message and status.
fn par_bloqueado((estado, espera, cuerpo): &(u16, Option<u64>, Value)) {
    let espera = espera.expect("Retry-After");
    let minutos = espera.div_ceil(60);
    assert_eq!(*estado, 429);
    assert_eq!(
        cuerpo,
        &json!({
            "codigo": "cuenta_bloqueada",
            "mensaje": format!("Por tu seguridad, el ingreso con este NRP está bloqueado temporalmente por varios intentos fallidos. Intenta de nuevo en {minutos} minuto{}.", if minutos == 1 { "" } else { "s" }),
            "estado": 429,
            "reintentar_en": espera,
        })
    );
}

/// The captcha's accessible alternative, as the employer would ask for it on the page: the id
/// it answers and the code the account's address received.
async fn captcha_por_correo(e: &Escenario, n: &mut Navegador, desde: &str) -> (String, String) {
    let antes = e.smtp.recibidos().len();
    let r = n
        .peticion_form(
            "/api/ingreso/captcha",
            &[("nrp", NRP), ("por_correo", "true")],
        )
        .header("x-forwarded-for", desde)
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 200);
    let c: Value = r.json().await.unwrap();
    assert!(c["imagen"].is_null());
    assert_eq!(
        c["aviso"],
        "Si el NRP está registrado, enviamos un código de verificación a su correo electrónico. Escríbelo en el campo del captcha; vence en 5 minutos."
    );
    let correos = e.smtp.esperar(antes + 1, Duration::from_secs(10)).await;
    let correo = correos.last().unwrap();
    assert_eq!(correo.para, vec![CORREO.to_owned()]);
    let codigo = correo
        .texto()
        .lines()
        .find_map(|l| l.strip_prefix("Tu código de verificación es: "))
        .expect("código en el correo")
        .trim()
        .to_owned();
    (c["id"].as_str().unwrap().to_owned(), codigo)
}

/// A captcha bound to `n`'s browser for this NRP whose answer the test knows: issued the way
/// the server issues one (an image's text cannot be read back).
async fn captcha_conocido(e: &Escenario, n: &Navegador) -> (String, String) {
    let c = emitir_captcha(
        &e.app.estado.bd,
        &e.app.estado.llave_captcha,
        &ingreso::vinculo_navegador(&n.csrf),
        UsoCaptcha::Ingreso(NRP),
    )
    .await
    .unwrap();
    (c.id, c.respuesta.as_str().to_owned())
}

async fn contar(e: &Escenario, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&e.app.estado.bd)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn un_atacante_que_conoce_el_nrp_no_bloquea_al_patron_que_entra_con_captcha() {
    let e = escenario().await;
    let mut atacante = navegador(&e).await;
    // Past today's threshold (3) and well beyond: the first failures are the usual 401, then
    // the attacker's address is throttled for this NRP, and stays so.
    for _ in 0..3 {
        assert_eq!(
            ingresar(&mut atacante, ATACANTE, "equivocada", &[]).await,
            (
                401,
                None,
                error(401, "datos_incorrectos", DATOS_INCORRECTOS)
            )
        );
    }
    for _ in 0..5 {
        par_bloqueado(&ingresar(&mut atacante, ATACANTE, "equivocada", &[]).await);
    }

    // The employer, from another address and with the right password, is asked for a captcha
    // (the password is not even looked at without it), never locked out.
    let mut patron = navegador(&e).await;
    assert_eq!(
        ingresar(&mut patron, PATRON, CONTRASENA, &[]).await,
        (
            401,
            None,
            error(401, "captcha_requerido", CAPTCHA_REQUERIDO)
        )
    );
    // A wrong answer spends the captcha and does not count against the NRP.
    let (id, _) = captcha_por_correo(&e, &mut patron, PATRON).await;
    assert_eq!(
        ingresar(
            &mut patron,
            PATRON,
            CONTRASENA,
            &[("captcha_id", &id), ("captcha", "ZZZZZZ")]
        )
        .await,
        (
            422,
            None,
            error(
                422,
                "captcha_incorrecto",
                "El texto no coincide con el captcha. Escribe el de la nueva imagen."
            )
        )
    );
    let (id, codigo) = captcha_por_correo(&e, &mut patron, PATRON).await;
    let (estado, _, cuerpo) = ingresar(
        &mut patron,
        PATRON,
        CONTRASENA,
        &[("captcha_id", &id), ("captcha", &codigo)],
    )
    .await;
    assert_eq!(estado, 200, "{cuerpo}");
    assert!(patron.cookies.contains_key("__Host-sesion"));
    let (estado, _) = patron.pagina("/portal/escritorio").await;
    assert_eq!(estado, 200);

    // The attacker's address stays throttled, even with the right password and a captcha.
    par_bloqueado(&ingresar(&mut atacante, ATACANTE, CONTRASENA, &[]).await);
    let (id, respuesta) = captcha_conocido(&e, &atacante).await;
    par_bloqueado(
        &ingresar(
            &mut atacante,
            ATACANTE,
            CONTRASENA,
            &[("captcha_id", &id), ("captcha", &respuesta)],
        )
        .await,
    );
    // The employer's success ended the NRP's run of failures: a wrong password from a third
    // address is the usual 401 again, with no captcha asked.
    let mut otro = navegador(&e).await;
    assert_eq!(
        ingresar(&mut otro, "192.0.2.5", "equivocada", &[]).await,
        (
            401,
            None,
            error(401, "datos_incorrectos", DATOS_INCORRECTOS)
        )
    );
    assert_eq!(
        contar(
            &e,
            "SELECT COUNT(*) FROM auditoria WHERE evento = 'ingreso_exitoso'"
        )
        .await,
        1
    );
    assert_eq!(
        contar(&e, "SELECT COUNT(*) FROM auditoria WHERE evento = 'ingreso_rechazado' AND detalle = 'captcha_requerido'").await,
        1
    );
    assert_eq!(contar(&e, "SELECT COUNT(*) FROM sesiones").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn el_nrp_pide_captcha_a_todas_las_direcciones_y_no_procesa_mas_fallos_sin_el() {
    // Twelve wrong passwords at once, each from its own address: exactly the threshold's three
    // are processed; the nine others are asked for a captcha, their passwords never checked.
    let e = escenario().await;
    let mut navegadores = Vec::new();
    for i in 0..12 {
        navegadores.push((navegador(&e).await, format!("203.0.113.{}", i + 1)));
    }
    let respuestas = comun::a_la_vez(navegadores.into_iter().map(|(n, ip)| {
        let envio = n
            .peticion_form(
                "/api/iniciar-sesion",
                &[
                    ("nrp", NRP),
                    ("correo", CORREO),
                    ("contrasena", "equivocada"),
                ],
            )
            .header("x-forwarded-for", ip)
            .send();
        async move { comun::resultado(envio.await.expect("POST")).await }
    }))
    .await;
    let procesadas = respuestas
        .iter()
        .filter(|r| {
            **r == (
                401,
                None,
                error(401, "datos_incorrectos", DATOS_INCORRECTOS),
            )
        })
        .count();
    let con_captcha = respuestas
        .iter()
        .filter(|r| {
            **r == (
                401,
                None,
                error(401, "captcha_requerido", CAPTCHA_REQUERIDO),
            )
        })
        .count();
    assert_eq!((procesadas, con_captcha), (3, 9), "{respuestas:?}");
    assert_eq!(
        comun::intentos(&e.app, &servidor::limites::clave_nrp(NRP)).await,
        3
    );
    assert_eq!(
        contar(
            &e,
            "SELECT COUNT(*) FROM auditoria WHERE evento = 'ingreso_fallido'"
        )
        .await,
        3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cien_fallos_seguidos_con_captcha_bloquean_el_nrp_y_un_codigo_por_correo_lo_desbloquea() {
    let e = escenario().await;
    // The run of failures so far: one short of the lock, from many addresses.
    let clave = servidor::limites::clave_nrp(NRP);
    for _ in 1..BLOQUEO_DEFINITIVO {
        sqlx::query("INSERT INTO intentos_fallidos (clave, momento) VALUES ($1, $2)")
            .bind(&clave)
            .bind(servidor::ahora())
            .execute(&e.app.estado.bd)
            .await
            .unwrap();
    }
    // The hundredth, with its captcha solved: the usual 401, and the account's address
    // receives the code that lifts the lock.
    let mut atacante = navegador(&e).await;
    let (id, respuesta) = captcha_conocido(&e, &atacante).await;
    assert_eq!(
        ingresar(
            &mut atacante,
            ATACANTE,
            "equivocada",
            &[("captcha_id", &id), ("captcha", &respuesta)]
        )
        .await,
        (
            401,
            None,
            error(401, "datos_incorrectos", DATOS_INCORRECTOS)
        )
    );
    let correos = e.smtp.esperar(1, Duration::from_secs(10)).await;
    let aviso = &correos[0];
    assert_eq!(aviso.para, vec![CORREO.to_owned()]);
    assert_eq!(
        aviso.cabecera("subject").as_deref(),
        Some("Portal Empresarial - Ingreso bloqueado por intentos fallidos")
    );
    let codigo = aviso
        .texto()
        .lines()
        .find_map(|l| l.strip_prefix("Tu código de desbloqueo es: "))
        .expect("código en el correo")
        .trim()
        .to_owned();
    assert_eq!(codigo.len(), 11, "{codigo}");

    // Locked now, for everybody, whatever the password: one more failure sends nothing more.
    let (id, respuesta) = captcha_conocido(&e, &atacante).await;
    let (estado, espera, cuerpo) = ingresar(
        &mut atacante,
        "203.0.113.67",
        "equivocada",
        &[("captcha_id", &id), ("captcha", &respuesta)],
    )
    .await;
    let espera = espera.expect("Retry-After");
    assert!(espera > 0 && espera <= ingreso::VENTANA_NRP as u64);
    assert_eq!(
        (estado, cuerpo),
        (
            429,
            json!({"codigo": "nrp_bloqueado", "mensaje": NRP_BLOQUEADO, "estado": 429, "reintentar_en": espera})
        )
    );
    let mut patron = navegador(&e).await;
    let (id, respuesta) = captcha_conocido(&e, &patron).await;
    let (estado, _, cuerpo) = ingresar(
        &mut patron,
        PATRON,
        CONTRASENA,
        &[("captcha_id", &id), ("captcha", &respuesta)],
    )
    .await;
    assert_eq!(
        (estado, cuerpo["codigo"].as_str()),
        (429, Some("nrp_bloqueado"))
    );
    assert!(!patron.cookies.contains_key("__Host-sesion"));

    // The code expired (10 minutes): the next attempt with its captcha solved sends a fresh one,
    // and the old one is dead.
    sqlx::query("UPDATE desbloqueos SET expira = 0")
        .execute(&e.app.estado.bd)
        .await
        .unwrap();
    let (id, respuesta) = captcha_conocido(&e, &patron).await;
    let (estado, _, cuerpo) = ingresar(
        &mut patron,
        PATRON,
        CONTRASENA,
        &[("captcha_id", &id), ("captcha", &respuesta)],
    )
    .await;
    assert_eq!(
        (estado, cuerpo["codigo"].as_str()),
        (429, Some("nrp_bloqueado"))
    );
    let correos = e.smtp.esperar(2, Duration::from_secs(10)).await;
    let vencido = codigo;
    let codigo = correos[1]
        .texto()
        .lines()
        .find_map(|l| l.strip_prefix("Tu código de desbloqueo es: "))
        .expect("código nuevo en el correo")
        .trim()
        .to_owned();
    assert_ne!(codigo, vencido);
    let (estado, _, cuerpo) = ingresar(
        &mut patron,
        PATRON,
        CONTRASENA,
        &[("codigo_desbloqueo", &vencido)],
    )
    .await;
    assert_eq!(
        (estado, cuerpo["codigo"].as_str()),
        (422, Some("codigo_desbloqueo_incorrecto"))
    );

    // A wrong code lifts nothing; the emailed one lifts the lock and the employer is in.
    assert_eq!(
        ingresar(&mut patron, PATRON, CONTRASENA, &[("codigo_desbloqueo", "AAAAA-AAAAA")]).await,
        (
            422,
            None,
            error(
                422,
                "codigo_desbloqueo_incorrecto",
                "El código de desbloqueo no es correcto o ya venció. Escribe el del correo más reciente."
            )
        )
    );
    let (estado, _, cuerpo) = ingresar(
        &mut patron,
        PATRON,
        CONTRASENA,
        &[("codigo_desbloqueo", &codigo)],
    )
    .await;
    assert_eq!(estado, 200, "{cuerpo}");
    assert!(patron.cookies.contains_key("__Host-sesion"));
    // Single use.
    let mut otro = navegador(&e).await;
    let (estado, _, cuerpo) = ingresar(
        &mut otro,
        "192.0.2.9",
        CONTRASENA,
        &[("codigo_desbloqueo", &codigo)],
    )
    .await;
    assert_eq!(
        (estado, cuerpo["codigo"].as_str()),
        (422, Some("codigo_desbloqueo_incorrecto"))
    );
    assert_eq!(contar(&e, "SELECT COUNT(*) FROM desbloqueos").await, 0);
    assert_eq!(
        ingreso::VIGENCIA_DESBLOQUEO,
        600,
        "ASVS 6.5.5: diez minutos"
    );
    assert_eq!(
        contar(
            &e,
            "SELECT COUNT(*) FROM auditoria WHERE evento = 'desbloqueo_enviado'"
        )
        .await,
        2
    );
    assert_eq!(
        contar(
            &e,
            "SELECT COUNT(*) FROM auditoria WHERE evento = 'nrp_desbloqueado'"
        )
        .await,
        1
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        e.smtp.recibidos().len(),
        2,
        "un aviso al bloquear y otro sólo cuando el primero venció"
    );
    // Only the code's keyed hash was kept, and the email's sealed copy is gone once sent.
    let guardado: i64 = contar(
        &e,
        &format!(
            "SELECT COUNT(*) FROM correos WHERE cuerpo LIKE '%{codigo}%' OR secreto IS NOT NULL"
        ),
    )
    .await;
    assert_eq!(guardado, 0);
}

/// A captcha serves the use it was issued for (security review, finding 7): the sign-in of one
/// NRP from one browser.
#[tokio::test]
async fn un_captcha_de_ingreso_no_sirve_para_otro_nrp_ni_desde_otro_navegador() {
    let e = escenario().await;
    let mut n = navegador(&e).await;
    let desconocido = (
        409,
        None,
        error(409, "captcha_desconocido", "El captcha no corresponde a este trámite o a esta sesión. Escribe el de la nueva imagen."),
    );
    // Issued for another NRP.
    let otro_nrp = emitir_captcha(
        &e.app.estado.bd,
        &e.app.estado.llave_captcha,
        &ingreso::vinculo_navegador(&n.csrf),
        UsoCaptcha::Ingreso("B1234567890"),
    )
    .await
    .unwrap();
    assert_eq!(
        ingresar(
            &mut n,
            PATRON,
            CONTRASENA,
            &[
                ("captcha_id", &otro_nrp.id),
                ("captcha", &otro_nrp.respuesta)
            ]
        )
        .await,
        desconocido
    );
    // Issued to another browser.
    let ajeno = navegador(&e).await;
    let (id, respuesta) = captcha_conocido(&e, &ajeno).await;
    assert_eq!(
        ingresar(
            &mut n,
            PATRON,
            CONTRASENA,
            &[("captcha_id", &id), ("captcha", &respuesta)]
        )
        .await,
        desconocido
    );
    // Issued to recover a password in a session: not a sign-in's either.
    let recuperar = emitir_captcha(
        &e.app.estado.bd,
        &e.app.estado.llave_captcha,
        &ingreso::vinculo_navegador(&n.csrf),
        UsoCaptcha::Recuperacion(servidor::credenciales::Rol::Patron),
    )
    .await
    .unwrap();
    assert_eq!(
        ingresar(
            &mut n,
            PATRON,
            CONTRASENA,
            &[
                ("captcha_id", &recuperar.id),
                ("captcha", &recuperar.respuesta)
            ]
        )
        .await,
        desconocido
    );
    // None of them was spent, and the right one opens the session.
    assert_eq!(
        contar(&e, "SELECT COUNT(*) FROM captchas WHERE usado IS NOT NULL").await,
        0
    );
    let (id, respuesta) = captcha_conocido(&e, &n).await;
    let (estado, _, _) = ingresar(
        &mut n,
        PATRON,
        CONTRASENA,
        &[("captcha_id", &id), ("captcha", &respuesta)],
    )
    .await;
    assert_eq!(estado, 200);
}
