//! Certificate parsing, the FIEL profile and the inspection report on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|datos: &[u8]| {
    if let Ok(c) = efirma::Certificado::parse(datos) {
        let _ = c.validar_perfil_fiel();
        let _ = c.validar_vigencia(1_795_737_600);
        let _ = c.verificar(b"x", datos, efirma::Algoritmo::Pkcs1v15Sha256);
    }
    let _ = efirma::AlmacenConfianza::desde_certificados([datos]);
    let _ = efirma::inspeccionar(datos, None, None, 1_795_737_600);
});
