//! Reconciling a pay nobody finished: a `processing` request whose pay died with its
//! instance, or whose processor did not answer. The processor's own record of each open
//! order decides: a capture that happened is recorded once, an order never captured is
//! abandoned, and only then is the request payable again.

use super::context::Ledger;
use super::rows::RequestRow;
use crate::connectors::{Captured, Connector, ModeConnector, OrderState};
use crate::http::Fail;
use chatpay_core::api::{PayMethod, PayRequest};
use chatpay_core::state::{Event, Status};

pub(crate) fn processor_unavailable() -> Fail {
    Fail::new(
        502,
        "api_error",
        "processor_unavailable",
        "The payment processor did not answer. Nothing was charged twice: retry with the same Idempotency-Key to get the outcome.",
    )
}

impl Ledger<'_> {
    /// A `processing` request that no pay in this instance is working on was claimed by an
    /// instance that stopped mid-pay, or its processor did not answer. Reconciles its open
    /// orders with the processor: a capture that happened is recorded (exactly one
    /// payment), an order never captured is abandoned (nothing was charged), and only then
    /// is the request released. An order the processor cannot tell about keeps the claim.
    pub(crate) async fn recover_abandoned(
        &self,
        row: &RequestRow,
        connector: &ModeConnector<'_>,
        now: i64,
    ) -> Result<Status, Fail> {
        let status = row.status();
        if status != Status::Processing || self.in_flight.borrow().contains(&row.id) {
            return Ok(status);
        }
        for order in self.open_orders(&row.id)? {
            let Some(order_ref) = order.order_ref.clone() else {
                // The create answer was lost: nothing was confirmed, nothing charged.
                self.order_stage(&order.attempt_id, "abandoned")?;
                continue;
            };
            match connector.get_order(&order_ref).await {
                OrderState::Captured(
                    captured @ (Captured::Completed { .. } | Captured::Pending { .. }),
                ) => {
                    if self.in_flight.borrow().contains(&row.id) {
                        return Ok(Status::Processing);
                    }
                    let seller = self.seller()?.ok_or_else(|| Fail::internal("no seller"))?;
                    let pay = PayRequest {
                        method: PayMethod::PayPal {
                            order_id: order_ref.clone(),
                        },
                        receipt_email: None,
                        shipping: None,
                    };
                    let row = self.load_request(Some(&row.id))?;
                    if row.status() != Status::Processing {
                        return Ok(row.status());
                    }
                    self.captured(&seller, &row, &pay, &order, captured)?;
                    return Ok(self.load_request(Some(&row.id))?.status());
                }
                OrderState::Unavailable => return Err(processor_unavailable()),
                OrderState::ActionRequired if order.stage == "action" => {}
                _ => self.order_stage(&order.attempt_id, "abandoned")?,
            }
        }
        let row = self.load_request(Some(&row.id))?;
        if row.status() != Status::Processing || self.in_flight.borrow().contains(&row.id) {
            return Ok(row.status());
        }
        let released = self.set_status(&row.id, Status::Processing, Event::Release)?;
        self.event(
            &row.id,
            "payment_request.claim_released",
            "system",
            serde_json::json!({}),
            now,
        )?;
        Ok(released)
    }

    /// Releases this pay's claim: the request is payable again.
    pub(crate) fn release(&self, request_id: &str) -> Result<(), Fail> {
        self.set_status(request_id, Status::Processing, Event::Release)?;
        Ok(())
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
