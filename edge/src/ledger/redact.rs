//! Migration 5: what a ledger stored before card numbers in free text were masked.
//!
//! Every free-text column (and the ids callers choose, which may hold one too) is masked by
//! `core::mask`, as new input now is; JSON columns have each string masked; idempotency keys,
//! once stored as typed, are replaced by their MACs under the scope the router now uses
//! (credential, route pattern, path id).
//!
//! Masking in place would not be enough: SQLite leaves a rewritten value's old bytes in the
//! page's free space, and a dropped table's bytes in its freed pages, and a Durable Object
//! may not set `secure_delete` or `VACUUM`. So:
//! 1. [`run`] (the migration, one transaction) copies each table that held such text, masked,
//!    into a new table built from its own definition (the new children reference the new
//!    parent), drops the old tables and gives the new ones their names. The new tables take
//!    only pages that held nothing of this transaction's (a free page from an earlier
//!    transaction is handed over zeroed), so none of them holds old bytes.
//! 2. [`finish`] (the next transaction, once the first has committed) creates the indexes
//!    again and overwrites the pages the old tables left with zeros: a scratch table takes
//!    zero-filled blobs larger than what was freed, which SQLite writes into the most
//!    recently freed pages first, and is dropped. In a new transaction every reused free
//!    page starts zeroed, so nothing of the old bytes survives the reuse.
//!
//! The file keeps the size it grew to (SQLite never shrinks it here).

use super::settings::{set_setting, setting};
use crate::crypto::Keys;
use crate::http::Fail;
use crate::idempotency;
use chatpay_core::mask::mask_card_numbers;
use chatpay_core::routes;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;
use worker::{SqlStorage, SqlStorageValue};

/// The tables that held caller-written text, parents before the tables that reference them,
/// each with its plain-text and its JSON columns.
const TABLES: &[(&str, &[&str], &[&str])] = &[
    ("seller", &["display_name"], &[]),
    (
        "payment_requests",
        &[
            "description",
            "carrier",
            "tracking_number",
            "conversation_id",
            "agent_id",
        ],
        &[],
    ),
    ("agents", &["id", "name"], &[]),
    ("api_keys", &["agent_id"], &[]),
    ("claims", &["description", "response"], &[]),
    ("payments", &["receipt_email"], &["shipping"]),
    ("refunds", &["actor"], &[]),
    ("events", &["actor"], &["data"]),
    ("idempotency", &[], &["response"]),
];

/// Rebuilt tables that other tables reference (foreign keys), by name.
const REFERENCED: &[&str] = &["payment_requests"];

/// The suffix of a table's masked copy while the migration runs.
const NEW: &str = "__masked";

/// Zero-filled blobs per row, below a Durable Object's 2 MB row limit.
const FILL_CHUNK: usize = 1 << 20;

/// Where [`run`] leaves the work for [`finish`].
const PENDING: &str = "redact_pending";

#[derive(Deserialize)]
struct Ddl {
    sql: String,
}

/// What [`finish`] has left to do.
#[derive(Serialize, Deserialize)]
struct Pending {
    indexes: Vec<String>,
    /// Bytes of free pages to overwrite.
    fill: usize,
}

/// The migration: masked copies take the tables' places (see the module docs).
pub fn run(sql: &SqlStorage, keys: &Keys) -> Result<(), Fail> {
    let mut indexes = Vec::new();
    for (table, text, json) in TABLES {
        indexes.extend(copy_masked(sql, keys, table, text, json)?);
    }
    let before = sql.database_size();
    for (table, _, _) in TABLES.iter().rev() {
        sql.exec(&format!("DROP TABLE {table}"), None)?;
    }
    let freed = before.saturating_sub(sql.database_size());
    for (table, _, _) in TABLES {
        // Renaming a parent also points its children's references at the new name.
        sql.exec(&format!("ALTER TABLE {table}{NEW} RENAME TO {table}"), None)?;
    }
    // More than was freed, so the fill also reaches free pages older than this migration.
    let pending = Pending {
        indexes,
        fill: freed + sql.database_size(),
    };
    let pending = serde_json::to_string(&pending).map_err(|_| Fail::internal("encode"))?;
    set_setting(sql, PENDING, &pending)?;
    Ok(())
}

/// Whether [`finish`] has work left (after [`run`]).
pub fn pending(sql: &SqlStorage) -> Result<bool, Fail> {
    Ok(setting(sql, PENDING)?.is_some())
}

/// The second half, in a later transaction than [`run`]: the indexes, and zeros over the
/// freed pages.
pub fn finish(sql: &SqlStorage) -> Result<(), Fail> {
    let Some(setting) = setting(sql, PENDING)? else {
        return Ok(());
    };
    let pending: Pending =
        serde_json::from_str(&setting).map_err(|_| Fail::internal("redact_pending"))?;
    for index in &pending.indexes {
        sql.exec(index, None)?;
    }
    sql.exec("CREATE TABLE migration_fill (fill BLOB NOT NULL)", None)?;
    let mut left = pending.fill;
    while left > 0 {
        let n = left.min(FILL_CHUNK);
        sql.exec(
            "INSERT INTO migration_fill (fill) VALUES (zeroblob(?))",
            vec![(n as i64).into()],
        )?;
        left -= n;
    }
    sql.exec("DROP TABLE migration_fill", None)?;
    sql.exec("DELETE FROM settings WHERE key = ?", vec![PENDING.into()])?;
    Ok(())
}

