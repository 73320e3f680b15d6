//! The operator's command line, as a script would use it.

use std::process::Command;

fn intercomunicacion(datos: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_intercomunicacion"));
    c.env("INTERCOM_DATOS", datos).env_remove("DATABASE_URL");
    c
}

#[test]
fn cuentas_alta_crea_la_cuenta_y_rechaza_datos_invalidos_con_codigo_2() {
    let datos = tempfile::tempdir().unwrap();
    let archivo = datos.path().join("contrasena");
    std::fs::write(&archivo, "Una-contraseña-larga-1\n").unwrap();
    let alta = |nrp: &str, rfc: &str| {
        intercomunicacion(datos.path())
            .args([
                "cuentas",
                "alta",
                "--nrp",
                nrp,
                "--rfc",
                rfc,
                "--razon-social",
                "EMPRESA SA DE CV",
            ])
            .args(["--correo", "nomina@empresa.example", "--contrasena-archivo"])
            .arg(&archivo)
            .output()
            .unwrap()
    };
    let ok = alta("A1234567890", "EKU9003173C9");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&ok.stdout).trim(), "1");

    let repetida = alta("A1234567890", "EKU9003173C9");
    assert_eq!(repetida.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&repetida.stderr)
        .contains("Ya existe una cuenta con el NRP A1234567890."));

    let rfc_malo = alta("B1234567890", "EKU9013173C9");
    assert_eq!(rfc_malo.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&rfc_malo.stderr).contains("El RFC no es válido"));

    let nrp_malo = alta("123", "EKU9003173C9");
    assert_eq!(nrp_malo.status.code(), Some(2));

    let sin_contrasena = intercomunicacion(datos.path())
        .args([
            "cuentas",
            "alta",
            "--nrp",
            "C1234567890",
            "--rfc",
            "EKU9003173C9",
        ])
        .args(["--razon-social", "X", "--correo", "a@b.example"])
        .output()
        .unwrap();
    assert_eq!(sin_contrasena.status.code(), Some(2));
}

#[test]
fn migrar_prepara_la_base_y_termina() {
    let datos = tempfile::tempdir().unwrap();
    let salida = intercomunicacion(datos.path())
        .arg("migrar")
        .output()
        .unwrap();
    assert!(
        salida.status.success(),
        "{}",
        String::from_utf8_lossy(&salida.stderr)
    );
    assert!(datos.path().join("intercomunicacion.db").exists());
}

fn fixture(ruta: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/sat")
        .join(ruta)
}

fn inspeccionar(args: &[&std::ffi::OsStr]) -> (Option<i32>, serde_json::Value, String) {
    let salida = Command::new(env!("CARGO_BIN_EXE_intercomunicacion"))
        .args(["efirma", "inspeccionar"])
        .args(args)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&salida.stdout).unwrap_or(serde_json::Value::Null);
    (
        salida.status.code(),
        json,
        String::from_utf8_lossy(&salida.stderr).into_owned(),
    )
}

#[test]
fn efirma_inspeccionar_acepta_la_fiel_de_prueba_y_rechaza_el_csd() {
    let dir = tempfile::tempdir().unwrap();
    let contrasena = dir.path().join("pw");
    std::fs::write(&contrasena, "12345678a\n").unwrap();
    let cer = fixture("EKU9003173C9/fiel.cer");
    let key = fixture("EKU9003173C9/fiel.key");
    let anclas = fixture("ca/pruebas");
    let (codigo, json, err) = inspeccionar(&[
        "--cer".as_ref(),
        cer.as_os_str(),
        "--llave".as_ref(),
        key.as_os_str(),
        "--contrasena-archivo".as_ref(),
        contrasena.as_os_str(),
        "--anclas".as_ref(),
        anclas.as_os_str(),
        "--fecha".as_ref(),
        "2026-11-27T12:00:00Z".as_ref(),
    ]);
    assert_eq!(codigo, Some(0), "{json} {err}");
    assert_eq!(json["rfc"], "EKU9003173C9");
    assert_eq!(json["rfc_representante"], "VADA800927DJ3");
    assert_eq!(json["curp"], "VADA800927HSRSRL05");
    assert_eq!(json["no_certificado"], "30001000000500003415");
    assert_eq!(json["tipo"], "FIEL");
    assert_eq!(json["persona"], "moral");
    assert_eq!(json["llave_corresponde"], true);
    assert_eq!(json["cadena"], "valida");
    assert_eq!(json["veredicto"], "aceptada");

    let csd = fixture("EKU9003173C9/csd.cer");
    let (codigo, json, _) = inspeccionar(&["--cer".as_ref(), csd.as_os_str()]);
    assert_eq!(codigo, Some(1));
    assert_eq!(json["tipo"], "CSD");
    assert_eq!(json["veredicto"], "csd_no_es_efirma");

    std::fs::write(&contrasena, "otra\n").unwrap();
    let (codigo, json, _) = inspeccionar(&[
        "--cer".as_ref(),
        cer.as_os_str(),
        "--llave".as_ref(),
        key.as_os_str(),
        "--contrasena-archivo".as_ref(),
        contrasena.as_os_str(),
    ]);
    assert_eq!(codigo, Some(1));
    assert_eq!(json["veredicto"], "contrasena_incorrecta");

    let (codigo, _, err) = inspeccionar(&["--cer".as_ref(), "/no/existe.cer".as_ref()]);
    assert_eq!(codigo, Some(2));
    assert!(err.contains("No se pudo leer /no/existe.cer"));
    let (codigo, _, err) = inspeccionar(&[
        "--cer".as_ref(),
        cer.as_os_str(),
        "--fecha".as_ref(),
        "ayer".as_ref(),
    ]);
    assert_eq!(codigo, Some(2));
    assert!(err.contains("--fecha debe ser RFC 3339"));
}
