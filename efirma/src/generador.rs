//! SAT-like certificate hierarchies for tests and for the out-of-the-box demo: a root, an
//! issuing CA ("AC"), FIEL and CSD leaves with SAT's subject attributes and extensions, an OCSP
//! responder, and keys encrypted exactly like SAT's (PBES2 / PBKDF2-HMAC-SHA1 2048 iterations /
//! des-ede3-cbc).
//!
//! Native only. The RSA keys come from OpenSSL (`openssl genpkey`, a subprocess; the `openssl`
//! command must be on `PATH`): `ring`, which signs the certificates here through `rcgen`, cannot
//! generate RSA keys, and RustCrypto's `rsa` is kept out of the dependency graph
//! (RUSTSEC-2023-0071, see SECURITY.md). The OS random generator supplies salts and IVs.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

use der::Decode;
use pkcs5::pbes2::{EncryptionScheme, Parameters, Pbkdf2Params, Pbkdf2Prf};
use rand::RngCore;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, DnValue,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, SerialNumber,
};
use zeroize::Zeroizing;

use crate::inspeccion::rfc3339;
use crate::Error;

/// What a leaf certificate is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Perfil {
    /// e.firma: key usage digitalSignature + nonRepudiation + dataEncipherment + keyAgreement,
    /// EKU emailProtection + clientAuth, no OU.
    Fiel,
    /// Certificado de Sello Digital: digitalSignature + nonRepudiation, no EKU, OU = branch.
    Csd,
    /// OCSP responder delegated by the issuing CA (EKU id-kp-OCSPSigning).
    ResponderOcsp,
}

/// Whose certificate it is, as SAT writes it into the subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sujeto {
    /// Razón social or name (CN, name and O).
    pub nombre: String,
    /// RFC of the holder.
    pub rfc: String,
    /// RFC of the legal representative (persona moral).
    pub rfc_representante: Option<String>,
    /// CURP of the holder (persona física).
    pub curp: Option<String>,
    /// CURP of the legal representative (persona moral).
    pub curp_representante: Option<String>,
    /// Branch name, written as OU in a CSD.
    pub sucursal: Option<String>,
}

impl Sujeto {
    /// The demo company: `ESCUELA KEMPER URGATE SA DE CV`, RFC `EKU9003173C9`, representative
    /// `VADA800927DJ3` / `VADA800927HSRSRL05` (SAT's own test identity).
    pub fn demo() -> Sujeto {
        Sujeto {
            nombre: "ESCUELA KEMPER URGATE SA DE CV".into(),
            rfc: "EKU9003173C9".into(),
            rfc_representante: Some("VADA800927DJ3".into()),
            curp: None,
            curp_representante: Some("VADA800927HSRSRL05".into()),
            sucursal: None,
        }
    }
}

/// One issued certificate with its key.
pub struct Emitido {
    /// Certificate, DER.
    pub cer: Vec<u8>,
    /// Private key as SAT ships it: DER PKCS#8 `EncryptedPrivateKeyInfo` (PBES2 /
    /// PBKDF2-HMAC-SHA1 2048 / des-ede3-cbc) under the hierarchy's password.
    pub key: Vec<u8>,
    /// Private key, unencrypted PKCS#8 DER.
    pub pkcs8: Zeroizing<Vec<u8>>,
    /// Número de certificado (20 digits; its ASCII bytes are the serial number).
    pub no_certificado: String,
    /// Validity, unix seconds.
    pub desde: i64,
    /// Validity, unix seconds.
    pub hasta: i64,
    /// Subject DN in OpenSSL's `/CN=...` form, for `index.txt`.
    sujeto_openssl: String,
}

impl Emitido {
    /// The serial number in hex (upper case), as OpenSSL's `index.txt` spells it.
    pub fn serie_hex(&self) -> String {
        self.no_certificado
            .bytes()
            .map(|b| format!("{b:02X}"))
            .collect()
    }

