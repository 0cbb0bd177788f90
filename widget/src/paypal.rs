//! The PayPal button: opens PayPal's window in the click; the `window` flow then asks the
//! edge for an order, sends the window to PayPal's approval page and waits. The edge's
//! return page captures the order; the card then shows the request as the edge has it.

use crate::client::{Failure, Shown};
use crate::flows;
use crate::frame::Frame;
use crate::notice::Alert;
use crate::parent::Parent;
use crate::popup::{self, Popup, Said, BLOCKED, PAYPAL_WINDOW};
use crate::settle;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

/// The code the host page hears and the words the buyer reads when PayPal's window is gone
/// and the request still waits for payment.
pub fn unfinished(said: &Option<Said>) -> (&str, &'static str) {
    match said {
        Some(Said { outcome, .. }) if outcome == "canceled" => (
            "paypal_canceled",
            "You canceled PayPal. Choose a way to pay.",
        ),
        Some(Said { outcome, code }) if outcome == "failed" => (
            code.as_deref().unwrap_or("paypal_failed"),
            "PayPal couldn't finish the payment. Try again, or pay by card.",
        ),
        _ => (
            "paypal_canceled",
            "PayPal was closed before the payment finished.",
        ),
    }
}

#[component]
pub fn PayPalButton<W: IntoView + 'static>(
    frame: Arc<Frame>,
    parent: Parent,
    request: RwSignal<Option<Shown>>,
    alert: Alert,
    /// True from the click until the card knows how PayPal ended; the card form is locked
    /// meanwhile.
    busy: RwSignal<bool>,
    /// A card payment, a decline or the wallet is running.
    locked: Memo<bool>,
    /// The wallet button, beside PayPal's.
    children: TypedChildren<W>,
) -> impl IntoView {
    let wallet = children.into_inner();
    let on_click = move |_| {
        if popup::front() || busy.get_untracked() {
            return;
        }
        // Synchronously, before anything is awaited; the address comes with the order.
        let Some(popup) = Popup::open("", PAYPAL_WINDOW, &frame.request_id) else {
            return alert.set(Some(BLOCKED.into()));
        };
        alert.set(None);
        busy.set(true);
        let flow = flows::load("window");
        let options = flows::options(&frame, &[]);
        let frame = frame.clone();
        let parent = parent.clone();
        spawn_local(async move {
            let ended = match (flow.await, options) {
                (Some(flow), Ok(options)) => flows::ended(flow.paypal(&popup.0, &options)).await,
                (None, _) => Err(Failure::Network),
                (_, Err(failure)) => Err(failure),
            };
            drop(popup);
            let said = ended.as_ref().ok().and_then(Said::of);
            let result = ended.and_then(|ended| flows::answer(&ended));
            busy.set(false);
            settle::conclude(&frame, &parent, request, alert, result, unfinished(&said)).await;
        });
    };
    view! {
        <div class="cp-quick">
            // The label, as the wordmark's two colours would read "Pay Pal".
            <button class="cp-paypal" type="button" aria-label="Pay with PayPal" disabled=locked aria-busy=move || busy.get().to_string() on:click=on_click>
                <span class="cp-paypal-pay">"Pay"</span><span class="cp-paypal-pal">"Pal"</span>
            </button>
            {wallet()}
        </div>
        <p class="cp-or" aria-live="polite">
            {move || if busy.get() { "Finish in the PayPal window, or close it to pay by card." } else { "or pay by card" }}
        </p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(outcome: &str, code: Option<&str>) -> Option<Said> {
        Some(Said {
            outcome: outcome.into(),
            code: code.map(Into::into),
        })
    }

    #[test]
    fn an_unfinished_paypal_names_what_happened() {
        assert_eq!(
            unfinished(&said("canceled", None)),
            (
                "paypal_canceled",
                "You canceled PayPal. Choose a way to pay."
            )
        );
        assert_eq!(
            unfinished(&None),
            (
                "paypal_canceled",
                "PayPal was closed before the payment finished."
            )
        );
        let failed = said("failed", Some("processor_unavailable"));
        assert_eq!(unfinished(&failed).0, "processor_unavailable");
        assert_eq!(unfinished(&said("failed", None)).0, "paypal_failed");
        // The window said paid, yet the edge still waits for payment: the edge is right.
        assert_eq!(unfinished(&said("paid", None)).0, "paypal_canceled");
    }
}
