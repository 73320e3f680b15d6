//! The e.firma inside the browser (DESIGN §4), behind a small async API so pages never touch
//! `web_sys`: read the chosen `.cer` and `.key`, derive the key's cipher key from the password
//! with the browser's own PBKDF2 (WebCrypto `deriveBits`: native code, where wasm's PBKDF2 ran in
//! the baseline tier), decrypt the key in wasm (WebCrypto has no 3DES), check the pair, import it
//! into WebCrypto as **non-extractable** keys, and wipe every copy of the password's bytes, the
//! derived key and the decrypted key. From then on only WebCrypto holds the key; it signs what the
//! page asks. Nothing here sends or stores the `.key` or its password.
//!
//! Each step leaves a `performance.measure` entry (`efirma:leer`, `efirma:derivar`,
//! `efirma:descifrar`, `efirma:importar`, `efirma:firmar`) so the browser benchmark can split the
//! time without instrumenting the page.
//!
//! Files are read with `Blob.arrayBuffer()` rather than `gloo-file`: gloo's reader hands back a
//! copy and keeps the JS buffer out of reach, and the `.key`'s JS buffer must be overwritten here.

use efirma::Error;

/// Largest file accepted, as on the server.
pub const ARCHIVO_MAXIMO: f64 = 64.0 * 1024.0;

/// Why the e.firma could not be used, in words for the employer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problema(pub String);

impl From<Error> for Problema {
    fn from(e: Error) -> Self {
        Problema(e.mensaje().to_owned())
    }
}

fn problema(texto: &str) -> Problema {
    Problema(texto.to_owned())
}

/// The algorithm a signature is made with (DESIGN §4: PSS for challenges, PKCS#1 v1.5 for the
/// sello over a cadena original).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uso {
    Reto,
    Sello,
}

#[cfg(target_arch = "wasm32")]
pub use en_wasm::*;

#[cfg(target_arch = "wasm32")]
mod en_wasm {
    use super::*;
    use efirma::{Certificado, Derivacion, LlavePrivada};
    use js_sys::{Array, Object, Reflect, Uint8Array};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{CryptoKey, File};
    use zeroize::Zeroizing;

    /// An opened e.firma: its public certificate and the private key, held by WebCrypto only.
    #[derive(Clone)]
    pub struct EfirmaAbierta {
        pub certificado: Vec<u8>,
        pub no_certificado: String,
        pub rfc: String,
        pss: CryptoKey,
        pkcs1: CryptoKey,
    }

    /// A file read as soon as it was chosen, with what identifies the chosen file.
    struct Leido {
        /// The field: ".CER" or ".KEY".
        campo: &'static str,
        nombre: String,
        tamano: f64,
        modificado: f64,
        bytes: Zeroizing<Vec<u8>>,
    }

    impl Leido {
        fn es(&self, archivo: &File, campo: &str) -> bool {
            self.campo == campo
                && self.nombre == archivo.name()
                && self.tamano == archivo.size()
                && self.modificado == archivo.last_modified()
        }
    }

    std::thread_local! {
        /// Files read as soon as they were chosen ([`leer_de_antemano`]), one per field. The
        /// `.key` here is the encrypted file; every entry is wiped when taken, replaced or
        /// dropped.
        static DE_ANTEMANO: std::cell::RefCell<Vec<Leido>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }

    fn guardar(archivo: &File, campo: &'static str, bytes: Zeroizing<Vec<u8>>) {
        DE_ANTEMANO.with_borrow_mut(|leidos| {
            leidos.retain(|l| l.campo != campo);
            leidos.push(Leido {
                campo,
                nombre: archivo.name(),
                tamano: archivo.size(),
                modificado: archivo.last_modified(),
                bytes,
            });
        });
    }

