//! Pay: claim the request, drive the processor's order, record the outcome, at most once.
//!
//! Every method is an order at the processor: a card is created, confirmed and captured; a
//! PayPal order was created by `POST .../paypal` and approved by the buyer, so it is only
//! captured; a 3-D Secure challenge resumes its card's order. The request is claimed
//! (`processing`) before the first `.await`, and each step is written down before and
//! after its call ([`super::orders`]), so a crash or a lost answer is reconciled from the
//! processor's own record before the request can be paid again.

use super::context::{KeyedCall, Ledger};
use super::rows::{RequestRow, SellerRow};
use crate::command::Command;
use crate::connectors::{self, Context, Decline, ModeConnector};
use crate::http::Fail;
use crate::idempotency;
use crate::ids::SellerRef;
use chatpay_core::api::{PayMethod, PayRequest};
use chatpay_core::live;
use chatpay_core::state::{Event, Status};
use chatpay_core::time::year_month;
use serde_json::Value;
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

/// How a pay ended.
pub(crate) enum Ended {
    Paid,
    /// The processor holds the capture for review.
    Pending,
    /// The buyer must finish a challenge at `url`.
    Action,
    Declined(Decline),
    /// No answer: the request stays claimed until reconciled.
    Unavailable,
    /// A refusal that is not a decline (a bad attempt, a PayPal order not approved).
    Refused(Fail),
}

