//! The buyer's view as v1 first defined it, before the order's later fields. The edge still
//! starts its `.../public` answer from it and adds the rest as JSON; once it builds the
//! whole answer from [`crate::api::views::request::PublicPaymentRequest`], this goes.

use crate::api::views::payment::PublicPayment;
use crate::api::views::request::PublicSeller;
use serde::{Deserialize, Serialize};

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
