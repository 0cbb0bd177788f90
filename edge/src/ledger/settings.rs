//! The `settings` table: small named values the object keeps (the test clock's offset,
//! payout debts, a migration's pending step).

use crate::http::Fail;
use serde::Deserialize;
use worker::SqlStorage;

#[derive(Deserialize)]
pub(crate) struct Setting {
    pub(crate) value: String,
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
