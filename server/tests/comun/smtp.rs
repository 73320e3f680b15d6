//! A small but real SMTP receiver (RFC 5321) on a loopback port, for the outbox's tests: EHLO /
//! HELO, MAIL FROM, RCPT TO, DATA (with dot-unstuffing), RSET, NOOP, QUIT. It records what it
//! accepted and can be switched at runtime to refuse connections, drop them, or answer MAIL or
//! the end of DATA with an error code.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    sync::watch,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Modo {
    /// Accepts every message.
    Normal,
    /// The listener is closed: connections are refused.
    Rechazar,
    /// Accepts the connection and closes it at once, before the greeting.
    Colgar,
    /// Answers MAIL FROM with this code (e.g. 451, 550).
    FallaMail(u16),
    /// Takes the whole message, then answers the final dot with this code (e.g. 451, 554).
    FallaDatos(u16),
}

#[derive(Debug, Clone)]
pub struct Recibido {
    pub de: String,
    pub para: Vec<String>,
    /// The message as transferred (headers and encoded body, CRLF, dots unstuffed).
    pub datos: String,
}

impl Recibido {
    /// A header's value, unfolded, with RFC 2047 encoded words decoded.
    pub fn cabecera(&self, nombre: &str) -> Option<String> {
        let (cabeceras, _) = self.datos.split_once("\r\n\r\n")?;
        let desplegadas = cabeceras.replace("\r\n ", " ").replace("\r\n\t", " ");
        let prefijo = format!("{}:", nombre.to_ascii_lowercase());
        desplegadas
            .split("\r\n")
            .find(|l| l.to_ascii_lowercase().starts_with(&prefijo))
            .map(|l| decodificar_palabras(l[prefijo.len()..].trim()))
    }

    /// The body, decoded (quoted-printable or 7bit).
    pub fn texto(&self) -> String {
        texto_de_eml(&self.datos)
    }
}

/// The decoded text body of a single-part message, with `\n` line ends.
pub fn texto_de_eml(eml: &str) -> String {
    let (cabeceras, cuerpo) = eml.split_once("\r\n\r\n").unwrap_or(("", eml));
    if cabeceras
        .to_ascii_lowercase()
        .contains("content-transfer-encoding: quoted-printable")
    {
        decodificar_qp(cuerpo)
    } else {
        cuerpo.replace("\r\n", "\n")
    }
}

/// RFC 2047: `=?utf-8?b?…?=` / `=?utf-8?q?…?=` words; the space between two of them goes.
fn decodificar_palabras(valor: &str) -> String {
    let mut salida = String::new();
    let mut previa_codificada = false;
    for (i, pieza) in valor.split(' ').enumerate() {
        let decodificada = palabra_codificada(pieza);
        if i > 0 && !(previa_codificada && decodificada.is_some()) {
            salida.push(' ');
        }
        previa_codificada = decodificada.is_some();
        salida.push_str(decodificada.as_deref().unwrap_or(pieza));
    }
    salida
}

fn palabra_codificada(pieza: &str) -> Option<String> {
    use base64::Engine;
    let interior = pieza.strip_prefix("=?")?.strip_suffix("?=")?;
    let mut partes = interior.splitn(3, '?');
    let (_juego, codificacion, datos) = (partes.next()?, partes.next()?, partes.next()?);
    let bytes = match codificacion {
        "b" | "B" => base64::engine::general_purpose::STANDARD
            .decode(datos)
            .ok()?,
        "q" | "Q" => decodificar_qp(&datos.replace('_', " ")).into_bytes(),
        _ => return None,
    };
    String::from_utf8(bytes).ok()
}

fn decodificar_qp(texto: &str) -> String {
    let sin_cortes = texto.replace("=\r\n", "");
    let bytes = sin_cortes.as_bytes();
    let mut salida = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                salida.push(b);
                i += 3;
                continue;
            }
        }
        salida.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&salida).replace("\r\n", "\n")
}

struct Compartido {
    modo: Modo,
    recibidos: Vec<Recibido>,
    conexiones: usize,
}

pub struct ServidorSmtp {
    pub direccion: SocketAddr,
    compartido: Arc<Mutex<Compartido>>,
    /// Closing the listener: send `true`.
    parar: Mutex<Option<watch::Sender<bool>>>,
}

impl ServidorSmtp {
    pub async fn iniciar() -> Self {
        let escucha = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("puerto libre");
        let direccion = escucha.local_addr().expect("dirección");
        let servidor = Self {
            direccion,
            compartido: Arc::new(Mutex::new(Compartido {
                modo: Modo::Normal,
                recibidos: Vec::new(),
                conexiones: 0,
            })),
            parar: Mutex::new(None),
        };
        servidor.escuchar(escucha);
        servidor
    }

    pub fn url(&self) -> String {
        format!("smtp://{}", self.direccion)
    }

