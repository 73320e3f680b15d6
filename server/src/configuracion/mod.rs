//! Configuration from environment variables (documented in the README), read once at start.
//! Production mode refuses to start without what protects people, or with the demo's secrets
//! ([`produccion`]).

pub mod produccion;
pub mod proxies;

use crate::correo::{transporte::Seguridad, DestinoSmtp};
use anyhow::{bail, Context};
use base64::{engine::general_purpose::STANDARD, Engine};
use leptos::config::LeptosOptions;
use lettre::message::Mailbox;
use std::{net::SocketAddr, path::PathBuf};
use zeroize::Zeroizing;

/// The sender when `INTERCOM_CORREO_REMITENTE` is not set.
pub const REMITENTE_POR_OMISION: &str =
    "Servicios de Intercomunicación <no-responder@infonavit.localhost>";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Modo {
    /// Out of the box: generated secrets and demo data are fine.
    Demo,
    /// Refuses demo secrets and missing configuration.
    Produccion,
}

#[derive(Clone)]
pub struct Configuracion {
    pub modo: Modo,
    /// Where the SQLite file, generated secrets, the demo e.firma and the local mailbox live.
    pub datos: PathBuf,
    pub url_bd: String,
    pub leptos: LeptosOptions,
    pub sesion_inactividad_seg: i64,
    pub sesion_maxima_seg: i64,
    /// Failed sign-ins for one NRP within the window that lock it.
    pub bloqueo_intentos: i64,
    pub bloqueo_ventana_seg: i64,
    /// Failed sign-ins from one address within the window that throttle it.
    pub limite_ip_intentos: i64,
    /// Load balancers / reverse proxies whose `X-Forwarded-For` names the client
    /// (`INTERCOM_PROXIES`: addresses or CIDR blocks, comma-separated; none by default).
    pub proxies: Vec<proxies::Bloque>,
    /// Set by `cargo leptos watch`: allows the reload websocket in the CSP.
    pub recarga_en_vivo: bool,
    /// Directory of the CA certificates e.firmas must chain to (`INTERCOM_ANCLAS`). The demo
    /// uses the demo CA it generates.
    pub anclas: Option<PathBuf>,
    /// OCSP responder every e.firma is checked against (`INTERCOM_OCSP_URL`); none: no
    /// revocation check (the demo's default).
    pub ocsp_url: Option<String>,
    /// The responder's own certificate, when it signs with one not issued by the CA
    /// (`INTERCOM_OCSP_CERTIFICADO`, e.g. SAT's `ocsp.ac5_sat.cer`).
    pub ocsp_certificado: Option<PathBuf>,
    /// What an unreachable responder means (`INTERCOM_OCSP_SI_FALLA`): `rechazar` (the
    /// default, and the only choice in production) or `aceptar`.
    pub ocsp_acepta_si_falla: bool,
    /// SMTP server the outbox delivers through (`INTERCOM_SMTP_URL`: `smtp://` — plain, only
    /// to loopback in production —, `smtp+starttls://` or `smtps://`, optionally with
    /// `usuario:contraseña@`; or `INTERCOM_SMTP_USUARIO` / `INTERCOM_SMTP_CONTRASENA`). None:
    /// emails go to the local mailbox folder `<datos>/buzon/` (demo only; production requires it).
    pub smtp: Option<DestinoSmtp>,
    /// The `From` of every email (`INTERCOM_CORREO_REMITENTE`).
    pub correo_remitente: Mailbox,
    /// The Instituto's seal key for acuses (`INTERCOM_SELLO_LLAVE`: unencrypted PKCS#8, PEM or
    /// DER, mode 0600) and its certificate (`INTERCOM_SELLO_CERTIFICADO`). Both required in
    /// production; the demo generates its own.
    pub sello_llave: Option<PathBuf>,
    pub sello_certificado: Option<PathBuf>,
    /// Where people reach the portal (`INTERCOM_URL_PUBLICA`, no trailing slash): the acuse's
    /// QR code points to `{url_publica}/acuses/verificar?folio=…`. Required in production.
    pub url_publica: String,
    /// The origin (scheme, host, port) of `INTERCOM_URL_PUBLICA` when it was set: a
    /// state-changing request whose browser names its origin must come from exactly this one.
    /// None (not set): from `http://` and the host the request was addressed to.
    pub origen_publico: Option<url::Origin>,
    /// Lifetime of a payroll API token (`INTERCOM_API_TOKEN_SEG`, default 900 s).
    pub api_token_seg: i64,
    /// The server secret (`INTERCOM_SECRETO`, base64 of 32 bytes). None: the demo generates
    /// one into `<datos>/secreto-servidor`; production requires it.
    pub secreto: Option<Zeroizing<[u8; 32]>>,
    /// Where vulnerabilities are reported (`INTERCOM_CONTACTO_SEGURIDAD`, a `mailto:` or
    /// `https:` URI), published in `/.well-known/security.txt`.
    pub contacto_seguridad: Option<String>,
    /// The bearer token `/metricas` requires (`INTERCOM_METRICAS_TOKEN`). None: open in the
    /// demo, 404 in production.
    pub metricas_token: Option<Zeroizing<String>>,
}