    /// The unencrypted key as PEM (`PRIVATE KEY`), e.g. for `openssl ocsp -rkey`.
    pub fn pkcs8_pem(&self) -> Result<Zeroizing<String>, Error> {
        der::pem::encode_string("PRIVATE KEY", der::pem::LineEnding::LF, &self.pkcs8)
            .map(Zeroizing::new)
            .map_err(|_| Error::NoEsLlavePrivada)
    }

    /// The certificate as PEM.
    pub fn cer_pem(&self) -> Result<String, Error> {
        der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &self.cer)
            .map_err(|_| Error::NoEsCertificado)
    }
}

/// A root and an issuing CA that can issue SAT-like leaves and keep a revocation list.
pub struct AutoridadDePrueba {
    /// Self-signed root (trust anchor).
    pub raiz: Emitido,
    /// Issuing CA, signed by the root.
    pub ac: Emitido,
    ac_cert: rcgen::Certificate,
    ac_llave: KeyPair,
    contrasena: Zeroizing<String>,
    siguiente: u64,
    /// (serial hex, expiry, revocation time or None, subject) of every leaf issued.
    registro: Vec<(String, i64, Option<i64>, String)>,
}

const DIA: i64 = 86_400;

fn fecha(unix: i64) -> Result<time::OffsetDateTime, Error> {
    time::OffsetDateTime::from_unix_timestamp(unix).map_err(|_| Error::AlgoritmoNoSoportado)
}

/// A fresh RSA key of `bits` bits (public exponent 65537) from `openssl genpkey`, as unencrypted
/// PKCS#8 DER. The key travels over a pipe only: never a file, an argument or a log line.
/// No `openssl` on `PATH`, or an OpenSSL that fails: [`Error::GeneradorNoDisponible`].
fn generar_rsa(bits: usize) -> Result<Zeroizing<Vec<u8>>, Error> {
    generar_rsa_con("openssl", bits)
}

