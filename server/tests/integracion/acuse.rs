//! The acuse (DESIGN §6): sealed and stored in the credential's transaction, re-checked from the
//! database, rendered as a PDF whose text gives back every value, verifiable with the `openssl`
//! command line, downloadable only by its own account and checkable by anyone by folio.
//!
//! The applicant's sello is made with SAT's real test FIEL (`../shared/fixtures/sat/`).

use crate::comun;

use base64::{engine::general_purpose::STANDARD, Engine};
use efirma::{Algoritmo, Credencial};
use servidor::{
    acuse::{self, Acuse, DatosAcuse, Sellador},
    configuracion::Configuracion,
    credenciales::{self, Rol},
    cuentas,
};
use std::{collections::HashMap, path::Path, process::Command};

const RAZON_SOCIAL: &str = "CONSTRUCCIÓN Y DISEÑO DEL NORTE, S.A. DE C.V.";

fn fixture(ruta: &str) -> Vec<u8> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/sat");
    std::fs::read(base.join(ruta)).unwrap_or_else(|e| panic!("{ruta}: {e}"))
}

fn fiel(rfc: &str) -> Credencial {
    Credencial::abrir(
        &fixture(&format!("{rfc}/fiel.cer")),
        &fixture(&format!("{rfc}/fiel.key")),
        b"12345678a",
    )
    .expect("FIEL de prueba")
}

async fn cuenta_id(app: &comun::AppPrueba) -> i64 {
    cuentas::para_ingreso(&app.estado.bd, comun::NRP)
        .await
        .unwrap()
        .expect("cuenta de prueba")
        .id
}

/// What the trámite does: issue the credential and seal its acuse in one transaction.
async fn emitir_acuse(app: &comun::AppPrueba, cuenta_id: i64, razon_social: &str) -> Acuse {
    let fiel = fiel("EKU9003173C9");
    let no = fiel.certificado().no_certificado().to_owned();
    let mut tx = app.estado.bd.begin().await.unwrap();
    let (credencial, _) = credenciales::emitir(
        &mut tx,
        &app.estado.pepper,
        cuenta_id,
        Rol::Patron,
        &no,
        true,
    )
    .await
    .unwrap();
    let sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    let cadena = format!(
        "||GENERACION DE CONTRASENA|NRP {}|RFC EKU9003173C9|RAZON SOCIAL {razon_social}|NO CERTIFICADO {no}|TERMINOS patron-v1|SHA256 {sha}||",
        comun::NRP
    );
    let firma = fiel
        .firmar(cadena.as_bytes(), Algoritmo::Pkcs1v15Sha256)
        .unwrap();
    let datos = DatosAcuse {
        folio: credencial.folio.clone(),
        cuenta_id,
        rol: "patron".into(),
        nrp: comun::NRP.into(),
        rfc: "EKU9003173C9".into(),
        razon_social: razon_social.into(),
        no_certificado: no,
        certificado_der: fiel.certificado().der().to_vec(),
        terminos_version: "patron-v1".into(),
        terminos_sha256: sha.into(),
        cadena_original: cadena,
        sello: STANDARD.encode(firma),
        emitido: credencial.emitida,
    };
    let acuse = acuse::guardar(&mut tx, &app.estado.sellador, datos)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    acuse
}

async fn alterar(app: &comun::AppPrueba, folio: &str, columna: &str, valor: &str) {
    sqlx::query(&format!(
        "UPDATE acuses SET {columna} = $1 WHERE folio = $2"
    ))
    .bind(valor)
    .bind(folio)
    .execute(&app.estado.bd)
    .await
    .unwrap();
}

async fn releer(app: &comun::AppPrueba, folio: &str) -> Acuse {
    acuse::por_folio(&app.estado.bd, folio)
        .await
        .unwrap()
        .expect("acuse guardado")
}

/// One character changed, so the value keeps its shape (still base64, still a cadena).
fn otro_caracter(valor: &str, posicion: usize) -> String {
    let mut c: Vec<char> = valor.chars().collect();
    c[posicion] = if c[posicion] == 'A' { 'B' } else { 'A' };
    c.into_iter().collect()
}

