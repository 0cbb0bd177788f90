//! Events: every transition of a request, on its timeline, its conversation's timeline and
//! (later) webhooks and the live feed, all in this one shape.

use crate::api::views::constant::EventObject;
use crate::api::wire::{Wire, WireName};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    PaymentRequestCreated,
    PaymentRequestPaid,
    /// A card was declined or the processor failed; the request stays payable.
    PaymentRequestPaymentFailed,
    /// A pay that stopped midway left the request locked; the lock was released.
    PaymentRequestClaimReleased,
    PaymentRequestUnlocked,
    PaymentRequestCanceled,
    PaymentRequestDeclined,
    PaymentRequestExpired,
    PaymentRequestShipped,
    PaymentRequestDelivered,
    RefundCreated,
    PayoutPaidOut,
    ClaimOpened,
    ClaimSellerResponded,
    ClaimResolved,
    SellerKeysReset,
    /// The buyer's card showed the request (issue 9's progress stages, once each, in order).
    PaymentRequestViewed,
    BuyerEnteringDetails,
    BuyerDetailsComplete,
    /// Agent capture: the buyer's card was sealed for the requesting agent.
    PaymentRequestCollected,
    /// Agent capture: the requesting agent revealed the card (brand and last 4 only here).
    PaymentRequestCardRevealed,
}

impl EventType {
    pub const ALL: [(EventType, &'static str); 21] = [
        (EventType::PaymentRequestCreated, "payment_request.created"),
        (EventType::PaymentRequestPaid, "payment_request.paid"),
        (
            EventType::PaymentRequestPaymentFailed,
            "payment_request.payment_failed",
        ),
        (
            EventType::PaymentRequestClaimReleased,
            "payment_request.claim_released",
        ),
        (
            EventType::PaymentRequestUnlocked,
            "payment_request.unlocked",
        ),
        (
            EventType::PaymentRequestCanceled,
            "payment_request.canceled",
        ),
        (
            EventType::PaymentRequestDeclined,
            "payment_request.declined",
        ),
        (EventType::PaymentRequestExpired, "payment_request.expired"),
        (EventType::PaymentRequestShipped, "payment_request.shipped"),
        (
            EventType::PaymentRequestDelivered,
            "payment_request.delivered",
        ),
        (EventType::RefundCreated, "refund.created"),
        (EventType::PayoutPaidOut, "payout.paid_out"),
        (EventType::ClaimOpened, "claim.opened"),
        (EventType::ClaimSellerResponded, "claim.seller_responded"),
        (EventType::ClaimResolved, "claim.resolved"),
        (EventType::SellerKeysReset, "seller.keys_reset"),
        (EventType::PaymentRequestViewed, "payment_request.viewed"),
        (EventType::BuyerEnteringDetails, "buyer.entering_details"),
        (EventType::BuyerDetailsComplete, "buyer.details_complete"),
        (
            EventType::PaymentRequestCollected,
            "payment_request.collected",
        ),
        (
            EventType::PaymentRequestCardRevealed,
            "payment_request.card_revealed",
        ),
    ];

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(t, _)| *t == self)
            .map_or("", |(_, name)| name)
    }

    pub fn parse(text: &str) -> Option<EventType> {
        Self::ALL
            .iter()
            .find(|(_, name)| *name == text)
            .map(|(t, _)| *t)
    }
}

impl WireName for EventType {
    fn wire_name(self) -> &'static str {
        self.as_str()
    }

    fn from_wire(text: &str) -> Option<EventType> {
        EventType::parse(text)
    }
}

/// One event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// `evt_` and a number that grows with time within a seller.
    pub id: String,
    pub object: EventObject,
    #[serde(rename = "type")]
    pub kind: Wire<EventType>,
    /// `seller`, `agent:<id>`, `buyer`, `system` or `platform`.
    pub actor: String,
    pub request_id: String,
    /// The request's conversation and agent, null when it has none.
    #[serde(default)]
    pub conversation_id: Option<String>,
    #[serde(default)]
    pub agent_id: Option<String>,
    /// Event-specific details; never card data.
    pub data: Value,
    pub created_at: String,
}
