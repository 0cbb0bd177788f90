//! The window the card opens for PayPal's approval or the bank's 3-D Secure check. It is
//! opened inside the buyer's click, before anything is awaited (browsers block a popup
//! opened later), and the card then waits for the edge's return page in it to post the
//! outcome, or for the buyer to close it.

use crate::client;
use crate::frame::Frame;
use chatpay_core::state::Status;
use js_sys::{Object, Reflect};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Window};

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

/// The open window; dropping it closes it.
pub struct Popup(Window);

impl Popup {
    /// Opens the window at `url`. Call it synchronously in the click handler.
    pub fn open(url: &str, name: &str) -> Option<Popup> {
        let window = web_sys::window()?
            .open_with_url_and_target_and_features(url, name, "popup,width=480,height=680")
            .ok()??;
        OPEN.set(Some(window.clone()));
        Some(Popup(window))
    }

    pub fn go(&self, url: &str) {
        let _ = self.0.location().set_href(url);
    }

    /// Waits for the return page's `{chatpay: 1, type: kind, request_id, attempt?, outcome}`
    /// from this window and our own origin, or for the window to close (`None`). With
    /// `poll`, the request is also read every 2 s, and the wait ends (`None`) once it is no
    /// longer waiting for payment: the window went through another site, which may cut it
    /// off from the card.
    pub async fn wait(
        &self,
        frame: &Frame,
        kind: &'static str,
        attempt: Option<&str>,
        poll: bool,
    ) -> Option<Said> {
        let said = Rc::new(RefCell::new(None));
        let listener = {
            let said = said.clone();
            let popup: JsValue = self.0.clone().into();
            let origin = frame.origin.clone();
            let request_id = frame.request_id.clone();
            let attempt = attempt.map(str::to_owned);
            Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
                let data = event.data();
                let ours = event.origin() == origin
                    && event.source().is_some_and(|s| Object::is(&s, &popup))
                    && Reflect::get(&data, &"chatpay".into())
                        .ok()
                        .and_then(|v| v.as_f64())
                        == Some(1.0)
                    && text(&data, "type").as_deref() == Some(kind)
                    && text(&data, "request_id") == Some(request_id.clone())
                    && (attempt.is_none() || text(&data, "attempt") == attempt);
                if let (true, Some(outcome)) = (ours, text(&data, "outcome")) {
                    *said.borrow_mut() = Some(Said {
                        outcome,
                        code: text(&data, "code"),
                    });
                }
            })
        };
        let window = web_sys::window()?;
        let _ =
            window.add_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
        let mut ticks = 0u32;
        loop {
            client::sleep(500).await;
            if said.borrow().is_some() || self.0.closed().unwrap_or(true) {
                break;
            }
            ticks += 1;
            if poll && ticks % 4 == 0 {
                if let Ok(latest) = client::fetch_public(frame).await {
                    if latest.status.known() != Some(Status::Requested) {
                        break;
                    }
                }
            }
        }
        let _ = window
            .remove_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
        said.take()
    }
}

impl Drop for Popup {
    fn drop(&mut self) {
        let _ = self.0.close();
        OPEN.set(None);
    }
}

fn text(object: &JsValue, key: &str) -> Option<String> {
    Reflect::get(object, &key.into()).ok()?.as_string()
}
