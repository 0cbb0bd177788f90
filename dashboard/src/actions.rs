//! What the seller can do to an order in its current state (core's transition table says
//! which): unlock card attempts, cancel, ship, deliver, refund, answer a claim and (test
//! mode) resolve it. Each attempt sends a fresh `Idempotency-Key`, shows its progress, and
//! on failure the API's message beside the field it names.

use crate::api::{self, Failure};
use crate::fields::{blames, TextField};
use crate::intl::humanize;
use crate::session::Session;
use chatpay_core::api::views::{CardAttempts, PaymentRequest};
use chatpay_core::orders::REFUND_REASONS;
use chatpay_core::routes::Operation;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

/// One action's progress and outcome.
#[derive(Clone, Copy)]
struct Attempt {
    busy: RwSignal<bool>,
    failure: RwSignal<Option<Failure>>,
    // Taken while the view is built: event handlers run outside the component tree.
    session: Session,
}

impl Attempt {
    fn new() -> Attempt {
        Attempt {
            busy: RwSignal::new(false),
            failure: RwSignal::new(None),
            session: expect_context::<Session>(),
        }
    }

    /// Posts once; on success tells the seller and has the order and list read again.
    fn run(self, path: String, body: Option<Value>, done: &'static str, outcome: Outcome) {
        if self.busy.get_untracked() {
            return;
        }
        let session = self.session;
        self.busy.set(true);
        self.failure.set(None);
        outcome.flash.set(None);
        let idempotency_key = api::new_idempotency_key();
        spawn_local(async move {
            let answer =
                api::post::<Value>(&session.key(), &path, body.as_ref(), &idempotency_key).await;
            self.busy.set(false);
            match answer {
                Ok(_) => {
                    outcome.flash.set(Some(done.to_owned()));
                    outcome.changed.update(|n| *n += 1);
                }
                Err(f) => {
                    session.check(&f);
                    self.failure.set(Some(f));
                }
            }
        });
    }

    fn blames(self, param: &'static str) -> impl Fn() -> bool + Copy + Send + Sync + 'static {
        blames(self.failure, param)
    }

    fn error_view(self) -> impl IntoView {
        move || {
            self.failure
                .get()
                .map(|f| view! { <p class="error" role="alert">{f.message()}</p> })
        }
    }
}

/// Where a finished action reports: a message that outlives the re-read, and the counter
/// the views watch.
#[derive(Clone, Copy)]
pub struct Outcome {
    pub flash: RwSignal<Option<String>>,
    pub changed: RwSignal<u32>,
}

#[component]
pub fn Actions(request: PaymentRequest, outcome: Outcome) -> impl IntoView {
    let base = format!("/v1/payment_requests/{}", api::segment(&request.id));
    let session = expect_context::<Session>();
    // What the state allows, narrowed to what this key may do (an agent never refunds).
    let mut allowed = request.actions();
    allowed.refund &= session.may(Operation::Refund);
    allowed.respond &= session.may(Operation::RespondClaim);
    allowed.resolve &= session.may(Operation::ResolveClaim);
    let claim = request.claim.clone();

    let cancel = allowed.cancel.then(|| {
        let attempt = Attempt::new();
        let path = format!("{base}/cancel");
        view! {
            <div class="action">
                <h4>"Cancel the request"</h4>
                <p class="hint">"The buyer can no longer pay it."</p>
                {attempt.error_view()}
                <button type="button" class="danger" id="action-cancel" disabled=move || attempt.busy.get()
                    on:click=move |_| attempt.run(path.clone(), None, "Request canceled.", outcome)>
                    {move || if attempt.busy.get() { "Canceling…" } else { "Cancel request" }}
                </button>
            </div>
        }
    });

    let unlock = allowed.unlock.then(|| {
        let attempt = Attempt::new();
        let path = format!("{base}/unlock");
        let tried = request.card_attempts;
        view! {
            <div class="action">
                <h4>"Card attempts locked"</h4>
                <p class="hint">
                    {locked_hint(&tried)}
                </p>
                {attempt.error_view()}
                <button type="button" class="secondary" id="action-unlock" disabled=move || attempt.busy.get()
                    on:click=move |_| attempt.run(path.clone(), None, "Card attempts unlocked.", outcome)>
                    {move || if attempt.busy.get() { "Unlocking…" } else { "Unlock card attempts" }}
                </button>
            </div>
        }
    });

    let ship = allowed.ship.then(|| {
        let attempt = Attempt::new();
        let carrier = RwSignal::new(String::new());
        let tracking = RwSignal::new(String::new());
        let path = format!("{base}/ship");
        let submit = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let body = json!({"carrier": carrier.get_untracked().trim(),
                              "tracking_number": tracking.get_untracked().trim()});
            attempt.run(path.clone(), Some(body), "Marked as shipped.", outcome);
        };
        view! {
            <form class="action" on:submit=submit novalidate>
                <h4>"Ship"</h4>
                <div class="grid">
                    <TextField id="ship-carrier" label="Carrier" value=carrier invalid=attempt.blames("carrier") />
                    <TextField id="ship-tracking" label="Tracking number" value=tracking invalid=attempt.blames("tracking_number") />
                </div>
                {attempt.error_view()}
                <button type="submit" class="primary" id="action-ship" disabled=move || attempt.busy.get()>
                    {move || if attempt.busy.get() { "Shipping…" } else { "Mark as shipped" }}
                </button>
            </form>
        }
    });

