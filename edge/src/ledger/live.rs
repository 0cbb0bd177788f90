//! The live feed (issue 9): single-use tickets, the WebSockets this object hosts with the
//! hibernation API, and the buyer's progress stages.
//!
//! A ticket is minted here for a key and stored as a hash; `GET /v1/live?ticket=` spends
//! it and accepts a socket that remembers, in its attachment, whose key it was, what it is
//! limited to and the last event it was sent. After every command and alarm the object
//! sends each socket the events past its cursor that its scope reaches, so a socket gets
//! each event once, in order, whichever instance records it.

use super::context::Ledger;
use super::events::event_view;
use super::keys;
use super::rows::{EventRow, SellerRow, EVENT_COLUMNS};
use crate::command::Command;
use crate::crypto::key_hash;
use crate::http::{json, Fail};
use crate::ids::{ObjectId, SellerRef};
use crate::permissions::Principal;
use chatpay_core::api::live::{Stage, TicketScope, REPLAY_SECONDS, TICKET_SECONDS};
use chatpay_core::time::rfc3339;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::{Response, SqlStorageValue, State, WebSocket, WebSocketPair};

/// Events read per query while replaying or sending.
const BATCH: i64 = 500;

/// What a socket remembers across hibernation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Watch {
    /// The key the ticket was minted for: a socket closes when its key stops working.
    key_hash: String,
    /// The agent a restricted key is limited to.
    agent: Option<String>,
    conversation_id: Option<String>,
    request_id: Option<String>,
    /// The last event number this socket was sent (or passed over).
    cursor: i64,
}

impl Watch {
    fn reaches(&self, e: &EventRow) -> bool {
        let agent = self.agent.is_none() || self.agent == e.agent_id;
        let conversation =
            self.conversation_id.is_none() || self.conversation_id == e.conversation_id;
        let request =
            self.request_id.is_none() || self.request_id.as_deref() == Some(&e.request_id);
        agent && conversation && request
    }
}

#[derive(Deserialize)]
struct TicketRow {
    key_hash: String,
    conversation_id: Option<String>,
    request_id: Option<String>,
    expires_at: i64,
}

#[derive(Deserialize)]
struct Newest {
    id: Option<i64>,
}

impl Ledger<'_> {
    /// `POST /v1/live/tickets`: a ticket for this key, limited to what the body names.
    pub(crate) fn create_ticket(
        &self,
        seller: &SellerRow,
        command: &Command,
        principal: Option<&Principal>,
    ) -> Result<Response, Fail> {
        let scope = TicketScope::parse(command.body.as_ref())?;
        let key = command
            .key_hash
            .as_deref()
            .ok_or_else(|| Fail::internal("a ticket without a key"))?;
        if let Some(id) = &scope.request_id {
            let row = self
                .load_request(Some(id))
                .map_err(|f| f.param("request_id"))?;
            let agent = principal.and_then(Principal::only_agent);
            if agent.is_some() && row.agent_id.as_deref() != agent {
                return Err(Fail::missing("payment request").param("request_id"));
            }
        }
        let seller_ref = SellerRef::from_id(&seller.id, self.keys)
            .ok_or_else(|| Fail::internal("bad seller id"))?;
        let ticket = ObjectId::generate("lt_", seller_ref, self.keys).id;
        let now = self.clock();
        let expires_at = now + TICKET_SECONDS;
        self.sql.exec(
            "DELETE FROM live_tickets WHERE expires_at <= ?",
            vec![now.into()],
        )?;
        self.sql.exec(
            "INSERT INTO live_tickets (ticket_hash, key_hash, conversation_id, request_id, expires_at) VALUES (?, ?, ?, ?, ?)",
            vec![
                key_hash(&ticket).into(),
                key.into(),
                scope.conversation_id.clone().into(),
                scope.request_id.clone().into(),
                expires_at.into(),
            ],
        )?;
        let origin = command.origin.as_deref().unwrap_or("https://localhost");
        let socket_origin = origin
            .strip_prefix("https://")
            .map(|rest| format!("wss://{rest}"))
            .or_else(|| {
                origin
                    .strip_prefix("http://")
                    .map(|rest| format!("ws://{rest}"))
            })
            .unwrap_or_else(|| origin.to_owned());
        Ok(json(
            201,
            &json!({
                "object": "live_ticket",
                "ticket": ticket,
                "url": format!("{socket_origin}/v1/live?ticket={ticket}"),
                "conversation_id": scope.conversation_id,
                "request_id": scope.request_id,
                "expires_at": rfc3339(expires_at),
                "livemode": seller.livemode != 0,
            }),
        ))
    }

    /// Spends a ticket: the socket's watch, or 401 for a used, expired or unknown one, or
    /// one whose key no longer works.
    fn spend_ticket(&self, ticket: &str, since: i64) -> Result<Watch, Fail> {
        let refused = crate::auth::ticket_invalid;
        let hash = key_hash(ticket);
        let row: Option<TicketRow> = self
            .sql
            .exec(
                "DELETE FROM live_tickets WHERE ticket_hash = ? RETURNING key_hash, conversation_id, request_id, expires_at",
                vec![hash.into()],
            )?
            .to_array()?
            .into_iter()
            .next();
        let now = self.clock();
        let row = row.filter(|r| r.expires_at > now).ok_or_else(refused)?;
        let principal = keys::principal(&self.sql, &row.key_hash, now)?.ok_or_else(refused)?;
        Ok(Watch {
            key_hash: row.key_hash,
            agent: principal.only_agent().map(str::to_owned),
            conversation_id: row.conversation_id,
            request_id: row.request_id,
            cursor: since,
        })
    }

    /// The newest event number, 0 for none.
    fn newest_event(&self) -> Result<i64, Fail> {
        let rows: Vec<Newest> = self
            .sql
            .exec("SELECT MAX(id) AS id FROM events", None)?
            .to_array()?;
        Ok(rows.first().and_then(|r| r.id).unwrap_or(0))
    }

    /// Up to [`BATCH`] events after `after`, recorded at or after `from`, oldest first.
    fn events_after(&self, after: i64, from: i64) -> Result<Vec<EventRow>, Fail> {
        let args: Vec<SqlStorageValue> = vec![after.into(), from.into(), BATCH.into()];
        Ok(self
            .sql
            .exec(
                &format!("SELECT {EVENT_COLUMNS} FROM events e LEFT JOIN payment_requests r ON r.id = e.request_id WHERE e.id > ? AND e.created_at >= ? ORDER BY e.id LIMIT ?"),
                args,
            )?
            .to_array()?)
    }

    /// Sends `socket` every event past its cursor that it reaches, and moves the cursor.
    /// Answers whether the socket is still good.
    fn send_missed(&self, socket: &WebSocket, watch: &mut Watch, from: i64) -> Result<bool, Fail> {
        loop {
            let rows = self.events_after(watch.cursor, from)?;
            let Some(last) = rows.last().map(|r| r.id) else {
                return Ok(true);
            };
            for row in rows.iter().filter(|r| watch.reaches(r)) {
                let text = serde_json::to_string(&event_view(row))
                    .map_err(|_| Fail::internal("encode event"))?;
                if socket.send_with_str(text).is_err() {
                    return Ok(false);
                }
            }
            watch.cursor = last;
            if (rows.len() as i64) < BATCH {
                return Ok(true);
            }
        }
    }

    /// `POST /v1/payment_requests/{id}/progress`: records a stage the buyer reached, once,
    /// and never one behind the furthest already recorded.
    pub(crate) fn progress(
        &self,
        seller: &SellerRow,
        request_id: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Response, Fail> {
        let stage = Stage::parse(body.unwrap_or(&Value::Null))?;
        let row = self.load_request(request_id)?;
        let status = row.status().public_str();
        if status != "requested" {
            return Err(Fail::not_payable(status));
        }
        #[derive(Deserialize)]
        struct Kind {
            #[serde(rename = "type")]
            kind: String,
        }
        let furthest = self
            .sql
            .exec(
                "SELECT type FROM events WHERE request_id = ? AND type IN (?, ?, ?)",
                vec![
                    row.id.clone().into(),
                    Stage::Viewed.event().as_str().into(),
                    Stage::EnteringDetails.event().as_str().into(),
                    Stage::DetailsComplete.event().as_str().into(),
                ],
            )?
            .to_array::<Kind>()?
            .iter()
            .filter_map(|k| Stage::of_event(&k.kind))
            .max();
        let recorded = furthest.is_none_or(|f| stage > f);
        if recorded {
            self.event(
                &row.id,
                stage.event().as_str(),
                "buyer",
                json!({}),
                self.clock(),
            )?;
        }
        let reached = if recorded { Some(stage) } else { furthest };
        Ok(json(
            200,
            &json!({
                "object": "payment_request_progress",
                "request_id": row.id,
                "stage": reached.map(Stage::as_str),
                "recorded": recorded,
                "livemode": seller.livemode != 0,
            }),
        ))
    }
}

