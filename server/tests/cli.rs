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
