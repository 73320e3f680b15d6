//! Generated SAT-like hierarchies: every rejection path, SAT-identical key encryption, and OCSP
//! against a real `openssl ocsp` responder on 127.0.0.1.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use efirma::generador::{AutoridadDePrueba, Jerarquia, Perfil, Sujeto};
use efirma::{
    validar_efirma, Algoritmo, AlmacenConfianza, Certificado, Credencial, Error, EstadoRevocacion,
    LlavePrivada, SolicitudOcsp, TipoCertificado,
};

const CONTRASENA: &str = "contraseña de prueba";

fn ahora() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// One hierarchy for the whole file: RSA key generation is the slow part.
fn jerarquia() -> &'static Jerarquia {
    static J: OnceLock<Jerarquia> = OnceLock::new();
    J.get_or_init(|| Jerarquia::generar(&Sujeto::demo(), CONTRASENA, ahora()).unwrap())
}

fn almacen() -> AlmacenConfianza {
    let j = jerarquia();
    AlmacenConfianza::desde_certificados([&j.autoridad.raiz.cer, &j.autoridad.ac.cer]).unwrap()
}

fn cert(der: &[u8]) -> Certificado {
    Certificado::parse(der).unwrap()
}

fn dir_temporal(nombre: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("efirma-{nombre}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn fiel_generada_es_aceptada_y_firma() {
    let j = jerarquia();
    let c = cert(&j.fiel.cer);
    assert_eq!(c.tipo(), TipoCertificado::Fiel);
    assert_eq!(c.rfc().unwrap().as_str(), "EKU9003173C9");
    assert_eq!(c.rfc_representante().unwrap().as_str(), "VADA800927DJ3");
    assert_eq!(c.curp().unwrap().as_str(), "VADA800927HSRSRL05");
    assert_eq!(c.no_certificado(), j.fiel.no_certificado);
    assert_eq!(c.no_certificado().len(), 20);
    assert_eq!(c.emisor(), "AC Pruebas");
    assert_eq!(validar_efirma(&c, &almacen(), ahora()), Ok(()));
    let fiel = Credencial::abrir(&j.fiel.cer, &j.fiel.key, CONTRASENA.as_bytes()).unwrap();
    let firma = fiel.firmar(b"reto", Algoritmo::PssSha256).unwrap();
    assert_eq!(c.verificar(b"reto", &firma, Algoritmo::PssSha256), Ok(()));
}

#[test]
fn cada_regla_rechaza_lo_suyo() {
    let j = jerarquia();
    let a = almacen();
    let t = ahora();
    assert_eq!(
        validar_efirma(&cert(&j.csd.cer), &a, t),
        Err(Error::CsdNoEsEfirma)
    );
    assert_eq!(cert(&j.csd.cer).tipo(), TipoCertificado::Csd);
    assert_eq!(
        validar_efirma(&cert(&j.vencida.cer), &a, t),
        Err(Error::CertificadoVencido)
    );
    assert_eq!(
        a.verificar_cadena(&cert(&j.vencida.cer), t),
        Err(Error::CertificadoVencido)
    );
    assert_eq!(
        validar_efirma(&cert(&j.aun_no_vigente.cer), &a, t),
        Err(Error::CertificadoAunNoVigente)
    );
    assert_eq!(
        a.verificar_cadena(&cert(&j.aun_no_vigente.cer), t),
        Err(Error::CertificadoAunNoVigente)
    );
    // Revocation is not a chain property: the revoked FIEL still chains (OCSP tells).
    assert_eq!(validar_efirma(&cert(&j.revocada.cer), &a, t), Ok(()));
    assert_eq!(cert(&j.ocsp.cer).tipo(), TipoCertificado::Otro);
}

#[test]
fn ancla_equivocada_es_emisor_no_confiable() {
    let j = jerarquia();
    let sat = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/sat/ca/pruebas"
    );
    let otra = AlmacenConfianza::desde_directorio(sat).unwrap();
    assert_eq!(
        validar_efirma(&cert(&j.fiel.cer), &otra, ahora()),
        Err(Error::EmisorNoConfiable)
    );
    // Only the intermediate, without its root: no anchor.
    assert_eq!(
        AlmacenConfianza::desde_certificados([&j.autoridad.ac.cer]).err(),
        Some(Error::AnclasNoDisponibles)
    );
    // The root alone: the chain lacks its intermediate.
    let solo_raiz = AlmacenConfianza::desde_certificados([&j.autoridad.raiz.cer]).unwrap();
    assert_eq!(
        solo_raiz.verificar_cadena(&cert(&j.fiel.cer), ahora()),
        Err(Error::EmisorNoConfiable)
    );
}

const ANO: i64 = 365 * 86_400;

