//! Webhook deliveries (issue 9), at least once, as Standard Webhooks says: each event is
//! queued for every enabled endpoint whose filter matches, in the same write that records
//! it, and sent from the object's one alarm, set at once after the command that recorded it.
//! A delivery that is not answered 2xx is tried again on [`SCHEDULE`] (real time, never the
//! test clock, with ±10% jitter) and given up after the last; a 410 disables the endpoint.
//!
//! A delivery is `{type, timestamp, data}`, `data` the Event object (never card data),
//! signed with `webhook-id`, `webhook-timestamp` (the real Unix time of the attempt) and
//! `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`, one per
//! secret that signs, space separated).

use super::context::{real_seconds, Ledger};
use super::endpoints::{message_id, ATTEMPTS_KEPT};
use super::events::event_view;
use super::rows::{EventRow, SellerRow, EVENT_COLUMNS};
use crate::connectors::within;
use crate::crypto::random_bytes;
use crate::http::Fail;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chatpay_core::time::rfc3339;
use chatpay_core::webhook_url::{host_allowed, WebhookUrl};
use chatpay_core::webhooks::{retry_delay, SCHEDULE};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::json;
use sha2::Sha256;
use std::time::Duration;
use worker::{AbortController, Fetch, Headers, Request, RequestInit, RequestRedirect};

/// How long a receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(15);

/// Deliveries made per wake; the rest wait for the next alarm, set at once.
const BATCH: i64 = 20;

/// While an attempt is in flight its row is pushed this far ahead, so a second drain (a
/// later alarm) never sends it twice at once.
const LEASE: i64 = 60;

#[derive(Deserialize)]
struct QueueRow {
    endpoint_id: String,
    event_id: i64,
    attempts: i64,
}

/// What one attempt came to.
enum Outcome {
    Answered(u16),
    Failed(String),
}

