//! The database: SQLite by default (a file under the data directory), PostgreSQL when
//! `DATABASE_URL` says so. One pool of `sqlx::Any` connections and portable SQL (`$1`
//! placeholders, integer Unix times), with one migration set per engine.

use anyhow::Context;
use sqlx::{any::AnyPoolOptions, AnyPool, Executor};
use std::path::Path;

pub type Bd = AnyPool;

/// What a page is told when the database fails: the details go to the log only.
pub fn indisponible(e: sqlx::Error) -> nucleo::error::ErrorApp {
    tracing::error!(error = %e, "base de datos");
    nucleo::error::ErrorApp::no_disponible()
}

/// The id an `INSERT … RETURNING id` gave, or `conflicto()` when the row broke a unique index.
pub fn id_insertado(
    fila: sqlx::Result<sqlx::any::AnyRow>,
    conflicto: impl FnOnce() -> nucleo::error::ErrorApp,
) -> Result<i64, nucleo::error::ErrorApp> {
    use sqlx::Row;
    match fila {
        Ok(f) => f.try_get(0).map_err(indisponible),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(conflicto()),
        Err(e) => Err(indisponible(e)),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Motor {
    Sqlite,
    Postgres,
}

impl Motor {
    pub fn de_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Motor::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Motor::Postgres)
        } else {
            anyhow::bail!("DATABASE_URL debe empezar con sqlite: o postgres:")
        }
    }
}

pub async fn conectar(url: &str) -> anyhow::Result<Bd> {
    sqlx::any::install_default_drivers();
    let motor = Motor::de_url(url)?;
    if let (Motor::Sqlite, Some(ruta)) = (motor, ruta_sqlite(url)) {
        preparar_archivo_sqlite(ruta)?;
    }
    // SQLite has a single writer, and a connection that finds the write lock taken polls it
    // with SQLite's busy handler, whose sleeps grow to 100 ms: with 8 connections an unlucky
    // writer lost the race for over a second under load (bench/carga.sh). Four keep a writer's
    // fsync overlapped with reads and few enough contenders that no writer starves.
    let bd = AnyPoolOptions::new()
        .max_connections(if motor == Motor::Sqlite { 4 } else { 16 })
        .acquire_timeout(std::time::Duration::from_secs(5))
        .after_connect(move |conexion, _| {
            Box::pin(async move {
                if motor == Motor::Sqlite {
                    conexion
                        // secure_delete: erased secrets (sealed passwords of delivered emails)
                        // are overwritten on disk, not left in free pages.
                        .execute("PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;")
                        .await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await
        .context("no se pudo conectar a la base de datos")?;
    if motor == Motor::Sqlite {
        bd.execute("PRAGMA journal_mode = WAL;").await?;
    }
    Ok(bd)
}

/// The SQLite file holds accounts, credentials' hashes and the audit log: only its owner may
/// read it. A new one is created `0600` in a `0700` directory (SQLite gives its `-wal` and
/// `-shm` the database's mode); an existing one that others can read is refused, with the
/// `chmod` that fixes it.
fn preparar_archivo_sqlite(ruta: &Path) -> anyhow::Result<()> {
    if let Some(directorio) = ruta.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::secretos::crear_directorio_privado(directorio)?;
    }
    if !ruta.exists() {
        let mut opciones = std::fs::OpenOptions::new();
        opciones.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opciones.mode(0o600);
        }
        match opciones.open(ruta) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(e).with_context(|| format!("no se pudo crear {}", ruta.display()))
            }
        }
    }
    crate::secretos::revisar_privado(ruta, "La base de datos")?;
    for sufijo in ["-wal", "-shm"] {
        let mut acompanante = ruta.as_os_str().to_owned();
        acompanante.push(sufijo);
        let acompanante = std::path::PathBuf::from(acompanante);
        if acompanante.exists() {
            crate::secretos::revisar_privado(&acompanante, "El archivo de la base de datos")?;
        }
    }
    Ok(())
}

fn ruta_sqlite(url: &str) -> Option<&Path> {
    let resto = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let ruta = resto.split('?').next()?;
    (!ruta.is_empty() && ruta != ":memory:").then(|| Path::new(ruta))
}

/// Applies the migrations, then chains the audit rows written before the audit chain existed
/// (once; see `auditoria::cadena::encadenar_heredados`).
pub async fn migrar(bd: &Bd, url: &str) -> anyhow::Result<()> {
    match Motor::de_url(url)? {
        Motor::Sqlite => sqlx::migrate!("migrations/sqlite").run(bd).await,
        Motor::Postgres => sqlx::migrate!("migrations/postgres").run(bd).await,
    }
    .context("no se pudieron aplicar las migraciones")?;
    let encadenados = crate::auditoria::cadena::encadenar_heredados(bd)
        .await
        .context("no se pudieron encadenar los registros de auditoría anteriores")?;
    if encadenados > 0 {
        tracing::info!(encadenados, "registros de auditoría anteriores encadenados");
    }
    Ok(())
}
