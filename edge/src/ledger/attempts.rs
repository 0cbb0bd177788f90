//! Card testing stops here: declined attempts per request, the lock, and unlocking.

use super::context::Ledger;
use super::rows::{RequestRow, SellerRow};
use crate::http::Fail;
use serde::Deserialize;
use serde_json::{json, Value};

/// Declines on one request before it takes no more card attempts (until unlocked).
pub const MAX_DECLINES: i64 = 5;

/// Different cards declined on one request before it takes no more attempts.
pub const MAX_CARDS: i64 = 3;

/// Declined card attempts on one request since its last unlock.
#[derive(Deserialize, Default)]
pub(crate) struct Attempts {
    pub(crate) declines: i64,
    pub(crate) cards: i64,
}

impl Attempts {
    pub(crate) fn locked(&self) -> bool {
        self.declines >= MAX_DECLINES || self.cards >= MAX_CARDS
    }
}

impl Ledger<'_> {
    /// Card testing stops here: after [`MAX_DECLINES`] declines, or declines of
    /// [`MAX_CARDS`] different cards, on one request, it takes no more attempts until the
    /// seller (or the request's agent) unlocks it.
    pub(crate) fn check_attempts(&self, row: &RequestRow) -> Result<(), Fail> {
        if !self.attempts(&row.id)?.locked() {
            return Ok(());
        }
        let mut fail = Fail::new(
            409,
            "card_error",
            "too_many_attempts",
            "This payment request cannot take more card attempts. Ask the seller for help.",
        );
        fail.error.status = Some(row.status().public_str().into());
        Err(fail)
    }

    /// The declines that count against a request (since its last unlock).
    pub(crate) fn attempts(&self, request_id: &str) -> worker::Result<Attempts> {
        Ok(self
            .sql
            .exec(
                "SELECT COUNT(*) AS declines, COUNT(DISTINCT fingerprint) AS cards FROM payment_attempts WHERE request_id = ? AND outcome = 'declined' AND cleared = 0",
                vec![request_id.into()],
            )?
            .to_array::<Attempts>()?
            .into_iter()
            .next()
            .unwrap_or_default())
    }

    /// `POST /v1/payment_requests/{id}/unlock`: the request takes card attempts again.
    pub(crate) fn unlock(
        &self,
        seller: &SellerRow,
        id: Option<&str>,
        actor: &str,
    ) -> Result<(u16, Value), Fail> {
        let row = self.load_request(id)?;
        let now = self.clock();
        self.sql.exec(
            "UPDATE payment_attempts SET cleared = 1 WHERE request_id = ? AND cleared = 0",
            vec![row.id.clone().into()],
        )?;
        self.event(&row.id, "payment_request.unlocked", actor, json!({}), now)?;
        Ok((200, self.request_json(seller, Some(&row.id), false)?))
    }
}
