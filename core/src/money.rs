//! Amounts of money: exact decimal strings on the wire, integer minor units inside.
//! Floats never touch money.

use crate::currency::Currency;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt;

/// The largest count of minor units any amount may hold: 2^53 − 1, so that every amount
/// survives a trip through a JavaScript number in a client we do not control.
pub const MAX_SAFE_MINOR: u64 = (1 << 53) - 1;

/// A positive amount in one currency, within that currency's configured maximum.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Amount {
    minor: u64,
    currency: Currency,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AmountError {
    /// Not of the form `123` or `123.45` with at most the currency's exponent of decimals.
    Format {
        exponent: u32,
    },
    Zero,
    TooLarge {
        max: String,
    },
}

impl fmt::Display for AmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AmountError::Format { exponent: 0 } => {
                f.write_str("Amount must be a whole number string such as \"1200\" for this currency.")
            }
            AmountError::Format { exponent } => write!(
                f,
                "Amount must be a decimal string such as \"12.50\" with at most {exponent} decimal places."
            ),
            AmountError::Zero => f.write_str("Amount must be greater than zero."),
            AmountError::TooLarge { max } => write!(f, "Amount must be at most {max}."),
        }
    }
}

impl Amount {
    /// Parses the wire form `^(0|[1-9][0-9]*)(\.[0-9]{1,E})?$` strictly: no sign, no exponent,
    /// no spaces, no grouping, no more decimals than the currency has.
    pub fn parse(
        text: &str,
        currency: Currency,
        limits: &AmountLimits,
    ) -> Result<Amount, AmountError> {
        let exponent = currency.exponent();
        let minor = parse_minor(text, exponent).ok_or(AmountError::Format { exponent })?;
        let max = limits.max_minor(currency);
        if minor == 0 {
            return Err(AmountError::Zero);
        }
        if minor > max {
            return Err(AmountError::TooLarge {
                max: Amount {
                    minor: max,
                    currency,
                }
                .to_decimal_string(),
            });
        }
        Ok(Amount { minor, currency })
    }

    /// Rebuilds an amount already validated once (read back from storage).
    pub fn from_minor(minor: u64, currency: Currency) -> Amount {
        Amount { minor, currency }
    }

    pub fn minor(self) -> u64 {
        self.minor
    }

    pub fn currency(self) -> Currency {
        self.currency
    }

    pub fn to_decimal(self) -> Decimal {
        // minor <= 2^53 - 1 always fits i64.
        Decimal::new(self.minor as i64, self.currency.exponent())
    }

    /// Exactly the currency's exponent of decimals: "12.50" USD, "1200" JPY, "1.250" BHD.
    pub fn to_decimal_string(self) -> String {
        self.to_decimal().to_string()
    }
}

/// Strict parse into minor units; `None` on any deviation from the grammar or on overflow.
fn parse_minor(text: &str, exponent: u32) -> Option<u64> {
    let (int_part, frac_part) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int_part) || (int_part.len() > 1 && int_part.starts_with('0')) {
        return None;
    }
    let frac = match frac_part {
        None => "",
        Some(f) if all_digits(f) && f.len() <= exponent as usize => f,
        Some(_) => return None,
    };
    let mut minor: u64 = 0;
    for b in int_part.bytes().chain(frac.bytes()) {
        minor = minor.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    let pad = exponent - frac.len() as u32;
    minor.checked_mul(10u64.checked_pow(pad)?)
}

/// Per-currency maxima in minor units. Each is capped at [`MAX_SAFE_MINOR`].
#[derive(Clone, Debug, Default)]
pub struct AmountLimits {
    overrides: BTreeMap<Currency, u64>,
}

impl AmountLimits {
    /// The default maximum: one million major units less one minor unit (999,999.99 USD),
    /// or 99,999,999 for currencies without minor units, whose major unit is small (JPY, KRW).
    pub fn default_max_minor(currency: Currency) -> u64 {
        match currency.exponent() {
            0 => 99_999_999,
            e => 1_000_000 * 10u64.pow(e) - 1,
        }
    }

    pub fn max_minor(&self, currency: Currency) -> u64 {
        self.overrides
            .get(&currency)
            .copied()
            .unwrap_or_else(|| Self::default_max_minor(currency))
    }

