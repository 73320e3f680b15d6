//! The command line: `servir` (the default), `migrar`, `cuentas alta`, `efirma inspeccionar`,
//! `credenciales verificar`, `demo efirma`, `correo pendientes`, `correo entregar`,
//! `avisos cargar`, `auditoria verificar`. Made for scripts: flags
//! instead of prompts, messages on stderr, exit status 0 only on success (2 for bad input).

use crate::{
    arranque, bd, configuracion::Configuracion, correo, credenciales, cuentas, secretos::Secretos,
    telemetria,
};
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
    /// Herramientas de e.firma para operadores.
    Efirma {
        #[command(subcommand)]
        orden: OrdenEfirma,
    },
    /// Contraseñas de los Servicios de Intercomunicación.
    Credenciales {
        #[command(subcommand)]
        orden: OrdenCredenciales,
    },
    /// Certificación de productos de los desarrolladores (decisiones del Instituto).
    Certificacion {
        #[command(subcommand)]
        orden: OrdenCertificacion,
    },
    /// Datos de demostración.
    Demo {
        #[command(subcommand)]
        orden: OrdenDemo,
    },
    /// El buzón de salida de correos.
    Correo {
        #[command(subcommand)]
        orden: OrdenCorreo,
    },
    /// Avisos de retención, modificación y suspensión de descuentos.
    Avisos {
        #[command(subcommand)]
        orden: OrdenAvisos,
    },
    /// La bitácora de auditoría.
    Auditoria {
        #[command(subcommand)]
        orden: OrdenAuditoria,
    },
}

#[derive(Subcommand)]
enum OrdenAuditoria {
    /// Recorre la cadena de hashes de la bitácora. Termina con 0 si está íntegra; con 1 y el
    /// primer eslabón roto si no.
    Verificar,
}

#[derive(Subcommand)]
enum OrdenAvisos {
    /// Carga avisos de un archivo CSV (con encabezado) o JSON (arreglo de objetos): todos o
    /// ninguno. Muestra cuántos cargó.
    Cargar {
        #[arg(long)]
        archivo: PathBuf,
    },
}

#[derive(Subcommand)]
enum OrdenCredenciales {
    /// Comprueba una contraseña contra la credencial activa de un NRP. Termina con 0 y muestra
    /// el folio si es válida; con 1 si no lo es.
    Verificar {
        #[arg(long)]
        nrp: String,
        /// patron o desarrollador.
        #[arg(long, default_value = "patron")]
        rol: String,
        /// Archivo cuya primera línea es la contraseña.
        #[arg(long = "contrasena-archivo", conflicts_with = "contrasena_stdin")]
        contrasena_archivo: Option<PathBuf>,
        /// Lee la contraseña de la primera línea de la entrada estándar.
        #[arg(long = "contrasena-stdin")]
        contrasena_stdin: bool,
    },
}

#[derive(Subcommand)]
enum OrdenCertificacion {
    /// Lista los productos con certificación solicitada (id, RFC, NRP, producto).
    Pendientes,
    /// Aprueba la certificación solicitada de un producto.
    Aprobar {
        #[arg(long)]
        producto: i64,
    },
    /// Rechaza la certificación solicitada de un producto, con un motivo para el desarrollador.
    Rechazar {
        #[arg(long)]
        producto: i64,
        #[arg(long)]
        motivo: String,
    },
    /// Revoca la certificación de un producto aprobado, con un motivo.
    Revocar {
        #[arg(long)]
        producto: i64,
        #[arg(long)]
        motivo: String,
    },
}

#[derive(Subcommand)]
enum OrdenDemo {
    /// Genera (si falta) la AC y la e.firma de demostración en el directorio de datos y muestra
    /// dónde quedaron.
    Efirma,
}

#[derive(Subcommand)]
enum OrdenCorreo {
    /// Cuenta los correos por estado y lista los pendientes y fallidos (nunca su contenido).
    Pendientes {
        /// Cuántos correos listar como máximo.
        #[arg(long, default_value_t = 100)]
        limite: i64,
    },
    /// Entrega ahora los correos que ya tocan, con el transporte configurado, y termina.
    Entregar,
}

