//! An agent: someone who sends payment requests for a seller.

use crate::api::views::constant::AgentObject;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    pub id: String,
    pub object: AgentObject,
    pub name: String,
    pub created_at: String,
    #[serde(default)]
    pub livemode: bool,
}
