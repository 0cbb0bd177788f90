//! `POST /v1/webhooks/paypal`: PayPal's deliveries for the whole platform. Each names our
//! request id (`custom_id`), whose MAC routes it to the seller's object; that object has
//! PayPal verify the signature over the raw body and applies the event once.

use crate::command::{send, Command};
use crate::crypto::Keys;
use crate::http::{json, Fail, Outcome};
use crate::ids::{Mode, ObjectId};
use chatpay_core::routes::Operation;
use serde_json::{json, Value};
use worker::{Env, Request};

pub fn webhook_invalid() -> Fail {
    Fail::invalid(
        "webhook_invalid",
        "This delivery is not a PayPal webhook event signed for this platform.",
    )
}

/// Our request ids an event may name: the capture's or order's `custom_id`, or a dispute's
/// `disputed_transactions[0].custom`.
fn request_ids(event: &Value) -> Vec<String> {
    let resource = &event["resource"];
    let mut ids: Vec<String> = Vec::new();
    let mut push = |v: &Value| {
        if let Some(text) = v.as_str() {
            ids.push(text.to_owned());
        }
    };
    push(&resource["custom_id"]);
    for unit in resource["purchase_units"].as_array().into_iter().flatten() {
        push(&unit["custom_id"]);
        push(&unit["reference_id"]);
    }
    push(&resource["disputed_transactions"][0]["custom"]);
    ids
}

pub async fn paypal(req: &mut Request, env: &Env, keys: &Keys) -> Outcome {
    let raw = req.text().await.map_err(|_| webhook_invalid())?;
    let event: Value = serde_json::from_str(&raw).map_err(|_| webhook_invalid())?;
    if !event.is_object() || !event["event_type"].is_string() || !event["id"].is_string() {
        return Err(webhook_invalid());
    }
    let Some(request) = request_ids(&event)
        .iter()
        .find_map(|id| ObjectId::parse("pr_", id, keys))
    else {
        // Not about a payment of ours (another integration on the same PayPal app).
        worker::console_log!(
            "PayPal webhook {} ({}) names no payment request of ours; ignored",
            event["id"].as_str().unwrap_or_default(),
            event["event_type"].as_str().unwrap_or_default()
        );
        return Ok(json(200, &json!({"received": true})));
    };
    if request.seller.mode() != Mode::Live {
        return Err(webhook_invalid());
    }
    let headers: Vec<(String, String)> = req
        .headers()
        .entries()
        .filter(|(name, _)| name.to_ascii_lowercase().starts_with("paypal-"))
        .map(|(name, value)| (name.to_ascii_lowercase(), value))
        .collect();
    let command = Command::new(Operation::PayPalWebhook, request.seller, keys)
        .request(request.id)
        .body(Some(json!({"raw": raw, "headers": headers})));
    send(env, request.seller, command).await
}
