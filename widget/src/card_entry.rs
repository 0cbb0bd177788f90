//! The card fields as the buyer types them: grouping while typing, and the checks run on
//! blur and on submit. The checks are `chatpay_core`'s, the same the edge runs, so the
//! buyer sees the server's verdict before the card leaves the page.

use crate::js_value::js_object;
use chatpay_core::card::{detect_brand, format_number_input, Brand, CardNumber, Cvc, Expiry};
use chatpay_core::time::{year_month, YearMonth};
use wasm_bindgen::JsValue;

/// The inputs of the card form, in screen order (also the order errors are focused in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Number,
    Expiry,
    Cvc,
    Name,
    Postal,
}

impl Field {
    pub const ALL: [Field; 5] = [
        Field::Number,
        Field::Expiry,
        Field::Cvc,
        Field::Name,
        Field::Postal,
    ];

    /// The element id of the input; its error's id is this plus `-error`.
    pub fn id(self) -> &'static str {
        match self {
            Field::Number => "cp-number",
            Field::Expiry => "cp-expiry",
            Field::Cvc => "cp-cvc",
            Field::Name => "cp-name",
            Field::Postal => "cp-postal",
        }
    }

    pub fn error_id(self) -> &'static str {
        match self {
            Field::Number => "cp-number-error",
            Field::Expiry => "cp-expiry-error",
            Field::Cvc => "cp-cvc-error",
            Field::Name => "cp-name-error",
            Field::Postal => "cp-postal-error",
        }
    }

    /// The field an API error's `param` points at (`method.number`, `method.exp_year`, ...).
    pub fn from_param(param: &str) -> Option<Field> {
        match param.strip_prefix("method.")? {
            "number" => Some(Field::Number),
            "exp_month" | "exp_year" => Some(Field::Expiry),
            "cvc" => Some(Field::Cvc),
            "name" => Some(Field::Name),
            "postal_code" => Some(Field::Postal),
            _ => None,
        }
    }
}

/// The current calendar month in UTC, as the edge reads it.
pub fn this_month() -> YearMonth {
    year_month((js_sys::Date::now() / 1000.0) as i64)
}

/// What is typed in the five inputs.
#[derive(Clone, Debug, Default)]
pub struct CardText {
    pub number: String,
    pub expiry: String,
    pub cvc: String,
    pub name: String,
    pub postal: String,
}

impl CardText {
    pub fn get(&self, field: Field) -> &str {
        match field {
            Field::Number => &self.number,
            Field::Expiry => &self.expiry,
            Field::Cvc => &self.cvc,
            Field::Name => &self.name,
            Field::Postal => &self.postal,
        }
    }

    pub fn slot(&mut self, field: Field) -> &mut String {
        match field {
            Field::Number => &mut self.number,
            Field::Expiry => &mut self.expiry,
            Field::Cvc => &mut self.cvc,
            Field::Name => &mut self.name,
            Field::Postal => &mut self.postal,
        }
    }

    /// What the input shows after the buyer typed `raw` into `field`.
    pub fn regroup(&self, field: Field, raw: &str) -> String {
        match field {
            Field::Number => group_number(raw),
            Field::Expiry => group_expiry(raw),
            Field::Cvc => group_cvc(raw, self.brand()),
            Field::Name | Field::Postal => raw.to_owned(),
        }
    }

    pub fn brand(&self) -> Option<Brand> {
        detect_brand(&digits(&self.number))
    }

    /// The problem with one field, in words for the buyer, or `None` when it is fine.
    pub fn check(&self, field: Field, now: YearMonth) -> Option<String> {
        match field {
            Field::Number => CardNumber::parse(&self.number).err().map(|e| e.to_string()),
            Field::Expiry if self.expiry.trim().is_empty() => {
                Some("Enter the card's expiry date.".into())
            }
            Field::Expiry => Expiry::parse_mm_yy(&self.expiry, now)
                .err()
                .map(|e| e.to_string()),
            Field::Cvc if self.cvc.is_empty() => Some("Enter the security code.".into()),
            Field::Cvc => Cvc::parse(&self.cvc, self.brand().unwrap_or(Brand::Visa))
                .err()
                .map(|e| e.to_string()),
            Field::Name if self.name.trim().is_empty() => {
                Some("Enter the name on the card.".into())
            }
            Field::Name if self.name.trim().chars().count() > 200 => {
                Some("The name is too long.".into())
            }
            Field::Name => None,
            Field::Postal => check_postal(&self.postal),
        }
    }

    /// Every field's problem, in screen order; empty when the card is ready to pay.
    pub fn problems(&self, now: YearMonth) -> Vec<(Field, String)> {
        Field::ALL
            .into_iter()
            .filter_map(|f| self.check(f, now).map(|m| (f, m)))
            .collect()
    }

    /// The JSON pay body, with the `shipping` object when the request asks for one. Call
    /// only once `problems` is empty.
    pub fn pay_body(&self, now: YearMonth, shipping: Option<JsValue>) -> Option<String> {
        let expiry = Expiry::parse_mm_yy(&self.expiry, now).ok()?;
        let method = js_object(&[
            ("type", "card".into()),
            ("number", digits(&self.number).into()),
            ("exp_month", expiry.month.into()),
            ("exp_year", expiry.year.into()),
            ("cvc", self.cvc.as_str().into()),
            ("name", self.name.trim().into()),
            ("postal_code", self.postal.trim().into()),
        ]);
        let body = match shipping {
            Some(shipping) => js_object(&[("method", method), ("shipping", shipping)]),
            None => js_object(&[("method", method)]),
        };
        js_sys::JSON::stringify(&body).ok()?.as_string()
    }
}

