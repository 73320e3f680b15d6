//! The command line: `servir` (the default), `migrar`, `cuentas alta`. Made for scripts: flags
//! instead of prompts, messages on stderr, exit status 0 only on success (2 for bad input).

use crate::{arranque, bd, configuracion::Configuracion, cuentas, telemetria};
use clap::{Parser, Subcommand};
use std::{path::PathBuf, process::ExitCode};
use zeroize::Zeroizing;

#[derive(Parser)]
#[command(
    name = "intercomunicacion",
    version,
    about = "Servicios de Intercomunicación del Infonavit"
)]
struct Cli {
    #[command(subcommand)]
    orden: Option<Orden>,
}

#[derive(Subcommand)]
enum Orden {
    /// Sirve el portal (lo que hace sin orden).
    Servir,
    /// Crea o actualiza el esquema de la base de datos y termina.
    Migrar,
    /// Cuentas del Portal Empresarial.
    Cuentas {
        #[command(subcommand)]
        orden: OrdenCuentas,
    },
}

#[derive(Subcommand)]
enum OrdenCuentas {
    /// Da de alta una cuenta de patrón.
    Alta {
        #[arg(long)]
        nrp: String,
        #[arg(long)]
        rfc: String,
        #[arg(long = "razon-social")]
        razon_social: String,
        #[arg(long)]
        correo: String,
        /// Archivo cuya primera línea es la contraseña del portal.
        #[arg(long = "contrasena-archivo", conflicts_with = "contrasena_stdin")]
        contrasena_archivo: Option<PathBuf>,
        /// Lee la contraseña de la primera línea de la entrada estándar.
        #[arg(long = "contrasena-stdin")]
        contrasena_stdin: bool,
    },
}

/// A failure of the operator's input (exit 2) or of the system (exit 1).
enum Fallo {
    Entrada(String),
    Sistema(anyhow::Error),
}

impl From<anyhow::Error> for Fallo {
    fn from(e: anyhow::Error) -> Self {
        Fallo::Sistema(e)
    }
}

pub fn ejecutar() -> ExitCode {
    let cli = Cli::parse();
    telemetria::iniciar();
    let config = match Configuracion::desde_entorno() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Error de configuración: {e:#}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let resultado = runtime.block_on(async move {
        match cli.orden.unwrap_or(Orden::Servir) {
            Orden::Servir => arranque::servir(config).await.map_err(Fallo::from),
            Orden::Migrar => migrar(&config).await,
            Orden::Cuentas { orden } => cuentas_cmd(&config, orden).await,
        }
    });
    match resultado {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fallo::Entrada(m)) => {
            eprintln!("{m}");
            ExitCode::from(2)
        }
        Err(Fallo::Sistema(e)) => {
            eprintln!("Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn migrar(config: &Configuracion) -> Result<(), Fallo> {
    let bd = bd::conectar(&config.url_bd).await?;
    bd::migrar(&bd, &config.url_bd).await?;
    eprintln!("Base de datos al día.");
    Ok(())
}

fn leer_contrasena(archivo: Option<PathBuf>, stdin: bool) -> Result<Zeroizing<String>, Fallo> {
    let contenido = match (archivo, stdin) {
        (Some(ruta), _) => std::fs::read_to_string(&ruta)
            .map_err(|e| Fallo::Entrada(format!("No se pudo leer {}: {e}", ruta.display())))?,
        (None, true) => std::io::read_to_string(std::io::stdin())
            .map_err(|e| Fallo::Entrada(format!("No se pudo leer la entrada estándar: {e}")))?,
        (None, false) => {
            return Err(Fallo::Entrada(
                "Indica la contraseña con --contrasena-archivo ARCHIVO o --contrasena-stdin."
                    .into(),
            ))
        }
    };
    let contenido = Zeroizing::new(contenido);
    Ok(Zeroizing::new(
        contenido.lines().next().unwrap_or_default().to_owned(),
    ))
}

async fn cuentas_cmd(config: &Configuracion, orden: OrdenCuentas) -> Result<(), Fallo> {
    match orden {
        OrdenCuentas::Alta {
            nrp,
            rfc,
            razon_social,
            correo,
            contrasena_archivo,
            contrasena_stdin,
        } => {
            let contrasena = leer_contrasena(contrasena_archivo, contrasena_stdin)?;
            let bd = bd::conectar(&config.url_bd).await?;
            bd::migrar(&bd, &config.url_bd).await?;
            let id = cuentas::alta(
                &bd,
                cuentas::NuevaCuenta {
                    nrp,
                    rfc,
                    razon_social,
                    correo,
                    contrasena,
                },
            )
            .await
            .map_err(|e| Fallo::Entrada(e.to_string()))?;
            println!("{id}");
            eprintln!("Cuenta creada.");
            Ok(())
        }
    }
}
