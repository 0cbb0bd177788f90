//! Card numbers the tests type, and pay bodies built from them.
//!
//! Every PAN a test sends must come from `chatpay_core::test_cards::TABLE` or from
//! `OTHER_PANS` here, so the leak scan knows what to look for.

use chatpay_core::card::{detect_brand, Brand};
use serde_json::{json, Value};

use crate::checks::unix_now;

pub const VISA: &str = "4242424242424242";
pub const MASTERCARD: &str = "5555555555554444";
pub const AMEX: &str = "378282246310005";
/// Luhn-valid and not in the sandbox table, so approved.
pub const OTHER_VISA: &str = "4000056655665556";
/// Luhn-valid Discover, not in the sandbox table, so approved.
pub const DISCOVER: &str = "6011111111111117";
/// Luhn-valid Maestro (6759), not in the sandbox table, so approved.
pub const MAESTRO: &str = "6759649826438453";
/// `VISA` with its check digit off by one.
pub const BAD_LUHN: &str = "4242424242424241";

/// PANs typed by tests beyond the sandbox table.
pub const OTHER_PANS: &[&str] = &[OTHER_VISA, DISCOVER, MAESTRO, BAD_LUHN];

/// Every PAN any test sends: the sandbox table and `OTHER_PANS`.
pub fn all_test_pans() -> Vec<&'static str> {
    chatpay_core::test_cards::TABLE
        .iter()
        .map(|(number, _, _)| *number)
        .chain(OTHER_PANS.iter().copied())
        .collect()
}

/// The sandbox's declining numbers: (number, decline_code).
pub fn declining_cards() -> Vec<(&'static str, &'static str)> {
    chatpay_core::test_cards::TABLE
        .iter()
        .filter(|(_, decline, _)| !decline.is_empty())
        .map(|(number, decline, _)| (*number, *decline))
        .collect()
}

/// The current (year, month) in UTC.
pub fn this_month() -> (i64, i64) {
    let ym = chatpay_core::time::year_month(unix_now());
    (i64::from(ym.year), i64::from(ym.month))
}

/// December, three years from now: safely in the future.
pub fn future_expiry() -> (i64, i64) {
    (this_month().0 + 3, 12)
}

/// A complete, valid card method for `number`, with a CVC of the brand's length.
pub fn card(number: &str) -> Value {
    let (year, month) = future_expiry();
    let cvc = if detect_brand(number) == Some(Brand::Amex) {
        "1234"
    } else {
        "123"
    };
    json!({
        "type": "card",
        "number": number,
        "exp_month": month,
        "exp_year": year,
        "cvc": cvc,
        "name": "Ada Buyer",
        "postal_code": "94107",
    })
}

/// `{"method": card(number)}`.
pub fn pay_body(number: &str) -> Value {
    json!({ "method": card(number) })
}

/// `pay_body(number)` with one field of the method replaced.
pub fn pay_body_with(number: &str, field: &str, value: Value) -> Value {
    let mut body = pay_body(number);
    body["method"][field] = value;
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use chatpay_core::card::luhn_valid;

    #[test]
    fn test_numbers_are_what_the_tests_claim() {
        for n in [VISA, MASTERCARD, AMEX, OTHER_VISA, DISCOVER] {
            assert!(luhn_valid(n), "{n}");
        }
        assert!(!luhn_valid(BAD_LUHN));
        for n in [OTHER_VISA, DISCOVER] {
            assert!(chatpay_core::test_cards::TABLE
                .iter()
                .all(|(t, _, _)| *t != n));
        }
        assert_eq!(declining_cards().len(), 5);
    }
}
