//! The seller object: its identity, profile, payout account (last 4 only) and limits, as
//! `POST /v1/sellers`, `GET`/`PATCH /v1/seller` and `reset_keys` return it.

use crate::accounts::profile::BusinessType;
use crate::agent_capture::AgentCapture;
use crate::api::views::constant::{BankAccountObject, SellerObject};
use crate::api::wire::Wire;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A payout bank account: only its last 4 characters are ever returned.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankAccount {
    #[serde(default)]
    pub id: String,
    pub object: BankAccountObject,
    /// `iban` or `us_account`.
    #[serde(rename = "type")]
    pub kind: String,
    pub country: String,
    pub last4: String,
}

/// One currency's limits; null means no limit of that kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrencyLimits {
    #[serde(default)]
    pub max_per_request: Option<String>,
    #[serde(default)]
    pub max_rolling_168h: Option<String>,
}

/// The seller.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Seller {
    pub id: String,
    pub object: SellerObject,
    pub display_name: String,
    pub country: String,
    pub default_currency: String,
    pub allowed_origins: Vec<String>,
    pub created_at: String,
    pub livemode: bool,
    /// Live sellers: the PayPal merchant PayPal pays out.
    #[serde(default)]
    pub paypal_merchant_id: Option<String>,
    #[serde(default)]
    pub business_type: Option<Wire<BusinessType>>,
    #[serde(default)]
    pub merchant_category: Option<String>,
    #[serde(default)]
    pub payout_bank_account: Option<BankAccount>,
    /// Keyed by ISO 4217 code.
    #[serde(default)]
    pub limits: BTreeMap<String, CurrencyLimits>,
    /// Whether the seller's agents may reveal collected cards (issue 9), and for how long.
    #[serde(default)]
    pub agent_capture: AgentCapture,
    /// Only when a secret is issued (creation, `reset_keys`): shown once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
}
