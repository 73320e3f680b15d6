//! # efirma
//!
//! La e.firma (FIEL) del SAT en Rust, en el navegador (wasm32) y en el servidor.
//!
//! ```no_run
//! use efirma::{Algoritmo, Credencial};
//! let cer = std::fs::read("fiel.cer")?;
//! let key = std::fs::read("fiel.key")?;
//! let fiel = Credencial::abrir(&cer, &key, b"12345678a")?;
//! let sello = fiel.firmar(b"||cadena|original||", Algoritmo::Pkcs1v15Sha256)?;
//! fiel.certificado().verificar(b"||cadena|original||", &sello, Algoritmo::Pkcs1v15Sha256)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! SAT e.firma for Rust: parse the `.cer` (DER or PEM; RFC, CURP, número de certificado, FIEL
//! or CSD), decrypt the `.key` (PBES2 / PBKDF2-HMAC-SHA1 / 3DES as SAT writes it, AES PBES2 and
//! PKCS#12's 3DES PBES1 as conversions write it; also in wasm where WebCrypto has no 3DES), open
//! a `.pfx`/`.p12` (feature `pfx`), name the files people mistake for these (`.req`, unencrypted
//! and PKCS#1 keys), sign and verify (RSASSA-PKCS1-v1_5 and RSASSA-PSS with SHA-256), validate the chain to
//! SAT's CAs at a given time, and check revocation with OCSP. Time is always a parameter
//! (unix seconds); nothing reads a clock.
//!
//! See the crate README for performance notes and the Cargo profile settings the workspace
//! should use (PBKDF2 and RSA arithmetic are slow without optimizations).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod certificado;
// Everything that verifies an RSA signature: natively always (`ring`), in wasm32 only with the
// feature `verificacion-wasm` (RustCrypto's `rsa`), which the portal does not need.
#[cfg(any(not(target_arch = "wasm32"), feature = "verificacion-wasm"))]
mod confianza;
mod credencial;
mod error;
mod firma;
mod formato;
pub mod identificadores;
#[cfg(any(not(target_arch = "wasm32"), feature = "verificacion-wasm"))]
mod inspeccion;
mod llave;
mod pbe12;
mod pbes2;
#[cfg(feature = "pfx")]
mod pfx;
#[cfg(any(not(target_arch = "wasm32"), feature = "verificacion-wasm"))]
pub mod revocacion;

#[cfg(feature = "generador")]
pub mod generador;

pub use certificado::{Certificado, Persona, TipoCertificado};
#[cfg(any(not(target_arch = "wasm32"), feature = "verificacion-wasm"))]
pub use confianza::{validar_efirma, AlmacenConfianza};
pub use credencial::Credencial;
pub use error::Error;
pub use firma::Algoritmo;
pub use identificadores::{Curp, ErrorIdentificador, NoCertificado, Nrp, Rfc};
#[cfg(any(not(target_arch = "wasm32"), feature = "verificacion-wasm"))]
pub use inspeccion::{inspeccionar, Informe, Vigencia};
pub use llave::{contrasenas_a_probar, Derivacion, HashPbkdf2, LlavePrivada};
#[cfg(feature = "pfx")]
pub use pfx::{leer_pfx, ContenidoPfx};
#[cfg(any(not(target_arch = "wasm32"), feature = "verificacion-wasm"))]
pub use revocacion::{EstadoRevocacion, SolicitudOcsp};
pub use zeroize::Zeroizing;
