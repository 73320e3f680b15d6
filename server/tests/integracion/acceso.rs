//! Guide §1 "Acceso al servicio" against the real server: sign-in, the signed-in area, sign-out,
//! and every way a sign-in can go wrong.

use crate::comun;

use comun::{error_json, levantar, levantar_con, Navegador, CONTRASENA, CORREO, NRP};
use sqlx::Row;

const MENSAJE_DATOS_INCORRECTOS: &str =
    "Los datos de acceso no son correctos. Verifica tu NRP, tu correo electrónico y tu contraseña.";

#[tokio::test]
async fn la_pagina_de_inicio_ofrece_ingresar_con_cabeceras_de_seguridad() {
    let app = levantar().await;
    let mut n = Navegador::new(&app);
    let r = n.get("/").await;
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self' 'nonce-"), "{csp}");
    assert!(
        csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(h["strict-transport-security"]
        .to_str()
        .unwrap()
        .starts_with("max-age="));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["cache-control"], "no-store");
    let cookie = h
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    assert!(
        cookie.iter().any(|c| c.starts_with("__Host-csrf=")
            && c.contains("Secure")
            && c.contains("HttpOnly")
            && c.contains("SameSite=Strict")
            && c.contains("Path=/")),
        "{cookie:?}"
    );
    let html = r.text().await.unwrap();
    assert!(html.contains(">Ingresar</a>"));
    // The inline hydration script carries the nonce the CSP names.
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "el script de hidratación lleva el nonce"
    );
}

#[tokio::test]
async fn el_formulario_pide_nrp_correo_y_contrasena() {
    let app = levantar().await;
    let mut n = Navegador::new(&app);
    let (estado, html) = n.pagina("/ingresar").await;
    assert_eq!(estado, 200);
    for etiqueta in [
        "Número de Registro Patronal (NRP)",
        "Correo electrónico",
        "Contraseña",
        "Entrar",
    ] {
        assert!(html.contains(etiqueta), "falta {etiqueta}");
    }
    assert!(!n.csrf.is_empty(), "la página lleva su token CSRF");
}

#[tokio::test]
async fn ingreso_correcto_abre_sesion_rotada_y_llega_a_las_tres_pestanas() {
    let app = levantar().await;
    let mut n = Navegador::new(&app);
    n.pagina("/ingresar").await;
    let csrf_antes = n.cookies["__Host-csrf"].clone();
    let r = n.ingresar(NRP, CORREO, CONTRASENA).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let sesion = n
        .cookies
        .get("__Host-sesion")
        .cloned()
        .expect("cookie de sesión");
    assert_ne!(
        n.cookies["__Host-csrf"], csrf_antes,
        "el token CSRF cambia al ingresar"
    );

    let (estado, html) = n.pagina("/portal/escritorio").await;
    assert_eq!(estado, 200);
    for opcion in [
        "Escritorio",
        "Mi Cuenta",
        "Mis Trámites",
        "Valores",
        "Centro de Atención Empresarial",
        "Guías y videotecas",
    ] {
        assert!(html.contains(opcion), "falta {opcion} en el menú");
    }
    assert!(html.contains("ESCUELA KEMPER URGATE SA DE CV"));

    let (_, html) = n.pagina("/portal/mis-tramites").await;
    assert!(html.contains("Servicios de Intercomunicación"));
    let (estado, html) = n
        .pagina("/portal/mis-tramites/servicios-de-intercomunicacion")
        .await;
    assert_eq!(estado, 200);
    assert!(
        html.contains("Ubicación: Mis Trámites &gt; Servicios de Intercomunicación &gt;"),
        "{html}"
    );
    for pestana in [
        "Generación de contraseña",
        "Certificación (Desarrolladores)",
        "Relaciones de confianza",
    ] {
        assert!(html.contains(pestana), "falta la pestaña {pestana}");
    }

    // Signing in again from the same browser ends the previous session.
    let r = n.ingresar(NRP, CORREO, CONTRASENA).await;
    assert_eq!(r.status(), 200);
    assert_ne!(
        n.cookies["__Host-sesion"], sesion,
        "la sesión se rota al ingresar"
    );
    let filas = sqlx::query("SELECT COUNT(*) FROM sesiones")
        .fetch_one(&app.estado.bd)
        .await
        .unwrap();
    assert_eq!(filas.get::<i64, _>(0), 1);
}

