//! The wallet button, test mode only: the W3C Payment Request API with the edge's sandbox
//! wallet, a web payment app whose method is `{our origin}/sandbox/wallet/pay`
//! (docs/WALLETS.md). The card offers it only when the request is in test mode, the browser
//! has `PaymentRequest` and `canMakePayment()` says yes, so no button is ever dead. The
//! wallet's service worker trades the method's `data` (`{request_id, client_secret}`) for a
//! token, and the card pays with that token.
//!
//! web-sys has no `PaymentRequest`, so the API is called through `Reflect`.

use crate::client::{self, Failure, Shown};
use crate::frame::Frame;
use crate::js_value::js_object;
use crate::notice::Alert;
use crate::parent::Parent;
use chatpay_core::api::views::PublicPaymentRequest;
use chatpay_core::state::Status;
use js_sys::{Array, Function, Promise, Reflect};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The buyer closed the wallet's sheet (`show()` rejected with `AbortError`).
pub const CANCELED: &str = "You closed the wallet. Choose a way to pay.";
/// The browser would not run the wallet; the button goes away.
pub const UNAVAILABLE: &str =
    "The wallet isn't available in this browser. Choose another way to pay.";
/// The wallet answered without a token.
pub const FAILED: &str = "The wallet couldn't pay. Try again, or choose another way to pay.";

/// Whether the card may offer the wallet for this request at all: in test mode only, as no
/// live wallet can be verified here. The browser then has the last word (`canMakePayment`).
pub fn may_offer(request: &PublicPaymentRequest) -> bool {
    !request.livemode
}

/// The code the host page hears and the words the buyer reads when `show()` rejected with
/// the `DOMException` named `name`.
pub fn refused(name: &str) -> (&'static str, &'static str) {
    match name {
        "AbortError" => ("wallet_canceled", CANCELED),
        _ => ("wallet_unavailable", UNAVAILABLE),
    }
}

/// `target[name](...args)`.
fn call(target: &JsValue, name: &str, args: &Array) -> Result<JsValue, JsValue> {
    Reflect::get(target, &name.into())?
        .dyn_into::<Function>()?
        .apply(target, args)
}

/// Waits for what `target[name](...args)` promises.
async fn settled(target: &JsValue, name: &str, args: &Array) -> Result<JsValue, JsValue> {
    JsFuture::from(Promise::from(call(target, name, args)?)).await
}

/// A `PaymentRequest` for the sandbox wallet and `request`, or `None` when the browser has no
/// Payment Request API (or the frame no client secret, which the wallet needs).
fn payment_request(frame: &Frame, request: &PublicPaymentRequest) -> Option<JsValue> {
    let window: JsValue = web_sys::window()?.into();
    let constructor = Reflect::get(&window, &"PaymentRequest".into()).ok()?;
    let constructor = constructor.dyn_into::<Function>().ok()?;
    let secret = frame.client_secret.as_ref()?.expose();
    let data = js_object(&[
        ("request_id", frame.request_id.as_str().into()),
        ("client_secret", secret.as_str().into()),
    ]);
    let method = js_object(&[
        (
            "supportedMethods",
            format!("{}/sandbox/wallet/pay", frame.origin).into(),
        ),
        ("data", data),
    ]);
    let amount = js_object(&[
        ("currency", request.currency.as_str().into()),
        ("value", request.amount.as_str().into()),
    ]);
    let label = match request.description.as_str() {
        "" => request.seller.display_name.as_str(),
        description => description,
    };
    // No payer name, email, phone or shipping: the browser would show a sheet of its own.
    let total = js_object(&[("label", label.into()), ("amount", amount)]);
    let methods = Array::of1(&method);
    let details = js_object(&[("total", total)]);
    Reflect::construct(&constructor, &Array::of2(&methods, &details)).ok()
}

/// Ends the wallet's part with `outcome`; its promise is awaited only so that a rejection is
/// handled.
fn complete(response: &JsValue, outcome: &'static str) {
    let response = response.clone();
    spawn_local(async move {
        let _ = settled(&response, "complete", &Array::of1(&outcome.into())).await;
    });
}

