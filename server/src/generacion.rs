//! The services behind the "Generación de contraseña" tab: the tab's state, e.firma challenges
//! and their verification, and the signature of the Terms that issues the credential — each
//! attempt audited.

use crate::{
    acuse,
    auditoria::{self, Evento},
    bd, correo,
    credenciales::{self, ErrorEmision, Rol},
    cuentas,
    estado::Estado,
    retos::{self, Proposito},
    verificacion::{self, FirmaReto},
};
use base64::{engine::general_purpose::STANDARD, Engine};
use efirma::{Algoritmo, Certificado};
use nucleo::{
    error::ErrorApp,
    fechas,
    generacion::{
        CadenaOriginal, CredencialActiva, Emision, Solicitante, Solicitud, TRAMITE_GENERACION,
    },
    identificadores::NoCertificado,
    peticion::{FirmaRecibida, Peticion, SesionActiva},
    sesion::Cuenta,
    terminos,
};
use sqlx::{Any, Transaction};

pub async fn credencial_activa(
    estado: &Estado,
    sesion: &SesionActiva,
    rol: Rol,
) -> Result<Option<CredencialActiva>, ErrorApp> {
    let activa = credenciales::activa(&estado.bd, sesion.cuenta_id, rol)
        .await
        .map_err(bd::indisponible)?;
    Ok(activa.map(|c| CredencialActiva {
        folio: c.folio,
        emitida: c.emitida,
    }))
}

pub async fn solicitar_reto(
    estado: &Estado,
    sesion: &SesionActiva,
    no_certificado: &NoCertificado,
) -> Result<String, ErrorApp> {
    let cuenta = cuentas::de_sesion(&estado.bd, sesion).await?;
    let reto = retos::emitir(
        &estado.bd,
        &sesion.id_hash,
        Proposito::GenerarContrasena,
        &cuenta.nrp,
        &cuenta.rfc,
        no_certificado.as_str(),
    )
    .await
    .map_err(bd::indisponible)?;
    Ok(reto.cadena)
}

fn decodificar(b64: &str) -> Result<Vec<u8>, ErrorApp> {
    STANDARD.decode(b64.trim()).map_err(|_| {
        ErrorApp::solicitud_invalida(
            "Los datos de la e.firma llegaron incompletos. Vuelve a dar clic en Validar.",
        )
    })
}

fn ya_activa(folio: &str) -> ErrorApp {
    ErrorApp::nuevo(
        409,
        "contrasena_activa",
        &format!(
            "Ya tienes una contraseña activa (folio {folio}). Para generar otra elige Generar una nueva contraseña: la actual dejará de funcionar."
        ),
    )
}

/// Checks a signature made by the e.firma and records the attempt in the audit log, whatever
/// its outcome.
/// Checks a signed challenge (reads only), then, in `tx`, spends it and appends the attempt's
/// audit row: the caller adds what a success writes and commits once, whatever the outcome.
async fn verificar_auditado(
    estado: &Estado,
    tx: &mut Transaction<'_, Any>,
    peticion: &Peticion,
    sesion: &SesionActiva,
    cuenta: &Cuenta,
    firma: &FirmaRecibida<'_>,
    proposito: Proposito,
) -> Result<Result<Certificado, ErrorApp>, ErrorApp> {
    // PSS for the challenge, PKCS#1 v1.5 for the sello over the cadena original (DESIGN §4).
    let algoritmo = match proposito {
        Proposito::GenerarContrasena => Algoritmo::PssSha256,
        _ => Algoritmo::Pkcs1v15Sha256,
    };
    let (cer, bytes_firma) = (
        decodificar(firma.certificado_b64)?,
        decodificar(firma.firma_b64)?,
    );
    let verificado = verificacion::verificar_reto(
        estado,
        FirmaReto {
            sesion_hash: &sesion.id_hash,
            proposito,
            rfc_cuenta: &cuenta.rfc,
            cer: &cer,
            cadena: firma.cadena,
            firma: &bytes_firma,
            algoritmo,
        },
    )
    .await?;
    let resultado = verificado.gastar(tx).await?;
    let ip = peticion.ip.to_string();
    if let Err(e) = &resultado {
        if e.estado < 500 {
            estado.metricas.efirma_rechazada(&e.codigo);
        }
    }
    let (evento, detalle) = match (&resultado, proposito) {
        (Ok(_), Proposito::FirmaTerminos) => ("terminos_firmados", None),
        (Ok(_), _) => ("efirma_validada", None),
        (Err(e), Proposito::FirmaTerminos) => ("firma_rechazada", Some(e.codigo.as_str())),
        (Err(e), _) => ("efirma_rechazada", Some(e.codigo.as_str())),
    };
    auditoria::registrar(
        tx,
        Evento {
            evento,
            cuenta_id: Some(sesion.cuenta_id),
            sujeto: Some(&cuenta.nrp),
            ip: &ip,
            detalle,
        },
    )
    .await
    .map_err(bd::indisponible)?;
    Ok(resultado)
}