#[derive(Subcommand)]
enum OrdenEfirma {
    /// Describe un certificado (y su llave) en JSON y da el veredicto para este sistema.
    /// Termina con 0 sólo si la e.firma es aceptable.
    Inspeccionar {
        #[arg(long)]
        cer: PathBuf,
        #[arg(long, requires = "contrasena_archivo")]
        llave: Option<PathBuf>,
        /// Archivo cuya primera línea es la contraseña de la llave privada.
        #[arg(long = "contrasena-archivo", requires = "llave")]
        contrasena_archivo: Option<PathBuf>,
        /// Directorio con los certificados de las autoridades de confianza (DER o PEM).
        #[arg(long)]
        anclas: Option<PathBuf>,
        /// Momento de la evaluación (RFC 3339); por omisión, ahora.
        #[arg(long)]
        fecha: Option<String>,
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
    /// The answer is "no" (exit 1), as for a credential that does not verify.
    Rechazo(String),
}

impl From<anyhow::Error> for Fallo {
    fn from(e: anyhow::Error) -> Self {
        Fallo::Sistema(e)
    }
}

pub fn ejecutar() -> ExitCode {
    // Whatever this process creates (the data directory, the SQLite database and its -wal/-shm,
    // the demo's keys, emails in the local mailbox) is its owner's alone.
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let cli = Cli::parse();
    telemetria::iniciar();
    if let Some(Orden::Efirma { orden }) = cli.orden {
        return efirma_cmd(orden);
    }
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
            Orden::Credenciales { orden } => credenciales_cmd(&config, orden).await,
            Orden::Certificacion { orden } => certificacion_cmd(&config, orden).await,
            Orden::Demo {
                orden: OrdenDemo::Efirma,
            } => {
                crate::demo::sembrar_efirma(&config.datos).await?;
                println!("{}", crate::demo::carpeta_efirma(&config.datos).display());
                Ok(())
            }
            Orden::Correo { orden } => correo_cmd(config, orden).await,
            Orden::Avisos {
                orden: OrdenAvisos::Cargar { archivo },
            } => cargar_avisos(&config, &archivo).await,
            Orden::Auditoria {
                orden: OrdenAuditoria::Verificar,
            } => verificar_auditoria(&config).await,
            Orden::Efirma { .. } => unreachable!("atendida antes de configurar"),
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
        Err(Fallo::Rechazo(m)) => {
            eprintln!("{m}");
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

fn efirma_cmd(orden: OrdenEfirma) -> ExitCode {
    let OrdenEfirma::Inspeccionar {
        cer,
        llave,
        contrasena_archivo,
        anclas,
        fecha,
    } = orden;
    let leer = |ruta: &PathBuf| {
        std::fs::read(ruta).map_err(|e| format!("No se pudo leer {}: {e}", ruta.display()))
    };
    let preparar = || -> Result<_, String> {
        let cer = leer(&cer)?;
        let llave = match (llave, contrasena_archivo) {
            (Some(l), Some(c)) => {
                let contrasena = leer_contrasena(Some(c), false).map_err(|f| match f {
                    Fallo::Entrada(m) | Fallo::Rechazo(m) => m,
                    Fallo::Sistema(e) => e.to_string(),
                })?;
                Some((leer(&l)?, contrasena))
            }
            _ => None,
        };
        let anclas = anclas
            .map(|dir| {
                efirma::AlmacenConfianza::desde_directorio(&dir)
                    .map_err(|e| format!("{}: {}", dir.display(), e.mensaje()))
            })
            .transpose()?;
        let ahora = match fecha {
            None => crate::ahora(),
            Some(f) => {
                time::OffsetDateTime::parse(&f, &time::format_description::well_known::Rfc3339)
                    .map_err(|_| {
                        format!(
                            "--fecha debe ser RFC 3339, por ejemplo 2026-11-27T12:00:00Z, no «{f}»"
                        )
                    })?
                    .unix_timestamp()
            }
        };
        Ok((cer, llave, anclas, ahora))
    };
    let (cer, llave, anclas, ahora) = match preparar() {
        Ok(p) => p,
        Err(m) => {
            eprintln!("{m}");
            return ExitCode::from(2);
        }
    };
    let informe = efirma::inspeccionar(
        &cer,
        llave.as_ref().map(|(k, c)| (k.as_slice(), c.as_bytes())),
        anclas.as_ref(),
        ahora,
    );
    match serde_json::to_string_pretty(&informe) {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::FAILURE;
        }
    }
    if informe.aceptada() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
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

async fn certificacion_cmd(config: &Configuracion, orden: OrdenCertificacion) -> Result<(), Fallo> {
    use crate::certificacion::{self, Decision};
    let bd = bd::conectar(&config.url_bd).await?;
    bd::migrar(&bd, &config.url_bd).await?;
    let (producto, decision) = match orden {
        OrdenCertificacion::Pendientes => {
            for (id, rfc, nrp, producto) in certificacion::pendientes(&bd)
                .await
                .map_err(|e| Fallo::Sistema(e.into()))?
            {
                println!("{id}\t{rfc}\t{nrp}\t{producto}");
            }
            return Ok(());
        }
        OrdenCertificacion::Aprobar { producto } => (producto, Decision::Aprobar),
        OrdenCertificacion::Rechazar { producto, motivo } => (producto, Decision::Rechazar(motivo)),
        OrdenCertificacion::Revocar { producto, motivo } => (producto, Decision::Revocar(motivo)),
    };
    match certificacion::decidir(&bd, producto, &decision).await? {
        Ok(p) => {
            println!("{}\t{}", p.id, p.estado);
            eprintln!(
                "{} {}: {}.",
                p.nombre,
                p.version,
                nucleo::certificacion::nombre_estado(&p.estado)
            );
            Ok(())
        }
        Err(m) => Err(Fallo::Entrada(m)),
    }
}

async fn credenciales_cmd(config: &Configuracion, orden: OrdenCredenciales) -> Result<(), Fallo> {
    let OrdenCredenciales::Verificar {
        nrp,
        rol,
        contrasena_archivo,
        contrasena_stdin,
    } = orden;
    let rol = match rol.as_str() {
        "patron" => credenciales::Rol::Patron,
        "desarrollador" => credenciales::Rol::Desarrollador,
        otro => {
            return Err(Fallo::Entrada(format!(
                "--rol debe ser patron o desarrollador, no «{otro}»"
            )))
        }
    };
    let contrasena = leer_contrasena(contrasena_archivo, contrasena_stdin)?;
    let secretos = Secretos::cargar(config)?;
    let pepper = secretos.derivar(crate::arranque::PROPOSITO_PEPPER);
    let bd = bd::conectar(&config.url_bd).await?;
    bd::migrar(&bd, &config.url_bd).await?;
    let cuenta = cuentas::para_ingreso(&bd, &nrp)
        .await
        .map_err(|e| Fallo::Sistema(e.into()))?
        .ok_or_else(|| Fallo::Entrada(format!("No existe una cuenta con el NRP {nrp}.")))?;
    match credenciales::verificar(&bd, &pepper, cuenta.id, rol, &contrasena)
        .await
        .map_err(|e| Fallo::Sistema(e.into()))?
    {
        Some(c) => {
            println!("{}", c.folio);
            eprintln!("La contraseña es válida (folio {}).", c.folio);
            Ok(())
        }
        None => Err(Fallo::Rechazo(
            "La contraseña no corresponde a una credencial activa de ese NRP.".into(),
        )),
    }
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

async fn cargar_avisos(config: &Configuracion, ruta: &std::path::Path) -> Result<(), Fallo> {
    use crate::avisos::{self, archivo};
    let bytes = std::fs::read(ruta)
        .map_err(|e| Fallo::Entrada(format!("No se pudo leer {}: {e}", ruta.display())))?;
    if bytes.len() > archivo::TAMANO_MAXIMO {
        return Err(Fallo::Entrada(format!(
            "{} pasa de {} MiB: divídelo en varios archivos.",
            ruta.display(),
            archivo::TAMANO_MAXIMO / (1024 * 1024)
        )));
    }
    let texto = String::from_utf8(bytes)
        .map_err(|_| Fallo::Entrada(format!("{} no está en UTF-8.", ruta.display())))?;
    let lista = archivo::leer(&texto).map_err(|p| {
        Fallo::Entrada(format!("{}, {p} No se cargó ningún aviso.", ruta.display()))
    })?;
    let bd = bd::conectar(&config.url_bd).await?;
    bd::migrar(&bd, &config.url_bd).await?;
    let cargados = avisos::cargar(&bd, &lista).await.map_err(|e| match e {
        avisos::ErrorCarga::FolioRepetido(folio) => Fallo::Entrada(format!(
            "{}: el folio {folio} ya estaba cargado. No se cargó ningún aviso.",
            ruta.display()
        )),
        avisos::ErrorCarga::Bd(e) => Fallo::Sistema(e.into()),
    })?;
    println!("{cargados}");
    eprintln!("Avisos cargados: {cargados}.");
    Ok(())
}

async fn verificar_auditoria(config: &Configuracion) -> Result<(), Fallo> {
    use crate::auditoria::verificacion::{self, Verificacion};
    let bd = bd::conectar(&config.url_bd).await?;
    bd::migrar(&bd, &config.url_bd).await?;
    match verificacion::verificar(&bd)
        .await
        .map_err(|e| Fallo::Sistema(e.into()))?
    {
        Verificacion::Integra {
            registros,
            hash_final,
        } => {
            println!("Cadena de auditoría íntegra: {registros} registros.");
            // Kept elsewhere, it shows later whether the whole chain was rewritten.
            println!("Hash final: {hash_final}");
            Ok(())
        }
        Verificacion::Rota(ruptura) => Err(Fallo::Rechazo(format!(
            "Cadena de auditoría rota. Primer eslabón roto: {ruptura}."
        ))),
    }
}

async fn correo_cmd(config: Configuracion, orden: OrdenCorreo) -> Result<(), Fallo> {
    let bd = bd::conectar(&config.url_bd).await?;
    bd::migrar(&bd, &config.url_bd).await?;
    match orden {
        OrdenCorreo::Pendientes { limite } => {
            let (pendientes, enviados, fallidos) =
                correo::conteo(&bd).await.map_err(anyhow::Error::from)?;
            println!("pendientes: {pendientes}, enviados: {enviados}, fallidos: {fallidos}");
            let filas = correo::pendientes(&bd, limite.max(0))
                .await
                .map_err(anyhow::Error::from)?;
            if !filas.is_empty() {
                println!("id\testado\tintentos\tproximo_intento\tdestinatario\tultimo_error");
            }
            for f in filas {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    f.id,
                    f.estado,
                    f.intentos,
                    f.proximo_intento,
                    f.destinatario,
                    f.ultimo_error.as_deref().unwrap_or("-")
                );
            }
            Ok(())
        }
        OrdenCorreo::Entregar => {
            let secretos = Secretos::cargar(&config)?;
            let cofre = correo::Cofre::nuevo(secretos.derivar(correo::PROPOSITO_LLAVE));
            let transporte = arranque::transporte_correo(&config)?;
            let r = correo::entregar_pendientes(&bd, &cofre, &transporte, crate::ahora())
                .await
                .map_err(anyhow::Error::from)?;
            println!(
                "enviados: {}, reintentos: {}, fallidos: {}",
                r.enviados, r.reintentos, r.fallidos
            );
            Ok(())
        }
    }
}
