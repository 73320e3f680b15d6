//! The server's own secret, from which every keyed value is derived (CSRF tokens now; the
//! credential pepper and the outbox key later). Production takes it from `INTERCOM_SECRETO`
//! (base64 of 32 bytes); the demo generates one into the data directory on first start.

use anyhow::{bail, Context};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::path::Path;
use zeroize::Zeroizing;

use crate::configuracion::{produccion, Configuracion, Modo};

pub struct Secretos {
    maestro: Zeroizing<[u8; 32]>,
}

impl Secretos {
    /// `INTERCOM_SECRETO` (checked by the configuration), or the demo's generated file.
    pub fn cargar(config: &Configuracion) -> anyhow::Result<Self> {
        if let Some(secreto) = &config.secreto {
            return Ok(Self {
                maestro: secreto.clone(),
            });
        }
        if config.modo == Modo::Produccion {
            bail!("en modo producción INTERCOM_SECRETO es obligatorio");
        }
        Self::desde_archivo(&produccion::archivo_secreto_demo(&config.datos))
    }

    fn desde_archivo(ruta: &Path) -> anyhow::Result<Self> {
        if let Ok(contenido) = std::fs::read(ruta) {
            let contenido = Zeroizing::new(contenido);
            if let Ok(maestro) = <[u8; 32]>::try_from(contenido.as_slice()) {
                return Ok(Self {
                    maestro: Zeroizing::new(maestro),
                });
            }
            bail!("{} está dañado: bórralo para generar otro", ruta.display());
        }
        let mut maestro = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(maestro.as_mut());
        if let Some(directorio) = ruta.parent() {
            crear_directorio_privado(directorio)?;
        }
        escribir_privado(ruta, maestro.as_ref())?;
        Ok(Self { maestro })
    }

    /// A key for one purpose, so that no two uses share key material.
    pub fn derivar(&self, proposito: &str) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.maestro.as_ref())
            .expect("HMAC acepta llaves de cualquier longitud");
        mac.update(proposito.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

/// Creates a directory (and its missing parents) only its owner can enter.
pub fn crear_directorio_privado(ruta: &Path) -> anyhow::Result<()> {
    let mut constructor = std::fs::DirBuilder::new();
    constructor.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        constructor.mode(0o700);
    }
    constructor
        .create(ruta)
        .with_context(|| format!("no se pudo crear {}", ruta.display()))
}

/// Refuses a file that others than its owner may read or write: `que` names it in the message,
/// which says the `chmod` that fixes it.
pub fn revisar_privado(ruta: &Path, que: &str) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let modo = std::fs::metadata(ruta)
            .with_context(|| format!("no se pudo leer {}", ruta.display()))?
            .permissions()
            .mode();
        if modo & 0o077 != 0 {
            anyhow::bail!(
                "{que} {} tiene permisos {:o}: otros usuarios de esta máquina pueden leerla. Debe ser legible sólo por su dueño: chmod 600 {}",
                ruta.display(),
                modo & 0o777,
                ruta.display()
            );
        }
    }
    Ok(())
}

/// Writes a file only its owner can read.
pub fn escribir_privado(ruta: &Path, contenido: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut opciones = std::fs::OpenOptions::new();
    opciones.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opciones.mode(0o600);
    }
    let mut archivo = opciones
        .open(ruta)
        .with_context(|| format!("no se pudo escribir {}", ruta.display()))?;
    archivo.write_all(contenido)?;
    Ok(())
}

/// 32 random bytes as unpadded base64url: session tokens, CSRF cookies, nonces.
pub fn token_aleatorio() -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Hex SHA-256, how tokens are stored.
pub fn huella(token: &str) -> String {
    use sha2::Digest;
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