#[component]
pub fn WalletButton(
    frame: Arc<Frame>,
    parent: Parent,
    request: RwSignal<Option<Shown>>,
    alert: Alert,
    /// True from the click until the card knows how the wallet ended; the card is locked
    /// meanwhile (the browser's sheet is in front of it).
    busy: RwSignal<bool>,
    /// Another payment is running.
    locked: Memo<bool>,
    /// The card's shipping address for pay, or `Err` once its problems are shown: the
    /// wallet asks for none.
    shipping: impl Fn() -> Result<Option<JsValue>, ()> + Copy + Send + Sync + 'static,
    /// Shows what pay answered, as for a card.
    answered: impl Fn(Result<Shown, Failure>, bool) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let offered = RwSignal::new(false);
    let asked = request
        .get_untracked()
        .filter(|r| may_offer(r))
        .and_then(|r| payment_request(&frame, &r));
    if let Some(asked) = asked {
        spawn_local(async move {
            let yes = settled(&asked, "canMakePayment", &Array::new()).await;
            offered.set(yes.ok().and_then(|v| v.as_bool()) == Some(true));
        });
    }
    let tell = move |parent: &Parent, code: &str, text: &'static str| {
        parent.error(code, text);
        alert.set(Some(text.into()));
    };
    let on_click = move |_| {
        if busy.get_untracked() {
            return;
        }
        let Some(shown) = request.get_untracked() else {
            return;
        };
        alert.set(None);
        let Ok(shipping) = shipping() else {
            return;
        };
        // `show()` synchronously, inside the click: the browser needs the buyer's gesture.
        let showing = payment_request(&frame, &shown)
            .and_then(|asked| call(&asked, "show", &Array::new()).ok());
        let Some(showing) = showing else {
            offered.set(false);
            return tell(&parent, "wallet_unavailable", UNAVAILABLE);
        };
        busy.set(true);
        let frame = frame.clone();
        let parent = parent.clone();
        let answered = answered.clone();
        spawn_local(async move {
            let response = match JsFuture::from(Promise::from(showing)).await {
                Ok(response) => response,
                Err(error) => {
                    busy.set(false);
                    let name = Reflect::get(&error, &"name".into()).ok();
                    let (code, text) =
                        refused(&name.and_then(|n| n.as_string()).unwrap_or_default());
                    if code != "wallet_canceled" {
                        offered.set(false);
                    }
                    return tell(&parent, code, text);
                }
            };
            let token = Reflect::get(&response, &"details".into())
                .and_then(|details| Reflect::get(&details, &"token".into()))
                .ok()
                .and_then(|token| token.as_string());
            let Some(token) = token else {
                complete(&response, "unknown");
                busy.set(false);
                return tell(&parent, "wallet_failed", FAILED);
            };
            let key = client::new_idempotency_key();
            let outcome = client::wallet_pay(&frame, &key, &token, shipping).await;
            let paid = matches!(&outcome, Ok(r) if r.status.known() != Some(Status::Requested));
            // A failure is "unknown", not "fail": after "fail" Chromium keeps UI of its own
            // open (headless, it takes the keyboard from the card), while the card says what
            // went wrong anyway.
            complete(&response, if paid { "success" } else { "unknown" });
            busy.set(false);
            answered(outcome, false);
        });
    };
    // Hidden until the browser says yes, and for good in live mode: one view to download,
    // where showing and dropping it would cost two.
    view! {
        <button class="cp-wallet" type="button" hidden=move || !offered.get() disabled=locked on:click=on_click>
            "Pay with wallet"
        </button>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chatpay_core::api::views::PublicSeller;
    use chatpay_core::api::wire::Wire;

    fn request(livemode: bool) -> PublicPaymentRequest {
        PublicPaymentRequest {
            id: "pr_1".into(),
            object: Default::default(),
            status: Wire::read("requested"),
            amount: "18.00".into(),
            currency: "USD".into(),
            description: "Mug".into(),
            seller: PublicSeller {
                display_name: "Clayworks".into(),
            },
            created_at: String::new(),
            livemode,
            payment: None,
            next_action: None,
            expires_at: None,
            collect_shipping: false,
            fulfillment_status: Default::default(),
            shipment: None,
            refund_status: Default::default(),
            amount_refunded: String::new(),
            claim: None,
        }
    }

    #[test]
    fn only_a_test_mode_request_may_offer_the_wallet() {
        assert!(may_offer(&request(false)));
        assert!(!may_offer(&request(true)));
    }

    #[test]
    fn a_closed_sheet_is_a_cancel_and_anything_else_takes_the_button_away() {
        assert_eq!(refused("AbortError"), ("wallet_canceled", CANCELED));
        for name in [
            "NotSupportedError",
            "SecurityError",
            "InvalidStateError",
            "",
        ] {
            assert_eq!(refused(name), ("wallet_unavailable", UNAVAILABLE), "{name}");
        }
    }
}