#[tokio::test]
async fn nrp_correo_o_contrasena_incorrectos_dan_la_misma_respuesta() {
    let app = levantar().await;
    let casos = [
        ("Z0000000001", CORREO, CONTRASENA),       // NRP no registrado
        (NRP, "otra@empresa.example", CONTRASENA), // correo distinto
        (NRP, CORREO, "contraseña equivocada"),    // contraseña equivocada
    ];
    for (nrp, correo, contrasena) in casos {
        let mut n = Navegador::new(&app);
        let (estado, cuerpo) = error_json(n.ingresar(nrp, correo, contrasena).await).await;
        assert_eq!(estado, 401);
        assert_eq!(cuerpo["codigo"], "datos_incorrectos");
        assert_eq!(cuerpo["mensaje"], MENSAJE_DATOS_INCORRECTOS);
        assert!(!n.cookies.contains_key("__Host-sesion"));
    }
    let fallos = sqlx::query("SELECT COUNT(*) FROM auditoria WHERE evento = 'ingreso_fallido'")
        .fetch_one(&app.estado.bd)
        .await
        .unwrap();
    assert_eq!(fallos.get::<i64, _>(0), 3);
}

#[tokio::test]
async fn datos_mal_formados_reciben_un_mensaje_claro_y_un_400() {
    let app = levantar().await;
    let largo = "a".repeat(5000);
    let casos: [(&str, &str, &str, &str); 6] = [
        (
            "",
            CORREO,
            CONTRASENA,
            "Escribe tu Número de Registro Patronal (NRP).",
        ),
        (
            "12-345",
            CORREO,
            CONTRASENA,
            "El NRP tiene 11 caracteres: una letra o un dígito, seguido de 10 dígitos.",
        ),
        (
            NRP,
            "",
            CONTRASENA,
            "Escribe el correo electrónico con el que registraste tu NRP.",
        ),
        (
            NRP,
            "no-es-correo",
            CONTRASENA,
            "Escribe un correo electrónico válido, por ejemplo nombre@empresa.com.mx.",
        ),
        (NRP, CORREO, "", "Escribe tu contraseña."),
        (NRP, CORREO, &largo, "La contraseña es demasiado larga."),
    ];
    for (nrp, correo, contrasena, mensaje) in casos {
        let mut n = Navegador::new(&app);
        let (estado, cuerpo) = error_json(n.ingresar(nrp, correo, contrasena).await).await;
        assert_eq!(estado, 400, "{cuerpo}");
        assert_eq!(cuerpo["mensaje"], mensaje);
    }
    // A request with missing fields is malformed too: a 400, not a 500.
    let mut n = Navegador::new(&app);
    n.pagina("/ingresar").await;
    let (estado, cuerpo) =
        error_json(n.post_form("/api/iniciar-sesion", &[("nrp", NRP)]).await).await;
    assert_eq!(estado, 400, "{cuerpo}");
    assert_eq!(cuerpo["codigo"], "solicitud_invalida");
}

#[tokio::test]
async fn sin_token_csrf_o_con_uno_falso_o_desde_otro_sitio_se_rechaza() {
    let app = levantar().await;
    let campos = [("nrp", NRP), ("correo", CORREO), ("contrasena", CONTRASENA)];
    let mut n = Navegador::new(&app);
    n.pagina("/ingresar").await;

    let sin_token = n
        .post_form_con("/api/iniciar-sesion", &campos, None, None)
        .await;
    let falso = n
        .post_form_con("/api/iniciar-sesion", &campos, Some("token-falso"), None)
        .await;
    let csrf = n.csrf.clone();
    let otro_sitio = n
        .post_form_con(
            "/api/iniciar-sesion",
            &campos,
            Some(&csrf),
            Some("https://atacante.example"),
        )
        .await;
    for r in [sin_token, falso, otro_sitio] {
        let (estado, cuerpo) = error_json(r).await;
        assert_eq!(estado, 403);
        assert_eq!(cuerpo["codigo"], "csrf_invalido");
        assert_eq!(
            cuerpo["mensaje"],
            "La página caducó por seguridad. Recarga la página e intenta de nuevo."
        );
    }
    assert!(
        !n.cookies.contains_key("__Host-sesion"),
        "ningún rechazo abrió sesión"
    );

    // Another browser's token is no good either.
    let mut otro = Navegador::new(&app);
    otro.pagina("/ingresar").await;
    let r = n
        .post_form_con("/api/iniciar-sesion", &campos, Some(&otro.csrf), None)
        .await;
    assert_eq!(r.status(), 403);

    // A form posted before hydration carries the token as a field, and that is accepted.
    let mut con_campo: Vec<(&str, &str)> = campos.to_vec();
    con_campo.push(("csrf_token", &csrf));
    let r = n
        .post_form_con("/api/iniciar-sesion", &con_campo, None, None)
        .await;
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    assert!(n.cookies.contains_key("__Host-sesion"));
}