    /// Reads a chosen `.cer` or `.key` as soon as it is chosen, so that the click on Validar does
    /// not wait for the browser's file I/O (about 13 ms for the two files, measured). A file that
    /// cannot be read is left for the click to report.
    pub async fn leer_de_antemano(archivo: File, nombre: &'static str) {
        if let Ok(bytes) = leer_del_disco(&archivo, nombre).await {
            guardar(&archivo, nombre, bytes);
        }
    }

    /// The chosen file's bytes: those read when it was chosen (taken, so used once), or read now.
    async fn leer(archivo: &File, campo: &str) -> Result<Zeroizing<Vec<u8>>, Problema> {
        let previo = DE_ANTEMANO.with_borrow_mut(|leidos| {
            let i = leidos.iter().position(|l| l.es(archivo, campo))?;
            Some(leidos.swap_remove(i).bytes)
        });
        match previo {
            Some(bytes) => Ok(bytes),
            None => leer_del_disco(archivo, campo).await,
        }
    }

    async fn leer_del_disco(archivo: &File, nombre: &str) -> Result<Zeroizing<Vec<u8>>, Problema> {
        if archivo.size() > ARCHIVO_MAXIMO {
            return Err(problema(&format!(
                "El archivo {nombre} pesa más de 64 KB: no es un archivo de e.firma. Elige el archivo {nombre} que te entregó el SAT."
            )));
        }
        if archivo.size() == 0.0 {
            return Err(problema(&format!(
                "El archivo {nombre} está vacío. Elige el archivo {nombre} de tu e.firma."
            )));
        }
        let promesa = archivo.array_buffer();
        let buffer = JsFuture::from(promesa).await.map_err(|_| {
            problema(&format!(
                "No se pudo leer el archivo {nombre}. Vuelve a seleccionarlo."
            ))
        })?;
        let vista = Uint8Array::new(&buffer);
        let bytes = Zeroizing::new(vista.to_vec());
        vista.fill(0, 0, vista.length());
        Ok(bytes)
    }