#[tokio::test]
async fn el_acuse_se_guarda_y_cada_alteracion_invalida_el_sello_que_la_cubre() {
    let app = comun::levantar().await;
    let cuenta = cuenta_id(&app).await;
    let acuse = emitir_acuse(&app, cuenta, RAZON_SOCIAL).await;
    let folio = acuse.datos.folio.clone();
    let leido = releer(&app, &folio).await;
    assert_eq!(leido, acuse, "se lee lo que se guardó");
    let v = acuse::verificar(&leido, &app.estado.sellador);
    assert!(v.sello_solicitante && v.sello_instituto && v.valida());

    // The Instituto's seal alone.
    alterar(
        &app,
        &folio,
        "sello_instituto",
        &otro_caracter(&acuse.sello_instituto, 10),
    )
    .await;
    let v = acuse::verificar(&releer(&app, &folio).await, &app.estado.sellador);
    assert!(v.sello_solicitante && !v.sello_instituto);
    alterar(&app, &folio, "sello_instituto", &acuse.sello_instituto).await;

    // A field only the Instituto's seal covers.
    alterar(&app, &folio, "razon_social", "OTRA EMPRESA SA DE CV").await;
    let v = acuse::verificar(&releer(&app, &folio).await, &app.estado.sellador);
    assert!(v.sello_solicitante && !v.sello_instituto);
    alterar(&app, &folio, "razon_social", RAZON_SOCIAL).await;

    // The cadena original and the applicant's sello: both seals cover them.
    let otra_cadena = acuse
        .datos
        .cadena_original
        .replace("patron-v1", "patron-v2");
    alterar(&app, &folio, "cadena_original", &otra_cadena).await;
    let v = acuse::verificar(&releer(&app, &folio).await, &app.estado.sellador);
    assert!(!v.sello_solicitante && !v.sello_instituto);
    alterar(
        &app,
        &folio,
        "cadena_original",
        &acuse.datos.cadena_original,
    )
    .await;

    alterar(
        &app,
        &folio,
        "sello",
        &otro_caracter(&acuse.datos.sello, 20),
    )
    .await;
    let v = acuse::verificar(&releer(&app, &folio).await, &app.estado.sellador);
    assert!(!v.sello_solicitante && !v.sello_instituto);
    alterar(&app, &folio, "sello", &acuse.datos.sello).await;

    // Another e.firma's certificate in place of the applicant's.
    sqlx::query("UPDATE acuses SET certificado = $1 WHERE folio = $2")
        .bind(fixture("AAA010101AAA/fiel.cer"))
        .bind(&folio)
        .execute(&app.estado.bd)
        .await
        .unwrap();
    let v = acuse::verificar(&releer(&app, &folio).await, &app.estado.sellador);
    assert!(!v.sello_solicitante && v.sello_instituto);

    // Another Instituto key does not vouch for this acuse.
    let otro = tempfile::tempdir().unwrap();
    let config = Configuracion::desde(&HashMap::from([(
        "INTERCOM_DATOS",
        otro.path().display().to_string(),
    )]))
    .unwrap();
    let otro_sellador = Sellador::cargar(&config).unwrap();
    assert!(!acuse::verificar(&acuse, &otro_sellador).sello_instituto);
}

#[tokio::test]
async fn el_instituto_no_sella_un_sello_del_solicitante_que_no_verifica() {
    let app = comun::levantar().await;
    let cuenta = cuenta_id(&app).await;
    let acuse = emitir_acuse(&app, cuenta, RAZON_SOCIAL).await;
    let mut tx = app.estado.bd.begin().await.unwrap();
    let (credencial, _) = credenciales::emitir(
        &mut tx,
        &app.estado.pepper,
        cuenta,
        Rol::Patron,
        &acuse.datos.no_certificado,
        true,
    )
    .await
    .unwrap();
    let datos = DatosAcuse {
        folio: credencial.folio,
        cadena_original: acuse
            .datos
            .cadena_original
            .replace("patron-v1", "patron-v2"),
        ..acuse.datos.clone()
    };
    let r = acuse::guardar(&mut tx, &app.estado.sellador, datos).await;
    assert!(matches!(r, Err(sqlx::Error::InvalidArgument(_))), "{r:?}");
}

fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let ruta = dir.path().join("acuse.pdf");
    std::fs::write(&ruta, pdf).unwrap();
    let salida = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&ruta)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) instalado");
    assert!(
        salida.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&salida.stderr)
    );
    String::from_utf8(salida.stdout).unwrap()
}

/// The value printed under `etiqueta`: its lines up to a blank line, the next label or the final
/// note, joined as they were before wrapping.
fn valor_de(texto: &str, etiqueta: &str, etiquetas: &[&str]) -> String {
    let mut lineas = texto.lines().map(str::trim).skip_while(|l| *l != etiqueta);
    assert!(lineas.next().is_some(), "falta «{etiqueta}» en:\n{texto}");
    lineas
        .skip_while(|l| l.is_empty())
        .take_while(|l| {
            !l.is_empty() && !etiquetas.contains(l) && !l.starts_with("Los sellos digitales")
        })
        .collect::<Vec<_>>()
        .concat()
}

#[tokio::test]
async fn el_pdf_muestra_cada_campo_y_su_texto_devuelve_los_valores_exactos() {
    let app = comun::levantar().await;
    let cuenta = cuenta_id(&app).await;
    let acuse = emitir_acuse(&app, cuenta, RAZON_SOCIAL).await;
    let d = &acuse.datos;
    let url = format!("https://portal.example/acuses/verificar?folio={}", d.folio);
    let pdf = acuse::pdf(&acuse, &url);
    assert!(pdf.starts_with(b"%PDF-1.4"));
    assert_eq!(
        acuse::pdf(&acuse, &url),
        pdf,
        "el mismo acuse, los mismos bytes"
    );

    let texto = pdftotext(&pdf);
    for encabezado in [
        "INFONAVIT",
        "Acuse de generación de contraseña — Servicios de Intercomunicación",
        "Respuesta firmada electrónicamente",
    ] {
        assert!(
            texto.contains(encabezado),
            "falta «{encabezado}» en:\n{texto}"
        );
    }
    let esperado = [
        ("Folio", d.folio.clone()),
        ("Fecha y hora (UTC)", acuse::fecha_utc(d.emitido)),
        (
            "Fecha y hora (Ciudad de México, UTC-06:00)",
            acuse::fecha_cdmx(d.emitido),
        ),
        ("Rol", "Patrón".into()),
        ("Número de Registro Patronal (NRP)", d.nrp.clone()),
        ("RFC", d.rfc.clone()),
        ("Razón social", RAZON_SOCIAL.into()),
        (
            "Número de certificado de la e.firma",
            "30001000000500003415".into(),
        ),
        ("Términos y condiciones (versión)", "patron-v1".into()),
        (
            "Términos y condiciones (SHA-256)",
            d.terminos_sha256.clone(),
        ),
        ("Cadena original", d.cadena_original.clone()),
        ("Sello digital del solicitante", d.sello.clone()),
        ("Sello digital del Instituto", acuse.sello_instituto.clone()),
        (
            "Número de certificado del Instituto",
            app.estado.sellador.no_certificado().to_owned(),
        ),
        (
            "SHA-256 del certificado del Instituto",
            app.estado.sellador.huella(),
        ),
        ("Verificación del acuse", url.clone()),
    ];
    let etiquetas: Vec<&str> = esperado.iter().map(|(e, _)| *e).collect();
    for (etiqueta, valor) in &esperado {
        assert_eq!(
            &valor_de(&texto, etiqueta, &etiquetas),
            valor,
            "campo «{etiqueta}»"
        );
    }
    // Long values really were wrapped (and still came back whole).
    assert!(!texto.lines().any(|l| l == acuse.sello_instituto));
    assert!(texto.contains(&format!("Folio {} · Página 1 de 1", d.folio)));

    // Values too long for one page (an RSA-4096 sello, a long cadena) continue on the next; only
    // the page break and footer come between their lines.
    let mut largo = acuse.clone();
    largo.datos.cadena_original = format!("||{}||", "CAMPO CON ESPACIOS Y ÑANDÚ|".repeat(150));
    largo.datos.sello = STANDARD.encode([7u8; 512]);
    let texto = pdftotext(&acuse::pdf(&largo, &url));
    assert!(
        texto.contains(&format!("Folio {} · Página 2 de 2", d.folio)),
        "{texto}"
    );
    let pie = format!("Folio {} · Página", d.folio);
    let sin_pie: String = texto
        .lines()
        .map(|l| l.trim_start_matches('\u{c}'))
        .filter(|l| !l.trim().is_empty() && !l.starts_with(&pie))
        .collect::<Vec<_>>()
        .join("\n");
    for (etiqueta, valor) in [
        ("Cadena original", &largo.datos.cadena_original),
        ("Sello digital del solicitante", &largo.datos.sello),
    ] {
        assert_eq!(
            &valor_de(&sin_pie, etiqueta, &etiquetas),
            valor,
            "campo «{etiqueta}»"
        );
    }
}