#[tokio::test]
async fn intentos_fallidos_repetidos_bloquean_el_nrp_temporalmente() {
    let app = levantar_con(&[("INTERCOM_BLOQUEO_INTENTOS", "3")]).await;
    let mut n = Navegador::new(&app);
    for _ in 0..3 {
        let r = n.ingresar(NRP, CORREO, "equivocada").await;
        assert_eq!(r.status(), 401);
    }
    // Now even the right password is refused until the window passes.
    let r = n.ingresar(NRP, CORREO, CONTRASENA).await;
    assert_eq!(r.status(), 429);
    let espera: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(espera > 0 && espera <= 15 * 60);
    let (_, cuerpo) = error_json(r).await;
    assert_eq!(cuerpo["codigo"], "cuenta_bloqueada");
    assert!(cuerpo["mensaje"]
        .as_str()
        .unwrap()
        .starts_with("Por tu seguridad, el ingreso con este NRP está bloqueado temporalmente"));
    assert!(!n.cookies.contains_key("__Host-sesion"));

    // An unregistered NRP locks the same way: the answer never tells which NRPs exist.
    for _ in 0..3 {
        n.ingresar("Z0000000001", CORREO, "equivocada").await;
    }
    let (estado, cuerpo) = error_json(n.ingresar("Z0000000001", CORREO, "equivocada").await).await;
    assert_eq!(
        (estado, cuerpo["codigo"].as_str().unwrap()),
        (429, "cuenta_bloqueada")
    );

    // Once the window has passed this address may try again; the NRP's run of failures (it
    // still counts them, from anywhere) now asks for a captcha first (tests/bloqueo.rs).
    sqlx::query("UPDATE intentos_fallidos SET momento = momento - 3600")
        .execute(&app.estado.bd)
        .await
        .unwrap();
    let (estado, cuerpo) = error_json(n.ingresar(NRP, CORREO, CONTRASENA).await).await;
    assert_eq!(
        (estado, cuerpo["codigo"].as_str().unwrap()),
        (401, "captcha_requerido")
    );
    // ...and once a day has passed without more failures, nothing is asked.
    sqlx::query("UPDATE intentos_fallidos SET momento = momento - 86400")
        .execute(&app.estado.bd)
        .await
        .unwrap();
    assert_eq!(n.ingresar(NRP, CORREO, CONTRASENA).await.status(), 200);
}