/// A developer is known to payroll software by its RFC alone, so one RFC has at most one account
/// with an active developer credential.
async fn otro_desarrollador_con_el_rfc(
    estado: &Estado,
    sesion: &SesionActiva,
    rfc: &str,
) -> Result<(), ErrorApp> {
    use sqlx::Row;
    let fila = sqlx::query(
        "SELECT a.nrp FROM credenciales c JOIN cuentas a ON a.id = c.cuenta_id \
         WHERE a.rfc = $1 AND c.rol = 'desarrollador' AND c.estado = 'activa' AND a.id <> $2",
    )
    .bind(rfc)
    .bind(sesion.cuenta_id)
    .fetch_optional(&estado.bd)
    .await
    .map_err(bd::indisponible)?;
    match fila {
        None => Ok(()),
        Some(f) => {
            let nrp: String = f.try_get(0).map_err(bd::indisponible)?;
            Err(ErrorApp::nuevo(
                409,
                "desarrollador_existente",
                &format!(
                    "El RFC {rfc} ya tiene una contraseña de desarrollador activa en la cuenta con NRP {nrp}. Usa esa cuenta o cancela esa contraseña primero."
                ),
            ))
        }
    }
}

/// Step 2: the signed challenge. On success, the cadena original of the trámite to sign — a
/// single-use string bound to this session, like a challenge.
pub async fn validar_efirma(
    estado: &Estado,
    peticion: &Peticion,
    sesion: &SesionActiva,
    firma: FirmaRecibida<'_>,
    reemplazar: bool,
    rol: Rol,
) -> Result<Solicitud, ErrorApp> {
    let cuenta = cuentas::de_sesion(&estado.bd, sesion).await?;
    // What decides whether a valid e.firma may go on, read before the one write transaction.
    let activa = credenciales::activa(&estado.bd, sesion.cuenta_id, rol)
        .await
        .map_err(bd::indisponible)?;
    let impedimento = if rol == Rol::Desarrollador {
        otro_desarrollador_con_el_rfc(estado, sesion, &cuenta.rfc)
            .await
            .err()
    } else {
        None
    };
    // One durable commit: the challenge spent, the attempt audited and, when it may go on, the
    // cadena original to sign issued.
    let mut tx = estado.bd.begin().await.map_err(bd::indisponible)?;
    let resultado = verificar_auditado(
        estado,
        &mut tx,
        peticion,
        sesion,
        &cuenta,
        &firma,
        Proposito::GenerarContrasena,
    )
    .await?;
    let siguiente = match (resultado, impedimento) {
        (Err(e), _) | (Ok(_), Some(e)) => Err(e),
        (Ok(certificado), None) => match (activa, reemplazar) {
            (Some(a), false) => Err(ya_activa(&a.folio)),
            (a, _) => Ok((certificado, a.map(|a| a.folio).unwrap_or_default())),
        },
    };
    let (certificado, reto) = match siguiente {
        Err(e) => {
            tx.commit().await.map_err(bd::indisponible)?;
            return Err(e);
        }
        Ok((certificado, reemplaza)) => {
            let (version_terminos, texto_terminos) = rol.terminos();
            let sha = terminos::sha256_hex(texto_terminos);
            let reto = retos::emitir_con(
                &mut *tx,
                &sesion.id_hash,
                Proposito::FirmaTerminos,
                |nonce, momento| {
                    CadenaOriginal {
                        tramite: TRAMITE_GENERACION,
                        rol: rol.en_cadena(),
                        nrp: &retos::campo(&cuenta.nrp),
                        rfc: &retos::campo(&cuenta.rfc),
                        razon_social: &retos::campo(&cuenta.razon_social),
                        no_certificado: certificado.no_certificado(),
                        terminos_version: version_terminos,
                        terminos_sha256: &sha,
                        fecha: &fechas::rfc3339_utc(momento),
                        reemplaza: &reemplaza,
                        nonce,
                    }
                    .escribir()
                },
            )
            .await
            .map_err(bd::indisponible)?;
            tx.commit().await.map_err(bd::indisponible)?;
            (certificado, reto)
        }
    };
    Ok(Solicitud {
        solicitante: Solicitante {
            razon_social: cuenta.razon_social,
            rfc: cuenta.rfc,
            nrp: cuenta.nrp,
            no_certificado: certificado.no_certificado().to_owned(),
        },
        cadena_original: reto.cadena,
    })
}

