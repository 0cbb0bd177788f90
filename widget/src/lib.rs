//! chatpay's payment card: a Leptos app that runs inside the iframe the edge serves at
//! `/v1/frame/{id}`. It shows one payment request, takes the card, pays it same-origin and
//! tells the embedding page what happened through `postMessage`, never with card data.

// Error values are larger on a 64-bit host than on wasm32, where these crates run; the
// host build exists for unit tests.
#![cfg_attr(not(target_arch = "wasm32"), allow(clippy::result_large_err))]

pub mod address;
pub mod app;
pub mod card_entry;
pub mod card_form;
pub mod challenge;
pub mod claim_form;
pub mod client;
pub mod failure_text;
pub mod flows;
pub mod focus;
pub mod frame;
pub mod intl;
pub mod js_value;
pub mod notice;
pub mod order;
pub mod order_status;
pub mod parent;
pub mod paypal;
pub mod popup;
pub mod progress;
pub mod reader;
pub mod receipt;
pub mod settle;
pub mod wallet;

use wasm_bindgen::prelude::*;

/// Runs when the module is instantiated by the bootstrap script.
#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(app::App);
}