    let deliver = allowed.deliver.then(|| {
        let attempt = Attempt::new();
        let path = format!("{base}/deliver");
        view! {
            <div class="action">
                <h4>"Delivery"</h4>
                {attempt.error_view()}
                <button type="button" class="primary" id="action-deliver" disabled=move || attempt.busy.get()
                    on:click=move |_| attempt.run(path.clone(), None, "Marked as delivered.", outcome)>
                    {move || if attempt.busy.get() { "Saving…" } else { "Mark as delivered" }}
                </button>
            </div>
        }
    });

    let refund = allowed.refund.then(|| {
        let attempt = Attempt::new();
        let amount = RwSignal::new(String::new());
        let reason = RwSignal::new(REFUND_REASONS[0].to_owned());
        let path = format!("{base}/refunds");
        let submit = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let typed = amount.get_untracked().trim().to_owned();
            let mut body = json!({"reason": reason.get_untracked()});
            if !typed.is_empty() {
                body["amount"] = Value::String(typed);
            }
            attempt.run(path.clone(), Some(body), "Refund issued.", outcome);
        };
        let invalid_reason = attempt.blames("reason");
        view! {
            <form class="action" on:submit=submit novalidate>
                <h4>"Refund"</h4>
                <div class="grid">
                    <TextField id="refund-amount" label="Amount (empty = the rest)" value=amount
                        invalid=attempt.blames("amount") inputmode="decimal" />
                    <label class="field" for="refund-reason">
                        <span>"Reason"</span>
                        <select id="refund-reason" class:invalid=invalid_reason
                            prop:value=move || reason.get()
                            on:change=move |ev| reason.set(event_target_value(&ev))>
                            {REFUND_REASONS.iter().map(|r| view! { <option value=*r>{humanize(r)}</option> }).collect_view()}
                        </select>
                    </label>
                </div>
                {attempt.error_view()}
                <button type="submit" class="danger" id="action-refund" disabled=move || attempt.busy.get()>
                    {move || if attempt.busy.get() { "Refunding…" } else { "Refund" }}
                </button>
            </form>
        }
    });

    let respond = claim.as_ref().filter(|_| allowed.respond).map(|c| {
            let attempt = Attempt::new();
            let message = RwSignal::new(String::new());
            let path = format!("/v1/claims/{}/respond", api::segment(&c.id));
            let invalid = attempt.blames("message");
            let submit = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let body = json!({"message": message.get_untracked().trim()});
                attempt.run(path.clone(), Some(body), "Answer sent.", outcome);
            };
            view! {
                <form class="action" on:submit=submit novalidate>
                    <h4>"Answer the claim"</h4>
                    <label class="field" for="claim-message">
                        <span>"Message to the buyer"</span>
                        <textarea id="claim-message" rows="3" class:invalid=invalid
                            aria-invalid=move || invalid().to_string()
                            prop:value=move || message.get()
                            on:input=move |ev| message.set(event_target_value(&ev))></textarea>
                    </label>
                    {attempt.error_view()}
                    <button type="submit" class="primary" id="action-respond" disabled=move || attempt.busy.get()>
                        {move || if attempt.busy.get() { "Sending…" } else { "Send answer" }}
                    </button>
                </form>
            }
        });

    // Resolving is the platform's decision; the API lets a seller do it in test mode only.
    let resolve = (allowed.resolve && !request.livemode).then(|| {
        let attempt = Attempt::new();
        let id = claim.as_ref().map(|c| c.id.clone()).unwrap_or_default();
        let path = format!("/v1/claims/{}/resolve", api::segment(&id));
        let path2 = path.clone();
        view! {
            <div class="action">
                <h4>"Resolve the claim " <span class="badge test">"test mode"</span></h4>
                {attempt.error_view()}
                <div class="row">
                    <button type="button" class="danger" id="action-resolve-refund" disabled=move || attempt.busy.get()
                        on:click=move |_| attempt.run(path.clone(), Some(json!({"outcome": "refund"})), "Claim resolved with a refund.", outcome)>
                        "Refund the buyer"
                    </button>
                    <button type="button" class="secondary" id="action-resolve-reject" disabled=move || attempt.busy.get()
                        on:click=move |_| attempt.run(path2.clone(), Some(json!({"outcome": "reject"})), "Claim rejected.", outcome)>
                        "Reject the claim"
                    </button>
                </div>
            </div>
        }
    });

    view! {
        <section class="actions" aria-label="Actions">
            {move || outcome.flash.get().map(|m| view! { <p class="done" role="status">{m}</p> })}
            {unlock}
            {cancel}
            {ship}
            {deliver}
            {refund}
            {respond}
            {resolve}
        </section>
    }
}

/// Why a request takes no more card attempts, in the seller's words.
fn locked_hint(tried: &CardAttempts) -> String {
    let cards = match tried.cards_declined {
        1 => "one card".to_owned(),
        n => format!("{n} different cards"),
    };
    format!(
        "{} declines with {cards}: the buyer cannot try again until you unlock it. Unlock only if you trust the buyer.",
        tried.declined
    )
}
