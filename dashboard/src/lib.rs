//! chatpay's seller dashboard: a Leptos app the edge serves at `/dashboard`, same-origin
//! with the API. The seller signs in with a secret key kept in `sessionStorage` only, then
//! browses the order history, acts on one order, and reads revenue by agent or period.

pub mod actions;
pub mod api;
pub mod app;
pub mod badges;
pub mod detail;
pub mod history;
pub mod intl;
pub mod revenue;
pub mod session;

use wasm_bindgen::prelude::*;

/// Runs when the module is instantiated by the bootstrap script.
#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(app::App);
}
