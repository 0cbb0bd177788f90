//! Payment requests: create, cancel, the buyer's decline, and expiry.

use super::context::Ledger;
use super::rows::{RequestRow, SellerRow};
use super::timers::Timer;
use super::transitions::illegal;
use crate::http::Fail;
use crate::ids::{ObjectId, SellerRef};
use chatpay_core::api::NewPaymentRequest;
use chatpay_core::orders::parse_decline;
use chatpay_core::state::{Event, Status};
use serde_json::{json, Value};

impl Ledger<'_> {
    pub(crate) fn create_request(
        &self,
        seller: &SellerRow,
        body: &Value,
    ) -> Result<(u16, Value), Fail> {
        let new = NewPaymentRequest::parse(body, &self.limits())?;
        self.check_capture(&new)?;
        if seller.livemode != 0 {
            // PayPal processes live money: its currencies and its amount formats.
            chatpay_core::live::check_currency(new.amount.currency())?;
            chatpay_core::live::check_amount(new.amount)?;
        }
        let seller_ref = SellerRef::from_id(&seller.id, self.keys)
            .ok_or_else(|| Fail::internal("bad seller id"))?;
        let id = ObjectId::generate("pr_", seller_ref, self.keys).id;
        let now = self.clock();
        self.sql.exec(
            "INSERT INTO payment_requests (id, status, amount_minor, currency, description, conversation_id, agent_id, created_at, expires_at, collect_shipping, capture) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                id.clone().into(),
                Status::Requested.as_str().into(),
                (new.amount.minor() as i64).into(),
                new.amount.currency().code().into(),
                new.description.into(),
                new.conversation_id.into(),
                new.agent_id.clone().into(),
                now.into(),
                (now + new.expires_in).into(),
                i64::from(new.collect_shipping).into(),
                new.capture.as_str().into(),
            ],
        )?;
        self.add_timer(&id, Timer::Expire, now + new.expires_in)?;
        let actor = new
            .agent_id
            .map_or_else(|| "seller".to_string(), |a| format!("agent:{a}"));
        self.event(&id, "payment_request.created", &actor, json!({}), now)?;
        Ok((201, self.request_json(seller, Some(&id), false)?))
    }

    pub(crate) fn cancel(
        &self,
        seller: &SellerRow,
        id: Option<&str>,
        actor: &str,
    ) -> Result<(u16, Value), Fail> {
        let row = self.load_request(id)?;
        let status = row.status();
        if status.apply(Event::Cancel).is_err() {
            let message = if status == Status::Processing {
                "A payment for this request is in progress, so it cannot be canceled.".to_string()
            } else {
                format!(
                    "This payment request is {} and cannot be canceled.",
                    status.as_str()
                )
            };
            return Err(Fail::conflict(
                "request_not_cancelable",
                status.public_str(),
                message,
            ));
        }
        let now = self.clock();
        self.set_status(&row.id, status, Event::Cancel)?;
        self.sql.exec(
            "UPDATE payment_requests SET canceled_at = ? WHERE id = ?",
            vec![now.into(), row.id.clone().into()],
        )?;
        self.event(&row.id, "payment_request.canceled", actor, json!({}), now)?;
        Ok((200, self.request_json(seller, Some(&row.id), true)?))
    }

    pub(crate) fn expire(&self, row: &RequestRow, now: i64) -> Result<(), Fail> {
        if row.status() != Status::Requested {
            return Ok(());
        }
        self.set_status(&row.id, Status::Requested, Event::Expire)?;
        self.event(
            &row.id,
            "payment_request.expired",
            "system",
            self.via(),
            now,
        )?;
        Ok(())
    }

    /// The buyer says no (client secret).
    pub(crate) fn decline(
        &self,
        seller: &SellerRow,
        id: Option<&str>,
        body: &Value,
    ) -> Result<(u16, Value), Fail> {
        let reason = parse_decline((!body.is_null()).then_some(body))?;
        let row = self.load_request(id)?;
        let now = self.clock();
        let status = row.status();
        if status.apply(Event::BuyerDecline).is_err() {
            return Err(illegal(
                &row,
                format!(
                    "This payment request is {} and can no longer be declined.",
                    status.public_str()
                ),
            ));
        }
        self.set_status(&row.id, status, Event::BuyerDecline)?;
        self.sql.exec(
            "UPDATE payment_requests SET declined_at = ? WHERE id = ?",
            vec![now.into(), row.id.clone().into()],
        )?;
        self.event(
            &row.id,
            "payment_request.declined",
            "buyer",
            json!({"reason": reason}),
            now,
        )?;
        Ok((200, self.public(seller, Some(&row.id))?))
    }
}
