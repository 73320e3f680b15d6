//! Revocation against a real `openssl ocsp` responder on loopback, over a generated SAT-like
//! hierarchy for the test employer (RFC EKU9003173C9).

use crate::comun;

use efirma::{generador::Jerarquia, Algoritmo, Credencial};
use servidor::{
    retos::{self, Proposito},
    verificacion::{verificar_reto, FirmaReto},
};
use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

struct Respondedor(Child);

impl Drop for Respondedor {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn iniciar_respondedor(dir: &std::path::Path, puerto: u16) -> Respondedor {
    let log = dir.join("openssl.log");
    let hijo = Command::new("openssl")
        .current_dir(dir)
        .args([
            "ocsp",
            "-index",
            "index.txt",
            "-CA",
            "ac.pem",
            "-rsigner",
            "responder.pem",
        ])
        .args([
            "-rkey",
            "responder.key.pem",
            "-ndays",
            "1",
            "-port",
            &puerto.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("openssl ocsp");
    let r = Respondedor(hijo);
    let limite = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(&log)
        .is_ok_and(|l| l.contains("waiting for OCSP client connections"))
    {
        assert!(Instant::now() < limite, "openssl ocsp no escucha");
        std::thread::sleep(Duration::from_millis(50));
    }
    r
}

#[tokio::test]
async fn una_efirma_revocada_se_rechaza_y_sin_respuesta_no_se_acepta() {
    let dir = tempfile::tempdir().unwrap();
    let jerarquia = Jerarquia::generar(
        &efirma::generador::Sujeto::demo(),
        "clave-prueba",
        servidor::ahora(),
    )
    .unwrap();
    jerarquia.escribir(dir.path()).unwrap();
    let puerto = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let anclas = dir.path().join("ca").display().to_string();
    let url = format!("http://127.0.0.1:{puerto}/");
    let app =
        comun::levantar_con(&[("INTERCOM_ANCLAS", &anclas), ("INTERCOM_OCSP_URL", &url)]).await;

    let probar = |emitido: &efirma::generador::Emitido| {
        let credencial = Credencial::abrir(&emitido.cer, &emitido.key, b"clave-prueba").unwrap();
        let app = &app;
        async move {
            let no = credencial.certificado().no_certificado().to_owned();
            let cadena = retos::emitir(
                &app.estado.bd,
                "s",
                Proposito::GenerarContrasena,
                comun::NRP,
                "EKU9003173C9",
                &no,
            )
            .await
            .unwrap()
            .cadena;
            let firma = credencial
                .firmar(cadena.as_bytes(), Algoritmo::PssSha256)
                .unwrap();
            let f = FirmaReto {
                sesion_hash: "s",
                proposito: Proposito::GenerarContrasena,
                rfc_cuenta: "EKU9003173C9",
                cer: credencial.certificado().der(),
                cadena: &cadena,
                firma: &firma,
                algoritmo: efirma::Algoritmo::PssSha256,
            };
            let verificado = verificar_reto(&app.estado, f).await.map_err(|e| e.codigo)?;
            let mut tx = app.estado.bd.begin().await.unwrap();
            let resultado = verificado.gastar(&mut tx).await.map_err(|e| e.codigo)?;
            tx.commit().await.unwrap();
            resultado.map(|_| ()).map_err(|e| e.codigo)
        }
    };

    // No responder listening: the policy is to refuse.
    assert_eq!(
        probar(&jerarquia.fiel).await,
        Err("revocacion_desconocida".into())
    );

    let _respondedor = iniciar_respondedor(&dir.path().join("ocsp"), puerto);
    assert_eq!(probar(&jerarquia.fiel).await, Ok(()));
    assert_eq!(
        probar(&jerarquia.revocada).await,
        Err("certificado_revocado".into())
    );
    assert_eq!(
        probar(&jerarquia.vencida).await,
        Err("certificado_vencido".into())
    );
    assert_eq!(
        probar(&jerarquia.aun_no_vigente).await,
        Err("certificado_aun_no_vigente".into())
    );
    assert_eq!(probar(&jerarquia.csd).await, Err("csd_no_es_efirma".into()));
}
