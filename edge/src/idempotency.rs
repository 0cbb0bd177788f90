//! `Idempotency-Key` records, kept 24 hours in the seller's ledger.
//!
//! A key is scoped to the credential, the route and the path's id, so every spelling of a
//! path (`/refunds`, `/refunds/`, `//v1/...`) shares one scope. Neither the caller's key nor
//! the request body is stored: the key may be anything (a card number included) and the body
//! may hold one, so only MACs are kept. A key whose first request is still running answers
//! 409; a key reused with another body answers 422.
//!
//! Buyers (client-secret calls) can reach a seller's storage without an account, so what
//! they may leave there is bounded: see [`stores`] and [`has_room`].
//!
//! The whole life of a key is here: [`from_header`] parses it in the Worker; in the ledger
//! [`look_up`] replays a finished first answer or hands back a [`Pending`] call, whose
//! [`Pending::begin`] claims the key before the operation's first `.await` and
//! [`Pending::finish`] records the answer.

use crate::crypto::Keys;
use crate::encoding::hex_encode;
use crate::http::{text_response, Fail};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::{Request, Response, SqlStorage};

pub const RETENTION_SECONDS: i64 = 24 * 60 * 60;
/// A claim older than this was left by an instance that stopped mid-request; it is released
/// so the key can be retried. Far longer than any processor call is allowed to take.
const ABANDONED_AFTER_SECONDS: i64 = 120;
/// `http_status` of a record whose first request is still running.
const IN_PROGRESS: i64 = 0;
/// Records kept per client secret. Past this a buyer's new key is treated as absent: the
/// call still runs, but leaves nothing behind.
pub const MAX_BUYER_RECORDS: i64 = 50;

/// What the Worker hands over: MACs only, never the caller's key.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IdempotencyKey {
    /// SHA-256 of the credential that made the call (a key's hash, or a client secret's).
    pub credential: String,
    /// The credential, the route pattern and the path's id.
    pub scope: String,
    /// HMAC of the scope and the caller's key under `ID_KEY`.
    pub key: String,
    /// A client-secret (buyer) call: it stores less.
    pub buyer: bool,
}

impl IdempotencyKey {
    /// The key for a call on `route` (`POST /v1/payment_requests/{id}/refunds`) with the
    /// path's id, made with `credential` (a hash), carrying the caller's `raw` key.
    pub fn new(
        keys: &Keys,
        credential: &str,
        route: &str,
        id: &str,
        raw: &str,
        buyer: bool,
    ) -> Self {
        let scope = format!("{credential}:{route}:{id}");
        let key = mac(keys, &scope, raw);
        IdempotencyKey {
            credential: credential.to_owned(),
            scope,
            key,
            buyer,
        }
    }
}

/// The call's `Idempotency-Key`, if any, as the MAC the ledger stores, scoped to the
/// credential (`credential_hash`), the route pattern (`route`, e.g.
/// `POST /v1/payment_requests/{id}/pay`) and the path's id. Any key of 1 to 255 visible
/// ASCII characters is taken, whatever it holds: only its MAC is kept.
pub fn from_header(
    req: &Request,
    keys: &Keys,
    credential_hash: &str,
    route: &str,
    id: &str,
    buyer: bool,
) -> Result<Option<IdempotencyKey>, Fail> {
    let Some(key) = req.headers().get("idempotency-key").ok().flatten() else {
        return Ok(None);
    };
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Fail::invalid(
            "idempotency_key_invalid",
            "Idempotency-Key must be 1 to 255 visible ASCII characters.",
        )
        .param("Idempotency-Key"));
    }
    Ok(Some(IdempotencyKey::new(
        keys,
        credential_hash,
        route,
        id,
        &key,
        buyer,
    )))
}

/// What a key's lookup found.
pub enum Found<'a> {
    /// The first call finished: its answer, again, with `Idempotent-Replayed: true`.
    Replay(Response),
    /// No finished first call: run this one.
    Fresh(Pending<'a>),
}

