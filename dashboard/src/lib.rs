//! chatpay's seller dashboard and agent console: a Leptos app the edge serves at
//! `/dashboard`, same-origin with the API. The seller (or an agent, with a restricted key)
//! signs in with a key kept in `sessionStorage` only, then browses the order history, acts
//! on one order, works a conversation live, and (the seller) reads revenue by agent or period.

pub mod actions;
pub mod api;
pub mod app;
pub mod badges;
pub mod compose;
pub mod conversations;
pub mod detail;
pub mod feed;
pub mod fields;
pub mod history;
pub mod intl;
pub mod paste;
pub mod progress;
pub mod reveal;
pub mod revenue;
pub mod session;

use wasm_bindgen::prelude::*;

/// Runs when the module is instantiated by the bootstrap script.
#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(app::App);
}
