//! Timers and the test clock. A Durable Object has one alarm, so timers live in a table; the
//! alarm is set to the earliest, and each handler re-checks the request's state, so running a
//! timer twice, late, or after the state moved on changes nothing. Timers also run before
//! every command, so a due expiry holds on every read, alarm or not.

use super::context::Ledger;
use super::rows::SellerRow;
use super::settings::set_setting;
use crate::http::value;
use crate::http::Fail;
use chatpay_core::api::views;
use chatpay_core::orders::parse_advance;
use chatpay_core::time::rfc3339;
use serde::Deserialize;
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    Expire,
    Payout,
    Unshipped,
    /// Agent capture: the reveal window of a collected card closes.
    RevealWindow,
}

impl Timer {
    fn as_str(self) -> &'static str {
        match self {
            Timer::Expire => "expire",
            Timer::Payout => "payout",
            Timer::Unshipped => "unshipped",
            Timer::RevealWindow => "reveal_window",
        }
    }

    fn parse(s: &str) -> Option<Timer> {
        [
            Timer::Expire,
            Timer::Payout,
            Timer::Unshipped,
            Timer::RevealWindow,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

#[derive(Deserialize)]
pub(crate) struct TimerRow {
    pub(crate) id: i64,
    pub(crate) request_id: String,
    pub(crate) kind: String,
}

#[derive(Deserialize)]
pub(crate) struct Due {
    pub(crate) due: Option<i64>,
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
                    Some(Timer::RevealWindow) => self.end_reveal_window(&row, now)?,
                    None => {}
                }
                ran += 1;
            }
        }
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
            value(&views::TestClock {
                object: Default::default(),
                now: rfc3339(self.clock()),
                advanced_by: seconds,
                timers_run: ran as u64,
            }),
        ))
    }
}