/// `v1,<base64>` for each secret, space separated.
pub(crate) fn signature(secrets: &[Vec<u8>], id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        .map(|secret| {
            let mut mac =
                <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
            mac.update(format!("{id}.{timestamp}.").as_bytes());
            mac.update(body.as_bytes());
            format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `delay` seconds, give or take 10%.
fn jittered(delay: i64) -> i64 {
    let mut b = [0u8; 2];
    random_bytes(&mut b);
    let unit = f64::from(u16::from_le_bytes(b)) / f64::from(u16::MAX);
    ((delay as f64) * (0.9 + 0.2 * unit)).round() as i64
}

impl Ledger<'_> {
    /// Queues the newest event for every enabled endpoint whose filter names `kind` (or `*`).
    /// Called by [`Ledger::event`], so it is part of the same write.
    pub(crate) fn enqueue_deliveries(&self, kind: &str) -> worker::Result<()> {
        self.sql.exec(
            "INSERT OR IGNORE INTO webhook_queue (endpoint_id, event_id, status, attempts, next_at)
             SELECT w.id, (SELECT MAX(id) FROM events), 'queued', 0, ? FROM webhook_endpoints w
             WHERE w.status = 'enabled'
               AND EXISTS (SELECT 1 FROM json_each(w.events) j WHERE j.value = ? OR j.value = '*')",
            vec![real_seconds().into(), kind.into()],
        )?;
        Ok(())
    }

    /// When the next delivery is due, in the seller's clock (for the one alarm).
    pub(crate) fn next_delivery_due(&self) -> Result<Option<i64>, Fail> {
        self.earliest_queued(
            "SELECT MIN(next_at) AS due FROM webhook_queue WHERE status = 'queued'",
        )
    }

    /// `earliest` (the next timer or processor call), or the next delivery if sooner.
    pub(crate) fn with_deliveries_due(&self, earliest: Option<i64>) -> worker::Result<Option<i64>> {
        let delivery = self
            .next_delivery_due()
            .map_err(|_| worker::Error::RustError("webhook deliveries".into()))?;
        Ok(match (earliest, delivery) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        })
    }

    /// Sends every due delivery (the alarm's work); a failure is logged, and what is still
    /// queued waits for the next alarm.
    pub(crate) async fn deliver_due(&self, seller: &SellerRow) {
        if let Err(fail) = self.send_due(seller).await {
            worker::console_error!("webhook deliveries: {}", fail.error.message);
        }
    }

    /// Sends every due delivery (up to [`BATCH`]).
    async fn send_due(&self, seller: &SellerRow) -> Result<(), Fail> {
        let now = real_seconds();
        let due: Vec<QueueRow> = self
            .sql
            .exec(
                "SELECT endpoint_id, event_id, attempts FROM webhook_queue WHERE status = 'queued' AND next_at <= ? ORDER BY next_at LIMIT ?",
                vec![now.into(), BATCH.into()],
            )?
            .to_array()?;
        if due.is_empty() {
            return Ok(());
        }
        let object = self.delivery_object(seller)?;
        let allowed = self
            .env
            .var("WEBHOOK_HOSTS_ALLOWED")
            .ok()
            .map(|v| v.to_string());
        for row in due {
            self.sql.exec(
                "UPDATE webhook_queue SET next_at = ? WHERE endpoint_id = ? AND event_id = ?",
                vec![
                    (now + LEASE).into(),
                    row.endpoint_id.clone().into(),
                    row.event_id.into(),
                ],
            )?;
            let outcome = self
                .send_delivery(seller, &object, allowed.as_deref(), &row)
                .await;
            let Some(outcome) = outcome? else {
                self.forget(&row)?;
                continue;
            };
            self.settle(&row, outcome)?;
        }
        Ok(())
    }

    /// One attempt; `None` when the endpoint or event is gone (nothing to send).
    async fn send_delivery(
        &self,
        seller: &SellerRow,
        object: &str,
        allowed: Option<&str>,
        row: &QueueRow,
    ) -> Result<Option<Outcome>, Fail> {
        let Ok(endpoint) = self.load_endpoint(Some(&row.endpoint_id)) else {
            return Ok(None);
        };
        if endpoint.status != "enabled" {
            return Ok(None);
        }
        let Some(event) = self
            .sql
            .exec(
                &format!("SELECT {EVENT_COLUMNS} FROM events e LEFT JOIN payment_requests r ON r.id = e.request_id WHERE e.id = ?"),
                vec![row.event_id.into()],
            )?
            .to_array::<EventRow>()?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        let body = json!({
            "type": event.kind,
            "timestamp": rfc3339(event.created_at),
            "data": event_view(&event),
        })
        .to_string();
        let id = message_id(object, row.event_id);
        // The URL was checked when it was saved; checked again, for the host list.
        let host = match WebhookUrl::parse(&endpoint.url, seller.livemode != 0) {
            Ok(url) => url.host,
            Err(refused) => return Ok(Some(Outcome::Failed(refused.0.to_owned()))),
        };
        if !host_allowed(allowed, &host) {
            return Ok(Some(Outcome::Failed(
                "The host is not in WEBHOOK_HOSTS_ALLOWED; nothing was sent.".into(),
            )));
        }
        let secrets = self.signing_secrets(seller, &endpoint)?;
        let timestamp = real_seconds();
        let headers = Headers::new();
        for (name, value) in [
            ("content-type", "application/json"),
            ("user-agent", "chatpay-webhooks/1"),
            ("webhook-id", id.as_str()),
            ("webhook-timestamp", &timestamp.to_string()),
            (
                "webhook-signature",
                &signature(&secrets, &id, timestamp, &body),
            ),
        ] {
            headers.set(name, value)?;
        }
        Ok(Some(post(&endpoint.url, headers, &body).await))
    }

    /// Records the attempt and moves the queue row on: done, retried or given up.
    fn settle(&self, row: &QueueRow, outcome: Outcome) -> Result<(), Fail> {
        let attempt = row.attempts + 1;
        let (code, error) = match &outcome {
            Outcome::Answered(code) if (200..300).contains(code) => (Some(*code), None),
            Outcome::Answered(410) => (
                Some(410),
                Some("410 Gone: the endpoint is disabled.".to_owned()),
            ),
            Outcome::Answered(code) => (Some(*code), Some(format!("HTTP {code}"))),
            Outcome::Failed(message) => (None, Some(message.clone())),
        };
        let next = retry_delay(attempt);
        let error = match (&error, next) {
            (Some(e), None) if code != Some(410) => Some(format!(
                "{e} (attempt {attempt} of {}: given up)",
                SCHEDULE.len()
            )),
            _ => error,
        };
        self.sql.exec(
            "INSERT INTO webhook_attempts (endpoint_id, event_id, attempt, status_code, error, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            vec![
                row.endpoint_id.clone().into(),
                row.event_id.into(),
                attempt.into(),
                code.map(i64::from).into(),
                error.clone().into(),
                self.clock().into(),
            ],
        )?;
        self.sql.exec(
            "DELETE FROM webhook_attempts WHERE endpoint_id = ? AND id <= (SELECT id FROM webhook_attempts WHERE endpoint_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
            vec![
                row.endpoint_id.clone().into(),
                row.endpoint_id.clone().into(),
                ATTEMPTS_KEPT.into(),
            ],
        )?;
        if code == Some(410) {
            self.sql.exec(
                "UPDATE webhook_endpoints SET status = 'disabled' WHERE id = ?",
                vec![row.endpoint_id.clone().into()],
            )?;
            self.drop_queue(&row.endpoint_id)?;
            return Ok(());
        }
        match (error, next) {
            (None, _) | (Some(_), None) => self.forget(row),
            (Some(_), Some(delay)) => {
                self.sql.exec(
                    "UPDATE webhook_queue SET attempts = ?, next_at = ? WHERE endpoint_id = ? AND event_id = ?",
                    vec![
                        attempt.into(),
                        (real_seconds() + jittered(delay)).into(),
                        row.endpoint_id.clone().into(),
                        row.event_id.into(),
                    ],
                )?;
                Ok(())
            }
        }
    }

    fn forget(&self, row: &QueueRow) -> Result<(), Fail> {
        self.sql.exec(
            "DELETE FROM webhook_queue WHERE endpoint_id = ? AND event_id = ?",
            vec![row.endpoint_id.clone().into(), row.event_id.into()],
        )?;
        Ok(())
    }
}

