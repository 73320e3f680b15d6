//! Production mode refuses to start without what protects people, or with the demo's secrets:
//! one test per refusal, each asserting the exact Spanish message the operator reads. Those that
//! start the server use SQLite, or PostgreSQL when `INTERCOM_PRUEBAS_PG` is set (see `comun`).

use crate::comun;

use base64::{engine::general_purpose::STANDARD, Engine};
use servidor::{
    acuse::{self, Sellador},
    arranque,
    configuracion::Configuracion,
    demo,
};
use std::{collections::HashMap, path::Path};

fn sat(ruta: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/sat")
        .join(ruta)
        .display()
        .to_string()
}

/// 32 bytes, all different.
fn secreto_aleatorio() -> String {
    let bytes: Vec<u8> = (0..32u8)
        .map(|i| i.wrapping_mul(29).wrapping_add(3))
        .collect();
    STANDARD.encode(bytes)
}

/// A complete production configuration over the data directory `datos` (nothing is read from
/// the seal's paths until the server starts).
fn produccion(datos: &Path) -> HashMap<&'static str, String> {
    HashMap::from([
        ("INTERCOM_MODO", "produccion".to_owned()),
        ("INTERCOM_DATOS", datos.display().to_string()),
        ("INTERCOM_SECRETO", secreto_aleatorio()),
        ("INTERCOM_ANCLAS", sat("ca/pruebas")),
        ("INTERCOM_SELLO_LLAVE", "/etc/intercom/sello.key".to_owned()),
        (
            "INTERCOM_SELLO_CERTIFICADO",
            "/etc/intercom/sello.cer".to_owned(),
        ),
        (
            "INTERCOM_SMTP_URL",
            "smtp+starttls://correo.example:587".to_owned(),
        ),
        ("INTERCOM_URL_PUBLICA", "https://portal.example".to_owned()),
    ])
}

/// The message `Configuracion::desde` refuses with.
fn rechazo(variables: &HashMap<&'static str, String>) -> String {
    match Configuracion::desde(variables) {
        Ok(_) => panic!("debió negarse a arrancar"),
        Err(e) => e.to_string(),
    }
}

fn sin(datos: &Path, variable: &str) -> HashMap<&'static str, String> {
    let mut v = produccion(datos);
    v.remove(variable);
    v
}

