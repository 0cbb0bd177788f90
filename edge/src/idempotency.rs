//! `Idempotency-Key` records, kept 24 hours in the seller's ledger.
//!
//! A key is scoped to the credential and the path. The request body is compared by a MAC of
//! its canonical JSON (the raw body may hold a card number and is never stored). A key whose
//! first request is still running answers 409; a key reused with another body answers 422.

use crate::http::Fail;
use serde::Deserialize;
use serde_json::Value;
use worker::SqlStorage;

pub const RETENTION_SECONDS: i64 = 24 * 60 * 60;
/// A claim older than this was left by an instance that stopped mid-request; it is released
/// so the key can be retried. Far longer than any processor call is allowed to take.
const ABANDONED_AFTER_SECONDS: i64 = 120;
/// `http_status` of a record whose first request is still running.
const IN_PROGRESS: i64 = 0;

/// What the Worker hands over: the scope (credential hash and path) and the caller's key.
#[derive(Clone, Debug, serde::Serialize, Deserialize)]
pub struct IdempotencyKey {
    pub scope: String,
    pub key: String,
}

pub struct Replay {
    pub http: u16,
    pub body: String,
}

#[derive(Deserialize)]
struct Row {
    created_at: i64,
    body_mac: String,
    http_status: i64,
    response: Option<String>,
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
pub fn lookup(
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

/// Claims the key before the operation's first `.await`.
pub fn begin(
    sql: &SqlStorage,
    idem: &IdempotencyKey,
    body_mac: &str,
    now: i64,
) -> worker::Result<()> {
    sql.exec(
        "DELETE FROM idempotency WHERE created_at <= ?",
        vec![(now - RETENTION_SECONDS).into()],
    )?;
    sql.exec(
        "INSERT INTO idempotency (scope, key, body_mac, http_status, response, created_at) VALUES (?, ?, ?, ?, NULL, ?)",
        vec![
            idem.scope.clone().into(),
            idem.key.clone().into(),
            body_mac.into(),
            IN_PROGRESS.into(),
            now.into(),
        ],
    )?;
    Ok(())
}

/// Saves the response for replay. Our own 5xx faults release the key instead, so a retry
/// with the same key runs again.
pub fn finish(
    sql: &SqlStorage,
    idem: &IdempotencyKey,
    http: u16,
    body: &str,
) -> worker::Result<()> {
    if http >= 500 {
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