fn openssl(args: &[&str]) -> std::process::Output {
    Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl instalado")
}

#[tokio::test]
async fn ambos_sellos_se_verifican_con_openssl() {
    let app = comun::levantar().await;
    let cuenta = cuenta_id(&app).await;
    let acuse = emitir_acuse(&app, cuenta, RAZON_SOCIAL).await;
    let dir = tempfile::tempdir().unwrap();
    let ruta = |nombre: &str| dir.path().join(nombre).display().to_string();

    // What anyone can fetch: the Instituto's certificate.
    let r = reqwest::get(format!("{}/acuses/certificado-instituto.pem", app.base))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let pem = r.text().await.unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
    std::fs::write(ruta("instituto.cer.pem"), &pem).unwrap();
    std::fs::write(ruta("solicitante.cer"), &acuse.datos.certificado_der).unwrap();
    let llave = openssl(&[
        "x509",
        "-in",
        &ruta("instituto.cer.pem"),
        "-pubkey",
        "-noout",
    ]);
    std::fs::write(ruta("instituto.pub.pem"), &llave.stdout).unwrap();
    let llave = openssl(&[
        "x509",
        "-inform",
        "DER",
        "-in",
        &ruta("solicitante.cer"),
        "-pubkey",
        "-noout",
    ]);
    std::fs::write(ruta("solicitante.pub.pem"), &llave.stdout).unwrap();

    let casos = [
        (
            "solicitante",
            acuse.datos.cadena_original.clone(),
            &acuse.datos.sello,
        ),
        (
            "instituto",
            acuse::cadena_instituto(&acuse.datos),
            &acuse.sello_instituto,
        ),
    ];
    for (quien, cadena, sello) in casos {
        std::fs::write(ruta("cadena.txt"), &cadena).unwrap();
        std::fs::write(ruta("sello.bin"), STANDARD.decode(sello).unwrap()).unwrap();
        let salida = openssl(&[
            "dgst",
            "-sha256",
            "-verify",
            &ruta(&format!("{quien}.pub.pem")),
            "-signature",
            &ruta("sello.bin"),
            &ruta("cadena.txt"),
        ]);
        assert_eq!(
            String::from_utf8_lossy(&salida.stdout).trim(),
            "Verified OK",
            "sello del {quien}: {}",
            String::from_utf8_lossy(&salida.stderr)
        );
        // And a cadena off by one character does not verify.
        std::fs::write(ruta("cadena.txt"), format!("{cadena} ")).unwrap();
        let salida = openssl(&[
            "dgst",
            "-sha256",
            "-verify",
            &ruta(&format!("{quien}.pub.pem")),
            "-signature",
            &ruta("sello.bin"),
            &ruta("cadena.txt"),
        ]);
        assert!(!salida.status.success(), "sello del {quien} alterado");
    }
    assert!(acuse::cadena_instituto(&acuse.datos).starts_with(&format!(
        "||FOLIO {}|EMITIDO {}|ROL patron|",
        acuse.datos.folio,
        acuse::fecha_utc(acuse.datos.emitido)
    )));
}

