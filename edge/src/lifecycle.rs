//! What happens to a request after the card: buyer decline, expiry, shipping, delivery,
//! refunds, payouts, claims, the unshipped rule, and the timers that drive them.
//!
//! A Durable Object has one alarm, so timers live in a table; the alarm is set to the
//! earliest, and each handler is idempotent: it re-checks the request's state, so running
//! a timer twice, late, or after the state moved on changes nothing. Timers also run
//! before every command, so a due expiry holds on every read, alarm or not.

use crate::http::Fail;
use crate::ids::ObjectId;
use crate::ledger::{Ledger, RequestRow, SellerRow};
use chatpay_core::accounts::Page;
use chatpay_core::orders::{
    parse_advance, parse_claim_outcome, parse_claim_response, parse_decline, ClaimBody, RefundBody,
    ShipBody,
};
use chatpay_core::state::{Claim, Event, Fulfillment, Payout, Status};
use chatpay_core::time::{add_business_days, rfc3339, DAY};
use serde::Deserialize;
use serde_json::{json, Value};
use worker::{SqlStorage, SqlStorageValue};

/// Paid and still unshipped this long after payment: canceled and fully refunded.
pub const UNSHIPPED_CANCEL_AFTER: i64 = 30 * DAY;
/// A buyer may open a claim this long after payment.
pub const CLAIM_WINDOW: i64 = 30 * DAY;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    Expire,
    Payout,
    Unshipped,
}

impl Timer {
    fn as_str(self) -> &'static str {
        match self {
            Timer::Expire => "expire",
            Timer::Payout => "payout",
            Timer::Unshipped => "unshipped",
        }
    }

    fn parse(s: &str) -> Option<Timer> {
        [Timer::Expire, Timer::Payout, Timer::Unshipped]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

#[derive(Deserialize)]
struct Setting {
    value: String,
}

pub(crate) fn setting(sql: &SqlStorage, key: &str) -> Result<Option<String>, Fail> {
    Ok(sql
        .exec("SELECT value FROM settings WHERE key = ?", vec![key.into()])?
        .to_array::<Setting>()?
        .into_iter()
        .next()
        .map(|s| s.value))
}

pub(crate) fn set_setting(sql: &SqlStorage, key: &str, value: &str) -> Result<(), Fail> {
    sql.exec(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        vec![key.into(), value.into()],
    )?;
    Ok(())
}

/// Seconds the seller's test clock runs ahead of real time.
pub fn clock_offset(sql: &SqlStorage) -> Result<i64, Fail> {
    Ok(setting(sql, "clock_offset")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

#[derive(Deserialize)]
struct TimerRow {
    id: i64,
    request_id: String,
    kind: String,
}

#[derive(Deserialize)]
struct Due {
    due: Option<i64>,
}

#[derive(Deserialize)]
pub(crate) struct ClaimRow {
    pub(crate) id: String,
    request_id: String,
    pub(crate) reason: String,
    description: Option<String>,
    pub(crate) status: String,
    opened_at: i64,
    response: Option<String>,
    responded_at: Option<i64>,
    resolved_at: Option<i64>,
    outcome: Option<String>,
}

impl ClaimRow {
    fn claim(&self) -> Claim {
        Claim::parse(&self.status).unwrap_or(Claim::Open)
    }

    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "claim",
            "request_id": self.request_id,
            "reason": self.reason,
            "description": self.description,
            "status": self.status,
            "opened_at": rfc3339(self.opened_at),
            "response": self.response,
            "responded_at": self.responded_at.map(rfc3339),
            "resolved_at": self.resolved_at.map(rfc3339),
            "outcome": self.outcome,
        })
    }
}

const CLAIM_COLUMNS: &str = "id, request_id, reason, description, status, opened_at, response, responded_at, resolved_at, outcome";

#[derive(Deserialize)]
struct RefundRow {
    id: String,
    amount_minor: i64,
    reason: String,
    actor: String,
    created_at: i64,
}

#[derive(Deserialize)]
pub(crate) struct EventRow {
    id: i64,
    request_id: String,
    #[serde(rename = "type")]
    kind: String,
    actor: String,
    data: String,
    created_at: i64,
}

/// Events a request's own object carries; the rest are paged at `.../events`.
pub const EVENTS_ON_REQUEST: i64 = 100;

