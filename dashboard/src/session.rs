//! The seller's key for this tab: in `sessionStorage` only (gone when the tab closes), never
//! in a URL, a cookie or `localStorage`; and the [`Session`] every view reads it through.

use crate::api::Failure;
use leptos::prelude::*;

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

/// What every view needs: the key, and a way to sign out (also when the key stops working).
#[derive(Clone, Copy)]
pub struct Session {
    pub(crate) key: RwSignal<Option<String>>,
    pub(crate) notice: RwSignal<Option<String>>,
}

impl Session {
    pub fn key(&self) -> String {
        self.key.get_untracked().unwrap_or_default()
    }

    /// Whether the key is an agent's restricted key: the console then offers only what the
    /// route table lets agents do.
    pub fn is_agent(&self) -> bool {
        self.key
            .with_untracked(|k| k.as_deref().is_some_and(|k| k.starts_with("rk_")))
    }

    /// Whether this key may call `operation`, by core's route table.
    pub fn may(&self, operation: chatpay_core::routes::Operation) -> bool {
        operation
            .route()
            .is_some_and(|r| !self.is_agent() || r.credential.admits_agents())
    }

    pub fn sign_out(&self, notice: Option<&str>) {
        clear_key();
        self.notice.set(notice.map(str::to_owned));
        self.key.set(None);
    }

    /// Sends the seller back to sign-in when the key is refused; other failures stay with
    /// the view that met them.
    pub fn check(&self, failure: &Failure) {
        if failure.is_unauthorized() {
            self.sign_out(Some("That key is no longer accepted. Sign in again."));
        }
    }
}