/// A state-changing request whose browser names its origin must come from exactly this site:
/// scheme, host and port (security review, finding 3).
#[tokio::test]
async fn el_origen_se_compara_con_esquema_servidor_y_puerto() {
    let campos = [("nrp", NRP), ("correo", CORREO), ("contrasena", CONTRASENA)];
    let intento = |app: &comun::AppPrueba, origen: &str| {
        let mut n = Navegador::new(app);
        let origen = origen.to_owned();
        async move {
            n.pagina("/ingresar").await;
            let csrf = n.csrf.clone();
            let r = n
                .post_form_con("/api/iniciar-sesion", &campos, Some(&csrf), Some(&origen))
                .await;
            let estado = r.status().as_u16();
            let cuerpo = r.text().await.unwrap();
            (estado, cuerpo)
        }
    };
    let rechazo = |(estado, cuerpo): (u16, String), origen: &str| {
        assert_eq!(estado, 403, "{origen}: {cuerpo}");
        assert!(cuerpo.contains("csrf_invalido"), "{origen}: {cuerpo}");
    };

    // No public URL configured: plain http on the host and port the request was sent to.
    let app = levantar().await;
    let direccion = app.base.strip_prefix("http://").unwrap().to_owned();
    let (host, puerto) = direccion.rsplit_once(':').unwrap();
    let otro_puerto = puerto.parse::<u16>().unwrap().wrapping_add(1);
    for origen in [
        format!("https://{direccion}"),
        format!("http://{host}:{otro_puerto}"),
        format!("http://{host}"),
        "http://atacante.example".to_owned(),
        "null".to_owned(),
    ] {
        rechazo(intento(&app, &origen).await, &origen);
    }
    assert_eq!(intento(&app, &app.base).await.0, 200);

    // A public URL configured (behind a TLS proxy, say): exactly its origin, default port or
    // not; the listening address no longer passes.
    let app = comun::levantar_con(&[("INTERCOM_URL_PUBLICA", "https://portal.example")]).await;
    for origen in [
        "http://portal.example",
        "https://portal.example:8443",
        "https://otro.portal.example",
        app.base.as_str(),
    ] {
        rechazo(intento(&app, origen).await, origen);
    }
    for origen in ["https://portal.example", "https://portal.example:443"] {
        assert_eq!(intento(&app, origen).await.0, 200, "{origen}");
    }
}

#[tokio::test]
async fn el_area_privada_exige_sesion_y_una_sesion_vencida_regresa_a_ingresar() {
    let app = levantar().await;
    let mut n = Navegador::new(&app);
    let r = n
        .get("/portal/mis-tramites/servicios-de-intercomunicacion")
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/ingresar");

    // A token the server never issued.
    n.cookies.insert("__Host-sesion".into(), "inventado".into());
    let r = n.get("/portal/escritorio").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/ingresar?motivo=sesion");
    assert!(
        !n.cookies.contains_key("__Host-sesion"),
        "la cookie vencida se borra"
    );

    // A real session left idle past the limit.
    assert_eq!(n.ingresar(NRP, CORREO, CONTRASENA).await.status(), 200);
    assert_eq!(n.get("/portal/escritorio").await.status(), 200);
    sqlx::query("UPDATE sesiones SET ultima_actividad = ultima_actividad - 3600")
        .execute(&app.estado.bd)
        .await
        .unwrap();
    let r = n.get("/portal/escritorio").await;
    assert_eq!(r.headers()["location"], "/ingresar?motivo=sesion");

    // A session past its absolute lifetime, however active.
    assert_eq!(n.ingresar(NRP, CORREO, CONTRASENA).await.status(), 200);
    sqlx::query("UPDATE sesiones SET creada = creada - 86400")
        .execute(&app.estado.bd)
        .await
        .unwrap();
    assert_eq!(n.get("/portal/escritorio").await.status(), 303);

    // A server function called with a stale session: a clean 401 the page understands.
    n.pagina("/ingresar").await;
    let (estado, cuerpo) = error_json(n.post_form("/api/cuenta-actual", &[]).await).await;
    assert_eq!(
        (estado, cuerpo["codigo"].as_str().unwrap()),
        (401, "sesion_requerida")
    );
}

#[tokio::test]
async fn cerrar_sesion_termina_la_sesion_en_el_servidor() {
    let app = levantar().await;
    let mut n = Navegador::new(&app);
    assert_eq!(n.ingresar(NRP, CORREO, CONTRASENA).await.status(), 200);
    let token = n.cookies["__Host-sesion"].clone();
    n.pagina("/portal/escritorio").await;
    let r = n.post_form("/api/cerrar-sesion", &[]).await;
    assert_eq!(r.status(), 200);
    assert!(!n.cookies.contains_key("__Host-sesion"));
    // Replaying the old cookie does not bring the session back.
    n.cookies.insert("__Host-sesion".into(), token);
    assert_eq!(n.get("/portal/escritorio").await.status(), 303);
    let eventos: Vec<String> = sqlx::query("SELECT evento FROM auditoria ORDER BY id")
        .fetch_all(&app.estado.bd)
        .await
        .unwrap()
        .iter()
        .map(|f| f.get(0))
        .collect();
    assert_eq!(eventos, ["ingreso_exitoso", "salida"]);
}

