//! The buyer's view of a payment request.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PublicSeller {
    pub display_name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PublicPayment {
    pub id: String,
    pub brand: String,
    pub last4: String,
    pub paid_at: String,
}

/// What a buyer holding the client secret may see. Never the agent, the conversation,
/// the seller's id or the client secret.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PublicPaymentRequest {
    pub id: String,
    pub object: String,
    pub status: String,
    pub amount: String,
    pub currency: String,
    pub description: String,
    pub seller: PublicSeller,
    pub created_at: String,
    pub livemode: bool,
    pub payment: Option<PublicPayment>,
}
