//! The live feed's inputs (issue 9): what a ticket may be limited to, and the buyer's
//! progress stages the card reports.

use crate::api::views::EventType;
use crate::fields::{FieldError, Fields};
use serde_json::Value;

/// Seconds a live ticket stays usable, once.
pub const TICKET_SECONDS: i64 = 60;

/// How far back `since` replays, in seconds.
pub const REPLAY_SECONDS: i64 = 24 * 60 * 60;

/// The longest conversation id a ticket may name (as a request's).
const MAX_CONVERSATION: usize = 200;

/// `POST /v1/live/tickets`: what the socket is limited to, beyond the key's own scope.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TicketScope {
    pub conversation_id: Option<String>,
    pub request_id: Option<String>,
}

impl TicketScope {
    /// An absent body is no limit.
    pub fn parse(body: Option<&Value>) -> Result<TicketScope, FieldError> {
        let Some(body) = body else {
            return Ok(TicketScope::default());
        };
        let f = Fields::new(body, "", &["conversation_id", "request_id"])?;
        let conversation_id = f.opt_str("conversation_id")?;
        if let Some(c) = conversation_id {
            if c.is_empty() || c.chars().count() > MAX_CONVERSATION {
                return Err(FieldError::invalid(
                    "conversation_id",
                    format!("`conversation_id` must be 1 to {MAX_CONVERSATION} characters."),
                ));
            }
        }
        let request_id = f.opt_str("request_id")?;
        if let Some(r) = request_id {
            if !r.starts_with("pr_") {
                return Err(FieldError::invalid(
                    "request_id",
                    "`request_id` must be a payment request id (`pr_...`).",
                ));
            }
        }
        Ok(TicketScope {
            conversation_id: conversation_id.map(str::to_owned),
            request_id: request_id.map(str::to_owned),
        })
    }
}

/// How far the buyer has come, in the only order it can happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Viewed,
    EnteringDetails,
    DetailsComplete,
}

impl Stage {
    pub const ALL: [Stage; 3] = [
        Stage::Viewed,
        Stage::EnteringDetails,
        Stage::DetailsComplete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Viewed => "viewed",
            Stage::EnteringDetails => "entering_details",
            Stage::DetailsComplete => "details_complete",
        }
    }

    /// The event that records the stage.
    pub fn event(self) -> EventType {
        match self {
            Stage::Viewed => EventType::PaymentRequestViewed,
            Stage::EnteringDetails => EventType::BuyerEnteringDetails,
            Stage::DetailsComplete => EventType::BuyerDetailsComplete,
        }
    }

    /// The stage an event records, if it records one.
    pub fn of_event(kind: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.event().as_str() == kind)
    }

    /// `{stage}`: 400 on `stage` for anything but the three names.
    pub fn parse(body: &Value) -> Result<Stage, FieldError> {
        let f = Fields::new(body, "", &["stage"])?;
        let text = f.str("stage")?;
        Stage::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| {
                FieldError::invalid(
                    "stage",
                    "`stage` must be one of: viewed, entering_details, details_complete.",
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stages_parse_in_order() {
        assert_eq!(Stage::parse(&json!({"stage": "viewed"})), Ok(Stage::Viewed));
        assert!(Stage::Viewed < Stage::EnteringDetails);
        assert!(Stage::EnteringDetails < Stage::DetailsComplete);
        assert_eq!(
            Stage::parse(&json!({"stage": "paid"})).unwrap_err().param,
            "stage"
        );
        assert_eq!(Stage::parse(&json!({})).unwrap_err().param, "stage");
        assert_eq!(
            Stage::parse(&json!({"stage": 1})).unwrap_err().param,
            "stage"
        );
        assert_eq!(
            Stage::of_event("buyer.details_complete"),
            Some(Stage::DetailsComplete)
        );
    }

    #[test]
    fn ticket_scope() {
        assert_eq!(TicketScope::parse(None), Ok(TicketScope::default()));
        let s = TicketScope::parse(Some(&json!({"conversation_id": "c1"}))).unwrap();
        assert_eq!(s.conversation_id.as_deref(), Some("c1"));
        assert_eq!(
            TicketScope::parse(Some(&json!({"request_id": "x"})))
                .unwrap_err()
                .param,
            "request_id"
        );
        assert_eq!(
            TicketScope::parse(Some(&json!({"conversation_id": ""})))
                .unwrap_err()
                .param,
            "conversation_id"
        );
        assert_eq!(
            TicketScope::parse(Some(&json!({"x": 1})))
                .unwrap_err()
                .param,
            "x"
        );
    }
}
