//! Every row of shared/fixtures/sat/README.md gets its stated verdict.

use efirma::{
    inspeccionar, validar_efirma, Algoritmo, AlmacenConfianza, Certificado, Credencial, Error,
    LlavePrivada, Persona, TipoCertificado,
};

const SAT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fixtures/sat/");
const CONTRASENA: &[u8] = b"12345678a";

/// 2026-11-27T00:00:00Z, "now" for the fixtures.
const AHORA: i64 = 1_795_737_600;
/// 2025-06-01T00:00:00Z, when the IPN FIEL was still valid.
const ANTES: i64 = 1_748_736_000;

fn leer(ruta: &str) -> Vec<u8> {
    std::fs::read(format!("{SAT}{ruta}")).unwrap_or_else(|e| panic!("{ruta}: {e}"))
}

fn cert(ruta: &str) -> Certificado {
    Certificado::parse(&leer(ruta)).unwrap()
}

fn pruebas() -> AlmacenConfianza {
    AlmacenConfianza::desde_directorio(format!("{SAT}ca/pruebas")).unwrap()
}

fn produccion() -> AlmacenConfianza {
    AlmacenConfianza::desde_directorio(format!("{SAT}ca/produccion")).unwrap()
}

#[test]
fn fiel_de_prueba_campos() {
    let c = cert("EKU9003173C9/fiel.cer");
    assert_eq!(c.rfc().unwrap().as_str(), "EKU9003173C9");
    assert_eq!(c.rfc_representante().unwrap().as_str(), "VADA800927DJ3");
    assert_eq!(c.curp().unwrap().as_str(), "VADA800927HSRSRL05");
    assert_eq!(c.nombre(), "ESCUELA KEMPER URGATE SA DE CV");
    assert_eq!(c.no_certificado(), "30001000000500003415");
    assert_eq!(c.tipo(), TipoCertificado::Fiel);
    assert!(c.es_fiel());
    assert_eq!(c.persona(), Some(Persona::Moral));
    assert_eq!(c.emisor(), "AC UAT");
    // 2023-05-18T04:37:14Z .. 2027-05-17T04:37:14Z
    assert_eq!(c.vigente_desde(), 1_684_384_634);
    assert_eq!(c.vigente_hasta(), 1_810_528_634);
    assert_eq!(c.huella_sha256_hex().len(), 64);
}

#[test]
fn fiel_de_prueba_es_aceptada() {
    let c = cert("EKU9003173C9/fiel.cer");
    assert_eq!(validar_efirma(&c, &pruebas(), AHORA), Ok(()));
    let fiel = Credencial::abrir(
        &leer("EKU9003173C9/fiel.cer"),
        &leer("EKU9003173C9/fiel.key"),
        CONTRASENA,
    )
    .unwrap();
    for alg in [Algoritmo::Pkcs1v15Sha256, Algoritmo::PssSha256] {
        let firma = fiel.firmar(b"||reto||", alg).unwrap();
        assert_eq!(firma.len(), 256);
        assert_eq!(c.verificar(b"||reto||", &firma, alg), Ok(()));
        assert_eq!(
            c.verificar(b"||otro||", &firma, alg),
            Err(Error::FirmaInvalida)
        );
    }
    let informe = inspeccionar(
        &leer("EKU9003173C9/fiel.cer"),
        Some((&leer("EKU9003173C9/fiel.key"), CONTRASENA)),
        Some(&pruebas()),
        AHORA,
    );
    assert!(informe.aceptada(), "{informe:?}");
    let json = serde_json::to_value(&informe).unwrap();
    assert_eq!(json["veredicto"], "aceptada");
    assert_eq!(json["cadena"], "valida");
    assert_eq!(json["llave_corresponde"], true);
    assert_eq!(json["tipo"], "FIEL");
    assert_eq!(json["persona"], "moral");
    assert_eq!(json["rfc"], "EKU9003173C9");
    assert_eq!(json["rfc_representante"], "VADA800927DJ3");
    assert_eq!(json["curp"], "VADA800927HSRSRL05");
    assert_eq!(json["no_certificado"], "30001000000500003415");
    assert_eq!(json["vigencia"]["desde"], "2023-05-18T04:37:14Z");
    assert_eq!(json["vigencia"]["hasta"], "2027-05-17T04:37:14Z");
    assert_eq!(json["emisor"], "AC UAT");
}

#[test]
fn pkcs1_es_la_de_openssl() {
    // The sello must verify with `openssl dgst -sha256 -verify`: PKCS#1 v1.5 is deterministic,
    // so signing twice gives the same bytes.
    let llave = LlavePrivada::descifrar(&leer("EKU9003173C9/fiel.key"), CONTRASENA).unwrap();
    let a = llave.firmar(b"x", Algoritmo::Pkcs1v15Sha256).unwrap();
    let b = llave.firmar(b"x", Algoritmo::Pkcs1v15Sha256).unwrap();
    assert_eq!(a, b);
    let pss1 = llave.firmar(b"x", Algoritmo::PssSha256).unwrap();
    let pss2 = llave.firmar(b"x", Algoritmo::PssSha256).unwrap();
    assert_ne!(pss1, pss2, "PSS salts are random");
}

