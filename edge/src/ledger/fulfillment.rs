//! Shipping and delivery, and the unshipped rule (paid, unshipped for 30 days: canceled
//! and refunded).

use super::context::Ledger;
use super::rows::{RequestRow, SellerRow};
use super::timers::Timer;
use crate::http::Fail;
use chatpay_core::orders::ShipBody;
use chatpay_core::state::{Claim, Event, Fulfillment, Payout, Status};
use chatpay_core::time::{add_business_days, rfc3339, DAY};
use serde_json::{json, Value};

/// Paid and still unshipped this long after payment: canceled and fully refunded.
pub const UNSHIPPED_CANCEL_AFTER: i64 = 30 * DAY;

impl Ledger<'_> {
    /// Instagram's rule: paid and unshipped 30 days after payment, the order is canceled
    /// and fully refunded.
    pub(crate) fn cancel_unshipped(&self, row: &RequestRow, now: i64) -> Result<(), Fail> {
        if row.status() != Status::Paid || row.fulfillment() != Fulfillment::Unfulfilled {
            return Ok(());
        }
        self.set_status(&row.id, Status::Paid, Event::AutoCancel)?;
        self.sql.exec(
            "UPDATE payment_requests SET canceled_at = ? WHERE id = ?",
            vec![now.into(), row.id.clone().into()],
        )?;
        let rest = row.amount_minor - row.refunded_minor;
        if rest > 0 {
            self.record_refund(row, rest, "other", "system", now)?;
        }
        let mut data = self.via();
        data["rule"] = json!("unshipped_30_days");
        self.event(&row.id, "payment_request.canceled", "system", data, now)?;
        Ok(())
    }

    pub(crate) fn ship(
        &self,
        seller: &SellerRow,
        id: Option<&str>,
        body: &Value,
        actor: &str,
    ) -> Result<(u16, Value), Fail> {
        let ship = ShipBody::parse(body)?;
        let row = self.load_request(id)?;
        let now = self.clock();
        self.fulfillment_move(&row, Event::Ship, "shipped")?;
        let due = add_business_days(now, self.payout_delay_days());
        // A claim opened before shipping holds the payout from the start.
        let held = self
            .claim_for(&row.id)?
            .is_some_and(|c| matches!(c.claim(), Claim::Open | Claim::SellerResponded));
        let payout = if held { Payout::Held } else { Payout::Pending };
        self.sql.exec(
            "UPDATE payment_requests SET carrier = ?, tracking_number = ?, shipped_at = ? WHERE id = ?",
            vec![
                ship.carrier.clone().into(),
                ship.tracking_number.clone().into(),
                now.into(),
                row.id.clone().into(),
            ],
        )?;
        // An order its agent charged elsewhere has no money at chatpay to pay out.
        let through_chatpay = row.capture() != chatpay_core::agent_capture::Capture::Agent;
        if through_chatpay {
            self.begin_payout(&row.id, payout, due)?;
            self.add_timer(&row.id, Timer::Payout, due)?;
        }
        if through_chatpay && self.livemode()? {
            // PayPal's seller protection needs the tracker; a failed post never fails the
            // shipment (the alarm retries it).
            let key = format!("trk_{}", row.id.trim_start_matches("pr_"));
            self.enqueue_call("tracker", &key, &row.id, None)?;
        }
        self.event(
            &row.id,
            "payment_request.shipped",
            actor,
            json!({"carrier": ship.carrier, "tracking_number": ship.tracking_number, "payout_due_at": rfc3339(due)}),
            now,
        )?;
        Ok((200, self.request_json(seller, Some(&row.id), false)?))
    }

    pub(crate) fn deliver(
        &self,
        seller: &SellerRow,
        id: Option<&str>,
        actor: &str,
    ) -> Result<(u16, Value), Fail> {
        let row = self.load_request(id)?;
        let now = self.clock();
        self.fulfillment_move(&row, Event::Deliver, "delivered")?;
        self.sql.exec(
            "UPDATE payment_requests SET delivered_at = ? WHERE id = ?",
            vec![now.into(), row.id.clone().into()],
        )?;
        self.event(&row.id, "payment_request.delivered", actor, json!({}), now)?;
        Ok((200, self.request_json(seller, Some(&row.id), false)?))
    }
}
