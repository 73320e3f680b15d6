//! Several server processes on one database (PostgreSQL in production; the same holds for one
//! SQLite file): what must be shared is shared — sessions, e.firma challenges, sign-in limits —
//! and the outbox delivers each email exactly once however many workers claim from it.

use crate::comun;

use comun::{
    instancia::Instancia, smtp::ServidorSmtp, tramite, Datos, Navegador, CONTRASENA, CORREO, NRP,
};
use servidor::{
    arranque,
    configuracion::Configuracion,
    correo::{self, Mensaje},
    credenciales::ContrasenaGenerada,
};
use std::{collections::HashMap, time::Duration};

const TAB: &str = "/portal/mis-tramites/servicios-de-intercomunicacion";
const CORREOS: usize = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dos_instancias_entregan_cada_correo_una_sola_vez() {
    let datos = Datos::nuevos().await;
    let smtp = ServidorSmtp::iniciar().await;
    let url_smtp = smtp.url();

    // The schema and the shared secret as the first instance would leave them, and a backlog
    // of emails (each with a sealed password) waiting in the outbox.
    let mut variables: HashMap<&str, String> = datos.variables().into_iter().collect();
    variables.insert("INTERCOM_SMTP_URL", url_smtp.clone());
    let estado = arranque::preparar(Configuracion::desde(&variables).expect("configuración"))
        .await
        .expect("arranque");
    let mut contrasenas = HashMap::new();
    for i in 0..CORREOS {
        let contrasena = ContrasenaGenerada::generar();
        let mut tx = estado.bd.begin().await.expect("transacción");
        correo::encolar(
            &mut tx,
            &estado.cofre,
            Mensaje {
                para: "nomina@empresa.example",
                asunto: &format!("Prueba {i:03}"),
                cuerpo: "Contraseña: {{CONTRASENA}}",
                secreto: Some(contrasena.exponer()),
            },
        )
        .await
        .expect("encolar");
        tx.commit().await.expect("commit");
        contrasenas.insert(format!("Prueba {i:03}"), contrasena.exponer().to_owned());
    }

    let extra = [("INTERCOM_SMTP_URL", url_smtp.as_str())];
    let (a, b) = tokio::join!(
        Instancia::iniciar(&datos, &extra),
        Instancia::iniciar(&datos, &extra)
    );
    let recibidos = smtp.esperar(CORREOS, Duration::from_secs(120)).await;
    assert_eq!(recibidos.len(), CORREOS, "llegaron todos");
    // Anything late would be a duplicate: give it the time to show up.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let recibidos = smtp.recibidos();
    assert_eq!(recibidos.len(), CORREOS, "ninguno llegó dos veces");
    let mut vistos = HashMap::new();
    for r in &recibidos {
        let asunto = r.cabecera("Subject").expect("asunto");
        let esperado = format!("Contraseña: {}", contrasenas[&asunto]);
        assert!(
            r.texto().contains(&esperado),
            "{asunto} lleva su contraseña"
        );
        *vistos.entry(asunto).or_insert(0) += 1;
    }
    assert_eq!(vistos.len(), CORREOS);
    assert!(vistos.values().all(|&n| n == 1));

    let pendientes: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM correos WHERE estado <> 'enviado' OR secreto IS NOT NULL",
    )
    .fetch_one(&estado.bd)
    .await
    .expect("consulta");
    assert_eq!(pendientes, 0, "todos enviados, ningún secreto guardado");
    // Both workers took part.
    let (por_a, por_b) = (
        a.sumar("buzón de salida", "enviados"),
        b.sumar("buzón de salida", "enviados"),
    );
    assert_eq!(por_a + por_b, CORREOS as i64);
    assert!(
        por_a > 0 && por_b > 0,
        "A entregó {por_a}, B entregó {por_b}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn la_sesion_el_reto_y_los_limites_valen_en_cualquier_instancia() {
    let datos = Datos::nuevos().await;
    datos.alta_cuenta(NRP, CORREO, CONTRASENA);
    let anclas = tramite::sat("ca/pruebas").display().to_string();
    let extra = [
        ("INTERCOM_ANCLAS", anclas.as_str()),
        ("INTERCOM_BLOQUEO_INTENTOS", "3"),
    ];
    let (a, b) = tokio::join!(
        Instancia::iniciar(&datos, &extra),
        Instancia::iniciar(&datos, &extra)
    );

    // Signed in on A, the same cookie is a session on B.
    let mut en_a = Navegador::en(&a.base);
    assert_eq!(en_a.ingresar(NRP, CORREO, CONTRASENA).await.status(), 200);
    let mut en_b = Navegador::en(&b.base);
    en_b.cookies = en_a.cookies.clone();
    let (estado, html) = en_b.pagina(TAB).await;
    assert_eq!(estado, 200);
    assert!(html.contains("Generación de contraseña"));
    en_a.pagina(TAB).await;
    assert_eq!(en_a.csrf, en_b.csrf, "un solo token por sesión");

    // A challenge issued by A is answered on B, and the signed Terms go back to A.
    let fiel = tramite::fiel();
    let reto = tramite::reto(&mut en_a, &fiel).await.expect("reto");
    let cadena = tramite::validar(&mut en_b, &fiel, &reto, false)
        .await
        .expect("B acepta el reto de A");
    let folio = tramite::firmar(&mut en_a, &fiel, &cadena)
        .await
        .expect("A emite con la cadena de B");
    assert_eq!(folio.len(), 10);
    // The challenge was spent on B: A will not take it again.
    let reuso = tramite::validar(&mut en_a, &fiel, &reto, true).await;
    assert!(
        reuso.as_ref().is_err_and(|e| e.contains("reto_usado")),
        "el reto es de un solo uso: {reuso:?}"
    );

    // Failed sign-ins count across instances: two on A and one on B lock the NRP on both.
    let mut otros = [Navegador::en(&a.base), Navegador::en(&b.base)];
    for i in [0, 1, 0] {
        let r = otros[i].ingresar(NRP, CORREO, "equivocada").await;
        assert_eq!(r.status(), 401);
    }
    for n in &mut otros {
        let r = n.ingresar(NRP, CORREO, CONTRASENA).await;
        assert_eq!(r.status(), 429);
        assert!(r.headers().contains_key("retry-after"));
    }

    // Signing out on B ends the session on A.
    en_b.post_form("/api/cerrar-sesion", &[]).await;
    let r = en_a.get(TAB).await;
    assert!(r.status().is_redirection(), "sin sesión: {}", r.status());
}
