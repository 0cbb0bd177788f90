//! A payment: the seller's full record of the card that paid, and the buyer's receipt view.

use crate::api::views::constant::{
    AgentCapturedBy, CardType, PayPalOrderObject, PayPalType, PaymentObject, RedirectType,
    WalletType,
};
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
    /// `agent` when the requesting agent charged the card outside chatpay (agent capture);
    /// absent when chatpay's processor did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_by: Option<AgentCapturedBy>,
}

/// Paid with PayPal: the payer's masked email and PayPal payer id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayPalDetails {
    #[serde(rename = "type")]
    pub kind: PayPalType,
    pub payer_email_masked: Option<String>,
    pub payer_id: Option<String>,
}

/// Paid with a wallet through the Payment Request API; the card behind it, if the wallet
/// says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletDetails {
    #[serde(rename = "type")]
    pub kind: WalletType,
    pub wallet: String,
    pub brand: Option<String>,
    pub last4: Option<String>,
}

/// How a payment was made; `type` tells which.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PaymentMethod {
    Card(CardDetails),
    PayPal(PayPalDetails),
    Wallet(WalletDetails),
}

impl PaymentMethod {
    /// `card`, `paypal` or `wallet`.
    pub fn kind(&self) -> &'static str {
        match self {
            PaymentMethod::Card(_) => "card",
            PaymentMethod::PayPal(_) => "paypal",
            PaymentMethod::Wallet(_) => "wallet",
        }
    }
}

/// `payment` on the seller's view of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub id: String,
    pub object: PaymentObject,
    pub amount: String,
    pub currency: String,
    pub method: PaymentMethod,
    pub receipt_email: Option<String>,
    pub paid_at: String,
}

/// `payment` on the buyer's view: what a receipt shows.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PublicPayment {
    pub id: String,
    /// `card`, `paypal` or `wallet` (`card` from an edge older than the field).
    #[serde(default = "card")]
    pub method_type: String,
    /// The card's brand and last 4 (a wallet's, if it says; none for PayPal).
    pub brand: Option<String>,
    pub last4: Option<String>,
    /// PayPal only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_email_masked: Option<String>,
    pub paid_at: String,
}

fn card() -> String {
    "card".into()
}

/// What the buyer must do before the payment can go on: open `url` (a 3-D Secure
/// challenge), then pay again with `{method: {type: "card_action", attempt}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextAction {
    #[serde(rename = "type")]
    pub kind: RedirectType,
    pub url: String,
    pub attempt: String,
}

/// `POST /v1/payment_requests/{id}/paypal`: the order the buyer approves at `approve_url`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayPalOrder {
    pub object: PayPalOrderObject,
    pub order_id: String,
    pub approve_url: String,
}
