//! What an operator or a person types reaches the database and the pages as text, never as
//! markup, script or SQL (OWASP ASVS 5.0 V1.2, V3.2): a razón social full of HTML, script and
//! SQL metacharacters is stored exactly and rendered escaped, in the page and in the data the
//! page hands to its script; and input is decoded once, before it is validated.

use crate::comun;

use comun::{levantar, Navegador};
use servidor::cuentas::{self, NuevaCuenta};
use zeroize::Zeroizing;

const NRP_B: &str = "B1234567890";
const CORREO_B: &str = "rh@otra.example";
const CONTRASENA_B: &str = "Otra-contraseña-larga-1";
const HOSTIL: &str = "ACME </script><script>alert('rs')</script><img src=x onerror=alert(1)> & \"comillas\" '); DROP TABLE cuentas; --";

#[tokio::test]
async fn una_razon_social_hostil_se_guarda_tal_cual_y_se_muestra_como_texto() {
    let app = levantar().await;
    cuentas::alta(
        &app.estado.bd,
        NuevaCuenta {
            nrp: NRP_B.into(),
            rfc: "AAA010101AAA".into(),
            razon_social: HOSTIL.into(),
            correo: CORREO_B.into(),
            contrasena: Zeroizing::new(CONTRASENA_B.into()),
        },
    )
    .await
    .unwrap();

    // Bound as a parameter: stored exactly, and the table is still there with both accounts.
    let guardada: String = sqlx::query_scalar("SELECT razon_social FROM cuentas WHERE nrp = $1")
        .bind(NRP_B)
        .fetch_one(&app.estado.bd)
        .await
        .unwrap();
    assert_eq!(guardada, HOSTIL);
    let cuentas: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cuentas")
        .fetch_one(&app.estado.bd)
        .await
        .unwrap();
    assert_eq!(cuentas, 2);

    let mut n = Navegador::new(&app);
    assert_eq!(
        n.ingresar(NRP_B, CORREO_B, CONTRASENA_B).await.status(),
        200
    );
    for ruta in ["/portal/escritorio", "/portal/mi-cuenta"] {
        let (estado, html) = n.pagina(ruta).await;
        assert_eq!(estado, 200, "{ruta}");
        // Escaped where it is shown...
        assert!(
            html.contains("ACME &lt;/script&gt;&lt;script&gt;alert('rs')&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; &amp; \"comillas\""),
            "{ruta}: {html}"
        );
        // ...and nowhere as markup: no element of its own in the page, and in the data
        // serialized for hydration (inside a script element) every `<` is `\u003c`, so no
        // `</script>` can close that element early.
        for crudo in ["<script>alert(", "</script><script>alert", "<img src=x"] {
            if let Some(i) = html.find(crudo) {
                let desde = html.floor_char_boundary(i.saturating_sub(200));
                panic!("{ruta}: «{crudo}» sin escapar: {}", &html[desde..]);
            }
        }
        assert!(
            html.contains(
                r"ACME \\u003c/script>\\u003cscript>alert('rs')\\u003c/script>\\u003cimg src=x"
            ),
            "{ruta}: {html}"
        );
        // Every script element is the server's own, carrying the render's nonce.
        let etiquetas: Vec<&str> = html
            .match_indices("<script")
            .map(|(i, _)| &html[i..i + html[i..].find('>').unwrap()])
            .collect();
        assert!(!etiquetas.is_empty());
        for etiqueta in etiquetas {
            assert!(etiqueta.contains(" nonce=\""), "{ruta}: {etiqueta}");
        }
    }
}

/// Input is decoded once, by the layer its encoding belongs to, and validated after that (ASVS
/// 1.1.1): a field whose value, once form- or JSON-decoded, still reads as percent-encoding is
/// judged as what it is, never decoded again into the NRP or address it spells.
#[tokio::test]
async fn la_entrada_se_decodifica_una_sola_vez() {
    let app = levantar().await;
    // "%59" is "Y" percent-encoded: the form serializer sends it as "%2559…".
    let mut n = Navegador::new(&app);
    let (estado, cuerpo) = comun::error_json(
        n.ingresar("%595412345108", comun::CORREO, comun::CONTRASENA)
            .await,
    )
    .await;
    assert_eq!(estado, 400, "{cuerpo}");
    assert_eq!(
        cuerpo["mensaje"],
        "El NRP tiene 11 caracteres: una letra o un dígito, seguido de 10 dígitos."
    );
    let (estado, cuerpo) = comun::error_json(
        n.ingresar(comun::NRP, "nomina%40empresa.example", comun::CONTRASENA)
            .await,
    )
    .await;
    assert_eq!(estado, 400, "{cuerpo}");
    assert_eq!(
        cuerpo["mensaje"],
        "Escribe un correo electrónico válido, por ejemplo nombre@empresa.com.mx."
    );
    assert!(!n.cookies.contains_key("__Host-sesion"));

    // The API's JSON: "\u0059" is a JSON escape (decoded once, it is "Y": well formed), but a
    // percent-encoded NRP inside the JSON string is not decoded again.
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/sesiones", app.base))
        .header("content-type", "application/json")
        .body(
            r#"{"patron":{"nrp":"%595412345108"},"contrasena_patron":"AAAAA-AAAAA-AAAAA-AAAAA-AAAAA","desarrollador":{"rfc":"VADA800927DJ3"},"contrasena_desarrollador":"AAAAA-AAAAA-AAAAA-AAAAA-AAAAA"}"#,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let cuerpo: serde_json::Value = r.json().await.unwrap();
    assert_eq!(cuerpo["codigo"], "solicitud_invalida");
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/sesiones", app.base))
        .header("content-type", "application/json")
        .body(
            r#"{"patron":{"nrp":"\u00595412345108"},"contrasena_patron":"AAAAA-AAAAA-AAAAA-AAAAA-AAAAA","desarrollador":{"rfc":"VADA800927DJ3"},"contrasena_desarrollador":"AAAAA-AAAAA-AAAAA-AAAAA-AAAAA"}"#,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "bien formado: llega a las credenciales");
}
