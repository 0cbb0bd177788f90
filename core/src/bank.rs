//! Payout bank accounts: an IBAN (checked in [`crate::iban`]) or a US routing and account
//! number (ABA checksum). The account number is a [`Secret`]: once parsed, only `last4`, the
//! country and the kind can be read without an explicit `expose`, and no error message ever
//! repeats what was typed.

use crate::fields::{FieldError, Fields};
pub use crate::iban::{iban_length, iban_mod97, Iban, IbanError};
use crate::secret::Secret;
use serde_json::Value;

/// The ABA routing number check: weights 3, 7, 1 over the nine digits sum to a multiple of 10.
pub fn aba_checksum_ok(routing: &str) -> bool {
    let b = routing.as_bytes();
    if b.len() != 9 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b
        .iter()
        .zip([3u32, 7, 1].iter().cycle())
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    sum % 10 == 0
}

/// A payout account: where a seller's money goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BankAccount {
    Iban(Iban),
    /// A US account: the routing number names the bank (public), the account number is secret.
    Us {
        routing_number: String,
        account_number: Secret<String>,
    },
}

impl BankAccount {
    /// Parses `{iban}` or `{country: "US", routing_number, account_number}` found at `prefix`
    /// (e.g. `payout_bank_account`); errors name the field, `payout_bank_account.iban`.
    pub fn parse(value: &Value, prefix: &str) -> Result<BankAccount, FieldError> {
        let has = |k: &str| value.get(k).is_some_and(|v| !v.is_null());
        if has("iban") {
            let f = Fields::new(value, prefix, &["iban"])?;
            return Iban::parse(f.str("iban")?)
                .map(BankAccount::Iban)
                .map_err(|e| FieldError::invalid(f.path("iban"), e.message()));
        }
        let f = Fields::new(
            value,
            prefix,
            &["iban", "country", "routing_number", "account_number"],
        )?;
        if !has("country") {
            return Err(FieldError::new(
                "parameter_missing",
                f.path("iban"),
                format!(
                    "`{prefix}` takes an `iban`, or `country: \"US\"` with `routing_number` and `account_number`."
                ),
            ));
        }
        if f.str("country")? != "US" {
            return Err(FieldError::invalid(
                f.path("country"),
                "Only US accounts are taken as a routing and account number; give an `iban` for other countries.",
            ));
        }
        let routing_number = f.str("routing_number")?;
        if routing_number.len() != 9 || !routing_number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::invalid(
                f.path("routing_number"),
                "A routing number is 9 digits.",
            ));
        }
        if !aba_checksum_ok(routing_number) {
            return Err(FieldError::invalid(
                f.path("routing_number"),
                "The routing number's check digit does not match: please check it for typos.",
            ));
        }
        let account_number = f.str("account_number")?;
        if !(4..=17).contains(&account_number.len())
            || !account_number.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(FieldError::invalid(
                f.path("account_number"),
                "A US account number is 4 to 17 digits.",
            ));
        }
        Ok(BankAccount::Us {
            routing_number: routing_number.to_owned(),
            account_number: Secret::new(account_number.to_owned()),
        })
    }

    /// The wire name of the kind: `iban` or `us_account`.
    pub fn kind(&self) -> &'static str {
        match self {
            BankAccount::Iban(_) => "iban",
            BankAccount::Us { .. } => "us_account",
        }
    }

    pub fn country(&self) -> &str {
        match self {
            BankAccount::Iban(iban) => iban.country(),
            BankAccount::Us { .. } => "US",
        }
    }

    /// The last four characters of the account: all that is ever shown again.
    pub fn last4(&self) -> String {
        let text = match self {
            BankAccount::Iban(iban) => iban.expose(),
            BankAccount::Us { account_number, .. } => account_number.expose(),
        };
        text[text.len().saturating_sub(4)..].to_owned()
    }

    /// The full account as JSON, for the vault to seal. Never for a response or a log.
    pub fn vault_plaintext(&self) -> Secret<String> {
        let value = match self {
            BankAccount::Iban(iban) => serde_json::json!({"iban": iban.expose()}),
            BankAccount::Us {
                routing_number,
                account_number,
            } => serde_json::json!({
                "country": "US",
                "routing_number": routing_number,
                "account_number": account_number.expose(),
            }),
        };
        Secret::new(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iban::with_check_digits;
    use proptest::prelude::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<BankAccount, FieldError> {
        BankAccount::parse(&v, "payout_bank_account")
    }

    #[test]
    fn bban_follows_the_country_format() {
        let cases = [
            // GB: 4 letters of bank code, then 6 + 8 digits.
            ("GB", "123460161331926819"),
            ("GB", "NWBK6016133192681X"),
            // DE: 18 digits.
            ("DE", "37040044053201300A"),
            // NL: 4 letters, then 10 digits.
            ("NL", "AB1A0417164300"),
            // PK (kept by hand, the crate lacks it): 4 letters, then 16 letters or digits.
            ("PK", "SCB10000001123456702"),
        ];
        for (country, bban) in cases {
            let iban = with_check_digits(country, bban);
            assert_eq!(Iban::parse(&iban), Err(IbanError::BbanFormat), "{iban}");
            let err = parse(json!({ "iban": iban })).unwrap_err();
            assert_eq!(
                (err.code, err.param.as_str()),
                ("parameter_invalid", "payout_bank_account.iban")
            );
            assert!(!err.message.contains(&bban[4..]), "{err:?}");
        }
        assert!(Iban::parse(&with_check_digits("PK", "SCBL00000011234567AB")).is_ok());
    }

    #[test]
    fn aba_checksum() {
        for good in ["011000015", "021000021", "111000025", "121000358"] {
            assert!(aba_checksum_ok(good), "{good}");
        }
        for bad in ["011000016", "02100002", "0210000210", "02100002a", ""] {
            assert!(!aba_checksum_ok(bad), "{bad}");
        }
    }

    #[test]
    fn parse_names_the_field() {
        let ok = parse(json!({"iban": "DE89 3704 0044 0532 0130 00"})).unwrap();
        assert_eq!(
            (ok.kind(), ok.country(), ok.last4().as_str()),
            ("iban", "DE", "3000")
        );
        let us = parse(json!({"country": "US", "routing_number": "021000021",
                              "account_number": "000123456789"}))
        .unwrap();
        assert_eq!(
            (us.kind(), us.country(), us.last4().as_str()),
            ("us_account", "US", "6789")
        );

        let cases: &[(Value, &str, &str)] = &[
            (
                json!({"iban": "DE89370400440532013001"}),
                "parameter_invalid",
                "payout_bank_account.iban",
            ),
            (
                json!({"iban": 12}),
                "parameter_invalid_type",
                "payout_bank_account.iban",
            ),
            (
                json!({"iban": "DE89370400440532013000", "country": "DE"}),
                "parameter_unknown",
                "payout_bank_account.country",
            ),
            (
                json!({"country": "US", "routing_number": "021000022", "account_number": "1234"}),
                "parameter_invalid",
                "payout_bank_account.routing_number",
            ),
            (
                json!({"country": "US", "routing_number": "02100002", "account_number": "1234"}),
                "parameter_invalid",
                "payout_bank_account.routing_number",
            ),
            (
                json!({"country": "US", "routing_number": "021000021", "account_number": "123"}),
                "parameter_invalid",
                "payout_bank_account.account_number",
            ),
            (
                json!({"country": "US", "routing_number": "021000021", "account_number": "12-34"}),
                "parameter_invalid",
                "payout_bank_account.account_number",
            ),
            (
                json!({"country": "US", "routing_number": "021000021"}),
                "parameter_missing",
                "payout_bank_account.account_number",
            ),
            (
                json!({"country": "DE", "routing_number": "021000021", "account_number": "1234"}),
                "parameter_invalid",
                "payout_bank_account.country",
            ),
            (json!({}), "parameter_missing", "payout_bank_account.iban"),
            (
                json!({"bic": "x"}),
                "parameter_unknown",
                "payout_bank_account.bic",
            ),
            (
                json!("DE89370400440532013000"),
                "parameter_invalid_type",
                "payout_bank_account",
            ),
        ];
        for (body, code, param) in cases {
            let err = parse(body.clone()).unwrap_err();
            assert_eq!((err.code, err.param.as_str()), (*code, *param), "{body}");
        }
    }

    #[test]
    fn nothing_typed_is_echoed() {
        let iban = "DE89370400440532013001";
        let err = parse(json!({ "iban": iban })).unwrap_err();
        assert!(!err.message.contains("0532013001"), "{err:?}");
        let ok = parse(json!({"country": "US", "routing_number": "021000021",
                              "account_number": "000123456789"}))
        .unwrap();
        let debug = format!("{ok:?}");
        assert!(!debug.contains("000123456789"), "{debug}");
        let ok = parse(json!({"iban": "DE89370400440532013000"})).unwrap();
        assert!(!format!("{ok:?}").contains("0532013000"));
        assert_eq!(format!("{}", ok.vault_plaintext()), "****");
    }

    proptest! {
        #[test]
        fn aba_check_digit_is_unique(prefix in "[0-9]{8}", wrong in 1u32..10) {
            let weights = [3u32, 7, 1, 3, 7, 1, 3, 7];
            let sum: u32 = prefix.bytes().zip(weights).map(|(d, w)| u32::from(d - b'0') * w).sum();
            let check = (10 - sum % 10) % 10;
            let good = format!("{prefix}{check}");
            let typo = format!("{prefix}{}", (check + wrong) % 10);
            prop_assert!(aba_checksum_ok(&good));
            prop_assert!(!aba_checksum_ok(&typo));
        }

        #[test]
        fn parsing_never_panics(text in "\\PC{0,40}") {
            let _ = Iban::parse(&text);
            let _ = aba_checksum_ok(&text);
            let _ = parse(json!({"iban": text.clone()}));
            let _ = parse(json!({"country": "US", "routing_number": text.clone(), "account_number": text}));
        }
    }
}
