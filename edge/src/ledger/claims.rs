//! Claims: the buyer opens one, the seller responds, the platform resolves it.

use super::context::Ledger;
use super::transitions::illegal;
use crate::http::Fail;
use chatpay_core::orders::{parse_claim_outcome, parse_claim_response, ClaimBody};
use chatpay_core::state::{Claim, Event};
use chatpay_core::time::DAY;
use serde_json::{json, Value};

/// A buyer may open a claim this long after payment.
pub const CLAIM_WINDOW: i64 = 30 * DAY;

impl Ledger<'_> {
    /// The buyer reports a problem, within 30 days of payment; the payout waits.
    pub(crate) fn open_claim(&self, id: Option<&str>, body: &Value) -> Result<(u16, Value), Fail> {
        let claim = ClaimBody::parse(body)?;
        let row = self.load_request(id)?;
        let now = self.clock();
        self.require_paid(&row, "claimed")?;
        self.require_chatpay_capture(&row, "claims")?;
        if self.claim_for(&row.id)?.is_some() {
            return Err(illegal(
                &row,
                "A claim is already open or resolved for this request.".into(),
            ));
        }
        if now > row.paid_at.unwrap_or(now) + CLAIM_WINDOW {
            return Err(illegal(
                &row,
                "Claims can be opened within 30 days of payment.".into(),
            ));
        }
        let claim_id = self.child_id("clm_", &row.id)?;
        self.sql.exec(
            "INSERT INTO claims (id, request_id, reason, description, status, opened_at) VALUES (?, ?, ?, ?, ?, ?)",
            vec![
                claim_id.clone().into(),
                row.id.clone().into(),
                claim.reason.into(),
                claim.description.into(),
                Claim::Open.as_str().into(),
                now.into(),
            ],
        )?;
        self.hold_payout(&row)?;
        self.event(
            &row.id,
            "claim.opened",
            "buyer",
            json!({"claim_id": claim_id, "reason": claim.reason}),
            now,
        )?;
        Ok((201, self.load_claim(Some(&claim_id))?.to_json()))
    }

    pub(crate) fn respond_claim(
        &self,
        claim_id: Option<&str>,
        body: &Value,
        actor: &str,
    ) -> Result<(u16, Value), Fail> {
        let message = parse_claim_response(body)?;
        let claim = self.load_claim(claim_id)?;
        let now = self.clock();
        self.claim_move(&claim, Event::Respond)?;
        self.sql.exec(
            "UPDATE claims SET response = ?, responded_at = ? WHERE id = ?",
            vec![message.into(), now.into(), claim.id.clone().into()],
        )?;
        self.event(
            &claim.request_id,
            "claim.seller_responded",
            actor,
            json!({"claim_id": claim.id}),
            now,
        )?;
        Ok((200, self.load_claim(Some(&claim.id))?.to_json()))
    }

    /// The platform's decision: refund (the rest of the payment) or reject.
    pub(crate) fn resolve_claim(
        &self,
        claim_id: Option<&str>,
        body: &Value,
        actor: &str,
    ) -> Result<(u16, Value), Fail> {
        let refund = parse_claim_outcome(body)?;
        let claim = self.load_claim(claim_id)?;
        let now = self.clock();
        let event = if refund {
            Event::ResolveRefund
        } else {
            Event::ResolveReject
        };
        self.claim_move(&claim, event)?;
        let outcome = if refund { "refund" } else { "reject" };
        self.sql.exec(
            "UPDATE claims SET resolved_at = ?, outcome = ? WHERE id = ?",
            vec![now.into(), outcome.into(), claim.id.clone().into()],
        )?;
        if refund {
            let row = self.load_request(Some(&claim.request_id))?;
            let rest = row.amount_minor - row.refunded_minor;
            if rest > 0 {
                self.record_refund(&row, rest, "other", actor, now)?;
            }
        }
        self.event(
            &claim.request_id,
            "claim.resolved",
            actor,
            json!({"claim_id": claim.id, "outcome": outcome}),
            now,
        )?;
        self.release_payout(&claim.request_id, now)?;
        Ok((200, self.load_claim(Some(&claim.id))?.to_json()))
    }
}
