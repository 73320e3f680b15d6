//! What the real binary leaves on disk and on its console, started as the README's first command
//! starts it (demo, SQLite under the data directory):
//!
//! - the data directory and everything in it are its owner's alone (`0700` directories, `0600`
//!   files: the database and its `-wal`/`-shm`, the demo's keys, the server secret, the seal);
//! - a database others can read is refused at start, with the `chmod` that fixes it;
//! - the demo's passwords reach the console only at the start that generated them.
//!
//! Always on SQLite: the files are the point.

use crate::comun;

use comun::instancia::Instancia;
use std::{
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
};

fn modo(ruta: &Path) -> u32 {
    std::fs::metadata(ruta)
        .expect("metadatos")
        .permissions()
        .mode()
        & 0o777
}

/// Every path under `raiz`, itself included.
fn todo_bajo(raiz: &Path) -> Vec<PathBuf> {
    let mut rutas = vec![raiz.to_path_buf()];
    let mut i = 0;
    while i < rutas.len() {
        if rutas[i].is_dir() {
            for entrada in std::fs::read_dir(&rutas[i]).expect("read_dir") {
                rutas.push(entrada.expect("entrada").path());
            }
        }
        i += 1;
    }
    rutas
}

/// The values of the `Contraseña…:` lines of `LEEME.txt`.
fn contrasenas(leeme: &str) -> Vec<String> {
    leeme
        .lines()
        .filter_map(|l| l.trim().split_once(':'))
        .filter(|(etiqueta, _)| etiqueta.starts_with("Contraseña"))
        .map(|(_, valor)| valor.trim().to_owned())
        .collect()
}

#[tokio::test]
async fn los_datos_solo_los_lee_su_dueno_y_las_contrasenas_de_la_demo_se_muestran_una_vez() {
    let raiz = tempfile::tempdir().expect("directorio temporal");
    let datos = raiz.path().join("datos");
    let entorno = [("INTERCOM_DATOS", datos.display().to_string())];

    let primera = Instancia::iniciar_con(&entorno).await;
    let base = datos.join("intercomunicacion.db");
    for ruta in [base.clone(), datos.join("intercomunicacion.db-wal")] {
        assert!(ruta.exists(), "{} existe mientras sirve", ruta.display());
    }
    let rutas = todo_bajo(&datos);
    assert!(
        rutas
            .iter()
            .any(|r| r.ends_with("demo/efirma/ocsp/responder.key.pem")),
        "la demo generó la llave de su respondedor OCSP: {rutas:?}"
    );
    for ruta in &rutas {
        let esperado = if ruta.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(
            modo(ruta),
            esperado,
            "{} debe tener permisos {esperado:o}",
            ruta.display()
        );
    }

    let leeme_ruta = datos.join("demo/LEEME.txt");
    let leeme = std::fs::read_to_string(&leeme_ruta).expect("LEEME.txt");
    let secretos = contrasenas(&leeme);
    assert_eq!(secretos.len(), 2, "cuenta y e.firma: {leeme}");
    let consola = primera.registro().join("\n");
    for s in &secretos {
        assert!(
            consola.contains(s.as_str()),
            "el primer arranque muestra cómo ingresar"
        );
    }
    drop(primera);

    let segunda = Instancia::iniciar_con(&entorno).await;
    let consola = segunda.registro().join("\n");
    for s in &secretos {
        assert!(
            !consola.contains(s.as_str()),
            "un arranque posterior no repite contraseñas en la consola: {consola}"
        );
    }
    let aviso = format!(
        "Datos de acceso de la demostración (cuenta y e.firma): {} (legible sólo por su dueño)",
        std::fs::canonicalize(&leeme_ruta).unwrap().display()
    );
    assert!(consola.contains(&aviso), "dice dónde están: {consola}");
    drop(segunda);

    // A database others can read (copied with a careless umask, say) is refused at start.
    std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o644)).unwrap();
    let salida = std::process::Command::new(env!("CARGO_BIN_EXE_intercomunicacion"))
        .env_remove("DATABASE_URL")
        .envs(entorno.iter().map(|(k, v)| (k, v)))
        .env(
            "LEPTOS_SITE_ADDR",
            format!("127.0.0.1:{}", comun::instancia::puerto_libre()),
        )
        .arg("servir")
        .output()
        .expect("servir");
    let error = String::from_utf8_lossy(&salida.stderr);
    assert_eq!(salida.status.code(), Some(1), "{error}");
    assert!(
        error.contains(&format!(
            "La base de datos {} tiene permisos 644: otros usuarios de esta máquina pueden leerla. Debe ser legible sólo por su dueño: chmod 600 {}",
            base.display(),
            base.display()
        )),
        "{error}"
    );
    assert_eq!(modo(&base), 0o644, "no cambia los permisos por su cuenta");
}
