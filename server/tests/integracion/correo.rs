//! The mail outbox against a real SMTP server on a loopback port and a throwaway database:
//! transactional queueing, delivery, retries with backoff, permanent failure, concurrent
//! workers, the local mailbox folder, and the secret never resting in clear.

use crate::comun;

use comun::{
    smtp::{texto_de_eml, Modo, ServidorSmtp},
    Datos,
};
use servidor::{
    ahora, bd,
    configuracion::Configuracion,
    correo::{self, trabajador::MAX_INTENTOS, Cofre, DestinoSmtp, Mensaje, Transporte},
    credenciales::ContrasenaGenerada,
};
use sqlx::Row;
use std::{collections::HashMap, path::Path, time::Duration};

struct Prueba {
    bd: bd::Bd,
    cofre: Cofre,
    datos: Datos,
}

impl Prueba {
    async fn nueva() -> Self {
        let datos = Datos::nuevos().await;
        let bd = datos.conectar().await;
        bd::migrar(&bd, &datos.url).await.expect("migraciones");
        Self {
            bd,
            cofre: Cofre::nuevo([7u8; 32]),
            datos,
        }
    }

    /// Queues the "contraseña generada" email with a fresh password and commits.
    async fn encolar_contrasena(&self, para: &str) -> (i64, ContrasenaGenerada) {
        let contrasena = ContrasenaGenerada::generar();
        let (asunto, cuerpo) = correo::contrasena_generada(
            "0123456789",
            "EKU9003173C9",
            "ESCUELA KEMPER URGATE SA DE CV",
        );
        let mut tx = self.bd.begin().await.expect("transacción");
        let id = correo::encolar(
            &mut tx,
            &self.cofre,
            Mensaje {
                para,
                asunto: &asunto,
                cuerpo: &cuerpo,
                secreto: Some(contrasena.exponer()),
            },
        )
        .await
        .expect("encolar");
        tx.commit().await.expect("commit");
        (id, contrasena)
    }

    async fn fila(&self, id: i64) -> Fila {
        let f = sqlx::query(
            "SELECT estado, intentos, proximo_intento, secreto, ultimo_error, reclamado_por FROM correos WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&self.bd)
        .await
        .expect("fila");
        Fila {
            estado: f.get(0),
            intentos: f.get(1),
            proximo_intento: f.get(2),
            secreto: f.get(3),
            ultimo_error: f.get(4),
            reclamado_por: f.get(5),
        }
    }

    /// Whether `texto` is stored anywhere: on PostgreSQL, in any row of any table (as text); on
    /// SQLite, in the bytes of the database file or its write-ahead log.
    async fn bd_contiene(&self, texto: &str) -> bool {
        if self.datos.es_postgres() {
            let tablas: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
            )
            .fetch_all(&self.bd)
            .await
            .expect("tablas");
            for tabla in tablas {
                let n: i64 = sqlx::query_scalar(&format!(
                    "SELECT COUNT(*) FROM \"{tabla}\" t WHERE strpos(t::text, $1) > 0"
                ))
                .bind(texto)
                .fetch_one(&self.bd)
                .await
                .expect("búsqueda");
                if n > 0 {
                    return true;
                }
            }
            return false;
        }
        let base = self.datos.path().join("intercomunicacion.db");
        let mut rutas = vec![base.clone()];
        for sufijo in ["-wal", "-shm", "-journal"] {
            rutas.push(Path::new(&format!("{}{sufijo}", base.display())).to_path_buf());
        }
        rutas.iter().any(|r| {
            std::fs::read(r)
                .map(|b| b.windows(texto.len()).any(|w| w == texto.as_bytes()))
                .unwrap_or(false)
        })
    }
}

#[derive(Debug)]
struct Fila {
    estado: String,
    intentos: i64,
    proximo_intento: i64,
    secreto: Option<String>,
    ultimo_error: Option<String>,
    reclamado_por: Option<String>,
}

fn remitente() -> lettre::message::Mailbox {
    servidor::configuracion::REMITENTE_POR_OMISION
        .parse()
        .expect("remitente")
}

fn smtp(servidor: &ServidorSmtp) -> Transporte {
    Transporte::smtp(
        &DestinoSmtp::de_url(&servidor.url()).expect("url"),
        remitente(),
    )
    .expect("transporte")
}

