//! `Ledger`: one command's view of the seller's object: its storage, keys, clock and
//! configuration. Every behaviour file adds methods to it.

use crate::command::Command;
use crate::crypto::Keys;
use crate::http::{json, Fail};
use crate::idempotency::{self, Found, Pending};
use crate::ids::ObjectId;
use chatpay_core::state::Status;
use chatpay_core::AmountLimits;
use chatpay_core::Secret;
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use worker::{Env, Response, SqlStorage};

/// What a command's Idempotency-Key found: see [`Ledger::keyed`].
enum Keyed<'c> {
    /// The first call finished: its answer, again.
    Replay(Response),
    Run(KeyedCall<'c>),
}

/// A call to run under its Idempotency-Key, the one place that says what is recorded:
///
/// - An operation that awaits something that can move money claims the key first
///   ([`KeyedCall::claim`]), so a concurrent call or a retry sees the key in use. What it
///   read before an earlier `.await` it re-reads before the claim (as `pay` re-reads its
///   request). Its answer then replaces the claim when [`idempotency::stores`] keeps it;
///   any other answer (a 502 `processor_unavailable`, our own 5xx) releases the key, so a
///   same-key retry runs again and reconciles.
/// - An answer given without a claim (a synchronous command, a refusal before the claim)
///   is recorded in one write when [`idempotency::stores`] keeps it.
/// - A buyer's key is treated as absent once its client secret holds
///   [`idempotency::MAX_BUYER_RECORDS`] records, and on a request that can no longer move
///   (canceled, declined, expired): the call runs and leaves nothing behind.
pub(crate) struct KeyedCall<'c> {
    body: Value,
    /// `None`: no key, or a buyer's call that leaves nothing.
    pending: Option<Pending<'c>>,
    /// When the key was looked up.
    now: i64,
    /// `Some(true)` once claimed, `Some(false)` when the buyer had no room left.
    claimed: Cell<Option<bool>>,
}

impl KeyedCall<'_> {
    pub(crate) fn body(&self) -> &Value {
        &self.body
    }

    /// Claims the key before the operation's first `.await` that can move money (a no-op
    /// without a key, or once claimed).
    pub(crate) fn claim(&self, ledger: &Ledger<'_>) -> Result<(), Fail> {
        if let (Some(pending), None) = (&self.pending, self.claimed.get()) {
            let room = idempotency::has_room(&ledger.sql, pending.idem, self.now)?;
            if room {
                pending.begin(&ledger.sql, self.now)?;
            }
            self.claimed.set(Some(room));
        }
        Ok(())
    }

    /// The operation's answer, recorded as [`KeyedCall`] says, as the response to send.
    pub(crate) fn finish(
        &self,
        ledger: &Ledger<'_>,
        answer: Result<(u16, Value), Fail>,
    ) -> Result<Response, Fail> {
        let sql = &ledger.sql;
        let unrecorded =
            |answer: Result<(u16, Value), Fail>| answer.map(|(status, value)| json(status, &value));
        let Some(pending) = &self.pending else {
            return unrecorded(answer);
        };
        let kept = match &answer {
            Ok(_) => true,
            Err(fail) => idempotency::stores(pending.idem, fail.http),
        };
        match self.claimed.get() {
            Some(false) => unrecorded(answer),
            Some(true) if !kept => {
                let status = answer.as_ref().err().map_or(500, |fail| fail.http);
                pending.finish(sql, status, "")?;
                unrecorded(answer)
            }
            Some(true) => {
                let (status, value) = answer.unwrap_or_else(Fail::into_answer);
                pending.finish(sql, status, &value.to_string())?;
                Ok(json(status, &value))
            }
            None if !kept || !idempotency::has_room(sql, pending.idem, self.now)? => {
                unrecorded(answer)
            }
            None => {
                let (status, value) = answer.unwrap_or_else(Fail::into_answer);
                pending.record(sql, self.now, status, &value.to_string())?;
                Ok(json(status, &value))
            }
        }
    }
}

/// Real time. The ledger's own clock (`Ledger::clock`) adds the test clock's offset.
pub(crate) fn real_seconds() -> i64 {
    (worker::Date::now().as_millis() / 1000) as i64
}

pub(crate) struct Ledger<'a> {
    pub(crate) sql: SqlStorage,
    pub(crate) keys: &'a Keys,
    pub(crate) env: &'a Env,
    pub(crate) in_flight: &'a RefCell<HashSet<String>>,
    /// Agent capture: the CVC of each collected card, by request id, in memory only.
    pub(crate) cvcs: &'a RefCell<HashMap<String, Secret<String>>>,
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

    /// Runs `op` under the command's Idempotency-Key, if any (see [`KeyedCall`]): nothing
    /// is awaited, so its answer is recorded in one write.
    pub(crate) async fn idempotent<F>(&self, command: &Command, op: F) -> Result<Response, Fail>
    where
        F: FnOnce(&Value) -> Result<(u16, Value), Fail>,
    {
        let body = command.body.clone().unwrap_or(Value::Null);
        self.idempotent_async(command, body, async |call| op(call.body()))
            .await
    }

    /// Runs `op` under the command's Idempotency-Key, if any, for a call with `body`: a
    /// finished first answer is replayed; otherwise `op` runs, claims the key before its
    /// first `.await` that can move money, and its answer is recorded as [`KeyedCall`] says.
    pub(crate) async fn idempotent_async<'c, F>(
        &self,
        command: &'c Command,
        body: Value,
        op: F,
    ) -> Result<Response, Fail>
    where
        F: AsyncFnOnce(&KeyedCall<'c>) -> Result<(u16, Value), Fail>,
    {
        let call = match self.keyed(command, body)? {
            Keyed::Replay(response) => return Ok(response),
            Keyed::Run(call) => call,
        };
        let answer = op(&call).await;
        call.finish(self, answer)
    }

    /// Looks the command's Idempotency-Key up for a call with `body`: a replay of a finished
    /// first answer, or the call to run (a refusal when the key is in use, or was used with
    /// another body). A buyer's call on a request that can no longer move leaves nothing.
    fn keyed<'c>(&self, command: &'c Command, body: Value) -> Result<Keyed<'c>, Fail> {
        let now = self.clock();
        let pending = match &command.idempotency {
            None => None,
            Some(idem) => match idempotency::look_up(&self.sql, self.keys, idem, &body, now)? {
                Found::Replay(response) => return Ok(Keyed::Replay(response)),
                Found::Fresh(_) if idem.buyer && self.request_settled(command)? => None,
                Found::Fresh(pending) => Some(pending),
            },
        };
        Ok(Keyed::Run(KeyedCall {
            body,
            pending,
            now,
            claimed: Cell::new(None),
        }))
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
