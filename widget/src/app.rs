//! The card as a whole: loads the request, then shows the form, the receipt with the order's
//! progress, or why it can no longer be paid, depending on where the order stands.

use crate::card_form::CardForm;
use crate::challenge::Challenge;
use crate::claim_form::ReportProblem;
use crate::client::{self, Failure, Shown};
use crate::frame::Frame;
use crate::intl::{format_amount, format_time};
use crate::notice::{outcome, Alert};
use crate::order::Stage;
use crate::order_status::OrderStatus;
use crate::parent::Parent;
use crate::receipt::Receipt;
use crate::settle::{watch_pending, COLLECTED_TEXT, PENDING_TEXT};
use chatpay_core::state::Refund;
use js_sys::JsString;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

#[component]
pub fn App() -> impl IntoView {
    let frame = Arc::new(Frame::from_location());
    let parent = Parent::new(frame.parent_origin.clone(), frame.request_id.clone());
    parent.clone().watch_height();

    let request = RwSignal::new(None::<Shown>);
    let alert: Alert = RwSignal::new(None);
    let load_error = RwSignal::new(None::<String>);
    let loader = Loader {
        frame: frame.clone(),
        parent: parent.clone(),
        request,
        load_error,
    };
    loader.load();

    let body = move || {
        match request.get() {
        Some(r) => view! { <RequestCard request=r signal=request alert frame=frame.clone() parent=parent.clone() /> }.into_any(),
        None => match load_error.get() {
            Some(message) => {
                let loader = loader.clone();
                view! {
                    <div class="cp-unavailable" role="alert">
                        <p>{message}</p>
                        <button class="cp-secondary" type="button" on:click=move |_| loader.load()>"Try again"</button>
                    </div>
                }
                .into_any()
            }
            None => view! {
                <div class="cp-skeleton" aria-busy="true" aria-label="Loading payment request">
                    <span class="cp-bone cp-bone-s"></span>
                    <span class="cp-bone cp-bone-l"></span>
                    <span class="cp-bone cp-bone-m"></span>
                </div>
            }
            .into_any(),
        },
    }
    };

    view! {
        <main class="cp-card">
            {body}
            <footer class="cp-footer">
                <svg aria-hidden="true" viewBox="0 0 16 16" width="12" height="12"><path d="M4.5 7V5a3.5 3.5 0 0 1 7 0v2h.5a1 1 0 0 1 1 1v6a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1zm1.5 0h4V5a2 2 0 0 0-4 0z" fill="currentColor"/></svg>
                <span>"Secure payment by chatpay"</span>
                {move || request.with(|r| r.as_ref().is_some_and(|r| !r.livemode)).then(|| view! { <span class="cp-test">"Test mode"</span> })}
            </footer>
        </main>
    }
}

/// Fetches the public request into the signals; tells the parent once it is ready.
#[derive(Clone)]
struct Loader {
    frame: Arc<Frame>,
    parent: Parent,
    request: RwSignal<Option<Shown>>,
    load_error: RwSignal<Option<String>>,
}

impl Loader {
    fn load(&self) {
        let this = self.clone();
        this.load_error.set(None);
        spawn_local(async move {
            match client::fetch_public(&this.frame).await {
                Ok(r) => {
                    this.parent.ready(r.status.as_str());
                    this.request.set(Some(r));
                }
                Err(failure) => {
                    let message = load_message(&failure);
                    this.parent.error(failure.code(), message);
                    this.load_error.set(Some(message.to_owned()));
                }
            }
        });
    }
}

fn load_message(failure: &Failure) -> &'static str {
    match failure {
        Failure::Network => "We couldn't load this payment request. Check your connection.",
        Failure::NoSecret => "This payment card has expired. Reload the chat to pay.",
        Failure::Api { status: 401, .. } => "This payment link is not valid.",
        Failure::Api { status: 404, .. } => "This payment request could not be found.",
        Failure::Api { .. } => "We couldn't load this payment request. Please try again.",
    }
}

#[component]
fn RequestCard(
    request: Shown,
    signal: RwSignal<Option<Shown>>,
    alert: Alert,
    frame: Arc<Frame>,
    parent: Parent,
) -> impl IntoView {
    let amount = format_amount(&request.amount, &request.currency);
    let seller = request.seller.display_name.clone();
    // The browser's own upper-casing: Rust's would bring its Unicode case table (4.3 KB
    // brotli) into every buyer's download.
    let first = seller.chars().next().unwrap_or('·').to_string();
    let initial = String::from(JsString::from(first).to_upper_case());
    let stage = Stage::of(&request);
    let content = match (stage, request.payment.clone()) {
        (Stage::AwaitingPayment, _) => match request.next_action.clone() {
            Some(action) => view! { <Challenge frame parent request=signal alert action /> }.into_any(),
            None => view! {
                <CardForm frame parent request=signal alert amount=amount.clone() collect_shipping=request.collect_shipping seller=seller.clone() />
            }
            .into_any(),
        },
        (Stage::Processing, _) => {
            watch_pending(frame, parent, signal, alert, request.clone());
            outcome(PENDING_TEXT, "We'll show the receipt here as soon as it's done.".into())
        }
        (Stage::SentToSeller, _) => outcome(
            COLLECTED_TEXT,
            format!("{seller} will charge your card. Nothing has been charged yet, and your card details are deleted as soon as {seller} has processed them."),
        ),
        (Stage::Declined, _) => outcome(
            "You declined this request",
            format!("{seller} has been told. Nothing was charged."),
        ),
        (Stage::Expired, _) => outcome(
            "This request has expired",
            match &request.expires_at {
                Some(at) => format!("It could be paid until {}. Ask {seller} for a new one.", format_time(at)),
                None => format!("Ask {seller} for a new one."),
            },
        ),
        (Stage::Canceled, _) => {
            let refunded = (request.refund_status.known() == Some(Refund::Full))
                .then_some(" Your payment was refunded in full.");
            view! {
                <p class="cp-notice cp-notice-canceled">
                    {seller.clone()} " canceled this payment request. It can no longer be paid." {refunded}
                </p>
            }
            .into_any()
        }
        (_, Some(payment)) => {
            let can_claim = request.actions().claim;
            view! {
                <Receipt payment amount=amount.clone() seller=seller.clone() />
                <OrderStatus request=request.clone() />
                {can_claim.then(|| view! { <ReportProblem frame parent request=signal /> })}
            }
            .into_any()
        }
        (_, None) => view! { <p class="cp-notice">"This request has been paid."</p> }.into_any(),
    };
    view! {
        <header class="cp-head">
            <span class="cp-avatar" aria-hidden="true">{initial}</span>
            <span class="cp-seller">{seller.clone()}</span>
            <span class=stage.class()>{stage.label()}</span>
        </header>
        <p class="cp-description">{request.description.clone()}</p>
        <p class="cp-amount" class:cp-amount-done=!matches!(stage, Stage::AwaitingPayment | Stage::Processing)>{amount}</p>
        {content}
    }
}
