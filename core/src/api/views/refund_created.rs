//! The answer to `POST /v1/payment_requests/{id}/refunds`: the refund made, with the request
//! as it now stands.

use crate::api::views::constant::RefundObject;
use crate::api::views::request::PaymentRequest;
use serde::{Deserialize, Serialize};

/// `POST /v1/payment_requests/{id}/refunds`: the refund, with the request as it now stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refund {
    pub id: String,
    pub object: RefundObject,
    pub amount: String,
    pub currency: String,
    pub reason: String,
    /// `succeeded`, or `pending` while PayPal settles a live refund.
    #[serde(default = "succeeded")]
    pub status: String,
    pub created_at: String,
    pub payment_request: PaymentRequest,
}

fn succeeded() -> String {
    "succeeded".into()
}