/// A call under a key that has not answered yet.
pub struct Pending<'a> {
    pub idem: &'a IdempotencyKey,
    body_mac: String,
}

/// Looks `idem` up for a call with `body`: a replay, a fresh call, or a refusal (the key is
/// in use, or was used with another body).
pub fn look_up<'a>(
    sql: &SqlStorage,
    keys: &Keys,
    idem: &'a IdempotencyKey,
    body: &Value,
    now: i64,
) -> Result<Found<'a>, Fail> {
    let body_mac = keys.body_mac(canonical_json(body).as_bytes());
    Ok(match lookup(sql, idem, &body_mac, now)? {
        Some(replay) => Found::Replay(replay.into_response()),
        None => Found::Fresh(Pending { idem, body_mac }),
    })
}

impl Pending<'_> {
    /// Claims the key; call it with no `.await` since [`look_up`].
    pub fn begin(&self, sql: &SqlStorage, now: i64) -> worker::Result<()> {
        begin(sql, self.idem, &self.body_mac, now)
    }

    /// Records the answer (or releases the key, when [`stores`] keeps no such answer).
    pub fn finish(&self, sql: &SqlStorage, http: u16, body: &str) -> worker::Result<()> {
        finish(sql, self.idem, http, body)
    }

    /// Records an answer given without [`Pending::begin`] (nothing was awaited under the
    /// key, or the call answered before its claim), in one write, when [`stores`] keeps it.
    /// A call that claimed the key meanwhile keeps its own record.
    pub fn record(&self, sql: &SqlStorage, now: i64, http: u16, body: &str) -> worker::Result<()> {
        if !stores(self.idem, http) {
            return Ok(());
        }
        forget_expired(sql, now)?;
        sql.exec(
            "INSERT OR IGNORE INTO idempotency (scope, key, body_mac, http_status, response, created_at, credential) VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![
                self.idem.scope.clone().into(),
                self.idem.key.clone().into(),
                self.body_mac.clone().into(),
                i64::from(http).into(),
                body.into(),
                now.into(),
                self.idem.credential.clone().into(),
            ],
        )?;
        Ok(())
    }
}

/// Forgets an unfinished call under `idem`: its instance stopped before answering (the
/// caller has checked that no call in this instance holds it), so a retry runs again.
pub fn forget_unfinished(sql: &SqlStorage, idem: &IdempotencyKey) -> worker::Result<()> {
    sql.exec(
        "DELETE FROM idempotency WHERE scope = ? AND key = ? AND http_status = ?",
        vec![
            idem.scope.clone().into(),
            idem.key.clone().into(),
            IN_PROGRESS.into(),
        ],
    )?;
    Ok(())
}

/// The stored form of a caller's key: an HMAC bound to its scope.
pub fn mac(keys: &Keys, scope: &str, raw: &str) -> String {
    hex_encode(&keys.id_mac(b"idempotency-key", format!("{scope}\0{raw}").as_bytes()))
}

pub struct Replay {
    pub http: u16,
    pub body: String,
}

impl Replay {
    fn into_response(self) -> Response {
        let mut response = text_response(self.http, self.body, "application/json");
        let _ = response.headers_mut().set("idempotent-replayed", "true");
        response
    }
}

#[derive(Deserialize)]
struct Row {
    created_at: i64,
    body_mac: String,
    http_status: i64,
    response: Option<String>,
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

/// JSON with object keys sorted at every level, whatever the map implementation.
pub fn canonical_json(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), canonical_json(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(canonical_json)
                .collect::<Vec<_>>()
                .join(",")
        ),
        other => other.to_string(),
    }
}