/// Where configuration values come from: the process environment, or a map in tests.
pub trait Fuente {
    fn valor(&self, nombre: &str) -> Option<String>;
}

pub struct Entorno;

impl Fuente for Entorno {
    fn valor(&self, nombre: &str) -> Option<String> {
        std::env::var(nombre).ok()
    }
}

impl Fuente for std::collections::HashMap<&str, String> {
    fn valor(&self, nombre: &str) -> Option<String> {
        self.get(nombre).cloned()
    }
}

impl Configuracion {
    pub fn desde_entorno() -> anyhow::Result<Self> {
        Self::desde(&Entorno)
    }

    pub fn desde(fuente: &impl Fuente) -> anyhow::Result<Self> {
        let variable = |nombre: &str| fuente.valor(nombre).filter(|v| !v.trim().is_empty());
        let numero = |nombre: &str, omision: i64| -> anyhow::Result<i64> {
            match variable(nombre) {
                None => Ok(omision),
                Some(v) => v
                    .trim()
                    .parse()
                    .with_context(|| format!("{nombre} debe ser un número entero")),
            }
        };
        let modo = match variable("INTERCOM_MODO").as_deref() {
            None | Some("demo") => Modo::Demo,
            Some("produccion") => Modo::Produccion,
            Some(otro) => bail!("INTERCOM_MODO debe ser «demo» o «produccion», no «{otro}»"),
        };
        let datos = PathBuf::from(variable("INTERCOM_DATOS").unwrap_or_else(|| "data".into()));
        let produccion = modo == Modo::Produccion;
        let secreto = match variable("INTERCOM_SECRETO") {
            None if produccion => bail!("en modo producción INTERCOM_SECRETO es obligatorio"),
            None => None,
            Some(valor) => Some(secreto_de(&valor)?),
        };
        if let (true, Some(secreto)) = (produccion, &secreto) {
            produccion::revisar_secreto(secreto, &datos)?;
        }
        let anclas = variable("INTERCOM_ANCLAS").map(PathBuf::from);
        match &anclas {
            None if produccion => bail!("en modo producción INTERCOM_ANCLAS (directorio de certificados de las AC del SAT) es obligatorio"),
            Some(dir) if produccion => produccion::revisar_anclas(dir, &datos)?,
            _ => {}
        }
        let sello_llave = variable("INTERCOM_SELLO_LLAVE").map(PathBuf::from);
        let sello_certificado = variable("INTERCOM_SELLO_CERTIFICADO").map(PathBuf::from);
        if sello_llave.is_some() != sello_certificado.is_some()
            || (produccion && sello_llave.is_none())
        {
            bail!("INTERCOM_SELLO_LLAVE e INTERCOM_SELLO_CERTIFICADO (llave y certificado del sello del Instituto para los acuses) van juntas y en modo producción son obligatorias");
        }
        if let (true, Some(llave), Some(certificado)) =
            (produccion, &sello_llave, &sello_certificado)
        {
            produccion::revisar_sello(llave, certificado, &datos)?;
        }
        let metricas_token = variable("INTERCOM_METRICAS_TOKEN").map(Zeroizing::new);
        if let Some(token) = &metricas_token {
            produccion::revisar_token_metricas(token)?;
        }
        let url_configurada = variable("INTERCOM_URL_PUBLICA");
        let url_publica = match &url_configurada {
            Some(url) => url.trim().trim_end_matches('/').to_owned(),
            None if modo == Modo::Produccion => bail!(
                "en modo producción INTERCOM_URL_PUBLICA (la dirección pública del portal, a la que apunta el QR de los acuses) es obligatoria"
            ),
            None => "http://localhost:3000".to_owned(),
        };
        if !(url_publica.starts_with("https://") || url_publica.starts_with("http://"))
            || url_publica.contains(['?', '#', ' '])
        {
            bail!("INTERCOM_URL_PUBLICA debe ser una dirección http(s):// sin consulta, como https://portal.example");
        }
        let origen_publico = match url_configurada {
            None => None,
            Some(_) => match url::Url::parse(&url_publica) {
                Ok(url) if url.has_host() => Some(url.origin()),
                _ => bail!("INTERCOM_URL_PUBLICA debe ser una dirección http(s):// sin consulta, como https://portal.example"),
            },
        };
        let contacto_seguridad = variable("INTERCOM_CONTACTO_SEGURIDAD")
            .map(|c| c.trim().to_owned())
            .map(|c| {
                let valido = (c.starts_with("mailto:") && c.contains('@'))
                    || c.starts_with("https://");
                if valido && !c.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
                    Ok(c)
                } else {
                    Err(anyhow::anyhow!("INTERCOM_CONTACTO_SEGURIDAD debe ser una dirección mailto: o https://, como mailto:seguridad@infonavit.org.mx"))
                }
            })
            .transpose()?;
        let ocsp_acepta_si_falla = match variable("INTERCOM_OCSP_SI_FALLA").as_deref() {
            None | Some("rechazar") => false,
            Some("aceptar") if modo == Modo::Demo => true,
            Some("aceptar") => {
                bail!("en modo producción una consulta OCSP fallida siempre rechaza")
            }
            Some(otro) => {
                bail!("INTERCOM_OCSP_SI_FALLA debe ser «rechazar» o «aceptar», no «{otro}»")
            }
        };
        let smtp = match variable("INTERCOM_SMTP_URL") {
            None if modo == Modo::Produccion => {
                bail!("en modo producción INTERCOM_SMTP_URL (servidor de correo) es obligatorio")
            }
            None => None,
            Some(url) => {
                let mut destino = DestinoSmtp::de_url(&url)?;
                if modo == Modo::Produccion
                    && destino.seguridad == Seguridad::Ninguna
                    && !destino.es_local()
                {
                    bail!("en modo producción el correo sale cifrado: usa smtp+starttls:// o smtps:// (smtp:// sólo hacia esta máquina)");
                }
                if let Some(usuario) = variable("INTERCOM_SMTP_USUARIO") {
                    destino.usuario = Some(usuario);
                }
                if let Some(contrasena) = variable("INTERCOM_SMTP_CONTRASENA") {
                    destino.contrasena = Some(Zeroizing::new(contrasena));
                }
                if destino.usuario.is_some() != destino.contrasena.is_some() {
                    bail!("el usuario y la contraseña de SMTP van juntos");
                }
                Some(destino)
            }
        };
        let correo_remitente: Mailbox = variable("INTERCOM_CORREO_REMITENTE")
            .as_deref()
            .unwrap_or(REMITENTE_POR_OMISION)
            .parse()
            .context("INTERCOM_CORREO_REMITENTE debe ser «Nombre <dirección>» o una dirección")?;
        let url_bd = match variable("DATABASE_URL") {
            Some(url) => url,
            None => format!(
                "sqlite://{}?mode=rwc",
                datos.join("intercomunicacion.db").display()
            ),
        };
        // cargo-leptos passes the site layout in LEPTOS_* variables; a binary started on its own
        // (tests, operators) gets the same defaults.
        let direccion: SocketAddr = variable("LEPTOS_SITE_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .context("LEPTOS_SITE_ADDR debe ser IP:puerto")?;
        // Content-hashed bundle names (cargo-leptos `hash-files`): see estaticos.rs.
        let hash = variable("LEPTOS_HASH_FILE_NAME").unwrap_or_else(|| "hash.txt".into());
        let leptos = LeptosOptions::builder()
            .output_name(
                variable("LEPTOS_OUTPUT_NAME").unwrap_or_else(|| "intercomunicacion".into()),
            )
            .site_root(variable("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()))
            .site_pkg_dir(variable("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|| "pkg".into()))
            .site_addr(direccion)
            .reload_port(numero("LEPTOS_RELOAD_PORT", 3001)? as u32)
            .hash_file(hash.as_str().into())
            .hash_files(crate::estaticos::archivos_con_hash(
                variable("LEPTOS_HASH_FILES").as_deref(),
                &hash,
            ))
            .build();
        let api_token_seg = numero("INTERCOM_API_TOKEN_SEG", 15 * 60)?;
        if !(60..=24 * 60 * 60).contains(&api_token_seg) {
            bail!("INTERCOM_API_TOKEN_SEG debe estar entre 60 y 86400 segundos");
        }
        Ok(Self {
            modo,
            datos,
            url_bd,
            leptos,
            sesion_inactividad_seg: numero("INTERCOM_SESION_INACTIVIDAD_SEG", 15 * 60)?,
            sesion_maxima_seg: numero("INTERCOM_SESION_MAXIMA_SEG", 8 * 60 * 60)?,
            bloqueo_intentos: numero("INTERCOM_BLOQUEO_INTENTOS", 5)?,
            bloqueo_ventana_seg: numero("INTERCOM_BLOQUEO_VENTANA_SEG", 15 * 60)?,
            limite_ip_intentos: numero("INTERCOM_LIMITE_IP_INTENTOS", 50)?,
            proxies: proxies::leer(&variable("INTERCOM_PROXIES").unwrap_or_default())
                .map_err(|e| anyhow::anyhow!("INTERCOM_PROXIES: {e}"))?,
            recarga_en_vivo: variable("LEPTOS_WATCH").is_some(),
            anclas,
            ocsp_url: variable("INTERCOM_OCSP_URL"),
            ocsp_certificado: variable("INTERCOM_OCSP_CERTIFICADO").map(PathBuf::from),
            ocsp_acepta_si_falla,
            smtp,
            correo_remitente,
            sello_llave,
            sello_certificado,
            url_publica,
            origen_publico,
            api_token_seg,
            secreto,
            contacto_seguridad,
            metricas_token,
        })
    }

    pub fn direccion(&self) -> SocketAddr {
        self.leptos.site_addr
    }
}

/// `INTERCOM_SECRETO`: base64 of exactly 32 bytes.
fn secreto_de(valor: &str) -> anyhow::Result<Zeroizing<[u8; 32]>> {
    let bytes = Zeroizing::new(
        STANDARD
            .decode(valor.trim())
            .map_err(|_| anyhow::anyhow!("INTERCOM_SECRETO no es base64 válido"))?,
    );
    let secreto: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| anyhow::anyhow!("INTERCOM_SECRETO debe tener exactamente 32 bytes"))?;
    Ok(Zeroizing::new(secreto))
}