    fn escuchar(&self, escucha: TcpListener) {
        let (parar, mut parado) = watch::channel(false);
        *self.parar.lock().expect("candado") = Some(parar);
        let compartido = self.compartido.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = parado.changed() => break,
                    aceptada = escucha.accept() => {
                        let Ok((conexion, _)) = aceptada else { continue };
                        let compartido = compartido.clone();
                        tokio::spawn(async move {
                            let _ = atender(conexion, compartido).await;
                        });
                    }
                }
            }
            // The listener is dropped here: the port refuses connections.
        });
    }

    pub async fn cambiar(&self, modo: Modo) {
        let antes = std::mem::replace(&mut self.compartido.lock().expect("candado").modo, modo);
        if modo == Modo::Rechazar && antes != Modo::Rechazar {
            if let Some(parar) = self.parar.lock().expect("candado").take() {
                let _ = parar.send(true);
            }
            // Until the listener is really gone.
            for _ in 0..100 {
                if TcpStream::connect(self.direccion).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            panic!("el servidor SMTP de prueba no dejó de escuchar");
        }
        if antes == Modo::Rechazar && modo != Modo::Rechazar {
            let escucha = TcpListener::bind(self.direccion)
                .await
                .expect("el mismo puerto de nuevo");
            self.escuchar(escucha);
        }
    }

    pub fn recibidos(&self) -> Vec<Recibido> {
        self.compartido.lock().expect("candado").recibidos.clone()
    }

    pub fn conexiones(&self) -> usize {
        self.compartido.lock().expect("candado").conexiones
    }

    /// Waits (up to `limite`) until at least `n` messages arrived.
    pub async fn esperar(&self, n: usize, limite: Duration) -> Vec<Recibido> {
        let fin = tokio::time::Instant::now() + limite;
        loop {
            let recibidos = self.recibidos();
            if recibidos.len() >= n || tokio::time::Instant::now() >= fin {
                return recibidos;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

const LINEA_MAXIMA: usize = 64 * 1024;

async fn atender(conexion: TcpStream, compartido: Arc<Mutex<Compartido>>) -> std::io::Result<()> {
    let modo = {
        let mut c = compartido.lock().expect("candado");
        c.conexiones += 1;
        c.modo
    };
    if modo == Modo::Colgar {
        drop(conexion);
        return Ok(());
    }
    let modo_actual = || compartido.lock().expect("candado").modo;
    let (lectura, mut escritura) = conexion.into_split();
    let mut lectura = BufReader::new(lectura);
    escritura
        .write_all(b"220 smtp.prueba ESMTP listo\r\n")
        .await?;
    let mut de: Option<String> = None;
    let mut para: Vec<String> = Vec::new();
    let mut linea = String::new();
    loop {
        linea.clear();
        if lectura.read_line(&mut linea).await? == 0 || linea.len() > LINEA_MAXIMA {
            return Ok(());
        }
        let orden = linea.trim_end_matches(['\r', '\n']);
        let mayusculas = orden.to_ascii_uppercase();
        let respuesta: String = if mayusculas.starts_with("EHLO ") || mayusculas == "EHLO" {
            de = None;
            para.clear();
            "250-smtp.prueba te saluda\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n"
                .into()
        } else if mayusculas.starts_with("HELO") {
            de = None;
            para.clear();
            "250 smtp.prueba\r\n".into()
        } else if mayusculas.starts_with("MAIL FROM:") {
            if let Modo::FallaMail(codigo) = modo_actual() {
                format!("{codigo} {} remitente rechazado\r\n", clase(codigo))
            } else if de.is_some() {
                "503 5.5.1 MAIL ya dado\r\n".into()
            } else {
                de = Some(ruta(&orden["MAIL FROM:".len()..]));
                para.clear();
                "250 2.1.0 OK\r\n".into()
            }
        } else if mayusculas.starts_with("RCPT TO:") {
            if de.is_none() {
                "503 5.5.1 falta MAIL\r\n".into()
            } else {
                para.push(ruta(&orden["RCPT TO:".len()..]));
                "250 2.1.5 OK\r\n".into()
            }
        } else if mayusculas == "DATA" {
            if de.is_none() || para.is_empty() {
                "503 5.5.1 falta MAIL o RCPT\r\n".into()
            } else {
                escritura
                    .write_all(b"354 termina con <CRLF>.<CRLF>\r\n")
                    .await?;
                let mut datos = String::new();
                loop {
                    linea.clear();
                    if lectura.read_line(&mut linea).await? == 0 {
                        return Ok(());
                    }
                    if linea == ".\r\n" || linea == ".\n" {
                        break;
                    }
                    // Dot-unstuffing (RFC 5321 §4.5.2).
                    let l = linea.strip_prefix('.').unwrap_or(&linea);
                    datos.push_str(l);
                    if datos.len() > 10 * 1024 * 1024 {
                        return Ok(());
                    }
                }
                let respuesta = if let Modo::FallaDatos(codigo) = modo_actual() {
                    format!("{codigo} {} mensaje rechazado\r\n", clase(codigo))
                } else {
                    compartido
                        .lock()
                        .expect("candado")
                        .recibidos
                        .push(Recibido {
                            de: de.take().unwrap_or_default(),
                            para: std::mem::take(&mut para),
                            datos: datos.trim_end_matches("\r\n").to_owned() + "\r\n",
                        });
                    "250 2.0.0 OK en cola\r\n".into()
                };
                de = None;
                para.clear();
                respuesta
            }
        } else if mayusculas == "RSET" {
            de = None;
            para.clear();
            "250 2.0.0 OK\r\n".into()
        } else if mayusculas.starts_with("NOOP") {
            "250 2.0.0 OK\r\n".into()
        } else if mayusculas == "QUIT" {
            escritura.write_all(b"221 2.0.0 adios\r\n").await?;
            return Ok(());
        } else {
            "500 5.5.2 orden desconocida\r\n".into()
        };
        escritura.write_all(respuesta.as_bytes()).await?;
    }
}

/// `<a@b> SIZE=…` → `a@b`.
fn ruta(resto: &str) -> String {
    let resto = resto.trim();
    let fin = resto.find('>').map(|i| i + 1).unwrap_or(resto.len());
    resto[..fin]
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}

fn clase(codigo: u16) -> &'static str {
    if codigo >= 500 {
        "5.7.1"
    } else {
        "4.3.0"
    }
}
