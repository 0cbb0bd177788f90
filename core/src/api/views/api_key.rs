//! An API key: the seller's secret key, or an agent's restricted one. Never its secret,
//! except in the answers that issue one.

use crate::accounts::keys::KeyScope;
use crate::api::views::constant::ApiKeyObject;
use crate::api::wire::Wire;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: String,
    pub object: ApiKeyObject,
    /// `secret` or `restricted`.
    #[serde(default)]
    pub kind: String,
    pub agent_id: Option<String>,
    #[serde(default)]
    pub scope: Wire<KeyScope>,
    pub created_at: String,
    #[serde(default)]
    pub revoked_at: Option<String>,
    #[serde(default)]
    pub livemode: bool,
    /// Only in the answers to create and roll: shown once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
    /// Only in the answer to roll: when the older secrets stop working.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_secret_expires_at: Option<String>,
}
