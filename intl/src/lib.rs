//! What the card and the dashboard both do in the browser: amounts and times in the
//! reader's locale (the buyer's in the card, the seller's in the dashboard), through the
//! browser's `Intl`, and fresh idempotency keys ([`idempotency`]).
//!
//! Amounts go to `Intl.NumberFormat` as the API's decimal string with the currency's ISO 4217
//! exponent, never through an `f64`, so a large or fractional amount is shown exactly as charged.

pub mod idempotency;

use chatpay_core::Currency;
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Intl, js_name = NumberFormat)]
    type NumberFormat;

    #[wasm_bindgen(constructor, js_namespace = Intl, js_class = "NumberFormat", catch)]
    fn new(locale: &str, options: &Object) -> Result<NumberFormat, JsValue>;

    /// `format` accepts a decimal string and formats it exactly (ECMA-402 "Intl.NumberFormat v3").
    #[wasm_bindgen(method, js_class = "NumberFormat", js_name = format)]
    fn format_decimal(this: &NumberFormat, value: &str) -> String;
}

/// The reader's preferred language, as the browser reports it.
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

/// An RFC 3339 instant as a medium date and short time in the reader's locale.
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
