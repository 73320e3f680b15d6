//! The employer's side of the guide's steps over HTTP, as the browser performs them, with SAT's
//! real test FIEL signed natively (the browser signs the same bytes with WebCrypto).

use super::Navegador;
use base64::{engine::general_purpose::STANDARD, Engine};
use efirma::{Algoritmo, Credencial};

/// The RFC of SAT's test FIEL.
pub const RFC: &str = "EKU9003173C9";
pub const RAZON_SOCIAL: &str = "ESCUELA KEMPER URGATE SA DE CV";

pub fn sat(ruta: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/sat")
        .join(ruta)
}

/// SAT's test FIEL for RFC EKU9003173C9, opened.
pub fn fiel() -> Credencial {
    let leer = |r: &str| std::fs::read(sat(r)).expect("fixture del SAT");
    Credencial::abrir(
        &leer("EKU9003173C9/fiel.cer"),
        &leer("EKU9003173C9/fiel.key"),
        b"12345678a",
    )
    .expect("FIEL de pruebas")
}

/// Validar (a signed challenge) and Continuar (the signed Terms): the folio of the new
/// credential, or the error answer. Any transport error (a server that died) is an `Err` too.
pub async fn generar(
    n: &mut Navegador,
    fiel: &Credencial,
    reemplazar: bool,
) -> Result<String, String> {
    let reto = reto(n, fiel).await?;
    let cadena = validar(n, fiel, &reto, reemplazar).await?;
    firmar(n, fiel, &cadena).await
}

/// The challenge the server hands out once the Terms are accepted.
pub async fn reto(n: &mut Navegador, fiel: &Credencial) -> Result<String, String> {
    let r = n
        .post_form_intento(
            "/api/generacion/reto",
            &[
                ("no_certificado", fiel.certificado().no_certificado()),
                ("acepto_terminos", "true"),
            ],
        )
        .await?;
    respuesta(r).await
}

/// The challenge signed (RSA-PSS) and sent with the certificate: the cadena original to sign.
pub async fn validar(
    n: &mut Navegador,
    fiel: &Credencial,
    reto: &str,
    reemplazar: bool,
) -> Result<String, String> {
    let firma = fiel
        .firmar(reto.as_bytes(), Algoritmo::PssSha256)
        .expect("firma");
    let cer = STANDARD.encode(fiel.certificado().der());
    let r = n
        .post_form_intento(
            "/api/generacion/validar",
            &[
                ("certificado", cer.as_str()),
                ("cadena", reto),
                ("firma", &STANDARD.encode(firma)),
                ("reemplazar", if reemplazar { "true" } else { "false" }),
                ("rol", "patron"),
            ],
        )
        .await?;
    let solicitud: serde_json::Value = respuesta(r).await?;
    solicitud["cadena_original"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("sin cadena original: {solicitud}"))
}

/// The cadena original sealed (PKCS#1 v1.5): the folio of the new credential.
pub async fn firmar(n: &mut Navegador, fiel: &Credencial, cadena: &str) -> Result<String, String> {
    let sello = fiel
        .firmar(cadena.as_bytes(), Algoritmo::Pkcs1v15Sha256)
        .expect("sello");
    let r = n
        .post_form_intento(
            "/api/generacion/firmar",
            &[
                (
                    "certificado",
                    STANDARD.encode(fiel.certificado().der()).as_str(),
                ),
                ("cadena", cadena),
                ("sello", &STANDARD.encode(sello)),
            ],
        )
        .await?;
    let emision: serde_json::Value = respuesta(r).await?;
    emision["folio"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("sin folio: {emision}"))
}

/// Cancelar contraseña, after the dialog's Aceptar.
pub async fn cancelar(n: &mut Navegador, folio: &str) -> Result<(), String> {
    let r = n
        .post_form_intento("/api/generacion/cancelar", &[("folio", folio)])
        .await?;
    respuesta::<serde_json::Value>(r).await.map(|_| ())
}

async fn respuesta<T: serde::de::DeserializeOwned>(r: reqwest::Response) -> Result<T, String> {
    let estado = r.status();
    let texto = r.text().await.map_err(|e| e.to_string())?;
    if !estado.is_success() {
        return Err(format!("{estado}: {texto}"));
    }
    serde_json::from_str(&texto).map_err(|e| format!("{e}: {texto}"))
}