/// Looks the key up. `Ok(Some)` is a replay of the first response.
fn lookup(
    sql: &SqlStorage,
    idem: &IdempotencyKey,
    body_mac: &str,
    now: i64,
) -> Result<Option<Replay>, Fail> {
    let rows: Vec<Row> = sql
        .exec(
            "SELECT created_at, body_mac, http_status, response FROM idempotency WHERE scope = ? AND key = ? AND created_at > ?",
            vec![idem.scope.clone().into(), idem.key.clone().into(), (now - RETENTION_SECONDS).into()],
        )?
        .to_array()?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    if row.body_mac != body_mac {
        return Err(Fail::idempotency_key_reused());
    }
    if row.http_status == IN_PROGRESS && row.created_at < now - ABANDONED_AFTER_SECONDS {
        sql.exec(
            "DELETE FROM idempotency WHERE scope = ? AND key = ?",
            vec![idem.scope.clone().into(), idem.key.clone().into()],
        )?;
        return Ok(None);
    }
    if row.http_status == IN_PROGRESS {
        return Err(Fail::new(
            409,
            "idempotency_error",
            "idempotency_key_in_use",
            "A request with this Idempotency-Key is still being processed. Retry in a moment.",
        ));
    }
    Ok(Some(Replay {
        http: row.http_status as u16,
        body: row.response.unwrap_or_default(),
    }))
}

/// Whether an answer with this status is kept for replay. Our own 5xx faults never are (a
/// retry runs again), nor validation failures. For buyers, only answers that moved something
/// (and a pay's 402, which the card replays on a network retry): a 404, 409 or 429 costs the
/// seller nothing to answer again, so a buyer cannot turn them into stored rows.
pub fn stores(idem: &IdempotencyKey, http: u16) -> bool {
    match http {
        400 => false,
        h if h >= 500 => false,
        404 | 409 | 429 if idem.buyer => false,
        _ => true,
    }
}

/// Whether this credential may add a record: sellers always; a client secret up to
/// [`MAX_BUYER_RECORDS`] live records.
pub fn has_room(sql: &SqlStorage, idem: &IdempotencyKey, now: i64) -> Result<bool, Fail> {
    if !idem.buyer {
        return Ok(true);
    }
    let n = sql
        .exec(
            "SELECT COUNT(*) AS n FROM idempotency WHERE credential = ? AND created_at > ?",
            vec![
                idem.credential.clone().into(),
                (now - RETENTION_SECONDS).into(),
            ],
        )?
        .to_array::<Count>()?
        .first()
        .map_or(0, |c| c.n);
    Ok(n < MAX_BUYER_RECORDS)
}

/// Drops the records past [`RETENTION_SECONDS`].
fn forget_expired(sql: &SqlStorage, now: i64) -> worker::Result<()> {
    sql.exec(
        "DELETE FROM idempotency WHERE created_at <= ?",
        vec![(now - RETENTION_SECONDS).into()],
    )?;
    Ok(())
}

/// Claims the key before the operation's first `.await`.
fn begin(sql: &SqlStorage, idem: &IdempotencyKey, body_mac: &str, now: i64) -> worker::Result<()> {
    forget_expired(sql, now)?;
    sql.exec(
        "INSERT INTO idempotency (scope, key, body_mac, http_status, response, created_at, credential) VALUES (?, ?, ?, ?, NULL, ?, ?)",
        vec![
            idem.scope.clone().into(),
            idem.key.clone().into(),
            body_mac.into(),
            IN_PROGRESS.into(),
            now.into(),
            idem.credential.clone().into(),
        ],
    )?;
    Ok(())
}

/// Saves the response for replay, or releases the key when [`stores`] says the answer is
/// not kept, so a retry with the same key runs again.
fn finish(sql: &SqlStorage, idem: &IdempotencyKey, http: u16, body: &str) -> worker::Result<()> {
    if !stores(idem, http) {
        sql.exec(
            "DELETE FROM idempotency WHERE scope = ? AND key = ?",
            vec![idem.scope.clone().into(), idem.key.clone().into()],
        )?;
    } else {
        sql.exec(
            "UPDATE idempotency SET http_status = ?, response = ? WHERE scope = ? AND key = ?",
            vec![
                i64::from(http).into(),
                body.into(),
                idem.scope.clone().into(),
                idem.key.clone().into(),
            ],
        )?;
    }
    Ok(())
}
