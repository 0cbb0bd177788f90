//! Payouts: due 3 business days after shipping, held while a claim is open.

use super::context::Ledger;
use super::rows::RequestRow;
use super::settings::{set_setting, setting};
use super::timers::Timer;
use crate::http::Fail;
use chatpay_core::state::Event;
use serde_json::json;

impl Ledger<'_> {
    /// The payout is due. The sandbox's completes at once; a live one is a call to PayPal
    /// (`outbox`), `paid_out` when PayPal accepts it.
    pub(crate) fn pay_out(&self, row: &RequestRow, now: i64) -> Result<(), Fail> {
        if !row.payout().is_some_and(|p| p.can(Event::PayOut)) {
            return Ok(()); // held by a claim, or already paid out
        }
        if self.livemode()? {
            let key = format!("po_{}", row.id.trim_start_matches("pr_"));
            self.enqueue_call("payout", &key, &row.id, None)?;
            return Ok(());
        }
        self.pay_out_now(row, now)
    }

    /// Pays the seller what is left after refunds, less refunds owed from earlier payouts.
    pub(crate) fn pay_out_now(&self, row: &RequestRow, now: i64) -> Result<(), Fail> {
        let Some(payout) = row.payout() else {
            return Ok(());
        };
        if payout.apply(Event::PayOut).is_err() {
            return Ok(()); // held by a claim, or already paid out
        }
        let currency = row.currency.clone();
        let debt_key = format!("payout_debt:{currency}");
        let debt: i64 = setting(&self.sql, &debt_key)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let net = (row.amount_minor - row.refunded_minor).max(0);
        let deducted = debt.min(net);
        set_setting(&self.sql, &debt_key, &(debt - deducted).to_string())?;
        self.set_payout(&row.id, payout, Event::PayOut)?;
        self.sql.exec(
            "UPDATE payment_requests SET paid_out_at = ?, payout_amount_minor = ? WHERE id = ?",
            vec![now.into(), (net - deducted).into(), row.id.clone().into()],
        )?;
        let mut data = self.via();
        data["amount"] = json!(row.money(net - deducted));
        data["deducted"] = json!(row.money(deducted));
        self.event(&row.id, "payout.paid_out", "system", data, now)?;
        Ok(())
    }

    pub(crate) fn hold_payout(&self, row: &RequestRow) -> Result<(), Fail> {
        if let Some(payout) = row.payout().filter(|p| p.apply(Event::Hold).is_ok()) {
            self.set_payout(&row.id, payout, Event::Hold)?;
        }
        Ok(())
    }

    /// A resolved claim releases a held payout; it pays out at once if already due.
    pub(crate) fn release_payout(&self, request_id: &str, now: i64) -> Result<(), Fail> {
        let row = self.load_request(Some(request_id))?;
        if let Some(payout) = row.payout().filter(|p| p.apply(Event::Unhold).is_ok()) {
            self.set_payout(&row.id, payout, Event::Unhold)?;
            self.add_timer(
                &row.id,
                Timer::Payout,
                row.payout_due_at.unwrap_or(now).max(now),
            )?;
        }
        Ok(())
    }
}