    fn marcar(nombre: &str) {
        if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
            let _ = p.mark(nombre);
        }
    }

    fn medir(nombre: &str, desde: &str, hasta: &str) {
        if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
            let _ = p.measure_with_start_mark_and_end_mark(nombre, desde, hasta);
        }
    }

    /// Files dropped onto the e.firma form go to their fields by extension — `.cer`/`.crt` to the
    /// `.CER` field, `.key` to the `.KEY` field — as if chosen there (a `change` event follows, so
    /// the name shows and the read-ahead starts). Anything else is left out; the fields then say
    /// what is still missing.
    pub fn repartir_soltados(
        ev: &web_sys::DragEvent,
        cer: &web_sys::HtmlInputElement,
        key: &web_sys::HtmlInputElement,
    ) {
        let Some(archivos) = ev.data_transfer().and_then(|d| d.files()) else {
            return;
        };
        for i in 0..archivos.length() {
            let Some(archivo) = archivos.get(i) else {
                continue;
            };
            let nombre = archivo.name().to_lowercase();
            let destino = if nombre.ends_with(".cer") || nombre.ends_with(".crt") {
                cer
            } else if nombre.ends_with(".key") {
                key
            } else {
                continue;
            };
            let Ok(uno) = web_sys::DataTransfer::new() else {
                continue;
            };
            if uno.items().add_with_file(&archivo).is_err() {
                continue;
            }
            destino.set_files(uno.files().as_ref());
            let init = web_sys::EventInit::new();
            init.set_bubbles(true);
            if let Ok(cambio) = web_sys::Event::new_with_event_init_dict("change", &init) {
                let _ = destino.dispatch_event(&cambio);
            }
        }
    }

    /// Milliseconds since the epoch, by the browser's clock.
    pub fn ahora_ms() -> f64 {
        js_sys::Date::now()
    }

    /// The certificate number of a chosen `.cer`, or `None` if it cannot be read as one (the
    /// click on Validar then says why).
    /// The `.cer`'s bytes are kept for the click ([`leer_de_antemano`]).
    #[cfg_attr(feature = "dividido", leptos::lazy)]
    pub async fn numero_de_certificado(cer: File) -> Option<String> {
        let cer = &cer;
        let bytes = leer_del_disco(cer, ".CER").await.ok()?;
        let numero = Certificado::parse(&bytes)
            .ok()
            .map(|c| c.no_certificado().to_owned());
        guardar(cer, ".CER", bytes);
        numero
    }

    fn ahora_unix() -> i64 {
        (js_sys::Date::now() / 1000.0) as i64
    }

    fn algoritmo(nombre: &str, con_sal: bool) -> Object {
        let o = Object::new();
        let _ = Reflect::set(&o, &"name".into(), &nombre.into());
        if con_sal {
            // efirma's verifier expects a 32-byte salt (the hash length).
            let _ = Reflect::set(&o, &"saltLength".into(), &JsValue::from(32));
        } else {
            let _ = Reflect::set(&o, &"hash".into(), &"SHA-256".into());
        }
        o
    }

    fn sutil() -> Result<web_sys::SubtleCrypto, Problema> {
        web_sys::window()
            .and_then(|w| w.crypto().ok())
            .map(|c| c.subtle())
            .ok_or_else(|| {
                problema("Tu navegador no permite usar la e.firma en esta página. Usa una versión reciente de Chrome, Edge, Firefox o Safari.")
            })
    }

    async fn importar(
        sutil: &web_sys::SubtleCrypto,
        pkcs8: &Uint8Array,
        nombre: &str,
    ) -> Result<CryptoKey, Problema> {
        let usos = Array::of1(&"sign".into());
        let promesa = sutil
            .import_key_with_object("pkcs8", pkcs8, &algoritmo(nombre, false), false, &usos)
            .map_err(|_| problema("Tu navegador no pudo preparar la e.firma para firmar."))?;
        let llave = JsFuture::from(promesa)
            .await
            .map_err(|_| problema("Tu navegador no pudo preparar la e.firma para firmar."))?;
        llave
            .dyn_into::<CryptoKey>()
            .map_err(|_| problema("Tu navegador no pudo preparar la e.firma para firmar."))
    }

    /// PBKDF2 by WebCrypto. `None` if the browser cannot (then wasm derives): the caller falls
    /// back, so this never decides what the employer is told.
    async fn derivar(d: &Derivacion, contrasena: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let sutil = sutil().ok()?;
        let clave = Uint8Array::from(contrasena);
        let importada = sutil
            .import_key_with_str(
                "raw",
                &clave,
                "PBKDF2",
                false,
                &Array::of1(&"deriveBits".into()),
            )
            .ok()
            .map(JsFuture::from);
        let base = match importada {
            Some(p) => p.await.ok(),
            None => None,
        };
        clave.fill(0, 0, clave.length());
        let base = base?.dyn_into::<CryptoKey>().ok()?;
        let alg = Object::new();
        let _ = Reflect::set(&alg, &"name".into(), &"PBKDF2".into());
        let _ = Reflect::set(&alg, &"hash".into(), &d.hash.nombre_webcrypto().into());
        let _ = Reflect::set(&alg, &"salt".into(), &Uint8Array::from(d.sal.as_slice()));
        let _ = Reflect::set(&alg, &"iterations".into(), &JsValue::from(d.iteraciones));
        let bits = sutil
            .derive_bits_with_object(&alg, &base, (d.largo * 8) as u32)
            .ok()?;
        let bits = JsFuture::from(bits).await.ok()?;
        let vista = Uint8Array::new(&bits);
        let llave = Zeroizing::new(vista.to_vec());
        vista.fill(0, 0, vista.length());
        (llave.len() == d.largo).then_some(llave)
    }

    /// Runs when the e.firma form is shown. With `cargo leptos --split --lib-features dividido` it
    /// loads the e.firma's wasm (certificate, key, ASN.1 and 3DES: `abrir` and
    /// `numero_de_certificado` are `#[lazy]`), so the first download of every other page is
    /// lighter and the employer never waits for it.
    pub async fn preparar() {
        #[cfg(feature = "dividido")]
        {
            __preload_numero_de_certificado().await;
            __preload_abrir().await;
        }
    }

    /// The `.key` opened with its password: PBKDF2 by the browser where the file's scheme allows
    /// it (SAT's PBES2), by wasm otherwise. As `efirma` does, the password is tried as typed, then
    /// without blanks at either end (a password copied with a trailing space is the usual slip).
    async fn descifrar(key: &[u8], contrasena: &str) -> Result<LlavePrivada, Error> {
        marcar("efirma:derivar-inicio");
        let Ok(derivacion) = LlavePrivada::derivacion(key) else {
            marcar("efirma:derivado");
            return LlavePrivada::descifrar(key, contrasena.as_bytes());
        };
        let mut resultado = Err(Error::ContrasenaIncorrecta);
        for intento in efirma::contrasenas_a_probar(contrasena.as_bytes()) {
            let Some(llave) = derivar(&derivacion, intento).await else {
                // No PBKDF2 in this browser: wasm does all of it, trimming included.
                marcar("efirma:derivado");
                return LlavePrivada::descifrar(key, contrasena.as_bytes());
            };
            marcar("efirma:derivado");
            resultado = LlavePrivada::descifrar_con_llave_derivada(key, &llave);
            if resultado.as_ref().err() != Some(&Error::ContrasenaIncorrecta) {
                break;
            }
        }
        resultado
    }

    /// Opens the e.firma from the chosen files and its password, checking locally everything
    /// that can be checked without the SAT: the files are what they claim, the certificate is a
    /// FIEL in force, the password opens the key and the key is the certificate's.
    #[cfg_attr(feature = "dividido", leptos::lazy)]
    pub async fn abrir(
        cer: Option<File>,
        key: Option<File>,
        contrasena: Zeroizing<String>,
    ) -> Result<EfirmaAbierta, Problema> {
        let (Some(cer), Some(key)) = (cer, key) else {
            return Err(problema(
                "Adjunta el archivo .CER y el archivo .KEY de tu e.firma.",
            ));
        };
        if contrasena.is_empty() {
            return Err(problema(
                "Escribe la contraseña de la Firma electrónica avanzada.",
            ));
        }
        marcar("efirma:inicio");
        let cer_bytes = leer(&cer, ".CER").await?;
        let key_bytes = leer(&key, ".KEY").await?;
        marcar("efirma:leido");
        let certificado = match Certificado::parse(&cer_bytes) {
            Ok(c) => c,
            // The two files swapped is the most common slip: say so. (A `.req` or a `.pfx`
            // has its own message from efirma.)
            Err(Error::NoEsCertificado)
                if LlavePrivada::descifrar(&cer_bytes, b"")
                    .is_err_and(|e| e != Error::NoEsLlavePrivada) =>
            {
                return Err(problema("Adjuntaste la clave privada (.KEY) donde va el certificado (.CER). Revisa qué archivo va en cada campo."));
            }
            Err(e) => return Err(e.into()),
        };
        if Certificado::parse(&key_bytes).is_ok() {
            return Err(problema("Adjuntaste el certificado (.CER) donde va la clave privada (.KEY). Revisa qué archivo va en cada campo."));
        }
        certificado.validar_perfil_fiel()?;
        certificado.validar_vigencia(ahora_unix())?;
        let llave = descifrar(&key_bytes, &contrasena).await?;
        drop(contrasena);
        if !llave.corresponde_a(&certificado) {
            return Err(Error::LlaveNoCorresponde.into());
        }
        marcar("efirma:descifrado");

        let sutil = sutil()?;
        let pkcs8 = llave.pkcs8_der();
        drop(llave);
        let copia = Uint8Array::from(pkcs8.as_slice());
        drop(pkcs8);
        let llaves = async {
            let pss = importar(&sutil, &copia, "RSA-PSS").await?;
            let pkcs1 = importar(&sutil, &copia, "RSASSA-PKCS1-v1_5").await?;
            Ok::<_, Problema>((pss, pkcs1))
        }
        .await;
        // The JS copy of the decrypted key is overwritten whatever happened.
        copia.fill(0, 0, copia.length());
        let (pss, pkcs1) = llaves?;
        marcar("efirma:importado");
        medir("efirma:leer", "efirma:inicio", "efirma:leido");
        medir(
            "efirma:certificado",
            "efirma:leido",
            "efirma:derivar-inicio",
        );
        medir("efirma:derivar", "efirma:derivar-inicio", "efirma:derivado");
        medir("efirma:descifrar", "efirma:derivado", "efirma:descifrado");
        medir("efirma:importar", "efirma:descifrado", "efirma:importado");

        Ok(EfirmaAbierta {
            certificado: certificado.der().to_vec(),
            no_certificado: certificado.no_certificado().to_owned(),
            rfc: certificado
                .rfc()
                .map(|r| r.as_str().to_owned())
                .unwrap_or_default(),
            pss,
            pkcs1,
        })
    }

    impl EfirmaAbierta {
        /// Signs `datos` with WebCrypto: RSASSA-PSS/SHA-256 for a challenge, RSASSA-PKCS1-v1_5/
        /// SHA-256 for a sello.
        pub async fn firmar(&self, datos: &str, uso: Uso) -> Result<Vec<u8>, Problema> {
            marcar("efirma:firma-inicio");
            let (llave, alg) = match uso {
                Uso::Reto => (&self.pss, algoritmo("RSA-PSS", true)),
                Uso::Sello => (&self.pkcs1, algoritmo("RSASSA-PKCS1-v1_5", false)),
            };
            let error = || {
                problema(
                    "Tu navegador no pudo firmar con la e.firma. Vuelve a dar clic en Validar.",
                )
            };
            let promesa = sutil()?
                .sign_with_object_and_u8_array(&alg, llave, datos.as_bytes())
                .map_err(|_| error())?;
            let firma = JsFuture::from(promesa).await.map_err(|_| error())?;
            marcar("efirma:firmado");
            medir("efirma:firmar", "efirma:firma-inicio", "efirma:firmado");
            Ok(Uint8Array::new(&firma).to_vec())
        }
    }
}