#[tokio::test]
async fn solo_la_cuenta_del_acuse_lo_descarga() {
    let app = comun::levantar().await;
    let cuenta = cuenta_id(&app).await;
    let acuse = emitir_acuse(&app, cuenta, RAZON_SOCIAL).await;
    let ruta = format!("/acuses/{}.pdf", acuse.datos.folio);

    let mut dueno = comun::Navegador::new(&app);
    assert_eq!(
        dueno
            .ingresar(comun::NRP, comun::CORREO, comun::CONTRASENA)
            .await
            .status(),
        200
    );
    let r = dueno.get(&ruta).await;
    assert_eq!(r.status(), 200);
    let h = r.headers();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(
        h["content-disposition"],
        format!("attachment; filename=\"acuse-{}.pdf\"", acuse.datos.folio).as_str()
    );
    assert_eq!(h["cache-control"], "no-store");
    let cuerpo = r.bytes().await.unwrap();
    assert!(cuerpo.starts_with(b"%PDF-"));
    assert!(pdftotext(&cuerpo).contains(&format!(
        "http://localhost:3000/acuses/verificar?folio={}",
        acuse.datos.folio
    )));
    // Each download is an audit event: who, which folio, from where.
    let descargas = || async {
        sqlx::query(
            "SELECT cuenta_id, sujeto, detalle, ip FROM auditoria WHERE evento = 'acuse_descargado' ORDER BY id",
        )
        .fetch_all(&app.estado.bd)
        .await
        .unwrap()
        .iter()
        .map(|f| {
            use sqlx::Row;
            (
                f.get::<i64, _>(0),
                f.get::<String, _>(1),
                f.get::<String, _>(2),
                f.get::<String, _>(3),
            )
        })
        .collect::<Vec<_>>()
    };
    let una = (
        cuenta,
        comun::NRP.to_owned(),
        acuse.datos.folio.clone(),
        "127.0.0.1".to_owned(),
    );
    assert_eq!(descargas().await, vec![una.clone()]);
    assert_eq!(dueno.get(&ruta).await.status(), 200);
    assert_eq!(descargas().await, vec![una.clone(), una.clone()]);

    // Unknown, malformed: the same 404.
    for otra in ["/acuses/0000000000.pdf", "/acuses/12345.pdf", "/acuses/x"] {
        assert_eq!(dueno.get(otra).await.status(), 404, "{otra}");
    }

    // Another account, signed in: 404 as if it did not exist.
    cuentas::alta(
        &app.estado.bd,
        cuentas::NuevaCuenta {
            nrp: "A1234567103".into(),
            rfc: "AAA010101AAA".into(),
            razon_social: "OTRA EMPRESA SA DE CV".into(),
            correo: "otra@empresa.example".into(),
            contrasena: zeroize::Zeroizing::new(comun::CONTRASENA.into()),
        },
    )
    .await
    .unwrap();
    let mut otra = comun::Navegador::new(&app);
    assert_eq!(
        otra.ingresar("A1234567103", "otra@empresa.example", comun::CONTRASENA)
            .await
            .status(),
        200
    );
    let r = otra.get(&ruta).await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.text().await.unwrap(), "No encontrado");

    // No session at all.
    let mut anonimo = comun::Navegador::new(&app);
    assert_eq!(anonimo.get(&ruta).await.status(), 404);
    // Refused attempts delivered nothing, so they are no download.
    assert_eq!(descargas().await.len(), 2);
}

