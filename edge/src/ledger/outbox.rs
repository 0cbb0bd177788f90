//! Calls to the processor that must happen but need not answer the caller: a live refund
//! (the seller's, a claim's, the unshipped rule's), the tracker a shipment posts for
//! PayPal's seller protection, and the release of a delayed payout. Each is written to
//! `processor_calls` in the same write as the state change that needs it, then made by
//! [`Ledger::drain_calls`], at once where the caller waits and otherwise from the alarm,
//! with backoff until it is answered.
//!
//! Every call carries its own key (a refund id, `trk_<request>`, `po_<request>`), so a
//! retry is deduplicated by PayPal, which keeps a key for 6 hours. No call is replayed under
//! one key more than 5 hours after its first try: a refund still unanswered then is given
//! up and shown (another key could refund twice); a tracker or payout goes on under a new
//! key (PayPal refuses a second tracker for one number, and a second release of one capture).

use super::context::{real_seconds, Ledger};
use super::rows::SellerRow;
use crate::connectors::{Connector, Done, Failure, PayoutCall, RefundCall, Refunded, Tracking};
use crate::http::Fail;
use chatpay_core::state::Event;
use chatpay_core::Amount;
use serde::Deserialize;
use serde_json::json;

/// Five hours: PayPal keeps a `PayPal-Request-Id` for six.
const KEY_LIFETIME: i64 = 5 * 3600;

#[derive(Deserialize)]
struct CallRow {
    key: String,
    kind: String,
    request_id: String,
    amount_minor: Option<i64>,
    attempts: i64,
    first_at: i64,
}

#[derive(Deserialize)]
struct Capture {
    processor_ref: String,
    order_ref: Option<String>,
}

/// Seconds before the next try: 5 s, 30 s, 2 min, 10 min, then every 30 min.
fn backoff(attempts: i64) -> i64 {
    match attempts {
        0 | 1 => 5,
        2 => 30,
        3 => 120,
        4 => 600,
        _ => 1800,
    }
}

