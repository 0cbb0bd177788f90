//! Idempotency keys for the browser's mutating calls (the card's pay, decline and claim; the
//! dashboard's actions): one fresh key per attempt, reused only when that same attempt is
//! retried after a network failure.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `crypto.randomUUID()`: 122 random bits from the browser's CSPRNG. Secure contexts
    /// only (https, and loopback in development), which every chatpay page is.
    #[wasm_bindgen(js_namespace = crypto, js_name = randomUUID, catch)]
    fn random_uuid() -> Result<String, JsValue>;

    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
    fn get_random_values(buf: &mut [u8]) -> Result<JsValue, JsValue>;
}

/// A fresh `Idempotency-Key`: `crypto.randomUUID()`, or 128 bits from
/// `crypto.getRandomValues` in hex where an older browser lacks it.
pub fn new_idempotency_key() -> String {
    if let Ok(uuid) = random_uuid() {
        return uuid;
    }
    let mut bytes = [0u8; 16];
    let _ = get_random_values(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