/// Copies `table`, masked, into `{table}__masked` (its own definition; references to a
/// rebuilt parent point at the parent's copy) and answers its indexes' definitions.
fn copy_masked(
    sql: &SqlStorage,
    keys: &Keys,
    table: &str,
    text: &[&str],
    json: &[&str],
) -> Result<Vec<String>, Fail> {
    let copy = format!("{table}{NEW}");
    let mut definition = sql
        .exec(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
            vec![table.into()],
        )?
        .to_array::<Ddl>()?
        .into_iter()
        .next()
        .map(|d| d.sql)
        .ok_or_else(|| Fail::internal(format!("migration: no table {table}")))?
        .replacen(table, &copy, 1);
    for parent in REFERENCED {
        // SQLite may have stored the name quoted (it quotes names it rewrites).
        for spelled in [format!("{parent} "), format!("\"{parent}\" ")] {
            definition = definition.replace(
                &format!("REFERENCES {spelled}"),
                &format!("REFERENCES \"{parent}{NEW}\" "),
            );
        }
    }
    let indexes: Vec<String> = sql
        .exec(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            vec![table.into()],
        )?
        .to_array::<Ddl>()?
        .into_iter()
        .map(|d| d.sql)
        .collect();
    sql.exec(&definition, None)?;
    let columns = sql
        .exec(&format!("SELECT * FROM {table} LIMIT 0"), None)?
        .column_names();
    let insert = format!(
        "INSERT INTO {copy} ({}) VALUES ({})",
        columns.join(", "),
        vec!["?"; columns.len()].join(", ")
    );
    for row in sql.exec(&format!("SELECT * FROM {table}"), None)?.raw() {
        let mut row = row?;
        let keep = if table == "idempotency" {
            rescope(keys, &columns, &mut row)
        } else {
            true
        };
        for (name, value) in columns.iter().zip(row.iter_mut()) {
            if let SqlStorageValue::String(s) = value {
                let changed = if text.contains(&name.as_str()) {
                    mask_card_numbers(s).into_owned()
                } else if json.contains(&name.as_str()) {
                    mask_json(s).into_owned()
                } else {
                    continue;
                };
                *s = changed;
            }
        }
        if keep {
            sql.exec(&insert, row)?;
        }
    }
    Ok(indexes)
}

/// An old record (no `credential`): scope `{credential}:{path as spelled}`, key as typed,
/// becomes scope `{credential}:{METHOD pattern}:{id}`, key its MAC. `false`: no route
/// matches its path, so the record is dropped.
fn rescope(keys: &Keys, columns: &[String], row: &mut [SqlStorageValue]) -> bool {
    let at = |name: &str| columns.iter().position(|c| c == name);
    let (Some(scope_at), Some(key_at), Some(credential_at)) =
        (at("scope"), at("key"), at("credential"))
    else {
        return false;
    };
    if !matches!(row[credential_at], SqlStorageValue::Null) {
        return true;
    }
    let (SqlStorageValue::String(scope), SqlStorageValue::String(key)) =
        (&row[scope_at], &row[key_at])
    else {
        return false;
    };
    let Some((credential, scope)) = new_scope(scope) else {
        return false;
    };
    let key = idempotency::mac(keys, &scope, key);
    row[scope_at] = SqlStorageValue::String(scope);
    row[key_at] = SqlStorageValue::String(key);
    row[credential_at] = SqlStorageValue::String(credential);
    true
}

/// Every string of a JSON document (and every key) masked; text that is not JSON is masked
/// as text.
fn mask_json(text: &str) -> Cow<'_, str> {
    let Ok(mut value) = serde_json::from_str::<Value>(text) else {
        return mask_card_numbers(text);
    };
    if mask_value(&mut value) {
        Cow::Owned(value.to_string())
    } else {
        Cow::Borrowed(text)
    }
}

fn mask_value(value: &mut Value) -> bool {
    match value {
        Value::String(s) => match mask_card_numbers(s) {
            Cow::Owned(masked) => {
                *s = masked;
                true
            }
            Cow::Borrowed(_) => false,
        },
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, v| mask_value(v) | changed),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            let mut changed = false;
            for (k, mut v) in entries {
                changed |= mask_value(&mut v);
                let key = match mask_card_numbers(&k) {
                    Cow::Owned(masked) => {
                        changed = true;
                        masked
                    }
                    Cow::Borrowed(_) => k,
                };
                map.insert(key, v);
            }
            changed
        }
        _ => false,
    }
}

/// `(credential, new scope)` for an old `{credential}:{path}` scope.
fn new_scope(old: &str) -> Option<(String, String)> {
    let (credential, path) = old.split_once(':')?;
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    // Each path has at most one mutating route; idempotency keys were only ever kept there.
    let (route, params) = routes::matching(&segments)
        .into_iter()
        .find(|(r, _)| r.method != "GET")?;
    let id = params.first().copied().unwrap_or_default();
    Some((
        credential.to_owned(),
        format!("{credential}:{} {}:{id}", route.method, route.path),
    ))
}