#[test]
fn pkcs8_der_reabre_igual() {
    let llave = LlavePrivada::descifrar(&leer("EKU9003173C9/fiel.key"), CONTRASENA).unwrap();
    let otra = LlavePrivada::desde_pkcs8(&llave.pkcs8_der()).unwrap();
    assert!(otra.corresponde_a(&cert("EKU9003173C9/fiel.cer")));
}

#[test]
fn contrasena_incorrecta() {
    let key = leer("EKU9003173C9/fiel.key");
    for pw in [
        &b""[..],
        b"12345678",
        b"12345678b",
        b"12345678a!",
        b"1234 5678a",
        &[0xff; 300],
    ] {
        assert_eq!(
            LlavePrivada::descifrar(&key, pw).err(),
            Some(Error::ContrasenaIncorrecta),
            "{pw:?}"
        );
    }
    // Blanks at the ends are retried trimmed (issue 15; tests/formatos.rs has the cases).
    assert!(LlavePrivada::descifrar(&key, b"12345678a ").is_ok());
}

#[test]
fn contrasenas_incorrectas_nunca_pasan_como_otra_cosa() {
    // ~1 in 256 wrong passwords survives the CBC padding check; those must still read as a
    // wrong password, not as "not a key".
    let key = leer("EKU9003173C9/fiel.key");
    for i in 0..600u32 {
        let pw = format!("incorrecta{i}");
        assert_eq!(
            LlavePrivada::descifrar(&key, pw.as_bytes()).err(),
            Some(Error::ContrasenaIncorrecta)
        );
    }
}

#[test]
fn llave_de_otro_certificado_no_corresponde() {
    assert_eq!(
        Credencial::abrir(
            &leer("EKU9003173C9/fiel.cer"),
            &leer("EKU9003173C9/csd.key"),
            CONTRASENA
        )
        .err(),
        Some(Error::LlaveNoCorresponde)
    );
    let i = inspeccionar(
        &leer("EKU9003173C9/fiel.cer"),
        Some((&leer("AAA010101AAA/fiel.key"), CONTRASENA)),
        Some(&pruebas()),
        AHORA,
    );
    assert_eq!(i.veredicto, "llave_no_corresponde");
    assert_eq!(i.llave_corresponde, Some(false));
}

#[test]
fn archivos_cruzados() {
    let cer = leer("EKU9003173C9/fiel.cer");
    let key = leer("EKU9003173C9/fiel.key");
    assert_eq!(Certificado::parse(&key).err(), Some(Error::NoEsCertificado));
    assert_eq!(
        LlavePrivada::descifrar(&cer, CONTRASENA).err(),
        Some(Error::NoEsLlavePrivada)
    );
    assert_eq!(
        Certificado::parse(&vec![0x30; 70_000]).err(),
        Some(Error::ArchivoDemasiadoGrande)
    );
    let i = inspeccionar(&key, None, None, AHORA);
    assert_eq!(i.veredicto, "no_es_certificado");
    assert!(!i.aceptada());
}

#[test]
fn csd_no_es_efirma() {
    let c = cert("EKU9003173C9/csd.cer");
    assert_eq!(c.tipo(), TipoCertificado::Csd);
    assert_eq!(c.rfc().unwrap().as_str(), "EKU9003173C9");
    assert_eq!(
        validar_efirma(&c, &pruebas(), AHORA),
        Err(Error::CsdNoEsEfirma)
    );
    // The CSD and its key are otherwise fine: same company, chains to the test root.
    assert_eq!(pruebas().verificar_cadena(&c, AHORA), Ok(()));
    let i = inspeccionar(
        &leer("EKU9003173C9/csd.cer"),
        Some((&leer("EKU9003173C9/csd.key"), CONTRASENA)),
        Some(&pruebas()),
        AHORA,
    );
    assert_eq!(i.veredicto, "csd_no_es_efirma");
    assert_eq!(i.tipo, Some("CSD"));
    assert_eq!(i.llave_corresponde, Some(true));
}

#[test]
fn fiel_vencida_de_emisor_desconocido() {
    let c = cert("AAA010101AAA/fiel.cer");
    assert_eq!(c.tipo(), TipoCertificado::Fiel);
    assert_eq!(c.rfc().unwrap().as_str(), "AAA010101AAA");
    assert_eq!(c.rfc_representante().unwrap().as_str(), "HEGT7610034S2");
    // SAT's test CURP HEGT761003MDFRNN09 has a wrong check digit.
    assert_eq!(c.curp(), None);
    assert_eq!(c.validar_vigencia(AHORA), Err(Error::CertificadoVencido));
    assert_eq!(
        validar_efirma(&c, &pruebas(), AHORA),
        Err(Error::CertificadoVencido)
    );
    for almacen in [pruebas(), produccion()] {
        assert_eq!(
            almacen.verificar_cadena(&c, 1_600_000_000),
            Err(Error::EmisorNoConfiable)
        );
    }
    let i = inspeccionar(
        &leer("AAA010101AAA/fiel.cer"),
        Some((&leer("AAA010101AAA/fiel.key"), CONTRASENA)),
        Some(&pruebas()),
        AHORA,
    );
    assert_eq!(i.veredicto, "certificado_vencido");
    assert_eq!(i.cadena.as_deref(), Some("certificado_vencido"));
    let i = inspeccionar(
        &leer("AAA010101AAA/fiel.cer"),
        None,
        Some(&pruebas()),
        1_600_000_000,
    );
    assert_eq!(i.veredicto, "emisor_no_confiable");
}

