//! Fuzz targets over the parsers that read untrusted input: the `.cer` and `.key` parsers of
//! `efirma` (DER, PEM, PKCS#8), the cadena original reader, the API's JSON body and the
//! cookie and `X-Forwarded-For` parsers.
//!
//! Each target is a plain function of the input bytes, so the same code runs under AFL (the
//! binaries in `src/bin/`, built by `scripts/fuzz.sh` with `cargo afl`) and in the corpus replay
//! test (`tests/corpus.rs`, plain `cargo test -p fuzz` on the stable toolchain, no AFL). A target
//! never starts a server, opens a database or logs; it panics only when an invariant fails, and
//! a panic is what AFL reports as a crash.

use efirma::{Algoritmo, Certificado, LlavePrivada};
#[cfg(feature = "servidor")]
pub use servidor_objetivos::{api_json, cabeceras, cadena};

/// A target: a function of the input bytes that panics only when an invariant fails.
pub type Objetivo = fn(&[u8]);

/// Every target, by the name of its binary and of its corpus folder (`fuzz/corpus/<name>/`).
pub const OBJETIVOS: &[(&str, Objetivo)] = &[
    ("cer", cer),
    ("key", key),
    #[cfg(feature = "servidor")]
    ("cadena", cadena),
    #[cfg(feature = "servidor")]
    ("api_json", api_json),
    #[cfg(feature = "servidor")]
    ("cabeceras", cabeceras),
];

/// A fixed instant for the validity checks (2026-11-27, the fixtures' reference date).
const AHORA: i64 = 1_795_737_600;
/// The SAT test keys' password; a key of the corpus encrypted with it gets past decryption.
const CONTRASENA: &[u8] = b"12345678a";
/// PBKDF2 iterations beyond which the `key` target skips decryption: efirma accepts up to a
/// million (about a second per try here), which would stall a campaign on one mutated count.
/// The bound itself is covered by efirma's own tests.
const ITERACIONES_FUZZ: u32 = 10_000;

/// `.cer`: DER or PEM. A certificate that parses exposes all its fields, re-parses from its
/// own DER to the same certificate, and never verifies a signature made of its input.
pub fn cer(datos: &[u8]) {
    let informe = efirma::inspeccionar(datos, None, None, AHORA);
    let Ok(c) = Certificado::parse(datos) else {
        assert!(
            !informe.aceptada(),
            "an unparsable certificate was accepted"
        );
        return;
    };
    let _ = (c.rfc(), c.rfc_representante(), c.curp(), c.persona());
    let _ = (c.nombre(), c.emisor(), c.tipo(), c.es_fiel(), c.es_ca());
    let _ = (c.validar_perfil_fiel(), c.validar_vigencia(AHORA));
    assert!(c.vigente_desde() <= c.vigente_hasta() || c.validar_vigencia(AHORA).is_err());
    assert_eq!(c.huella_sha256_hex().len(), 64);

    let otra = Certificado::parse(c.der()).expect("a certificate re-parses from its own DER");
    assert_eq!(otra.der(), c.der());
    assert_eq!(otra.no_certificado(), c.no_certificado());
    assert_eq!(otra.nombre(), c.nombre());
    assert_eq!(otra.rfc(), c.rfc());
    assert_eq!(otra.curp(), c.curp());
    assert_eq!(otra.huella_sha256(), c.huella_sha256());

    for alg in [Algoritmo::Pkcs1v15Sha256, Algoritmo::PssSha256] {
        assert!(
            c.verificar(b"||cadena|original||", datos, alg).is_err(),
            "the certificate's own bytes verified as a signature"
        );
    }
    let _ = efirma::AlmacenConfianza::desde_certificados([c.der()]);
}

/// `.key`: an encrypted PKCS#8 `EncryptedPrivateKeyInfo` (DER or PEM) opened with the test
/// password, and the same bytes as an unencrypted PKCS#8 `PrivateKeyInfo`. A key that loads
/// has a canonical PKCS#8 form that loads again to itself.
pub fn key(datos: &[u8]) {
    if iteraciones_declaradas(datos).is_none_or(|n| n <= ITERACIONES_FUZZ) {
        if let Ok(llave) = LlavePrivada::descifrar(datos, CONTRASENA) {
            canonica_estable(&llave);
        }
    }
    if let Ok(llave) = LlavePrivada::desde_pkcs8(datos) {
        canonica_estable(&llave);
    }
}

