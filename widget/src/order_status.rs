//! The order after the receipt: a compact timeline (paid, shipped with carrier and tracking,
//! delivered), refunds, and where the buyer's claim stands.

use crate::client::Shown;
use crate::intl::{format_amount, format_time};
use crate::order::{claim_reason_label, claim_words};
use chatpay_core::state::{Fulfillment, Refund};
use leptos::prelude::*;

#[component]
pub fn OrderStatus(request: Shown) -> impl IntoView {
    let paid_at = request.payment.as_ref().map(|p| p.paid_at.clone());
    let shipment = request.shipment.clone().unwrap_or_default();
    let fulfillment = request.fulfillment_status.known();
    let delivered = fulfillment == Some(Fulfillment::Delivered);
    let shipped = delivered || fulfillment == Some(Fulfillment::Shipped);
    let refund = request.refund_status.known();
    // A fully refunded order that never shipped will not ship: promise no next steps.
    let ends_at_payment = !shipped && refund == Some(Refund::Full);

    let shipped_meta = if shipped {
        let tracking = (!shipment.tracking_number.is_empty()).then(|| {
            view! {
                <p class="cp-step-meta cp-tracking">
                    <span class="cp-carrier">{shipment.carrier.clone()}</span>
                    " · "
                    <span class="cp-mono cp-tracking-number">{shipment.tracking_number.clone()}</span>
                </p>
            }
        });
        view! {
            {tracking}
            {(!shipment.shipped_at.is_empty()).then(|| view! { <p class="cp-step-meta">{format_time(&shipment.shipped_at)}</p> })}
        }
        .into_any()
    } else {
        view! { <p class="cp-step-meta">"The seller will add tracking here"</p> }.into_any()
    };

    // An edge older than `amount_refunded` leaves it out: full is the amount, partial unsaid.
    let refunded = |fallback| match request.amount_refunded.as_str() {
        "" => fallback,
        amount => amount,
    };
    let refund = match refund {
        Some(Refund::Full) => Some(format!(
            "Refunded in full: {}",
            format_amount(refunded(&request.amount), &request.currency)
        )),
        Some(Refund::Partial) => Some(format!(
            "{} of {} refunded",
            format_amount(refunded("0"), &request.currency),
            format_amount(&request.amount, &request.currency)
        )),
        _ => None,
    };

    let claim = request.claim.clone().map(|claim| {
        let (title, next) = claim_words(&claim.status);
        let class = format!("cp-claim cp-claim-{}", claim.status.as_str());
        view! {
            <div class=class role="status">
                <p id="cp-claim-title" class="cp-claim-title" tabindex="-1">{title}</p>
                <p class="cp-claim-text">{claim_reason_label(&claim.reason).to_owned()} ". " {next}</p>
            </div>
        }
    });

    view! {
        <section class="cp-order" aria-labelledby="cp-order-title">
            <h3 id="cp-order-title" class="cp-visually-hidden">"Order status"</h3>
            <ol class="cp-timeline">
                {step(true, "Paid", paid_at.as_deref().map(format_time).map(|t| view! { <p class="cp-step-meta">{t}</p> }.into_any()))}
                {(!ends_at_payment).then(|| step(shipped, "Shipped", Some(shipped_meta)))}
                {(!ends_at_payment).then(|| step(
                    delivered,
                    "Delivered",
                    shipment.delivered_at.as_deref().filter(|_| delivered).map(|t| view! { <p class="cp-step-meta">{format_time(t)}</p> }.into_any()),
                ))}
            </ol>
            {refund.map(|text| view! {
                <p class="cp-refund" role="status">
                    <span class="cp-refund-icon" aria-hidden="true">"↩"</span>
                    {text}
                </p>
            })}
            {claim}
        </section>
    }
}

/// One step of the timeline: done steps carry a check, the rest an empty ring.
fn step(done: bool, title: &'static str, meta: Option<AnyView>) -> impl IntoView {
    let class = if done {
        "cp-step cp-step-done"
    } else {
        "cp-step"
    };
    view! {
        <li class=class>
            <span class="cp-dot" aria-hidden="true"></span>
            <div class="cp-step-body">
                <p class="cp-step-title">
                    {title}
                    <span class="cp-visually-hidden">{if done { " (done)" } else { " (not yet)" }}</span>
                </p>
                {meta}
            </div>
        </li>
    }
}
