//! The API's objects as the dashboard reads them. Every field has a default, so a field the
//! API adds later, or leaves out, never breaks a page (clients ignore what they do not know).

use serde::Deserialize;
use serde_json::Value;

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct PaymentRequest {
    pub id: String,
    pub status: String,
    pub amount: String,
    pub currency: String,
    pub description: String,
    pub conversation_id: Option<String>,
    pub agent_id: Option<String>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub canceled_at: Option<String>,
    pub declined_at: Option<String>,
    pub livemode: bool,
    pub payment: Option<Payment>,
    pub shipping: Option<Shipping>,
    pub fulfillment_status: String,
    pub shipment: Option<Shipment>,
    pub refund_status: String,
    pub amount_refunded: Option<String>,
    pub refunds: Vec<Refund>,
    pub payout: Option<Payout>,
    pub claim: Option<Claim>,
    pub events: Vec<Event>,
    pub card_attempts: CardAttempts,
}

/// Declined card attempts since the last unlock; `locked` when `pay` takes no more.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct CardAttempts {
    pub declined: u32,
    pub cards_declined: u32,
    pub locked: bool,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Payment {
    pub id: String,
    pub amount: String,
    pub currency: String,
    pub method: CardMethod,
    pub receipt_email: Option<String>,
    pub paid_at: String,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct CardMethod {
    pub brand: String,
    pub last4: String,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Shipping {
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: String,
    pub state: Option<String>,
    pub country: String,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Shipment {
    pub carrier: String,
    pub tracking_number: String,
    pub shipped_at: String,
    pub delivered_at: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Refund {
    pub id: String,
    pub amount: String,
    pub reason: String,
    pub actor: String,
    pub created_at: String,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Payout {
    pub status: String,
    pub due_at: Option<String>,
    pub paid_out_at: Option<String>,
    pub amount: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Claim {
    pub id: String,
    pub reason: String,
    pub description: Option<String>,
    pub status: String,
    pub opened_at: String,
    pub response: Option<String>,
    pub responded_at: Option<String>,
    pub resolved_at: Option<String>,
    pub outcome: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub actor: String,
    pub data: Value,
    pub created_at: String,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Page {
    pub data: Vec<PaymentRequest>,
    pub has_more: bool,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct RevenueReport {
    pub from: String,
    pub to: String,
    pub group_by: String,
    pub rows: Vec<RevenueRow>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct RevenueRow {
    pub group: String,
    pub currency: String,
    pub gross: String,
    pub refunds: String,
    pub net: String,
    pub count: u64,
    pub average: String,
}

/// The API's one error shape, `{"error": {type, code, message, param}}`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct ApiError {
    #[serde(rename = "type")]
    pub kind: String,
    pub code: String,
    pub message: String,
    pub param: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct ErrorEnvelope {
    pub error: ApiError,
}
