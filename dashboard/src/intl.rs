//! Amounts, dates and labels in the seller's locale; amounts and times come from
//! chatpay-intl, shared with the card.
//!
//! Amounts go to `Intl.NumberFormat` as the API's decimal string with the currency's ISO 4217
//! exponent, never through an `f64`, so what the seller reads is exactly what was charged.

use chatpay_core::time::{days_from_civil, rfc3339};

pub use chatpay_intl::{format_amount, format_time};

pub fn format_optional_time(value: &Option<String>) -> String {
    value
        .as_deref()
        .map(format_time)
        .unwrap_or_else(|| "—".into())
}

/// A date input's `YYYY-MM-DD` as the RFC 3339 start of that UTC day, `days_after` days
/// later (1 turns an inclusive "to" date into the API's exclusive bound).
pub fn day_start(date: &str, days_after: i64) -> Option<String> {
    let mut parts = date.splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    Some(rfc3339(
        (days_from_civil(year, month, day) + days_after) * 86_400,
    ))
}

/// Today's UTC date plus `days`, as `YYYY-MM-DD` for a date input.
pub fn utc_date(days: i64) -> String {
    let now = (js_sys::Date::now() / 1000.0) as i64;
    rfc3339(now + days * 86_400)[..10].to_owned()
}

/// `item_not_received` reads `Item not received`.
pub fn humanize(code: &str) -> String {
    let text = code.replace('_', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}
