//! After payment: the shipment the seller recorded, and the payout it starts.

use crate::api::wire::Wire;
use crate::state::Payout as PayoutStatus;
use serde::{Deserialize, Serialize};

/// `shipment`: set when the seller ships, `delivered_at` when it arrives.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    pub carrier: String,
    pub tracking_number: String,
    pub shipped_at: String,
    pub delivered_at: Option<String>,
}

/// `payout`: created `pending` at ship, `held` while a claim is open, then `paid_out`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payout {
    pub status: Wire<PayoutStatus>,
    pub due_at: Option<String>,
    pub paid_out_at: Option<String>,
    /// What was paid out: the request's net, less refunds owed back from earlier payouts.
    #[serde(default)]
    pub amount: Option<String>,
    /// Live: why PayPal has not released the money yet (the alarm retries).
    #[serde(default)]
    pub failure_message: Option<String>,
}
