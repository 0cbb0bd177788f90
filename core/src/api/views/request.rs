//! The payment request: the seller's view (`GET /v1/payment_requests/{id}`, and the answer of
//! every seller action on it) and the buyer's (`.../public`, `pay`, `decline`), and what each
//! lets its reader do next, decided by the transition table in [`crate::state`].

use crate::agent_capture::Capture;
use crate::api::views::claim::{Claim, PublicClaim};
use crate::api::views::constant::PaymentRequestObject;
use crate::api::views::event::Event;
use crate::api::views::fulfillment::{Payout, Shipment};
use crate::api::views::payment::{NextAction, Payment, PublicPayment};
use crate::api::views::refund::RefundSummary;
use crate::api::wire::Wire;
use crate::orders::shipping::Shipping;
use crate::state::{Actions, Fulfillment, Refund, Standing, Status};
use serde::{Deserialize, Serialize};

/// `seller` on the seller's view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerSummary {
    pub id: String,
    pub display_name: String,
}

/// `seller` on the buyer's view: the name only.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PublicSeller {
    pub display_name: String,
}

/// Declined card attempts since the last unlock; `locked` when `pay` takes no more.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardAttempts {
    pub declined: u32,
    pub cards_declined: u32,
    pub locked: bool,
}

/// The seller's view of a request. Fields the document does not require default when
/// absent; `Option` fields are written as null, as the edge always sends them, except
/// `events` and `events_has_more`, which only `GET .../{id}` (and cancel) carry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaymentRequest {
    pub id: String,
    pub object: PaymentRequestObject,
    pub client_secret: String,
    pub status: Wire<Status>,
    pub amount: String,
    pub currency: String,
    pub description: String,
    pub seller: SellerSummary,
    pub conversation_id: Option<String>,
    pub agent_id: Option<String>,
    pub created_at: String,
    #[serde(default)]
    pub expires_at: Option<String>,
    pub canceled_at: Option<String>,
    #[serde(default)]
    pub declined_at: Option<String>,
    pub livemode: bool,
    #[serde(default)]
    pub collect_shipping: bool,
    pub payment: Option<Payment>,
    /// A 3-D Secure challenge the buyer has yet to finish.
    #[serde(default)]
    pub next_action: Option<NextAction>,
    /// The buyer's address, when the request collected one.
    #[serde(default)]
    pub shipping: Option<Shipping>,
    pub fulfillment_status: Wire<Fulfillment>,
    #[serde(default)]
    pub shipment: Option<Shipment>,
    pub refund_status: Wire<Refund>,
    pub amount_refunded: String,
    pub refunds: Vec<RefundSummary>,
    pub payout: Option<Payout>,
    pub claim: Option<Claim>,
    #[serde(default)]
    pub card_attempts: CardAttempts,
    /// `processor` (chatpay charges the card) or `agent` (sealed for the requesting agent).
    #[serde(default)]
    pub capture: Wire<Capture>,
    /// Agent capture: until when the agent may reveal the collected card; null before the
    /// buyer pays, and once it is processed or expired.
    #[serde(default)]
    pub reveal_expires_at: Option<String>,
    /// The newest 100 events, oldest first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<Event>>,
    /// Older events exist than `events` holds (`GET .../events` pages them all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events_has_more: Option<bool>,
}

impl PaymentRequest {
    /// Where the order stands on each dimension, as far as this build knows the values.
    #[inline]
    pub fn standing(&self) -> Standing {
        Standing {
            status: self.status.known(),
            fulfillment: self.fulfillment_status.known(),
            refund: self.refund_status.known(),
            has_claim: self.claim.is_some(),
            claim: self.claim.as_ref().and_then(|c| c.status.known()),
            locked: self.card_attempts.locked,
            agent_captured: self.capture.known() == Some(Capture::Agent),
        }
    }

    /// What the order's state lets a seller do next.
    #[inline]
    pub fn actions(&self) -> Actions {
        self.standing().actions()
    }
}

/// What a buyer holding the client secret may see. Never the agent, the conversation, the
/// seller's id or the client secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublicPaymentRequest {
    pub id: String,
    pub object: PaymentRequestObject,
    pub status: Wire<Status>,
    pub amount: String,
    pub currency: String,
    pub description: String,
    pub seller: PublicSeller,
    pub created_at: String,
    pub livemode: bool,
    pub payment: Option<PublicPayment>,
    /// A 3-D Secure challenge the buyer has yet to finish.
    #[serde(default)]
    pub next_action: Option<NextAction>,
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub collect_shipping: bool,
    #[serde(default)]
    pub fulfillment_status: Wire<Fulfillment>,
    #[serde(default)]
    pub shipment: Option<Shipment>,
    #[serde(default)]
    pub refund_status: Wire<Refund>,
    /// Empty only when an edge older than the field left it out.
    #[serde(default)]
    pub amount_refunded: String,
    #[serde(default)]
    pub claim: Option<PublicClaim>,
}

impl PublicPaymentRequest {
    /// Where the order stands. The buyer's view carries no attempt count: a locked request
    /// still reads as payable, and `pay` answers 409 `too_many_attempts`.
    #[inline]
    pub fn standing(&self) -> Standing {
        Standing {
            status: self.status.known(),
            fulfillment: self.fulfillment_status.known(),
            refund: self.refund_status.known(),
            has_claim: self.claim.is_some(),
            claim: self.claim.as_ref().and_then(|c| c.status.known()),
            locked: false,
            agent_captured: false,
        }
    }

    /// What the order's state lets the buyer (or anyone) do next.
    #[inline]
    pub fn actions(&self) -> Actions {
        self.standing().actions()
    }
}
