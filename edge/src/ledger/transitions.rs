//! The one transition writer: every change of a request's `status`, `fulfillment_status` and
//! payout, and of a claim's `status`, goes through [`Ledger::write_move`] after core's table
//! (`chatpay_core::state::TRANSITIONS`) allowed it, and is written with a guard on the value
//! read (`UPDATE ... WHERE id = ? AND col = ?`), so a row that moved since it was read is
//! never overwritten.

use super::context::Ledger;
use super::rows::{ClaimRow, RequestRow};
use crate::http::Fail;
use chatpay_core::state::{Claim, Event, Fulfillment, Payout, State, Status};

pub(crate) fn illegal(row: &RequestRow, message: String) -> Fail {
    Fail::conflict("illegal_transition", row.status().public_str(), message)
}

/// Where a dimension's value lives: its table and column.
fn place(state: State) -> (&'static str, &'static str) {
    match state {
        State::Status(_) => ("payment_requests", "status"),
        State::Fulfillment(_) => ("payment_requests", "fulfillment_status"),
        State::Payout(_) => ("payment_requests", "payout_status"),
        State::Claim(_) => ("claims", "status"),
    }
}

fn wire(state: State) -> &'static str {
    match state {
        State::Status(s) => s.as_str(),
        State::Fulfillment(f) => f.as_str(),
        State::Payout(p) => p.as_str(),
        State::Claim(c) => c.as_str(),
    }
}

impl Ledger<'_> {
    /// The 409 of a move core's table does not allow; nothing is written.
    fn illegal_move(&self, id: &str, from: State, event: Event) -> Fail {
        let what = match from {
            State::Status(s) => format!("A payment request that is {}", s.public_str()),
            State::Fulfillment(f) => format!("A request that is {}", f.as_str()),
            State::Payout(p) => format!("A payout that is {}", p.as_str()),
            State::Claim(c) => format!("A claim that is {}", c.as_str()),
        };
        Fail::conflict(
            "illegal_transition",
            self.public_status(id, from),
            format!("{what} cannot take {event:?}."),
        )
    }

    /// The one write of every move (callers apply core's table first, each with the 409 its
    /// caller is owed): `to`, guarded by `from`: `to`, guarded by `from`. A row that no
    /// longer holds `from` (it moved since it was read) is a 409 and is left as it is.
    pub(crate) fn write_move(&self, id: &str, from: State, to: State) -> Result<(), Fail> {
        let (table, column) = place(from);
        let written = self
            .sql
            .exec(
                &format!("UPDATE {table} SET {column} = ? WHERE id = ? AND {column} = ?"),
                vec![wire(to).into(), id.into(), wire(from).into()],
            )?
            .rows_written();
        if written != 1 {
            return Err(Fail::conflict(
                "illegal_transition",
                self.public_status(id, from),
                format!("This {column} changed while the call ran; read it again."),
            ));
        }
        Ok(())
    }

    /// The request status a 409 carries: the moved value itself for a status move, else the
    /// status of the request the row belongs to.
    fn public_status(&self, id: &str, from: State) -> &'static str {
        let request_id = match from {
            State::Status(s) => return s.public_str(),
            State::Claim(_) => self.claim_request(id),
            _ => Some(id.to_owned()),
        };
        request_id
            .and_then(|r| self.load_request(Some(&r)).ok())
            .map_or("paid", |r| r.status().public_str())
    }

    fn claim_request(&self, claim_id: &str) -> Option<String> {
        self.load_claim(Some(claim_id)).ok().map(|c| c.request_id)
    }

    /// A request's `status`, moved by `event`.
    pub(crate) fn set_status(&self, id: &str, from: Status, event: Event) -> Result<Status, Fail> {
        let to = from
            .apply(event)
            .map_err(|_| self.illegal_move(id, State::Status(from), event))?;
        self.write_move(id, State::Status(from), State::Status(to))?;
        Ok(to)
    }

    /// A payout's status, moved by `event`.
    pub(crate) fn set_payout(&self, id: &str, from: Payout, event: Event) -> Result<Payout, Fail> {
        let to = from
            .apply(event)
            .map_err(|_| self.illegal_move(id, State::Payout(from), event))?;
        self.write_move(id, State::Payout(from), State::Payout(to))?;
        Ok(to)
    }

    /// A payout begins when the order ships: `pending`, or `held` under an open claim. It is
    /// the payout's first value, so the guard is that there was none.
    pub(crate) fn begin_payout(&self, id: &str, payout: Payout, due_at: i64) -> Result<(), Fail> {
        let written = self
            .sql
            .exec(
                "UPDATE payment_requests SET payout_status = ?, payout_due_at = ? WHERE id = ? AND payout_status IS NULL",
                vec![payout.as_str().into(), due_at.into(), id.into()],
            )?
            .rows_written();
        if written != 1 {
            return Err(Fail::internal("a payout began twice"));
        }
        Ok(())
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
        self.write_move(&row.id, State::Fulfillment(from), State::Fulfillment(to))?;
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
        self.write_move(&claim.id, State::Claim(from), State::Claim(to))?;
        Ok(to)
    }
}