/// The PBKDF2 iteration count that an encrypted DER key declares, if it reads as one.
fn iteraciones_declaradas(datos: &[u8]) -> Option<u32> {
    use pkcs8::der::Decode as _;
    let der;
    let datos = if datos.trim_ascii_start().starts_with(b"-----BEGIN ") {
        der = pkcs8::der::pem::decode_vec(datos.trim_ascii_start())
            .ok()?
            .1;
        &der[..]
    } else {
        datos
    };
    let info = pkcs8::EncryptedPrivateKeyInfo::from_der(datos).ok()?;
    match info.encryption_algorithm {
        pkcs8::pkcs5::EncryptionScheme::Pbes2(p) => p.kdf.pbkdf2().map(|k| k.iteration_count),
        _ => None,
    }
}

fn canonica_estable(llave: &LlavePrivada) {
    let der = llave.pkcs8_der();
    let otra = LlavePrivada::desde_pkcs8(&der).expect("the canonical PKCS#8 loads");
    assert_eq!(
        *otra.pkcs8_der(),
        *der,
        "the canonical PKCS#8 is not stable"
    );
}

/// The targets over nucleo's and the server's parsers (feature `servidor`).
#[cfg(feature = "servidor")]
mod servidor_objetivos {
    use base64::Engine as _;
    use http::{header, HeaderMap, HeaderValue};
    use servidor::{configuracion::proxies, cookies, retos::Proposito};
    use std::net::IpAddr;

    /// The cadena original of the trámite, and the nonce of each challenge format. A cadena that
    /// reads writes back to exactly itself; a nonce is a non-empty field of the string, never
    /// spanning a `|`.
    pub fn cadena(datos: &[u8]) {
        let Ok(texto) = std::str::from_utf8(datos) else {
            return;
        };
        if let Some(c) = nucleo::generacion::CadenaOriginal::leer(texto) {
            assert_eq!(
                c.escribir(),
                texto,
                "the cadena original does not round-trip"
            );
            assert_eq!(
                nucleo::generacion::CadenaOriginal::leer(&c.escribir()),
                Some(c.clone())
            );
            assert_eq!(Proposito::FirmaTerminos.nonce_de(texto), Some(c.nonce));
        }
        for proposito in [
            Proposito::GenerarContrasena,
            Proposito::FirmaTerminos,
            Proposito::RelacionConfianza,
        ] {
            if let Some(nonce) = proposito.nonce_de(texto) {
                assert!(!nonce.is_empty() && !nonce.contains('|'));
                assert!(texto.contains(nonce));
            }
        }
    }

    /// The body of `POST /api/v1/sesiones` with its `Content-Type`: the input's first line is the
    /// media type (or none, when the line is empty), the rest the body. A body that is read is a
    /// JSON object of exactly the four fields; a refusal is a 400 or 415 whose message never
    /// repeats a value from the body (passwords travel in it).
    pub fn api_json(datos: &[u8]) {
        let (tipo, cuerpo) = match datos.iter().position(|&b| b == b'\n') {
            Some(i) => (&datos[..i], &datos[i + 1..]),
            None => (&b""[..], datos),
        };
        let tipo = std::str::from_utf8(tipo).ok().filter(|t| !t.is_empty());
        let valor = serde_json::from_slice::<serde_json::Value>(cuerpo).ok();
        match servidor::api::sesiones::leer_solicitud(tipo, cuerpo) {
            Ok(_) => {
                let tipo = tipo.expect("a body without a media type was read");
                assert!(tipo
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with("application/json"));
                let valor = valor.expect("a body that is not JSON was read");
                let objeto = valor.as_object().expect("the body is an object");
                let mut campos: Vec<&str> = objeto.keys().map(String::as_str).collect();
                campos.sort_unstable();
                assert_eq!(
                    campos,
                    [
                        "contrasena_desarrollador",
                        "contrasena_patron",
                        "desarrollador",
                        "patron"
                    ]
                );
                let patron = objeto["patron"].as_object().expect("patron is an object");
                assert_eq!(patron.len(), 1);
                assert!(patron.contains_key("nrp") || patron.contains_key("rfc"));
                assert!(
                    objeto["desarrollador"].is_object(),
                    "desarrollador is an object"
                );
            }
            Err(e) => {
                assert!(matches!(e.estado.as_u16(), 400 | 415), "{}", e.estado);
                assert!(!e.mensaje.is_empty());
                if let Some(valor) = valor {
                    let mut claves = Vec::new();
                    let mut valores = Vec::new();
                    textos(&valor, &mut claves, &mut valores);
                    // What a message says of the body is between « and » (a field's path);
                    // the rest is fixed sentences. A path is made of keys, so a value that is
                    // part of a key may appear in it; a short one could be a path's `[0]`.
                    let variable: Vec<&str> = e
                        .mensaje
                        .split('«')
                        .skip(1)
                        .map(|t| t.split('»').next().unwrap_or_default())
                        .collect();
                    for v in valores {
                        let propio =
                            v.chars().count() >= 8 && !claves.iter().any(|c| c.contains(v));
                        assert!(
                            !propio || !variable.iter().any(|t| t.contains(v)),
                            "the message repeats a value of the body: {}",
                            e.mensaje
                        );
                    }
                }
            }
        }
    }

