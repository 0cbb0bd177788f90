//! The card as a whole: loads the request, then shows the form, the receipt or the
//! canceled notice, depending on the request's status.

use crate::card_form::CardForm;
use crate::client::{self, Failure};
use crate::frame::Frame;
use crate::intl::format_amount;
use crate::parent::Parent;
use crate::receipt::Receipt;
use chatpay_core::api::PublicPaymentRequest;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

#[component]
pub fn App() -> impl IntoView {
    let frame = Arc::new(Frame::from_location());
    let parent = Parent::new(frame.parent_origin.clone(), frame.request_id.clone());
    parent.clone().watch_height();

    let request = RwSignal::new(None::<PublicPaymentRequest>);
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
        Some(r) => view! { <RequestCard request=r signal=request frame=frame.clone() parent=parent.clone() /> }.into_any(),
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
    request: RwSignal<Option<PublicPaymentRequest>>,
    load_error: RwSignal<Option<String>>,
}

impl Loader {
    fn load(&self) {
        let this = self.clone();
        this.load_error.set(None);
        spawn_local(async move {
            match client::fetch_public(&this.frame).await {
                Ok(r) => {
                    this.parent.ready(&r.status);
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
    request: PublicPaymentRequest,
    signal: RwSignal<Option<PublicPaymentRequest>>,
    frame: Arc<Frame>,
    parent: Parent,
) -> impl IntoView {
    let amount = format_amount(&request.amount, &request.currency);
    let seller = request.seller.display_name.clone();
    let initial = seller
        .chars()
        .next()
        .unwrap_or('·')
        .to_uppercase()
        .to_string();
    let (status_class, status_label) = match request.status.as_str() {
        "paid" => ("cp-status cp-status-paid", "Paid"),
        "canceled" => ("cp-status cp-status-canceled", "Canceled"),
        _ => ("cp-status cp-status-open", "Awaiting payment"),
    };
    let content = match (request.status.as_str(), request.payment) {
        ("paid", Some(payment)) => {
            view! { <Receipt payment amount=amount.clone() seller=seller.clone() /> }.into_any()
        }
        ("paid", None) => {
            view! { <p class="cp-notice">"This request has been paid."</p> }.into_any()
        }
        ("canceled", _) => view! {
            <p class="cp-notice cp-notice-canceled">
                {seller.clone()} " canceled this payment request. It can no longer be paid."
            </p>
        }
        .into_any(),
        _ => view! { <CardForm frame parent request=signal amount=amount.clone() /> }.into_any(),
    };
    view! {
        <header class="cp-head">
            <span class="cp-avatar" aria-hidden="true">{initial}</span>
            <span class="cp-seller">{seller.clone()}</span>
            <span class=status_class>{status_label}</span>
        </header>
        <p class="cp-description">{request.description}</p>
        <p class="cp-amount" class:cp-amount-done=request.status != "requested">{amount}</p>
        {content}
    }
}