#[tokio::test]
async fn la_auditoria_registra_exitos_y_fallos_sin_secretos() {
    let app = levantar().await;
    let mut n = Navegador::new(&app);
    n.ingresar(NRP, CORREO, "una-contraseña-equivocada").await;
    n.ingresar(NRP, CORREO, CONTRASENA).await;
    let filas =
        sqlx::query("SELECT evento, sujeto, ip, COALESCE(detalle, '') FROM auditoria ORDER BY id")
            .fetch_all(&app.estado.bd)
            .await
            .unwrap();
    let filas: Vec<(String, String, String, String)> = filas
        .iter()
        .map(|f| (f.get(0), f.get(1), f.get(2), f.get(3)))
        .collect();
    assert_eq!(
        filas[0],
        (
            "ingreso_fallido".into(),
            NRP.into(),
            "127.0.0.1".into(),
            "datos_incorrectos".into()
        )
    );
    assert_eq!(filas[1].0, "ingreso_exitoso");
    let todo = format!("{filas:?}");
    assert!(!todo.contains("una-contraseña-equivocada") && !todo.contains(CONTRASENA));
}

#[tokio::test]
async fn la_guia_de_usuario_se_lee_sin_sesion_y_se_enlaza_desde_la_pestana() {
    let app = levantar().await;
    let mut n = Navegador::new(&app);
    let (estado, html) = n.pagina("/guias/generacion-de-contrasena").await;
    assert_eq!(estado, 200);
    for titulo in [
        "Guía de usuario para la generación de contraseña de los Servicios de Intercomunicación",
        "1. Acceso al servicio",
        "2. Generación de la contraseña",
        "3. Cancelación de la contraseña",
        "4. Recuperación de la contraseña",
    ] {
        assert!(html.contains(titulo), "falta {titulo}");
    }
    n.ingresar(NRP, CORREO, CONTRASENA).await;
    let (_, html) = n
        .pagina("/portal/mis-tramites/servicios-de-intercomunicacion")
        .await;
    assert!(html.contains(
        r#"href="/guias/generacion-de-contrasena">Guía de usuario - Generación de contraseña</a>"#
    ));
}

