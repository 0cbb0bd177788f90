//! The one error shape: `{"error": {type, code, message, param}}`, with `decline_code` on
//! card declines and the request's `status` on 409s.

use serde::{Deserialize, Serialize};

/// `{"error": {...}}`: all four keys are always present.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ErrorBody {
    pub error: ApiError,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ApiError {
    #[serde(rename = "type")]
    pub kind: String,
    pub code: String,
    pub message: String,
    pub param: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline_code: Option<String>,
    /// On 409s: the request's current status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}
