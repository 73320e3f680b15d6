//! How an email leaves: SMTP through lettre (over rustls: STARTTLS, implicit TLS, or plain only
//! towards this machine), or, when no SMTP server is configured (the demo's default), a local
//! mailbox folder where each email becomes an `.eml` file a person can open.

use anyhow::{bail, Context};
use lettre::{
    message::{
        header::{ContentTransferEncoding, ContentType},
        Body, Mailbox,
    },
    transport::smtp::{
        authentication::Credentials,
        client::{Tls, TlsParameters},
    },
    Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use std::{path::PathBuf, time::Duration};
use zeroize::Zeroizing;

/// The longest one SMTP delivery may take, below the worker's claim on a row
/// ([`RECLAMO_SEG`](super::trabajador::RECLAMO_SEG)).
const ENTREGA_MAXIMA: Duration = Duration::from_secs(45);

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seguridad {
    /// `smtp://`: no TLS. Accepted in production only towards loopback (a local relay).
    Ninguna,
    /// `smtp+starttls://`: STARTTLS, required (the session fails if the server does not offer it).
    StartTls,
    /// `smtps://`: TLS from the first byte.
    Tls,
}

/// An SMTP server, from `INTERCOM_SMTP_URL` (and optionally `INTERCOM_SMTP_USUARIO` /
/// `INTERCOM_SMTP_CONTRASENA`). Not `Debug`: it may hold a password.
#[derive(Clone)]
pub struct DestinoSmtp {
    pub seguridad: Seguridad,
    pub host: String,
    pub puerto: u16,
    pub usuario: Option<String>,
    pub contrasena: Option<Zeroizing<String>>,
}

impl DestinoSmtp {
    /// Parses `smtp://`, `smtp+starttls://` or `smtps://` URLs, with optional percent-encoded
    /// `usuario:contraseña@` and port.
    pub fn de_url(texto: &str) -> anyhow::Result<Self> {
        let url = url::Url::parse(texto.trim())
            .map_err(|_| anyhow::anyhow!("INTERCOM_SMTP_URL no es un URL válido"))?;
        let (seguridad, puerto) = match url.scheme() {
            "smtp" => (Seguridad::Ninguna, 25),
            "smtp+starttls" => (Seguridad::StartTls, 587),
            "smtps" => (Seguridad::Tls, 465),
            otro => bail!(
                "INTERCOM_SMTP_URL debe empezar con smtp://, smtp+starttls:// o smtps://, no «{otro}://»"
            ),
        };
        let host = match url.host() {
            Some(url::Host::Domain(d)) => d.to_owned(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            None => bail!("INTERCOM_SMTP_URL no indica el servidor"),
        };
        let decodificar = |s: &str| -> anyhow::Result<String> {
            Ok(percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .context("INTERCOM_SMTP_URL: usuario o contraseña no son UTF-8")?
                .into_owned())
        };
        let usuario = (!url.username().is_empty())
            .then(|| decodificar(url.username()))
            .transpose()?;
        let contrasena = url
            .password()
            .map(|p| decodificar(p).map(Zeroizing::new))
            .transpose()?;
        Ok(Self {
            seguridad,
            puerto: url.port().unwrap_or(puerto),
            host,
            usuario,
            contrasena,
        })
    }

    /// Whether the server is this machine (where an unencrypted hop is not on any network).
    pub fn es_local(&self) -> bool {
        match self.host.parse::<std::net::IpAddr>() {
            Ok(ip) => ip.is_loopback(),
            Err(_) => self.host.eq_ignore_ascii_case("localhost"),
        }
    }
}

/// Why one delivery did not happen. The text is short and never holds the email's content.
#[derive(Debug)]
pub struct FalloEntrega {
    pub mensaje: String,
    /// Retrying cannot help (a malformed address): the email fails at once.
    pub permanente: bool,
}

impl FalloEntrega {
    fn permanente(mensaje: impl Into<String>) -> Self {
        Self {
            mensaje: mensaje.into(),
            permanente: true,
        }
    }

    fn transitorio(mensaje: impl Into<String>) -> Self {
        Self {
            mensaje: mensaje.into(),
            permanente: false,
        }
    }
}

enum Via {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Carpeta(PathBuf),
}

/// Where the worker hands emails to.
pub struct Transporte {
    remitente: Mailbox,
    via: Via,
}

/// One email ready to leave (the password already in its body).
pub struct Saliente<'a> {
    pub id: i64,
    /// Stable across retries, so a receiver can recognise a repeated delivery.
    pub identificador: &'a str,
    pub para: &'a str,
    pub asunto: &'a str,
    pub cuerpo: &'a str,
}

impl Transporte {
    pub fn smtp(destino: &DestinoSmtp, remitente: Mailbox) -> anyhow::Result<Self> {
        let mut constructor =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(destino.host.clone())
                .port(destino.puerto)
                .timeout(Some(Duration::from_secs(30)));
        let tls = || TlsParameters::new(destino.host.clone()).context("parámetros TLS de SMTP");
        constructor = match destino.seguridad {
            Seguridad::Ninguna => constructor.tls(Tls::None),
            Seguridad::StartTls => constructor.tls(Tls::Required(tls()?)),
            Seguridad::Tls => constructor.tls(Tls::Wrapper(tls()?)),
        };
        if let (Some(usuario), Some(contrasena)) = (&destino.usuario, &destino.contrasena) {
            constructor = constructor.credentials(Credentials::new(
                usuario.clone(),
                contrasena.as_str().to_owned(),
            ));
        }
        Ok(Self {
            remitente,
            via: Via::Smtp(constructor.build()),
        })
    }

    /// The local mailbox: `carpeta/<AAAAMMDDTHHMMSSZ>-<id>.eml`, readable only by the owner.
    pub fn carpeta(carpeta: PathBuf, remitente: Mailbox) -> Self {
        Self {
            remitente,
            via: Via::Carpeta(carpeta),
        }
    }

    /// The local mailbox folder, when that is where emails go.
    pub fn carpeta_local(&self) -> Option<&std::path::Path> {
        match &self.via {
            Via::Carpeta(c) => Some(c),
            Via::Smtp(_) => None,
        }
    }

    pub async fn entregar(&self, s: &Saliente<'_>, ahora: i64) -> Result<(), FalloEntrega> {
        let para: Address = s
            .para
            .parse()
            .map_err(|_| FalloEntrega::permanente("destinatario inválido"))?;
        // Quoted-printable whatever the text: Spanish stays readable in the .eml and in logs of
        // relays, and the body's lines stay within SMTP's limits.
        let cuerpo = Body::new_with_encoding(
            s.cuerpo.to_owned(),
            ContentTransferEncoding::QuotedPrintable,
        )
        .map_err(|_| FalloEntrega::permanente("cuerpo no codificable"))?;
        let mensaje = Message::builder()
            .from(self.remitente.clone())
            .to(Mailbox::new(None, para))
            .subject(s.asunto)
            .message_id(Some(format!(
                "<{}@{}>",
                s.identificador,
                self.remitente.email.domain()
            )))
            .header(ContentType::TEXT_PLAIN)
            .body(cuerpo)
            .map_err(|e| FalloEntrega::permanente(format!("mensaje inválido: {e}")))?;
        match &self.via {
            // lettre's timeout bounds each step; this bounds the whole conversation, so a
            // trickling server cannot outlast the worker's claim on the row.
            Via::Smtp(smtp) => match tokio::time::timeout(ENTREGA_MAXIMA, smtp.send(mensaje)).await
            {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(FalloEntrega::transitorio(format!("SMTP: {e}"))),
                Err(_) => Err(FalloEntrega::transitorio("SMTP: sin respuesta a tiempo")),
            },
            Via::Carpeta(carpeta) => {
                let ruta = carpeta.join(format!("{}-{}.eml", marca_de_tiempo(ahora), s.id));
                let carpeta = carpeta.clone();
                let contenido = Zeroizing::new(mensaje.formatted());
                tokio::task::spawn_blocking(move || escribir_eml(&carpeta, &ruta, &contenido))
                    .await
                    .map_err(|e| FalloEntrega::transitorio(format!("buzón local: {e}")))?
                    .map_err(|e| FalloEntrega::transitorio(format!("buzón local: {e:#}")))
            }
        }
    }
}

/// Writes the file whole or not at all (a reader never sees half an email).
fn escribir_eml(
    carpeta: &std::path::Path,
    ruta: &std::path::Path,
    contenido: &[u8],
) -> anyhow::Result<()> {
    std::fs::create_dir_all(carpeta)
        .with_context(|| format!("no se pudo crear {}", carpeta.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(carpeta, std::fs::Permissions::from_mode(0o700))?;
    }
    let temporal = ruta.with_extension("eml.tmp");
    crate::secretos::escribir_privado(&temporal, contenido)?;
    std::fs::rename(&temporal, ruta)
        .with_context(|| format!("no se pudo escribir {}", ruta.display()))?;
    Ok(())
}

/// `20261127T110000Z`: file names that sort by time.
fn marca_de_tiempo(ahora: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ahora)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn la_marca_de_tiempo_ordena_por_fecha() {
        assert_eq!(marca_de_tiempo(1_795_777_200), "20261127T110000Z");
    }

    #[test]
    fn los_url_de_smtp_se_entienden() {
        let d = DestinoSmtp::de_url("smtp+starttls://usuario%40dominio:p%C3%A1s@correo.example")
            .expect("url");
        assert_eq!(d.seguridad, Seguridad::StartTls);
        assert_eq!(d.puerto, 587);
        assert_eq!(d.host, "correo.example");
        assert_eq!(d.usuario.as_deref(), Some("usuario@dominio"));
        assert_eq!(d.contrasena.as_deref().map(String::as_str), Some("pás"));
        assert!(!d.es_local());

        let d = DestinoSmtp::de_url("smtps://correo.example").expect("url");
        assert_eq!((d.seguridad, d.puerto), (Seguridad::Tls, 465));

        let d = DestinoSmtp::de_url("smtp://127.0.0.1:2525").expect("url");
        assert_eq!((d.seguridad, d.puerto), (Seguridad::Ninguna, 2525));
        assert!(d.es_local());
        assert!(DestinoSmtp::de_url("smtp://[::1]:25")
            .expect("url")
            .es_local());
        assert!(DestinoSmtp::de_url("smtp://localhost")
            .expect("url")
            .es_local());

        assert!(DestinoSmtp::de_url("http://correo.example").is_err());
        assert!(DestinoSmtp::de_url("no es url").is_err());
    }
}
