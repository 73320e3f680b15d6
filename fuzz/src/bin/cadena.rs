//! AFL persistent-mode driver for [`fuzz::cadena`].

fn main() {
    afl::fuzz!(|datos: &[u8]| fuzz::cadena(datos));
}
