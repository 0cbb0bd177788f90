//! Webhook endpoints (issue 9): what a seller may subscribe to, the bodies that create and
//! change an endpoint, and the objects the API answers. Deliveries follow Standard Webhooks
//! (<https://www.standardwebhooks.com>); the edge signs and sends them.

use crate::api::views::EventType;
use crate::fields::{FieldError, Fields};
use crate::mask::mask_card_numbers;
use crate::webhook_url::WebhookUrl;
use serde::Serialize;
use serde_json::Value;

/// Every event an endpoint may subscribe to, by name: the ledger's event types, the pay-page
/// signals recorded beside them, and `*` for all.
pub fn subscribable(name: &str) -> bool {
    name == "*"
        || EventType::parse(name).is_some()
        || PAGE_EVENTS.contains(&name)
        || FAILURE_EVENTS.contains(&name)
}

/// What the buyer's pay page reports (issue 9, section 1).
pub const PAGE_EVENTS: &[&str] = &[
    "payment_request.viewed",
    "buyer.entering_details",
    "buyer.details_complete",
];

/// What the processor queue records when a call is refused for good.
pub const FAILURE_EVENTS: &[&str] = &["refund.failed", "tracker.failed", "payout.failed"];

/// The most endpoints one seller may have.
pub const MAX_ENDPOINTS: usize = 16;