/// [`generar_rsa`] with `programa` in place of `openssl` (for the tests).
fn generar_rsa_con(programa: &str, bits: usize) -> Result<Zeroizing<Vec<u8>>, Error> {
    let no_disponible = |_| Error::GeneradorNoDisponible;
    let mut hijo = Command::new(programa)
        // PEM: PKCS#8 `PRIVATE KEY` in every OpenSSL (its DER output is PKCS#1 in 3.x).
        .args(["genpkey", "-algorithm", "RSA", "-pkeyopt"])
        .arg(format!("rsa_keygen_bits:{bits}"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        // Its progress dots say nothing useful.
        .stderr(Stdio::null())
        .spawn()
        .map_err(no_disponible)?;
    // Room for an 8192-bit key, so the buffer never grows and leaves a copy behind.
    let mut pem = Zeroizing::new(Vec::with_capacity(16 * 1024));
    let leido = match hijo.stdout.take() {
        Some(mut salida) => salida.read_to_end(&mut pem).map(drop),
        None => Err(std::io::Error::other("sin salida")),
    };
    let estado = hijo.wait().map_err(no_disponible)?;
    leido.map_err(no_disponible)?;
    if !estado.success() {
        return Err(Error::GeneradorNoDisponible);
    }
    let (etiqueta, der) = der::pem::decode_vec(&pem).map_err(|_| Error::GeneradorNoDisponible)?;
    let der = Zeroizing::new(der);
    if etiqueta != "PRIVATE KEY" {
        return Err(Error::GeneradorNoDisponible);
    }
    // What OpenSSL wrote must be the key asked for.
    let info = pkcs8::PrivateKeyInfo::from_der(&der).map_err(|_| Error::GeneradorNoDisponible)?;
    let rsa = pkcs1::RsaPrivateKey::from_der(info.private_key)
        .map_err(|_| Error::GeneradorNoDisponible)?;
    if info.algorithm.oid != const_oid::db::rfc5912::RSA_ENCRYPTION
        || self::bits(rsa.modulus.as_bytes()) != bits
    {
        return Err(Error::GeneradorNoDisponible);
    }
    Ok(der)
}

/// The bit length of a big-endian unsigned integer without leading zero bytes.
fn bits(entero: &[u8]) -> usize {
    match entero.first() {
        Some(primero) => entero.len() * 8 - primero.leading_zeros() as usize,
        None => 0,
    }
}

fn par_rcgen(pkcs8: &[u8]) -> Result<KeyPair, Error> {
    let der = rustls_pki_types::PrivatePkcs8KeyDer::from(pkcs8);
    KeyPair::from_pkcs8_der_and_sign_algo(&der, &rcgen::PKCS_RSA_SHA256)
        .map_err(|_| Error::NoEsLlavePrivada)
}

/// A self-signed certificate for sealing documents (key usage digitalSignature +
/// nonRepudiation, not a CA) with a fresh 2048-bit RSA key: e.g. the demo seal of an institution.
/// `no_certificado` (20 digits, like SAT's) becomes the serial number's ASCII bytes; validity from
/// `desde` to `hasta` (unix seconds). Returns the certificate DER and the unencrypted PKCS#8 key.
pub fn sello_autofirmado(
    nombre: &str,
    organizacion: &str,
    no_certificado: &str,
    desde: i64,
    hasta: i64,
) -> Result<(Vec<u8>, Zeroizing<Vec<u8>>), Error> {
    let pk = generar_rsa(2048)?;
    let par = par_rcgen(&pk)?;
    let mut p = CertificateParams::default();
    p.distinguished_name = dn(&[
        (DnType::CommonName, nombre),
        (DnType::OrganizationName, organizacion),
        (DnType::CountryName, "MX"),
    ]);
    p.serial_number = Some(SerialNumber::from_slice(no_certificado.as_bytes()));
    p.not_before = fecha(desde)?;
    p.not_after = fecha(hasta)?;
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
    ];
    let cert = p.self_signed(&par).map_err(|_| Error::NoEsCertificado)?;
    Ok((cert.der().to_vec(), pk))
}

/// Encrypts an unencrypted PKCS#8 key exactly like SAT's `.key` files.
pub fn cifrar_como_sat(pkcs8: &[u8], contrasena: &[u8]) -> Result<Vec<u8>, Error> {
    let mut sal = [0u8; 8];
    let mut iv = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut sal);
    rand::rngs::OsRng.fill_bytes(&mut iv);
    let parametros = Parameters {
        kdf: Pbkdf2Params {
            salt: &sal,
            iteration_count: 2048,
            key_length: None,
            prf: Pbkdf2Prf::HmacWithSha1,
        }
        .into(),
        encryption: EncryptionScheme::DesEde3Cbc { iv: &iv },
    };
    let info = pkcs8::PrivateKeyInfo::from_der(pkcs8).map_err(|_| Error::NoEsLlavePrivada)?;
    let cifrada = info
        .encrypt_with_params(parametros, contrasena)
        .map_err(|_| Error::NoEsLlavePrivada)?;
    Ok(cifrada.as_bytes().to_vec())
}

fn dn(pares: &[(DnType, &str)]) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    for (tipo, valor) in pares {
        dn.push(tipo.clone(), DnValue::Utf8String((*valor).to_owned()));
    }
    dn
}

fn openssl_dn(pares: &[(DnType, &str)]) -> String {
    pares
        .iter()
        .map(|(t, v)| {
            let k = match t {
                DnType::CommonName => "CN",
                DnType::OrganizationName => "O",
                DnType::OrganizationalUnitName => "OU",
                DnType::CountryName => "C",
                _ => "x",
            };
            format!("/{k}={}", v.replace('/', "\\/"))
        })
        .collect()
}

/// `YYMMDDHHMMSSZ`, OpenSSL's `index.txt` time format.
fn fecha_openssl(unix: i64) -> String {
    let t = rfc3339(unix);
    let d: String = t.chars().filter(char::is_ascii_digit).collect();
    format!("{}Z", d.get(2..14).unwrap_or_default())
}