#[tokio::test]
async fn un_correo_de_una_transaccion_revertida_no_existe() {
    let p = Prueba::nueva().await;
    let servidor = ServidorSmtp::iniciar().await;
    let mut tx = p.bd.begin().await.expect("transacción");
    correo::encolar(
        &mut tx,
        &p.cofre,
        Mensaje {
            para: "nomina@empresa.example",
            asunto: "Prueba",
            cuerpo: "Tu contraseña: {{CONTRASENA}}",
            secreto: Some("ABCDE-FGHJK"),
        },
    )
    .await
    .expect("encolar");
    tx.rollback().await.expect("rollback");

    let n: i64 = sqlx::query("SELECT COUNT(*) FROM correos")
        .fetch_one(&p.bd)
        .await
        .expect("conteo")
        .get(0);
    assert_eq!(n, 0);
    let r = correo::entregar_pendientes(&p.bd, &p.cofre, &smtp(&servidor), ahora())
        .await
        .expect("pasada");
    assert_eq!(r, correo::Resumen::default());
    assert!(servidor.recibidos().is_empty());
    assert_eq!(servidor.conexiones(), 0, "sin correos no se abre conexión");
}

#[tokio::test]
async fn encolar_rechaza_marcador_y_secreto_que_no_casan_o_un_destinatario_invalido() {
    let p = Prueba::nueva().await;
    let mut tx = p.bd.begin().await.expect("transacción");
    let casos = [
        ("a@b.example", "sin marcador", Some("X")),
        (
            "a@b.example",
            "dos {{CONTRASENA}} {{CONTRASENA}}",
            Some("X"),
        ),
        ("a@b.example", "marcador {{CONTRASENA}} sin secreto", None),
        ("no es correo", "hola", None),
    ];
    for (para, cuerpo, secreto) in casos {
        let r = correo::encolar(
            &mut tx,
            &p.cofre,
            Mensaje {
                para,
                asunto: "x",
                cuerpo,
                secreto,
            },
        )
        .await;
        assert!(
            matches!(r, Err(sqlx::Error::InvalidArgument(_))),
            "{para} / {cuerpo}: {r:?}"
        );
    }
}

#[tokio::test]
async fn el_correo_confirmado_se_entrega_una_vez_con_la_contrasena_que_la_base_nunca_guarda() {
    let p = Prueba::nueva().await;
    let servidor = ServidorSmtp::iniciar().await;
    let (id, contrasena) = p.encolar_contrasena("nomina@empresa.example").await;

    let fila = p.fila(id).await;
    assert_eq!(fila.estado, "pendiente");
    let sellado = fila
        .secreto
        .expect("secreto sellado mientras está pendiente");
    assert!(!sellado.contains(contrasena.exponer()));
    assert!(!p.bd_contiene(contrasena.exponer()).await);
    assert!(!p.bd_contiene(&contrasena.exponer().replace('-', "")).await);

    let r = correo::entregar_pendientes(&p.bd, &p.cofre, &smtp(&servidor), ahora())
        .await
        .expect("pasada");
    assert_eq!(r.enviados, 1);
    let recibidos = servidor.recibidos();
    assert_eq!(recibidos.len(), 1);
    let m = &recibidos[0];
    assert_eq!(m.para, vec!["nomina@empresa.example".to_owned()]);
    assert_eq!(m.de, "no-responder@infonavit.localhost");
    assert_eq!(
        m.cabecera("Subject").as_deref(),
        Some("Servicios de Intercomunicación - Contraseña generada")
    );
    assert_eq!(
        m.cabecera("From").as_deref(),
        Some("Servicios de Intercomunicación <no-responder@infonavit.localhost>")
    );
    let texto = m.texto();
    assert!(
        texto.contains(&format!(
            "La contraseña generada es: {}\n",
            contrasena.exponer()
        )),
        "{texto}"
    );
    assert!(texto.contains(
        "FOLIO: 0123456789\nRFC: EKU9003173C9\nRazón Social: ESCUELA KEMPER URGATE SA DE CV"
    ));
    assert!(!texto.contains(correo::MARCADOR));

    let fila = p.fila(id).await;
    assert_eq!(fila.estado, "enviado");
    assert_eq!(fila.secreto, None, "el secreto se borra al entregar");
    assert_eq!(fila.reclamado_por, None);
    assert!(!p.bd_contiene(contrasena.exponer()).await);

    // Nothing left to send: a second pass sends nothing.
    let r = correo::entregar_pendientes(&p.bd, &p.cofre, &smtp(&servidor), ahora() + 3600)
        .await
        .expect("pasada");
    assert_eq!(r, correo::Resumen::default());
    assert_eq!(servidor.recibidos().len(), 1);
}

