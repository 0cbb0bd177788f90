//! Pay: claim the request, ask the connector, record the outcome, at most once.

use super::context::Ledger;
use super::fulfillment::UNSHIPPED_CANCEL_AFTER;
use super::rows::{RequestRow, SellerRow};
use super::timers::Timer;
use crate::command::Command;
use crate::connectors::{self, Authorization, Connector, Outcome};
use crate::http::{json, Fail};
use crate::idempotency::{self, Found};
use crate::ids::{ObjectId, SellerRef};
use chatpay_core::api::PayRequest;
use chatpay_core::state::{Event, Status};
use chatpay_core::time::year_month;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::HashSet;
use worker::Response;

/// Clears a request's in-flight mark when its pay ends, however it ends.
pub(crate) struct InFlight<'a>(&'a RefCell<HashSet<String>>, String);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.borrow_mut().remove(&self.1);
    }
}

impl Ledger<'_> {
    /// Pays a request at most once. Claims it (`processing`) and the idempotency key before
    /// the first `.await`, so concurrent pays and retries see the claim and are refused.
    pub(crate) async fn pay(
        &self,
        seller: &SellerRow,
        command: &Command,
    ) -> Result<Response, Fail> {
        let row = self.load_request(command.request_id.as_deref())?;
        let body = command.body.clone().unwrap_or(Value::Null);
        let now = self.clock();
        let pending = match &command.idempotency {
            Some(idem) => match idempotency::look_up(&self.sql, self.keys, idem, &body, now)? {
                Found::Replay(response) => return Ok(response),
                Found::Fresh(pending) => Some(pending),
            },
            None => None,
        };
        let pay = PayRequest::parse(&body, year_month(now))?;
        if row.collect_shipping != 0 && pay.shipping.is_none() {
            return Err(Fail::invalid(
                "parameter_missing",
                "This request needs a shipping address: `shipping`.",
            )
            .param("shipping"));
        }
        let status = self.recover_abandoned(&row, now)?;
        if status.apply(Event::BeginPay).is_err() {
            return Err(if status == Status::Processing {
                Fail::conflict(
                    "request_not_payable",
                    status.public_str(),
                    "A payment for this request is already in progress.",
                )
            } else {
                Fail::not_payable(status.as_str())
            });
        }
        self.check_attempts(&row)?;
        // Past its record budget a buyer's key is treated as absent: the pay still runs.
        let pending = match pending {
            Some(p) if idempotency::has_room(&self.sql, p.idem, now)? => Some(p),
            _ => None,
        };

        // --- synchronous claim: no .await until the processor call ---
        self.in_flight.borrow_mut().insert(row.id.clone());
        let _release = InFlight(self.in_flight, row.id.clone());
        let processing = self.set_status(&row.id, status, Event::BeginPay)?;
        if let Some(pending) = &pending {
            pending.begin(&self.sql, now)?;
        }
        let seller_ref = SellerRef::from_id(&seller.id, self.keys)
            .ok_or_else(|| Fail::internal("bad seller id"))?;
        let token = ObjectId::generate("tok_", seller_ref, self.keys).id;
        let card = &pay.card;
        let fingerprint = self
            .keys
            .fingerprint(&seller.id, card.number.expose_digits());
        // --- end of claim ---

        let amount = row.amount();
        let outcome = connectors::for_mode(seller.livemode != 0, self.env)
            .pay_by_card(Authorization {
                card,
                amount,
                reference: &token,
            })
            .await;

        let now = self.clock();
        let (http, value) = match outcome {
            Outcome::Approved { processor_ref } => {
                // Only an approved card is kept (sealed): a declined attempt leaves nothing.
                self.vault_card(seller, &token, card, &fingerprint, now)?;
                let payment_id = ObjectId::generate("pay_", seller_ref, self.keys).id;
                self.sql.exec(
                    "INSERT INTO payments (id, request_id, token, amount_minor, currency, receipt_email, processor_ref, paid_at, shipping) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    vec![
                        payment_id.clone().into(),
                        row.id.clone().into(),
                        token.clone().into(),
                        (amount.minor() as i64).into(),
                        amount.currency().code().into(),
                        pay.receipt_email.clone().into(),
                        processor_ref.into(),
                        now.into(),
                        pay.shipping.as_ref().map(|s| json!(s).to_string()).into(),
                    ],
                )?;
                self.set_status(&row.id, processing, Event::Approve)?;
                self.sql.exec(
                    "UPDATE payment_requests SET payment_id = ?, paid_at = ? WHERE id = ?",
                    vec![payment_id.clone().into(), now.into(), row.id.clone().into()],
                )?;
                self.add_timer(&row.id, Timer::Unshipped, now + UNSHIPPED_CANCEL_AFTER)?;
                self.attempt(&row.id, &token, &fingerprint, "approved", None, now)?;
                self.event(
                    &row.id,
                    "payment_request.paid",
                    "buyer",
                    json!({"payment_id": payment_id}),
                    now,
                )?;
                (
                    200,
                    serde_json::to_value(self.public(seller, Some(&row.id))?)
                        .unwrap_or(Value::Null),
                )
            }
            Outcome::Declined(decline) => {
                self.set_status(&row.id, processing, Event::CardDeclined)?;
                self.attempt(
                    &row.id,
                    &token,
                    &fingerprint,
                    "declined",
                    Some(decline.decline_code()),
                    now,
                )?;
                self.event(
                    &row.id,
                    "payment_request.payment_failed",
                    "buyer",
                    json!({"decline_code": decline.decline_code()}),
                    now,
                )?;
                let mut fail =
                    Fail::new(402, "card_error", decline.error_code(), decline.message());
                fail.error.param = decline.param().map(str::to_owned);
                fail.error.decline_code = Some(decline.decline_code().into());
                (
                    402,
                    serde_json::to_value(chatpay_core::api::ErrorBody { error: fail.error })
                        .unwrap_or(Value::Null),
                )
            }
        };
        if let Some(pending) = &pending {
            pending.finish(&self.sql, http, &value.to_string())?;
        }
        Ok(json(http, &value))
    }

    /// A `processing` request that no pay in this instance is working on was claimed by an
    /// instance that stopped mid-pay. The sandbox authorizes synchronously and records the
    /// payment in the same write block as `paid`, so no payment was made: release the claim.
    /// (A live processor would first look its attempt up by reference.)
    pub(crate) fn recover_abandoned(&self, row: &RequestRow, now: i64) -> Result<Status, Fail> {
        let status = row.status();
        if status != Status::Processing || self.in_flight.borrow().contains(&row.id) {
            return Ok(status);
        }
        let released = self.set_status(&row.id, status, Event::Release)?;
        self.event(
            &row.id,
            "payment_request.claim_released",
            "system",
            json!({}),
            now,
        )?;
        Ok(released)
    }

    pub(crate) fn attempt(
        &self,
        request_id: &str,
        token: &str,
        fingerprint: &str,
        outcome: &str,
        decline: Option<&str>,
        now: i64,
    ) -> worker::Result<()> {
        self.sql.exec(
            "INSERT INTO payment_attempts (request_id, token, fingerprint, outcome, decline_code, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            vec![request_id.into(), token.into(), fingerprint.into(), outcome.into(), decline.into(), now.into()],
        )?;
        Ok(())
    }
}
