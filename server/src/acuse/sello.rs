//! The Instituto's seal: an RSA key (2048 bits or more) and its X.509 certificate, signing with
//! RSASSA-PKCS1-v1_5/SHA-256 — the SAT convention for a *sello*, so anyone can re-check it with
//! `openssl dgst -sha256 -verify`.
//!
//! Production reads `INTERCOM_SELLO_LLAVE` (unencrypted PKCS#8, PEM or DER, readable only by its
//! owner) and `INTERCOM_SELLO_CERTIFICADO` (PEM or DER). The demo generates a self-signed pair
//! once into `<datos>/sello-instituto/`.

use crate::{
    ahora,
    configuracion::{produccion, Configuracion, Modo},
    secretos,
};
use anyhow::{bail, Context};
use base64::{engine::general_purpose::STANDARD, Engine};
use efirma::{Algoritmo, Certificado, LlavePrivada};
use rand::Rng;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

pub struct Sellador {
    llave: LlavePrivada,
    certificado: Certificado,
}

/// Where the demo keeps its seal.
pub fn carpeta_demo(datos: &Path) -> PathBuf {
    datos.join("sello-instituto")
}

const ANO: i64 = 365 * 86_400;

impl Sellador {
    pub fn cargar(config: &Configuracion) -> anyhow::Result<Self> {
        match (&config.sello_llave, &config.sello_certificado) {
            (Some(llave), Some(certificado)) => {
                let sellador = Self::desde_archivos(llave, certificado)?;
                if config.modo == Modo::Produccion
                    && sellador.certificado.nombre() == produccion::NOMBRE_SELLO_DEMO
                {
                    bail!(
                        "en modo producción el sello del Instituto no puede ser el de demostración ({})",
                        certificado.display()
                    );
                }
                Ok(sellador)
            }
            (None, None) if config.modo == Modo::Demo => Self::de_demo(&config.datos),
            _ => bail!(
                "INTERCOM_SELLO_LLAVE e INTERCOM_SELLO_CERTIFICADO (llave y certificado del sello del Instituto) van juntas y son obligatorias en modo producción"
            ),
        }
    }

    /// A key file and its certificate. The key must be readable only by its owner.
    pub fn desde_archivos(llave: &Path, certificado: &Path) -> anyhow::Result<Self> {
        solo_del_dueno(llave)?;
        let bytes_llave = Zeroizing::new(
            std::fs::read(llave).with_context(|| format!("no se pudo leer {}", llave.display()))?,
        );
        let pkcs8 = pkcs8_der(&bytes_llave).with_context(|| llave.display().to_string())?;
        let cer = std::fs::read(certificado)
            .with_context(|| format!("no se pudo leer {}", certificado.display()))?;
        let sellador = Self::nuevo(&pkcs8, &cer)
            .with_context(|| format!("{} y {}", llave.display(), certificado.display()))?;
        sellador
            .certificado
            .validar_vigencia(ahora())
            .map_err(|e| {
                anyhow::anyhow!(
                    "el certificado del sello del Instituto ({}) no está vigente: {}",
                    certificado.display(),
                    e.mensaje()
                )
            })?;
        Ok(sellador)
    }

    /// A key (unencrypted PKCS#8 DER) and its certificate (DER or PEM), checked to match.
    pub fn nuevo(pkcs8: &[u8], certificado: &[u8]) -> anyhow::Result<Self> {
        let llave = LlavePrivada::desde_pkcs8(pkcs8)
            .map_err(|e| anyhow::anyhow!("la llave del sello no sirve: {}", e.mensaje()))?;
        let certificado = Certificado::parse(certificado)
            .map_err(|e| anyhow::anyhow!("el certificado del sello no sirve: {}", e.mensaje()))?;
        if !llave.corresponde_a(&certificado) {
            bail!("la llave del sello no corresponde a su certificado");
        }
        Ok(Self { llave, certificado })
    }

    /// The demo's seal, generated on first use.
    fn de_demo(datos: &Path) -> anyhow::Result<Self> {
        let carpeta = carpeta_demo(datos);
        let (llave, certificado) = (carpeta.join("llave.pem"), carpeta.join("certificado.pem"));
        if !llave.exists() || !certificado.exists() {
            crate::secretos::crear_directorio_privado(&carpeta)?;
            // 20 digits like a SAT certificate number; random so two installations differ.
            let no_certificado = format!("9{:019}", rand::rngs::OsRng.gen_range(0..10u64.pow(19)));
            let (cer, pkcs8) = efirma::generador::sello_autofirmado(
                produccion::NOMBRE_SELLO_DEMO,
                "INFONAVIT Servicios de Intercomunicacion",
                &no_certificado,
                ahora() - 86_400,
                ahora() + 10 * ANO,
            )
            .map_err(|e| {
                anyhow::anyhow!(
                    "no se pudo generar el sello de demostración: {}",
                    e.mensaje()
                )
            })?;
            secretos::escribir_privado(&llave, pem("PRIVATE KEY", &pkcs8).as_bytes())?;
            std::fs::write(&certificado, pem("CERTIFICATE", &cer).as_bytes())
                .with_context(|| format!("no se pudo escribir {}", certificado.display()))?;
        }
        Self::desde_archivos(&llave, &certificado)
            .with_context(|| format!("bórralos para generar otros en {}", carpeta.display()))
    }

