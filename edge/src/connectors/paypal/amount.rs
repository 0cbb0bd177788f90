//! Money as PayPal writes it: `{currency_code, value}`, `value` a decimal string in major
//! units with the currency's own count of decimals ("10.50" USD, "1000" JPY).

use chatpay_core::Amount;
use serde::Serialize;

/// Currencies PayPal takes in whole units only, although ISO 4217 gives them two decimals
/// (PayPal's currency table: "decimal amounts are not supported" for HUF and TWD).
const WHOLE_UNITS_ONLY: &[&str] = &["HUF", "TWD"];

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Money {
    pub currency_code: &'static str,
    pub value: String,
}

/// Our amount in PayPal's form, or why PayPal cannot take it (a fractional HUF or TWD
/// amount, which would otherwise be refused or rounded by PayPal).
pub fn money(amount: Amount) -> Result<Money, String> {
    let currency = amount.currency();
    let code = currency.code();
    let value = if WHOLE_UNITS_ONLY.contains(&code) {
        let unit = 10u64.pow(currency.exponent());
        if amount.minor() % unit != 0 {
            return Err(format!("PayPal takes {code} amounts in whole units only."));
        }
        (amount.minor() / unit).to_string()
    } else {
        amount.to_decimal_string()
    };
    Ok(Money {
        currency_code: code,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chatpay_core::currency::Currency;

    fn paypal(minor: u64, code: &str) -> Result<Money, String> {
        money(Amount::from_minor(minor, Currency::parse(code).unwrap()))
    }

    fn value(minor: u64, code: &str) -> String {
        paypal(minor, code).unwrap().value
    }

    #[test]
    fn writes_the_currency_exponent_of_decimals() {
        assert_eq!(value(1050, "USD"), "10.50");
        assert_eq!(value(1000, "USD"), "10.00");
        assert_eq!(value(1, "EUR"), "0.01");
        assert_eq!(value(1000, "JPY"), "1000");
        assert_eq!(value(1, "JPY"), "1");
        assert_eq!(value(1250, "BHD"), "1.250");
        assert_eq!(value(99_999_999, "USD"), "999999.99");
        assert_eq!(paypal(1050, "USD").unwrap().currency_code, "USD");
    }

    #[test]
    fn whole_unit_currencies_drop_their_decimals_or_refuse() {
        assert_eq!(value(150_000, "HUF"), "1500");
        assert_eq!(value(10_000, "TWD"), "100");
        assert!(paypal(150_050, "HUF").is_err());
        assert!(paypal(1, "TWD").is_err());
    }

    #[test]
    fn matches_paypals_value_pattern() {
        // ^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$, without the sign we never send.
        let valid = |v: &str| {
            let (int, frac) = v.split_once('.').unwrap_or((v, ""));
            let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
            digits(int)
                && digits(frac)
                && (!int.is_empty() || !frac.is_empty())
                && (v.contains('.') != frac.is_empty())
        };
        for (minor, code) in [(1, "USD"), (123_456, "JPY"), (5, "KWD"), (100, "HUF")] {
            let v = value(minor, code);
            assert!(valid(&v), "{v}");
            assert!(v.len() <= 32);
        }
    }

    #[test]
    fn serializes_as_paypal_money() {
        let json = serde_json::to_string(&paypal(1050, "USD").unwrap()).unwrap();
        assert_eq!(json, r#"{"currency_code":"USD","value":"10.50"}"#);
    }
}
