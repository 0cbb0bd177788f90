//! The bank's 3-D Secure check: "Continue" opens the bank's page in a window of its own; the
//! `window` flow waits there for the edge's return page (or for the window to close), then
//! asks the edge to finish the payment with `{method: {type: "card_action", attempt}}`.

use crate::client::{self, Failure, Shown};
use crate::flows;
use crate::frame::Frame;
use crate::notice::{alert_box, outcome, Alert};
use crate::parent::Parent;
use crate::popup::{self, Popup, BANK_WINDOW, BLOCKED};
use crate::settle::{self, ACTION_TEXT};
use chatpay_core::api::views::NextAction;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::JsValue;

#[component]
pub fn Challenge(
    frame: Arc<Frame>,
    parent: Parent,
    request: RwSignal<Option<Shown>>,
    alert: Alert,
    action: NextAction,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    // Only a buyer whose bank asks for the check downloads the flow that runs it.
    flows::preload("window");
    // Kept while the finishing call may have reached the edge without an answer: Continue
    // then retries it under the same key instead of reopening the bank's page.
    let retry_key = Rc::new(RefCell::new(None::<String>));
    let on_click = move |_| {
        if popup::front() || busy.get_untracked() {
            return;
        }
        // Synchronously, before anything is awaited.
        let popup = match retry_key.borrow().is_some() {
            true => None,
            false => match frame
                .may_open(&action.url)
                .then(|| Popup::open(&action.url, BANK_WINDOW, &frame.request_id))
                .flatten()
            {
                Some(popup) => Some(popup),
                None => return alert.set(Some(BLOCKED.into())),
            },
        };
        alert.set(None);
        busy.set(true);
        let flow = flows::load("window");
        let key = retry_key.take().unwrap_or_else(client::new_idempotency_key);
        let more = [
            ("attempt", action.attempt.as_str().into()),
            ("key", key.as_str().into()),
        ];
        let options = flows::options(&frame, &more);
        let frame = frame.clone();
        let parent = parent.clone();
        let retry_key = retry_key.clone();
        spawn_local(async move {
            // Done, canceled or closed, the flow then asks the edge to finish the payment,
            // and the edge asks the bank how it went.
            let window = popup.as_ref().map_or(JsValue::NULL, |p| p.0.clone().into());
            let (ran, ended) = match (flow.await, options) {
                (Some(flow), Ok(options)) => {
                    (true, flows::ended(flow.bank(&window, &options)).await)
                }
                (None, _) => (false, Err(Failure::Network)),
                (_, Err(failure)) => (false, Err(failure)),
            };
            drop(popup);
            let result = ended.and_then(|ended| flows::answer(&ended));
            // A flow that never ran never reached the edge: the bank's page opens again.
            *retry_key.borrow_mut() =
                (ran && matches!(&result, Err(f) if f.may_retry())).then_some(key);
            busy.set(false);
            settle::conclude(
                &frame,
                &parent,
                request,
                alert,
                result,
                ("requires_action", ACTION_TEXT),
            )
            .await;
        });
    };
    view! {
        {outcome(ACTION_TEXT, "Continue to open your bank's page in a new window, then come back here.".into())}
        {alert_box(alert)}
        <div class="cp-actions">
            <button class="cp-pay" type="button" on:click=on_click>
                {move || if busy.get() { "Waiting for your bank…" } else { "Continue" }}
            </button>
        </div>
    }
}