#[test]
fn autofirmado_no_es_del_sat() {
    let c = cert("no-sat/autofirmado.cer");
    assert_eq!(c.rfc(), None);
    assert_eq!(c.tipo(), TipoCertificado::Otro);
    assert!(
        LlavePrivada::descifrar(&leer("no-sat/autofirmado.key"), CONTRASENA)
            .unwrap()
            .corresponde_a(&c)
    );
    assert_eq!(
        validar_efirma(&c, &pruebas(), AHORA),
        Err(Error::NoEsCertificadoSat)
    );
    for almacen in [pruebas(), produccion()] {
        assert_ne!(almacen.verificar_cadena(&c, AHORA), Ok(()));
    }
    let i = inspeccionar(
        &leer("no-sat/autofirmado.cer"),
        Some((&leer("no-sat/autofirmado.key"), CONTRASENA)),
        Some(&pruebas()),
        AHORA,
    );
    assert_eq!(i.veredicto, "certificado_no_sat");
    assert_ne!(i.cadena.as_deref(), Some("valida"));
}

#[test]
fn csd_de_produccion_del_sat() {
    let c = cert("produccion/00001000000708361114.cer");
    assert_eq!(c.rfc().unwrap().as_str(), "SAT970701NN3");
    assert_eq!(c.no_certificado(), "00001000000708361114");
    assert_eq!(c.tipo(), TipoCertificado::Csd);
    assert_eq!(produccion().verificar_cadena(&c, AHORA), Ok(()));
    assert_eq!(
        pruebas().verificar_cadena(&c, AHORA),
        Err(Error::EmisorNoConfiable)
    );
    assert_eq!(
        validar_efirma(&c, &produccion(), AHORA),
        Err(Error::CsdNoEsEfirma)
    );
    let i = inspeccionar(
        &leer("produccion/00001000000708361114.cer"),
        None,
        Some(&produccion()),
        AHORA,
    );
    assert_eq!(i.veredicto, "csd_no_es_efirma");
    assert_eq!(i.cadena.as_deref(), Some("valida"));
}

#[test]
fn fiel_de_produccion_vencida() {
    let c = cert("produccion/00001000000512237804.cer");
    assert_eq!(c.rfc().unwrap().as_str(), "IPN811229H26");
    assert_eq!(c.tipo(), TipoCertificado::Fiel);
    assert_eq!(c.persona(), Some(Persona::Moral));
    assert_eq!(produccion().verificar_cadena(&c, ANTES), Ok(()));
    assert_eq!(validar_efirma(&c, &produccion(), ANTES), Ok(()));
    assert_eq!(
        validar_efirma(&c, &produccion(), AHORA),
        Err(Error::CertificadoVencido)
    );
    let i = inspeccionar(
        &leer("produccion/00001000000512237804.cer"),
        None,
        Some(&produccion()),
        AHORA,
    );
    assert_eq!(i.veredicto, "certificado_vencido");
}

#[test]
fn almacenes_clasifican_raices_e_intermedios() {
    let p = pruebas();
    let fiel = cert("EKU9003173C9/fiel.cer");
    assert_eq!(
        p.emisor_de(&fiel).unwrap().emisor(),
        "Agencia Certficadora Raiz Beta ANG"
    );
    let prod = produccion();
    assert_eq!(prod.certificados().len(), 5);
    assert!(prod.emisor_de(&fiel).is_none());
    assert_eq!(
        AlmacenConfianza::desde_certificados([leer("ca/pruebas/AC_UAT_2022.cer")]).err(),
        Some(Error::AnclasNoDisponibles)
    );
    // Production OCSP responder certificates are plain end entities: they chain too.
    let ocsp = cert("ca/produccion/ocsp/ocsp.ac7_sat.cer");
    assert_eq!(ocsp.tipo(), TipoCertificado::Otro);
    assert!(prod.emisor_de(&ocsp).is_some());
}

#[test]
fn fiel_de_prueba_fuera_de_vigencia() {
    let c = cert("EKU9003173C9/fiel.cer");
    assert_eq!(
        validar_efirma(&c, &pruebas(), 1_600_000_000),
        Err(Error::CertificadoAunNoVigente)
    );
    assert_eq!(
        pruebas().verificar_cadena(&c, 1_600_000_000),
        Err(Error::CertificadoAunNoVigente)
    );
    assert_eq!(
        validar_efirma(&c, &pruebas(), 1_900_000_000),
        Err(Error::CertificadoVencido)
    );
}
