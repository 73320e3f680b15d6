//! Replays the saved corpus (`fuzz/corpus/<target>/`) through every target, on the stable
//! toolchain and without AFL: each file once, through its own target. A file that makes a target
//! panic fails the test with the file's name.

use std::path::Path;

#[test]
fn el_corpus_guardado_pasa_por_cada_objetivo_sin_fallar() {
    let raiz = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (nombre, objetivo) in fuzz::OBJETIVOS {
        let dir = raiz.join(nombre);
        let mut archivos: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        archivos.sort();
        assert!(!archivos.is_empty(), "{nombre}: the corpus is empty");
        for archivo in &archivos {
            let datos = std::fs::read(archivo).unwrap();
            if std::panic::catch_unwind(|| objetivo(&datos)).is_err() {
                panic!("{nombre}: {} fails", archivo.display());
            }
        }
        eprintln!("{nombre}: {} files replayed", archivos.len());
    }
}

#[test]
fn el_corpus_guardado_es_pequeno() {
    let raiz = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut total = 0;
    for (nombre, _) in fuzz::OBJETIVOS {
        for e in std::fs::read_dir(raiz.join(nombre)).unwrap() {
            total += e.unwrap().metadata().unwrap().len();
        }
    }
    assert!(total < 2 * 1024 * 1024, "{total} bytes of corpus");
}

/// The synthetic seeds reach each parser's success path, so a campaign starts from inputs that
/// go all the way through (and the replay above checks the invariants of a success).
#[test]
fn las_semillas_de_certificado_y_llave_llegan_al_final_de_cada_analizador() {
    let leer =
        |ruta: &str| std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(ruta)).unwrap();
    for cer in [
        "corpus/cer/fiel-sintetica.der",
        "corpus/cer/fiel-sintetica.pem",
    ] {
        let c = efirma::Certificado::parse(&leer(cer)).unwrap();
        assert_eq!(c.no_certificado(), "30001000000500009999");
        assert!(c.validar_perfil_fiel().is_ok(), "{cer}");
    }
    let csd = efirma::Certificado::parse(&leer("corpus/cer/csd-sintetico.der")).unwrap();
    assert!(csd.validar_perfil_fiel().is_err());
    let fiel = efirma::Certificado::parse(&leer("corpus/cer/fiel-sintetica.der")).unwrap();
    for key in [
        "corpus/key/pbes2-3des.der",
        "corpus/key/pbes2-3des.pem",
        "corpus/key/pbes2-aes256.der",
    ] {
        let llave = efirma::LlavePrivada::descifrar(&leer(key), b"12345678a").unwrap();
        assert!(llave.corresponde_a(&fiel), "{key}");
    }
    assert!(efirma::LlavePrivada::desde_pkcs8(&leer("corpus/key/pkcs8.der")).is_ok());
}

#[cfg(feature = "servidor")]
#[test]
fn las_semillas_de_texto_llegan_al_final_de_cada_analizador() {
    let leer =
        |ruta: &str| std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(ruta)).unwrap();

    let cadena = String::from_utf8(leer("corpus/cadena/cadena-original")).unwrap();
    assert!(nucleo::generacion::CadenaOriginal::leer(&cadena).is_some());
    let reto = String::from_utf8(leer("corpus/cadena/reto-generacion")).unwrap();
    assert_eq!(
        servidor::retos::Proposito::GenerarContrasena.nonce_de(&reto),
        Some("kq3x9Zr0c2Vw8mNf")
    );

    let cuerpo = leer("corpus/api_json/valido");
    let (tipo, cuerpo) = cuerpo.split_at(cuerpo.iter().position(|&b| b == b'\n').unwrap());
    let tipo = std::str::from_utf8(tipo).unwrap();
    assert!(servidor::api::sesiones::leer_solicitud(Some(tipo), &cuerpo[1..]).is_ok());
}