impl AutoridadDePrueba {
    /// Creates a root (valid `ahora_unix - 1 year` .. `+ 20 years`) and an issuing CA
    /// (`- 1 year` .. `+ 10 years`), 2048-bit RSA, keys encrypted with `contrasena`.
    /// `nombre` goes into the CNs, e.g. "Demo" gives "AC Raiz Demo" and "AC Demo".
    pub fn nueva(nombre: &str, contrasena: &str, ahora_unix: i64) -> Result<Self, Error> {
        let raiz_pk = generar_rsa(2048)?;
        let raiz_par = par_rcgen(&raiz_pk)?;
        let raiz_dn = [
            (DnType::CommonName, format!("AC Raiz {nombre}")),
            (
                DnType::OrganizationName,
                "Agencia Certificadora de Pruebas".to_owned(),
            ),
            (DnType::CountryName, "MX".to_owned()),
        ];
        let raiz_dn: Vec<(DnType, &str)> = raiz_dn
            .iter()
            .map(|(t, v)| (t.clone(), v.as_str()))
            .collect();
        let mut p = CertificateParams::default();
        p.distinguished_name = dn(&raiz_dn);
        p.serial_number = Some(SerialNumber::from_slice(b"00000000000000000001"));
        let (r_desde, r_hasta) = (ahora_unix - 365 * DIA, ahora_unix + 20 * 365 * DIA);
        p.not_before = fecha(r_desde)?;
        p.not_after = fecha(r_hasta)?;
        p.is_ca = IsCa::Ca(BasicConstraints::Constrained(1));
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let raiz_cert = p
            .self_signed(&raiz_par)
            .map_err(|_| Error::NoEsCertificado)?;

        let ac_pk = generar_rsa(2048)?;
        let ac_par = par_rcgen(&ac_pk)?;
        let ac_dn = [
            (DnType::CommonName, format!("AC {nombre}")),
            (
                DnType::OrganizationName,
                "SERVICIO DE ADMINISTRACION TRIBUTARIA".to_owned(),
            ),
            (
                DnType::OrganizationalUnitName,
                "SAT-IES Authority".to_owned(),
            ),
            (DnType::CountryName, "MX".to_owned()),
        ];
        let ac_dn: Vec<(DnType, &str)> =
            ac_dn.iter().map(|(t, v)| (t.clone(), v.as_str())).collect();
        let mut p = CertificateParams::default();
        p.distinguished_name = dn(&ac_dn);
        p.serial_number = Some(SerialNumber::from_slice(b"00000000000000000002"));
        let (a_desde, a_hasta) = (ahora_unix - 365 * DIA, ahora_unix + 10 * 365 * DIA);
        p.not_before = fecha(a_desde)?;
        p.not_after = fecha(a_hasta)?;
        p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        p.use_authority_key_identifier_extension = true;
        let ac_cert = p
            .signed_by(&ac_par, &raiz_cert, &raiz_par)
            .map_err(|_| Error::NoEsCertificado)?;

        let raiz = Emitido {
            cer: raiz_cert.der().to_vec(),
            key: cifrar_como_sat(&raiz_pk, contrasena.as_bytes())?,
            pkcs8: raiz_pk,
            no_certificado: "00000000000000000001".into(),
            desde: r_desde,
            hasta: r_hasta,
            sujeto_openssl: openssl_dn(&raiz_dn),
        };
        let ac = Emitido {
            cer: ac_cert.der().to_vec(),
            key: cifrar_como_sat(&ac_pk, contrasena.as_bytes())?,
            pkcs8: ac_pk,
            no_certificado: "00000000000000000002".into(),
            desde: a_desde,
            hasta: a_hasta,
            sujeto_openssl: openssl_dn(&ac_dn),
        };
        Ok(AutoridadDePrueba {
            raiz,
            ac,
            ac_cert,
            ac_llave: ac_par,
            contrasena: Zeroizing::new(contrasena.to_owned()),
            siguiente: 1,
            registro: Vec::new(),
        })
    }

