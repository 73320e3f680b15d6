//! The portal password, as people choose it (OWASP ASVS 5.0 V6.2, V11.4): at least 12
//! characters, up to 254 of any kind, compared exactly as typed, stored as argon2id with
//! OWASP's parameters, never expiring, and typed in a masked field password managers can fill.

use crate::comun;

use comun::{error_json, levantar, Navegador};
use servidor::cuentas::{self, NuevaCuenta};
use zeroize::Zeroizing;

const NRP_B: &str = "B1234567890";
const CORREO_B: &str = "rh@otra.example";

fn cuenta(nrp: &str, correo: &str, contrasena: &str) -> NuevaCuenta {
    NuevaCuenta {
        nrp: nrp.into(),
        rfc: "AAA010101AAA".into(),
        razon_social: "OTRA EMPRESA SA DE CV".into(),
        correo: correo.into(),
        contrasena: Zeroizing::new(contrasena.into()),
    }
}

#[tokio::test]
async fn la_contrasena_del_portal_admite_cualquier_forma_y_se_compara_exacta() {
    let app = levantar().await;

    // Shorter than 12 characters (not bytes: "ñ" is one) is refused; 12 is enough.
    let error = cuentas::alta(&app.estado.bd, cuenta(NRP_B, CORREO_B, "ñandú-corto"))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "La contraseña del portal debe tener entre 12 y 254 caracteres."
    );
    cuentas::alta(
        &app.estado.bd,
        cuenta("C1234567890", "c@otra.example", "ñandú-12 car"),
    )
    .await
    .expect("12 caracteres bastan");

    // No composition rules: lower case only, spaces (leading and trailing too), symbols,
    // accents and emoji; 120 characters.
    let frase: String = "frase de paso sin mayúsculas ni dígitos 🙂 <>\"'&;%+ "
        .repeat(3)
        .chars()
        .take(116)
        .collect();
    let larga = format!("  {frase}  ");
    assert_eq!(larga.chars().count(), 120);
    assert!(larga.starts_with(' ') && larga.ends_with(' '));
    cuentas::alta(&app.estado.bd, cuenta(NRP_B, CORREO_B, &larga))
        .await
        .unwrap();

    let mut n = Navegador::new(&app);
    let r = n.ingresar(NRP_B, CORREO_B, &larga).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

    // Exactly as typed: trimmed, in other case, cut at 64 or one character short, it is
    // another password.
    let casi: String = larga.chars().take(119).collect();
    let a_64: String = larga.chars().take(64).collect();
    for otra in [larga.trim().to_owned(), larga.to_uppercase(), a_64, casi] {
        let mut n = Navegador::new(&app);
        let (estado, cuerpo) = error_json(n.ingresar(NRP_B, CORREO_B, &otra).await).await;
        assert_eq!(
            (estado, cuerpo["codigo"].as_str()),
            (401, Some("datos_incorrectos"))
        );
    }

    // Stored as argon2id, OWASP's parameters (19 MiB, 2 passes, 1 lane), salted per account.
    let hashes: Vec<String> = sqlx::query_scalar("SELECT contrasena_hash FROM cuentas ORDER BY id")
        .fetch_all(&app.estado.bd)
        .await
        .unwrap();
    assert_eq!(hashes.len(), 3);
    let mut sales = Vec::new();
    for hash in &hashes {
        let partes: Vec<&str> = hash.split('$').collect();
        assert_eq!(
            &partes[1..4],
            ["argon2id", "v=19", "m=19456,t=2,p=1"],
            "{hash}"
        );
        sales.push(partes[4].to_owned());
        assert!(!hash.contains(&larga) && !hash.contains(comun::CONTRASENA));
    }
    sales.sort();
    sales.dedup();
    assert_eq!(sales.len(), 3, "cada cuenta su sal");

    // Nothing expires it: ten years after the account was created it still signs in.
    sqlx::query("UPDATE cuentas SET creada = creada - 315360000 WHERE nrp = $1")
        .bind(NRP_B)
        .execute(&app.estado.bd)
        .await
        .unwrap();
    let mut n = Navegador::new(&app);
    assert_eq!(n.ingresar(NRP_B, CORREO_B, &larga).await.status(), 200);
}

#[tokio::test]
async fn el_campo_de_contrasena_va_oculto_y_admite_gestores_de_contrasenas() {
    let app = levantar().await;
    let mut n = Navegador::new(&app);
    let (estado, html) = n.pagina("/ingresar").await;
    assert_eq!(estado, 200);
    let inicio = html
        .find("<input id=\"contrasena\"")
        .expect("campo de contraseña");
    let campo = &html[inicio..inicio + html[inicio..].find('>').unwrap()];
    assert!(campo.contains("type=\"password\""), "{campo}");
    assert!(
        campo.contains("autocomplete=\"current-password\""),
        "{campo}"
    );
    assert!(campo.contains("maxlength=\"254\""), "{campo}");
    // The NRP is the user name a password manager pairs it with; nothing blocks pasting.
    assert!(html.contains("<input id=\"nrp\" name=\"nrp\" autocomplete=\"username\""));
    for bloqueo in ["onpaste", "oncopy", "oncut", "autocomplete=\"off\""] {
        assert!(!campo.contains(bloqueo), "{bloqueo}: {campo}");
    }
}
