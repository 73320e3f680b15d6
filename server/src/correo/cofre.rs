//! The outbox's safe: a password waiting in a pending email is kept only as AES-256-GCM
//! ciphertext (ring), under a key derived from the server secret (`correo:v1`), and bound by its
//! associated data to the row it belongs to, so a ciphertext copied into another row, or read
//! with another server's key, does not open.

use base64::{engine::general_purpose::STANDARD, Engine};
use rand::RngCore;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use zeroize::Zeroizing;

/// Deliberately not `Debug`: it holds a key.
pub struct Cofre {
    llave: LessSafeKey,
}

impl Cofre {
    pub fn nuevo(llave: [u8; 32]) -> Self {
        let llave = Zeroizing::new(llave);
        let llave = LessSafeKey::new(
            UnboundKey::new(&AES_256_GCM, llave.as_slice())
                .expect("AES-256 usa llaves de 32 bytes"),
        );
        Self { llave }
    }

    /// Seals `texto` for the row `contexto` names: base64 of nonce ‖ ciphertext ‖ tag. A fresh
    /// random 96-bit nonce each time; with one key per installation and a few emails per
    /// credential, the birthday bound of random nonces is far away.
    pub fn sellar(&self, contexto: &str, texto: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let mut datos = Zeroizing::new(texto.as_bytes().to_vec());
        // Only fails for inputs beyond GCM's limit (64 GiB), which a password is not.
        self.llave
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(contexto.as_bytes()),
                &mut *datos,
            )
            .expect("un secreto de correo cabe en AES-GCM");
        let mut sellado = Vec::with_capacity(NONCE_LEN + datos.len());
        sellado.extend_from_slice(&nonce);
        sellado.extend_from_slice(&datos);
        STANDARD.encode(sellado)
    }

    /// The text sealed for `contexto`, or `None` when the value was not sealed by this key for
    /// this row (or is damaged).
    pub fn abrir(&self, contexto: &str, sellado: &str) -> Option<Zeroizing<String>> {
        let bytes = STANDARD.decode(sellado.trim()).ok()?;
        if bytes.len() < NONCE_LEN + AES_256_GCM.tag_len() {
            return None;
        }
        let (nonce, cifrado) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut datos = Zeroizing::new(cifrado.to_vec());
        let claro = self
            .llave
            .open_in_place(nonce, Aad::from(contexto.as_bytes()), &mut datos)
            .ok()?;
        let texto = std::str::from_utf8(claro).ok()?;
        Some(Zeroizing::new(texto.to_owned()))
    }
}
