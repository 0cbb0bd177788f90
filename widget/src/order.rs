//! What the card says about the order after payment: the stage its status pill names, and
//! the buyer's claim in words. The states come from core's views and transition table, so
//! the card and the edge agree on what may happen next; values newer than this card show
//! as the nearest state it knows.

use chatpay_core::api::views::PublicPaymentRequest;
use chatpay_core::api::wire::Wire;
use chatpay_core::state::{Claim, Fulfillment, Refund, Status};

/// What the card says the order is, most advanced first: the label of the status pill and
/// its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    AwaitingPayment,
    /// Agent capture: the card went to the seller, who charges it.
    SentToSeller,
    /// The processor holds the payment for review.
    Processing,
    Paid,
    Shipped,
    Delivered,
    PartlyRefunded,
    Refunded,
    ProblemReported,
    Declined,
    Expired,
    Canceled,
}

impl Stage {
    pub fn of(request: &PublicPaymentRequest) -> Stage {
        match request.status.known() {
            Some(Status::Declined) => return Stage::Declined,
            Some(Status::Expired) => return Stage::Expired,
            Some(Status::Canceled) => return Stage::Canceled,
            Some(Status::Pending) => return Stage::Processing,
            Some(Status::Collected) => return Stage::SentToSeller,
            Some(Status::Paid) => {}
            // A status newer than this card is shown as still open, never as paid.
            _ => return Stage::AwaitingPayment,
        }
        let claim_open = request
            .claim
            .as_ref()
            .and_then(|c| c.status.known())
            .is_some_and(Claim::is_unresolved);
        match (
            claim_open,
            request.refund_status.known(),
            request.fulfillment_status.known(),
        ) {
            (true, _, _) => Stage::ProblemReported,
            (_, Some(Refund::Full), _) => Stage::Refunded,
            (_, Some(Refund::Partial), _) => Stage::PartlyRefunded,
            (_, _, Some(Fulfillment::Delivered)) => Stage::Delivered,
            (_, _, Some(Fulfillment::Shipped)) => Stage::Shipped,
            _ => Stage::Paid,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::AwaitingPayment => "Awaiting payment",
            Stage::SentToSeller => "Sent to seller",
            Stage::Processing => "Processing",
            Stage::Paid => "Paid",
            Stage::Shipped => "Shipped",
            Stage::Delivered => "Delivered",
            Stage::PartlyRefunded => "Partly refunded",
            Stage::Refunded => "Refunded",
            Stage::ProblemReported => "Problem reported",
            Stage::Declined => "Declined",
            Stage::Expired => "Expired",
            Stage::Canceled => "Canceled",
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Stage::AwaitingPayment | Stage::Processing | Stage::SentToSeller => {
                "cp-status cp-status-open"
            }
            Stage::Paid | Stage::Shipped | Stage::Delivered => "cp-status cp-status-paid",
            Stage::PartlyRefunded | Stage::Refunded => "cp-status cp-status-refunded",
            Stage::ProblemReported => "cp-status cp-status-claim",
            Stage::Declined | Stage::Expired | Stage::Canceled => "cp-status cp-status-canceled",
        }
    }
}

pub const CLAIM_REASONS: [(&str, &str); 4] = [
    ("item_not_received", "I didn't receive the item"),
    ("damaged", "The item arrived damaged"),
    ("not_as_described", "The item isn't as described"),
    ("unauthorized", "I didn't make this payment"),
];

pub fn claim_reason_label(reason: &str) -> &str {
    CLAIM_REASONS
        .iter()
        .find(|(code, _)| *code == reason)
        .map_or(reason, |(_, label)| label)
}

