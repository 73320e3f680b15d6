//! The server's check of an e.firma challenge signature, with SAT's real test data
//! (`../shared/fixtures/sat/`, anchors `ca/pruebas/`) signed natively as the browser would.

use crate::comun;

use efirma::{Algoritmo, Credencial};
use servidor::{
    retos::{self, Proposito},
    verificacion::{verificar_reto, FirmaReto},
};

fn fixture(ruta: &str) -> Vec<u8> {
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/sat");
    std::fs::read(base.join(ruta)).unwrap_or_else(|e| panic!("{ruta}: {e}"))
}

fn anclas_de_prueba() -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/sat/ca/pruebas")
        .display()
        .to_string()
}

async fn reto(app: &comun::AppPrueba, sesion: &str, no_certificado: &str) -> String {
    retos::emitir(
        &app.estado.bd,
        sesion,
        Proposito::GenerarContrasena,
        comun::NRP,
        "EKU9003173C9",
        no_certificado,
    )
    .await
    .unwrap()
    .cadena
}

async fn verificar(
    app: &comun::AppPrueba,
    rfc: &str,
    cer: &[u8],
    cadena: &str,
    firma: &[u8],
) -> Result<String, String> {
    let f = FirmaReto {
        sesion_hash: "s1",
        proposito: Proposito::GenerarContrasena,
        rfc_cuenta: rfc,
        cer,
        cadena,
        firma,
        algoritmo: efirma::Algoritmo::PssSha256,
    };
    // Checked, then spent in a transaction of its own, as the trámites do.
    let verificado = verificar_reto(&app.estado, f).await.map_err(|e| e.codigo)?;
    let mut tx = app.estado.bd.begin().await.unwrap();
    let resultado = verificado.gastar(&mut tx).await.map_err(|e| e.codigo)?;
    tx.commit().await.unwrap();
    resultado
        .map(|c| c.no_certificado().to_owned())
        .map_err(|e| e.codigo)
}

#[tokio::test]
async fn la_fiel_de_prueba_del_sat_firma_el_reto_y_cada_abuso_se_rechaza() {
    let app = comun::levantar_con(&[("INTERCOM_ANCLAS", &anclas_de_prueba())]).await;
    let fiel = Credencial::abrir(
        &fixture("EKU9003173C9/fiel.cer"),
        &fixture("EKU9003173C9/fiel.key"),
        b"12345678a",
    )
    .unwrap();
    let cer = fiel.certificado().der().to_vec();
    let no = fiel.certificado().no_certificado().to_owned();
    let firmar = |cadena: &str| {
        fiel.firmar(cadena.as_bytes(), Algoritmo::PssSha256)
            .unwrap()
    };

    let cadena = reto(&app, "s1", &no).await;
    assert_eq!(
        verificar(&app, "EKU9003173C9", &cer, &cadena, &firmar(&cadena)).await,
        Ok(no.clone())
    );
    // Replayed: the challenge is spent.
    assert_eq!(
        verificar(&app, "EKU9003173C9", &cer, &cadena, &firmar(&cadena)).await,
        Err("reto_usado".into())
    );

    // Another session's challenge.
    let ajeno = reto(&app, "s2", &no).await;
    assert_eq!(
        verificar(&app, "EKU9003173C9", &cer, &ajeno, &firmar(&ajeno)).await,
        Err("reto_desconocido".into())
    );

    // A signature over something else.
    let cadena = reto(&app, "s1", &no).await;
    assert_eq!(
        verificar(&app, "EKU9003173C9", &cer, &cadena, &firmar("otra cosa")).await,
        Err("firma_invalida".into())
    );

    // PKCS#1 v1.5 is not what the challenge asks for.
    let cadena = reto(&app, "s1", &no).await;
    let pkcs1 = fiel
        .firmar(cadena.as_bytes(), Algoritmo::Pkcs1v15Sha256)
        .unwrap();
    assert_eq!(
        verificar(&app, "EKU9003173C9", &cer, &cadena, &pkcs1).await,
        Err("firma_invalida".into())
    );

    // The account is another taxpayer's.
    let cadena = reto(&app, "s1", &no).await;
    assert_eq!(
        verificar(&app, "AAA010101AAA", &cer, &cadena, &firmar(&cadena)).await,
        Err("rfc_distinto".into())
    );

    // The challenge was asked for another certificate.
    let cadena = reto(&app, "s1", "30001000000500003416").await;
    assert_eq!(
        verificar(&app, "EKU9003173C9", &cer, &cadena, &firmar(&cadena)).await,
        Err("reto_desconocido".into())
    );

    // Certificates that are not an acceptable e.firma, whatever they sign.
    for (archivo, codigo) in [
        ("EKU9003173C9/csd.cer", "csd_no_es_efirma"),
        ("AAA010101AAA/fiel.cer", "certificado_vencido"),
        ("no-sat/autofirmado.cer", "certificado_no_sat"),
        ("EKU9003173C9/fiel.key", "no_es_certificado"),
    ] {
        let cadena = reto(&app, "s1", &no).await;
        let r = verificar(
            &app,
            "EKU9003173C9",
            &fixture(archivo),
            &cadena,
            &firmar(&cadena),
        )
        .await;
        assert_eq!(r, Err(codigo.into()), "{archivo}");
    }
    let cadena = reto(&app, "s1", &no).await;
    assert_eq!(
        verificar(&app, "EKU9003173C9", &vec![0x30; 70 * 1024], &cadena, b"x").await,
        Err("archivo_demasiado_grande".into())
    );
}

#[tokio::test]
async fn sin_anclas_configuradas_ninguna_efirma_se_acepta() {
    let app = comun::levantar().await;
    let fiel = Credencial::abrir(
        &fixture("EKU9003173C9/fiel.cer"),
        &fixture("EKU9003173C9/fiel.key"),
        b"12345678a",
    )
    .unwrap();
    let cadena = reto(&app, "s1", fiel.certificado().no_certificado()).await;
    let firma = fiel
        .firmar(cadena.as_bytes(), Algoritmo::PssSha256)
        .unwrap();
    let r = verificar(
        &app,
        "EKU9003173C9",
        fiel.certificado().der(),
        &cadena,
        &firma,
    )
    .await;
    assert_eq!(r, Err("anclas_no_disponibles".into()));
}
