//! The flows a buyer downloads only when they choose them (docs/CONTRACT.md, "What loads
//! when"): small modules beside the card, `widget/flows/*.js`, which the bootstrap imports
//! on demand as `chatpayFlow(name)`. `window` runs PayPal and the bank's 3-D Secure check
//! in the window the card opened; `wallet` runs the Payment Request API. The card keeps its
//! buttons, everything it shows, and the reading of every answer: a flow hands back the
//! edge's answer to its last call, and [`answer`] reads it as the card's own calls are read.

use crate::client::{self, Failure, Shown};
use crate::frame::Frame;
use crate::js_value::js_object;
use crate::reader::at;
use js_sys::Promise;
use std::future::Future;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// A loaded flow module.
    #[derive(Clone)]
    pub type Flow;

    #[wasm_bindgen(catch, js_name = chatpayFlow)]
    fn import_flow(name: &str) -> Result<Promise, JsValue>;

    /// `window`: PayPal in `popup` (widget/flows/window.js).
    #[wasm_bindgen(method)]
    pub fn paypal(this: &Flow, popup: &JsValue, options: &JsValue) -> Promise;

    /// `window`: the bank's check in `popup` (or none, to only finish the payment).
    #[wasm_bindgen(method)]
    pub fn bank(this: &Flow, popup: &JsValue, options: &JsValue) -> Promise;

    /// `wallet`: resolves with whether the wallet can pay now.
    #[wasm_bindgen(method)]
    pub fn offer(this: &Flow, options: &JsValue) -> Promise;

    /// `wallet`: shows the browser's sheet, so call it inside the click, and pays.
    #[wasm_bindgen(method, catch)]
    pub fn pay(this: &Flow, options: &JsValue) -> Result<Promise, JsValue>;
}

/// Starts importing the flow `name` now, and resolves with it (`None` if it could not be
/// loaded). The browser imports a module once: a second load is the same module.
pub fn load(name: &str) -> impl Future<Output = Option<Flow>> {
    let started = import_flow(name).ok();
    async move {
        JsFuture::from(started?)
            .await
            .ok()
            .map(JsCast::unchecked_into)
    }
}

/// Starts importing the flow `name`, for a buyer who is about to need it.
pub fn preload(name: &str) {
    drop(import_flow(name));
}

/// What every flow is told: where the edge is, which request, and the buyer's client
/// secret as the `Authorization` header, with `more`.
pub fn options(frame: &Frame, more: &[(&str, JsValue)]) -> Result<JsValue, Failure> {
    let mut all = vec![
        ("origin", frame.origin.as_str().into()),
        ("request_id", frame.request_id.as_str().into()),
        ("auth", client::bearer(frame)?.into()),
    ];
    all.extend(more.iter().cloned());
    Ok(js_object(&all))
}

/// Waits for a flow to end; `Err` (no answer) when it broke off.
pub async fn ended(running: Promise) -> Result<JsValue, Failure> {
    JsFuture::from(running).await.map_err(|_| Failure::Network)
}

/// The edge's answer to a flow's last call, `{status, json}`, read as the card's own calls
/// are read: status 0 is no answer at all.
pub fn answer(ended: &JsValue) -> Result<Shown, Failure> {
    let status = at(ended, "status").as_f64().unwrap_or(0.0) as u16;
    let json = at(ended, "json");
    match status {
        0 => Err(Failure::Network),
        _ => client::buyer_view(&client::judge(status, json)?),
    }
}