/// The store checks the intermediate → root signature once, when it is built; the intermediate's
/// validity must still be judged at each call's `ahora`. A leaf that outlives its AC on both
/// sides isolates the AC's window (root: `t - 1 year` .. `t + 20 years`, AC: `t - 1 year` ..
/// `t + 10 years`).
#[test]
fn la_vigencia_del_intermedio_se_juzga_en_cada_llamada() {
    let t = ahora();
    let mut autoridad = AutoridadDePrueba::nueva("Vigencias", CONTRASENA, t).unwrap();
    let hoja = autoridad
        .emitir(&Sujeto::demo(), Perfil::Fiel, t - 2 * ANO, t + 15 * ANO)
        .unwrap();
    let almacen =
        AlmacenConfianza::desde_certificados([&autoridad.raiz.cer, &autoridad.ac.cer]).unwrap();
    let hoja = cert(&hoja.cer);
    assert_eq!(almacen.verificar_cadena(&hoja, t), Ok(()));
    // The AC expired; the leaf has not.
    assert_eq!(
        almacen.verificar_cadena(&hoja, t + 12 * ANO),
        Err(Error::CertificadoVencido)
    );
    // The AC is not valid yet; the leaf already is.
    assert_eq!(
        almacen.verificar_cadena(&hoja, t - 3 * ANO / 2),
        Err(Error::CertificadoAunNoVigente)
    );
    // And it is still fine in between, after those rejections.
    assert_eq!(almacen.verificar_cadena(&hoja, t + 9 * ANO), Ok(()));
}

/// Two CAs with identical names (the same `nombre`) but different keys: an intermediate whose
/// issuer name matches the anchor but whose signature is not the anchor's must not chain, and
/// the store must not have taken it for a verified link.
#[test]
fn un_intermedio_no_firmado_por_el_ancla_no_encadena() {
    let t = ahora();
    let a = AutoridadDePrueba::nueva("Gemela", CONTRASENA, t).unwrap();
    let mut b = AutoridadDePrueba::nueva("Gemela", CONTRASENA, t).unwrap();
    let hoja_b = b
        .emitir(&Sujeto::demo(), Perfil::Fiel, t - 86_400, t + ANO)
        .unwrap();
    let hoja_b = cert(&hoja_b.cer);
    assert_eq!(
        cert(&a.ac.cer).emisor(),
        cert(&b.ac.cer).emisor(),
        "same names, different keys"
    );

    let propio = AlmacenConfianza::desde_certificados([&b.raiz.cer, &b.ac.cer]).unwrap();
    assert_eq!(propio.verificar_cadena(&hoja_b, t), Ok(()));

    // B's AC under A's root: the names chain, the signature does not.
    let ajeno = AlmacenConfianza::desde_certificados([&a.raiz.cer, &b.ac.cer]).unwrap();
    assert!(ajeno.verificar_cadena(&hoja_b, t).is_err());
    // Both ACs in the store: the one A's root really signed cannot vouch for B's leaf.
    let ambos = AlmacenConfianza::desde_certificados([&a.raiz.cer, &a.ac.cer, &b.ac.cer]).unwrap();
    assert!(ambos.verificar_cadena(&hoja_b, t).is_err());
    // A root that signed nothing in the store still anchors its own chains.
    let dos_raices =
        AlmacenConfianza::desde_certificados([&a.raiz.cer, &b.raiz.cer, &b.ac.cer]).unwrap();
    assert_eq!(dos_raices.verificar_cadena(&hoja_b, t), Ok(()));
}

