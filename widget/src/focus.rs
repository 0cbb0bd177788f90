//! Focus for keyboard and screen-reader users, moved to what replaced the control they used.

use crate::client;
use wasm_bindgen::JsCast;

/// Moves keyboard and screen-reader focus to an element that just replaced the form.
pub async fn focus_by_id(id: &str) {
    client::sleep(30).await;
    if let Some(element) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = element.focus();
    }
}
