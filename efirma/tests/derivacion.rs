//! The two-step opening of a `.key` the browser uses (issue 12): `LlavePrivada::derivacion` says
//! how to run PBKDF2 (the browser runs its own, WebCrypto's), `descifrar_con_llave_derivada`
//! decrypts with the result. Both steps together must give exactly what `descifrar` gives, and
//! refuse what it refuses.

use efirma::{Error, HashPbkdf2, LlavePrivada};
use std::process::Command;

const SAT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fixtures/sat/");
const CONTRASENA: &[u8] = b"12345678a";

fn leer(ruta: &str) -> Vec<u8> {
    std::fs::read(format!("{SAT}{ruta}")).unwrap_or_else(|e| panic!("{ruta}: {e}"))
}

/// PBKDF2 as a browser would run it, from the parameters alone.
fn derivar(key: &[u8], contrasena: &[u8]) -> Vec<u8> {
    let d = LlavePrivada::derivacion(key).unwrap();
    let mut llave = vec![0; d.largo];
    match d.hash {
        HashPbkdf2::Sha1 => {
            pbkdf2::pbkdf2_hmac::<sha1::Sha1>(contrasena, &d.sal, d.iteraciones, &mut llave)
        }
        HashPbkdf2::Sha256 => {
            pbkdf2::pbkdf2_hmac::<sha2::Sha256>(contrasena, &d.sal, d.iteraciones, &mut llave)
        }
    }
    llave
}

#[test]
fn la_llave_del_sat_en_dos_pasos_es_la_misma() {
    let key = leer("EKU9003173C9/fiel.key");
    let d = LlavePrivada::derivacion(&key).unwrap();
    // SAT's .key: PBES2, PBKDF2-HMAC-SHA1 with 2048 iterations, des-ede3-cbc (a 24-byte key).
    assert_eq!(d.hash, HashPbkdf2::Sha1);
    assert_eq!(d.hash.nombre_webcrypto(), "SHA-1");
    assert_eq!(d.iteraciones, 2048);
    assert_eq!(d.largo, 24);
    assert!(!d.sal.is_empty());

    let en_dos =
        LlavePrivada::descifrar_con_llave_derivada(&key, &derivar(&key, CONTRASENA)).unwrap();
    let de_una = LlavePrivada::descifrar(&key, CONTRASENA).unwrap();
    assert_eq!(*en_dos.pkcs8_der(), *de_una.pkcs8_der());

    // A wrong password's key, a key of the wrong length, no key: the same refusal as descifrar.
    for llave in [
        derivar(&key, b"12345678b"),
        vec![0; 24],
        vec![0; 16],
        vec![0; 32],
        Vec::new(),
    ] {
        assert_eq!(
            LlavePrivada::descifrar_con_llave_derivada(&key, &llave).err(),
            Some(Error::ContrasenaIncorrecta),
            "{} bytes",
            llave.len()
        );
    }
}

#[test]
fn lo_que_no_es_una_llave_se_rechaza_igual_que_al_descifrar() {
    for (bytes, error) in [
        (leer("EKU9003173C9/fiel.cer"), Error::NoEsLlavePrivada),
        (b"no es una llave".to_vec(), Error::NoEsLlavePrivada),
        (Vec::new(), Error::NoEsLlavePrivada),
        (vec![0x30; 70 * 1024], Error::ArchivoDemasiadoGrande),
    ] {
        assert_eq!(LlavePrivada::derivacion(&bytes).err(), Some(error));
        assert_eq!(
            LlavePrivada::descifrar_con_llave_derivada(&bytes, &[0; 24]).err(),
            Some(error)
        );
        assert_eq!(
            LlavePrivada::descifrar(&bytes, CONTRASENA).err(),
            Some(error)
        );
    }
}

/// The same key re-encrypted by OpenSSL with AES-256-CBC and PBKDF2-HMAC-SHA256 (generated here,
/// never committed): WebCrypto's SHA-256 PBKDF2 and a 32-byte key.
#[test]
fn una_llave_aes_con_sha256_en_dos_pasos() {
    let dir = tempfile_dir();
    let origen = format!("{SAT}EKU9003173C9/fiel.key");
    let destino = dir.join("aes.key");
    let salida = Command::new("openssl")
        .args([
            "pkcs8",
            "-inform",
            "DER",
            "-in",
            &origen,
            "-passin",
            "pass:12345678a",
        ])
        .args([
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-v2prf",
            "hmacWithSHA256",
            "-iter",
            "1000",
        ])
        .args(["-outform", "DER", "-passout", "pass:otra-clave", "-out"])
        .arg(&destino)
        .output()
        .expect("openssl");
    assert!(
        salida.status.success(),
        "{}",
        String::from_utf8_lossy(&salida.stderr)
    );
    let key = std::fs::read(&destino).unwrap();
    let d = LlavePrivada::derivacion(&key).unwrap();
    assert_eq!(
        (d.hash, d.iteraciones, d.largo),
        (HashPbkdf2::Sha256, 1000, 32)
    );
    let en_dos =
        LlavePrivada::descifrar_con_llave_derivada(&key, &derivar(&key, b"otra-clave")).unwrap();
    let sat = LlavePrivada::descifrar(&leer("EKU9003173C9/fiel.key"), CONTRASENA).unwrap();
    assert_eq!(*en_dos.pkcs8_der(), *sat.pkcs8_der());
    let _ = std::fs::remove_dir_all(dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("efirma-derivacion-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
