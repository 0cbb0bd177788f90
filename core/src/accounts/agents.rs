//! `POST /v1/agents`: the people (or bots) who send payment requests for a seller.

use crate::external_id::parse_external_id;
use crate::fields::{FieldError, Fields};
use crate::mask::mask_card_numbers;
use serde_json::Value;

/// `POST /v1/agents`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAgent {
    pub id: Option<String>,
    pub name: String,
}

impl NewAgent {
    pub fn parse(body: &Value) -> Result<NewAgent, FieldError> {
        let f = Fields::new(body, "", &["id", "name"])?;
        let name = f.str("name")?;
        if name.trim().is_empty() || name.chars().count() > 100 {
            return Err(FieldError::invalid(
                "name",
                "`name` must be 1 to 100 characters.",
            ));
        }
        Ok(NewAgent {
            id: parse_external_id(&f, "id")?,
            name: mask_card_numbers(name.trim()).into_owned(),
        })
    }
}