    /// Issues a leaf valid from `desde` to `hasta` (unix seconds), with a fresh 2048-bit key.
    pub fn emitir(
        &mut self,
        sujeto: &Sujeto,
        perfil: Perfil,
        desde: i64,
        hasta: i64,
    ) -> Result<Emitido, Error> {
        let pk = generar_rsa(2048)?;
        let par = par_rcgen(&pk)?;
        let no_certificado = format!("300010000009{:08}", self.siguiente);
        self.siguiente += 1;

        let identificador = match &sujeto.rfc_representante {
            Some(r) => format!("{} / {r}", sujeto.rfc),
            None => sujeto.rfc.clone(),
        };
        let curp = match (&sujeto.curp, &sujeto.curp_representante) {
            (Some(c), Some(r)) => Some(format!("{c} / {r}")),
            (Some(c), None) => Some(c.clone()),
            (None, Some(r)) => Some(format!(" / {r}")),
            (None, None) => None,
        };
        let mut pares: Vec<(DnType, &str)> = vec![
            (DnType::CommonName, &sujeto.nombre),
            (DnType::CustomDnType(vec![2, 5, 4, 41]), &sujeto.nombre),
            (DnType::OrganizationName, &sujeto.nombre),
            (DnType::CountryName, "MX"),
        ];
        if perfil != Perfil::ResponderOcsp {
            pares.push((DnType::CustomDnType(vec![2, 5, 4, 45]), &identificador));
            if let Some(c) = &curp {
                pares.push((DnType::CustomDnType(vec![2, 5, 4, 5]), c));
            }
        }
        let sucursal = sujeto.sucursal.as_deref().unwrap_or("Sucursal 1");
        if perfil == Perfil::Csd {
            pares.push((DnType::OrganizationalUnitName, sucursal));
        }

        let mut p = CertificateParams::default();
        p.distinguished_name = dn(&pares);
        p.serial_number = Some(SerialNumber::from_slice(no_certificado.as_bytes()));
        p.not_before = fecha(desde)?;
        p.not_after = fecha(hasta)?;
        p.is_ca = IsCa::ExplicitNoCa;
        p.use_authority_key_identifier_extension = true;
        match perfil {
            Perfil::Fiel => {
                p.key_usages = vec![
                    KeyUsagePurpose::DigitalSignature,
                    KeyUsagePurpose::ContentCommitment,
                    KeyUsagePurpose::DataEncipherment,
                    KeyUsagePurpose::KeyAgreement,
                ];
                p.extended_key_usages = vec![
                    ExtendedKeyUsagePurpose::EmailProtection,
                    ExtendedKeyUsagePurpose::ClientAuth,
                ];
            }
            Perfil::Csd => {
                p.key_usages = vec![
                    KeyUsagePurpose::DigitalSignature,
                    KeyUsagePurpose::ContentCommitment,
                ];
            }
            Perfil::ResponderOcsp => {
                p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
                p.extended_key_usages = vec![ExtendedKeyUsagePurpose::OcspSigning];
            }
        }
        let cert = p
            .signed_by(&par, &self.ac_cert, &self.ac_llave)
            .map_err(|_| Error::NoEsCertificado)?;
        let emitido = Emitido {
            cer: cert.der().to_vec(),
            key: cifrar_como_sat(&pk, self.contrasena.as_bytes())?,
            pkcs8: pk,
            no_certificado,
            desde,
            hasta,
            sujeto_openssl: openssl_dn(&pares),
        };
        self.registro.push((
            emitido.serie_hex(),
            hasta,
            None,
            emitido.sujeto_openssl.clone(),
        ));
        Ok(emitido)
    }

    /// Records `cert` as revoked at `fecha_unix` (for [`AutoridadDePrueba::indice_openssl`]).
    pub fn revocar(&mut self, cert: &Emitido, fecha_unix: i64) {
        let serie = cert.serie_hex();
        for r in self.registro.iter_mut().filter(|r| r.0 == serie) {
            r.2 = Some(fecha_unix);
        }
    }

    /// The CA database in OpenSSL's `index.txt` format, as `openssl ocsp -index` reads it:
    /// one line per issued leaf, `V` (valid) or `R` (revoked).
    pub fn indice_openssl(&self) -> String {
        let mut s = String::new();
        for (serie, hasta, revocado, sujeto) in &self.registro {
            let (estado, fecha_rev) = match revocado {
                Some(f) => ("R", fecha_openssl(*f)),
                None => ("V", String::new()),
            };
            s.push_str(&format!(
                "{estado}\t{}\t{fecha_rev}\t{serie}\tunknown\t{sujeto}\n",
                fecha_openssl(*hasta)
            ));
        }
        s
    }
}