    /// The keys and the string values of a JSON value.
    fn textos<'a>(v: &'a serde_json::Value, claves: &mut Vec<&'a str>, valores: &mut Vec<&'a str>) {
        match v {
            serde_json::Value::String(s) => valores.push(s),
            serde_json::Value::Array(a) => a.iter().for_each(|v| textos(v, claves, valores)),
            serde_json::Value::Object(o) => {
                for (k, v) in o {
                    claves.push(k);
                    textos(v, claves, valores);
                }
            }
            _ => {}
        }
    }

    /// The `Cookie` header and the trusted proxies with `X-Forwarded-For`. The input's lines:
    /// the first is `INTERCOM_PROXIES`, the second the connection's peer, the rest are header values
    /// given both as `Cookie` and as `X-Forwarded-For` (a line that is not a valid header value is
    /// left out, as the HTTP layer would refuse it).
    pub fn cabeceras(datos: &[u8]) {
        let mut lineas = datos.split(|&b| b == b'\n');
        let proxies_texto = lineas.next().and_then(|l| std::str::from_utf8(l).ok());
        let par = lineas
            .next()
            .and_then(|l| std::str::from_utf8(l).ok())
            .and_then(|l| l.trim().parse::<IpAddr>().ok());
        let valores: Vec<HeaderValue> = lineas
            .filter_map(|l| HeaderValue::from_bytes(l).ok())
            .collect();

        // Cookies: the one asked for, by exact name, the first one that has it.
        let mut h = HeaderMap::new();
        for v in &valores {
            h.append(header::COOKIE, v.clone());
        }
        let mut nombres = vec![cookies::SESION, cookies::CSRF];
        let primero = valores.first().and_then(|v| v.to_str().ok());
        if let Some((n, _)) = primero.and_then(|v| v.split(';').next()?.trim().split_once('=')) {
            nombres.push(n);
        }
        for nombre in nombres {
            let esperado = valores
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .filter_map(|par| par.trim().split_once('='))
                .find(|(n, _)| *n == nombre)
                .map(|(_, v)| v);
            let leido = cookies::leer(&h, nombre);
            assert_eq!(leido, esperado.filter(|v| !v.is_empty()));
            if let Some(v) = leido {
                assert!(!v.is_empty() && !v.contains(';'));
            }
        }
        // A cookie the server sets (base64url, as its tokens are) reads back from a `Cookie` header.
        let token =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&datos[..datos.len().min(64)]);
        let puesta = cookies::crear(cookies::SESION, &token, Some(60));
        let par_cookie = puesta
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("otra=1; {par_cookie}")).unwrap(),
        );
        assert_eq!(
            cookies::leer(&h, cookies::SESION),
            Some(token.as_str()).filter(|t| !t.is_empty())
        );

        // Proxies: the client is the peer, or an address that the header named.
        let Some(bloques) = proxies_texto.and_then(|t| proxies::leer(t).ok()) else {
            return;
        };
        for entrada in proxies_texto.unwrap().split(',').map(str::trim) {
            if let Ok(ip) = entrada.parse::<IpAddr>() {
                assert!(
                    bloques.iter().any(|b| b.contiene(ip)),
                    "{entrada} is not in its own block"
                );
            }
        }
        let Some(par) = par else {
            return;
        };
        let xff: Vec<&str> = valores.iter().filter_map(|v| v.to_str().ok()).collect();
        let cliente = proxies::cliente(par, &bloques, xff.iter().copied());
        if !bloques.iter().any(|b| b.contiene(par)) {
            assert_eq!(cliente, par, "an untrusted peer chose its address");
        } else if cliente != par {
            let nombradas: Vec<IpAddr> = xff
                .iter()
                .flat_map(|v| v.split(','))
                .filter_map(|e| e.trim().parse::<IpAddr>().ok())
                .map(|ip| match ip {
                    IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
                    v4 => v4,
                })
                .collect();
            assert!(
                nombradas.contains(&cliente) || par.to_canonical() == cliente,
                "{cliente} was never named"
            );
        }
    }
}