/// On the server the e.firma never exists: pages render the form, and only the browser acts.
#[cfg(not(target_arch = "wasm32"))]
pub use servidor::*;

#[cfg(not(target_arch = "wasm32"))]
mod servidor {
    use super::*;

    #[derive(Clone)]
    pub struct EfirmaAbierta {
        pub certificado: Vec<u8>,
        pub no_certificado: String,
        pub rfc: String,
    }

    pub fn ahora_ms() -> f64 {
        0.0
    }

    pub async fn numero_de_certificado(_cer: web_sys::File) -> Option<String> {
        None
    }

    pub async fn leer_de_antemano(_archivo: web_sys::File, _nombre: &'static str) {}

    pub async fn preparar() {}

    pub fn repartir_soltados(
        _ev: &web_sys::DragEvent,
        _cer: &web_sys::HtmlInputElement,
        _key: &web_sys::HtmlInputElement,
    ) {
    }

    fn solo_navegador() -> Problema {
        problema("La e.firma solo se usa dentro del navegador.")
    }

    pub async fn abrir(
        _cer: Option<web_sys::File>,
        _key: Option<web_sys::File>,
        _contrasena: zeroize::Zeroizing<String>,
    ) -> Result<EfirmaAbierta, Problema> {
        Err(solo_navegador())
    }

    impl EfirmaAbierta {
        pub async fn firmar(&self, _datos: &str, _uso: Uso) -> Result<Vec<u8>, Problema> {
            Err(solo_navegador())
        }
    }
}
