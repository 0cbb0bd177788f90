//! PayPal's webhook events, applied to one seller's ledger exactly once: verified by PayPal
//! (`verify-webhook-signature`, through the connector), recorded by event id in
//! `processor_events`, then applied. A held capture settles, a denied one frees the
//! request, an approval the buyer's popup never reported is captured, a dispute opens a
//! claim.

use super::context::Ledger;
use super::rows::SellerRow;
use super::settle::Taken;
use crate::command::Command;
use crate::connectors::{Connector, Delivery, Payer, Verified};
use crate::http::{json, Fail};
use chatpay_core::state::{Event, Status};
use serde_json::{json, Value};
use worker::Response;

/// PayPal's dispute reasons, in our claim reasons.
fn claim_reason(reason: &str) -> &'static str {
    match reason {
        "MERCHANDISE_OR_SERVICE_NOT_RECEIVED" => "item_not_received",
        "UNAUTHORISED" => "unauthorized",
        _ => "not_as_described",
    }
}

impl Ledger<'_> {
    pub(crate) async fn paypal_webhook(
        &self,
        seller: &SellerRow,
        command: &Command,
    ) -> Result<Response, Fail> {
        let body = command.body.clone().unwrap_or(Value::Null);
        let raw = body["raw"].as_str().unwrap_or_default();
        let headers: Vec<(String, String)> =
            serde_json::from_value(body["headers"].clone()).unwrap_or_default();
        let origin = command.origin.clone().unwrap_or_default();
        let connector = self.connector(seller, &origin);
        let verified = connector
            .verify_webhook(Delivery {
                body: raw,
                headers: &headers,
            })
            .await;
        if !matches!(verified, Verified::Genuine) {
            return Err(crate::webhooks::webhook_invalid());
        }
        let event: Value =
            serde_json::from_str(raw).map_err(|_| crate::webhooks::webhook_invalid())?;
        let id = event["id"].as_str().unwrap_or_default();
        let kind = event["event_type"].as_str().unwrap_or_default();
        let row = self.load_request(command.request_id.as_deref())?;
        let fresh = self
            .sql
            .exec(
                "INSERT OR IGNORE INTO processor_events (id, event_type, request_id, received_at) VALUES (?, ?, ?, ?)",
                vec![id.into(), kind.into(), row.id.clone().into(), self.clock().into()],
            )?
            .rows_written();
        if fresh == 0 {
            return Ok(json(200, &json!({"received": true, "duplicate": true})));
        }
        let resource = &event["resource"];
        match kind {
            "PAYMENT.CAPTURE.COMPLETED" => self.capture_settled(seller, &row.id, resource)?,
            "PAYMENT.CAPTURE.DENIED" => self.capture_denied(&row.id)?,
            "CHECKOUT.ORDER.APPROVED" => {
                let order_id = resource["id"].as_str().unwrap_or_default();
                if row.status() == Status::Requested && self.order_by_ref(order_id)?.is_some() {
                    let pay = Command {
                        body: Some(json!({"method": {"type": "paypal", "order_id": order_id}})),
                        idempotency: None,
                        ..command.clone()
                    };
                    // Refused (already paid, or the order not ours to capture): nothing moved.
                    let _ = self.pay(seller, &pay).await;
                }
            }
            "CUSTOMER.DISPUTE.CREATED" => {
                let reason = claim_reason(resource["reason"].as_str().unwrap_or_default());
                let dispute = resource["dispute_id"].as_str().unwrap_or_default();
                if self.claim_for(&row.id)?.is_none() && row.status() == Status::Paid {
                    self.open_claim(
                        Some(&row.id),
                        &json!({"reason": reason, "description": format!("PayPal dispute {dispute}")}),
                    )?;
                }
            }
            "PAYMENT.CAPTURE.REFUNDED" => {
                self.event(
                    &row.id,
                    "payment_request.processor_refunded",
                    "system",
                    json!({"event": id}),
                    self.clock(),
                )?;
            }
            _ => worker::console_log!("PayPal webhook {id}: {kind} is not handled"),
        }
        Ok(json(200, &json!({"received": true})))
    }

    /// A held capture completed: the request is paid (a `processing` one whose capture
    /// answer was lost is recorded too).
    fn capture_settled(
        &self,
        seller: &SellerRow,
        request_id: &str,
        capture: &Value,
    ) -> Result<(), Fail> {
        let row = self.load_request(Some(request_id))?;
        let capture_ref = capture["id"].as_str().unwrap_or_default();
        let order_ref = capture["supplementary_data"]["related_ids"]["order_id"].as_str();
        let order = match order_ref {
            Some(r) => self.order_by_ref(r)?,
            None => None,
        }
        .or(self.open_orders(&row.id)?.into_iter().next());
        let Some(order) = order else { return Ok(()) };
        if !matches!(row.status(), Status::Pending | Status::Processing) {
            return Ok(());
        }
        self.record_paid(Taken {
            seller,
            row: &row,
            order: &order,
            capture_ref,
            payer: &Payer::default(),
            shipping: None,
            receipt_email: None,
        })
    }

    /// A held capture was denied: nothing was taken; the buyer may pay again.
    fn capture_denied(&self, request_id: &str) -> Result<(), Fail> {
        let row = self.load_request(Some(request_id))?;
        if row.status() != Status::Pending {
            return Ok(());
        }
        self.sql.exec(
            "DELETE FROM payments WHERE request_id = ?",
            vec![row.id.clone().into()],
        )?;
        self.set_status(&row.id, Status::Pending, Event::Deny)?;
        self.event(
            &row.id,
            "payment_request.payment_failed",
            "system",
            json!({"decline_code": "generic_decline"}),
            self.clock(),
        )?;
        Ok(())
    }
}
