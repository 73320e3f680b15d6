//! Signing in to the Portal Empresarial (guide §1: NRP, correo electrónico, contraseña,
//! **Entrar**), throttled the way NIST SP 800-63B §5.2.2 asks, so that nobody who merely knows
//! an NRP (it is printed on payroll documents) can lock its employer out:
//!
//! - per client address: `limite_ip_intentos` failures within `bloqueo_ventana_seg` throttle
//!   the address (429 `demasiados_intentos`);
//! - per NRP *and* address: `bloqueo_intentos` failures within the window throttle that address
//!   for that NRP (429 `cuenta_bloqueada`), whoever it is;
//! - per NRP, from every address: after `bloqueo_intentos` consecutive failures every further
//!   attempt must bring a solved captcha (401 `captcha_requerido` until it does: the password is
//!   not even looked at), and only after [`BLOQUEO_DEFINITIVO`] consecutive failures, each with
//!   its solved captcha, is the NRP locked outright (429 `nrp_bloqueado`); its account's address
//!   then receives a single-use code that lifts the lock, valid [`VIGENCIA_DESBLOQUEO`] (a later
//!   attempt, captcha solved, sends a new one once it expired). "Consecutive" means since the
//!   last successful sign-in, within [`VENTANA_NRP`].
//!
//! A wrong NRP, correo or contraseña is always the same 401 `datos_incorrectos`, every rule
//! applies to any well-formed NRP, registered or not, and a sign-in captcha (drawn by the
//! server, or its accessible alternative by email) is bound to the browser that asked for it
//! and to the NRP, so it serves nothing else.

