//! What callers see: the seller's and the buyer's views of a request, and the seller object.

use super::accounts::Accounts;
use super::context::Ledger;
use super::rows::{ClaimRow, RefundRow, RequestRow, SellerRow};
use crate::http::Fail;
use crate::ids::client_secret;
use chatpay_core::api::{PublicPayment, PublicPaymentRequest, PublicSeller};
use chatpay_core::time::rfc3339;
use serde_json::{json, Value};

impl SellerRow {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "seller",
            "display_name": self.display_name,
            "country": self.country,
            "default_currency": self.default_currency,
            "allowed_origins": self.origins(),
            "created_at": rfc3339(self.created_at),
            "livemode": self.livemode != 0,
        })
    }
}

impl RequestRow {
    pub(crate) fn shipment(&self) -> Value {
        match self.shipped_at {
            None => Value::Null,
            Some(at) => json!({
                "carrier": self.carrier,
                "tracking_number": self.tracking_number,
                "shipped_at": rfc3339(at),
                "delivered_at": self.delivered_at.map(rfc3339),
            }),
        }
    }
}

impl Ledger<'_> {
    /// The seller object with its profile, payout account (last 4 only) and limits.
    pub(crate) fn seller_view(&self, accounts: &Accounts) -> Result<Value, Fail> {
        let seller = self
            .seller()?
            .ok_or_else(|| Fail::internal("seller vanished"))?;
        accounts.seller_json(seller.to_json())
    }

    /// The seller's full view of a request.
    /// The seller's full view of a request; `with_events` adds its event timeline.
    pub(crate) fn request_json(
        &self,
        seller: &SellerRow,
        id: Option<&str>,
        with_events: bool,
    ) -> Result<Value, Fail> {
        let row = self.load_request(id)?;
        self.request_value(seller, &row, with_events)
    }

    pub(crate) fn request_value(
        &self,
        seller: &SellerRow,
        row: &RequestRow,
        with_events: bool,
    ) -> Result<Value, Fail> {
        let payment = self.payment_for(&row.id)?;
        let shipping = payment
            .as_ref()
            .and_then(|p| p.shipping.as_deref())
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
            .unwrap_or(Value::Null);
        let payment = payment.map(|p| {
            json!({
                "id": p.id,
                "object": "payment",
                "amount": row.money(p.amount_minor),
                "currency": p.currency,
                "method": {
                    "type": "card",
                    "brand": p.brand,
                    "last4": p.last4,
                    "exp_month": p.exp_month,
                    "exp_year": p.exp_year,
                    "fingerprint": p.fingerprint,
                },
                "receipt_email": p.receipt_email,
                "paid_at": rfc3339(p.paid_at),
            })
        });
        let mut value = json!({
            "id": row.id,
            "object": "payment_request",
            "client_secret": client_secret(&row.id, &self.keys),
            "status": row.status().public_str(),
            "amount": row.amount().to_decimal_string(),
            "currency": row.currency,
            "description": row.description,
            "seller": {"id": seller.id, "display_name": seller.display_name},
            "conversation_id": row.conversation_id,
            "agent_id": row.agent_id,
            "created_at": rfc3339(row.created_at),
            "expires_at": row.expires_at.map(rfc3339),
            "canceled_at": row.canceled_at.map(rfc3339),
            "declined_at": row.declined_at.map(rfc3339),
            "livemode": seller.livemode != 0,
            "collect_shipping": row.collect_shipping != 0,
            "payment": payment,
            "shipping": shipping,
            "fulfillment_status": row.fulfillment().as_str(),
            "shipment": row.shipment(),
            "refund_status": row.refund_status().as_str(),
            "amount_refunded": row.money(row.refunded_minor),
            "refunds": self.refunds_json(row)?,
            "payout": row.payout().map(|p| json!({
                "status": p.as_str(),
                "due_at": row.payout_due_at.map(rfc3339),
                "paid_out_at": row.paid_out_at.map(rfc3339),
                "amount": row.payout_amount_minor.map(|m| row.money(m)),
            })),
            "claim": self.claim_for(&row.id)?.map(|c| c.to_json()),
            "card_attempts": self.attempts_json(&row.id)?,
        });
        if with_events {
            let (events, has_more) = self.newest_events(&row.id)?;
            value["events"] = Value::Array(events);
            value["events_has_more"] = Value::Bool(has_more);
        }
        Ok(value)
    }

    /// `card_attempts`: declines since the last unlock, and whether `pay` refuses more.
    pub(crate) fn attempts_json(&self, request_id: &str) -> Result<Value, Fail> {
        let a = self.attempts(request_id)?;
        Ok(json!({"declined": a.declines, "cards_declined": a.cards, "locked": a.locked()}))
    }

    /// The buyer's view: no agent, no conversation, no seller id, no client secret.
    pub(crate) fn public(&self, seller: &SellerRow, id: Option<&str>) -> Result<Value, Fail> {
        let row = self.load_request(id)?;
        let payment = self.payment_for(&row.id)?.map(|p| PublicPayment {
            id: p.id,
            brand: p.brand,
            last4: p.last4,
            paid_at: rfc3339(p.paid_at),
        });
        let base = PublicPaymentRequest {
            id: row.id.clone(),
            object: "payment_request".into(),
            status: row.status().public_str().into(),
            amount: row.amount().to_decimal_string(),
            currency: row.currency.clone(),
            description: row.description.clone(),
            seller: PublicSeller {
                display_name: seller.display_name.clone(),
            },
            created_at: rfc3339(row.created_at),
            livemode: seller.livemode != 0,
            payment,
        };
        let mut value = serde_json::to_value(base).map_err(|_| Fail::internal("encode"))?;
        value["expires_at"] = json!(row.expires_at.map(rfc3339));
        value["collect_shipping"] = json!(row.collect_shipping != 0);
        value["fulfillment_status"] = json!(row.fulfillment().as_str());
        value["shipment"] = row.shipment();
        value["refund_status"] = json!(row.refund_status().as_str());
        value["amount_refunded"] = json!(row.money(row.refunded_minor));
        value["claim"] = self
            .claim_for(&row.id)?
            .map(|c| json!({"id": c.id, "reason": c.reason, "status": c.status}))
            .unwrap_or(Value::Null);
        Ok(value)
    }

    pub(crate) fn refunds_json(&self, row: &RequestRow) -> Result<Value, Fail> {
        let refunds: Vec<RefundRow> = self
            .sql
            .exec(
                "SELECT id, amount_minor, reason, actor, created_at FROM refunds WHERE request_id = ? ORDER BY created_at, id",
                vec![row.id.clone().into()],
            )?
            .to_array()?;
        Ok(Value::Array(
            refunds
                .iter()
                .map(|r| {
                    json!({"id": r.id, "object": "refund", "amount": row.money(r.amount_minor), "currency": row.currency,
                           "reason": r.reason, "actor": r.actor, "created_at": rfc3339(r.created_at)})
                })
                .collect(),
        ))
    }
}

impl ClaimRow {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "claim",
            "request_id": self.request_id,
            "reason": self.reason,
            "description": self.description,
            "status": self.status,
            "opened_at": rfc3339(self.opened_at),
            "response": self.response,
            "responded_at": self.responded_at.map(rfc3339),
            "resolved_at": self.resolved_at.map(rfc3339),
            "outcome": self.outcome,
        })
    }
}
