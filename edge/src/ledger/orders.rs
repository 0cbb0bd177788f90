//! Processor orders: one row per pay attempt (`processor_orders`), written before and after
//! each call to the connector, so whatever happens between two calls can be reconciled with
//! the processor's own record of the order (`get_order`).
//!
//! Stages: `creating` (the create call is out; no order id yet), `created`, `confirming`,
//! `action` (3-D Secure or PayPal approval waits for the buyer), `capturing`, then
//! `captured`, `pending`, `declined` or `abandoned`.

use super::context::Ledger;
use crate::http::Fail;
use serde::Deserialize;

#[derive(Clone, Deserialize)]
pub(crate) struct OrderRow {
    pub(crate) attempt_id: String,
    pub(crate) request_id: String,
    pub(crate) method: String,
    pub(crate) order_ref: Option<String>,
    pub(crate) stage: String,
    pub(crate) action_url: Option<String>,
    pub(crate) token: Option<String>,
    pub(crate) fingerprint: Option<String>,
    pub(crate) wallet: Option<String>,
}

const COLUMNS: &str =
    "attempt_id, request_id, method, order_ref, stage, action_url, token, fingerprint, wallet";

/// Stages whose order may still move money at the processor.
pub(crate) const OPEN_STAGES: &[&str] =
    &["creating", "created", "confirming", "action", "capturing"];

/// What a new attempt of a request holds before its order exists at the processor.
pub(crate) struct NewOrder<'a> {
    pub(crate) attempt_id: &'a str,
    /// `card`, `wallet` or `paypal`.
    pub(crate) method: &'a str,
    /// The card's token and fingerprint (cards only).
    pub(crate) token: Option<&'a str>,
    pub(crate) fingerprint: Option<&'a str>,
    /// The wallet that pays (wallets only).
    pub(crate) wallet: Option<&'a str>,
}

impl Ledger<'_> {
    /// Writes the attempt down (`creating`) before its order is created at the processor.
    pub(crate) fn open_order(
        &self,
        request_id: &str,
        order: &NewOrder<'_>,
        now: i64,
    ) -> worker::Result<()> {
        self.sql.exec(
            "INSERT INTO processor_orders (attempt_id, request_id, method, stage, token, fingerprint, wallet, created_at, updated_at) VALUES (?, ?, ?, 'creating', ?, ?, ?, ?, ?)",
            vec![order.attempt_id.into(), request_id.into(), order.method.into(), order.token.into(), order.fingerprint.into(), order.wallet.into(), now.into(), now.into()],
        )?;
        Ok(())
    }

    pub(crate) fn order_stage(&self, attempt_id: &str, stage: &str) -> worker::Result<()> {
        self.sql.exec(
            "UPDATE processor_orders SET stage = ?, updated_at = ? WHERE attempt_id = ?",
            vec![stage.into(), self.clock().into(), attempt_id.into()],
        )?;
        Ok(())
    }

    pub(crate) fn order_created(&self, attempt_id: &str, order_ref: &str) -> worker::Result<()> {
        self.sql.exec(
            "UPDATE processor_orders SET stage = 'created', order_ref = ?, updated_at = ? WHERE attempt_id = ?",
            vec![order_ref.into(), self.clock().into(), attempt_id.into()],
        )?;
        Ok(())
    }

    pub(crate) fn order_action(&self, attempt_id: &str, url: &str) -> worker::Result<()> {
        self.sql.exec(
            "UPDATE processor_orders SET stage = 'action', action_url = ?, updated_at = ? WHERE attempt_id = ?",
            vec![url.into(), self.clock().into(), attempt_id.into()],
        )?;
        Ok(())
    }

    pub(crate) fn order_captured(
        &self,
        attempt_id: &str,
        stage: &str,
        capture_ref: &str,
    ) -> worker::Result<()> {
        self.sql.exec(
            "UPDATE processor_orders SET stage = ?, capture_ref = ?, updated_at = ? WHERE attempt_id = ?",
            vec![stage.into(), capture_ref.into(), self.clock().into(), attempt_id.into()],
        )?;
        Ok(())
    }

    fn orders_where(&self, clause: &str, value: &str) -> Result<Vec<OrderRow>, Fail> {
        Ok(self
            .sql
            .exec(
                &format!("SELECT {COLUMNS} FROM processor_orders WHERE {clause} ORDER BY created_at DESC, attempt_id DESC"),
                vec![value.into()],
            )?
            .to_array()?)
    }

    pub(crate) fn order(&self, attempt_id: &str) -> Result<Option<OrderRow>, Fail> {
        Ok(self
            .orders_where("attempt_id = ?", attempt_id)?
            .into_iter()
            .next())
    }

    pub(crate) fn order_by_ref(&self, order_ref: &str) -> Result<Option<OrderRow>, Fail> {
        Ok(self
            .orders_where("order_ref = ?", order_ref)?
            .into_iter()
            .next())
    }

    /// The request's orders that may still move money, newest first.
    pub(crate) fn open_orders(&self, request_id: &str) -> Result<Vec<OrderRow>, Fail> {
        Ok(self
            .orders_where("request_id = ?", request_id)?
            .into_iter()
            .filter(|o| OPEN_STAGES.contains(&o.stage.as_str()))
            .collect())
    }

    /// The challenge the buyer has yet to finish, if the newest attempt waits on one.
    pub(crate) fn waiting_challenge(&self, request_id: &str) -> Result<Option<OrderRow>, Fail> {
        Ok(self
            .orders_where("request_id = ?", request_id)?
            .into_iter()
            .next()
            .filter(|o| o.stage == "action" && o.method == "card" && o.action_url.is_some()))
    }

    /// A new pay abandons the request's open attempts that no call is working on: their
    /// orders were never captured, so nothing was charged.
    pub(crate) fn abandon_waiting(&self, request_id: &str) -> worker::Result<()> {
        self.sql.exec(
            "UPDATE processor_orders SET stage = 'abandoned', updated_at = ? WHERE request_id = ? AND stage IN ('created', 'action')",
            vec![self.clock().into(), request_id.into()],
        )?;
        Ok(())
    }
}
