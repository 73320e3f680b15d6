//! AFL persistent-mode driver for [`fuzz::cer`].

fn main() {
    afl::fuzz!(|datos: &[u8]| fuzz::cer(datos));
}
