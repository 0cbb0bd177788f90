//! What live mode accepts beyond test mode's rules, because PayPal processes live money:
//! its currencies, its merchant ids, its amount and card number formats. Checked in `core`
//! so the edge refuses at the field, before any call to PayPal.

use crate::card::CardNumber;
use crate::currency::Currency;
use crate::fields::FieldError;
use crate::money::Amount;

/// The currencies PayPal's REST APIs take.
pub const CURRENCIES: &[&str] = &[
    "AUD", "BRL", "CAD", "CNY", "CZK", "DKK", "EUR", "HKD", "HUF", "ILS", "JPY", "MYR", "MXN",
    "TWD", "NZD", "NOK", "PHP", "PLN", "GBP", "SGD", "SEK", "CHF", "THB", "USD",
];

/// Currencies PayPal takes in whole units only, whatever ISO 4217 says (HUF and TWD have
/// two decimals in ISO 4217; JPY has none anyway).
pub const WHOLE_UNITS_ONLY: &[&str] = &["HUF", "JPY", "TWD"];

pub fn currency_supported(currency: Currency) -> bool {
    CURRENCIES.contains(&currency.code())
}

/// `currency_unsupported` for a currency PayPal does not take.
pub fn check_currency(currency: Currency) -> Result<(), FieldError> {
    if currency_supported(currency) {
        return Ok(());
    }
    Err(FieldError::new(
        "currency_unsupported",
        "currency",
        format!(
            "Live payments are processed by PayPal, which does not take {}. Use one of: {}.",
            currency.code(),
            CURRENCIES.join(", ")
        ),
    ))
}

/// `parameter_invalid` on `amount` for a fraction PayPal cannot take (HUF, TWD).
pub fn check_amount(amount: Amount) -> Result<(), FieldError> {
    let currency = amount.currency();
    let unit = 10u64.pow(currency.exponent());
    if WHOLE_UNITS_ONLY.contains(&currency.code()) && amount.minor() % unit != 0 {
        return Err(FieldError::invalid(
            "amount",
            format!(
                "Live {} amounts must be whole units: PayPal takes no fraction.",
                currency.code()
            ),
        ));
    }
    Ok(())
}

/// `amount` as PayPal writes it: major units with the currency's exponent, and no decimals
/// for the whole-unit currencies (`"24.00"`, `"1200"`, `"5000"` for 5000 HUF).
pub fn amount_value(amount: Amount) -> String {
    let currency = amount.currency();
    let exponent = currency.exponent();
    let unit = 10u64.pow(exponent);
    let (major, minor) = (amount.minor() / unit, amount.minor() % unit);
    if exponent == 0 || WHOLE_UNITS_ONLY.contains(&currency.code()) {
        return major.to_string();
    }
    format!("{major}.{minor:0width$}", width = exponent as usize)
}

/// PayPal's card number pattern is 13 to 19 digits: `invalid_number` for a shorter one.
pub fn check_card_number(number: &CardNumber) -> Result<(), FieldError> {
    if number.expose_digits().len() < 13 {
        return Err(FieldError::new(
            "invalid_number",
            "method.number",
            "Live card numbers have 13 to 19 digits.",
        ));
    }
    Ok(())
}

/// A PayPal merchant id: 13 characters from `2-9A-HJ-NP-Z`.
pub fn valid_merchant_id(text: &str) -> bool {
    text.len() == 13
        && text
            .bytes()
            .all(|b| matches!(b, b'2'..=b'9' | b'A'..=b'H' | b'J'..=b'N' | b'P'..=b'Z'))
}

pub fn check_merchant_id(text: &str) -> Result<(), FieldError> {
    if valid_merchant_id(text) {
        return Ok(());
    }
    Err(FieldError::invalid(
        "paypal_merchant_id",
        "`paypal_merchant_id` must be a PayPal merchant id: 13 characters from 2-9 and A-Z without I and O.",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(text: &str, code: &str) -> Amount {
        let currency = Currency::parse(code).unwrap();
        let unit = 10u64.pow(currency.exponent());
        let (major, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = format!("{fraction:0<width$}", width = currency.exponent() as usize);
        let minor = major.parse::<u64>().unwrap() * unit + digits.parse::<u64>().unwrap_or(0);
        Amount::from_minor(minor, currency)
    }

    #[test]
    fn amounts_are_written_with_paypals_decimals() {
        assert_eq!(amount_value(amount("24.00", "USD")), "24.00");
        assert_eq!(amount_value(amount("0.5", "EUR")), "0.50");
        assert_eq!(amount_value(amount("1200", "JPY")), "1200");
        assert_eq!(amount_value(amount("5000", "HUF")), "5000");
        assert!(check_amount(amount("5000", "HUF")).is_ok());
        assert_eq!(
            check_amount(amount("5000.5", "HUF")).unwrap_err().param,
            "amount"
        );
        assert_eq!(
            check_amount(amount("10.25", "TWD")).unwrap_err().param,
            "amount"
        );
        assert!(check_amount(amount("10.25", "USD")).is_ok());
    }

    #[test]
    fn only_paypals_currencies() {
        assert!(check_currency(Currency::parse("USD").unwrap()).is_ok());
        assert!(check_currency(Currency::parse("JPY").unwrap()).is_ok());
        let err = check_currency(Currency::parse("INR").unwrap()).unwrap_err();
        assert_eq!(
            (err.code, err.param.as_str()),
            ("currency_unsupported", "currency")
        );
    }

    #[test]
    fn merchant_ids_follow_paypals_pattern() {
        assert!(valid_merchant_id("7DZ9A4T4S9CQL"));
        assert!(!valid_merchant_id("7DZ9A4T4S9CQ"));
        assert!(!valid_merchant_id("7DZ9A4T4S9CQO"));
        assert!(!valid_merchant_id("1DZ9A4T4S9CQL"));
        assert!(!valid_merchant_id("7dz9a4t4s9cql"));
    }
}
