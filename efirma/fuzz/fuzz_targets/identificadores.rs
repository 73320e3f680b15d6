//! RFC, CURP and NRP parsing on arbitrary strings.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|texto: &str| {
    let _ = efirma::Rfc::parse(texto).map(|r| r.persona());
    let _ = efirma::Curp::parse(texto);
    let _ = efirma::Nrp::parse(texto);
});
