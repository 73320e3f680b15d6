//! Encrypted and unencrypted private key parsing on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|datos: &[u8]| {
    let _ = efirma::LlavePrivada::descifrar(datos, b"12345678a");
    let _ = efirma::LlavePrivada::desde_pkcs8(datos);
});
