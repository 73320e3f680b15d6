//! Nothing panics on hostile input: arbitrary bytes, truncations and bit flips of real SAT files
//! go through every parser.

use efirma::{
    inspeccionar, AlmacenConfianza, Certificado, Curp, LlavePrivada, Nrp, Rfc, SolicitudOcsp,
};
use proptest::prelude::*;

const SAT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fixtures/sat/");

fn leer(ruta: &str) -> Vec<u8> {
    std::fs::read(format!("{SAT}{ruta}")).unwrap()
}

fn mutar(mut b: Vec<u8>, cambios: &[(usize, u8)], corte: usize) -> Vec<u8> {
    for &(i, x) in cambios {
        if !b.is_empty() {
            let n = b.len();
            b[i % n] ^= x;
        }
    }
    let n = b.len();
    b.truncate(n - corte % (n + 1) / 4);
    b
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn certificado_con_bytes_arbitrarios(b in proptest::collection::vec(any::<u8>(), 0..3000)) {
        let _ = Certificado::parse(&b);
        let _ = AlmacenConfianza::desde_certificados([&b]);
        let _ = inspeccionar(&b, None, None, 0);
    }

    #[test]
    fn certificado_sat_alterado(
        cambios in proptest::collection::vec((any::<usize>(), 1u8..), 0..4),
        corte in any::<usize>(),
    ) {
        let b = mutar(leer("EKU9003173C9/fiel.cer"), &cambios, corte);
        if let Ok(c) = Certificado::parse(&b) {
            let _ = c.validar_perfil_fiel();
            let _ = c.verificar(b"x", &[0; 256], efirma::Algoritmo::PssSha256);
        }
    }

    #[test]
    fn identificadores_arbitrarios(s in "\\PC{0,40}") {
        let _ = Rfc::parse(&s);
        let _ = Curp::parse(&s);
        let _ = Nrp::parse(&s);
    }

    #[test]
    fn identificadores_casi_validos(s in "[A-ZÑ&0-9]{10,19}") {
        let _ = Rfc::parse(&s);
        let _ = Curp::parse(&s);
        let _ = Nrp::parse(&s);
    }

    #[test]
    fn llave_con_bytes_arbitrarios(b in proptest::collection::vec(any::<u8>(), 0..2000)) {
        prop_assert!(LlavePrivada::descifrar(&b, b"12345678a").is_err());
        let _ = LlavePrivada::desde_pkcs8(&b);
    }

    #[test]
    fn pem_arbitrario(
        etiqueta in prop::sample::select(vec![
            "CERTIFICATE", "ENCRYPTED PRIVATE KEY", "PRIVATE KEY", "RSA PRIVATE KEY",
            "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST", "PKCS12", "", "X",
        ]),
        antes in "\\PC{0,20}",
        cuerpo in "[A-Za-z0-9+/=\\r\\n: -]{0,200}",
    ) {
        let pem = format!("{antes}-----BEGIN {etiqueta}-----\n{cuerpo}\n-----END {etiqueta}-----\n");
        prop_assert!(LlavePrivada::descifrar(pem.as_bytes(), b"12345678a").is_err());
        prop_assert!(Certificado::parse(pem.as_bytes()).is_err());
    }

    #[cfg(feature = "pfx")]
    #[test]
    fn pfx_con_bytes_arbitrarios(b in proptest::collection::vec(any::<u8>(), 0..3000)) {
        prop_assert!(efirma::leer_pfx(&b, b"12345678a").is_err());
    }

    #[test]
    fn respuesta_ocsp_arbitraria(b in proptest::collection::vec(any::<u8>(), 0..3000)) {
        let fiel = Certificado::parse(&leer("EKU9003173C9/fiel.cer")).unwrap();
        let ac = Certificado::parse(&leer("ca/pruebas/AC_UAT_2022.cer")).unwrap();
        let s = SolicitudOcsp::nueva(&fiel, &ac, &[7; 16]).unwrap();
        prop_assert!(s.evaluar(&b, 1_795_737_600).is_err());
    }
}

proptest! {
    // Each case runs PBKDF2 (2048 iterations): fewer cases.
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn llave_sat_alterada(
        cambios in proptest::collection::vec((any::<usize>(), 1u8..), 1..4),
        corte in any::<usize>(),
    ) {
        let b = mutar(leer("EKU9003173C9/fiel.key"), &cambios, corte);
        let _ = LlavePrivada::descifrar(&b, b"12345678a");
    }
}

#[test]
fn pem_tambien_se_acepta() {
    let der = leer("EKU9003173C9/fiel.cer");
    let pem = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &der).unwrap();
    let c = Certificado::parse(pem.as_bytes()).unwrap();
    assert_eq!(c.der(), der.as_slice());
    let key = leer("EKU9003173C9/fiel.key");
    let pem =
        der::pem::encode_string("ENCRYPTED PRIVATE KEY", der::pem::LineEnding::LF, &key).unwrap();
    assert!(LlavePrivada::descifrar(pem.as_bytes(), b"12345678a").is_ok());
    // A PEM with the wrong label is not a certificate.
    let otra = der::pem::encode_string("PRIVATE KEY", der::pem::LineEnding::LF, &der).unwrap();
    assert_eq!(
        Certificado::parse(otra.as_bytes()).err(),
        Some(efirma::Error::NoEsCertificado)
    );
}