#[test]
fn llaves_cifradas_como_las_del_sat() {
    let j = jerarquia();
    assert_eq!(
        LlavePrivada::descifrar(&j.fiel.key, b"otra").err(),
        Some(Error::ContrasenaIncorrecta)
    );
    assert_eq!(
        Credencial::abrir(&j.fiel.cer, &j.csd.key, CONTRASENA.as_bytes()).err(),
        Some(Error::LlaveNoCorresponde)
    );
    let dir = dir_temporal("llave");
    let ruta = dir.join("fiel.key");
    std::fs::write(&ruta, &j.fiel.key).unwrap();
    let asn1 = Command::new("openssl")
        .args(["asn1parse", "-inform", "DER", "-in"])
        .arg(&ruta)
        .output()
        .unwrap();
    let texto = String::from_utf8_lossy(&asn1.stdout);
    for esperado in [":PBES2", ":PBKDF2", ":0800", ":des-ede3-cbc"] {
        assert!(texto.contains(esperado), "{esperado} no está en\n{texto}");
    }
    assert!(
        !texto.contains("hmacWithSHA256"),
        "PRF must be the default HMAC-SHA1"
    );
    let claro = Command::new("openssl")
        .args(["pkcs8", "-inform", "DER", "-outform", "DER", "-passin"])
        .arg(format!("pass:{CONTRASENA}"))
        .arg("-in")
        .arg(&ruta)
        .output()
        .unwrap();
    assert!(claro.status.success(), "openssl no abrió la llave generada");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn escribir_deja_un_directorio_usable() {
    let j = jerarquia();
    let dir = dir_temporal("escribir");
    j.escribir(&dir).unwrap();
    let a = AlmacenConfianza::desde_directorio(dir.join("ca")).unwrap();
    let cer = std::fs::read(dir.join("fiel.cer")).unwrap();
    let key = std::fs::read(dir.join("fiel.key")).unwrap();
    let fiel = Credencial::abrir(&cer, &key, CONTRASENA.as_bytes()).unwrap();
    assert_eq!(validar_efirma(fiel.certificado(), &a, ahora()), Ok(()));
    let indice = std::fs::read_to_string(dir.join("ocsp/index.txt")).unwrap();
    assert!(indice.lines().any(|l| l.starts_with("R\t")));
    let _ = std::fs::remove_dir_all(dir);
}

/// An `openssl ocsp` responder on a free loopback port, killed on drop.
struct Respondedor {
    hijo: Child,
    puerto: u16,
}

impl Respondedor {
    fn iniciar(dir: &Path, firmante: &str, llave: &str) -> Respondedor {
        let puerto = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let hijo = Command::new("openssl")
            .current_dir(dir)
            .args([
                "ocsp",
                "-index",
                "index.txt",
                "-CA",
                "ac.pem",
                "-rsigner",
                firmante,
            ])
            .args(["-rkey", llave, "-ndays", "1", "-port"])
            .arg(puerto.to_string())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("openssl.log")).unwrap())
            .spawn()
            .expect("openssl ocsp");
        let r = Respondedor { hijo, puerto };
        let limite = Instant::now() + Duration::from_secs(10);
        // Probing the port with a connection would occupy the single-threaded responder: wait
        // for its "waiting for OCSP client connections" line instead.
        let listo = || {
            std::fs::read_to_string(dir.join("openssl.log"))
                .is_ok_and(|l| l.contains("waiting for OCSP client connections"))
        };
        while !listo() {
            assert!(
                Instant::now() < limite,
                "openssl ocsp no escucha: {}",
                std::fs::read_to_string(dir.join("openssl.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        r
    }

    /// Minimal HTTP/1.0 POST; returns the body.
    fn consultar(&self, solicitud: &[u8]) -> Vec<u8> {
        let mut s = TcpStream::connect(("127.0.0.1", self.puerto)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let cabecera = format!(
            "POST / HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/ocsp-request\r\nContent-Length: {}\r\n\r\n",
            solicitud.len()
        );
        s.write_all(cabecera.as_bytes()).unwrap();
        s.write_all(solicitud).unwrap();
        // Read the headers, then exactly Content-Length bytes (the responder may keep the
        // connection open).
        let mut r = Vec::new();
        let mut trozo = [0u8; 4096];
        loop {
            let n = s.read(&mut trozo).unwrap();
            assert!(n > 0, "conexión cerrada: {}", String::from_utf8_lossy(&r));
            r.extend_from_slice(&trozo[..n]);
            let Some(fin) = r.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4) else {
                continue;
            };
            let cabeceras = String::from_utf8_lossy(&r[..fin]).to_ascii_lowercase();
            let largo: usize = cabeceras
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .expect("Content-Length");
            if r.len() >= fin + largo {
                return r[fin..fin + largo].to_vec();
            }
        }
    }
}

impl Drop for Respondedor {
    fn drop(&mut self) {
        let _ = self.hijo.kill();
        let _ = self.hijo.wait();
    }
}

fn preparar_ocsp(nombre: &str) -> PathBuf {
    let j = jerarquia();
    let dir = dir_temporal(nombre);
    j.escribir(&dir).unwrap();
    let dir = dir.join("ocsp");
    // Leave the CSD out of the CA database, so the responder answers "unknown" for it.
    let serie_csd = j.csd.serie_hex();
    let indice: String = j
        .autoridad
        .indice_openssl()
        .lines()
        .filter(|l| !l.contains(&serie_csd))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.join("index.txt"), indice).unwrap();
    std::fs::write(
        dir.join("ac.key.pem"),
        j.autoridad.ac.pkcs8_pem().unwrap().as_bytes(),
    )
    .unwrap();
    std::fs::write(dir.join("fiel.pem"), j.fiel.cer_pem().unwrap()).unwrap();
    std::fs::write(
        dir.join("fiel.key.pem"),
        LlavePrivada::desde_pkcs8(&j.fiel.pkcs8)
            .map(|_| ())
            .map(|_| j.fiel.pkcs8_pem().unwrap())
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    dir
}

fn solicitud(c: &efirma::generador::Emitido, nonce: u8) -> SolicitudOcsp {
    SolicitudOcsp::con_almacen(&cert(&c.cer), &almacen(), &[nonce; 16]).unwrap()
}

#[test]
fn ocsp_con_respondedor_delegado() {
    let j = jerarquia();
    let dir = preparar_ocsp("ocsp-delegado");
    let r = Respondedor::iniciar(&dir, "responder.pem", "responder.key.pem");
    let t = ahora();

    let s = solicitud(&j.fiel, 1);
    let resp = r.consultar(&s.der());
    assert_eq!(s.evaluar(&resp, t), Ok(EstadoRevocacion::Vigente));
    assert_eq!(s.evaluar(&resp, t).unwrap().como_resultado(), Ok(()));

    // Freshness: the response says nextUpdate = +1 day.
    assert_eq!(
        s.evaluar(&resp, t + 3 * 86_400),
        Err(Error::RespuestaOcspInvalida)
    );
    assert_eq!(
        s.evaluar(&resp, t - 3600),
        Err(Error::RespuestaOcspInvalida)
    );
    // Nonce: the same answer does not fit a request with another nonce.
    let otra = solicitud(&j.fiel, 2);
    assert_eq!(otra.evaluar(&resp, t), Err(Error::RespuestaOcspInvalida));
    // A flipped signature bit.
    let mut alterada = resp.clone();
    let n = alterada.len();
    alterada[n - 300] ^= 1;
    assert!(s.evaluar(&alterada, t).is_err());
    // Garbage and truncation.
    assert_eq!(s.evaluar(b"no", t), Err(Error::RespuestaOcspInvalida));
    assert_eq!(
        s.evaluar(&resp[..resp.len() / 2], t),
        Err(Error::RespuestaOcspInvalida)
    );
    // The answer for the FIEL does not answer for the revoked one.
    let s_rev = solicitud(&j.revocada, 3);
    assert_eq!(s_rev.evaluar(&resp, t), Err(Error::RespuestaOcspInvalida));

    let resp_rev = r.consultar(&s_rev.der());
    match s_rev.evaluar(&resp_rev, t) {
        Ok(EstadoRevocacion::Revocado { fecha }) => assert!((fecha - (t - 86_400)).abs() < 120),
        otro => panic!("{otro:?}"),
    }
    assert_eq!(
        s_rev.evaluar(&resp_rev, t).unwrap().como_resultado(),
        Err(Error::Revocado)
    );

    let s_csd = solicitud(&j.csd, 4);
    let resp_csd = r.consultar(&s_csd.der());
    assert_eq!(
        s_csd.evaluar(&resp_csd, t),
        Ok(EstadoRevocacion::Desconocido)
    );
    assert_eq!(
        EstadoRevocacion::Desconocido.como_resultado(),
        Err(Error::RevocacionDesconocida)
    );
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}

#[test]
fn ocsp_firmado_por_la_ac() {
    let j = jerarquia();
    let dir = preparar_ocsp("ocsp-ac");
    let r = Respondedor::iniciar(&dir, "ac.pem", "ac.key.pem");
    let s = solicitud(&j.fiel, 5);
    assert_eq!(
        s.evaluar(&r.consultar(&s.der()), ahora()),
        Ok(EstadoRevocacion::Vigente)
    );
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}

#[test]
fn ocsp_firmado_por_quien_no_debe() {
    // The FIEL is issued by the CA but is not an OCSP signer.
    let j = jerarquia();
    let dir = preparar_ocsp("ocsp-intruso");
    let r = Respondedor::iniciar(&dir, "fiel.pem", "fiel.key.pem");
    let s = solicitud(&j.fiel, 6);
    assert_eq!(
        s.evaluar(&r.consultar(&s.der()), ahora()),
        Err(Error::RespuestaOcspInvalida)
    );
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}

#[test]
fn solicitud_ocsp_valida_sus_parametros() {
    let j = jerarquia();
    let fiel = cert(&j.fiel.cer);
    let ac = cert(&j.autoridad.ac.cer);
    let raiz = cert(&j.autoridad.raiz.cer);
    assert!(SolicitudOcsp::nueva(&fiel, &ac, &[0; 16]).is_ok());
    assert_eq!(
        SolicitudOcsp::nueva(&fiel, &ac, &[0; 8]).err(),
        Some(Error::AlgoritmoNoSoportado)
    );
    assert_eq!(
        SolicitudOcsp::nueva(&fiel, &raiz, &[0; 16]).err(),
        Some(Error::EmisorNoConfiable)
    );
}
