//! The event log and its pages: a request's events and a conversation's timeline.

use super::context::Ledger;
use super::rows::{EventRow, EVENT_COLUMNS};
use crate::http::Fail;
use chatpay_core::accounts::Page;
use chatpay_core::api::views;
use chatpay_core::api::Wire;
use chatpay_core::time::rfc3339;
use serde::Deserialize;
use serde_json::Value;
use worker::SqlStorageValue;

/// Events a request's own object carries; the rest are paged at `.../events`.
pub const EVENTS_ON_REQUEST: i64 = 100;

/// A page of events in the list envelope: `rows` holds up to `limit + 1`.
pub(crate) fn event_list(rows: &mut Vec<EventRow>, limit: usize) -> views::List<views::Event> {
    let has_more = rows.len() > limit;
    rows.truncate(limit);
    views::List {
        object: Default::default(),
        url: None,
        data: rows.iter().map(event_view).collect(),
        has_more,
    }
}

/// The one event shape: the request's events, timelines, and later webhooks and the feed.
pub(crate) fn event_view(e: &EventRow) -> views::Event {
    views::Event {
        id: format!("evt_{}", e.id),
        object: Default::default(),
        kind: Wire::read(&e.kind),
        actor: e.actor.clone(),
        request_id: e.request_id.clone(),
        conversation_id: e.conversation_id.clone(),
        agent_id: e.agent_id.clone(),
        data: serde_json::from_str::<Value>(&e.data).unwrap_or(Value::Null),
        created_at: rfc3339(e.created_at),
    }
}

impl Ledger<'_> {
    pub(crate) fn event(
        &self,
        request_id: &str,
        kind: &str,
        actor: &str,
        data: Value,
        now: i64,
    ) -> worker::Result<()> {
        self.sql.exec(
            "INSERT INTO events (request_id, type, actor, data, created_at) VALUES (?, ?, ?, ?, ?)",
            vec![
                request_id.into(),
                kind.into(),
                actor.into(),
                data.to_string().into(),
                now.into(),
            ],
        )?;
        self.enqueue_deliveries(kind)?;
        Ok(())
    }

    /// The newest [`EVENTS_ON_REQUEST`] events of a request, oldest first, and whether older
    /// ones exist (`GET /v1/payment_requests/{id}/events` pages them all).
    pub(crate) fn newest_events(
        &self,
        request_id: &str,
    ) -> Result<(Vec<views::Event>, bool), Fail> {
        let mut rows: Vec<EventRow> = self
            .sql
            .exec(
                &format!("SELECT {EVENT_COLUMNS} FROM events e LEFT JOIN payment_requests r ON r.id = e.request_id WHERE e.request_id = ? ORDER BY e.id DESC LIMIT ?"),
                vec![request_id.into(), (EVENTS_ON_REQUEST + 1).into()],
            )?
            .to_array()?;
        let has_more = rows.len() as i64 > EVENTS_ON_REQUEST;
        rows.truncate(EVENTS_ON_REQUEST as usize);
        rows.reverse();
        Ok((rows.iter().map(event_view).collect(), has_more))
    }

    /// `GET /v1/payment_requests/{id}/events`: all of a request's events, oldest first, a
    /// page at a time.
    pub(crate) fn request_events(
        &self,
        request_id: Option<&str>,
        query: &[(String, String)],
    ) -> Result<views::List<views::Event>, Fail> {
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
                &format!("SELECT {EVENT_COLUMNS} FROM events e LEFT JOIN payment_requests r ON r.id = e.request_id WHERE e.request_id = ? AND e.id > ? ORDER BY e.id LIMIT ?"),
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
    ) -> Result<views::List<views::Event>, Fail> {
        let page = Page::parse(query)?;
        let mut filter = String::from("r.conversation_id = ?");
        let mut args: Vec<SqlStorageValue> = vec![conversation_id.into()];
        if let Some(agent) = only_agent {
            filter += " AND r.agent_id = ?";
            args.push(agent.into());
        }
        let mut sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events e
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
    pub(crate) fn event_in(
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
}