/// A failed sign-in that claims to come from `reenviado_por`; the audit row's address.
async fn fallo_desde(n: &mut Navegador, nrp: &str, reenviado_por: &str) -> (u16, String) {
    let campos = [
        ("nrp", nrp),
        ("correo", CORREO),
        ("contrasena", "equivocada"),
    ];
    let r = n
        .peticion_form("/api/iniciar-sesion", &campos)
        .header("x-forwarded-for", reenviado_por)
        .send()
        .await
        .unwrap();
    let (estado, cuerpo) = error_json(r).await;
    (
        estado,
        cuerpo["codigo"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn ultima_ip(app: &comun::AppPrueba) -> String {
    sqlx::query_scalar("SELECT ip FROM auditoria ORDER BY id DESC LIMIT 1")
        .fetch_one(&app.estado.bd)
        .await
        .unwrap()
}

#[tokio::test]
async fn detras_de_un_proxy_confiable_los_limites_y_la_auditoria_ven_al_cliente() {
    // The test's connections come from 127.0.0.1, declared as the load balancer.
    let app = levantar_con(&[
        ("INTERCOM_PROXIES", "127.0.0.1, 10.0.0.0/8"),
        ("INTERCOM_LIMITE_IP_INTENTOS", "3"),
    ])
    .await;
    let mut n = Navegador::new(&app);
    n.pagina("/ingresar").await;
    for nrp in ["A1234567890", "B1234567890", "C1234567890"] {
        let (estado, _) = fallo_desde(&mut n, nrp, "203.0.113.7, 10.1.2.3").await;
        assert_eq!(estado, 401);
        assert_eq!(ultima_ip(&app).await, "203.0.113.7");
    }
    // That client is throttled; another one behind the same balancer is not.
    assert_eq!(
        fallo_desde(&mut n, "D1234567890", "203.0.113.7").await,
        (429, "demasiados_intentos".to_owned())
    );
    assert_eq!(
        fallo_desde(&mut n, "D1234567890", "198.51.100.8").await.0,
        401
    );
    assert_eq!(ultima_ip(&app).await, "198.51.100.8");
}

#[tokio::test]
async fn sin_proxies_declarados_x_forwarded_for_no_cuenta() {
    let app = levantar_con(&[("INTERCOM_LIMITE_IP_INTENTOS", "2")]).await;
    let mut n = Navegador::new(&app);
    n.pagina("/ingresar").await;
    // Changing the header at will does not escape the per-address limit.
    assert_eq!(
        fallo_desde(&mut n, "A1234567890", "203.0.113.1").await.0,
        401
    );
    assert_eq!(ultima_ip(&app).await, "127.0.0.1");
    assert_eq!(
        fallo_desde(&mut n, "B1234567890", "203.0.113.2").await.0,
        401
    );
    assert_eq!(
        fallo_desde(&mut n, "C1234567890", "203.0.113.3").await,
        (429, "demasiados_intentos".to_owned())
    );
}

/// The lock's exact message for a wait of `espera` seconds, as the server words it.
fn mensaje_bloqueo(espera: u64) -> String {
    let minutos = espera.div_ceil(60);
    format!(
        "Por tu seguridad, el ingreso con este NRP está bloqueado temporalmente por varios intentos fallidos. Intenta de nuevo en {minutos} minuto{}.",
        if minutos == 1 { "" } else { "s" }
    )
}

const MENSAJE_DEMASIADOS_DESDE_LA_DIRECCION: &str =
    "Hubo demasiados intentos de ingreso desde tu conexión. Espera unos minutos e intenta de nuevo.";

/// A sign-in fired by a fresh browser (its own connection and CSRF token), reduced to status,
/// `Retry-After` and body.
async fn ingresos_a_la_vez(
    app: &comun::AppPrueba,
    datos: Vec<(String, &'static str)>,
) -> Vec<(u16, Option<u64>, serde_json::Value)> {
    let mut navegadores = Vec::new();
    for (nrp, contrasena) in datos {
        let mut n = Navegador::new(app);
        n.pagina("/ingresar").await;
        navegadores.push((n, nrp, contrasena));
    }
    comun::a_la_vez(navegadores.into_iter().map(|(n, nrp, contrasena)| {
        let envio = n.post_form_suelto(
            "/api/iniciar-sesion",
            &[
                ("nrp", nrp.as_str()),
                ("correo", CORREO),
                ("contrasena", contrasena),
            ],
        );
        async move { comun::resultado(envio.await).await }
    }))
    .await
}

/// Checks one answer of a race and says which kind it was: a failure that counted (401) or a
/// refusal of the limit (429, with exactly the body its `Retry-After` implies).
fn clasificar(
    (estado, espera, cuerpo): &(u16, Option<u64>, serde_json::Value),
    codigo_429: &str,
    mensaje_429: &dyn Fn(u64) -> String,
) -> bool {
    match estado {
        401 => {
            assert_eq!(espera, &None, "{cuerpo}");
            assert_eq!(
                cuerpo,
                &serde_json::json!({
                    "codigo": "datos_incorrectos",
                    "mensaje": MENSAJE_DATOS_INCORRECTOS,
                    "estado": 401,
                })
            );
            true
        }
        429 => {
            let espera = espera.expect("un 429 lleva Retry-After");
            assert!(espera > 0 && espera <= 15 * 60, "Retry-After {espera}");
            assert_eq!(
                cuerpo,
                &serde_json::json!({
                    "codigo": codigo_429,
                    "mensaje": mensaje_429(espera),
                    "estado": 429,
                    "reintentar_en": espera,
                })
            );
            false
        }
        otro => panic!("respuesta inesperada {otro}: {cuerpo}"),
    }
}

async fn contar(app: &comun::AppPrueba, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.estado.bd)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intentos_simultaneos_no_rebasan_el_bloqueo_del_nrp() {
    // The per-address limit far away, so only the NRP's lock can refuse.
    let app = levantar_con(&[
        ("INTERCOM_BLOQUEO_INTENTOS", "3"),
        ("INTERCOM_LIMITE_IP_INTENTOS", "1000"),
    ])
    .await;
    let respuestas = ingresos_a_la_vez(&app, vec![(NRP.to_owned(), "equivocada"); 12]).await;
    let contadas = respuestas
        .iter()
        .filter(|r| clasificar(r, "cuenta_bloqueada", &mensaje_bloqueo))
        .count();
    // Exactly the lock's three failures were processed; the nine others were refused before
    // the password was looked at.
    assert_eq!((contadas, respuestas.len() - contadas), (3, 9));

    // Locked: even the right password waits.
    let mut n = Navegador::new(&app);
    let r = comun::resultado(n.ingresar(NRP, CORREO, CONTRASENA).await).await;
    assert!(!clasificar(&r, "cuenta_bloqueada", &mensaje_bloqueo));
    assert!(!n.cookies.contains_key("__Host-sesion"));

    let clave_nrp = servidor::limites::clave_nrp(NRP);
    assert_eq!(comun::intentos(&app, &clave_nrp).await, 3);
    let clave_ip = servidor::limites::clave_ip("127.0.0.1");
    assert_eq!(comun::intentos(&app, &clave_ip).await, 3);
    assert_eq!(
        contar(
            &app,
            "SELECT COUNT(*) FROM auditoria WHERE evento = 'ingreso_fallido'"
        )
        .await,
        3
    );
    assert_eq!(
        contar(
            &app,
            "SELECT COUNT(*) FROM auditoria WHERE evento = 'ingreso_rechazado' AND detalle = 'nrp_bloqueado'"
        )
        .await,
        10
    );
    assert_eq!(contar(&app, "SELECT COUNT(*) FROM auditoria").await, 13);
    assert_eq!(contar(&app, "SELECT COUNT(*) FROM sesiones").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intentos_simultaneos_desde_una_direccion_no_rebasan_su_limite() {
    // Twelve different NRPs (none reaches its own lock) from one address allowed three.
    let app = levantar_con(&[("INTERCOM_LIMITE_IP_INTENTOS", "3")]).await;
    let datos = (0..12)
        .map(|i| (format!("A{:010}", i + 1), "equivocada"))
        .collect();
    let respuestas = ingresos_a_la_vez(&app, datos).await;
    let mensaje = |_| MENSAJE_DEMASIADOS_DESDE_LA_DIRECCION.to_owned();
    let contadas = respuestas
        .iter()
        .filter(|r| clasificar(r, "demasiados_intentos", &mensaje))
        .count();
    assert_eq!((contadas, respuestas.len() - contadas), (3, 9));

    // The address waits, whatever the NRP and however right the password.
    let mut n = Navegador::new(&app);
    let r = comun::resultado(n.ingresar(NRP, CORREO, CONTRASENA).await).await;
    assert!(!clasificar(&r, "demasiados_intentos", &mensaje));

    let clave_ip = servidor::limites::clave_ip("127.0.0.1");
    assert_eq!(comun::intentos(&app, &clave_ip).await, 3);
    assert_eq!(
        contar(
            &app,
            "SELECT COUNT(*) FROM intentos_fallidos WHERE clave LIKE 'nrp:%'"
        )
        .await,
        3
    );
    assert_eq!(
        contar(
            &app,
            "SELECT COUNT(*) FROM auditoria WHERE evento = 'ingreso_fallido'"
        )
        .await,
        3
    );
    assert_eq!(
        contar(
            &app,
            "SELECT COUNT(*) FROM auditoria WHERE evento = 'ingreso_rechazado' AND detalle = 'limite_por_direccion'"
        )
        .await,
        10
    );
    assert_eq!(contar(&app, "SELECT COUNT(*) FROM sesiones").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingresos_correctos_simultaneos_esperan_su_turno_y_entran_todos() {
    // More right sign-ins at once than the lock allows failures: the places they hold while
    // running make the others wait, never refuse them, and none is left counted.
    let app = levantar_con(&[
        ("INTERCOM_BLOQUEO_INTENTOS", "3"),
        ("INTERCOM_LIMITE_IP_INTENTOS", "3"),
    ])
    .await;
    let respuestas = ingresos_a_la_vez(&app, vec![(NRP.to_owned(), CONTRASENA); 7]).await;
    let estados: Vec<u16> = respuestas.iter().map(|r| r.0).collect();
    assert_eq!(estados, vec![200; 7], "{respuestas:?}");
    let clave_nrp = servidor::limites::clave_nrp(NRP);
    let clave_ip = servidor::limites::clave_ip("127.0.0.1");
    assert_eq!(comun::intentos(&app, &clave_nrp).await, 0);
    assert_eq!(comun::intentos(&app, &clave_ip).await, 0);
    assert_eq!(
        contar(
            &app,
            "SELECT COUNT(*) FROM auditoria WHERE evento = 'ingreso_exitoso'"
        )
        .await,
        7
    );
    assert_eq!(contar(&app, "SELECT COUNT(*) FROM sesiones").await, 7);
}

/// Every signed-in page offers "Cerrar sesión" in its header (ASVS 7.4.4).
#[tokio::test]
async fn cada_pagina_privada_ofrece_cerrar_sesion() {
    let app = levantar().await;
    let mut n = Navegador::new(&app);
    assert_eq!(n.ingresar(NRP, CORREO, CONTRASENA).await.status(), 200);
    for ruta in [
        "/portal/escritorio",
        "/portal/mi-cuenta",
        "/portal/mis-tramites",
        "/portal/mis-tramites/servicios-de-intercomunicacion",
        "/portal/mis-tramites/servicios-de-intercomunicacion/certificacion",
        "/portal/mis-tramites/servicios-de-intercomunicacion/relaciones-de-confianza",
        "/portal/valores",
        "/portal/centro-de-atencion",
        "/portal/guias",
    ] {
        let (estado, html) = n.pagina(ruta).await;
        assert_eq!(estado, 200, "{ruta}");
        assert!(
            html.contains(r#"<button type="button" id="cerrar-sesion" class="boton boton-secundario">Cerrar sesión</button>"#),
            "{ruta}: {html}"
        );
    }
}

/// The session token (ASVS 3.3.4, 7.2.3): 256 random bits, new at every sign-in, handed over
/// only in `Set-Cookie` (never in a body or a page), and kept by the server only as its SHA-256.
#[tokio::test]
async fn el_token_de_sesion_es_aleatorio_y_solo_viaja_en_set_cookie() {
    let app = levantar().await;
    let mut tokens = Vec::new();
    for _ in 0..3 {
        let mut n = Navegador::new(&app);
        n.pagina("/ingresar").await;
        let r = n
            .peticion_form(
                "/api/iniciar-sesion",
                &[("nrp", NRP), ("correo", CORREO), ("contrasena", CONTRASENA)],
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let linea = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("__Host-sesion="))
            .expect("cookie de sesión");
        let (par, atributos) = linea.split_once(';').unwrap();
        let token = par.strip_prefix("__Host-sesion=").unwrap().to_owned();
        assert_eq!(atributos, " Path=/; Secure; HttpOnly; SameSite=Strict");
        assert_eq!(token.len(), 43, "256 bits en base64url: {token}");
        assert!(token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        let cuerpo = r.text().await.unwrap();
        assert!(!cuerpo.contains(&token));
        n.cookies.insert("__Host-sesion".into(), token.clone());
        let (estado, html) = n.pagina("/portal/mi-cuenta").await;
        assert_eq!(estado, 200);
        assert!(!html.contains(&token), "la página no lleva el token");
        tokens.push(token);
    }
    let mut distintos = tokens.clone();
    distintos.sort();
    distintos.dedup();
    assert_eq!(distintos.len(), 3);

    let guardados: Vec<String> =
        sqlx::query_scalar("SELECT id_hash FROM sesiones ORDER BY id_hash")
            .fetch_all(&app.estado.bd)
            .await
            .unwrap();
    let mut huellas: Vec<String> = tokens
        .iter()
        .map(|t| servidor::secretos::huella(t))
        .collect();
    huellas.sort();
    assert_eq!(guardados, huellas, "sólo su SHA-256");
}