    /// Base64 of the RSASSA-PKCS1-v1_5/SHA-256 signature of `cadena`'s UTF-8 bytes.
    pub fn sellar(&self, cadena: &str) -> Result<String, efirma::Error> {
        let firma = self
            .llave
            .firmar(cadena.as_bytes(), Algoritmo::Pkcs1v15Sha256)?;
        Ok(STANDARD.encode(firma))
    }

    /// Whether `sello` (base64) is this seal's signature of `cadena`.
    pub fn verifica(&self, cadena: &str, sello: &str) -> bool {
        STANDARD.decode(sello.trim()).is_ok_and(|firma| {
            self.certificado
                .verificar(cadena.as_bytes(), &firma, Algoritmo::Pkcs1v15Sha256)
                .is_ok()
        })
    }

    pub fn certificado(&self) -> &Certificado {
        &self.certificado
    }

    /// The certificate's number (its serial: 20 digits, or hex for a non-SAT-style serial).
    pub fn no_certificado(&self) -> &str {
        self.certificado.no_certificado()
    }

    /// SHA-256 of the certificate's DER, lower-case hex.
    pub fn huella(&self) -> String {
        self.certificado.huella_sha256_hex()
    }

    /// The public certificate as PEM, as `GET /acuses/certificado-instituto.pem` serves it.
    pub fn certificado_pem(&self) -> String {
        pem("CERTIFICATE", self.certificado.der())
            .as_str()
            .to_owned()
    }
}

/// PEM with 64-character lines, as OpenSSL writes it (wiped on drop: it may hold the key).
fn pem(etiqueta: &str, der: &[u8]) -> Zeroizing<String> {
    let b64 = Zeroizing::new(STANDARD.encode(der));
    let mut s = Zeroizing::new(String::with_capacity(b64.len() + b64.len() / 64 + 64));
    s.push_str(&format!("-----BEGIN {etiqueta}-----\n"));
    for linea in b64.as_bytes().chunks(64) {
        s.push_str(&String::from_utf8_lossy(linea));
        s.push('\n');
    }
    s.push_str(&format!("-----END {etiqueta}-----\n"));
    s
}

/// The unencrypted PKCS#8 DER of a key file (DER, or PEM `PRIVATE KEY`).
fn pkcs8_der(bytes: &[u8]) -> anyhow::Result<Zeroizing<Vec<u8>>> {
    let texto = std::str::from_utf8(bytes).ok().map(str::trim_start);
    let Some(texto) = texto.filter(|t| t.starts_with("-----BEGIN ")) else {
        return Ok(Zeroizing::new(bytes.to_vec()));
    };
    let etiqueta = texto
        .strip_prefix("-----BEGIN ")
        .and_then(|r| r.split_once("-----"))
        .map(|(e, _)| e)
        .unwrap_or_default();
    match etiqueta {
        "PRIVATE KEY" => {}
        "ENCRYPTED PRIVATE KEY" => bail!(
            "la llave del sello está cifrada: el servidor la necesita sin cifrar (protegida por los permisos del archivo)"
        ),
        "RSA PRIVATE KEY" => bail!(
            "la llave del sello está en formato PKCS#1: conviértela con `openssl pkcs8 -topk8 -nocrypt`"
        ),
        otra => bail!("se esperaba una llave PEM «PRIVATE KEY», no «{otra}»"),
    }
    let cuerpo: Zeroizing<String> = Zeroizing::new(
        texto
            .lines()
            .skip(1)
            .take_while(|l| !l.starts_with("-----END"))
            .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
            .collect(),
    );
    Ok(Zeroizing::new(
        STANDARD
            .decode(cuerpo.as_bytes())
            .context("la llave PEM no es base64 válido")?,
    ))
}

/// A private key readable by others is refused: it may already be copied.
fn solo_del_dueno(ruta: &Path) -> anyhow::Result<()> {
    let metadatos =
        std::fs::metadata(ruta).with_context(|| format!("no se pudo leer {}", ruta.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let modo = metadatos.permissions().mode();
        if modo & 0o077 != 0 {
            bail!(
                "{} tiene permisos {:o}: la llave del sello debe ser legible sólo por su dueño (chmod 600)",
                ruta.display(),
                modo & 0o777
            );
        }
    }
    #[cfg(not(unix))]
    let _ = metadatos;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn el_pem_se_lee_de_vuelta() {
        let der = vec![1u8, 2, 3, 250, 251];
        assert_eq!(
            pkcs8_der(pem("PRIVATE KEY", &der).as_bytes())
                .unwrap()
                .as_slice(),
            der.as_slice()
        );
        assert!(pkcs8_der(pem("ENCRYPTED PRIVATE KEY", &der).as_bytes()).is_err());
        assert!(pkcs8_der(pem("RSA PRIVATE KEY", &der).as_bytes()).is_err());
        assert_eq!(pkcs8_der(&der).unwrap().as_slice(), der.as_slice());
    }
}