/// A page of events in the list envelope: `rows` holds up to `limit + 1`.
fn event_list(rows: &mut Vec<EventRow>, limit: usize) -> Value {
    let has_more = rows.len() > limit;
    rows.truncate(limit);
    let data: Vec<Value> = rows.iter().map(event_json).collect();
    json!({"object": "list", "data": data, "has_more": has_more})
}

pub(crate) fn event_json(e: &EventRow) -> Value {
    json!({
        "id": format!("evt_{}", e.id),
        "object": "event",
        "request_id": e.request_id,
        "type": e.kind,
        "actor": e.actor,
        "data": serde_json::from_str::<Value>(&e.data).unwrap_or(Value::Null),
        "created_at": rfc3339(e.created_at),
    })
}

fn illegal(row: &RequestRow, message: String) -> Fail {
    Fail::conflict("illegal_transition", row.status().public_str(), message)
}

impl Ledger<'_> {
    pub(crate) fn add_timer(
        &self,
        request_id: &str,
        timer: Timer,
        due_at: i64,
    ) -> Result<(), Fail> {
        self.sql.exec(
            "INSERT INTO timers (request_id, kind, due_at, done) VALUES (?, ?, ?, 0)
             ON CONFLICT (request_id, kind) DO UPDATE SET due_at = excluded.due_at, done = 0",
            vec![request_id.into(), timer.as_str().into(), due_at.into()],
        )?;
        Ok(())
    }

    pub(crate) fn next_timer_due(&self) -> Result<Option<i64>, Fail> {
        Ok(self
            .sql
            .exec("SELECT MIN(due_at) AS due FROM timers WHERE done = 0", None)?
            .to_array::<Due>()?
            .into_iter()
            .next()
            .and_then(|d| d.due))
    }

    /// Runs every timer that is due by the seller's clock, oldest first. Handlers may add
    /// timers that are already due (a payout released late); the loop runs those too.
    pub(crate) fn run_due_timers(&self) -> Result<usize, Fail> {
        let mut ran = 0;
        loop {
            let now = self.clock();
            let due: Vec<TimerRow> = self
                .sql
                .exec(
                    "SELECT id, request_id, kind FROM timers WHERE done = 0 AND due_at <= ? ORDER BY due_at, id LIMIT 100",
                    vec![now.into()],
                )?
                .to_array()?;
            if due.is_empty() {
                return Ok(ran);
            }
            for timer in due {
                self.sql.exec(
                    "UPDATE timers SET done = 1 WHERE id = ?",
                    vec![timer.id.into()],
                )?;
                let Ok(row) = self.load_request(Some(&timer.request_id)) else {
                    continue;
                };
                match Timer::parse(&timer.kind) {
                    Some(Timer::Expire) => self.expire(&row, now)?,
                    Some(Timer::Unshipped) => self.cancel_unshipped(&row, now)?,
                    Some(Timer::Payout) => self.pay_out(&row, now)?,
                    None => {}
                }
                ran += 1;
            }
        }
    }

    fn via(&self) -> Value {
        json!({ "via": self.via.get() })
    }

    fn expire(&self, row: &RequestRow, now: i64) -> Result<(), Fail> {
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

    /// Instagram's rule: paid and unshipped 30 days after payment, the order is canceled
    /// and fully refunded.
    fn cancel_unshipped(&self, row: &RequestRow, now: i64) -> Result<(), Fail> {
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

    /// Pays the seller what is left after refunds, less refunds owed from earlier payouts.
    fn pay_out(&self, row: &RequestRow, now: i64) -> Result<(), Fail> {
        let Some(payout) = row.payout() else {
            return Ok(());
        };
        let Ok(paid_out) = payout.apply(Event::PayOut) else {
            return Ok(()); // held by a claim, or already paid out
        };
        let currency = row.currency.clone();
        let debt_key = format!("payout_debt:{currency}");
        let debt: i64 = setting(&self.sql, &debt_key)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let net = (row.amount_minor - row.refunded_minor).max(0);
        let deducted = debt.min(net);
        set_setting(&self.sql, &debt_key, &(debt - deducted).to_string())?;
        self.sql.exec(
            "UPDATE payment_requests SET payout_status = ?, paid_out_at = ?, payout_amount_minor = ? WHERE id = ? AND payout_status = ?",
            vec![paid_out.as_str().into(), now.into(), (net - deducted).into(), row.id.clone().into(), payout.as_str().into()],
        )?;
        let mut data = self.via();
        data["amount"] = json!(row.money(net - deducted));
        data["deducted"] = json!(row.money(deducted));
        self.event(&row.id, "payout.paid_out", "system", data, now)?;
        Ok(())
    }

    /// Records a refund of `minor` (already checked to fit). After the payout, the amount is
    /// owed back and netted against the seller's next payout in that currency.
    fn record_refund(
        &self,
        row: &RequestRow,
        minor: i64,
        reason: &str,
        actor: &str,
        now: i64,
    ) -> Result<String, Fail> {
        let id = self.child_id("re_", row)?;
        let after_payout = row.payout() == Some(Payout::PaidOut);
        self.sql.exec(
            "INSERT INTO refunds (id, request_id, amount_minor, currency, reason, actor, created_at, after_payout) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                id.clone().into(),
                row.id.clone().into(),
                minor.into(),
                row.currency.clone().into(),
                reason.into(),
                actor.into(),
                now.into(),
                i64::from(after_payout).into(),
            ],
        )?;
        self.sql.exec(
            "UPDATE payment_requests SET refunded_minor = refunded_minor + ? WHERE id = ?",
            vec![minor.into(), row.id.clone().into()],
        )?;
        if after_payout {
            let key = format!("payout_debt:{}", row.currency);
            let debt: i64 = setting(&self.sql, &key)?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            set_setting(&self.sql, &key, &(debt + minor).to_string())?;
        }
        self.event(
            &row.id,
            "refund.created",
            actor,
            json!({"refund_id": id, "amount": row.money(minor), "reason": reason, "after_payout": after_payout}),
            now,
        )?;
        Ok(id)
    }

    /// A new id for an object that belongs to `row`'s request (a refund, a claim): the
    /// request id already carries the seller, so no lookup is needed.
    fn child_id(&self, prefix: &str, row: &RequestRow) -> Result<String, Fail> {
        let request = ObjectId::parse("pr_", &row.id, &self.keys)
            .ok_or_else(|| Fail::internal("bad request id"))?;
        Ok(ObjectId::generate(prefix, request.seller, &self.keys).id)
    }

    pub(crate) fn refunds_json(&self, row: &RequestRow) -> Result<Value, Fail> {
        let refunds: Vec<RefundRow> = self
            .sql
            .exec(
                "SELECT id, amount_minor, reason, actor, created_at FROM refunds WHERE request_id = ? ORDER BY created_at, id",
                vec![row.id.clone().into()],
            )?
            .to_array()?;
        Ok(Value::Array(
            refunds
                .iter()
                .map(|r| {
                    json!({"id": r.id, "object": "refund", "amount": row.money(r.amount_minor), "currency": row.currency,
                           "reason": r.reason, "actor": r.actor, "created_at": rfc3339(r.created_at)})
                })
                .collect(),
        ))
    }

    /// The newest [`EVENTS_ON_REQUEST`] events of a request, oldest first, and whether older
    /// ones exist (`GET /v1/payment_requests/{id}/events` pages them all).
    pub(crate) fn newest_events(&self, request_id: &str) -> Result<(Vec<Value>, bool), Fail> {
        let mut rows: Vec<EventRow> = self
            .sql
            .exec(
                "SELECT id, request_id, type, actor, data, created_at FROM events WHERE request_id = ? ORDER BY id DESC LIMIT ?",
                vec![request_id.into(), (EVENTS_ON_REQUEST + 1).into()],
            )?
            .to_array()?;
        let has_more = rows.len() as i64 > EVENTS_ON_REQUEST;
        rows.truncate(EVENTS_ON_REQUEST as usize);
        rows.reverse();
        Ok((rows.iter().map(event_json).collect(), has_more))
    }

    /// `GET /v1/payment_requests/{id}/events`: all of a request's events, oldest first, a
    /// page at a time.
    pub(crate) fn request_events(
        &self,
        request_id: Option<&str>,
        query: &[(String, String)],
    ) -> Result<Value, Fail> {
        let row = self.load_request(request_id)?;
        let page = Page::parse(query)?;
        let after = match &page.starting_after {
            Some(cursor) => {
                self.event_in(cursor, "e.request_id = ?", &[row.id.clone().into()])?
                    .0
            }
            None => 0,
        };
        let mut rows: Vec<EventRow> = self
            .sql
            .exec(
                "SELECT id, request_id, type, actor, data, created_at FROM events WHERE request_id = ? AND id > ? ORDER BY id LIMIT ?",
                vec![row.id.clone().into(), after.into(), (page.limit as i64 + 1).into()],
            )?
            .to_array()?;
        Ok(event_list(&mut rows, page.limit))
    }

    /// Every event of every request in one conversation, in order, a page at a time. A key
    /// limited to one agent sees that agent's requests only.
    pub(crate) fn conversation_events(
        &self,
        conversation_id: &str,
        query: &[(String, String)],
        only_agent: Option<&str>,
    ) -> Result<Value, Fail> {
        let page = Page::parse(query)?;
        let mut filter = String::from("r.conversation_id = ?");
        let mut args: Vec<SqlStorageValue> = vec![conversation_id.into()];
        if let Some(agent) = only_agent {
            filter += " AND r.agent_id = ?";
            args.push(agent.into());
        }
        let mut sql = format!(
            "SELECT e.id, e.request_id, e.type, e.actor, e.data, e.created_at FROM events e
             JOIN payment_requests r ON r.id = e.request_id WHERE {filter}"
        );
        if let Some(cursor) = &page.starting_after {
            let (id, at) = self.event_in(cursor, &filter, &args)?;
            sql += " AND (e.created_at > ? OR (e.created_at = ? AND e.id > ?))";
            args.extend([at.into(), at.into(), id.into()]);
        }
        sql += " ORDER BY e.created_at, e.id LIMIT ?";
        args.push((page.limit as i64 + 1).into());
        let mut rows: Vec<EventRow> = self.sql.exec(&sql, args)?.to_array()?;
        Ok(event_list(&mut rows, page.limit))
    }

    /// The cursor `evt_N` as (N, its `created_at`), if that event matches `filter` (over
    /// `events e` joined with its request `r`); else the 400 that names `starting_after`.
    fn event_in(
        &self,
        cursor: &str,
        filter: &str,
        args: &[SqlStorageValue],
    ) -> Result<(i64, i64), Fail> {
        #[derive(Deserialize)]
        struct Cursor {
            id: i64,
            created_at: i64,
        }
        let bad = || {
            Fail::invalid(
                "resource_missing",
                "`starting_after` is not an event of this list.",
            )
            .param("starting_after")
        };
        let id: i64 = cursor
            .strip_prefix("evt_")
            .and_then(|n| n.parse().ok())
            .ok_or_else(bad)?;
        let mut all = args.to_vec();
        all.push(id.into());
        self.sql
            .exec(
                &format!(
                    "SELECT e.id, e.created_at FROM events e JOIN payment_requests r ON r.id = e.request_id WHERE {filter} AND e.id = ?"
                ),
                all,
            )?
            .to_array::<Cursor>()?
            .into_iter()
            .next()
            .map(|c| (c.id, c.created_at))
            .ok_or_else(bad)
    }

    pub(crate) fn claim_for(&self, request_id: &str) -> Result<Option<ClaimRow>, Fail> {
        Ok(self
            .sql
            .exec(
                &format!("SELECT {CLAIM_COLUMNS} FROM claims WHERE request_id = ?"),
                vec![request_id.into()],
            )?
            .to_array::<ClaimRow>()?
            .into_iter()
            .next())
    }

    fn load_claim(&self, id: Option<&str>) -> Result<ClaimRow, Fail> {
        let id = id.ok_or_else(|| Fail::missing("claim"))?;
        self.sql
            .exec(
                &format!("SELECT {CLAIM_COLUMNS} FROM claims WHERE id = ?"),
                vec![id.into()],
            )?
            .to_array::<ClaimRow>()?
            .into_iter()
            .next()
            .ok_or_else(|| Fail::missing("claim"))
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

    fn require_paid(&self, row: &RequestRow, action: &str) -> Result<(), Fail> {
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

    fn fulfillment_move(
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
            "UPDATE payment_requests SET carrier = ?, tracking_number = ?, shipped_at = ?, payout_status = ?, payout_due_at = ? WHERE id = ?",
            vec![
                ship.carrier.clone().into(),
                ship.tracking_number.clone().into(),
                now.into(),
                payout.as_str().into(),
                due.into(),
                row.id.clone().into(),
            ],
        )?;
        self.add_timer(&row.id, Timer::Payout, due)?;
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

    /// `PAYOUT_DELAY_BUSINESS_DAYS`, 3 to 5 (default 3).
    fn payout_delay_days(&self) -> u32 {
        self.env
            .var("PAYOUT_DELAY_BUSINESS_DAYS")
            .ok()
            .and_then(|v| v.to_string().parse().ok())
            .filter(|d| (3..=5).contains(d))
            .unwrap_or(3)
    }

    pub(crate) fn refund(
        &self,
        seller: &SellerRow,
        id: Option<&str>,
        body: &Value,
        actor: &str,
    ) -> Result<(u16, Value), Fail> {
        let row = self.load_request(id)?;
        let refund = RefundBody::parse(body, row.currency())?;
        self.require_paid(&row, "refunded")?;
        let rest = row.amount_minor - row.refunded_minor;
        let minor = refund.amount.map_or(rest, |a| a.minor() as i64);
        if rest <= 0 {
            return Err(illegal(
                &row,
                "This payment is already fully refunded.".into(),
            ));
        }
        if minor > rest {
            return Err(illegal(
                &row,
                format!(
                    "At most {} {} is left to refund.",
                    row.money(rest),
                    row.currency
                ),
            )
            .param("amount"));
        }
        let now = self.clock();
        let refund_id = self.record_refund(&row, minor, refund.reason, actor, now)?;
        Ok((
            201,
            json!({
                "id": refund_id,
                "object": "refund",
                "amount": row.money(minor),
                "currency": row.currency,
                "reason": refund.reason,
                "created_at": rfc3339(now),
                "payment_request": self.request_json(seller, Some(&row.id), false)?,
            }),
        ))
    }

    /// The buyer reports a problem, within 30 days of payment; the payout waits.
    pub(crate) fn open_claim(&self, id: Option<&str>, body: &Value) -> Result<(u16, Value), Fail> {
        let claim = ClaimBody::parse(body)?;
        let row = self.load_request(id)?;
        let now = self.clock();
        self.require_paid(&row, "claimed")?;
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
        let claim_id = self.child_id("clm_", &row)?;
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

    fn hold_payout(&self, row: &RequestRow) -> Result<(), Fail> {
        if let Some(Ok(held)) = row.payout().map(|p| p.apply(Event::Hold)) {
            self.sql.exec(
                "UPDATE payment_requests SET payout_status = ? WHERE id = ?",
                vec![held.as_str().into(), row.id.clone().into()],
            )?;
        }
        Ok(())
    }

    /// A resolved claim releases a held payout; it pays out at once if already due.
    fn release_payout(&self, request_id: &str, now: i64) -> Result<(), Fail> {
        let row = self.load_request(Some(request_id))?;
        if let Some(Ok(pending)) = row.payout().map(|p| p.apply(Event::Unhold)) {
            self.sql.exec(
                "UPDATE payment_requests SET payout_status = ? WHERE id = ?",
                vec![pending.as_str().into(), row.id.clone().into()],
            )?;
            self.add_timer(
                &row.id,
                Timer::Payout,
                row.payout_due_at.unwrap_or(now).max(now),
            )?;
        }
        Ok(())
    }

    fn claim_move(&self, claim: &ClaimRow, event: Event) -> Result<Claim, Fail> {
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

    /// Test mode only: moves this seller's clock forward and runs what fell due.
    pub(crate) fn advance_clock(
        &self,
        seller: &SellerRow,
        body: &Value,
    ) -> Result<(u16, Value), Fail> {
        if seller.livemode != 0 {
            return Err(Fail::new(
                404,
                "invalid_request_error",
                "resource_missing",
                "Test helpers do not exist in live mode.",
            ));
        }
        let seconds = parse_advance(body)?;
        let offset = self.offset.get() + seconds;
        set_setting(&self.sql, "clock_offset", &offset.to_string())?;
        self.offset.set(offset);
        self.via.set("advance_clock");
        let ran = self.run_due_timers()?;
        Ok((
            200,
            json!({"object": "test_clock", "now": rfc3339(self.clock()), "advanced_by": seconds, "timers_run": ran}),
        ))
    }
}
