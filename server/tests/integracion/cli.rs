//! The operator's command line, as a script would use it.

use crate::comun;

use comun::Datos;
use std::process::Command;

fn intercomunicacion(datos: &Datos) -> Command {
    datos.cli()
}

#[test]
fn cuentas_alta_crea_la_cuenta_y_rechaza_datos_invalidos_con_codigo_2() {
    let datos = Datos::nuevos_bloqueante();
    let archivo = datos.path().join("contrasena");
    std::fs::write(&archivo, "Una-contraseña-larga-1\n").unwrap();
    let alta = |nrp: &str, rfc: &str| {
        intercomunicacion(&datos)
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

    let sin_contrasena = intercomunicacion(&datos)
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
    let datos = Datos::nuevos_bloqueante();
    let salida = intercomunicacion(&datos).arg("migrar").output().unwrap();
    assert!(
        salida.status.success(),
        "{}",
        String::from_utf8_lossy(&salida.stderr)
    );
    if !datos.es_postgres() {
        assert!(datos.path().join("intercomunicacion.db").exists());
    }
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

#[test]
fn demo_efirma_genera_la_ac_y_la_fiel_de_demostracion() {
    let datos = Datos::nuevos_bloqueante();
    let salida = intercomunicacion(&datos)
        .args(["demo", "efirma"])
        .output()
        .unwrap();
    assert!(salida.status.success());
    let carpeta = std::path::PathBuf::from(String::from_utf8_lossy(&salida.stdout).trim());
    for archivo in [
        "fiel.cer",
        "fiel.key",
        "csd.cer",
        "revocada.cer",
        "ca/raiz.cer",
        "ocsp/index.txt",
    ] {
        assert!(carpeta.join(archivo).exists(), "falta {archivo}");
    }
    let leeme = std::fs::read_to_string(datos.path().join("demo/LEEME.txt")).unwrap();
    assert!(leeme.contains("Contraseña de la e.firma: "));
}

#[tokio::test]
async fn credenciales_verificar_dice_si_la_contrasena_es_la_activa() {
    use servidor::{
        bd,
        configuracion::Configuracion,
        credenciales::{self, Rol},
        secretos::Secretos,
    };
    let datos = Datos::nuevos().await;
    let alta = intercomunicacion(&datos)
        .args([
            "cuentas",
            "alta",
            "--nrp",
            "A1234567890",
            "--rfc",
            "EKU9003173C9",
        ])
        .args([
            "--razon-social",
            "EMPRESA SA DE CV",
            "--correo",
            "nomina@empresa.example",
        ])
        .arg("--contrasena-stdin")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut h| {
            use std::io::Write;
            h.stdin
                .take()
                .unwrap()
                .write_all(b"Una-contrasena-larga-1\n")?;
            h.wait()
        })
        .unwrap();
    assert!(alta.success());
    // Issue a credential the way the server does, with the data directory's secret.
    let config = Configuracion::desde(
        &datos
            .variables()
            .into_iter()
            .collect::<std::collections::HashMap<_, _>>(),
    )
    .unwrap();
    let pepper = Secretos::cargar(&config)
        .unwrap()
        .derivar(servidor::arranque::PROPOSITO_PEPPER);
    let base = bd::conectar(&config.url_bd).await.unwrap();
    let mut tx = base.begin().await.unwrap();
    let (credencial, contrasena) = credenciales::emitir(
        &mut tx,
        &pepper,
        1,
        Rol::Patron,
        "30001000000500003415",
        false,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    base.close().await;

    let verificar = |nrp: &str, entrada: &str| {
        let mut h = intercomunicacion(&datos)
            .args([
                "credenciales",
                "verificar",
                "--nrp",
                nrp,
                "--contrasena-stdin",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        h.stdin
            .take()
            .unwrap()
            .write_all(entrada.as_bytes())
            .unwrap();
        h.wait_with_output().unwrap()
    };
    let bien = verificar("A1234567890", &format!("{}\n", contrasena.exponer()));
    assert_eq!(bien.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&bien.stdout).trim(),
        credencial.folio
    );
    let mal = verificar("A1234567890", "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA\n");
    assert_eq!(mal.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&mal.stderr).contains("no corresponde"));
    let desconocido = verificar("B1234567890", &format!("{}\n", contrasena.exponer()));
    assert_eq!(desconocido.status.code(), Some(2));
}

#[test]
fn certificacion_decide_solo_transiciones_validas() {
    let datos = Datos::nuevos_bloqueante();
    let pendientes = intercomunicacion(&datos)
        .args(["certificacion", "pendientes"])
        .output()
        .unwrap();
    assert!(pendientes.status.success());
    assert!(pendientes.stdout.is_empty());
    let aprobar = intercomunicacion(&datos)
        .args(["certificacion", "aprobar", "--producto", "99"])
        .output()
        .unwrap();
    assert_eq!(aprobar.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&aprobar.stderr).contains("No existe el producto 99."));
    let sin_motivo = intercomunicacion(&datos)
        .args(["certificacion", "rechazar", "--producto", "1"])
        .output()
        .unwrap();
    assert_eq!(sin_motivo.status.code(), Some(2), "clap exige --motivo");
}
