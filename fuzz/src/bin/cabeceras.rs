//! AFL persistent-mode driver for [`fuzz::cabeceras`].

fn main() {
    afl::fuzz!(|datos: &[u8]| fuzz::cabeceras(datos));
}
