//! A TCP relay between the server and its database, that the test can cut and restore: the
//! database "briefly unavailable" as the server sees it (connections reset, new ones refused),
//! without stopping the database the other tests share.

use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc, Mutex,
};
use tokio::{net::TcpListener, task::AbortHandle};

pub struct Relevo {
    pub puerto: u16,
    abierto: Arc<AtomicBool>,
    conexiones: Arc<Mutex<Vec<AbortHandle>>>,
    aceptador: AbortHandle,
}

impl Relevo {
    /// Relays 127.0.0.1:<new port> to `destino` (host:port).
    pub async fn iniciar(destino: String) -> Self {
        let escucha = TcpListener::bind("127.0.0.1:0").await.expect("puerto");
        let puerto = escucha.local_addr().expect("dirección").port();
        let abierto = Arc::new(AtomicBool::new(true));
        let conexiones: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let (a, c) = (abierto.clone(), conexiones.clone());
        let aceptador = tokio::spawn(async move {
            while let Ok((mut cliente, _)) = escucha.accept().await {
                if !a.load(Ordering::SeqCst) {
                    drop(cliente);
                    continue;
                }
                let destino = destino.clone();
                let tarea = tokio::spawn(async move {
                    if let Ok(mut servidor) = tokio::net::TcpStream::connect(&destino).await {
                        let _ = tokio::io::copy_bidirectional(&mut cliente, &mut servidor).await;
                    }
                });
                c.lock().expect("conexiones").push(tarea.abort_handle());
            }
        })
        .abort_handle();
        Self {
            puerto,
            abierto,
            conexiones,
            aceptador,
        }
    }

    /// Resets every open connection and refuses new ones.
    pub fn cortar(&self) {
        self.abierto.store(false, Ordering::SeqCst);
        for c in self.conexiones.lock().expect("conexiones").drain(..) {
            c.abort();
        }
    }

    pub fn restablecer(&self) {
        self.abierto.store(true, Ordering::SeqCst);
    }
}

impl Drop for Relevo {
    fn drop(&mut self) {
        self.cortar();
        self.aceptador.abort();
    }
}
