//! Portal accounts: creating them (operator CLI, demo seed) and checking a sign-in.
//! People choose portal passwords, so they are stored as argon2id (OWASP parameters).

use crate::{ahora, bd::Bd};
use anyhow::{bail, Context};
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};
use nucleo::{sesion::Cuenta, validacion};
use sqlx::Row;
use zeroize::Zeroizing;

/// Shortest portal password the operator may set.
pub const LARGO_MINIMO_CONTRASENA: usize = 12;

fn argon2() -> Argon2<'static> {
    // 19 MiB, 2 passes, 1 lane: OWASP's argon2id baseline.
    let parametros = Params::new(19 * 1024, 2, 1, None).expect("parámetros fijos válidos");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, parametros)
}

pub fn hash_contrasena(contrasena: &str) -> anyhow::Result<String> {
    let sal = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(contrasena.as_bytes(), &sal)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

/// Constant-work check: an unknown account still costs one argon2 verification, against this.
pub fn hash_senuelo() -> String {
    hash_contrasena("contraseña que nadie tiene").expect("argon2 con parámetros fijos")
}

pub fn verificar_contrasena(hash: &str, contrasena: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| argon2().verify_password(contrasena.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// A new account, as the operator describes it. Everything is validated before it is stored.
pub struct NuevaCuenta {
    pub nrp: String,
    pub rfc: String,
    pub razon_social: String,
    pub correo: String,
    pub contrasena: Zeroizing<String>,
}

pub async fn alta(bd: &Bd, nueva: NuevaCuenta) -> anyhow::Result<i64> {
    let nrp = validacion::validar_nrp(&nueva.nrp).map_err(anyhow::Error::msg)?;
    let rfc = efirma::identificadores::Rfc::parse(&nueva.rfc.trim().to_uppercase())
        .map_err(|_| anyhow::anyhow!("El RFC no es válido: 12 caracteres para persona moral o 13 para persona física, con una fecha válida."))?
        .as_str()
        .to_owned();
    let razon_social = nueva.razon_social.trim();
    if razon_social.is_empty() || razon_social.chars().count() > 254 {
        bail!("La razón social es obligatoria y tiene a lo más 254 caracteres.");
    }
    let correo = validacion::validar_correo(&nueva.correo).map_err(anyhow::Error::msg)?;
    if nueva.contrasena.chars().count() < LARGO_MINIMO_CONTRASENA
        || nueva.contrasena.len() > nucleo::sesion::LARGO_MAXIMO_CAMPO
    {
        bail!(
            "La contraseña del portal debe tener entre {LARGO_MINIMO_CONTRASENA} y 254 caracteres."
        );
    }
    let contrasena = nueva.contrasena.clone();
    let hash = tokio::task::spawn_blocking(move || hash_contrasena(&contrasena)).await??;
    let existe = sqlx::query("SELECT 1 FROM cuentas WHERE nrp = $1")
        .bind(&nrp)
        .fetch_optional(bd)
        .await?;
    if existe.is_some() {
        bail!("Ya existe una cuenta con el NRP {nrp}.");
    }
    let fila = sqlx::query(
        "INSERT INTO cuentas (nrp, rfc, razon_social, correo, contrasena_hash, creada) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(&nrp)
    .bind(&rfc)
    .bind(razon_social)
    .bind(&correo)
    .bind(&hash)
    .bind(ahora())
    .fetch_one(bd)
    .await
    .context("no se pudo guardar la cuenta")?;
    Ok(fila.try_get(0)?)
}

/// What a sign-in needs of an account.
pub struct CuentaIngreso {
    pub id: i64,
    pub correo: String,
    pub contrasena_hash: String,
}

pub async fn para_ingreso(bd: &Bd, nrp: &str) -> sqlx::Result<Option<CuentaIngreso>> {
    let fila = sqlx::query("SELECT id, correo, contrasena_hash FROM cuentas WHERE nrp = $1")
        .bind(nrp)
        .fetch_optional(bd)
        .await?;
    fila.map(|f| {
        Ok(CuentaIngreso {
            id: f.try_get(0)?,
            correo: f.try_get(1)?,
            contrasena_hash: f.try_get(2)?,
        })
    })
    .transpose()
}

pub async fn por_id(bd: &Bd, id: i64) -> sqlx::Result<Option<Cuenta>> {
    let fila = sqlx::query("SELECT nrp, rfc, razon_social, correo FROM cuentas WHERE id = $1")
        .bind(id)
        .fetch_optional(bd)
        .await?;
    fila.map(|f| {
        Ok(Cuenta {
            nrp: f.try_get(0)?,
            rfc: f.try_get(1)?,
            razon_social: f.try_get(2)?,
            correo: f.try_get(3)?,
        })
    })
    .transpose()
}

/// The account of a signed-in session, as pages need it.
pub async fn de_sesion(
    bd: &Bd,
    sesion: &nucleo::peticion::SesionActiva,
) -> Result<Cuenta, nucleo::error::ErrorApp> {
    por_id(bd, sesion.cuenta_id)
        .await
        .map_err(crate::bd::indisponible)?
        .ok_or_else(nucleo::error::ErrorApp::sesion_requerida)
}

pub async fn hay_cuentas(bd: &Bd) -> sqlx::Result<bool> {
    Ok(sqlx::query("SELECT 1 FROM cuentas LIMIT 1")
        .fetch_optional(bd)
        .await?
        .is_some())
}
