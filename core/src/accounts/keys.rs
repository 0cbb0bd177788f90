//! Restricted keys for agents: how far each reaches, creating one, and rolling its secret.

use crate::external_id::parse_external_id;
use crate::fields::{present, FieldError, Fields};
use serde_json::Value;

/// How far a restricted key reaches: `own`, its agent's own payment requests (the default),
/// or `all`, every request of the seller. The edge enforces what each allows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyScope {
    #[default]
    Own,
    All,
}

impl KeyScope {
    pub const ALL: [KeyScope; 2] = [KeyScope::Own, KeyScope::All];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyScope::Own => "own",
            KeyScope::All => "all",
        }
    }

    pub fn parse(text: &str) -> Option<KeyScope> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// `POST /v1/keys`: a restricted key for one registered agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewApiKey {
    pub agent_id: String,
    pub scope: KeyScope,
}

impl NewApiKey {
    pub fn parse(body: &Value) -> Result<NewApiKey, FieldError> {
        let f = Fields::new(body, "", &["agent_id", "scope"])?;
        let agent_id = parse_external_id(&f, "agent_id")?.ok_or_else(|| f.missing("agent_id"))?;
        let scope = match f.opt_str("scope")? {
            None => KeyScope::default(),
            Some(text) => KeyScope::parse(text).ok_or_else(|| {
                FieldError::invalid("scope", "`scope` is `own` (the default) or `all`.")
            })?,
        };
        Ok(NewApiKey { agent_id, scope })
    }
}

/// The longest a rolled secret keeps working beside its successor.
pub const MAX_ROLL_OVERLAP_HOURS: i64 = 24;

/// `POST /v1/keys/{id}/roll`: `{overlap_hours?}` (0 to 24, default 0), or no body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RollKey {
    pub overlap_hours: i64,
}

impl RollKey {
    pub fn parse(body: Option<&Value>) -> Result<RollKey, FieldError> {
        let Some(body) = body else {
            return Ok(RollKey { overlap_hours: 0 });
        };
        let f = Fields::new(body, "", &["overlap_hours"])?;
        let overlap_hours = match present(body, "overlap_hours") {
            None => 0,
            Some(_) => f.int("overlap_hours")?,
        };
        if !(0..=MAX_ROLL_OVERLAP_HOURS).contains(&overlap_hours) {
            return Err(FieldError::invalid(
                "overlap_hours",
                format!("`overlap_hours` is a whole number from 0 to {MAX_ROLL_OVERLAP_HOURS}."),
            ));
        }
        Ok(RollKey { overlap_hours })
    }
}