    /// Parses configuration such as `"JPY=5000000,USD=10000.00"` (amounts in the wire form).
    pub fn parse(config: &str) -> Result<AmountLimits, String> {
        let mut overrides = BTreeMap::new();
        for item in config.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (code, amount) = item
                .split_once('=')
                .ok_or_else(|| format!("limit `{item}` is not CODE=AMOUNT"))?;
            let currency = Currency::parse(code.trim())
                .ok_or_else(|| format!("limit `{item}` names an unknown currency"))?;
            let minor = parse_minor(amount.trim(), currency.exponent())
                .filter(|m| *m > 0 && *m <= MAX_SAFE_MINOR)
                .ok_or_else(|| {
                    format!("limit `{item}` must be a positive amount within 2^53-1 minor units")
                })?;
            overrides.insert(currency, minor);
        }
        Ok(AmountLimits { overrides })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cur(c: &str) -> Currency {
        Currency::parse(c).unwrap()
    }

    fn parse(s: &str, c: &str) -> Result<Amount, AmountError> {
        Amount::parse(s, cur(c), &AmountLimits::default())
    }

    #[test]
    fn parses_and_prints_exact_exponent() {
        assert_eq!(parse("12.5", "USD").unwrap().minor(), 1250);
        assert_eq!(parse("12.5", "USD").unwrap().to_decimal_string(), "12.50");
        assert_eq!(parse("12", "USD").unwrap().to_decimal_string(), "12.00");
        assert_eq!(parse("0.01", "USD").unwrap().minor(), 1);
        assert_eq!(parse("1200", "JPY").unwrap().to_decimal_string(), "1200");
        assert_eq!(parse("1.25", "BHD").unwrap().to_decimal_string(), "1.250");
        assert_eq!(parse("0.001", "KWD").unwrap().minor(), 1);
        assert_eq!(parse("10.000", "KWD").unwrap().minor(), 10_000);
    }

    #[test]
    fn rejects_malformed() {
        for s in [
            "", " 1", "1 ", "1,00", "1e3", "+1", "-1", "01", "00.5", ".5", "5.", "1.2.3", "0x10",
            "NaN", "inf", "١", "1_000", "12.505", "1.000",
        ] {
            assert!(
                matches!(parse(s, "USD"), Err(AmountError::Format { .. })),
                "{s:?}"
            );
        }
        assert!(matches!(
            parse("12.5", "JPY"),
            Err(AmountError::Format { exponent: 0 })
        ));
        assert!(matches!(
            parse("1.0", "JPY"),
            Err(AmountError::Format { .. })
        ));
        assert!(matches!(
            parse("1.2345", "KWD"),
            Err(AmountError::Format { exponent: 3 })
        ));
    }

    #[test]
    fn rejects_zero_and_huge() {
        assert_eq!(parse("0", "USD"), Err(AmountError::Zero));
        assert_eq!(parse("0.00", "USD"), Err(AmountError::Zero));
        assert_eq!(parse("0", "JPY"), Err(AmountError::Zero));
        assert!(matches!(
            parse("1000000", "USD"),
            Err(AmountError::TooLarge { .. })
        ));
        assert!(parse("999999.99", "USD").is_ok());
        assert!(matches!(
            parse("100000000", "JPY"),
            Err(AmountError::TooLarge { .. })
        ));
        let huge = "9".repeat(40);
        assert!(matches!(
            parse(&huge, "USD"),
            Err(AmountError::Format { .. })
        ));
        assert!(matches!(
            parse("18446744073709551615", "USD"),
            Err(AmountError::Format { .. })
        ));
    }

    #[test]
    fn limits_are_configurable_and_capped() {
        let limits = AmountLimits::parse("JPY=5000, USD=10.00").unwrap();
        assert!(Amount::parse("5000", cur("JPY"), &limits).is_ok());
        assert_eq!(
            Amount::parse("5001", cur("JPY"), &limits),
            Err(AmountError::TooLarge { max: "5000".into() })
        );
        assert!(Amount::parse("10.01", cur("USD"), &limits).is_err());
        assert!(AmountLimits::parse("JPY=9007199254740992").is_err());
        assert!(AmountLimits::parse("JPY=9007199254740991").is_ok());
        assert!(AmountLimits::parse("ZZZ=1").is_err());
        assert!(AmountLimits::parse("USD").is_err());
        for c in Currency::all() {
            assert!(AmountLimits::default_max_minor(c) <= MAX_SAFE_MINOR, "{c}");
        }
    }

    proptest! {
        #[test]
        fn round_trips_every_valid_amount(minor in 1u64..=99_999_999, pick in 0usize..4) {
            let c = cur(["USD", "JPY", "BHD", "KWD"][pick]);
            let a = Amount::from_minor(minor, c);
            let text = a.to_decimal_string();
            let limits = AmountLimits::parse(&format!("{}={}", c.code(), text)).unwrap();
            prop_assert_eq!(Amount::parse(&text, c, &limits).unwrap().minor(), minor);
        }

        #[test]
        fn never_panics(s in "\\PC{0,24}") {
            let _ = parse(&s, "USD");
            let _ = parse(&s, "JPY");
        }
    }
}
