//! One order in full (`GET /v1/payment_requests/{id}`, which includes its events): dates,
//! payment, buyer, shipping, shipment, payout, refunds, claim, the timeline, and the actions
//! its current state allows.

use crate::actions::{Actions, Outcome};
use crate::api;
use crate::badges::Badges;
use crate::intl::{format_amount, format_optional_time, format_time, humanize};
use crate::session::Session;
use chatpay_core::api::views::{Event, PaymentRequest};
use chatpay_core::api::wire::Wire;
use chatpay_core::state::{Event as Transition, Refund};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn Detail(
    id: String,
    selected: RwSignal<Option<String>>,
    changed: RwSignal<u32>,
    /// The back button's label: where closing the order returns to.
    #[prop(default = "← Orders")]
    back: &'static str,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let request = RwSignal::new(None::<PaymentRequest>);
    let error = RwSignal::new(None::<api::Failure>);
    let outcome = Outcome {
        flash: RwSignal::new(None),
        changed,
    };
    let path = format!("/v1/payment_requests/{}", api::segment(&id));

    Effect::new(move |_| {
        changed.track();
        let path = path.clone();
        spawn_local(async move {
            match api::get::<PaymentRequest>(&session.key(), &path).await {
                Ok(r) => {
                    error.set(None);
                    request.set(Some(r));
                }
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f));
                }
            }
        });
    });

    view! {
        <section class="detail card" aria-labelledby="detail-title" data-id=id.clone()>
            <div class="detail-head">
                <button type="button" class="secondary back" on:click=move |_| selected.set(None)>{back}</button>
                <h2 id="detail-title">"Order"</h2>
            </div>
            {move || error.get().map(|f| view! { <p class="error" role="alert">{f.message()}</p> })}
            {move || match request.get() {
                None => view! { <p class="muted" aria-busy="true">"Loading…"</p> }.into_any(),
                Some(r) => view! { <OrderFacts request=r.clone() /> <Actions request=r outcome /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn OrderFacts(request: PaymentRequest) -> impl IntoView {
    let r = request;
    let money = |amount: &str| format_amount(amount, &r.currency);
    let paid_at = r.payment.as_ref().map(|p| format_time(&p.paid_at));
    let payment = r.payment.clone().map(|p| {
        view! {
            <dt>"Payment"</dt><dd class="mono">{p.id}</dd>
            <dt>"Method"</dt><dd>{method_text(&p.method)}</dd>
            <dt>"Buyer email"</dt><dd>{p.receipt_email.unwrap_or_else(|| "—".into())}</dd>
        }
    });
    let shipping = r.shipping.clone().map(|s| {
        // "San Francisco, CA 94105": city, then region and postal code where there are some.
        let region = [s.state.unwrap_or_default(), s.postal_code]
            .into_iter()
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let locality = match (s.city.is_empty(), region.is_empty()) {
            (false, false) => format!("{}, {region}", s.city),
            (false, true) => s.city,
            _ => region,
        };
        let lines = [Some(s.name), Some(s.line1), s.line2, Some(locality), Some(s.country)];
        view! {
            <dt>"Ship to"</dt>
            <dd><address>{lines.into_iter().flatten().filter(|l| !l.is_empty()).map(|l| view! { <span class="line">{l}</span> }).collect_view()}</address></dd>
        }
    });
    let shipment = r.shipment.clone().map(|s| {
        view! {
            <dt>"Carrier"</dt><dd class="carrier">{s.carrier}</dd>
            <dt>"Tracking"</dt><dd class="mono tracking">{s.tracking_number}</dd>
            <dt>"Shipped"</dt><dd>{format_time(&s.shipped_at)}</dd>
            <dt>"Delivered"</dt><dd>{format_optional_time(&s.delivered_at)}</dd>
        }
    });
    let payout = r.payout.clone().map(|p| {
        let when = match (&p.paid_out_at, &p.due_at) {
            (Some(at), _) => format!("paid out {}", format_time(at)),
            (None, Some(due)) => format!("due {}", format_time(due)),
            _ => String::new(),
        };
        view! { <dt>"Payout"</dt><dd class="payout">{humanize(&p.status.as_str().replace('_', " "))} " " <span class="muted">{when}</span></dd> }
    });
    let refunds = (!r.refunds.is_empty()).then(|| {
        let rows = r
            .refunds
            .iter()
            .map(|f| {
                view! {
                    <li>
                        <strong>{money(&f.amount)}</strong> " · " {humanize(&f.reason)}
                        <span class="muted">" · " {format_time(&f.created_at)} " · " {f.actor.clone()}</span>
                    </li>
                }
            })
            .collect_view();
        view! { <h3>"Refunds"</h3><ul class="plain refunds">{rows}</ul> }
    });
    let claim = r.claim.clone().map(|c| {
        view! {
            <h3>"Claim"</h3>
            <dl class="facts claim">
                <dt>"Reason"</dt><dd>{humanize(&c.reason)}</dd>
                <dt>"Status"</dt><dd><span class=format!("badge claim-{}", c.status.as_str())>{humanize(c.status.as_str())}</span></dd>
                <dt>"Opened"</dt><dd>{format_time(&c.opened_at)}</dd>
                {c.description.filter(|d| !d.is_empty()).map(|d| view! { <dt>"Buyer says"</dt><dd>{d}</dd> })}
                {c.response.map(|m| view! { <dt>"Your answer"</dt><dd>{m}</dd> })}
                {c.outcome.map(|o| view! { <dt>"Outcome"</dt><dd>{humanize(&o)}</dd> })}
            </dl>
        }
    });
    let refunded = (r.refund_status != Wire::Known(Refund::None))
        .then(|| view! { <dt>"Refunded"</dt><dd>{money(&r.amount_refunded)}</dd> });
    // Shown while the request may still expire unpaid.
    let expires = r.status.known().is_some_and(|s| s.can(Transition::Expire));

    view! {
        <p class="detail-desc">{r.description.clone()}</p>
        <p class="detail-amount">{money(&r.amount)}</p>
        <Badges request=r.clone() />
        <dl class="facts">
            <dt>"Request"</dt><dd class="mono">{r.id.clone()}</dd>
            <dt>"Requested"</dt><dd>{format_time(&r.created_at)}</dd>
            <dt>"Paid"</dt><dd class="paid-at">{paid_at.unwrap_or_else(|| "—".into())}</dd>
            {r.canceled_at.as_deref().map(|t| view! { <dt>"Canceled"</dt><dd>{format_time(t)}</dd> })}
            {r.declined_at.as_deref().map(|t| view! { <dt>"Declined"</dt><dd>{format_time(t)}</dd> })}
            {expires.then(|| view! { <dt>"Expires"</dt><dd>{format_optional_time(&r.expires_at)}</dd> })}
            {r.agent_id.clone().map(|a| view! { <dt>"Agent"</dt><dd>{a}</dd> })}
            {r.conversation_id.clone().map(|c| view! { <dt>"Conversation"</dt><dd class="mono">{c}</dd> })}
            {payment}
            {refunded}
            {shipping}
            {shipment}
            {payout}
        </dl>
        {refunds}
        {claim}
        <h3>"Timeline"</h3>
        <ol class="timeline">
            {r.events.unwrap_or_default().into_iter().map(|e| view! { <TimelineEvent event=e /> }).collect_view()}
        </ol>
    }
}

#[component]
fn TimelineEvent(event: Event) -> impl IntoView {
    let actor = actor_text(&event.actor);
    let kind = event.kind.as_str().to_owned();
    view! {
        <li class="event" data-type=kind.clone()>
            <span class="event-type">{humanize(&kind.replace('.', " "))}</span>
            <span class="muted">{format_time(&event.created_at)} " · by " {actor}</span>
        </li>
    }
}

/// `agent:maya` reads `agent maya`; `seller`, `buyer` and `system` read as they are.
pub fn actor_text(actor: &str) -> String {
    match actor.split_once(':') {
        Some(("agent", id)) => format!("agent {id}"),
        _ => actor.to_owned(),
    }
}

/// "Visa ···· 4242", "PayPal · a•••@example.com" or "Wallet (sandbox)".
fn method_text(method: &chatpay_core::api::views::PaymentMethod) -> String {
    use chatpay_core::api::views::PaymentMethod;
    match method {
        PaymentMethod::Card(c) if c.captured_by.is_some() => {
            format!(
                "{} ···· {} · charged by the agent",
                humanize(&c.brand),
                c.last4
            )
        }
        PaymentMethod::Card(c) => format!("{} ···· {}", humanize(&c.brand), c.last4),
        PaymentMethod::PayPal(p) => match &p.payer_email_masked {
            Some(email) => format!("PayPal · {email}"),
            None => "PayPal".into(),
        },
        PaymentMethod::Wallet(w) => format!("Wallet ({})", w.wallet),
    }
}