/// The claim's state in words for the buyer: a title and what happens next.
pub fn claim_words(status: &Wire<Claim>) -> (&'static str, &'static str) {
    match status.known() {
        Some(Claim::Open) => (
            "Problem reported — the seller has been notified",
            "Payment to the seller is on hold while this is looked into.",
        ),
        Some(Claim::SellerResponded) => (
            "The seller responded",
            "chatpay is reviewing your report and the seller's answer.",
        ),
        Some(Claim::ResolvedRefund) => (
            "Resolved: refunded",
            "Your report was upheld and the payment refunded.",
        ),
        Some(Claim::Rejected) => (
            "Resolved: no refund",
            "Your report was reviewed and closed without a refund.",
        ),
        None => ("Problem reported", "Your report is being looked into."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chatpay_core::api::views::{PublicClaim, PublicSeller};

    /// A paid-or-not request in the given fulfillment, refund and claim states.
    fn order(fulfillment: &str, refund: &str, claim: Option<&str>) -> PublicPaymentRequest {
        PublicPaymentRequest {
            id: "pr_test".into(),
            object: Default::default(),
            status: Wire::read("requested"),
            amount: "24.00".into(),
            currency: "USD".into(),
            description: "Mug".into(),
            seller: PublicSeller {
                display_name: "Clayworks".into(),
            },
            created_at: String::new(),
            livemode: false,
            payment: None,
            next_action: None,
            expires_at: None,
            collect_shipping: false,
            fulfillment_status: Wire::read(fulfillment),
            shipment: None,
            refund_status: Wire::read(refund),
            amount_refunded: String::new(),
            claim: claim.map(|status| PublicClaim {
                id: "clm_test".into(),
                reason: "damaged".into(),
                status: Wire::read(status),
            }),
        }
    }

    fn with(status: &str, order: PublicPaymentRequest) -> PublicPaymentRequest {
        PublicPaymentRequest {
            status: Wire::read(status),
            ..order
        }
    }

    fn fresh() -> PublicPaymentRequest {
        order("unfulfilled", "none", None)
    }

    #[test]
    fn the_stage_follows_the_most_telling_dimension() {
        let cases = [
            (
                "requested",
                order("unfulfilled", "none", None),
                Stage::AwaitingPayment,
            ),
            (
                "pending",
                order("unfulfilled", "none", None),
                Stage::Processing,
            ),
            ("paid", order("unfulfilled", "none", None), Stage::Paid),
            ("paid", order("shipped", "none", None), Stage::Shipped),
            ("paid", order("delivered", "none", None), Stage::Delivered),
            (
                "paid",
                order("shipped", "partial", None),
                Stage::PartlyRefunded,
            ),
            (
                "paid",
                order("shipped", "none", Some("open")),
                Stage::ProblemReported,
            ),
            (
                "paid",
                order("shipped", "partial", Some("seller_responded")),
                Stage::ProblemReported,
            ),
            (
                "paid",
                order("shipped", "full", Some("resolved_refund")),
                Stage::Refunded,
            ),
            (
                "paid",
                order("shipped", "none", Some("rejected")),
                Stage::Shipped,
            ),
            (
                "canceled",
                order("unfulfilled", "full", None),
                Stage::Canceled,
            ),
            ("declined", fresh(), Stage::Declined),
            ("expired", fresh(), Stage::Expired),
            // A status newer than this card is shown as still open, never as paid.
            ("on_hold", fresh(), Stage::AwaitingPayment),
            ("paid", order("returned", "none", None), Stage::Paid),
        ];
        for (status, order, want) in cases {
            assert_eq!(
                Stage::of(&with(status, order.clone())),
                want,
                "{status} {order:?}"
            );
        }
    }

    #[test]
    fn claims_are_offered_once_and_not_after_a_full_refund() {
        let can_claim = |status: &str, order| with(status, order).actions().claim;
        assert!(can_claim("paid", order("shipped", "none", None)));
        assert!(can_claim("paid", order("shipped", "partial", None)));
        assert!(!can_claim("paid", order("shipped", "full", None)));
        assert!(!can_claim(
            "paid",
            order("shipped", "none", Some("rejected"))
        ));
        assert!(!can_claim("requested", order("unfulfilled", "none", None)));
    }

    #[test]
    fn unknown_reasons_show_as_sent() {
        assert_eq!(claim_reason_label("damaged"), "The item arrived damaged");
        assert_eq!(claim_reason_label("lost_in_space"), "lost_in_space");
        assert_eq!(
            claim_words(&Wire::read("rejected")).0,
            "Resolved: no refund"
        );
    }
}