/// A complete demo/test PKI: root, issuing CA, OCSP responder and the leaves every rejection
/// path needs, all for the same subject.
pub struct Jerarquia {
    /// The CAs (and the issuer of everything below).
    pub autoridad: AutoridadDePrueba,
    /// Delegated OCSP responder.
    pub ocsp: Emitido,
    /// Valid FIEL (`ahora - 30 days` .. `ahora + 4 years`).
    pub fiel: Emitido,
    /// Valid CSD of the same subject.
    pub csd: Emitido,
    /// FIEL that expired 30 days before `ahora`.
    pub vencida: Emitido,
    /// FIEL whose validity starts 30 days after `ahora`.
    pub aun_no_vigente: Emitido,
    /// Otherwise valid FIEL, revoked 1 day before `ahora`.
    pub revocada: Emitido,
    /// The password of every `.key`.
    pub contrasena: Zeroizing<String>,
}

impl Jerarquia {
    /// Generates everything for `sujeto` around `ahora_unix` (8 RSA-2048 keys from
    /// `openssl genpkey`, a few tenths of a second each).
    pub fn generar(sujeto: &Sujeto, contrasena: &str, ahora_unix: i64) -> Result<Self, Error> {
        let mut autoridad = AutoridadDePrueba::nueva("Pruebas", contrasena, ahora_unix)?;
        let ahora = ahora_unix;
        let ocsp_sujeto = Sujeto {
            nombre: "Servicio OCSP de Pruebas".into(),
            ..sujeto.clone()
        };
        let ocsp = autoridad.emitir(
            &ocsp_sujeto,
            Perfil::ResponderOcsp,
            ahora - 30 * DIA,
            ahora + 4 * 365 * DIA,
        )?;
        let fiel = autoridad.emitir(
            sujeto,
            Perfil::Fiel,
            ahora - 30 * DIA,
            ahora + 4 * 365 * DIA,
        )?;
        let csd = autoridad.emitir(sujeto, Perfil::Csd, ahora - 30 * DIA, ahora + 4 * 365 * DIA)?;
        let vencida =
            autoridad.emitir(sujeto, Perfil::Fiel, ahora - 300 * DIA, ahora - 30 * DIA)?;
        let aun_no_vigente =
            autoridad.emitir(sujeto, Perfil::Fiel, ahora + 30 * DIA, ahora + 400 * DIA)?;
        let revocada = autoridad.emitir(
            sujeto,
            Perfil::Fiel,
            ahora - 30 * DIA,
            ahora + 4 * 365 * DIA,
        )?;
        autoridad.revocar(&revocada, ahora - DIA);
        Ok(Jerarquia {
            autoridad,
            ocsp,
            fiel,
            csd,
            vencida,
            aun_no_vigente,
            revocada,
            contrasena: Zeroizing::new(contrasena.to_owned()),
        })
    }

