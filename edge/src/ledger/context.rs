//! `Ledger`: one command's view of the seller's object: its storage, keys, clock and
//! configuration. Every behaviour file adds methods to it.

use crate::command::Command;
use crate::crypto::Keys;
use crate::http::{json, Fail};
use crate::idempotency::{self, Found};
use crate::ids::ObjectId;
use chatpay_core::state::Status;
use chatpay_core::AmountLimits;
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use worker::{Env, Response, SqlStorage};

/// Real time. The ledger's own clock (`Ledger::clock`) adds the test clock's offset.
pub(crate) fn real_seconds() -> i64 {
    (worker::Date::now().as_millis() / 1000) as i64
}

pub(crate) struct Ledger<'a> {
    pub(crate) sql: SqlStorage,
    pub(crate) keys: &'a Keys,
    pub(crate) env: &'a Env,
    pub(crate) in_flight: &'a RefCell<HashSet<String>>,
    pub(crate) paypal_token: &'a RefCell<Option<crate::connectors::AccessToken>>,
    /// Seconds the seller's test clock runs ahead of real time.
    pub(crate) offset: Cell<i64>,
    /// What is running timers now: `read`, `alarm` or `advance_clock` (recorded in events).
    pub(crate) via: Cell<&'static str>,
}

impl Ledger<'_> {
    /// The seller's clock: real time plus the test clock's offset (zero in live mode).
    pub(crate) fn clock(&self) -> i64 {
        real_seconds() + self.offset.get()
    }

    /// Runs `op` under the command's Idempotency-Key, if any: replays a finished first
    /// response, refuses a key in use or reused with another body, records the result when
    /// [`idempotency::stores`] keeps it. A buyer's key is treated as absent (nothing stored)
    /// once its client secret holds [`idempotency::MAX_BUYER_RECORDS`] records, and on a
    /// request that can no longer move (canceled, declined, expired).
    pub(crate) async fn idempotent<F>(&self, command: &Command, op: F) -> Result<Response, Fail>
    where
        F: FnOnce(&Value) -> Result<(u16, Value), Fail>,
    {
        let body = command.body.clone().unwrap_or(Value::Null);
        let run = |op: F| -> Result<Response, Fail> {
            let (status, value) = op(&body)?;
            Ok(json(status, &value))
        };
        let Some(idem) = &command.idempotency else {
            return run(op);
        };
        let now = self.clock();
        let pending = match idempotency::look_up(&self.sql, self.keys, idem, &body, now)? {
            Found::Replay(response) => return Ok(response),
            Found::Fresh(pending) => pending,
        };
        if idem.buyer
            && (self.request_settled(command)? || !idempotency::has_room(&self.sql, idem, now)?)
        {
            return run(op);
        }
        let (status, value) = match op(&body) {
            Ok(ok) => ok,
            Err(fail) if !idempotency::stores(idem, fail.http) => return Err(fail),
            Err(fail) => (
                fail.http,
                serde_json::to_value(chatpay_core::api::ErrorBody { error: fail.error })
                    .unwrap_or(Value::Null),
            ),
        };
        pending.begin(&self.sql, now)?;
        pending.finish(&self.sql, status, &value.to_string())?;
        Ok(json(status, &value))
    }

    /// Whether the command's request can no longer move (canceled, declined or expired), so
    /// a buyer's call on it leaves nothing behind. A missing request counts as settled.
    pub(crate) fn request_settled(&self, command: &Command) -> Result<bool, Fail> {
        match self.load_request(command.request_id.as_deref()) {
            Ok(row) => Ok(matches!(
                row.status(),
                Status::Canceled | Status::Declined | Status::Expired
            )),
            Err(f) if f.http == 404 => Ok(true),
            Err(f) => Err(f),
        }
    }

    pub(crate) fn limits(&self) -> AmountLimits {
        self.env
            .var("AMOUNT_LIMITS")
            .ok()
            .and_then(|v| AmountLimits::parse(&v.to_string()).ok())
            .unwrap_or_default()
    }

    pub(crate) fn via(&self) -> Value {
        json!({ "via": self.via.get() })
    }

    /// A new id for an object that belongs to a request (a refund, a claim): the request id
    /// already carries the seller, so no lookup is needed.
    pub(crate) fn child_id(&self, prefix: &str, request_id: &str) -> Result<String, Fail> {
        let request = ObjectId::parse("pr_", request_id, self.keys)
            .ok_or_else(|| Fail::internal("bad request id"))?;
        Ok(ObjectId::generate(prefix, request.seller, self.keys).id)
    }

    /// `PAYOUT_DELAY_BUSINESS_DAYS`, 3 to 5 (default 3).
    pub(crate) fn payout_delay_days(&self) -> u32 {
        self.env
            .var("PAYOUT_DELAY_BUSINESS_DAYS")
            .ok()
            .and_then(|v| v.to_string().parse().ok())
            .filter(|d| (3..=5).contains(d))
            .unwrap_or(3)
    }
}
