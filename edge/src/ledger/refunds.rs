//! Refunds: the seller's, the unshipped rule's and a claim's, and the debt one leaves after a
//! payout.

use super::context::{KeyedCall, Ledger};
use super::rows::{RequestRow, SellerRow};
use super::settings::{set_setting, setting};
use super::transitions::illegal;
use crate::http::value;
use crate::http::Fail;
use chatpay_core::api::views;
use chatpay_core::orders::RefundBody;
use chatpay_core::state::Payout;
use chatpay_core::time::rfc3339;
use serde_json::{json, Value};

impl Ledger<'_> {
    /// Records a refund of `minor` (already checked to fit). After the payout, the amount is
    /// owed back and netted against the seller's next payout in that currency.
    pub(crate) fn record_refund(
        &self,
        row: &RequestRow,
        minor: i64,
        reason: &str,
        actor: &str,
        now: i64,
    ) -> Result<String, Fail> {
        let id = self.child_id("re_", &row.id)?;
        let after_payout = row.payout() == Some(Payout::PaidOut);
        // A live refund goes back through PayPal: pending until it answers (`outbox`).
        let live = self.livemode()?;
        let status = if live { "pending" } else { "succeeded" };
        if live {
            self.enqueue_call("refund", &id, &row.id, Some(minor))?;
        }
        self.sql.exec(
            "INSERT INTO refunds (id, request_id, amount_minor, currency, reason, actor, created_at, after_payout, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                id.clone().into(),
                row.id.clone().into(),
                minor.into(),
                row.currency.clone().into(),
                reason.into(),
                actor.into(),
                now.into(),
                i64::from(after_payout).into(),
                status.into(),
            ],
        )?;
        self.sql.exec(
            "UPDATE payment_requests SET refunded_minor = refunded_minor + ? WHERE id = ?",
            vec![minor.into(), row.id.clone().into()],
        )?;
        if after_payout {
            let key = format!("payout_debt:{}", row.currency);
            let debt: i64 = setting(&self.sql, &key)?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            set_setting(&self.sql, &key, &(debt + minor).to_string())?;
        }
        self.event(
            &row.id,
            "refund.created",
            actor,
            json!({"refund_id": id, "amount": row.money(minor), "reason": reason, "after_payout": after_payout}),
            now,
        )?;
        Ok(id)
    }

    pub(crate) fn refund(
        &self,
        seller: &SellerRow,
        id: Option<&str>,
        body: &Value,
        actor: &str,
    ) -> Result<(u16, Value), Fail> {
        let row = self.load_request(id)?;
        let refund = RefundBody::parse(body, row.currency())?;
        self.require_paid(&row, "refunded")?;
        self.require_chatpay_capture(&row, "refunds")?;
        let rest = row.amount_minor - row.refunded_minor;
        let minor = refund.amount.map_or(rest, |a| a.minor() as i64);
        if rest <= 0 {
            return Err(illegal(
                &row,
                "This payment is already fully refunded.".into(),
            ));
        }
        if minor > rest {
            return Err(illegal(
                &row,
                format!(
                    "At most {} {} is left to refund.",
                    row.money(rest),
                    row.currency
                ),
            )
            .param("amount"));
        }
        let now = self.clock();
        let refund_id = self.record_refund(&row, minor, refund.reason, actor, now)?;
        Ok((
            201,
            value(&views::Refund {
                status: self.refund_status(&refund_id)?,
                id: refund_id,
                object: Default::default(),
                amount: row.money(minor),
                currency: row.currency.clone(),
                reason: refund.reason.to_owned(),
                created_at: rfc3339(now),
                payment_request: self.request_view(
                    seller,
                    &self.load_request(Some(&row.id))?,
                    false,
                )?,
            }),
        ))
    }
}

impl Ledger<'_> {
    /// Whether this ledger's seller is live.
    pub(crate) fn livemode(&self) -> Result<bool, Fail> {
        Ok(self.seller()?.is_some_and(|s| s.livemode != 0))
    }

    pub(crate) fn refund_status(&self, id: &str) -> Result<String, Fail> {
        #[derive(serde::Deserialize)]
        struct Status {
            status: String,
        }
        Ok(self
            .sql
            .exec("SELECT status FROM refunds WHERE id = ?", vec![id.into()])?
            .to_array::<Status>()?
            .into_iter()
            .next()
            .map_or_else(|| "failed".to_owned(), |s| s.status))
    }

    /// A live seller's refund: recorded and queued, then sent to PayPal at once. Answers
    /// 201 (succeeded, or pending until PayPal settles it), or 402 `refund_failed` when
    /// PayPal refuses it (nothing is recorded then).
    pub(crate) async fn refund_live(
        &self,
        seller: &SellerRow,
        command: &crate::command::Command,
        actor: &str,
    ) -> Result<worker::Response, Fail> {
        let body = command.body.clone().unwrap_or(Value::Null);
        self.idempotent_async(command, body, async move |call| {
            self.refund_at_paypal(seller, command, actor, call).await
        })
        .await
    }

    /// The refund of `refund_live`, under its key's `call`.
    async fn refund_at_paypal(
        &self,
        seller: &SellerRow,
        command: &crate::command::Command,
        actor: &str,
        call: &KeyedCall<'_>,
    ) -> Result<(u16, Value), Fail> {
        let (_, created) =
            self.refund(seller, command.request_id.as_deref(), call.body(), actor)?;
        call.claim(self)?;
        let refund_id = created["id"].as_str().unwrap_or_default().to_owned();
        self.drain_calls(seller, Some(&refund_id)).await?;
        Ok(match self.call_status(&refund_id)? {
            Some((status, error)) if status == "failed" => Fail::new(
                402,
                "invalid_request_error",
                "refund_failed",
                format!(
                    "PayPal refused the refund{}. Nothing was refunded.",
                    error.map(|e| format!(" ({e})")).unwrap_or_default()
                ),
            )
            .into_answer(),
            _ => {
                let mut created = created;
                created["status"] = json!(self.refund_status(&refund_id)?);
                created["payment_request"] =
                    self.request_json(seller, command.request_id.as_deref(), false)?;
                (201, created)
            }
        })
    }
}
