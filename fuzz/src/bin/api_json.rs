//! AFL persistent-mode driver for [`fuzz::api_json`].

fn main() {
    afl::fuzz!(|datos: &[u8]| fuzz::api_json(datos));
}
