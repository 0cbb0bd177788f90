//! The window the card opens for PayPal's approval or the bank's 3-D Secure check. It is
//! opened inside the buyer's click, before anything is awaited (browsers block a popup
//! opened later); the `window` flow (crate::flows) then runs in it and closes it.

use crate::reader::{object_at, text_at};
use std::cell::Cell;
use wasm_bindgen::JsValue;
use web_sys::Window;

pub const PAYPAL_WINDOW: &str = "chatpay_paypal";
pub const BANK_WINDOW: &str = "chatpay_3ds";

/// What the buyer reads when the browser refused to open the window.
pub const BLOCKED: &str = "Your browser blocked the window. Allow pop-ups and try again.";

/// What the edge's return page posted: `outcome`, and `code` when it failed.
#[derive(Debug, Default)]
pub struct Said {
    pub outcome: String,
    pub code: Option<String>,
}

impl Said {
    /// The `said` of a window flow's end, if the return page posted anything.
    pub fn of(ended: &JsValue) -> Option<Said> {
        let said = object_at(ended, "said")?;
        Some(Said {
            outcome: text_at(&said, "outcome").unwrap_or_default(),
            code: text_at(&said, "code"),
        })
    }
}

thread_local! {
    /// The window the card has open, if any: a card runs one payment at a time.
    static OPEN: Cell<Option<Window>> = const { Cell::new(None) };
}

/// Brings the card's open window to the front, for a buyer who pressed the button again;
/// `false` when none is open.
pub fn front() -> bool {
    let open = OPEN.take();
    let found = open.as_ref().map(Window::focus).is_some();
    OPEN.set(open);
    found
}

/// The open window; dropping it closes it (the flow closes it too, as soon as it is done).
pub struct Popup(pub Window);

impl Popup {
    /// Opens the window at `url`. Call it synchronously in the click handler. The window's
    /// name is `kind` and the request's id: two cards in one chat never share a window.
    pub fn open(url: &str, kind: &str, request_id: &str) -> Option<Popup> {
        let name = format!("{kind}_{request_id}");
        let window = web_sys::window()?
            .open_with_url_and_target_and_features(url, &name, "popup,width=480,height=680")
            .ok()??;
        OPEN.set(Some(window.clone()));
        Some(Popup(window))
    }
}

impl Drop for Popup {
    fn drop(&mut self) {
        let _ = self.0.close();
        OPEN.set(None);
    }
}