/// Reads `events`: every name subscribable, at least one, none twice.
fn parse_events(f: &Fields, given: Option<Vec<&str>>) -> Result<Option<Vec<String>>, FieldError> {
    let Some(names) = given else {
        return Ok(None);
    };
    if names.is_empty() {
        return Err(FieldError::invalid(
            f.path("events"),
            "`events` must name at least one event type, or `*` for all.",
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for name in names {
        if !subscribable(name) {
            let shown = mask_card_numbers(name);
            let shown: String = shown.chars().take(64).collect();
            return Err(FieldError::invalid(
                f.path("events"),
                format!("`events` names an unknown event type `{shown}` (see the API's list)."),
            ));
        }
        if !out.iter().any(|n| n == name) {
            out.push(name.to_owned());
        }
    }
    Ok(Some(out))
}

fn parse_url(f: &Fields, livemode: bool) -> Result<Option<WebhookUrl>, FieldError> {
    f.opt_str("url")?
        .map(|url| {
            WebhookUrl::parse(url, livemode).map_err(|e| FieldError::invalid(f.path("url"), e.0))
        })
        .transpose()
}

fn parse_description(f: &Fields) -> Result<Option<String>, FieldError> {
    match f.opt_str("description")? {
        None => Ok(None),
        Some(text) => {
            if text.chars().count() > 500 {
                return Err(FieldError::invalid(
                    f.path("description"),
                    "`description` is longer than 500 characters.",
                ));
            }
            Ok(Some(mask_card_numbers(text).into_owned()))
        }
    }
}

/// `POST /v1/webhook_endpoints`.
#[derive(Clone, Debug)]
pub struct NewEndpoint {
    pub url: WebhookUrl,
    /// `["*"]` when not given.
    pub events: Vec<String>,
    pub description: Option<String>,
}

impl NewEndpoint {
    pub fn parse(body: &Value, livemode: bool) -> Result<NewEndpoint, FieldError> {
        let f = Fields::new(body, "", &["url", "events", "description"])?;
        let url = parse_url(&f, livemode)?.ok_or_else(|| f.missing("url"))?;
        let events = parse_events(&f, f.opt_str_array("events")?)?;
        Ok(NewEndpoint {
            url,
            events: events.unwrap_or_else(|| vec!["*".to_owned()]),
            description: parse_description(&f)?,
        })
    }
}

/// `PATCH /v1/webhook_endpoints/{id}`: what is given changes; the rest stays.
#[derive(Clone, Debug, Default)]
pub struct EndpointUpdate {
    pub url: Option<WebhookUrl>,
    pub events: Option<Vec<String>>,
    pub description: Option<String>,
    /// `Some(true)` enabled, `Some(false)` disabled.
    pub enabled: Option<bool>,
}

impl EndpointUpdate {
    pub fn parse(body: &Value, livemode: bool) -> Result<EndpointUpdate, FieldError> {
        let f = Fields::new(body, "", &["url", "events", "description", "status"])?;
        let enabled = match f.opt_str("status")? {
            None => None,
            Some("enabled") => Some(true),
            Some("disabled") => Some(false),
            Some(_) => {
                return Err(FieldError::invalid(
                    "status",
                    "`status` must be \"enabled\" or \"disabled\".",
                ))
            }
        };
        Ok(EndpointUpdate {
            url: parse_url(&f, livemode)?,
            events: parse_events(&f, f.opt_str_array("events")?)?,
            description: parse_description(&f)?,
            enabled,
        })
    }
}

/// `"object": "webhook_endpoint"`.
#[derive(Clone, Debug, Serialize)]
pub struct WebhookEndpoint {
    pub id: String,
    pub object: &'static str,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    /// `enabled` or `disabled` (by the seller, or by a receiver's 410).
    pub status: String,
    pub created_at: String,
    pub livemode: bool,
    /// `whsec_...`: only in the answers to create and `roll_secret`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// `"object": "webhook_delivery"`: one attempt to deliver one event to one endpoint.
#[derive(Clone, Debug, Serialize)]
pub struct WebhookDelivery {
    pub id: String,
    pub object: &'static str,
    /// `evt_...`.
    pub event_id: String,
    /// The `webhook-id` header sent, the same on every attempt of the event.
    pub webhook_id: String,
    /// 1 for the first try.
    pub attempt: i64,
    /// The receiver's HTTP status; null when none came (timeout, network, refused host).
    pub status_code: Option<u16>,
    /// Why the attempt did not count; null when it was delivered (2xx).
    pub error: Option<String>,
    pub created_at: String,
    pub livemode: bool,
}

/// Seconds after the first try each retry is due: at once, then 5 s, 5 min, 30 min, 2 h,
/// 5 h, 10 h, 14 h, 20 h and 24 h. After the last, delivery is given up.
pub const SCHEDULE: [i64; 10] = [0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400];

/// How long after attempt `done` (1-based) the next is due, before jitter; `None` when that
/// was the last.
pub fn retry_delay(done: i64) -> Option<i64> {
    let done = usize::try_from(done).ok().filter(|d| *d > 0)?;
    SCHEDULE.get(done).map(|at| at - SCHEDULE[done - 1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_must_be_known() {
        let e = NewEndpoint::parse(
            &json!({"url": "https://example.com/h", "events": ["payment_request.paid", "nope"]}),
            true,
        )
        .unwrap_err();
        assert_eq!(e.param, "events");
        let ok = NewEndpoint::parse(
            &json!({"url": "https://example.com/h", "events": ["buyer.entering_details", "payment_request.paid", "payment_request.paid"]}),
            true,
        )
        .unwrap();
        assert_eq!(
            ok.events,
            ["buyer.entering_details", "payment_request.paid"]
        );
        let all = NewEndpoint::parse(&json!({"url": "https://example.com/h"}), true).unwrap();
        assert_eq!(all.events, ["*"]);
    }

    #[test]
    fn a_bad_url_names_url() {
        for body in [
            json!({"url": "http://example.com/h"}),
            json!({"url": "https://10.0.0.1/h"}),
        ] {
            assert_eq!(NewEndpoint::parse(&body, true).unwrap_err().param, "url");
        }
        assert_eq!(
            NewEndpoint::parse(&json!({}), true).unwrap_err().param,
            "url"
        );
    }

    #[test]
    fn status_is_enabled_or_disabled() {
        let u = EndpointUpdate::parse(&json!({"status": "disabled"}), false).unwrap();
        assert_eq!(u.enabled, Some(false));
        assert!(EndpointUpdate::parse(&json!({"status": "on"}), false).is_err());
    }

    #[test]
    fn the_schedule_ends_after_ten_attempts() {
        assert_eq!(retry_delay(1), Some(5));
        assert_eq!(retry_delay(2), Some(295));
        assert_eq!(retry_delay(9), Some(14400));
        assert_eq!(retry_delay(10), None);
        assert_eq!(retry_delay(0), None);
    }
}
