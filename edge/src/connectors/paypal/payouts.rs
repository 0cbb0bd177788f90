//! Releasing a delayed disbursement to the seller: Referenced Payouts v1,
//! `POST /v1/payments/referenced-payouts-items`.
//!
//! PayPal keeps this API's `PayPal-Request-Id` forever (not 6 hours) and allows only
//! `[a-zA-Z0-9-]` in it, so our payout id's `_` becomes `-` ([`payout_request_id`]).

use super::super::connector::{Done, Failure, PayoutCall};
use super::client::{done_failed, path_id, to_json, Call, Client, Method};
use serde::{Deserialize, Serialize};

/// This API's `PayPal-Request-Id` limit.
const MAX_REQUEST_ID: usize = 255;

#[derive(Serialize)]
pub struct PayoutRequest<'a> {
    reference_id: &'a str,
    reference_type: &'static str,
}

#[derive(Deserialize)]
pub struct PayoutItem {
    #[serde(default)]
    pub item_id: Option<String>,
    #[serde(default)]
    pub processing_state: Option<ProcessingState>,
}

#[derive(Deserialize)]
pub struct ProcessingState {
    #[serde(default)]
    pub status: Option<ItemStatus>,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ItemStatus {
    Pending,
    Processing,
    Success,
    Failed,
    PayoutFailed,
    #[serde(other)]
    Unknown,
}

/// `po_abc` → `po-abc-release`. Our ids are `[a-z0-9_]`, so the mapping stays one to one.
pub fn payout_request_id(key: &str) -> Result<String, Failure> {
    let id: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .chain("-release".chars())
        .collect();
    if key.is_empty() || id.len() > MAX_REQUEST_ID {
        return Err(Failure::Rejected {
            message: "The idempotency key is too long for PayPal.".into(),
        });
    }
    Ok(id)
}

pub fn payout_request(capture_ref: &str) -> PayoutRequest<'_> {
    PayoutRequest {
        reference_id: capture_ref,
        reference_type: "TRANSACTION_ID",
    }
}

impl PayoutItem {
    /// `capture_ref` names a success whose answer left out the item's id.
    pub fn done(self, capture_ref: &str) -> Done {
        let state = self.processing_state.unwrap_or(ProcessingState {
            status: None,
            reason: None,
        });
        let reason = state
            .reason
            .as_deref()
            .map(|r| {
                r.chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .take(64)
                    .collect::<String>()
            })
            .unwrap_or_default();
        let item_id = self.item_id.filter(|id| !id.is_empty());
        match state.status.unwrap_or(ItemStatus::Unknown) {
            ItemStatus::Success => Done::Accepted {
                processor_ref: item_id.unwrap_or_else(|| capture_ref.to_owned()),
            },
            ItemStatus::Pending | ItemStatus::Processing => still_running(),
            // Released already under another request: the money reached the seller.
            ItemStatus::Failed | ItemStatus::PayoutFailed
                if reason == "PAYOUT_ALREADY_COMPLETED_FOR_REFERENCE" =>
            {
                match item_id {
                    Some(processor_ref) => Done::Accepted { processor_ref },
                    None => refused(&reason),
                }
            }
            // PayPal replays this answer for our key forever: retrying cannot change it.
            ItemStatus::Failed | ItemStatus::PayoutFailed => refused(&reason),
            ItemStatus::Unknown => still_running(),
        }
    }
}

fn refused(reason: &str) -> Done {
    Done::Failed {
        retry: false,
        message: if reason.is_empty() {
            "PayPal could not release the payout.".into()
        } else {
            format!("PayPal could not release the payout ({reason}).")
        },
    }
}

fn still_running() -> Done {
    Done::Failed {
        retry: true,
        message: "PayPal is still processing the payout.".into(),
    }
}

pub async fn release(client: &Client<'_>, payout: PayoutCall<'_>) -> Done {
    try_release(client, &payout)
        .await
        .unwrap_or_else(done_failed)
}

async fn try_release(client: &Client<'_>, payout: &PayoutCall<'_>) -> Result<Done, Failure> {
    let capture = path_id(payout.capture_ref)?;
    let key = payout_request_id(payout.key)?;
    let body = to_json(&payout_request(capture))?;
    let call = Call {
        operation: "release_payout",
        method: Method::Post,
        path: "/v1/payments/referenced-payouts-items".into(),
        body: Some(body),
        request_id: Some(&key),
        representation: false,
    };
    // A 409 (a call for this reference is still running) is `Unavailable`: retried.
    let answer = client.send(&call).await?.accepted()?;
    let item: PayoutItem = answer.parse().ok_or(Failure::Unavailable)?;
    Ok(item.done(capture))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn done(value: serde_json::Value) -> Done {
        serde_json::from_value::<PayoutItem>(value)
            .unwrap()
            .done("CAP1")
    }

    #[test]
    fn every_item_status_maps() {
        assert!(matches!(
            done(json!({"item_id": "IT1", "processing_state": {"status": "SUCCESS"}})),
            Done::Accepted { processor_ref } if processor_ref == "IT1"
        ));
        for running in ["PENDING", "PROCESSING", "SOMETHING_NEW"] {
            assert!(matches!(
                done(json!({"item_id": "IT1", "processing_state": {"status": running}})),
                Done::Failed { retry: true, .. }
            ));
        }
        for failed in ["FAILED", "PAYOUT_FAILED"] {
            assert!(matches!(
                done(json!({"item_id": "IT1", "processing_state": {"status": failed, "reason": "TRANSACTION_UNDER_DISPUTE"}})),
                Done::Failed { retry: false, message } if message.contains("TRANSACTION_UNDER_DISPUTE")
            ));
        }
        assert!(matches!(
            done(
                json!({"item_id": "IT1", "processing_state": {"status": "FAILED", "reason": "PAYOUT_ALREADY_COMPLETED_FOR_REFERENCE"}})
            ),
            Done::Accepted { .. }
        ));
        assert!(matches!(
            done(json!({"processing_state": {"status": "SUCCESS"}})),
            Done::Accepted { processor_ref } if processor_ref == "CAP1"
        ));
        assert!(matches!(done(json!({})), Done::Failed { retry: true, .. }));
    }

    #[test]
    fn request_ids_fit_this_apis_alphabet() {
        assert_eq!(payout_request_id("po_abc2").unwrap(), "po-abc2-release");
        assert!(payout_request_id("").is_err());
        assert!(payout_request_id(&"a".repeat(250)).is_err());
    }

    #[test]
    fn the_request_references_the_capture() {
        assert_eq!(
            serde_json::to_value(payout_request("2GG279541U471931P")).unwrap(),
            json!({"reference_id": "2GG279541U471931P", "reference_type": "TRANSACTION_ID"})
        );
    }
}