#[tokio::test]
async fn la_pagina_publica_verifica_por_folio() {
    let app = comun::levantar().await;
    let cuenta = cuenta_id(&app).await;
    let acuse = emitir_acuse(&app, cuenta, RAZON_SOCIAL).await;
    let folio = &acuse.datos.folio;
    let mut anonimo = comun::Navegador::new(&app);

    let (estado, html) = anonimo
        .pagina(&format!("/acuses/verificar?folio={folio}"))
        .await;
    assert_eq!(estado, 200);
    for texto in [
        "Acuse válido",
        folio.as_str(),
        &acuse::fecha_utc(acuse.datos.emitido),
        "EKU9003173C9",
        "CONSTRUCCIÓN Y DISEÑO DEL NORTE, S.A. DE C.V.",
        "Patrón",
        "Sello del solicitante: válido",
        "Sello del Instituto: válido",
    ] {
        assert!(html.contains(texto), "falta «{texto}» en:\n{html}");
    }

    let (_, html) = anonimo.pagina("/acuses/verificar?folio=0000000001").await;
    assert!(html.contains("No existe un acuse con ese folio."), "{html}");
    assert!(!html.contains("Acuse válido"));

    let (_, html) = anonimo.pagina("/acuses/verificar?folio=12ab").await;
    assert!(
        html.contains("El folio debe tener 10 dígitos, como aparece en el acuse."),
        "{html}"
    );

    let (estado, html) = anonimo.pagina("/acuses/verificar").await;
    assert_eq!(estado, 200);
    assert!(html.contains("name=\"folio\""));
    assert!(!html.contains("No existe"));

    // The server function itself, as the hydrated page calls it.
    let r = anonimo
        .get(&format!("/api/acuses/verificar?folio={folio}"))
        .await;
    assert_eq!(r.status(), 200);
    let json: serde_json::Value = r.json().await.unwrap();
    assert_eq!(json["sello_instituto"], true);
    assert_eq!(json["rfc"], "EKU9003173C9");
    let (estado, error) =
        comun::error_json(anonimo.get("/api/acuses/verificar?folio=abc").await).await;
    assert_eq!(
        (estado, error["codigo"].as_str()),
        (400, Some("solicitud_invalida"))
    );

    // A tampered acuse says so, and which seal failed.
    alterar(&app, folio, "razon_social", "OTRA EMPRESA SA DE CV").await;
    let (_, html) = anonimo
        .pagina(&format!("/acuses/verificar?folio={folio}"))
        .await;
    assert!(html.contains("Acuse no válido"), "{html}");
    assert!(html.contains("Sello del solicitante: válido"));
    assert!(html.contains("Sello del Instituto: no válido"));
}

#[tokio::test]
async fn los_folios_inexistentes_se_limitan_por_direccion() {
    let app = comun::levantar_con(&[("INTERCOM_LIMITE_IP_INTENTOS", "3")]).await;
    let mut anonimo = comun::Navegador::new(&app);
    for i in 0..3 {
        let r = anonimo
            .get(&format!("/api/acuses/verificar?folio=000000000{i}"))
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.text().await.unwrap(), "null");
    }
    let r = anonimo.get("/api/acuses/verificar?folio=0000000009").await;
    assert!(r.headers().contains_key("retry-after"));
    let (estado, error) = comun::error_json(r).await;
    assert_eq!(
        (estado, error["codigo"].as_str()),
        (429, Some("demasiadas_consultas"))
    );
}

#[test]
fn en_produccion_sin_el_sello_del_instituto_no_arranca() {
    let base = [
        ("INTERCOM_MODO", "produccion".to_owned()),
        // 32 distinct bytes, base64: a secret production accepts.
        (
            "INTERCOM_SECRETO",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".to_owned(),
        ),
        ("INTERCOM_ANCLAS", "/anclas".to_owned()),
        ("INTERCOM_URL_PUBLICA", "https://portal.example".to_owned()),
        (
            "INTERCOM_SMTP_URL",
            "smtp+starttls://correo.example:587".to_owned(),
        ),
    ];
    let error = Configuracion::desde(&HashMap::from(base.clone()))
        .err()
        .expect("debe negarse")
        .to_string();
    assert!(error.contains("INTERCOM_SELLO_LLAVE"), "{error}");

    let mut con_sello = HashMap::from(base.clone());
    con_sello.insert("INTERCOM_SELLO_LLAVE", "/llave.pem".into());
    con_sello.insert("INTERCOM_SELLO_CERTIFICADO", "/certificado.pem".into());
    let config = Configuracion::desde(&con_sello).expect("con el sello, sí");
    assert_eq!(config.url_publica, "https://portal.example");

    let mut sin_url = con_sello.clone();
    sin_url.remove("INTERCOM_URL_PUBLICA");
    let error = Configuracion::desde(&sin_url)
        .err()
        .expect("sin URL pública");
    assert!(error.to_string().contains("INTERCOM_URL_PUBLICA"));

    // Only one of the two is a mistake in any mode.
    let solo_llave = HashMap::from([("INTERCOM_SELLO_LLAVE", "/llave.pem".to_owned())]);
    assert!(Configuracion::desde(&solo_llave).is_err());
}