fn con(datos: &Path, variable: &'static str, valor: &str) -> HashMap<&'static str, String> {
    let mut v = produccion(datos);
    v.insert(variable, valor.to_owned());
    v
}

#[test]
fn la_configuracion_completa_se_acepta() {
    let datos = tempfile::tempdir().unwrap();
    let config = Configuracion::desde(&produccion(datos.path())).expect("completa");
    assert!(config.secreto.is_some());
    assert!(config.metricas_token.is_none());
}

#[test]
fn sin_secreto_del_servidor_no_arranca() {
    let datos = tempfile::tempdir().unwrap();
    assert_eq!(
        rechazo(&sin(datos.path(), "INTERCOM_SECRETO")),
        "en modo producción INTERCOM_SECRETO es obligatorio"
    );
}

#[test]
fn un_secreto_mal_formado_no_sirve_en_ningun_modo() {
    let datos = tempfile::tempdir().unwrap();
    assert_eq!(
        rechazo(&con(datos.path(), "INTERCOM_SECRETO", "no es base64!")),
        "INTERCOM_SECRETO no es base64 válido"
    );
    assert_eq!(
        rechazo(&con(
            datos.path(),
            "INTERCOM_SECRETO",
            &STANDARD.encode([7u8; 16])
        )),
        "INTERCOM_SECRETO debe tener exactamente 32 bytes"
    );
    let demo = HashMap::from([("INTERCOM_SECRETO", STANDARD.encode([7u8; 31]))]);
    assert_eq!(
        rechazo(&demo),
        "INTERCOM_SECRETO debe tener exactamente 32 bytes"
    );
}

#[test]
fn un_secreto_de_ejemplo_no_sirve() {
    let datos = tempfile::tempdir().unwrap();
    let esperado = "en modo producción INTERCOM_SECRETO debe ser aleatorio (por ejemplo: head -c 32 /dev/urandom | base64), no un valor de ejemplo";
    for ejemplo in [[0u8; 32], [b'a'; 32]] {
        assert_eq!(
            rechazo(&con(
                datos.path(),
                "INTERCOM_SECRETO",
                &STANDARD.encode(ejemplo)
            )),
            esperado
        );
    }
    let pocos: Vec<u8> = (0..32u8).map(|i| i % 4).collect();
    assert_eq!(
        rechazo(&con(
            datos.path(),
            "INTERCOM_SECRETO",
            &STANDARD.encode(pocos)
        )),
        esperado
    );
    // The demo itself takes whatever it is given.
    let demo = HashMap::from([("INTERCOM_SECRETO", STANDARD.encode([0u8; 32]))]);
    assert!(Configuracion::desde(&demo).is_ok());
}

#[test]
fn el_secreto_que_genero_la_demostracion_no_sirve() {
    let datos = tempfile::tempdir().unwrap();
    let archivo = datos.path().join("secreto-servidor");
    let bytes: Vec<u8> = (0..32u8)
        .map(|i| i.wrapping_mul(29).wrapping_add(3))
        .collect();
    std::fs::write(&archivo, &bytes).unwrap();
    assert_eq!(
        rechazo(&produccion(datos.path())),
        format!(
            "en modo producción INTERCOM_SECRETO no puede ser el secreto que generó la demostración ({})",
            archivo.display()
        )
    );
    // Another secret beside the demo's file is fine.
    let otro: Vec<u8> = (0..32u8)
        .map(|i| i.wrapping_mul(31).wrapping_add(5))
        .collect();
    assert!(Configuracion::desde(&con(
        datos.path(),
        "INTERCOM_SECRETO",
        &STANDARD.encode(otro)
    ))
    .is_ok());
}

#[test]
fn sin_anclas_de_confianza_no_arranca() {
    let datos = tempfile::tempdir().unwrap();
    assert_eq!(
        rechazo(&sin(datos.path(), "INTERCOM_ANCLAS")),
        "en modo producción INTERCOM_ANCLAS (directorio de certificados de las AC del SAT) es obligatorio"
    );
}

#[test]
fn las_anclas_de_la_demostracion_no_sirven() {
    let datos = tempfile::tempdir().unwrap();
    let ca = datos.path().join("demo/efirma/ca");
    assert_eq!(
        rechazo(&con(datos.path(), "INTERCOM_ANCLAS", &ca.display().to_string())),
        format!(
            "en modo producción INTERCOM_ANCLAS no puede ser la AC de demostración ({}): usa los certificados de las AC del SAT",
            ca.display()
        )
    );
}

#[test]
fn sin_el_sello_del_instituto_no_arranca() {
    let datos = tempfile::tempdir().unwrap();
    let esperado = "INTERCOM_SELLO_LLAVE e INTERCOM_SELLO_CERTIFICADO (llave y certificado del sello del Instituto para los acuses) van juntas y en modo producción son obligatorias";
    assert_eq!(
        rechazo(&sin(datos.path(), "INTERCOM_SELLO_LLAVE")),
        esperado
    );
    let mut ninguno = sin(datos.path(), "INTERCOM_SELLO_LLAVE");
    ninguno.remove("INTERCOM_SELLO_CERTIFICADO");
    assert_eq!(rechazo(&ninguno), esperado);
}

#[test]
fn el_sello_que_genero_la_demostracion_no_sirve() {
    let datos = tempfile::tempdir().unwrap();
    let carpeta = datos.path().join("sello-instituto");
    let llave = carpeta.join("llave.pem").display().to_string();
    assert_eq!(
        rechazo(&con(datos.path(), "INTERCOM_SELLO_LLAVE", &llave)),
        format!(
            "en modo producción el sello del Instituto no puede ser el que generó la demostración ({})",
            carpeta.display()
        )
    );
}

#[test]
fn sin_direccion_publica_no_arranca() {
    let datos = tempfile::tempdir().unwrap();
    assert_eq!(
        rechazo(&sin(datos.path(), "INTERCOM_URL_PUBLICA")),
        "en modo producción INTERCOM_URL_PUBLICA (la dirección pública del portal, a la que apunta el QR de los acuses) es obligatoria"
    );
}

#[test]
fn sin_smtp_no_arranca() {
    let datos = tempfile::tempdir().unwrap();
    assert_eq!(
        rechazo(&sin(datos.path(), "INTERCOM_SMTP_URL")),
        "en modo producción INTERCOM_SMTP_URL (servidor de correo) es obligatorio"
    );
}

#[test]
fn smtp_sin_cifrar_hacia_otra_maquina_no_arranca() {
    let datos = tempfile::tempdir().unwrap();
    let esperado = "en modo producción el correo sale cifrado: usa smtp+starttls:// o smtps:// (smtp:// sólo hacia esta máquina)";
    for url in [
        "smtp://correo.example:25",
        "smtp://10.0.0.5:2525",
        "smtp://[2001:db8::1]:25",
    ] {
        assert_eq!(
            rechazo(&con(datos.path(), "INTERCOM_SMTP_URL", url)),
            esperado,
            "{url}"
        );
    }
    for url in [
        "smtp://127.0.0.1:2525",
        "smtp://localhost:25",
        "smtp://[::1]:25",
        "smtps://correo.example",
    ] {
        assert!(
            Configuracion::desde(&con(datos.path(), "INTERCOM_SMTP_URL", url)).is_ok(),
            "{url}"
        );
    }
}

#[test]
fn aceptar_una_consulta_ocsp_fallida_no_se_permite() {
    let datos = tempfile::tempdir().unwrap();
    assert_eq!(
        rechazo(&con(datos.path(), "INTERCOM_OCSP_SI_FALLA", "aceptar")),
        "en modo producción una consulta OCSP fallida siempre rechaza"
    );
}

#[test]
fn un_token_de_metricas_corto_no_sirve() {
    let datos = tempfile::tempdir().unwrap();
    let esperado = "INTERCOM_METRICAS_TOKEN debe tener al menos 32 caracteres visibles, sin espacios (por ejemplo: head -c 32 /dev/urandom | base64)";
    for malo in ["corto", &"a b".repeat(20), &"x".repeat(31)] {
        assert_eq!(
            rechazo(&con(datos.path(), "INTERCOM_METRICAS_TOKEN", malo)),
            esperado
        );
    }
    let config = Configuracion::desde(&con(
        datos.path(),
        "INTERCOM_METRICAS_TOKEN",
        &"x".repeat(32),
    ))
    .expect("32 caracteres");
    assert_eq!(
        config.metricas_token.as_deref().map(String::as_str),
        Some("x".repeat(32).as_str())
    );
}

/// A production configuration over `datos` (directory and database) whose seal (key 0600,
/// certificate) is `llave` and `certificado`.
fn con_sello(
    datos: &comun::Datos,
    llave: &Path,
    certificado: &Path,
) -> HashMap<&'static str, String> {
    let mut v = produccion(datos.path());
    v.extend(datos.variables());
    v.insert("INTERCOM_SELLO_LLAVE", llave.display().to_string());
    v.insert(
        "INTERCOM_SELLO_CERTIFICADO",
        certificado.display().to_string(),
    );
    v.insert("INTERCOM_SMTP_URL", "smtp://127.0.0.1:2525".to_owned());
    v
}

