//! Recuperación de la contraseña (guide §4): "Escribe el captcha que se muestra en la pantalla"
//! and Continuar; a new password for the same role goes to the registered email and the old one
//! stops working. Passwords are never recoverable in clear, so "recover" means "replace".
//!
//! The captcha is drawn by the server ([`crate::captcha::imagen`]), single use (a wrong answer
//! spends it too), valid for [`VIGENCIA_CAPTCHA`] seconds, bound to the portal session, and only
//! the keyed hash of its answer is stored. Its accessible alternative sends a one-time code to
//! the registered email instead of drawing it (whoever can read that mailbox receives the new
//! password anyway, so the alternative is no weaker).
//!
//! Limits (each answers 429 with `Retry-After`):
//! - captchas issued per session: [`CAPTCHAS_POR_SESION`] per [`VENTANA_CAPTCHA`];
//! - wrong answers per session: [`FALLOS_POR_SESION`], per account: [`FALLOS_POR_CUENTA`],
//!   both per [`VENTANA_CAPTCHA`];
//! - codes by email per account: [`CODIGOS_POR_CUENTA`] per hour;
//! - recoveries per account: [`RECUPERACIONES_POR_DIA`] per 24 hours.

use crate::{
    auditoria::{self, Evento},
    bd, cancelacion, correo,
    credenciales::{self, ErrorEmision, Rol},
    cuentas,
    estado::Estado,
    limites::{Limite, Plazas},
    secretos,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use nucleo::{
    error::ErrorApp,
    gestion::{Captcha, Recuperacion},
    peticion::{Peticion, SesionActiva},
    sesion::Cuenta,
};
use rand::{rngs::OsRng, Rng};
use sha2::Sha256;
use sqlx::Row;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

pub const VIGENCIA_CAPTCHA: i64 = 5 * 60;
pub const CARACTERES: usize = 6;
pub const VENTANA_CAPTCHA: i64 = 15 * 60;
pub const CAPTCHAS_POR_SESION: i64 = 30;
pub const FALLOS_POR_SESION: i64 = 5;
pub const FALLOS_POR_CUENTA: i64 = 15;
pub const CODIGOS_POR_CUENTA: i64 = 3;
pub const RECUPERACIONES_POR_DIA: i64 = 3;
const HORA: i64 = 3600;
const DIA: i64 = 24 * HORA;

/// What the captcha's answer hash is keyed with (derived from the server secret).
pub const PROPOSITO_LLAVE: &str = "captcha:v1";

fn normalizar(respuesta: &str) -> Zeroizing<String> {
    Zeroizing::new(
        respuesta
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .flat_map(char::to_uppercase)
            .collect(),
    )
}

pub(crate) fn huella_respuesta(llave: &[u8; 32], id: &str, respuesta: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(llave).expect("llave de 32 bytes");
    mac.update(id.as_bytes());
    mac.update(b":");
    mac.update(normalizar(respuesta).as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A captcha as issued: its public id and its answer (drawn or emailed, never stored).
pub struct CaptchaEmitido {
    pub id: String,
    pub respuesta: Zeroizing<String>,
}

/// What a captcha was issued for. It serves that use only: a captcha solved to recover the
/// employer's password cannot recover the developer's, nor sign in, nor the other way round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsoCaptcha<'a> {
    /// Recovering the password of this role, in the portal session the captcha is bound to.
    Recuperacion(Rol),
    /// Signing in with this NRP, from the browser the captcha is bound to.
    Ingreso(&'a str),
}

impl UsoCaptcha<'_> {
    fn proposito(self) -> String {
        match self {
            UsoCaptcha::Recuperacion(rol) => format!("recuperacion:{}", rol.as_str()),
            UsoCaptcha::Ingreso(nrp) => format!("ingreso:{nrp}"),
        }
    }
}

/// A random answer from the captcha's alphabet.
pub(crate) fn respuesta_aleatoria(largo: usize) -> Zeroizing<String> {
    let alfabeto = crate::captcha::imagen::ALFABETO;
    Zeroizing::new(
        (0..largo)
            .map(|_| alfabeto[OsRng.gen_range(0..alfabeto.len())] as char)
            .collect(),
    )
}

/// Issues a captcha for `uso`, bound to `vinculo` (the portal session's hash, or for a
/// sign-in the browser's, [`crate::ingreso::vinculo_navegador`]).
pub async fn emitir_captcha(
    bd: &bd::Bd,
    llave: &[u8; 32],
    vinculo: &str,
    uso: UsoCaptcha<'_>,
) -> sqlx::Result<CaptchaEmitido> {
    let respuesta = respuesta_aleatoria(CARACTERES);
    let id = secretos::token_aleatorio();
    let momento = crate::ahora();
    sqlx::query(
        "INSERT INTO captchas (id_hash, sesion_hash, proposito, respuesta_hash, creado, expira) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(secretos::huella(&id))
    .bind(vinculo)
    .bind(uso.proposito())
    .bind(huella_respuesta(llave, &id, &respuesta))
    .bind(momento)
    .bind(momento + VIGENCIA_CAPTCHA)
    .execute(bd)
    .await?;
    Ok(CaptchaEmitido { id, respuesta })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCaptcha {
    /// Not ours, another session's (or browser's), or issued for another use.
    Desconocido,
    Vencido,
    Usado,
    Incorrecto,
}

impl ErrorCaptcha {
    pub fn error(self) -> ErrorApp {
        match self {
            ErrorCaptcha::Desconocido => ErrorApp::nuevo(
                409,
                "captcha_desconocido",
                "El captcha no corresponde a este trámite o a esta sesión. Escribe el de la nueva imagen.",
            ),
            ErrorCaptcha::Vencido => ErrorApp::nuevo(
                422,
                "captcha_vencido",
                "El captcha venció. Escribe el de la nueva imagen.",
            ),
            ErrorCaptcha::Usado => ErrorApp::nuevo(
                409,
                "captcha_usado",
                "Ese captcha ya se usó. Escribe el de la nueva imagen.",
            ),
            ErrorCaptcha::Incorrecto => ErrorApp::nuevo(
                422,
                "captcha_incorrecto",
                "El texto no coincide con el captcha. Escribe el de la nueva imagen.",
            ),
        }
    }
}

/// Spends the captcha (whatever the answer) and says whether the answer was right. A captcha of
/// another session (or browser), or issued for another use, is unknown here and not spent.
pub async fn consumir_captcha(
    bd: &bd::Bd,
    llave: &[u8; 32],
    vinculo: &str,
    uso: UsoCaptcha<'_>,
    id: &str,
    respuesta: &str,
) -> sqlx::Result<Result<(), ErrorCaptcha>> {
    let id_hash = secretos::huella(id);
    let fila = sqlx::query(
        "SELECT sesion_hash, proposito, respuesta_hash, expira, usado FROM captchas WHERE id_hash = $1",
    )
    .bind(&id_hash)
    .fetch_optional(bd)
    .await?;
    let Some(f) = fila else {
        return Ok(Err(ErrorCaptcha::Desconocido));
    };
    let (sesion, proposito, esperada, expira, usado): (String, String, String, i64, Option<i64>) = (
        f.try_get(0)?,
        f.try_get(1)?,
        f.try_get(2)?,
        f.try_get(3)?,
        f.try_get(4)?,
    );
    if sesion != vinculo || proposito != uso.proposito() {
        return Ok(Err(ErrorCaptcha::Desconocido));
    }
    if usado.is_some() {
        return Ok(Err(ErrorCaptcha::Usado));
    }
    let momento = crate::ahora();
    if momento > expira {
        return Ok(Err(ErrorCaptcha::Vencido));
    }
    let r = sqlx::query("UPDATE captchas SET usado = $1 WHERE id_hash = $2 AND usado IS NULL")
        .bind(momento)
        .bind(&id_hash)
        .execute(bd)
        .await?;
    if r.rows_affected() != 1 {
        return Ok(Err(ErrorCaptcha::Usado));
    }
    let dada = huella_respuesta(llave, id, respuesta);
    Ok(if bool::from(dada.as_bytes().ct_eq(esperada.as_bytes())) {
        Ok(())
    } else {
        Err(ErrorCaptcha::Incorrecto)
    })
}

/// Drops captchas that can no longer be used.
pub async fn purgar(bd: &bd::Bd) -> sqlx::Result<u64> {
    let r = sqlx::query("DELETE FROM captchas WHERE expira < $1")
        .bind(crate::ahora() - VIGENCIA_CAPTCHA)
        .execute(bd)
        .await?;
    Ok(r.rows_affected())
}

fn demasiados(segundos: u64, mensaje: &str) -> ErrorApp {
    ErrorApp::nuevo(429, "demasiados_intentos", mensaje).con_reintento(segundos)
}

/// Takes the attempt's place under each limit (all or none), or answers 429 with the message
/// of the first limit that is full.
pub(crate) async fn tomar(
    estado: &Estado,
    limites: &[(Limite<'_>, &str)],
) -> Result<Plazas, ErrorApp> {
    let solo: Vec<Limite> = limites.iter().map(|(l, _)| *l).collect();
    match estado
        .limites
        .tomar(&solo)
        .await
        .map_err(bd::indisponible)?
    {
        Ok(plazas) => Ok(plazas),
        Err(lleno) => Err(demasiados(lleno.espera, limites[lleno.limite].1)),
    }
}

/// Gives places back; a failure to do so only errs on the safe side (the attempt counts).
async fn devolver(estado: &Estado, plazas: &[i64]) {
    if let Err(e) = estado.limites.devolver(plazas).await {
        tracing::error!(error = %e, "no se pudieron devolver plazas de un límite");
    }
}

/// Confirms places: the attempt counts. A failure to do so leaves them pending, and a place
/// pending for long counts anyway.
pub(crate) async fn confirmar(estado: &Estado, plazas: &[i64]) {
    if let Err(e) = estado.limites.confirmar(plazas).await {
        tracing::error!(error = %e, "no se pudieron confirmar plazas de un límite");
    }
}

pub(crate) const MENSAJE_CAPTCHAS: &str =
    "Pediste demasiados captchas. Espera unos minutos e inténtalo de nuevo.";
const MENSAJE_FALLOS: &str =
    "Por tu seguridad, la recuperación está detenida unos minutos por varios captchas incorrectos.";
const MENSAJE_RECUPERACIONES: &str = "Ya recuperaste tu contraseña varias veces hoy. Por tu seguridad, inténtalo de nuevo mañana o cancela la contraseña y genera una nueva con tu e.firma.";
pub(crate) const MENSAJE_CODIGOS: &str =
    "Ya te enviamos varios códigos por correo. Revisa tu bandeja o espera una hora.";

/// `n***@empresa.example`: enough to recognise one's own address.
fn enmascarar(correo: &str) -> String {
    match correo.split_once('@') {
        Some((usuario, dominio)) => {
            let primera: String = usuario.chars().take(1).collect();
            format!("{primera}***@{dominio}")
        }
        None => "tu correo registrado".into(),
    }
}

pub async fn nuevo_captcha(
    estado: &Estado,
    peticion: &Peticion,
    sesion: &SesionActiva,
    por_correo: bool,
    rol: Rol,
) -> Result<Captcha, ErrorApp> {
    let cuenta = cuentas::de_sesion(&estado.bd, sesion).await?;
    if credenciales::activa(&estado.bd, sesion.cuenta_id, rol)
        .await
        .map_err(bd::indisponible)?
        .is_none()
    {
        return Err(cancelacion::sin_contrasena_activa());
    }
    // Every captcha (and every code by email) issued counts: the places taken stay.
    let clave_sesion = format!("captcha-sesion:{}", sesion.id_hash);
    let clave_codigos = format!("captcha-correo:{}", sesion.cuenta_id);
    let mut limites = vec![(
        Limite {
            clave: &clave_sesion,
            maximo: CAPTCHAS_POR_SESION,
            ventana: VENTANA_CAPTCHA,
        },
        MENSAJE_CAPTCHAS,
    )];
    if por_correo {
        limites.push((
            Limite {
                clave: &clave_codigos,
                maximo: CODIGOS_POR_CUENTA,
                ventana: HORA,
            },
            MENSAJE_CODIGOS,
        ));
    }
    let plazas = tomar(estado, &limites).await?;
    confirmar(estado, plazas.todas()).await;
    let llave = estado.llave_captcha;
    let emitido = emitir_captcha(
        &estado.bd,
        &llave,
        &sesion.id_hash,
        UsoCaptcha::Recuperacion(rol),
    )
    .await
    .map_err(bd::indisponible)?;
    if !por_correo {
        let imagen = crate::captcha::imagen::png(&emitido.respuesta, &mut OsRng)
            .ok_or_else(ErrorApp::interno)?;
        return Ok(Captcha {
            id: emitido.id,
            imagen: Some(format!("data:image/png;base64,{}", STANDARD.encode(imagen))),
            aviso: None,
        });
    }
    // The accessible alternative: the same answer, by email, through the outbox.
    let (asunto, cuerpo) =
        correo::plantillas::codigo_de_verificacion(correo::plantillas::ParaCodigo::Recuperar);
    let mut tx = estado.bd.begin().await.map_err(bd::indisponible)?;
    correo::encolar(
        &mut tx,
        &estado.cofre,
        correo::Mensaje {
            para: &cuenta.correo,
            asunto: &asunto,
            cuerpo: &cuerpo,
            secreto: Some(&emitido.respuesta),
        },
    )
    .await
    .map_err(bd::indisponible)?;
    auditoria::registrar(
        &mut tx,
        Evento {
            evento: "codigo_recuperacion_enviado",
            cuenta_id: Some(sesion.cuenta_id),
            sujeto: Some(&cuenta.nrp),
            ip: &peticion.ip.to_string(),
            detalle: None,
        },
    )
    .await
    .map_err(bd::indisponible)?;
    tx.commit().await.map_err(bd::indisponible)?;
    estado.avisar_correo();
    Ok(Captcha {
        id: emitido.id,
        imagen: None,
        aviso: Some(format!(
            "Te enviamos un código de verificación a {}. Escríbelo en el campo del captcha; vence en 5 minutos.",
            enmascarar(&cuenta.correo)
        )),
    })
}

pub async fn recuperar(
    estado: &Estado,
    peticion: &Peticion,
    sesion: &SesionActiva,
    id: &str,
    respuesta: &str,
    rol: Rol,
) -> Result<Recuperacion, ErrorApp> {
    let cuenta = cuentas::de_sesion(&estado.bd, sesion).await?;
    let ip = peticion.ip.to_string();
    let fallos_sesion = format!("captcha-fallo-sesion:{}", sesion.id_hash);
    let fallos_cuenta = format!("captcha-fallo-cuenta:{}", sesion.cuenta_id);
    let recuperaciones = format!("recuperacion:{}", sesion.cuenta_id);
    // Places under the three limits first: a wrong answer confirms the two failure places, a
    // recovery that happens confirms the day's place; everything else is given back.
    let plazas = tomar(
        estado,
        &[
            (
                Limite {
                    clave: &fallos_sesion,
                    maximo: FALLOS_POR_SESION,
                    ventana: VENTANA_CAPTCHA,
                },
                MENSAJE_FALLOS,
            ),
            (
                Limite {
                    clave: &fallos_cuenta,
                    maximo: FALLOS_POR_CUENTA,
                    ventana: VENTANA_CAPTCHA,
                },
                MENSAJE_FALLOS,
            ),
            (
                Limite {
                    clave: &recuperaciones,
                    maximo: RECUPERACIONES_POR_DIA,
                    ventana: DIA,
                },
                MENSAJE_RECUPERACIONES,
            ),
        ],
    )
    .await?;
    let (fallos, del_dia) = ([plazas.de(0), plazas.de(1)], [plazas.de(2)]);

    let auditar = |evento: &'static str, detalle: Option<String>| {
        let ip = ip.clone();
        let nrp = cuenta.nrp.clone();
        async move {
            auditoria::registrar_aparte(
                &estado.bd,
                Evento {
                    evento,
                    cuenta_id: Some(sesion.cuenta_id),
                    sujeto: Some(&nrp),
                    ip: &ip,
                    detalle: detalle.as_deref(),
                },
            )
            .await
            .map_err(bd::indisponible)
        }
    };
    let llave = estado.llave_captcha;
    let uso = UsoCaptcha::Recuperacion(rol);
    let consumido =
        match consumir_captcha(&estado.bd, &llave, &sesion.id_hash, uso, id, respuesta).await {
            Ok(c) => c,
            Err(e) => {
                devolver(estado, plazas.todas()).await;
                return Err(bd::indisponible(e));
            }
        };
    if let Err(e) = consumido {
        // A wrong answer is a failure; an expired, used or unknown captcha is not.
        if e == ErrorCaptcha::Incorrecto {
            confirmar(estado, &fallos).await;
            devolver(estado, &del_dia).await;
        } else {
            devolver(estado, plazas.todas()).await;
        }
        auditar("captcha_rechazado", Some(e.error().codigo)).await?;
        return Err(e.error());
    }
    devolver(estado, &fallos).await;
    let recuperada = reemplazar(estado, sesion, &cuenta, &ip, rol).await;
    if recuperada.is_ok() {
        confirmar(estado, &del_dia).await;
    } else {
        devolver(estado, &del_dia).await;
    }
    recuperada
}

/// The recovery proper, once the captcha was answered: the active credential is replaced and
/// the new password leaves by email, in one transaction.
async fn reemplazar(
    estado: &Estado,
    sesion: &SesionActiva,
    cuenta: &Cuenta,
    ip: &str,
    rol: Rol,
) -> Result<Recuperacion, ErrorApp> {
    // Read through the pool before taking the transaction's connection: holding one while
    // waiting for another lets a few concurrent recoveries exhaust a small pool.
    let anterior = credenciales::activa(&estado.bd, sesion.cuenta_id, rol)
        .await
        .map_err(bd::indisponible)?
        .ok_or_else(cancelacion::sin_contrasena_activa)?;
    let mut tx = estado.bd.begin().await.map_err(bd::indisponible)?;
    let cambio = || {
        ErrorApp::nuevo(
            409,
            "contrasena_cambio",
            "Tu contraseña cambió mientras tanto (se canceló o se recuperó en otra ventana). Revisa su estado.",
        )
    };
    credenciales::terminar(&mut tx, sesion.cuenta_id, &anterior.folio, "reemplazada")
        .await
        .map_err(bd::indisponible)?
        .ok_or_else(cambio)?;
    let (nueva, contrasena) = match credenciales::emitir(
        &mut tx,
        &estado.pepper,
        sesion.cuenta_id,
        rol,
        &anterior.no_certificado,
        false,
    )
    .await
    {
        Ok(x) => x,
        Err(ErrorEmision::YaActiva) => return Err(cambio()),
        Err(ErrorEmision::Bd(e)) => {
            tracing::error!(error = %e, "recuperación de credencial");
            return Err(ErrorApp::no_disponible());
        }
    };
    let (asunto, cuerpo) =
        correo::plantillas::contrasena_recuperada(&nueva.folio, &cuenta.rfc, &cuenta.razon_social);
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
    let detalle = format!("{} -> {}", anterior.folio, nueva.folio);
    auditoria::registrar(
        &mut tx,
        Evento {
            evento: "credencial_recuperada",
            cuenta_id: Some(sesion.cuenta_id),
            sujeto: Some(&cuenta.nrp),
            ip,
            detalle: Some(&detalle),
        },
    )
    .await
    .map_err(bd::indisponible)?;
    tx.commit().await.map_err(bd::indisponible)?;
    estado.avisar_correo();
    estado.metricas.credencial_emitida(rol);
    Ok(Recuperacion { folio: nueva.folio })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn la_respuesta_se_compara_sin_espacios_ni_mayusculas() {
        let llave = [3u8; 32];
        let h = huella_respuesta(&llave, "id", "AB3C7K");
        assert_eq!(huella_respuesta(&llave, "id", " ab3 c7k "), h);
        assert_ne!(huella_respuesta(&llave, "otro", "AB3C7K"), h);
        assert_ne!(huella_respuesta(&[4u8; 32], "id", "AB3C7K"), h);
    }

    #[test]
    fn el_correo_se_enmascara() {
        assert_eq!(enmascarar("nomina@kemper.example"), "n***@kemper.example");
        assert_eq!(enmascarar("sin-arroba"), "tu correo registrado");
    }
}
