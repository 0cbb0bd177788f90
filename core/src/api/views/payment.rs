//! A payment: the seller's full record of the card that paid, and the buyer's receipt view.

use crate::api::views::constant::{CardType, PaymentObject};
use serde::{Deserialize, Serialize};

/// The card that paid, as the seller sees it: never more than brand, last 4 and expiry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardDetails {
    #[serde(rename = "type")]
    pub kind: CardType,
    pub brand: String,
    pub last4: String,
    pub exp_month: u32,
    pub exp_year: u32,
    /// A keyed hash of the number: the same for the same card at the same seller.
    pub fingerprint: String,
}

/// `payment` on the seller's view of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub id: String,
    pub object: PaymentObject,
    pub amount: String,
    pub currency: String,
    pub method: CardDetails,
    pub receipt_email: Option<String>,
    pub paid_at: String,
}

/// `payment` on the buyer's view: what a receipt shows.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PublicPayment {
    pub id: String,
    pub brand: String,
    pub last4: String,
    pub paid_at: String,
}
