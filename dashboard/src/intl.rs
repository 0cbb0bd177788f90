//! Amounts, dates and labels in the seller's locale, through the browser's `Intl`.
//!
//! Amounts go to `Intl.NumberFormat` as the API's decimal string with the currency's ISO 4217
//! exponent, never through an `f64`, so what the seller reads is exactly what was charged.

use chatpay_core::time::{days_from_civil, rfc3339};
use chatpay_core::Currency;
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Intl, js_name = NumberFormat)]
    type NumberFormat;

    #[wasm_bindgen(constructor, js_namespace = Intl, js_class = "NumberFormat", catch)]
    fn new(locale: &str, options: &Object) -> Result<NumberFormat, JsValue>;

    /// `format` takes a decimal string and formats it exactly (ECMA-402 NumberFormat v3).
    #[wasm_bindgen(method, js_class = "NumberFormat", js_name = format)]
    fn format_decimal(this: &NumberFormat, value: &str) -> String;
}

pub fn locale() -> String {
    web_sys::window()
        .and_then(|w| w.navigator().language())
        .unwrap_or_else(|| "en-US".to_owned())
}

fn options(pairs: &[(&str, JsValue)]) -> Object {
    let object = Object::new();
    for (key, value) in pairs {
        let _ = Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object
}

/// `"1200"` JPY gives `¥1,200` in en-US; `"12.50"` EUR gives `12,50 €` in de-DE.
pub fn format_amount(amount: &str, currency_code: &str) -> String {
    let fallback = || format!("{amount} {currency_code}");
    let Some(currency) = Currency::parse(currency_code) else {
        return fallback();
    };
    let digits = JsValue::from(currency.exponent());
    let opts = options(&[
        ("style", "currency".into()),
        ("currency", currency.code().into()),
        ("minimumFractionDigits", digits.clone()),
        ("maximumFractionDigits", digits),
    ]);
    NumberFormat::new(&locale(), &opts)
        .map(|f| f.format_decimal(amount))
        .unwrap_or_else(|_| fallback())
}

/// An RFC 3339 instant as a medium date and short time in the seller's locale.
pub fn format_time(rfc3339: &str) -> String {
    let date = js_sys::Date::new(&JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_owned();
    }
    let opts = options(&[
        ("dateStyle", "medium".into()),
        ("timeStyle", "short".into()),
    ]);
    date.to_locale_string(&locale(), &opts).into()
}

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