#[tokio::test]
async fn sin_smtp_el_correo_espera_con_retroceso_y_se_entrega_una_vez_al_volver() {
    let p = Prueba::nueva().await;
    let servidor = ServidorSmtp::iniciar().await;
    let transporte = smtp(&servidor);
    let (id, contrasena) = p.encolar_contrasena("nomina@empresa.example").await;
    let t0 = ahora();

    // 1. Connection refused.
    servidor.cambiar(Modo::Rechazar).await;
    let r = correo::entregar_pendientes(&p.bd, &p.cofre, &transporte, t0)
        .await
        .expect("pasada");
    assert_eq!((r.enviados, r.reintentos, r.fallidos), (0, 1, 0));
    let f = p.fila(id).await;
    assert_eq!((f.estado.as_str(), f.intentos), ("pendiente", 1));
    assert_eq!(f.proximo_intento, t0 + 10);
    assert!(f.secreto.is_some(), "pendiente: el secreto sigue sellado");
    assert!(f.reclamado_por.is_none(), "el reclamo se libera");
    let error = f.ultimo_error.expect("error guardado");
    assert!(!error.contains(contrasena.exponer()));
    assert!(error.len() <= 200);

    // Not due yet: nothing is tried.
    let r = correo::entregar_pendientes(&p.bd, &p.cofre, &transporte, t0 + 9)
        .await
        .expect("pasada");
    assert_eq!(r, correo::Resumen::default());

    // 2. Accepted and dropped before the greeting.
    servidor.cambiar(Modo::Colgar).await;
    let t1 = t0 + 10;
    let r = correo::entregar_pendientes(&p.bd, &p.cofre, &transporte, t1)
        .await
        .expect("pasada");
    assert_eq!(r.reintentos, 1);
    let f = p.fila(id).await;
    assert_eq!((f.intentos, f.proximo_intento), (2, t1 + 30));

    // 3. A temporary refusal of the message after it was transferred.
    servidor.cambiar(Modo::FallaDatos(451)).await;
    let t2 = t1 + 30;
    let r = correo::entregar_pendientes(&p.bd, &p.cofre, &transporte, t2)
        .await
        .expect("pasada");
    assert_eq!(r.reintentos, 1);
    let f = p.fila(id).await;
    assert_eq!((f.intentos, f.proximo_intento), (3, t2 + 120));
    assert!(f.ultimo_error.is_some_and(|e| e.contains("451")));
    assert!(servidor.recibidos().is_empty());

    // 4. Back: delivered, once.
    servidor.cambiar(Modo::Normal).await;
    let t3 = t2 + 120;
    let r = correo::entregar_pendientes(&p.bd, &p.cofre, &transporte, t3)
        .await
        .expect("pasada");
    assert_eq!(r.enviados, 1);
    let r = correo::entregar_pendientes(&p.bd, &p.cofre, &transporte, t3 + 7200)
        .await
        .expect("pasada");
    assert_eq!(r, correo::Resumen::default());
    let recibidos = servidor.recibidos();
    assert_eq!(recibidos.len(), 1);
    assert!(recibidos[0].texto().contains(contrasena.exponer()));
    let f = p.fila(id).await;
    assert_eq!(
        (f.estado.as_str(), f.intentos, f.secreto),
        ("enviado", 4, None)
    );
}

