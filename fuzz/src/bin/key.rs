//! AFL persistent-mode driver for [`fuzz::key`].

fn main() {
    afl::fuzz!(|datos: &[u8]| fuzz::key(datos));
}