#[test]
fn la_llave_del_sello_debe_ser_privada_y_corresponder_al_certificado() {
    use std::os::unix::fs::PermissionsExt;
    // The demo's pair, generated once and then reused.
    let datos = tempfile::tempdir().unwrap();
    let config = Configuracion::desde(&HashMap::from([(
        "INTERCOM_DATOS",
        datos.path().display().to_string(),
    )]))
    .unwrap();
    let primero = Sellador::cargar(&config).unwrap();
    let carpeta = acuse::carpeta_demo(datos.path());
    let (llave, certificado) = (carpeta.join("llave.pem"), carpeta.join("certificado.pem"));
    let modo = std::fs::metadata(&llave).unwrap().permissions().mode();
    assert_eq!(modo & 0o777, 0o600);
    assert_eq!(
        Sellador::cargar(&config).unwrap().huella(),
        primero.huella(),
        "la demo reutiliza su sello"
    );
    assert_eq!(primero.no_certificado().len(), 20);

    // Production takes the same files by path.
    Sellador::desde_archivos(&llave, &certificado).expect("llave 0600");
    std::fs::set_permissions(&llave, std::fs::Permissions::from_mode(0o644)).unwrap();
    let error = Sellador::desde_archivos(&llave, &certificado)
        .err()
        .expect("llave legible por otros")
        .to_string();
    assert!(error.contains("chmod 600"), "{error}");
    std::fs::set_permissions(&llave, std::fs::Permissions::from_mode(0o600)).unwrap();

    // A certificate that is not the key's.
    let otro = tempfile::tempdir().unwrap();
    let ajeno = otro.path().join("ajeno.cer");
    std::fs::write(&ajeno, fixture("EKU9003173C9/fiel.cer")).unwrap();
    let error = Sellador::desde_archivos(&llave, &ajeno)
        .err()
        .expect("certificado ajeno");
    assert!(format!("{error:#}").contains("no corresponde"), "{error:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consultas_simultaneas_de_folios_inexistentes_no_rebasan_el_limite() {
    let app = comun::levantar_con(&[("INTERCOM_LIMITE_IP_INTENTOS", "3")]).await;
    let cuenta = cuenta_id(&app).await;
    let acuse = emitir_acuse(&app, cuenta, RAZON_SOCIAL).await;
    // Twelve unknown folios looked up at once, each from a connection of its own.
    let respuestas = comun::a_la_vez((0..12).map(|i| {
        let envio = reqwest::Client::new()
            .get(format!(
                "{}/api/acuses/verificar?folio={:010}",
                app.base,
                i + 1
            ))
            .send();
        async move { comun::resultado(envio.await.expect("GET")).await }
    }))
    .await;
    let mensaje = "Hubo demasiadas consultas de folios inexistentes desde tu conexión. Espera unos minutos e intenta de nuevo.";
    let (mut respondidas, mut rechazadas) = (0, 0);
    for (estado, espera, cuerpo) in respuestas {
        match estado {
            // Looked up: no such acuse.
            200 => {
                assert_eq!((espera, &cuerpo), (None, &serde_json::Value::Null));
                respondidas += 1;
            }
            429 => {
                let espera = espera.expect("un 429 lleva Retry-After");
                assert!(espera > 0 && espera <= 15 * 60, "Retry-After {espera}");
                assert_eq!(
                    cuerpo,
                    serde_json::json!({
                        "codigo": "demasiadas_consultas",
                        "mensaje": mensaje,
                        "estado": 429,
                        "reintentar_en": espera,
                    })
                );
                rechazadas += 1;
            }
            otro => panic!("respuesta inesperada {otro}: {cuerpo}"),
        }
    }
    assert_eq!((respondidas, rechazadas), (3, 9));
    // Past the limit every lookup from the address waits, even of a folio that exists.
    let (estado, _, cuerpo) = comun::resultado(
        reqwest::Client::new()
            .get(format!(
                "{}/api/acuses/verificar?folio={}",
                app.base, acuse.datos.folio
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (estado, cuerpo["codigo"].as_str()),
        (429, Some("demasiadas_consultas"))
    );
    let clave = format!("acuse-{}", servidor::limites::clave_ip("127.0.0.1"));
    assert_eq!(comun::intentos(&app, &clave).await, 3);
}

#[tokio::test]
async fn tras_rotar_la_llave_del_sello_los_acuses_anteriores_siguen_verificando() {
    let app = comun::levantar().await;
    let cuenta = cuenta_id(&app).await;
    let anterior = emitir_acuse(&app, cuenta, RAZON_SOCIAL).await;
    let bd = &app.estado.bd;

    // The Instituto rotates its seal key: this server now seals with another certificate.
    let otro = tempfile::tempdir().unwrap();
    let config = Configuracion::desde(&HashMap::from([(
        "INTERCOM_DATOS",
        otro.path().display().to_string(),
    )]))
    .unwrap();
    let nuevo = Sellador::cargar(&config).unwrap();
    assert_ne!(nuevo.huella(), app.estado.sellador.huella());
    assert!(!acuse::verificar(&anterior, &nuevo).sello_instituto);
    let v = acuse::verificar_con_historial(bd, &anterior, &nuevo)
        .await
        .unwrap();
    assert!(v.sello_solicitante && v.sello_instituto && v.valida());
    // The acuse still names the certificate that sealed it, and the history holds it once.
    assert_eq!(
        anterior.instituto_no_certificado,
        app.estado.sellador.no_certificado()
    );
    let registrados: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sellos_instituto")
        .fetch_one(bd)
        .await
        .unwrap();
    assert_eq!(registrados, 1);
    emitir_acuse(&app, cuenta, RAZON_SOCIAL).await;
    let registrados: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sellos_instituto")
        .fetch_one(bd)
        .await
        .unwrap();
    assert_eq!(registrados, 1, "one row per certificate, not per acuse");

    // A tampered seal is still refused through the history.
    alterar(
        &app,
        &anterior.datos.folio,
        "sello_instituto",
        &otro_caracter(&anterior.sello_instituto, 10),
    )
    .await;
    let alterado = releer(&app, &anterior.datos.folio).await;
    assert!(
        !acuse::verificar_con_historial(bd, &alterado, &nuevo)
            .await
            .unwrap()
            .sello_instituto
    );

    // Another certificate slipped into the history under the old fingerprint vouches for
    // nothing; without its certificate an old acuse cannot be vouched for either.
    sqlx::query("UPDATE sellos_instituto SET certificado = $1")
        .bind(nuevo.certificado().der())
        .execute(bd)
        .await
        .unwrap();
    assert!(
        !acuse::verificar_con_historial(bd, &anterior, &nuevo)
            .await
            .unwrap()
            .sello_instituto
    );
    sqlx::query("DELETE FROM sellos_instituto")
        .execute(bd)
        .await
        .unwrap();
    assert!(
        !acuse::verificar_con_historial(bd, &anterior, &nuevo)
            .await
            .unwrap()
            .sello_instituto
    );
    // This server's own seal needs no history.
    assert!(
        acuse::verificar_con_historial(bd, &anterior, &app.estado.sellador)
            .await
            .unwrap()
            .valida()
    );
}
