//! Messages to the embedding page: `{chatpay: 1, type, request_id, ...}` posted with an
//! explicit `targetOrigin`. Nothing is posted unless the parent origin from the fragment is
//! one of the seller's allowed origins. Card data never goes through here.

use crate::js_value::js_object;
use std::cell::Cell;
use wasm_bindgen::prelude::*;

#[derive(Clone, Debug)]
pub struct Parent {
    origin: Option<String>,
    request_id: String,
}

impl Parent {
    pub fn new(origin: Option<String>, request_id: String) -> Parent {
        Parent { origin, request_id }
    }

    pub fn ready(&self, status: &str) {
        self.post("ready", &[("status", status.into())]);
    }

    pub fn paid(&self, payment_id: &str, amount: &str, currency: &str) {
        self.post(
            "paid",
            &[
                ("payment_id", payment_id.into()),
                ("amount", amount.into()),
                ("currency", currency.into()),
            ],
        );
    }

    /// Agent capture: the card was sent to the seller (no payment yet, so no payment id).
    pub fn collected(&self) {
        self.post("collected", &[]);
    }

    /// The buyer declined the request in the card.
    pub fn declined(&self) {
        self.post("declined", &[]);
    }

    pub fn error(&self, code: &str, message: &str) {
        self.post(
            "error",
            &[("code", code.into()), ("message", message.into())],
        );
    }

    fn resize(&self, height: u32) {
        self.post("resize", &[("height", height.into())]);
    }

    fn post(&self, kind: &str, fields: &[(&str, JsValue)]) {
        let Some(origin) = &self.origin else { return };
        let Some(parent) = parent_window() else {
            return;
        };
        let head = [
            ("chatpay", JsValue::from(1)),
            ("type", kind.into()),
            ("request_id", self.request_id.as_str().into()),
        ];
        let _ = parent.post_message(&js_object(head.iter().chain(fields)), origin);
    }

    /// Reports the body's height whenever it changes, so the parent can size the iframe to
    /// the card without scrollbars.
    pub fn watch_height(self) {
        let Some(body) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        else {
            return;
        };
        let last = Cell::new(0u32);
        let target = body.clone();
        let on_resize = Closure::<dyn Fn()>::new(move || {
            let height = target.get_bounding_client_rect().height().ceil() as u32;
            if height != last.replace(height) {
                self.resize(height);
            }
        });
        if let Ok(observer) = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
            observer.observe(&body);
        }
        // The observer lives as long as the page.
        on_resize.forget();
    }
}

/// The embedding window, or `None` when the frame was opened on its own.
fn parent_window() -> Option<web_sys::Window> {
    let window = web_sys::window()?;
    let parent = window.parent().ok().flatten()?;
    let own: &JsValue = window.as_ref();
    let theirs: &JsValue = parent.as_ref();
    (!js_sys::Object::is(own, theirs)).then_some(parent)
}
