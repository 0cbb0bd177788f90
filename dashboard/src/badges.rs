//! An order's status badges, in the list and on the open order: its status, then its
//! fulfillment, refunds and claim where they say something.

use chatpay_core::api::views::PaymentRequest;
use chatpay_core::state::{Fulfillment, Refund};
use leptos::prelude::*;

/// The badges' classes and labels; quiet defaults (unfulfilled, no refunds) are left out,
/// and values newer than this build show as they came.
fn badges(request: &PaymentRequest) -> Vec<(String, String)> {
    let status = request.status.as_str();
    let mut badges = vec![(format!("badge status-{status}"), status.to_owned())];
    if request.fulfillment_status.known() != Some(Fulfillment::Unfulfilled) {
        let fulfillment = request.fulfillment_status.as_str();
        badges.push((
            format!("badge fulfillment-{fulfillment}"),
            fulfillment.to_owned(),
        ));
    }
    if request.refund_status.known() != Some(Refund::None) {
        let refund = request.refund_status.as_str();
        badges.push((format!("badge refund-{refund}"), format!("refund {refund}")));
    }
    if let Some(claim) = &request.claim {
        let status = claim.status.as_str();
        badges.push((
            format!("badge claim-{status}"),
            format!("claim {}", status.replace('_', " ")),
        ));
    }
    badges
}

#[component]
pub fn Badges(request: PaymentRequest) -> impl IntoView {
    view! {
        <span class="badges">
            {badges(&request).into_iter().map(|(class, label)| view! { <span class=class>{crate::intl::humanize(&label)}</span> }).collect_view()}
        </span>
    }
}
