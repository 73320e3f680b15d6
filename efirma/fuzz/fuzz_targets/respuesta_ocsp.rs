//! OCSP response handling on arbitrary bytes, for a request about SAT's test FIEL.
#![no_main]

use libfuzzer_sys::fuzz_target;

const FIEL: &[u8] = include_bytes!("../../../../shared/fixtures/sat/EKU9003173C9/fiel.cer");
const AC: &[u8] = include_bytes!("../../../../shared/fixtures/sat/ca/pruebas/AC_UAT_2022.cer");

fuzz_target!(|datos: &[u8]| {
    let (Ok(fiel), Ok(ac)) = (
        efirma::Certificado::parse(FIEL),
        efirma::Certificado::parse(AC),
    ) else {
        return;
    };
    if let Ok(s) = efirma::SolicitudOcsp::nueva(&fiel, &ac, &[7; 16]) {
        let _ = s.evaluar(datos, 1_795_737_600);
    }
});