impl Ledger<'_> {
    /// The seller's connector, for a command that came in at `origin`.
    pub(crate) fn connector<'s>(
        &'s self,
        seller: &SellerRow,
        origin: &'s str,
    ) -> ModeConnector<'s> {
        connectors::for_mode(
            seller.livemode != 0,
            Context {
                env: self.env,
                sql: &self.sql,
                token: self.paypal_token,
                origin,
            },
        )
    }

    /// Pays a request at most once. Claims it (`processing`) and the idempotency key before
    /// the first `.await` that can move money, so concurrent pays and retries see the claim.
    pub(crate) async fn pay(
        &self,
        seller: &SellerRow,
        command: &Command,
    ) -> Result<Response, Fail> {
        let row = self.load_request(command.request_id.as_deref())?;
        let orphaned =
            row.status() == Status::Processing && !self.in_flight.borrow().contains(&row.id);
        if let (true, Some(idem)) = (orphaned, &command.idempotency) {
            // The pay that claimed this key died with its instance: its retry reconciles.
            idempotency::forget_unfinished(&self.sql, idem)?;
        }
        let body = command.body.clone().unwrap_or(Value::Null);
        self.idempotent_async(command, body, async move |call| {
            self.pay_once(seller, command, row, call).await
        })
        .await
    }

    /// One pay, under its key's `call`: the answer to record and send.
    async fn pay_once(
        &self,
        seller: &SellerRow,
        command: &Command,
        row: RequestRow,
        call: &KeyedCall<'_>,
    ) -> Result<(u16, Value), Fail> {
        let now = self.clock();
        let pay = PayRequest::parse(call.body(), year_month(now))?;
        let live = seller.livemode != 0;
        match &pay.method {
            PayMethod::Card(card) if live => live::check_card_number(&card.number)?,
            PayMethod::Wallet { .. } if live => {
                return Err(Fail::invalid(
                    "payment_method_unsupported",
                    "Live mode takes no wallet yet: pay by card or PayPal.",
                )
                .param("method.type"))
            }
            _ => {}
        }
        if row.capture() == chatpay_core::agent_capture::Capture::Agent {
            // Sealed for the requesting agent, not charged: no processor, nothing to await.
            return self.collect(seller, &row, &pay);
        }
        let ships_by_itself = matches!(pay.method, PayMethod::PayPal { .. });
        if row.collect_shipping != 0 && pay.shipping.is_none() && !ships_by_itself {
            return Err(Fail::invalid(
                "parameter_missing",
                "This request needs a shipping address: `shipping`.",
            )
            .param("shipping"));
        }
        let origin = command.origin.as_deref().unwrap_or_default();
        let connector = self.connector(seller, origin);
        // Which order this pay resumes, if any; checked before anything is claimed.
        let resumed = match &pay.method {
            PayMethod::PayPal { order_id } => {
                let order = self
                    .order_by_ref(order_id)?
                    .filter(|o| o.request_id == row.id && o.method == "paypal")
                    .ok_or_else(|| {
                        Fail::invalid(
                            "parameter_invalid",
                            "This PayPal order does not belong to this payment request.",
                        )
                        .param("method.order_id")
                    })?;
                if order.stage == "captured" && row.status() == Status::Paid {
                    return Ok((200, self.public(seller, Some(&row.id))?));
                }
                Some(order)
            }
            PayMethod::CardAction { attempt } => Some(
                self.order(attempt)?
                    .filter(|o| o.request_id == row.id && o.stage == "action")
                    .ok_or_else(|| {
                        Fail::invalid(
                            "parameter_invalid",
                            "No 3-D Secure challenge of this request waits under this attempt.",
                        )
                        .param("method.attempt")
                    })?,
            ),
            _ => None,
        };
        if let PayMethod::Wallet { token, .. } = &pay.method {
            let nonce = crate::wallet::verify(
                token.expose(),
                &row.id,
                self.keys,
                super::context::real_seconds(),
            )?;
            let fresh = self
                .sql
                .exec(
                    "INSERT OR IGNORE INTO wallet_tokens (nonce, request_id, used_at) VALUES (?, ?, ?)",
                    vec![nonce.into(), row.id.clone().into(), now.into()],
                )?
                .rows_written();
            if fresh == 0 {
                return Err(Fail::invalid(
                    "parameter_invalid",
                    "This wallet token was already used: pay again with the wallet.",
                )
                .param("method.token"));
            }
        }
        let status = self.recover_abandoned(&row, &connector, now).await?;
        if row.status() == Status::Processing && matches!(status, Status::Paid | Status::Pending) {
            // A pay whose answer was lost, reconciled just now: this retry gets its outcome.
            return Ok((200, self.public(seller, Some(&row.id))?));
        }
        if status.apply(Event::BeginPay).is_err() {
            return Err(if status == Status::Processing {
                Fail::conflict(
                    "request_not_payable",
                    status.public_str(),
                    "A payment for this request is already in progress.",
                )
            } else if status == Status::Paid && resumed.is_some() {
                // Paid meanwhile (by this order's return page, or a webhook).
                return Ok((200, self.public(seller, Some(&row.id))?));
            } else {
                Fail::not_payable(status.public_str())
            });
        }
        self.check_attempts(&row)?;

        // --- synchronous claim: no .await until the processor call ---
        let row = self.load_request(Some(&row.id))?;
        if row.status() != status {
            return Err(Fail::not_payable(row.status().public_str()));
        }
        self.in_flight.borrow_mut().insert(row.id.clone());
        let _release = InFlight(self.in_flight, row.id.clone());
        self.set_status(&row.id, status, Event::BeginPay)?;
        // Past its record budget a buyer's key is treated as absent: the pay still runs.
        call.claim(self)?;
        let seller_ref = SellerRef::from_id(&seller.id, self.keys)
            .ok_or_else(|| Fail::internal("bad seller id"))?;
        // --- end of claim ---

        let ended = match (&pay.method, resumed) {
            (PayMethod::Card(_), _) => {
                if matches!(pay.method, PayMethod::Card(_)) {
                    self.abandon_waiting(&row.id)?;
                }
                self.charge_card(seller, &row, &pay, &connector, seller_ref, origin)
                    .await?
            }
            (PayMethod::CardAction { .. }, Some(order)) => {
                self.finish_challenge(seller, &row, &pay, &connector, &order)
                    .await?
            }
            (PayMethod::PayPal { .. }, Some(order)) => {
                self.capture_order(seller, &row, &pay, &connector, &order)
                    .await?
            }
            (PayMethod::Wallet { .. }, _) => {
                self.charge_wallet(&row, &pay, &connector, seller_ref, seller)
                    .await?
            }
            _ => Ended::Refused(Fail::internal("no order to resume")),
        };
        self.answer(seller, &row, ended)
    }

    /// The answer to a pay that ended so.
    fn answer(
        &self,
        seller: &SellerRow,
        row: &RequestRow,
        ended: Ended,
    ) -> Result<(u16, Value), Fail> {
        let error = Fail::into_answer;
        Ok(match ended {
            Ended::Paid | Ended::Pending | Ended::Action => {
                (200, self.public(seller, Some(&row.id))?)
            }
            Ended::Declined(decline) => {
                let mut fail =
                    Fail::new(402, "card_error", decline.error_code(), decline.message());
                fail.error.param = decline.param().map(str::to_owned);
                fail.error.decline_code = Some(decline.decline_code().into());
                error(fail)
            }
            Ended::Unavailable => error(super::reconcile::processor_unavailable()),
            Ended::Refused(fail) => error(fail),
        })
    }
}