/// Step 3: the signed cadena original. In one transaction: the credential (replacing the active
/// one only if the signed document says so), the sealed acuse, the audit rows and the email
/// carrying the password — all of it, or none.
pub async fn firmar_terminos(
    estado: &Estado,
    peticion: &Peticion,
    sesion: &SesionActiva,
    firma: FirmaRecibida<'_>,
) -> Result<Emision, ErrorApp> {
    let cuenta = cuentas::de_sesion(&estado.bd, sesion).await?;
    let mut tx = estado.bd.begin().await.map_err(bd::indisponible)?;
    let resultado = verificar_auditado(
        estado,
        &mut tx,
        peticion,
        sesion,
        &cuenta,
        &firma,
        Proposito::FirmaTerminos,
    )
    .await?;
    tx.commit().await.map_err(bd::indisponible)?;
    let certificado = resultado?;
    // Ours, unaltered (checked when the challenge was spent): it parses.
    let documento = CadenaOriginal::leer(firma.cadena).ok_or_else(ErrorApp::interno)?;
    let rol = Rol::de_cadena(documento.rol).ok_or_else(ErrorApp::interno)?;
    let ip = peticion.ip.to_string();
    let mut tx = estado.bd.begin().await.map_err(bd::indisponible)?;
    if !documento.reemplaza.is_empty() {
        let terminada = credenciales::terminar(
            &mut tx,
            sesion.cuenta_id,
            documento.reemplaza,
            "reemplazada",
        )
        .await
        .map_err(bd::indisponible)?;
        if terminada.is_none() {
            return Err(ErrorApp::nuevo(
                409,
                "contrasena_ya_reemplazada",
                "La contraseña que ibas a reemplazar ya no está activa (se canceló o se reemplazó en otra ventana). Revisa el estado de tu contraseña.",
            ));
        }
    }
    let (credencial, contrasena) = match credenciales::emitir(
        &mut tx,
        &estado.pepper,
        sesion.cuenta_id,
        rol,
        certificado.no_certificado(),
        false,
    )
    .await
    {
        Ok(x) => x,
        Err(ErrorEmision::YaActiva) => {
            drop(tx);
            let folio = credenciales::activa(&estado.bd, sesion.cuenta_id, rol)
                .await
                .map_err(bd::indisponible)?
                .map(|c| c.folio)
                .unwrap_or_default();
            return Err(ya_activa(&folio));
        }
        Err(ErrorEmision::Bd(e)) => {
            tracing::error!(error = %e, "emisión de credencial");
            return Err(ErrorApp::no_disponible());
        }
    };
    acuse::guardar(
        &mut tx,
        &estado.sellador,
        acuse::DatosAcuse {
            folio: credencial.folio.clone(),
            cuenta_id: sesion.cuenta_id,
            rol: rol.as_str().into(),
            nrp: cuenta.nrp.clone(),
            rfc: cuenta.rfc.clone(),
            razon_social: cuenta.razon_social.clone(),
            no_certificado: certificado.no_certificado().to_owned(),
            certificado_der: certificado.der().to_vec(),
            terminos_version: documento.terminos_version.to_owned(),
            terminos_sha256: documento.terminos_sha256.to_owned(),
            cadena_original: firma.cadena.to_owned(),
            sello: firma.firma_b64.trim().to_owned(),
            emitido: credencial.emitida,
        },
    )
    .await
    .map_err(bd::indisponible)?;
    let (asunto, cuerpo) =
        correo::contrasena_generada(&credencial.folio, &cuenta.rfc, &cuenta.razon_social);
    correo::encolar(
        &mut tx,
        &estado.cofre,
        correo::Mensaje {
            para: &cuenta.correo,
            asunto: &asunto,
            cuerpo: &cuerpo,
            secreto: Some(contrasena.exponer()),
        },
    )
    .await
    .map_err(bd::indisponible)?;
    drop(contrasena);
    // The audit rows go last: they lock the chain's head until the commit.
    let reemplazo = (!documento.reemplaza.is_empty()).then(|| Evento {
        evento: "credencial_reemplazada",
        cuenta_id: Some(sesion.cuenta_id),
        sujeto: Some(&cuenta.nrp),
        ip: &ip,
        detalle: Some(documento.reemplaza),
    });
    let emision = Evento {
        evento: "credencial_emitida",
        cuenta_id: Some(sesion.cuenta_id),
        sujeto: Some(&cuenta.nrp),
        ip: &ip,
        detalle: Some(&credencial.folio),
    };
    let eventos: Vec<Evento> = reemplazo.into_iter().chain([emision]).collect();
    auditoria::registrar_varios(&mut tx, &eventos)
        .await
        .map_err(bd::indisponible)?;
    tx.commit().await.map_err(bd::indisponible)?;
    estado.avisar_correo();
    estado.metricas.credencial_emitida(rol);
    Ok(Emision {
        folio: credencial.folio,
        emitida: credencial.emitida,
    })
}