impl Ledger<'_> {
    /// Queues a call (real time: processor calls never follow the test clock).
    pub(crate) fn enqueue_call(
        &self,
        kind: &str,
        key: &str,
        request_id: &str,
        amount_minor: Option<i64>,
    ) -> worker::Result<()> {
        let now = real_seconds();
        self.sql.exec(
            "INSERT OR IGNORE INTO processor_calls (key, kind, request_id, amount_minor, status, first_at, next_at) VALUES (?, ?, ?, ?, 'queued', ?, ?)",
            vec![key.into(), kind.into(), request_id.into(), amount_minor.into(), now.into(), now.into()],
        )?;
        Ok(())
    }

    /// What a queue's `SELECT MIN(next_at) AS due ...` finds, in real time, moved to the
    /// seller's clock (for the one alarm).
    pub(crate) fn earliest_queued(&self, query: &str) -> Result<Option<i64>, Fail> {
        #[derive(Deserialize)]
        struct Due {
            due: Option<i64>,
        }
        Ok(self
            .sql
            .exec(query, None)?
            .to_array::<Due>()?
            .into_iter()
            .next()
            .and_then(|d| d.due)
            .map(|due| due + self.offset.get()))
    }

    /// When the next queued call is due, in the seller's clock (for the one alarm).
    pub(crate) fn next_call_due(&self) -> Result<Option<i64>, Fail> {
        self.earliest_queued(
            "SELECT MIN(next_at) AS due FROM processor_calls WHERE status = 'queued'",
        )
    }

    /// Makes the due calls (or only `only`, where a caller waits for it).
    pub(crate) async fn drain_calls(
        &self,
        seller: &SellerRow,
        only: Option<&str>,
    ) -> Result<(), Fail> {
        let now = real_seconds();
        let calls: Vec<CallRow> = match only {
            Some(key) => self.sql.exec(
                "SELECT key, kind, request_id, amount_minor, attempts, first_at FROM processor_calls WHERE key = ? AND status = 'queued'",
                vec![key.into()],
            )?,
            None => self.sql.exec(
                "SELECT key, kind, request_id, amount_minor, attempts, first_at FROM processor_calls WHERE status = 'queued' AND next_at <= ? ORDER BY next_at LIMIT 20",
                vec![now.into()],
            )?,
        }
        .to_array()?;
        if calls.is_empty() {
            return Ok(());
        }
        let connector = self.connector(seller, "");
        for call in calls {
            let Some(capture) = self.capture_of(&call.request_id)? else {
                self.call_done(&call.key, "failed", None, Some("No capture to act on."))?;
                continue;
            };
            let age = now - call.first_at;
            // A fresh key for each 5-hour generation (trackers and payouts only).
            let generation = age / KEY_LIFETIME;
            let key = if generation == 0 {
                call.key.clone()
            } else {
                format!("{}-g{generation}", call.key)
            };
            let row = self.load_request(Some(&call.request_id))?;
            match call.kind.as_str() {
                "refund" => {
                    if generation > 0 {
                        self.refund_given_up(&call.key, &call.request_id)?;
                        continue;
                    }
                    let amount =
                        Amount::from_minor(call.amount_minor.unwrap_or(0) as u64, row.currency());
                    let answer = connector
                        .refund(RefundCall {
                            capture_ref: &capture.processor_ref,
                            amount,
                            request_id: &call.request_id,
                            key: &key,
                        })
                        .await;
                    match answer {
                        Refunded::Completed { refund_ref } => {
                            self.set_refund_status(&call.key, "succeeded", Some(&refund_ref))?;
                            self.call_done(&call.key, "done", Some(&refund_ref), None)?;
                        }
                        Refunded::Pending { refund_ref } => {
                            self.set_refund_status(&call.key, "pending", Some(&refund_ref))?;
                            self.call_done(&call.key, "done", Some(&refund_ref), None)?;
                        }
                        Refunded::Refused { message } => {
                            self.undo_refund(&call.key, &call.request_id, &message)?;
                            self.call_done(&call.key, "failed", None, Some(&message))?;
                        }
                        Refunded::Failed(Failure::Rejected { message }) => {
                            self.undo_refund(&call.key, &call.request_id, &message)?;
                            self.call_done(&call.key, "failed", None, Some(&message))?;
                        }
                        Refunded::Failed(Failure::Unavailable) => {
                            self.retry_call(&call, "PayPal did not answer.")?;
                        }
                    }
                }
                "tracker" => {
                    let answer = connector
                        .add_tracking(Tracking {
                            order_ref: capture.order_ref.as_deref().unwrap_or_default(),
                            capture_ref: &capture.processor_ref,
                            carrier: row.carrier.as_deref().unwrap_or_default(),
                            tracking_number: row.tracking_number.as_deref().unwrap_or_default(),
                            key: &key,
                        })
                        .await;
                    self.finish_call(&call, answer, |_| Ok(()))?;
                }
                "payout" => {
                    // PayPal releases what the capture holds, less its refunds.
                    let answer = connector
                        .release_payout(PayoutCall {
                            capture_ref: &capture.processor_ref,
                            key: &key,
                        })
                        .await;
                    let failure = match &answer {
                        Done::Failed { message, .. } => Some(message.clone()),
                        Done::Accepted { .. } => None,
                    };
                    self.sql.exec(
                        "UPDATE payment_requests SET payout_failure = ? WHERE id = ?",
                        vec![failure.into(), row.id.clone().into()],
                    )?;
                    self.finish_call(&call, answer, |ledger| {
                        let row = ledger.load_request(Some(&call.request_id))?;
                        ledger.settle_payout(&row, ledger.clock())
                    })?;
                }
                _ => self.call_done(&call.key, "failed", None, Some("Unknown call."))?,
            }
        }
        Ok(())
    }

    fn finish_call<F>(&self, call: &CallRow, answer: Done, accepted: F) -> Result<(), Fail>
    where
        F: FnOnce(&Self) -> Result<(), Fail>,
    {
        match answer {
            Done::Accepted { processor_ref } => {
                self.call_done(&call.key, "done", Some(&processor_ref), None)?;
                accepted(self)
            }
            Done::Failed {
                retry: true,
                message,
            } => self.retry_call(call, &message),
            Done::Failed {
                retry: false,
                message,
            } => {
                self.call_done(&call.key, "failed", None, Some(&message))?;
                self.event(
                    &call.request_id,
                    &format!("{}.failed", call.kind),
                    "system",
                    json!({"message": message}),
                    self.clock(),
                )?;
                Ok(())
            }
        }
    }

    fn retry_call(&self, call: &CallRow, message: &str) -> Result<(), Fail> {
        let next = real_seconds() + backoff(call.attempts + 1);
        self.sql.exec(
            "UPDATE processor_calls SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE key = ?",
            vec![next.into(), message.into(), call.key.clone().into()],
        )?;
        Ok(())
    }

    fn call_done(
        &self,
        key: &str,
        status: &str,
        processor_ref: Option<&str>,
        error: Option<&str>,
    ) -> Result<(), Fail> {
        self.sql.exec(
            "UPDATE processor_calls SET status = ?, processor_ref = ?, last_error = ?, attempts = attempts + 1 WHERE key = ?",
            vec![status.into(), processor_ref.into(), error.into(), key.into()],
        )?;
        Ok(())
    }

    /// The call's status, once made: `queued`, `done` or `failed`, with its last error.
    pub(crate) fn call_status(&self, key: &str) -> Result<Option<(String, Option<String>)>, Fail> {
        #[derive(Deserialize)]
        struct Status {
            status: String,
            last_error: Option<String>,
        }
        Ok(self
            .sql
            .exec(
                "SELECT status, last_error FROM processor_calls WHERE key = ?",
                vec![key.into()],
            )?
            .to_array::<Status>()?
            .into_iter()
            .next()
            .map(|s| (s.status, s.last_error)))
    }

    fn capture_of(&self, request_id: &str) -> Result<Option<Capture>, Fail> {
        Ok(self
            .sql
            .exec(
                "SELECT processor_ref, order_ref FROM payments WHERE request_id = ?",
                vec![request_id.into()],
            )?
            .to_array::<Capture>()?
            .into_iter()
            .next())
    }

    fn set_refund_status(
        &self,
        id: &str,
        status: &str,
        processor_ref: Option<&str>,
    ) -> Result<(), Fail> {
        self.sql.exec(
            "UPDATE refunds SET status = ?, processor_ref = COALESCE(?, processor_ref) WHERE id = ?",
            vec![status.into(), processor_ref.into(), id.into()],
        )?;
        Ok(())
    }

    /// PayPal refused the refund: nothing went back, so it no longer counts.
    fn undo_refund(&self, id: &str, request_id: &str, message: &str) -> Result<(), Fail> {
        #[derive(Deserialize)]
        struct Minor {
            amount_minor: i64,
        }
        let Some(refund) = self
            .sql
            .exec(
                "SELECT amount_minor FROM refunds WHERE id = ?",
                vec![id.into()],
            )?
            .to_array::<Minor>()?
            .into_iter()
            .next()
        else {
            return Ok(());
        };
        self.sql
            .exec("DELETE FROM refunds WHERE id = ?", vec![id.into()])?;
        self.sql.exec(
            "UPDATE payment_requests SET refunded_minor = refunded_minor - ? WHERE id = ?",
            vec![refund.amount_minor.into(), request_id.into()],
        )?;
        self.event(
            request_id,
            "refund.failed",
            "system",
            json!({"refund_id": id, "message": message}),
            self.clock(),
        )?;
        Ok(())
    }

    /// A refund PayPal never answered within its key's lifetime: given up and shown, not
    /// sent again under another key (that could refund twice).
    fn refund_given_up(&self, id: &str, request_id: &str) -> Result<(), Fail> {
        self.set_refund_status(id, "failed", None)?;
        self.call_done(
            id,
            "failed",
            None,
            Some("PayPal did not answer for 5 hours; check the refund in PayPal."),
        )?;
        self.event(
            request_id,
            "refund.failed",
            "system",
            json!({"refund_id": id, "message": "unanswered"}),
            self.clock(),
        )?;
        Ok(())
    }

    /// The seller's money is released: the payout is `paid_out`.
    pub(crate) fn settle_payout(
        &self,
        row: &super::rows::RequestRow,
        now: i64,
    ) -> Result<(), Fail> {
        if row.payout().is_some_and(|p| p.can(Event::PayOut)) {
            self.pay_out_now(row, now)?;
        }
        Ok(())
    }
}
