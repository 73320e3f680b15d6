//! Every form in which people actually hold their e.firma (issue 15): each one works, or gets its
//! own error (and so its own Spanish message). The variants are made here, at test time, from
//! SAT's test FIEL with the `openssl` command, in a temporary folder that is removed afterwards:
//! no converted key is ever stored in the repository.

use std::path::PathBuf;
use std::process::Command;

use efirma::{
    contrasenas_a_probar, Algoritmo, Certificado, Credencial, Error, HashPbkdf2, LlavePrivada,
};

const SAT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fixtures/sat/");
const CONTRASENA: &str = "12345678a";

/// A scratch folder holding SAT's FIEL and its unencrypted PKCS#8 form (`claro.pem`), removed on
/// drop.
struct Taller(PathBuf);

impl Drop for Taller {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Taller {
    fn nuevo(nombre: &str) -> Taller {
        let dir =
            std::env::temp_dir().join(format!("efirma-formatos-{}-{nombre}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let taller = Taller(dir);
        let fiel = format!("{SAT}EKU9003173C9/fiel");
        taller.openssl(&[
            "pkcs8",
            "-inform",
            "DER",
            "-in",
            &format!("{fiel}.key"),
            "-passin",
            &format!("pass:{CONTRASENA}"),
            "-out",
            &taller.ruta("claro.pem"),
        ]);
        taller.openssl(&[
            "x509",
            "-inform",
            "DER",
            "-in",
            &format!("{fiel}.cer"),
            "-out",
            &taller.ruta("cer.pem"),
        ]);
        taller
    }

    fn ruta(&self, archivo: &str) -> String {
        self.0.join(archivo).to_str().unwrap().to_owned()
    }

    fn leer(&self, archivo: &str) -> Vec<u8> {
        std::fs::read(self.0.join(archivo)).unwrap()
    }

    /// Runs `openssl` with `args`; panics with its stderr if it fails.
    fn openssl(&self, args: &[&str]) {
        let salida = Command::new("openssl")
            .args(args)
            .current_dir(&self.0)
            .output()
            .expect("the openssl command");
        assert!(
            salida.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&salida.stderr)
        );
    }

    /// `openssl pkcs8 -topk8` of the FIEL's key with `opciones`, written to `archivo`.
    fn pkcs8(&self, archivo: &str, contrasena: &str, opciones: &[&str]) -> Vec<u8> {
        let (entrada, salida) = (self.ruta("claro.pem"), self.ruta(archivo));
        let pass = format!("pass:{contrasena}");
        let mut args = vec!["pkcs8", "-topk8", "-in", &entrada, "-out", &salida];
        args.extend_from_slice(opciones);
        if !opciones.contains(&"-nocrypt") {
            args.extend_from_slice(&["-passout", &pass]);
        }
        self.openssl(&args);
        self.leer(archivo)
    }
}

fn sat(ruta: &str) -> Vec<u8> {
    std::fs::read(format!("{SAT}{ruta}")).unwrap()
}

fn cer() -> Vec<u8> {
    sat("EKU9003173C9/fiel.cer")
}

/// The key opens with `contrasena`, is the FIEL's, signs, and refuses a wrong password.
fn abre(key: &[u8], contrasena: &str, caso: &str) {
    let fiel = Credencial::abrir(&cer(), key, contrasena.as_bytes())
        .unwrap_or_else(|e| panic!("{caso}: {e:?}"));
    let firma = fiel.firmar(b"||reto||", Algoritmo::PssSha256).unwrap();
    assert_eq!(
        fiel.certificado()
            .verificar(b"||reto||", &firma, Algoritmo::PssSha256),
        Ok(()),
        "{caso}"
    );
    assert_eq!(
        LlavePrivada::descifrar(key, b"otra").map(|_| ()),
        Err(Error::ContrasenaIncorrecta),
        "{caso}"
    );
}

fn error_de_llave(key: &[u8]) -> Error {
    LlavePrivada::descifrar(key, CONTRASENA.as_bytes()).unwrap_err()
}

fn error_de_cer(bytes: &[u8]) -> Error {
    Certificado::parse(bytes).unwrap_err()
}

#[test]
fn llaves_cifradas_que_se_aceptan() {
    let t = Taller::nuevo("aceptadas");
    // SAT's DER .key, as published.
    abre(&sat("EKU9003173C9/fiel.key"), CONTRASENA, "DER del SAT");

    // The same bytes PEM-wrapped (`openssl base64` of the DER), with Unix and Windows line ends
    // and with text before the armour.
    t.openssl(&[
        "base64",
        "-in",
        &format!("{SAT}EKU9003173C9/fiel.key"),
        "-out",
        &t.ruta("key.b64"),
    ]);
    let b64 = String::from_utf8(t.leer("key.b64")).unwrap();
    let pem = format!(
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\n{b64}-----END ENCRYPTED PRIVATE KEY-----\n"
    );
    abre(pem.as_bytes(), CONTRASENA, "PEM");
    abre(pem.replace('\n', "\r\n").as_bytes(), CONTRASENA, "PEM CRLF");
    abre(
        format!("Bag Attributes\n    localKeyID: 01\n{pem}").as_bytes(),
        CONTRASENA,
        "PEM con texto antes",
    );

    // PKCS#8 with PBES1 pbeWithSHA1And3-KeyTripleDES-CBC (PKCS#12 key derivation), DER and PEM.
    let der = t.pkcs8(
        "pbes1.der",
        CONTRASENA,
        &["-v1", "PBE-SHA1-3DES", "-outform", "DER"],
    );
    abre(&der, CONTRASENA, "PBES1 3DES DER");
    let pem = t.pkcs8("pbes1.pem", CONTRASENA, &["-v1", "PBE-SHA1-3DES"]);
    assert!(pem.starts_with(b"-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    abre(&pem, CONTRASENA, "PBES1 3DES PEM");
    // Its key derivation takes the password as UTF-16: a non-ASCII one too.
    let pem = t.pkcs8("pbes1-n.pem", "contraseña", &["-v1", "PBE-SHA1-3DES"]);
    abre(&pem, "contraseña", "PBES1 3DES, contraseña con ñ");

    // AES-encrypted PBES2, with HMAC-SHA256 (what `openssl pkcs8 -topk8` does by default).
    for (archivo, cifra) in [("aes128.der", "aes-128-cbc"), ("aes256.der", "aes-256-cbc")] {
        let der = t.pkcs8(
            archivo,
            CONTRASENA,
            &["-v2", cifra, "-v2prf", "hmacWithSHA256", "-outform", "DER"],
        );
        abre(&der, CONTRASENA, cifra);
    }
    abre(
        &t.pkcs8("omision.pem", CONTRASENA, &[]),
        CONTRASENA,
        "pkcs8 -topk8",
    );
}

#[test]
fn esquemas_de_cifrado_que_no_se_aceptan() {
    let t = Taller::nuevo("no-soportados");
    // PBES2 with Camellia; PBES1 with two-key 3DES.
    let camellia = t.pkcs8(
        "cam.der",
        CONTRASENA,
        &["-v2", "camellia-256-cbc", "-outform", "DER"],
    );
    assert_eq!(error_de_llave(&camellia), Error::AlgoritmoNoSoportado);
    let dos = t.pkcs8(
        "2des.der",
        CONTRASENA,
        &["-v1", "PBE-SHA1-2DES", "-outform", "DER"],
    );
    assert_eq!(error_de_llave(&dos), Error::AlgoritmoNoSoportado);
}

#[test]
fn llaves_que_no_son_el_key_del_sat() {
    let t = Taller::nuevo("rechazadas");
    // Unencrypted PKCS#8, PEM and DER: refused whatever the password.
    let claro = t.leer("claro.pem");
    assert!(claro.starts_with(b"-----BEGIN PRIVATE KEY-----"));
    assert_eq!(error_de_llave(&claro), Error::LlaveSinCifrar);
    assert_eq!(
        LlavePrivada::descifrar(&claro, b"").unwrap_err(),
        Error::LlaveSinCifrar
    );
    let der = t.pkcs8("claro.der", "", &["-nocrypt", "-outform", "DER"]);
    assert_eq!(error_de_llave(&der), Error::LlaveSinCifrar);

    // PKCS#1 "RSA PRIVATE KEY": PEM, DER, and PEM encrypted the traditional way.
    let claro = t.ruta("claro.pem");
    for (archivo, extra) in [
        ("pkcs1.pem", &[][..]),
        ("pkcs1.der", &["-outform", "DER"][..]),
        (
            "pkcs1-des3.pem",
            &["-des3", "-passout", "pass:12345678a"][..],
        ),
    ] {
        let salida = t.ruta(archivo);
        let mut args = vec!["rsa", "-in", &claro, "-traditional", "-out", &salida];
        args.extend_from_slice(extra);
        t.openssl(&args);
        let key = t.leer(archivo);
        assert_eq!(
            error_de_llave(&key),
            Error::LlaveRsaTradicional,
            "{archivo}"
        );
        // Given as the .cer it is not a certificate (the portal then says "swapped files").
        assert_eq!(error_de_cer(&key), Error::NoEsCertificado, "{archivo}");
    }
    assert!(t
        .leer("pkcs1.pem")
        .starts_with(b"-----BEGIN RSA PRIVATE KEY-----"));
    assert!(String::from_utf8(t.leer("pkcs1-des3.pem"))
        .unwrap()
        .contains("Proc-Type: 4,ENCRYPTED"));
}

#[test]
fn el_requerimiento_req_no_es_la_efirma() {
    let t = Taller::nuevo("req");
    let (claro, req_pem, req_der) = (t.ruta("claro.pem"), t.ruta("req.pem"), t.ruta("req.der"));
    let sujeto = "/CN=ESCUELA KEMPER URGATE SA DE CV/x500UniqueIdentifier=EKU9003173C9";
    t.openssl(&[
        "req", "-new", "-key", &claro, "-subj", sujeto, "-out", &req_pem,
    ]);
    t.openssl(&["req", "-in", &req_pem, "-outform", "DER", "-out", &req_der]);
    let pem = t.leer("req.pem");
    assert!(pem.starts_with(b"-----BEGIN CERTIFICATE REQUEST-----"));
    for req in [pem.clone(), t.leer("req.der")] {
        assert_eq!(error_de_cer(&req), Error::EsRequerimiento);
        assert_eq!(error_de_llave(&req), Error::EsRequerimiento);
        assert_eq!(
            Credencial::abrir(&req, &sat("EKU9003173C9/fiel.key"), CONTRASENA.as_bytes())
                .unwrap_err(),
            Error::EsRequerimiento
        );
        assert_eq!(
            Credencial::abrir(&cer(), &req, CONTRASENA.as_bytes()).unwrap_err(),
            Error::EsRequerimiento
        );
    }
    // The older "NEW CERTIFICATE REQUEST" label (Windows, old OpenSSL).
    let viejo = String::from_utf8(pem)
        .unwrap()
        .replace("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST");
    assert_eq!(error_de_cer(viejo.as_bytes()), Error::EsRequerimiento);
    assert_eq!(error_de_llave(viejo.as_bytes()), Error::EsRequerimiento);
}

/// A `.cer` in PEM is accepted: it is the same certificate.
#[test]
fn cer_en_pem_se_acepta() {
    let t = Taller::nuevo("cer-pem");
    let pem = t.leer("cer.pem");
    assert!(pem.starts_with(b"-----BEGIN CERTIFICATE-----"));
    let der = cer();
    for bytes in [
        pem.clone(),
        String::from_utf8(pem.clone())
            .unwrap()
            .replace('\n', "\r\n")
            .into_bytes(),
        [
            b"subject=CN = ESCUELA KEMPER URGATE SA DE CV\n".as_slice(),
            &pem,
        ]
        .concat(),
    ] {
        let c = Certificado::parse(&bytes).unwrap();
        assert_eq!(c.der(), der.as_slice());
        assert_eq!(c.no_certificado(), "30001000000500003415");
        let fiel = Credencial::abrir(&bytes, &sat("EKU9003173C9/fiel.key"), CONTRASENA.as_bytes())
            .unwrap();
        assert_eq!(fiel.certificado().der(), der.as_slice());
    }
}

/// The password is tried as typed and then without blanks at either end.
#[test]
fn contrasena_con_espacios() {
    let key = sat("EKU9003173C9/fiel.key");
    for escrita in [
        "12345678a ",
        "12345678a  ",
        " 12345678a",
        "12345678a\n",
        "\t12345678a \r\n",
    ] {
        assert!(
            LlavePrivada::descifrar(&key, escrita.as_bytes()).is_ok(),
            "{escrita:?}"
        );
    }
    // Blanks inside are part of the password; trimming is only a second try.
    assert_eq!(
        LlavePrivada::descifrar(&key, b"12345 678a").unwrap_err(),
        Error::ContrasenaIncorrecta
    );
    assert_eq!(
        LlavePrivada::descifrar(&key, b"  ").unwrap_err(),
        Error::ContrasenaIncorrecta
    );

    // A password that really ends in a space works as typed, and not without it.
    let t = Taller::nuevo("espacios");
    for opciones in [&["-v2", "des3"][..], &["-v1", "PBE-SHA1-3DES"][..]] {
        let key = t.pkcs8("espacio.pem", "clave con espacio ", opciones);
        assert!(LlavePrivada::descifrar(&key, b"clave con espacio ").is_ok());
        // Only the password as typed and fully trimmed are tried.
        for otra in [&b"clave con espacio"[..], b"clave con espacio  "] {
            assert_eq!(
                LlavePrivada::descifrar(&key, otra).unwrap_err(),
                Error::ContrasenaIncorrecta
            );
        }
    }
}

/// `openssl pkcs12 -export` of the FIEL into `archivo`, with `opciones`.
fn exportar_pfx(t: &Taller, archivo: &str, contrasena: &str, opciones: &[&str]) -> Vec<u8> {
    let (cer, key, salida) = (t.ruta("cer.pem"), t.ruta("claro.pem"), t.ruta(archivo));
    let pass = format!("pass:{contrasena}");
    let mut args = vec!["pkcs12", "-export", "-out", &salida, "-passout", &pass];
    if !opciones.contains(&"-nokeys") {
        args.extend_from_slice(&["-inkey", &key]);
    }
    if !opciones.contains(&"-nocerts") {
        args.extend_from_slice(&["-in", &cer]);
    }
    args.extend_from_slice(opciones);
    t.openssl(&args);
    t.leer(archivo)
}

/// A `.pfx` given where the `.cer` or the `.key` go says what it is.
#[test]
fn pfx_en_lugar_de_cer_o_key() {
    let t = Taller::nuevo("pfx-como-par");
    let pfx = exportar_pfx(&t, "fiel.pfx", CONTRASENA, &[]);
    assert_eq!(error_de_cer(&pfx), Error::EsPfx);
    assert_eq!(error_de_llave(&pfx), Error::EsPfx);
}

#[cfg(feature = "pfx")]
mod pfx {
    use super::*;
    use efirma::leer_pfx;

    fn abre_pfx(pfx: &[u8], contrasena: &str, caso: &str) {
        let fiel = Credencial::abrir_pfx(pfx, contrasena.as_bytes())
            .unwrap_or_else(|e| panic!("{caso}: {e:?}"));
        assert_eq!(fiel.certificado().der(), cer().as_slice(), "{caso}");
        let firma = fiel
            .firmar(b"||cadena||", Algoritmo::Pkcs1v15Sha256)
            .unwrap();
        assert_eq!(
            fiel.certificado()
                .verificar(b"||cadena||", &firma, Algoritmo::Pkcs1v15Sha256),
            Ok(())
        );
        let contenido = leer_pfx(pfx, contrasena.as_bytes()).unwrap();
        assert_eq!(contenido.certificado_der, cer());
        let directa =
            Credencial::abrir(&cer(), &sat("EKU9003173C9/fiel.key"), CONTRASENA.as_bytes())
                .unwrap();
        assert_eq!(
            contenido.llave.pkcs8_der().as_slice(),
            directa.llave().pkcs8_der().as_slice(),
            "{caso}"
        );
        for otra in ["otra", "", "12345678"] {
            assert_eq!(
                leer_pfx(pfx, otra.as_bytes()).unwrap_err(),
                Error::ContrasenaIncorrecta,
                "{caso} {otra:?}"
            );
        }
    }

    #[test]
    fn pfx_que_se_aceptan() {
        let t = Taller::nuevo("pfx");
        // OpenSSL 3's default: PBES2 AES-256-CBC for both, HMAC-SHA256 MAC.
        abre_pfx(
            &exportar_pfx(&t, "moderno.pfx", CONTRASENA, &[]),
            CONTRASENA,
            "moderno",
        );
        // -legacy: certificate under RC2-40, key under PKCS#12 3DES, HMAC-SHA1 MAC.
        abre_pfx(
            &exportar_pfx(&t, "legacy.pfx", CONTRASENA, &["-legacy"]),
            CONTRASENA,
            "legacy",
        );
        // 3DES for both (what Windows writes with "TripleDES-SHA1").
        abre_pfx(
            &exportar_pfx(
                &t,
                "3des.pfx",
                CONTRASENA,
                &[
                    "-keypbe",
                    "PBE-SHA1-3DES",
                    "-certpbe",
                    "PBE-SHA1-3DES",
                    "-macalg",
                    "sha1",
                ],
            ),
            CONTRASENA,
            "3des",
        );
        // Certificate not encrypted, MAC with SHA-512.
        abre_pfx(
            &exportar_pfx(
                &t,
                "certpbe.pfx",
                CONTRASENA,
                &["-certpbe", "NONE", "-macalg", "sha512"],
            ),
            CONTRASENA,
            "certpbe NONE",
        );
        // With the chain: the FIEL's certificate is the one returned, whatever the order.
        let (ac, raiz) = (t.ruta("ac.pem"), t.ruta("raiz.pem"));
        let ca = format!("{SAT}ca/pruebas/");
        t.openssl(&[
            "x509",
            "-inform",
            "DER",
            "-in",
            &format!("{ca}AC_UAT_2022.cer"),
            "-out",
            &ac,
        ]);
        t.openssl(&[
            "x509",
            "-inform",
            "DER",
            "-in",
            &format!("{ca}ARC_UAT_2022_Raiz_Beta_ANG.cer"),
            "-out",
            &raiz,
        ]);
        let cadena = [t.leer("ac.pem"), t.leer("raiz.pem")].concat();
        std::fs::write(t.0.join("cadena.pem"), cadena).unwrap();
        abre_pfx(
            &exportar_pfx(
                &t,
                "cadena.pfx",
                CONTRASENA,
                &["-certfile", &t.ruta("cadena.pem")],
            ),
            CONTRASENA,
            "con cadena",
        );
        // No MAC: a wrong password is caught by the decryption itself.
        abre_pfx(
            &exportar_pfx(&t, "sinmac.pfx", CONTRASENA, &["-nomac"]),
            CONTRASENA,
            "sin MAC",
        );
        // A non-ASCII password (BMPString for the MAC, UTF-8 for PBES2).
        abre_pfx(
            &exportar_pfx(&t, "n.pfx", "contraseña", &[]),
            "contraseña",
            "ñ",
        );
        abre_pfx(
            &exportar_pfx(&t, "n-legacy.pfx", "contraseña", &["-legacy"]),
            "contraseña",
            "ñ legacy",
        );
    }

    #[test]
    fn pfx_contrasena_con_espacios() {
        let t = Taller::nuevo("pfx-espacios");
        for opciones in [&[][..], &["-legacy"][..]] {
            let pfx = exportar_pfx(&t, "fiel.pfx", CONTRASENA, opciones);
            assert!(Credencial::abrir_pfx(&pfx, b"12345678a ").is_ok());
            assert!(Credencial::abrir_pfx(&pfx, b" 12345678a\n").is_ok());
            let pfx = exportar_pfx(&t, "espacio.pfx", "clave ", opciones);
            assert!(Credencial::abrir_pfx(&pfx, b"clave ").is_ok());
            assert_eq!(
                Credencial::abrir_pfx(&pfx, b"clave").unwrap_err(),
                Error::ContrasenaIncorrecta
            );
        }
    }

    #[test]
    fn pfx_que_se_rechazan() {
        let t = Taller::nuevo("pfx-rechazados");
        let pass = CONTRASENA.as_bytes();
        let sin_llave = exportar_pfx(&t, "sin-llave.pfx", CONTRASENA, &["-nokeys"]);
        assert_eq!(
            leer_pfx(&sin_llave, pass).unwrap_err(),
            Error::PfxIncompleto
        );
        let sin_cer = exportar_pfx(&t, "sin-cer.pfx", CONTRASENA, &["-nocerts"]);
        assert_eq!(leer_pfx(&sin_cer, pass).unwrap_err(), Error::PfxIncompleto);
        let llave_clara = exportar_pfx(&t, "llave-clara.pfx", CONTRASENA, &["-keypbe", "NONE"]);
        assert_eq!(
            leer_pfx(&llave_clara, pass).unwrap_err(),
            Error::LlaveSinCifrar
        );

        // The key with another e.firma's certificate.
        let otro = t.ruta("otro.pem");
        t.openssl(&[
            "x509",
            "-inform",
            "DER",
            "-in",
            &format!("{SAT}AAA010101AAA/fiel.cer"),
            "-out",
            &otro,
        ]);
        let mezcla = exportar_pfx(
            &t,
            "mezcla.pfx",
            CONTRASENA,
            &["-nocerts", "-certfile", &otro],
        );
        assert_eq!(
            leer_pfx(&mezcla, pass).unwrap_err(),
            Error::LlaveNoCorresponde
        );

        // Not a .pfx at all: the pair's files, the .req, garbage.
        for archivo in ["EKU9003173C9/fiel.cer", "EKU9003173C9/fiel.key"] {
            assert_eq!(leer_pfx(&sat(archivo), pass).unwrap_err(), Error::NoEsPfx);
        }
        assert_eq!(leer_pfx(b"hola", pass).unwrap_err(), Error::NoEsPfx);
        assert_eq!(
            leer_pfx(&vec![0x30; 70_000], pass).unwrap_err(),
            Error::ArchivoDemasiadoGrande
        );
        // Cut short or altered: never a panic, never a key.
        let pfx = exportar_pfx(&t, "fiel.pfx", CONTRASENA, &[]);
        for n in (0..pfx.len()).step_by(97) {
            assert!(leer_pfx(&pfx[..n], pass).is_err());
            let mut alterado = pfx.clone();
            alterado[n] ^= 0x01;
            assert!(leer_pfx(&alterado, pass).is_err(), "byte {n}");
        }
    }

    /// Two key bags (the same key twice, spliced into a MAC-less `.pfx`: `openssl pkcs12`
    /// never writes that, other tools can).
    #[test]
    fn pfx_con_dos_llaves() {
        use der::asn1::OctetString;
        use der::{Any, Decode, Encode};

        let t = Taller::nuevo("pfx-dos-llaves");
        let original = exportar_pfx(&t, "sinmac.pfx", CONTRASENA, &["-nomac"]);
        let mut pfx = pkcs12::pfx::Pfx::from_der(&original).unwrap();
        let octetos = |a: &Any| OctetString::from_der(&a.to_der().unwrap()).unwrap();
        let mut seguro = Vec::<cms::content_info::ContentInfo>::from_der(
            octetos(&pfx.auth_safe.content).as_bytes(),
        )
        .unwrap();
        let mut duplicadas = 0;
        for contenido in &mut seguro {
            if contenido.content_type != const_oid::db::rfc5911::ID_DATA {
                continue;
            }
            // Each bag kept as raw DER: `pkcs12`'s SafeBag does not re-encode as it decodes.
            let mut bolsas = Vec::<Any>::from_der(octetos(&contenido.content).as_bytes()).unwrap();
            let Some(llave) = bolsas
                .iter()
                .find(|b| {
                    pkcs12::safe_bag::SafeBag::from_der(&b.to_der().unwrap())
                        .unwrap()
                        .bag_id
                        == pkcs12::PKCS_12_PKCS8_KEY_BAG_OID
                })
                .cloned()
            else {
                continue;
            };
            bolsas.push(llave);
            duplicadas += 1;
            let nuevo = OctetString::new(bolsas.to_der().unwrap()).unwrap();
            contenido.content = Any::encode_from(&nuevo).unwrap();
        }
        assert_eq!(duplicadas, 1);
        let nuevo = OctetString::new(seguro.to_der().unwrap()).unwrap();
        pfx.auth_safe.content = Any::encode_from(&nuevo).unwrap();
        let dos = pfx.to_der().unwrap();
        assert!(leer_pfx(&original, CONTRASENA.as_bytes()).is_ok());
        assert_eq!(
            leer_pfx(&dos, CONTRASENA.as_bytes()).unwrap_err(),
            Error::PfxVariasLlaves
        );
    }
}

// The two-step opening the browser uses (issue 12): `LlavePrivada::derivacion` says how to run
// PBKDF2 (the browser runs its own, WebCrypto's), `descifrar_con_llave_derivada` decrypts with
// the result. Both steps together must give exactly what `descifrar` gives, and refuse what it
// refuses.

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
    let key = sat("EKU9003173C9/fiel.key");
    let d = LlavePrivada::derivacion(&key).unwrap();
    // SAT's .key: PBES2, PBKDF2-HMAC-SHA1 with 2048 iterations, des-ede3-cbc (a 24-byte key).
    assert_eq!(d.hash, HashPbkdf2::Sha1);
    assert_eq!(d.hash.nombre_webcrypto(), "SHA-1");
    assert_eq!(d.iteraciones, 2048);
    assert_eq!(d.largo, 24);
    assert!(!d.sal.is_empty());

    let contrasena = CONTRASENA.as_bytes();
    let en_dos =
        LlavePrivada::descifrar_con_llave_derivada(&key, &derivar(&key, contrasena)).unwrap();
    let de_una = LlavePrivada::descifrar(&key, contrasena).unwrap();
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
fn en_dos_pasos_lo_que_no_es_una_llave_se_rechaza_igual_que_al_descifrar() {
    for (bytes, error) in [
        (sat("EKU9003173C9/fiel.cer"), Error::NoEsLlavePrivada),
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
            LlavePrivada::descifrar(&bytes, CONTRASENA.as_bytes()).err(),
            Some(error)
        );
    }
}

/// The same key re-encrypted by OpenSSL with AES-256-CBC and PBKDF2-HMAC-SHA256: WebCrypto's
/// SHA-256 PBKDF2 and a 32-byte key.
#[test]
fn una_llave_aes_con_sha256_en_dos_pasos() {
    let t = Taller::nuevo("dos-pasos");
    let key = t.pkcs8(
        "aes.key",
        "otra-clave",
        &[
            "-v2",
            "aes-256-cbc",
            "-v2prf",
            "hmacWithSHA256",
            "-iter",
            "1000",
            "-outform",
            "DER",
        ],
    );
    let d = LlavePrivada::derivacion(&key).unwrap();
    assert_eq!(
        (d.hash, d.iteraciones, d.largo),
        (HashPbkdf2::Sha256, 1000, 32)
    );
    let en_dos =
        LlavePrivada::descifrar_con_llave_derivada(&key, &derivar(&key, b"otra-clave")).unwrap();
    let sat =
        LlavePrivada::descifrar(&sat("EKU9003173C9/fiel.key"), CONTRASENA.as_bytes()).unwrap();
    assert_eq!(*en_dos.pkcs8_der(), *sat.pkcs8_der());
}

/// The passwords a caller that derives the key itself must try, in `descifrar`'s order.
#[test]
fn contrasenas_a_probar_como_descifrar() {
    let lista = |c: &str| {
        contrasenas_a_probar(c.as_bytes())
            .map(<[u8]>::to_vec)
            .collect::<Vec<_>>()
    };
    assert_eq!(lista("12345678a"), [b"12345678a".to_vec()]);
    assert_eq!(
        lista(" 12345678a\t"),
        [b" 12345678a\t".to_vec(), b"12345678a".to_vec()]
    );
    assert_eq!(lista("12 34"), [b"12 34".to_vec()]);
}