fn check_postal(postal: &str) -> Option<String> {
    let postal = postal.trim();
    if postal.is_empty() {
        Some("Enter the billing postal code.".into())
    } else if postal.chars().count() > 16 {
        Some("The postal code is too long.".into())
    } else if !postal
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
    {
        Some("Use only letters, digits, spaces and hyphens.".into())
    } else {
        None
    }
}

pub fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// Grouped card number as typed: 4-4-4-4, Amex 4-6-5.
pub fn group_number(text: &str) -> String {
    format_number_input(text)
}

/// `MM / YY` as typed. A first digit above 1 can only be a single-digit month, so it gets
/// its leading zero right away.
pub fn group_expiry(text: &str) -> String {
    let mut d = digits(text);
    if d.len() == 1 && d.as_bytes()[0] > b'1' {
        d.insert(0, '0');
    }
    d.truncate(4);
    if d.len() > 2 {
        format!("{} / {}", &d[..2], &d[2..])
    } else {
        d
    }
}

/// Digits only, at most as many as the brand's security code has.
pub fn group_cvc(text: &str, brand: Option<Brand>) -> String {
    let mut d = digits(text);
    d.truncate(brand.map_or(4, Brand::cvc_length));
    d
}

/// Where the caret goes after regrouping: just after the same count of digits as before.
pub fn caret_after_digits(formatted: &str, digits_before: usize) -> usize {
    if digits_before == 0 {
        return 0;
    }
    formatted
        .char_indices()
        .filter(|(_, c)| c.is_ascii_digit())
        .nth(digits_before - 1)
        .map_or(formatted.len(), |(i, _)| i + 1)
}

/// The input's attributes, per field.
pub fn autocomplete(field: Field) -> &'static str {
    match field {
        Field::Number => "cc-number",
        Field::Expiry => "cc-exp",
        Field::Cvc => "cc-csc",
        Field::Name => "cc-name",
        Field::Postal => "postal-code",
    }
}

pub fn input_mode(field: Field) -> &'static str {
    match field {
        Field::Number | Field::Expiry | Field::Cvc => "numeric",
        Field::Name | Field::Postal => "text",
    }
}

pub fn placeholder(field: Field, brand: Option<Brand>) -> &'static str {
    match field {
        Field::Number => "1234 1234 1234 1234",
        Field::Expiry => "MM / YY",
        Field::Cvc if brand == Some(Brand::Amex) => "4 digits",
        Field::Cvc => "CVC",
        Field::Name => "Full name",
        Field::Postal => "ZIP / postal code",
    }
}

pub fn max_length(field: Field, brand: Option<Brand>) -> Option<usize> {
    match field {
        Field::Cvc => Some(brand.map_or(4, Brand::cvc_length)),
        Field::Name => Some(200),
        Field::Postal => Some(16),
        Field::Number | Field::Expiry => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: YearMonth = YearMonth {
        year: 2026,
        month: 11,
    };

    fn good() -> CardText {
        CardText {
            number: "4242 4242 4242 4242".into(),
            expiry: "12 / 34".into(),
            cvc: "123".into(),
            name: "Ada Buyer".into(),
            postal: "94107".into(),
        }
    }

    #[test]
    fn a_good_card_passes_every_check() {
        assert!(good().problems(NOW).is_empty());
    }

    #[test]
    fn each_bad_field_is_named() {
        type Spoil = fn(&mut CardText);
        let cases: [(Spoil, Field); 7] = [
            (|c| c.number = "4242 4242 4242 4241".into(), Field::Number),
            (|c| c.number = "4242 4242".into(), Field::Number),
            (|c| c.expiry = "10 / 26".into(), Field::Expiry),
            (|c| c.cvc = "12".into(), Field::Cvc),
            (|c| c.name = "  ".into(), Field::Name),
            (|c| c.postal = "9410!".into(), Field::Postal),
            (|c| c.number = "3782 822463 10005".into(), Field::Cvc),
        ];
        for (spoil, field) in cases {
            let mut card = good();
            spoil(&mut card);
            let problems = card.problems(NOW);
            assert_eq!(problems.len(), 1, "{field:?}");
            assert_eq!(problems[0].0, field);
        }
    }

    #[test]
    fn grouping_as_typed() {
        assert_eq!(group_number("4242424242424242"), "4242 4242 4242 4242");
        assert_eq!(group_number("378282246310005"), "3782 822463 10005");
        assert_eq!(group_expiry("1"), "1");
        assert_eq!(group_expiry("4"), "04");
        assert_eq!(group_expiry("123"), "12 / 3");
        assert_eq!(group_expiry("12 / 345"), "12 / 34");
        assert_eq!(group_cvc("12a34", Some(Brand::Visa)), "123");
        assert_eq!(group_cvc("12345", Some(Brand::Amex)), "1234");
        assert_eq!(caret_after_digits("4242 4242", 4), 4);
        assert_eq!(caret_after_digits("4242 4242", 5), 6);
        assert_eq!(caret_after_digits("4242 4242", 0), 0);
    }

    #[test]
    fn params_map_to_fields() {
        assert_eq!(Field::from_param("method.number"), Some(Field::Number));
        assert_eq!(Field::from_param("method.exp_month"), Some(Field::Expiry));
        assert_eq!(Field::from_param("receipt_email"), None);
    }
}