use crate::{
    auditoria::{self, Evento},
    bd, cookies, correo, cuentas,
    estado::Estado,
    limites::{clave_ip, clave_nrp, Limite, Lleno, Plazas},
    recuperacion::{self, UsoCaptcha},
    secretos,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use http::HeaderValue;
use nucleo::{
    error::ErrorApp,
    gestion::{Captcha, CAMPO_MAXIMO},
    peticion::{DatosIngreso, Peticion},
    validacion,
};
use sqlx::Row;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Consecutive failed sign-ins of one NRP, from anywhere, that lock it outright (NIST SP
/// 800-63B: at most 100).
pub const BLOQUEO_DEFINITIVO: i64 = 100;
/// How long an NRP's failures count as consecutive without a successful sign-in between them.
pub const VENTANA_NRP: i64 = 24 * 3600;
/// How long the code that lifts a lock is valid (ASVS 6.5.5: out-of-band codes live at most
/// 10 minutes). An attempt on a locked NRP after it expired sends a new one.
pub const VIGENCIA_DESBLOQUEO: i64 = 10 * 60;
/// Sign-in captchas one address may ask for within [`recuperacion::VENTANA_CAPTCHA`].
pub const CAPTCHAS_POR_DIRECCION: i64 = 30;
const LARGO_CODIGO: usize = 10;

/// The key of the per-(NRP, address) limit.
pub fn clave_par(nrp: &str, ip: &str) -> String {
    format!("par:{nrp}:{ip}")
}

/// What binds a sign-in captcha to the browser that asked for it: the hash of the page's CSRF
/// token, itself derived from that browser's random `__Host-csrf` cookie.
pub fn vinculo_navegador(csrf: &str) -> String {
    format!("navegador:{}", secretos::huella(csrf))
}

fn datos_incorrectos() -> ErrorApp {
    ErrorApp::nuevo(
        401,
        "datos_incorrectos",
        "Los datos de acceso no son correctos. Verifica tu NRP, tu correo electrónico y tu contraseña.",
    )
}

fn direccion_limitada(espera: u64) -> ErrorApp {
    ErrorApp::nuevo(
        429,
        "demasiados_intentos",
        "Hubo demasiados intentos de ingreso desde tu conexión. Espera unos minutos e intenta de nuevo.",
    )
    .con_reintento(espera)
}

fn par_limitado(espera: u64) -> ErrorApp {
    let minutos = espera.div_ceil(60);
    ErrorApp::nuevo(
        429,
        "cuenta_bloqueada",
        &format!(
            "Por tu seguridad, el ingreso con este NRP está bloqueado temporalmente por varios intentos fallidos. Intenta de nuevo en {minutos} minuto{}.",
            if minutos == 1 { "" } else { "s" }
        ),
    )
    .con_reintento(espera)
}

fn captcha_requerido() -> ErrorApp {
    ErrorApp::nuevo(
        401,
        "captcha_requerido",
        "Por tu seguridad, para ingresar con este NRP escribe también el captcha que se muestra en la pantalla.",
    )
}

fn nrp_bloqueado(espera: u64) -> ErrorApp {
    ErrorApp::nuevo(
        429,
        "nrp_bloqueado",
        "Por tu seguridad, el ingreso con este NRP está bloqueado por muchos intentos fallidos seguidos. Si el NRP está registrado, enviamos a su correo electrónico un código de desbloqueo: escríbelo en «Código de desbloqueo» junto con tus datos.",
    )
    .con_reintento(espera)
}

fn codigo_incorrecto() -> ErrorApp {
    ErrorApp::nuevo(
        422,
        "codigo_desbloqueo_incorrecto",
        "El código de desbloqueo no es correcto o ya venció. Escribe el del correo más reciente.",
    )
}

/// Gives places back; a failure to do so only errs on the safe side (the attempt counts).
async fn devolver(e: &Estado, plazas: &Plazas) {
    if let Err(error) = e.limites.devolver(plazas.todas()).await {
        tracing::error!(error = %error, "no se pudieron devolver plazas de un límite");
    }
}

/// The identity of the code that lifts `nrp`'s lock, in its keyed hash.
fn huella_codigo(e: &Estado, nrp: &str, codigo: &str) -> String {
    recuperacion::huella_respuesta(&e.llave_captcha, &format!("desbloqueo:{nrp}"), codigo)
}

struct Intento<'a> {
    e: &'a Estado,
    nrp: String,
    ip: String,
}

impl Intento<'_> {
    async fn auditar(
        &self,
        evento: &'static str,
        cuenta_id: Option<i64>,
        detalle: Option<&str>,
    ) -> Result<(), ErrorApp> {
        auditoria::registrar_aparte(
            &self.e.bd,
            Evento {
                evento,
                cuenta_id,
                sujeto: Some(&self.nrp),
                ip: &self.ip,
                detalle,
            },
        )
        .await
        .map_err(bd::indisponible)
    }

    /// Takes the attempt's places, or answers the refusal of the first full limit (each
    /// refusal audited). `limites`: address, pair, and optionally the NRP's.
    async fn tomar(&self, limites: &[Limite<'_>], con_captcha: bool) -> Result<Plazas, ErrorApp> {
        let lleno = match self
            .e
            .limites
            .tomar(limites)
            .await
            .map_err(bd::indisponible)?
        {
            Ok(plazas) => return Ok(plazas),
            Err(lleno) => lleno,
        };
        let (detalle, error) = match lleno {
            Lleno { limite: 0, espera } => ("limite_por_direccion", direccion_limitada(espera)),
            Lleno { limite: 1, espera } => ("nrp_bloqueado", par_limitado(espera)),
            Lleno { .. } if !con_captcha => ("captcha_requerido", captcha_requerido()),
            Lleno { espera, .. } => ("bloqueo_definitivo", nrp_bloqueado(espera)),
        };
        self.auditar("ingreso_rechazado", None, Some(detalle))
            .await?;
        if detalle == "bloqueo_definitivo" {
            // Someone who solved a captcha knocks on a locked NRP: if the last code expired,
            // the account's address gets a fresh one (so at most one per code's lifetime).
            self.avisar_bloqueo().await?;
        }
        Err(error)
    }

    /// The unlock code, checked under the address's and the pair's limits (a wrong code counts
    /// as a failure there): when right, it is spent and the NRP's failures are forgotten.
    async fn desbloquear(&self, limites: &[Limite<'_>], codigo: &str) -> Result<(), ErrorApp> {
        let e = self.e;
        let plazas = self.tomar(limites, false).await?;
        let dada = huella_codigo(e, &self.nrp, codigo);
        let fila = sqlx::query("SELECT codigo_hash, expira FROM desbloqueos WHERE nrp = $1")
            .bind(&self.nrp)
            .fetch_optional(&e.bd)
            .await;
        let vigente = match fila {
            Ok(fila) => fila.is_some_and(|f| {
                let guardada: String = f.try_get(0).unwrap_or_default();
                let expira: i64 = f.try_get(1).unwrap_or(0);
                bool::from(guardada.as_bytes().ct_eq(dada.as_bytes())) && crate::ahora() <= expira
            }),
            Err(error) => {
                devolver(e, &plazas).await;
                return Err(bd::indisponible(error));
            }
        };
        let gastado = vigente
            && sqlx::query("DELETE FROM desbloqueos WHERE nrp = $1 AND codigo_hash = $2")
                .bind(&self.nrp)
                .bind(&dada)
                .execute(&e.bd)
                .await
                .map_err(bd::indisponible)?
                .rows_affected()
                == 1;
        if !gastado {
            e.limites
                .confirmar(plazas.todas())
                .await
                .map_err(bd::indisponible)?;
            self.auditar(
                "ingreso_rechazado",
                None,
                Some("codigo_desbloqueo_incorrecto"),
            )
            .await?;
            return Err(codigo_incorrecto());
        }
        devolver(e, &plazas).await;
        e.limites
            .olvidar(&clave_nrp(&self.nrp))
            .await
            .map_err(bd::indisponible)?;
        self.auditar("nrp_desbloqueado", None, None).await
    }

    /// The NRP is locked (it has just reached [`BLOQUEO_DEFINITIVO`], or an attempt found it
    /// so): its account's address (if the NRP is registered) receives the code that lifts the
    /// lock — unless a code sent earlier is still valid, so a burst sends one email.
    async fn avisar_bloqueo(&self) -> Result<(), ErrorApp> {
        let e = self.e;
        let Some(cuenta) = cuentas::para_ingreso(&e.bd, &self.nrp)
            .await
            .map_err(bd::indisponible)?
        else {
            return Ok(());
        };
        let crudo = recuperacion::respuesta_aleatoria(LARGO_CODIGO);
        let codigo = Zeroizing::new(format!("{}-{}", &crudo[..5], &crudo[5..]));
        let momento = crate::ahora();
        let mut tx = e.bd.begin().await.map_err(bd::indisponible)?;
        let nuevo = sqlx::query(
            "INSERT INTO desbloqueos (nrp, codigo_hash, creado, expira) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (nrp) DO UPDATE SET codigo_hash = excluded.codigo_hash, \
             creado = excluded.creado, expira = excluded.expira WHERE desbloqueos.expira < $3",
        )
        .bind(&self.nrp)
        .bind(huella_codigo(e, &self.nrp, &codigo))
        .bind(momento)
        .bind(momento + VIGENCIA_DESBLOQUEO)
        .execute(&mut *tx)
        .await
        .map_err(bd::indisponible)?
        .rows_affected()
            == 1;
        if !nuevo {
            return Ok(());
        }
        let (asunto, cuerpo) = correo::plantillas::codigo_de_desbloqueo(&self.nrp);
        correo::encolar(
            &mut tx,
            &e.cofre,
            correo::Mensaje {
                para: &cuenta.correo,
                asunto: &asunto,
                cuerpo: &cuerpo,
                secreto: Some(&codigo),
            },
        )
        .await
        .map_err(bd::indisponible)?;
        auditoria::registrar(
            &mut tx,
            Evento {
                evento: "desbloqueo_enviado",
                cuenta_id: Some(cuenta.id),
                sujeto: Some(&self.nrp),
                ip: &self.ip,
                detalle: None,
            },
        )
        .await
        .map_err(bd::indisponible)?;
        tx.commit().await.map_err(bd::indisponible)?;
        e.avisar_correo();
        Ok(())
    }
}

/// Checks the account's credentials (and the captcha or unlock code the NRP's state asks for)
/// and opens a new session. Answers the `Set-Cookie` headers that carry it.
pub async fn iniciar_sesion(
    e: &Estado,
    peticion: &Peticion,
    datos: DatosIngreso,
) -> Result<Vec<HeaderValue>, ErrorApp> {
    let nrp = validacion::validar_nrp(&datos.nrp).map_err(ErrorApp::solicitud_invalida)?;
    let correo = validacion::validar_correo(&datos.correo).map_err(ErrorApp::solicitud_invalida)?;
    validacion::validar_contrasena(&datos.contrasena).map_err(ErrorApp::solicitud_invalida)?;
    let contrasena = Zeroizing::new(datos.contrasena);
    let extras = [&datos.captcha_id, &datos.captcha, &datos.codigo_desbloqueo];
    if extras.iter().any(|t| t.len() > CAMPO_MAXIMO) {
        return Err(ErrorApp::solicitud_invalida(
            "El captcha o el código escrito es demasiado largo. Revisa lo que escribiste.",
        ));
    }
    let con_captcha = !datos.captcha_id.trim().is_empty();
    if con_captcha && datos.captcha.trim().is_empty() {
        return Err(ErrorApp::nuevo(
            422,
            "captcha_vacio",
            "Escribe el captcha que se muestra en la pantalla.",
        ));
    }
    let intento = Intento {
        e,
        nrp,
        ip: peticion.ip.to_string(),
    };
    let (por_ip, por_par, por_nrp) = (
        clave_ip(&intento.ip),
        clave_par(&intento.nrp, &intento.ip),
        clave_nrp(&intento.nrp),
    );
    let de_ingreso = [
        e.limites.de_ingreso(&por_ip, e.limites.intentos_ip),
        e.limites.de_ingreso(&por_par, e.limites.intentos),
    ];
    if !datos.codigo_desbloqueo.trim().is_empty() {
        intento
            .desbloquear(&de_ingreso, &datos.codigo_desbloqueo)
            .await?;
    }

    // The attempt takes its place under every limit first; a right sign-in gives them back.
    // Without a captcha the NRP's room ends where the captcha begins.
    let por_nrp_limite = Limite {
        clave: &por_nrp,
        maximo: if con_captcha {
            BLOQUEO_DEFINITIVO
        } else {
            e.limites.intentos
        },
        ventana: VENTANA_NRP,
    };
    let limites = [de_ingreso[0], de_ingreso[1], por_nrp_limite];
    let plazas = intento.tomar(&limites, con_captcha).await?;
    if con_captcha {
        let consumido = recuperacion::consumir_captcha(
            &e.bd,
            &e.llave_captcha,
            &vinculo_navegador(&peticion.csrf),
            UsoCaptcha::Ingreso(&intento.nrp),
            datos.captcha_id.trim(),
            &datos.captcha,
        )
        .await;
        let rechazo = match consumido {
            Ok(Ok(())) => None,
            Ok(Err(rechazo)) => Some(rechazo.error()),
            Err(error) => {
                devolver(e, &plazas).await;
                return Err(bd::indisponible(error));
            }
        };
        if let Some(rechazo) = rechazo {
            devolver(e, &plazas).await;
            intento
                .auditar("captcha_rechazado", None, Some(&rechazo.codigo))
                .await?;
            return Err(rechazo);
        }
    }

    let cuenta = cuentas::para_ingreso(&e.bd, &intento.nrp)
        .await
        .map_err(bd::indisponible)?;
    let (hash, cuenta) = match cuenta {
        Some(c) => (c.contrasena_hash.clone(), Some(c)),
        None => (e.senuelo.clone(), None),
    };
    let clave = contrasena.clone();
    let contrasena_valida =
        tokio::task::spawn_blocking(move || cuentas::verificar_contrasena(&hash, &clave))
            .await
            .map_err(|_| ErrorApp::interno())?;
    let cuenta = cuenta.filter(|c| contrasena_valida && c.correo.eq_ignore_ascii_case(&correo));

    let Some(cuenta) = cuenta else {
        e.limites
            .confirmar(plazas.todas())
            .await
            .map_err(bd::indisponible)?;
        intento
            .auditar("ingreso_fallido", None, Some("datos_incorrectos"))
            .await?;
        if con_captcha
            && e.limites
                .fallos(&limites[2])
                .await
                .map_err(bd::indisponible)?
                >= BLOQUEO_DEFINITIVO
        {
            intento.avisar_bloqueo().await?;
        }
        return Err(datos_incorrectos());
    };

    devolver(e, &plazas).await;
    for clave in [&por_nrp, &por_par] {
        e.limites.olvidar(clave).await.map_err(bd::indisponible)?;
    }
    // Session rotation: whatever session this browser had ends here.
    if let Some(anterior) = &peticion.sesion {
        e.sesiones
            .cerrar(&anterior.id_hash)
            .await
            .map_err(bd::indisponible)?;
    }
    let token = e
        .sesiones
        .abrir(cuenta.id, &intento.ip)
        .await
        .map_err(bd::indisponible)?;
    intento
        .auditar("ingreso_exitoso", Some(cuenta.id), None)
        .await?;
    Ok(vec![
        cookies::crear(cookies::SESION, &token, None),
        cookies::crear(cookies::CSRF, &secretos::token_aleatorio(), None),
    ])
}

/// A captcha for signing in with `nrp` from this browser (`por_correo`: the accessible
/// alternative, a code sent to the NRP's registered address — the answer does not say whether
/// there is one).
pub async fn nuevo_captcha(
    e: &Estado,
    peticion: &Peticion,
    nrp: &str,
    por_correo: bool,
) -> Result<Captcha, ErrorApp> {
    let nrp = validacion::validar_nrp(nrp).map_err(ErrorApp::solicitud_invalida)?;
    let ip = peticion.ip.to_string();
    let (por_ip, por_nrp) = (
        format!("captcha-ingreso-ip:{ip}"),
        format!("captcha-correo-nrp:{nrp}"),
    );
    let mut limites = vec![(
        Limite {
            clave: &por_ip,
            maximo: CAPTCHAS_POR_DIRECCION,
            ventana: recuperacion::VENTANA_CAPTCHA,
        },
        recuperacion::MENSAJE_CAPTCHAS,
    )];
    if por_correo {
        limites.push((
            Limite {
                clave: &por_nrp,
                maximo: recuperacion::CODIGOS_POR_CUENTA,
                ventana: 3600,
            },
            recuperacion::MENSAJE_CODIGOS,
        ));
    }
    // Every captcha (and every code by email) issued counts: the places taken stay.
    let plazas = recuperacion::tomar(e, &limites).await?;
    recuperacion::confirmar(e, plazas.todas()).await;
    let emitido = recuperacion::emitir_captcha(
        &e.bd,
        &e.llave_captcha,
        &vinculo_navegador(&peticion.csrf),
        UsoCaptcha::Ingreso(&nrp),
    )
    .await
    .map_err(bd::indisponible)?;
    if !por_correo {
        let imagen = crate::captcha::imagen::png(&emitido.respuesta, &mut rand::rngs::OsRng)
            .ok_or_else(ErrorApp::interno)?;
        return Ok(Captcha {
            id: emitido.id,
            imagen: Some(format!("data:image/png;base64,{}", STANDARD.encode(imagen))),
            aviso: None,
        });
    }
    if let Some(cuenta) = cuentas::para_ingreso(&e.bd, &nrp)
        .await
        .map_err(bd::indisponible)?
    {
        let (asunto, cuerpo) =
            correo::plantillas::codigo_de_verificacion(correo::plantillas::ParaCodigo::Ingresar);
        let mut tx = e.bd.begin().await.map_err(bd::indisponible)?;
        correo::encolar(
            &mut tx,
            &e.cofre,
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
                evento: "codigo_ingreso_enviado",
                cuenta_id: Some(cuenta.id),
                sujeto: Some(&nrp),
                ip: &ip,
                detalle: None,
            },
        )
        .await
        .map_err(bd::indisponible)?;
        tx.commit().await.map_err(bd::indisponible)?;
        e.avisar_correo();
    }
    Ok(Captcha {
        id: emitido.id,
        imagen: None,
        aviso: Some(
            "Si el NRP está registrado, enviamos un código de verificación a su correo electrónico. Escríbelo en el campo del captcha; vence en 5 minutos."
                .into(),
        ),
    })
}
