//! What happened to the order after the card: fulfillment, refunds and the buyer's claim, as
//! the public object carries them. `chatpay_core`'s `PublicPaymentRequest` predates these
//! fields, so the card reads them here, and keeps unknown values as they come so a newer
//! edge never breaks an older card.

use crate::client::text_at;
use chatpay_core::api::PublicPaymentRequest;
use js_sys::Reflect;
use wasm_bindgen::JsValue;

/// One answer of the public endpoint: the request and its order state.
#[derive(Clone, Debug, PartialEq)]
pub struct BuyerView {
    pub request: PublicPaymentRequest,
    pub order: OrderState,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct OrderState {
    pub expires_at: Option<String>,
    pub collect_shipping: bool,
    /// `unfulfilled`, `shipped`, `delivered`, or a value newer than this card.
    pub fulfillment: String,
    pub shipment: Option<Shipment>,
    /// `none`, `partial`, `full`.
    pub refund_status: String,
    pub amount_refunded: Option<String>,
    pub claim: Option<ClaimSummary>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Shipment {
    pub carrier: String,
    pub tracking_number: String,
    pub shipped_at: Option<String>,
    pub delivered_at: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClaimSummary {
    pub id: String,
    pub reason: String,
    /// `open`, `seller_responded`, `resolved_refund`, `rejected`.
    pub status: String,
}

/// What the card says the order is, most advanced first: the label of the status pill and
/// its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    AwaitingPayment,
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
    pub fn of(status: &str, order: &OrderState) -> Stage {
        match status {
            "declined" => return Stage::Declined,
            "expired" => return Stage::Expired,
            "canceled" => return Stage::Canceled,
            "paid" => {}
            _ => return Stage::AwaitingPayment,
        }
        let claim_open = order
            .claim
            .as_ref()
            .is_some_and(|c| matches!(c.status.as_str(), "open" | "seller_responded"));
        match (
            claim_open,
            order.refund_status.as_str(),
            order.fulfillment.as_str(),
        ) {
            (true, _, _) => Stage::ProblemReported,
            (_, "full", _) => Stage::Refunded,
            (_, "partial", _) => Stage::PartlyRefunded,
            (_, _, "delivered") => Stage::Delivered,
            (_, _, "shipped") => Stage::Shipped,
            _ => Stage::Paid,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::AwaitingPayment => "Awaiting payment",
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
            Stage::AwaitingPayment => "cp-status cp-status-open",
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
pub fn claim_words(status: &str) -> (&'static str, &'static str) {
    match status {
        "open" => (
            "Problem reported — the seller has been notified",
            "Payment to the seller is on hold while this is looked into.",
        ),
        "seller_responded" => (
            "The seller responded",
            "chatpay is reviewing your report and the seller's answer.",
        ),
        "resolved_refund" => (
            "Resolved: refunded",
            "Your report was upheld and the payment refunded.",
        ),
        "rejected" => (
            "Resolved: no refund",
            "Your report was reviewed and closed without a refund.",
        ),
        _ => ("Problem reported", "Your report is being looked into."),
    }
}

fn at(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

impl OrderState {
    /// Reads the order fields of a public object; a missing or malformed field reads as the
    /// state before it (an edge older than this card sends none of them).
    pub fn read(v: &JsValue) -> OrderState {
        let shipment = at(v, "shipment");
        let claim = at(v, "claim");
        OrderState {
            expires_at: text_at(v, "expires_at"),
            collect_shipping: at(v, "collect_shipping").as_bool() == Some(true),
            fulfillment: text_at(v, "fulfillment_status").unwrap_or_else(|| "unfulfilled".into()),
            shipment: shipment.is_object().then(|| Shipment {
                carrier: text_at(&shipment, "carrier").unwrap_or_default(),
                tracking_number: text_at(&shipment, "tracking_number").unwrap_or_default(),
                shipped_at: text_at(&shipment, "shipped_at"),
                delivered_at: text_at(&shipment, "delivered_at"),
            }),
            refund_status: text_at(v, "refund_status").unwrap_or_else(|| "none".into()),
            amount_refunded: text_at(v, "amount_refunded"),
            claim: claim.is_object().then(|| ClaimSummary {
                id: text_at(&claim, "id").unwrap_or_default(),
                reason: text_at(&claim, "reason").unwrap_or_default(),
                status: text_at(&claim, "status").unwrap_or_default(),
            }),
        }
    }

    /// A buyer may report a problem once paid, once, and not after a full refund.
    pub fn can_claim(&self, status: &str) -> bool {
        status == "paid" && self.claim.is_none() && self.refund_status != "full"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(fulfillment: &str, refund: &str, claim: Option<&str>) -> OrderState {
        OrderState {
            fulfillment: fulfillment.into(),
            refund_status: refund.into(),
            claim: claim.map(|status| ClaimSummary {
                status: status.into(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn the_stage_follows_the_most_telling_dimension() {
        let cases = [
            (
                "requested",
                order("unfulfilled", "none", None),
                Stage::AwaitingPayment,
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
            ("declined", OrderState::default(), Stage::Declined),
            ("expired", OrderState::default(), Stage::Expired),
            // A status newer than this card is shown as still open, never as paid.
            ("on_hold", OrderState::default(), Stage::AwaitingPayment),
            ("paid", order("returned", "none", None), Stage::Paid),
        ];
        for (status, order, want) in cases {
            assert_eq!(Stage::of(status, &order), want, "{status} {order:?}");
        }
    }

    #[test]
    fn claims_are_offered_once_and_not_after_a_full_refund() {
        assert!(order("shipped", "none", None).can_claim("paid"));
        assert!(order("shipped", "partial", None).can_claim("paid"));
        assert!(!order("shipped", "full", None).can_claim("paid"));
        assert!(!order("shipped", "none", Some("rejected")).can_claim("paid"));
        assert!(!order("unfulfilled", "none", None).can_claim("requested"));
    }

    #[test]
    fn unknown_reasons_show_as_sent() {
        assert_eq!(claim_reason_label("damaged"), "The item arrived damaged");
        assert_eq!(claim_reason_label("lost_in_space"), "lost_in_space");
        assert_eq!(claim_words("rejected").0, "Resolved: no refund");
    }
}
