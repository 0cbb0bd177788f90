//! The seller's key for this tab: in `sessionStorage` only (gone when the tab closes), never
//! in a URL, a cookie or `localStorage`.

const KEY_NAME: &str = "chatpay.seller_key";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

pub fn stored_key() -> Option<String> {
    storage()?
        .get_item(KEY_NAME)
        .ok()?
        .filter(|k| !k.is_empty())
}

pub fn store_key(key: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(KEY_NAME, key);
    }
}

pub fn clear_key() {
    if let Some(s) = storage() {
        let _ = s.remove_item(KEY_NAME);
    }
}

/// Keys the dashboard accepts: the seller's secret key, or an agent's restricted key (the
/// API then refuses, with its own message, what that agent may not do).
pub fn looks_like_secret_key(key: &str) -> bool {
    ["sk_test_", "sk_live_", "rk_test_", "rk_live_"]
        .iter()
        .any(|p| key.starts_with(p))
        && key.len() > 12
        && key.bytes().all(|b| b.is_ascii_graphic())
}