/// `GET /v1/live?ticket=&since=`: spends the ticket, accepts a hibernatable socket, replays
/// what it missed (at most a day back) and answers the upgrade.
pub(crate) fn connect(
    state: &State,
    ledger: &Ledger<'_>,
    command: &Command,
) -> Result<Response, Fail> {
    let query = |name: &str| {
        command
            .query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let since = match query("since") {
        None => None,
        Some(text) => Some(
            text.strip_prefix("evt_")
                .and_then(|n| n.parse::<i64>().ok())
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    Fail::invalid(
                        "parameter_invalid",
                        "`since` must be an event id (`evt_...`).",
                    )
                    .param("since")
                })?,
        ),
    };
    let ticket = query("ticket").ok_or_else(|| Fail::missing("live ticket"))?;
    let newest = ledger.newest_event()?;
    let mut watch = ledger.spend_ticket(ticket, since.unwrap_or(newest).min(newest))?;
    let pair = WebSocketPair::new()?;
    state.accept_web_socket(&pair.server);
    let from = ledger.clock() - REPLAY_SECONDS;
    if since.is_some() {
        ledger.send_missed(&pair.server, &mut watch, from)?;
    }
    pair.server
        .serialize_attachment(&watch)
        .map_err(|_| Fail::internal("socket attachment"))?;
    Ok(Response::from_websocket(pair.client)?)
}

/// Sends every connected socket what it has not had yet. A socket whose key was revoked or
/// expired is closed (1008).
pub(crate) fn broadcast(state: &State, ledger: &Ledger<'_>) {
    let sockets = state.get_websockets();
    if sockets.is_empty() {
        return;
    }
    let now = ledger.clock();
    for socket in sockets {
        let Ok(Some(mut watch)) = socket.deserialize_attachment::<Watch>() else {
            continue;
        };
        match keys::principal(&ledger.sql, &watch.key_hash, now) {
            Ok(Some(_)) => {}
            Ok(None) => {
                let _ = socket.close(
                    Some(1008),
                    Some("The key behind this feed no longer works."),
                );
                continue;
            }
            Err(_) => continue,
        }
        let before = watch.cursor;
        match ledger.send_missed(&socket, &mut watch, 0) {
            Ok(true) if watch.cursor != before => {
                let _ = socket.serialize_attachment(&watch);
            }
            Ok(_) => {}
            Err(fail) => worker::console_error!("live feed: {}", fail.error.message),
        }
    }
}
