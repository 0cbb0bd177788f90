//! A refund, as a payment request lists it under `refunds`.

use crate::api::views::constant::RefundObject;
use serde::{Deserialize, Serialize};

/// One refund in a request's `refunds`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundSummary {
    pub id: String,
    #[serde(default)]
    pub object: RefundObject,
    pub amount: String,
    #[serde(default)]
    pub currency: String,
    /// `requested_by_customer`, `duplicate`, `fraudulent` or `other`.
    pub reason: String,
    /// `seller`, `agent:<id>`, `buyer`, `system` or `platform`.
    #[serde(default)]
    pub actor: String,
    /// `succeeded`, `pending` (live: PayPal has not settled it yet) or `failed`.
    #[serde(default = "succeeded")]
    pub status: String,
    pub created_at: String,
}

fn succeeded() -> String {
    "succeeded".into()
}