/// One POST within [`TIMEOUT`], redirects not followed (a redirect could lead anywhere).
async fn post(url: &str, headers: Headers, body: &str) -> Outcome {
    let mut init = RequestInit::new();
    init.with_method(worker::Method::Post)
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual)
        .with_body(Some(wasm_bindgen::JsValue::from_str(body)));
    let Ok(request) = Request::new_with_init(url, &init) else {
        return Outcome::Failed("The request could not be built.".into());
    };
    let controller = AbortController::default();
    let signal = controller.signal();
    let exchange = async {
        let mut response = Fetch::Request(request).send_with_signal(&signal).await?;
        let status = response.status_code();
        // Read (and drop) the body so the connection is released.
        let _ = response.bytes().await;
        Ok::<_, worker::Error>(status)
    };
    match within(TIMEOUT, exchange).await {
        Some(Ok(status)) => Outcome::Answered(status),
        Some(Err(_)) => Outcome::Failed("The connection failed.".into()),
        None => {
            controller.abort();
            Outcome::Failed("No answer within 15 seconds.".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks reference libraries.
    #[test]
    fn signs_as_standard_webhooks_does() {
        let secret = STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = r#"{"test": 2432232314}"#;
        let sig = signature(&[secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        for _ in 0..100 {
            let d = jittered(300);
            assert!((270..=330).contains(&d), "{d}");
        }
    }
}
