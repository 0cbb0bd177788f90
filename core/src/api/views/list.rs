//! The list envelope every list call answers with, a page at a time.

use crate::api::views::constant::ListObject;
use serde::{Deserialize, Serialize};

/// `{object: "list", url?, data, has_more}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct List<T> {
    pub object: ListObject,
    /// The listed path, on `GET /v1/payment_requests` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub data: Vec<T>,
    /// More items follow the last one (pass its id as `starting_after`).
    pub has_more: bool,
}