#[tokio::test]
async fn un_rechazo_que_no_cede_termina_en_fallido_y_borra_el_secreto() {
    let p = Prueba::nueva().await;
    let servidor = ServidorSmtp::iniciar().await;
    servidor.cambiar(Modo::FallaMail(550)).await;
    let transporte = smtp(&servidor);
    let (id, _) = p.encolar_contrasena("nomina@empresa.example").await;

    let mut t = ahora();
    let mut fallidos = 0;
    for _ in 0..MAX_INTENTOS + 3 {
        let r = correo::entregar_pendientes(&p.bd, &p.cofre, &transporte, t)
            .await
            .expect("pasada");
        fallidos += r.fallidos;
        t = p.fila(id).await.proximo_intento.max(t) + 1;
    }
    assert_eq!(fallidos, 1);
    let f = p.fila(id).await;
    assert_eq!(f.estado, "fallido");
    assert_eq!(f.intentos, MAX_INTENTOS);
    assert_eq!(f.secreto, None, "el secreto se borra al rendirse");
    assert!(f.ultimo_error.is_some_and(|e| e.contains("550")));
    assert!(servidor.recibidos().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dos_trabajadores_entregan_cada_correo_exactamente_una_vez() {
    let p = Prueba::nueva().await;
    let servidor = ServidorSmtp::iniciar().await;
    let transporte = smtp(&servidor);
    let n = 50;
    for i in 0..n {
        let mut tx = p.bd.begin().await.expect("transacción");
        correo::encolar(
            &mut tx,
            &p.cofre,
            Mensaje {
                para: &format!("persona{i}@empresa.example"),
                asunto: &format!("Correo {i}"),
                cuerpo: "Tu contraseña: {{CONTRASENA}}",
                secreto: Some(&format!("SECRETO-{i:03}")),
            },
        )
        .await
        .expect("encolar");
        tx.commit().await.expect("commit");
    }
    // Two workers on two runtime threads, as two server processes would be.
    let momento = ahora();
    let cofre = std::sync::Arc::new(p.cofre);
    let transporte = std::sync::Arc::new(transporte);
    let trabajador = || {
        let (bd, cofre, transporte) = (p.bd.clone(), cofre.clone(), transporte.clone());
        tokio::spawn(
            async move { correo::entregar_pendientes(&bd, &cofre, &transporte, momento).await },
        )
    };
    let (a, b) = (trabajador(), trabajador());
    let (a, b) = (a.await.expect("tarea a"), b.await.expect("tarea b"));
    let (a, b) = (a.expect("trabajador a"), b.expect("trabajador b"));
    assert_eq!(a.enviados + b.enviados, n);
    assert!(
        a.enviados > 0 && b.enviados > 0,
        "los dos trabajaron: {a:?} {b:?}"
    );

    let recibidos = servidor.recibidos();
    assert_eq!(recibidos.len(), n as usize);
    let mut destinatarios: Vec<String> = recibidos.iter().map(|m| m.para[0].clone()).collect();
    destinatarios.sort();
    destinatarios.dedup();
    assert_eq!(destinatarios.len(), n as usize, "ninguno repetido");
    for m in &recibidos {
        let i: usize = m.para[0]
            .trim_start_matches("persona")
            .trim_end_matches("@empresa.example")
            .parse()
            .expect("número");
        assert!(m
            .texto()
            .contains(&format!("Tu contraseña: SECRETO-{i:03}")));
    }
    let enviados: i64 = sqlx::query(
        "SELECT COUNT(*) FROM correos WHERE estado = 'enviado' AND secreto IS NULL AND intentos = 1",
    )
    .fetch_one(&p.bd)
    .await
    .expect("conteo")
    .get(0);
    assert_eq!(enviados, n as i64);
}

#[tokio::test]
async fn el_buzon_local_escribe_un_eml_legible_solo_para_su_dueno() {
    let p = Prueba::nueva().await;
    let carpeta = p.datos.path().join("buzon");
    let transporte = Transporte::carpeta(carpeta.clone(), remitente());
    let (id, contrasena) = p.encolar_contrasena("nomina@empresa.example").await;
    let momento = 1_795_777_200; // 2026-11-27 11:00:00 UTC
    sqlx::query("UPDATE correos SET proximo_intento = $1")
        .bind(momento)
        .execute(&p.bd)
        .await
        .expect("ajuste");
    let r = correo::entregar_pendientes(&p.bd, &p.cofre, &transporte, momento)
        .await
        .expect("pasada");
    assert_eq!(r.enviados, 1);

    let archivos: Vec<_> = std::fs::read_dir(&carpeta)
        .expect("carpeta")
        .map(|e| e.expect("entrada").path())
        .collect();
    assert_eq!(archivos.len(), 1);
    let nombre = archivos[0].file_name().expect("nombre").to_string_lossy();
    assert_eq!(nombre, format!("20261127T110000Z-{id}.eml"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let modo = std::fs::metadata(&archivos[0])
            .expect("metadatos")
            .permissions()
            .mode();
        assert_eq!(modo & 0o777, 0o600);
    }
    let eml = std::fs::read_to_string(&archivos[0]).expect("eml");
    assert!(eml.contains("To: nomina@empresa.example\r\n"));
    assert!(eml.contains("From: "));
    assert!(eml.contains("Subject: "));
    assert!(eml.contains("Content-Type: text/plain; charset=utf-8\r\n"));
    let texto = texto_de_eml(&eml);
    assert!(texto.contains(&format!(
        "La contraseña generada es: {}",
        contrasena.exponer()
    )));
    assert!(texto.contains("Estimado Aportante y/o Desarrollador,"));
    assert_eq!(p.fila(id).await.secreto, None);
}

#[test]
fn el_cofre_no_abre_con_la_clave_de_otra_fila_ni_con_otra_llave() {
    let cofre = Cofre::nuevo([1u8; 32]);
    let sellado = cofre.sellar("correo:v1:fila-a", "ABCDE-FGHJK");
    assert_eq!(
        cofre
            .abrir("correo:v1:fila-a", &sellado)
            .as_deref()
            .map(String::as_str),
        Some("ABCDE-FGHJK")
    );
    assert!(cofre.abrir("correo:v1:fila-b", &sellado).is_none());
    assert!(Cofre::nuevo([2u8; 32])
        .abrir("correo:v1:fila-a", &sellado)
        .is_none());
    assert_ne!(
        sellado,
        cofre.sellar("correo:v1:fila-a", "ABCDE-FGHJK"),
        "cada sellado usa otro nonce"
    );
    // Tampered, truncated, garbage.
    let mut bytes = base64_decode(&sellado);
    let ultimo = bytes.len() - 1;
    bytes[ultimo] ^= 1;
    assert!(cofre
        .abrir("correo:v1:fila-a", &base64_encode(&bytes))
        .is_none());
    assert!(cofre.abrir("correo:v1:fila-a", &sellado[..10]).is_none());
    assert!(cofre.abrir("correo:v1:fila-a", "no es base64 ¡").is_none());
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("base64")
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

#[tokio::test]
async fn un_secreto_de_otra_llave_hace_fallar_el_correo_sin_reintentos() {
    let p = Prueba::nueva().await;
    let servidor = ServidorSmtp::iniciar().await;
    let (id, _) = p.encolar_contrasena("nomina@empresa.example").await;
    let otro = Cofre::nuevo([9u8; 32]);
    let r = correo::entregar_pendientes(&p.bd, &otro, &smtp(&servidor), ahora())
        .await
        .expect("pasada");
    assert_eq!(r.fallidos, 1);
    let f = p.fila(id).await;
    assert_eq!((f.estado.as_str(), f.secreto), ("fallido", None));
    assert_eq!(servidor.conexiones(), 0);
}

fn configuracion(pares: &[(&'static str, &str)]) -> anyhow::Result<Configuracion> {
    let mut variables: HashMap<&str, String> = HashMap::new();
    for (k, v) in pares {
        variables.insert(k, v.to_string());
    }
    Configuracion::desde(&variables)
}

#[test]
fn en_produccion_el_correo_exige_smtp_cifrado_salvo_hacia_esta_maquina() {
    let prod = [
        ("INTERCOM_MODO", "produccion"),
        // 32 distinct bytes, base64: a secret production accepts.
        (
            "INTERCOM_SECRETO",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        ),
        ("INTERCOM_ANCLAS", "/anclas"),
        ("INTERCOM_SELLO_LLAVE", "/sello/llave.pem"),
        ("INTERCOM_SELLO_CERTIFICADO", "/sello/certificado.pem"),
        ("INTERCOM_URL_PUBLICA", "https://portal.example"),
    ];
    let con = |url: &str| {
        let mut v = prod.to_vec();
        v.push(("INTERCOM_SMTP_URL", url));
        configuracion(&v).err().map(|e| e.to_string())
    };
    assert!(configuracion(&prod)
        .err()
        .is_some_and(|e| e.to_string().contains("INTERCOM_SMTP_URL")));
    assert!(con("smtp://correo.example:25").is_some_and(|e| e.contains("cifrado")));
    assert_eq!(con("smtp+starttls://correo.example"), None);
    assert_eq!(con("smtps://u:p@correo.example"), None);
    assert_eq!(con("smtp://127.0.0.1:2525"), None);
    assert!(con("ftp://correo.example").is_some());

    let demo = configuracion(&[]).expect("demo");
    assert!(demo.smtp.is_none(), "la demo usa el buzón local");
    assert_eq!(
        demo.correo_remitente.email.to_string(),
        "no-responder@infonavit.localhost"
    );
    assert!(configuracion(&[("INTERCOM_CORREO_REMITENTE", "no es correo")]).is_err());
    let c = configuracion(&[
        ("INTERCOM_SMTP_URL", "smtp+starttls://correo.example"),
        ("INTERCOM_SMTP_USUARIO", "portal"),
        ("INTERCOM_SMTP_CONTRASENA", "s3creta"),
    ])
    .expect("configuración");
    let smtp = c.smtp.expect("smtp");
    assert_eq!(smtp.usuario.as_deref(), Some("portal"));
    assert!(configuracion(&[
        ("INTERCOM_SMTP_URL", "smtp+starttls://correo.example"),
        ("INTERCOM_SMTP_USUARIO", "portal"),
    ])
    .is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn el_servidor_entrega_por_smtp_en_cuanto_se_le_avisa() {
    let servidor = ServidorSmtp::iniciar().await;
    let url = servidor.url();
    let app = comun::levantar_con(&[("INTERCOM_SMTP_URL", url.as_str())]).await;
    let estado = app.estado.clone();
    correo::trabajador::iniciar(estado.clone());
    // Let the worker finish its first pass and go to sleep (for up to a minute).
    tokio::time::sleep(Duration::from_millis(300)).await;

    let contrasena = ContrasenaGenerada::generar();
    let (asunto, cuerpo) = correo::contrasena_generada("0000000001", "EKU9003173C9", "ESCUELA");
    let mut tx = estado.bd.begin().await.expect("transacción");
    correo::encolar(
        &mut tx,
        &estado.cofre,
        Mensaje {
            para: comun::CORREO,
            asunto: &asunto,
            cuerpo: &cuerpo,
            secreto: Some(contrasena.exponer()),
        },
    )
    .await
    .expect("encolar");
    tx.commit().await.expect("commit");
    estado.avisar_correo();

    let recibidos = servidor.esperar(1, Duration::from_secs(10)).await;
    assert_eq!(recibidos.len(), 1, "el aviso despierta al trabajador");
    assert!(recibidos[0].texto().contains(contrasena.exponer()));
    assert_eq!(recibidos[0].para, vec![comun::CORREO.to_owned()]);
}

#[test]
fn correo_pendientes_lista_sin_mostrar_secretos() {
    let datos = Datos::nuevos_bloqueante();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let contrasena = runtime.block_on(async {
        let variables = datos.variables();
        let config = configuracion(&[
            (variables[0].0, &variables[0].1),
            (variables[1].0, &variables[1].1),
        ])
        .expect("configuración");
        let estado = servidor::arranque::preparar(config)
            .await
            .expect("arranque");
        let contrasena = ContrasenaGenerada::generar();
        let mut tx = estado.bd.begin().await.expect("transacción");
        correo::encolar(
            &mut tx,
            &estado.cofre,
            Mensaje {
                para: "nomina@empresa.example",
                asunto: "Prueba",
                cuerpo: "Contraseña: {{CONTRASENA}}",
                secreto: Some(contrasena.exponer()),
            },
        )
        .await
        .expect("encolar");
        tx.commit().await.expect("commit");
        contrasena.exponer().to_owned()
    });
    let intercomunicacion = |args: &[&str]| {
        datos
            .cli()
            .env_remove("INTERCOM_SMTP_URL")
            .env_remove("INTERCOM_SECRETO")
            .args(args)
            .output()
            .expect("ejecutar")
    };
    let salida = intercomunicacion(&["correo", "pendientes"]);
    let texto = String::from_utf8_lossy(&salida.stdout);
    assert!(
        salida.status.success(),
        "{}",
        String::from_utf8_lossy(&salida.stderr)
    );
    assert!(
        texto.starts_with("pendientes: 1, enviados: 0, fallidos: 0\n"),
        "{texto}"
    );
    assert!(texto.contains("\tpendiente\t0\t"));
    assert!(texto.contains("nomina@empresa.example"));
    assert!(!texto.contains(&contrasena));

    // `correo entregar` delivers into the local mailbox with the server's own key.
    let salida = intercomunicacion(&["correo", "entregar"]);
    assert!(
        salida.status.success(),
        "{}",
        String::from_utf8_lossy(&salida.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&salida.stdout).trim(),
        "enviados: 1, reintentos: 0, fallidos: 0"
    );
    let eml = std::fs::read_dir(datos.path().join("buzon"))
        .expect("buzón")
        .map(|e| e.expect("entrada").path())
        .find(|p| p.extension().is_some_and(|e| e == "eml"))
        .expect("un .eml");
    let texto = texto_de_eml(&std::fs::read_to_string(eml).expect("eml"));
    assert!(texto.contains(&format!("Contraseña: {contrasena}")));

    let salida = intercomunicacion(&["correo", "pendientes"]);
    assert!(String::from_utf8_lossy(&salida.stdout)
        .starts_with("pendientes: 0, enviados: 1, fallidos: 0"));
}

/// The test server itself speaks SMTP correctly (so the tests above mean something).
#[tokio::test]
async fn el_servidor_smtp_de_prueba_habla_smtp() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let servidor = ServidorSmtp::iniciar().await;
    let conexion = tokio::net::TcpStream::connect(servidor.direccion)
        .await
        .expect("conexión");
    let (lectura, mut escritura) = conexion.into_split();
    let mut lectura = BufReader::new(lectura);
    let mut codigo = async |orden: &str| -> String {
        if !orden.is_empty() {
            escritura
                .write_all(format!("{orden}\r\n").as_bytes())
                .await
                .expect("escribir");
        }
        // The last line of a (possibly multi-line) reply has a space after the code.
        loop {
            let mut linea = String::new();
            lectura.read_line(&mut linea).await.expect("leer");
            if linea.len() < 4 || linea.as_bytes()[3] != b'-' {
                return linea[..3.min(linea.len())].to_owned();
            }
        }
    };
    assert_eq!(codigo("").await, "220");
    assert_eq!(codigo("HELO cliente").await, "250");
    assert_eq!(codigo("EHLO cliente").await, "250");
    assert_eq!(
        codigo("RCPT TO:<a@b.example>").await,
        "503",
        "RCPT antes de MAIL"
    );
    assert_eq!(codigo("MAIL FROM:<x@y.example>").await, "250");
    assert_eq!(codigo("RSET").await, "250");
    assert_eq!(codigo("DATA").await, "503", "RSET olvida la transacción");
    assert_eq!(codigo("NOOP").await, "250");
    assert_eq!(codigo("MAIL FROM:<x@y.example> SIZE=100").await, "250");
    assert_eq!(codigo("RCPT TO:<a@b.example>").await, "250");
    assert_eq!(codigo("DATA").await, "354");
    assert_eq!(
        codigo("Subject: hola\r\n\r\n..linea con punto\r\n.").await,
        "250"
    );
    assert_eq!(codigo("VRFY alguien").await, "500");
    assert_eq!(codigo("QUIT").await, "221");

    let recibidos = servidor.recibidos();
    assert_eq!(recibidos.len(), 1);
    assert_eq!(recibidos[0].de, "x@y.example");
    assert_eq!(recibidos[0].para, vec!["a@b.example".to_owned()]);
    assert_eq!(
        recibidos[0].datos,
        "Subject: hola\r\n\r\n.linea con punto\r\n"
    );
    assert_eq!(recibidos[0].texto(), ".linea con punto\n");
}
