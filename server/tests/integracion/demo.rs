//! The out-of-the-box demo: what a newcomer gets on first start.

use crate::comun;

use comun::Datos;
use servidor::{arranque, configuracion::Configuracion, cuentas, demo};
use std::collections::HashMap;

fn linea<'a>(texto: &'a str, etiqueta: &str) -> &'a str {
    texto
        .lines()
        .find_map(|l| l.trim().strip_prefix(etiqueta))
        .unwrap_or_else(|| panic!("falta {etiqueta}"))
        .trim()
}

#[tokio::test]
async fn la_demo_siembra_una_cuenta_y_una_efirma_aceptable_una_sola_vez() {
    let datos = Datos::nuevos().await;
    let variables: HashMap<_, _> = datos.variables().into_iter().collect();
    demo::sembrar_efirma(datos.path()).await.unwrap();
    let estado = arranque::preparar(Configuracion::desde(&variables).unwrap())
        .await
        .unwrap();
    assert!(estado.anclas.is_some(), "la demo confía en su propia AC");
    demo::sembrar_cuenta(&estado).await.unwrap();

    let leeme = std::fs::read_to_string(datos.path().join("demo/LEEME.txt")).unwrap();
    assert_eq!(
        linea(&leeme, "Número de Registro Patronal (NRP):"),
        demo::NRP
    );
    let contrasena = linea(&leeme, "Contraseña:");
    let cuenta = cuentas::para_ingreso(&estado.bd, demo::NRP)
        .await
        .unwrap()
        .expect("cuenta demo");
    assert!(cuentas::verificar_contrasena(
        &cuenta.contrasena_hash,
        contrasena
    ));

    let carpeta = demo::carpeta_efirma(datos.path());
    let cer = std::fs::read(linea(&leeme, "Certificado (.cer):")).unwrap();
    let key = std::fs::read(linea(&leeme, "Llave privada (.key):")).unwrap();
    let credencial = efirma::Credencial::abrir(
        &cer,
        &key,
        linea(&leeme, "Contraseña de la e.firma:").as_bytes(),
    )
    .unwrap();
    let anclas = efirma::AlmacenConfianza::desde_directorio(carpeta.join("ca")).unwrap();
    efirma::validar_efirma(credencial.certificado(), &anclas, servidor::ahora())
        .expect("FIEL aceptable");
    assert_eq!(
        credencial.certificado().rfc().map(|r| r.as_str()),
        Some(demo::RFC)
    );

    // A second start changes nothing.
    demo::sembrar_efirma(datos.path()).await.unwrap();
    demo::sembrar_cuenta(&estado).await.unwrap();
    assert_eq!(
        std::fs::read_to_string(datos.path().join("demo/LEEME.txt")).unwrap(),
        leeme
    );
    assert_eq!(std::fs::read(carpeta.join("fiel.cer")).unwrap(), cer);
}
