//! The buyer's claim: the seller's full view, and the summary the buyer's card shows.

use crate::api::views::constant::ClaimObject;
use crate::api::wire::Wire;
use crate::state::Claim as ClaimStatus;
use serde::{Deserialize, Serialize};

/// A claim, as opening, answering and resolving it return it, and on the seller's view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub id: String,
    pub object: ClaimObject,
    pub request_id: String,
    /// `item_not_received`, `damaged`, `not_as_described` or `unauthorized`.
    pub reason: String,
    pub description: Option<String>,
    pub status: Wire<ClaimStatus>,
    pub opened_at: String,
    /// The seller's answer.
    pub response: Option<String>,
    pub responded_at: Option<String>,
    pub resolved_at: Option<String>,
    /// `refund` or `reject`, once resolved.
    pub outcome: Option<String>,
}

/// `claim` on the buyer's view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicClaim {
    pub id: String,
    pub reason: String,
    pub status: Wire<ClaimStatus>,
}