/// A seal of its own (not the demo's), DER files, the key only for its owner.
fn sello_propio(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let ahora = servidor::ahora();
    let (cer, pkcs8) = efirma::generador::sello_autofirmado(
        "Sello del Instituto de Pruebas",
        "INFONAVIT",
        "90000000000000000002",
        ahora - 86_400,
        ahora + 365 * 86_400,
    )
    .unwrap();
    let (llave, certificado) = (dir.join("propio.key"), dir.join("propio.cer"));
    std::fs::write(&llave, pkcs8.as_slice()).unwrap();
    std::fs::set_permissions(&llave, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(&certificado, cer).unwrap();
    (llave, certificado)
}

async fn rechazo_al_arrancar(variables: &HashMap<&'static str, String>) -> String {
    let config = Configuracion::desde(variables).expect("configuración");
    match arranque::preparar(config).await {
        Ok(_) => panic!("debió negarse a arrancar"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test]
async fn el_sello_de_la_demostracion_copiado_a_otra_parte_no_sirve() {
    use std::os::unix::fs::PermissionsExt;
    let demo_datos = tempfile::tempdir().unwrap();
    let demo = Configuracion::desde(&HashMap::from([(
        "INTERCOM_DATOS",
        demo_datos.path().display().to_string(),
    )]))
    .unwrap();
    Sellador::cargar(&demo).unwrap();
    let origen = acuse::carpeta_demo(demo_datos.path());
    let copia = tempfile::tempdir().unwrap();
    let (llave, certificado) = (copia.path().join("llave.pem"), copia.path().join("cer.pem"));
    std::fs::copy(origen.join("llave.pem"), &llave).unwrap();
    std::fs::set_permissions(&llave, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::copy(origen.join("certificado.pem"), &certificado).unwrap();

    let datos = comun::Datos::nuevos().await;
    assert_eq!(
        rechazo_al_arrancar(&con_sello(&datos, &llave, &certificado)).await,
        format!(
            "en modo producción el sello del Instituto no puede ser el de demostración ({})",
            certificado.display()
        )
    );
}

#[tokio::test]
async fn la_ac_de_la_demostracion_copiada_a_otra_parte_no_sirve() {
    let demo_datos = tempfile::tempdir().unwrap();
    demo::sembrar_efirma(demo_datos.path()).await.unwrap();
    let anclas = tempfile::tempdir().unwrap();
    std::fs::copy(
        demo::carpeta_efirma(demo_datos.path()).join("ca/raiz.cer"),
        anclas.path().join("raiz.cer"),
    )
    .unwrap();
    let datos = comun::Datos::nuevos().await;
    let (llave, certificado) = sello_propio(datos.path());
    let mut variables = con_sello(&datos, &llave, &certificado);
    variables.insert("INTERCOM_ANCLAS", anclas.path().display().to_string());
    assert_eq!(
        rechazo_al_arrancar(&variables).await,
        "en modo producción las anclas de confianza no pueden incluir la AC de demostración (AC Raiz Pruebas): usa los certificados de las AC del SAT"
    );
    // With SAT's CAs instead, the same configuration starts.
    variables.insert("INTERCOM_ANCLAS", sat("ca/pruebas"));
    let config = Configuracion::desde(&variables).unwrap();
    assert!(arranque::preparar(config).await.is_ok());
}

#[tokio::test]
async fn una_base_con_la_cuenta_de_demostracion_no_sirve() {
    let datos = comun::Datos::nuevos().await;
    // The demo's data directory is another one; its database is the one production is given.
    let demo_datos = tempfile::tempdir().unwrap();
    let demo = Configuracion::desde(&HashMap::from([
        ("INTERCOM_DATOS", demo_datos.path().display().to_string()),
        ("DATABASE_URL", datos.url.clone()),
    ]))
    .unwrap();
    let estado = arranque::preparar(demo).await.unwrap();
    // Where the demo keeps the printed password (its PKI is not needed here).
    std::fs::create_dir_all(demo_datos.path().join("demo")).unwrap();
    demo::sembrar_cuenta(&estado).await.unwrap();
    estado.bd.close().await;

    let (llave, certificado) = sello_propio(datos.path());
    let variables = con_sello(&datos, &llave, &certificado);
    assert_eq!(
        rechazo_al_arrancar(&variables).await,
        "en modo producción la base de datos no puede tener la cuenta de demostración (NRP Y5412345108, cuya contraseña se imprimió al sembrarla): usa una base de datos sin datos de demostración"
    );
}
