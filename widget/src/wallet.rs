//! The wallet button, test mode only: the W3C Payment Request API with the edge's sandbox
//! wallet, a web payment app whose method is `{our origin}/sandbox/wallet/pay`
//! (docs/WALLETS.md). The card offers it only when the request is in test mode, the browser
//! has `PaymentRequest` and `canMakePayment()` says yes, so no button is ever dead. The
//! wallet's service worker trades the method's `data` (`{request_id, client_secret}`) for a
//! token, and the `wallet` flow (widget/flows/wallet.js), which only such a card downloads,
//! pays with that token.

use crate::client::{Failure, Shown};
use crate::flows::{self, Flow};
use crate::frame::Frame;
use crate::notice::Alert;
use crate::parent::Parent;
use crate::reader::text_at;
use chatpay_core::api::views::PublicPaymentRequest;
use js_sys::Reflect;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::JsValue;

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

/// The code the host page hears and the words the buyer reads when the wallet flow ended
/// with `code`, without paying.
pub fn refused(code: &str) -> (&'static str, &'static str) {
    match code {
        "wallet_canceled" => ("wallet_canceled", CANCELED),
        "wallet_failed" => ("wallet_failed", FAILED),
        _ => ("wallet_unavailable", UNAVAILABLE),
    }
}

/// What the wallet flow needs, beyond [`flows::options`], to ask the browser about
/// `request`, or `None` when the browser has no Payment Request API (or the frame no client
/// secret, which the wallet needs).
fn asked(frame: &Frame, request: &PublicPaymentRequest) -> Option<Vec<(&'static str, JsValue)>> {
    let window: JsValue = web_sys::window()?.into();
    if !Reflect::has(&window, &"PaymentRequest".into()).unwrap_or(false) {
        return None;
    }
    let secret = frame.client_secret.as_ref()?.expose();
    let label = match request.description.as_str() {
        "" => request.seller.display_name.as_str(),
        description => description,
    };
    Some(vec![
        ("client_secret", secret.as_str().into()),
        ("label", label.into()),
        ("currency", request.currency.as_str().into()),
        ("amount", request.amount.as_str().into()),
    ])
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
    // The flow, once loaded: `pay()` must then run inside the click, with nothing awaited.
    let flow: Rc<RefCell<Option<Flow>>> = Rc::default();
    let first = request
        .get_untracked()
        .filter(|r| may_offer(r))
        .and_then(|r| asked(&frame, &r))
        .and_then(|more| flows::options(&frame, &more).ok());
    if let Some(first) = first {
        let flow = flow.clone();
        spawn_local(async move {
            let Some(loaded) = flows::load("wallet").await else {
                return;
            };
            let yes = flows::ended(loaded.offer(&first)).await;
            *flow.borrow_mut() = Some(loaded);
            offered.set(yes.ok().and_then(|v| v.as_bool()) == Some(true));
        });
    }
    let tell = move |parent: &Parent, code: &str, text: &'static str| {
        parent.error(code, text);
        alert.set(Some(text.into()));
    };
    let on_click = move |_| {
        let loaded = flow.borrow().clone();
        let (Some(loaded), Some(shown)) = (loaded, request.get_untracked()) else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        alert.set(None);
        let Ok(shipping) = shipping() else {
            return;
        };
        // `show()` synchronously, inside the click: the browser needs the buyer's gesture.
        let running = asked(&frame, &shown).and_then(|mut more| {
            more.extend(shipping.map(|address| ("shipping", address)));
            loaded.pay(&flows::options(&frame, &more).ok()?).ok()
        });
        let Some(running) = running else {
            offered.set(false);
            return tell(&parent, "wallet_unavailable", UNAVAILABLE);
        };
        busy.set(true);
        let parent = parent.clone();
        let answered = answered.clone();
        spawn_local(async move {
            let ended = flows::ended(running).await;
            busy.set(false);
            if let Some(code) = ended.as_ref().ok().and_then(|e| text_at(e, "code")) {
                let (code, text) = refused(&code);
                if code == "wallet_unavailable" {
                    offered.set(false);
                }
                return tell(&parent, code, text);
            }
            answered(ended.and_then(|ended| flows::answer(&ended)), false);
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
    fn a_closed_sheet_is_a_cancel_and_anything_unknown_takes_the_button_away() {
        assert_eq!(refused("wallet_canceled"), ("wallet_canceled", CANCELED));
        assert_eq!(refused("wallet_failed"), ("wallet_failed", FAILED));
        for name in ["wallet_unavailable", "NotSupportedError", ""] {
            assert_eq!(refused(name), ("wallet_unavailable", UNAVAILABLE), "{name}");
        }
    }
}