    /// Writes the hierarchy to `dir` (created if missing):
    ///
    /// - `ca/raiz.cer`, `ca/ac.cer`: a trust-anchor directory for [`crate::AlmacenConfianza`];
    /// - `fiel.cer/.key`, `csd.cer/.key`, `vencida.*`, `aun_no_vigente.*`, `revocada.*`: SAT-style
    ///   DER certificate and encrypted key;
    /// - `ocsp/`: `ac.pem`, `responder.pem`, `responder.key.pem` (unencrypted), `index.txt` and
    ///   `index.txt.attr`,
    ///   ready for `openssl ocsp -index index.txt -CA ac.pem -rsigner responder.pem
    ///   -rkey responder.key.pem -port N`.
    ///
    /// The password is not written.
    pub fn escribir(&self, dir: &Path) -> std::io::Result<()> {
        let a = |e: Error| std::io::Error::other(e.codigo());
        std::fs::create_dir_all(dir.join("ca"))?;
        std::fs::create_dir_all(dir.join("ocsp"))?;
        std::fs::write(dir.join("ca/raiz.cer"), &self.autoridad.raiz.cer)?;
        std::fs::write(dir.join("ca/ac.cer"), &self.autoridad.ac.cer)?;
        for (nombre, e) in [
            ("fiel", &self.fiel),
            ("csd", &self.csd),
            ("vencida", &self.vencida),
            ("aun_no_vigente", &self.aun_no_vigente),
            ("revocada", &self.revocada),
        ] {
            std::fs::write(dir.join(format!("{nombre}.cer")), &e.cer)?;
            std::fs::write(dir.join(format!("{nombre}.key")), &e.key)?;
        }
        std::fs::write(
            dir.join("ocsp/ac.pem"),
            self.autoridad.ac.cer_pem().map_err(a)?,
        )?;
        std::fs::write(
            dir.join("ocsp/responder.pem"),
            self.ocsp.cer_pem().map_err(a)?,
        )?;
        std::fs::write(
            dir.join("ocsp/responder.key.pem"),
            self.ocsp.pkcs8_pem().map_err(a)?.as_bytes(),
        )?;
        std::fs::write(dir.join("ocsp/index.txt"), self.autoridad.indice_openssl())?;
        // Several leaves share a subject (like SAT renewals); OpenSSL must not insist otherwise.
        std::fs::write(dir.join("ocsp/index.txt.attr"), "unique_subject = no\n")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fechas_de_openssl() {
        assert_eq!(fecha_openssl(1_795_737_600), "261127000000Z");
    }

    /// Why the keys come from OpenSSL: `ring` (rcgen's backend here) has no RSA key generation.
    /// If this ever fails, rcgen can generate them and the subprocess can go.
    #[test]
    fn rcgen_con_ring_no_genera_llaves_rsa() {
        assert!(matches!(
            KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256),
            Err(rcgen::Error::KeyGenerationUnavailable)
        ));
    }

    #[test]
    fn la_llave_de_openssl_firma_y_se_cifra_como_las_del_sat() {
        let pk = generar_rsa(2048).unwrap();
        let info = pkcs8::PrivateKeyInfo::from_der(&pk).unwrap();
        let rsa = pkcs1::RsaPrivateKey::from_der(info.private_key).unwrap();
        assert_eq!(rsa.modulus.as_bytes().len(), 256);
        assert_eq!(rsa.public_exponent.as_bytes(), [1, 0, 1]);
        // Two calls, two keys.
        assert_ne!(pk.as_slice(), generar_rsa(2048).unwrap().as_slice());

        let (cer, pkcs8) =
            sello_autofirmado("Sello", "Pruebas", "90000000000000000007", 0, 1 << 31).unwrap();
        let cert = crate::Certificado::parse(&cer).unwrap();
        let key = cifrar_como_sat(&pkcs8, b"12345678a").unwrap();
        let llave = crate::LlavePrivada::descifrar(&key, b"12345678a").unwrap();
        assert!(llave.corresponde_a(&cert));
        assert_eq!(llave.pkcs8_der().as_slice(), pkcs8.as_slice());
        let firma = llave
            .firmar(b"||cadena||", crate::Algoritmo::Pkcs1v15Sha256)
            .unwrap();
        cert.verificar(b"||cadena||", &firma, crate::Algoritmo::Pkcs1v15Sha256)
            .unwrap();
    }

    #[test]
    fn sin_openssl_lo_dice() {
        // Not installed; installed but failing; succeeding without writing a key.
        for programa in ["/nonexistent/openssl", "false", "true"] {
            assert_eq!(
                generar_rsa_con(programa, 2048).err(),
                Some(Error::GeneradorNoDisponible),
                "{programa}"
            );
        }
        // OpenSSL refuses keys under 512 bits.
        assert_eq!(generar_rsa(256).err(), Some(Error::GeneradorNoDisponible));
        assert_eq!(bits(&[0x01, 0, 0]), 17);
        assert_eq!(bits(&[0x80, 0]), 16);
    }
}
