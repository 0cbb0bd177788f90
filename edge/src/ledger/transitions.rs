//! The one transition writer: every change of `status`, `fulfillment_status`, `payout` and
//! a claim's `status` goes through core's table and a guard on the value read.

use super::context::Ledger;
use super::rows::{ClaimRow, RequestRow};
use crate::http::Fail;
use chatpay_core::state::{Claim, Event, Fulfillment, Status};

pub(crate) fn illegal(row: &RequestRow, message: String) -> Fail {
    Fail::conflict("illegal_transition", row.status().public_str(), message)
}

impl Ledger<'_> {
    /// Moves a request along core's transition table, guarded by the status it was read in.
    /// An illegal move is a 409 carrying the current status, and changes nothing.
    pub(crate) fn set_status(&self, id: &str, from: Status, event: Event) -> Result<Status, Fail> {
        let to = from.apply(event).map_err(|illegal| {
            Fail::conflict(
                "illegal_transition",
                from.public_str(),
                format!(
                    "A payment request that is {} cannot take {:?}.",
                    from.public_str(),
                    illegal.event
                ),
            )
        })?;
        self.sql.exec(
            "UPDATE payment_requests SET status = ? WHERE id = ? AND status = ?",
            vec![to.as_str().into(), id.into(), from.as_str().into()],
        )?;
        Ok(to)
    }

    pub(crate) fn require_paid(&self, row: &RequestRow, action: &str) -> Result<(), Fail> {
        if row.status() == Status::Paid {
            Ok(())
        } else {
            Err(illegal(
                row,
                format!(
                    "Only a paid request can be {action}; this one is {}.",
                    row.status().public_str()
                ),
            ))
        }
    }

    pub(crate) fn fulfillment_move(
        &self,
        row: &RequestRow,
        event: Event,
        action: &str,
    ) -> Result<Fulfillment, Fail> {
        self.require_paid(row, action)?;
        let from = row.fulfillment();
        let to = from.apply(event).map_err(|_| {
            illegal(
                row,
                format!("A request that is {} cannot be {action}.", from.as_str()),
            )
        })?;
        self.sql.exec(
            "UPDATE payment_requests SET fulfillment_status = ? WHERE id = ? AND fulfillment_status = ?",
            vec![to.as_str().into(), row.id.clone().into(), from.as_str().into()],
        )?;
        Ok(to)
    }

    pub(crate) fn claim_move(&self, claim: &ClaimRow, event: Event) -> Result<Claim, Fail> {
        let from = claim.claim();
        let to = from.apply(event).map_err(|_| {
            let row_status = self
                .load_request(Some(&claim.request_id))
                .map(|r| r.status().public_str())
                .unwrap_or("paid");
            Fail::conflict(
                "illegal_transition",
                row_status,
                format!("This claim is {} and cannot take {event:?}.", from.as_str()),
            )
        })?;
        self.sql.exec(
            "UPDATE claims SET status = ? WHERE id = ? AND status = ?",
            vec![
                to.as_str().into(),
                claim.id.clone().into(),
                from.as_str().into(),
            ],
        )?;
        Ok(to)
    }
}
