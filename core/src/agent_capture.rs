//! Agent capture (issue 9 §5): instead of charging the card through chatpay, the buyer's
//! card is sealed for the requesting agent, who may reveal it for a few minutes to charge it
//! through the seller's own processor. This room holds what both sides agree on: which way a
//! request is captured, and the seller's setting that allows it.

use crate::fields::{present, FieldError, Fields};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Minutes a collected card stays revealable when the seller names no window.
pub const DEFAULT_WINDOW_MINUTES: u32 = 10;
/// The longest window: the card is meant to be processed while the buyer is in the chat,
/// not kept.
pub const MAX_WINDOW_MINUTES: u32 = 30;

/// How a request's card is captured: `capture` on the request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Capture {
    /// chatpay's processor charges the card (the default).
    #[default]
    Processor,
    /// The card is sealed for the requesting agent to reveal and charge elsewhere.
    Agent,
}

impl Capture {
    pub fn as_str(self) -> &'static str {
        match self {
            Capture::Processor => "processor",
            Capture::Agent => "agent",
        }
    }

    pub fn parse(text: &str) -> Option<Capture> {
        [Capture::Processor, Capture::Agent]
            .into_iter()
            .find(|c| c.as_str() == text)
    }

    /// `capture` of a request body: absent or null is the processor.
    pub fn parse_field(f: &Fields<'_>) -> Result<Capture, FieldError> {
        match f.opt_str("capture")? {
            None => Ok(Capture::Processor),
            Some(text) => Capture::parse(text).ok_or_else(|| {
                FieldError::invalid("capture", "`capture` must be \"processor\" or \"agent\".")
            }),
        }
    }
}

impl crate::api::wire::WireName for Capture {
    fn wire_name(self) -> &'static str {
        self.as_str()
    }

    fn from_wire(text: &str) -> Option<Capture> {
        Capture::parse(text)
    }
}

/// The seller's setting, as stored and as `agent_capture` on the seller object shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentCapture {
    pub enabled: bool,
    pub window_minutes: u32,
}

/// Off until the seller turns it on: revealing card numbers to agents is a choice.
impl Default for AgentCapture {
    fn default() -> AgentCapture {
        AgentCapture {
            enabled: false,
            window_minutes: DEFAULT_WINDOW_MINUTES,
        }
    }
}

/// `agent_capture` of `PATCH /v1/seller`: each field optional, an absent one unchanged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AgentCaptureUpdate {
    pub enabled: Option<bool>,
    pub window_minutes: Option<u32>,
}

impl AgentCaptureUpdate {
    /// `None` when the body has no `agent_capture` (or it is null).
    pub fn parse(body: &Value) -> Result<Option<AgentCaptureUpdate>, FieldError> {
        let Some(value) = present(body, "agent_capture") else {
            return Ok(None);
        };
        let f = Fields::new(value, "agent_capture", &["enabled", "window_minutes"])?;
        let window_minutes = match f.opt_int("window_minutes")? {
            None => None,
            Some(n) if (1..=i64::from(MAX_WINDOW_MINUTES)).contains(&n) => Some(n as u32),
            Some(_) => {
                return Err(FieldError::invalid(
                    "agent_capture.window_minutes",
                    format!("`agent_capture.window_minutes` must be 1 to {MAX_WINDOW_MINUTES}."),
                ))
            }
        };
        Ok(Some(AgentCaptureUpdate {
            enabled: f.opt_bool("enabled")?,
            window_minutes,
        }))
    }

    pub fn apply(self, current: AgentCapture) -> AgentCapture {
        AgentCapture {
            enabled: self.enabled.unwrap_or(current.enabled),
            window_minutes: self.window_minutes.unwrap_or(current.window_minutes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_window_is_one_to_thirty_whole_minutes() {
        let off = AgentCapture::default();
        let update = |v: Value| {
            AgentCaptureUpdate::parse(&json!({ "agent_capture": v }))
                .map(|u| u.map(|u| u.apply(off)))
        };
        assert_eq!(
            update(json!({"enabled": true})).unwrap(),
            Some(AgentCapture {
                enabled: true,
                window_minutes: 10
            })
        );
        assert_eq!(
            update(json!({"window_minutes": 30})).unwrap().unwrap(),
            AgentCapture {
                enabled: false,
                window_minutes: 30
            }
        );
        for bad in [json!(0), json!(31), json!(2.5), json!("10"), json!(-1)] {
            let err = update(json!({ "window_minutes": bad })).unwrap_err();
            assert_eq!(err.param, "agent_capture.window_minutes", "{bad}");
        }
        assert_eq!(
            update(json!({"enabled": "yes"})).unwrap_err().param,
            "agent_capture.enabled"
        );
        assert_eq!(update(json!(true)).unwrap_err().param, "agent_capture");
        assert_eq!(
            update(json!({"other": 1})).unwrap_err().param,
            "agent_capture.other"
        );
        assert_eq!(AgentCaptureUpdate::parse(&json!({})).unwrap(), None);
    }

    #[test]
    fn capture_defaults_to_the_processor() {
        let read = |v: Value| {
            let f = Fields::new(&v, "", &["capture"]).unwrap();
            Capture::parse_field(&f)
        };
        assert_eq!(read(json!({})).unwrap(), Capture::Processor);
        assert_eq!(read(json!({"capture": "agent"})).unwrap(), Capture::Agent);
        assert_eq!(
            read(json!({"capture": "manual"})).unwrap_err().param,
            "capture"
        );
        assert_eq!(read(json!({"capture": 1})).unwrap_err().param, "capture");
    }
}
