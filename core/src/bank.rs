//! Payout bank accounts: an IBAN (ISO 13616: its country's length, check digits 02 to 98,
//! mod 97, and the country's BBAN format) or a US routing and account number (ABA checksum). The account number is a [`Secret`]: once
//! parsed, only `last4`, the country and the kind can be read without an explicit `expose`,
//! and no error message ever repeats what was typed.

use crate::fields::{FieldError, Fields};
use crate::secret::Secret;
use serde_json::Value;

/// IBAN lengths per country, from the SWIFT IBAN registry.
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BI", 27),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DJ", 27),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FK", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("LY", 25),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MN", 20),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NI", 28),
    ("NL", 18),
    ("NO", 15),
    ("OM", 23),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("RU", 33),
    ("SA", 24),
    ("SC", 31),
    ("SD", 18),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("SO", 23),
    ("ST", 25),
    ("SV", 28),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
    ("YE", 30),
];

/// The registered IBAN length for a country, if the country uses IBANs.
pub fn iban_length(country: &str) -> Option<usize> {
    IBAN_LENGTHS
        .iter()
        .find(|(c, _)| *c == country)
        .map(|&(_, n)| n)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IbanError {
    /// Characters other than A-Z, 0-9 and spaces.
    Characters,
    /// No country code the registry knows.
    Country,
    /// Not the country's registered length.
    Length { expected: usize },
    /// The check digits are outside 02..=98, or the mod-97 check failed: a typo.
    Checksum,
    /// The account part (BBAN) does not follow the country's format, such as letters where
    /// the country's registry entry has only digits.
    BbanFormat,
}

impl IbanError {
    fn message(self) -> String {
        match self {
            IbanError::Characters => {
                "An IBAN holds only letters, digits and spaces, such as \"DE89 3704 0044 0532 0130 00\".".into()
            }
            IbanError::Country => "The IBAN does not start with a country that uses IBANs.".into(),
            IbanError::Length { expected } => {
                format!("An IBAN from this country has {expected} characters.")
            }
            IbanError::Checksum => {
                "The IBAN's check digits do not match: please check it for typos.".into()
            }
            IbanError::BbanFormat => {
                "The IBAN's account part does not follow its country's format: please check it for typos.".into()
            }
        }
    }
}

/// The remainder mod 97 of an IBAN (upper case, no spaces), read from its fifth character
/// with the first four moved to the end and letters as 10..35. A valid IBAN gives 1.
pub fn iban_mod97(iban: &str) -> Option<u32> {
    let b = iban.as_bytes();
    if b.len() < 5 {
        return None;
    }
    let mut rem = 0u32;
    for &c in b[4..].iter().chain(&b[..4]) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return None,
        };
        rem = if v < 10 {
            (rem * 10 + v) % 97
        } else {
            (rem * 100 + v) % 97
        };
    }
    Some(rem)
}

/// Whether the BBAN (from the fifth character on) follows the country's registry format,
/// for an IBAN already known to have the right length, check digits and mod 97.
fn bban_format_ok(text: &str) -> bool {
    // The crate's errors carry the IBAN and its Debug prints it in full: each one is
    // turned into a bool right here, so nothing typed can reach a message or a log.
    match text.parse::<iban::Iban>() {
        Ok(_) => true,
        Err(iban::ParseIbanError::InvalidBban(_)) => false,
        // The crate's registry copy lacks Pakistan (PK, `4!a16!c`: a 4-letter bank code,
        // then 16 letters or digits); our own table has it, so its rule lives here.
        Err(iban::ParseIbanError::UnknownCountry(_)) => {
            text.starts_with("PK") && text[4..8].bytes().all(|b| b.is_ascii_uppercase())
        }
        // Length, characters, check digits and mod 97 were checked before; if the crate
        // still disagrees, refusing is the safe answer.
        Err(iban::ParseIbanError::InvalidBaseIban { .. }) => false,
    }
}

/// An IBAN, normalized: upper case, no spaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Iban {
    country: String,
    text: Secret<String>,
}

impl Iban {
    pub fn parse(input: &str) -> Result<Iban, IbanError> {
        if !input.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ') {
            return Err(IbanError::Characters);
        }
        let text: String = input
            .chars()
            .filter(|c| *c != ' ')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let country = text.get(..2).unwrap_or("");
        if !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(IbanError::Country);
        }
        let expected = iban_length(country).ok_or(IbanError::Country)?;
        if text.len() != expected {
            return Err(IbanError::Length { expected });
        }
        // ISO 13616 computes check digits as 98 minus a remainder mod 97, so 00, 01 and 99
        // never come out of it, although 01 and 99 can still pass mod 97.
        let check_digits_ok = text[2..4]
            .parse::<u8>()
            .is_ok_and(|d| (2..=98).contains(&d));
        if !text[2..4].bytes().all(|b| b.is_ascii_digit())
            || !check_digits_ok
            || iban_mod97(&text) != Some(1)
        {
            return Err(IbanError::Checksum);
        }
        if !bban_format_ok(&text) {
            return Err(IbanError::BbanFormat);
        }
        Ok(Iban {
            country: country.to_owned(),
            text: Secret::new(text),
        })
    }

    pub fn country(&self) -> &str {
        &self.country
    }

    pub fn expose(&self) -> &str {
        self.text.expose()
    }
}

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
    use proptest::prelude::*;
    use serde_json::json;

    const GOOD_IBANS: &[&str] = &[
        "DE89370400440532013000",
        "GB82WEST12345698765432",
        "FR1420041010050500013M02606",
        "NL91ABNA0417164300",
        "BE68539007547034",
        "CH9300762011623852957",
        "NO9386011117947",
        "ES9121000418450200051332",
        "IT60X0542811101000000123456",
    ];

    fn parse(v: Value) -> Result<BankAccount, FieldError> {
        BankAccount::parse(&v, "payout_bank_account")
    }

    /// The two check digits that make `country` + `bban` a valid IBAN.
    fn with_check_digits(country: &str, bban: &str) -> String {
        let rem = iban_mod97(&format!("{country}00{bban}")).unwrap();
        format!("{country}{:02}{bban}", 98 - rem)
    }

    #[test]
    fn known_ibans_pass_in_any_spacing_and_case() {
        for iban in GOOD_IBANS {
            let parsed = Iban::parse(iban).unwrap_or_else(|e| panic!("{iban}: {e:?}"));
            assert_eq!(parsed.country(), &iban[..2]);
            let spaced: String = iban
                .chars()
                .enumerate()
                .flat_map(|(i, c)| {
                    let sep = (i > 0 && i % 4 == 0).then_some(' ');
                    sep.into_iter().chain([c.to_ascii_lowercase()])
                })
                .collect();
            assert_eq!(Iban::parse(&spaced).unwrap().expose(), *iban);
        }
    }

    #[test]
    fn iban_errors() {
        assert_eq!(
            Iban::parse("DE89370400440532013001"),
            Err(IbanError::Checksum)
        );
        assert_eq!(
            Iban::parse("DE8937040044053201300"),
            Err(IbanError::Length { expected: 22 })
        );
        assert_eq!(
            Iban::parse("ZZ89370400440532013000"),
            Err(IbanError::Country)
        );
        assert_eq!(
            Iban::parse("US89370400440532013000"),
            Err(IbanError::Country)
        );
        assert_eq!(Iban::parse("DE89-3704"), Err(IbanError::Characters));
        assert_eq!(Iban::parse(""), Err(IbanError::Country));
        assert_eq!(
            Iban::parse("DEXX370400440532013000"),
            Err(IbanError::Checksum)
        );
    }

    #[test]
    fn check_digits_run_from_02_to_98() {
        // Both pass mod 97, which alone accepted them before.
        for iban in ["DE99370400440000000024", "GB01BARC20032012345613"] {
            assert_eq!(iban_mod97(iban), Some(1), "{iban}");
            assert_eq!(Iban::parse(iban), Err(IbanError::Checksum), "{iban}");
        }
        // Check digits d and d ± 97 give the same remainder, so 00, 01 and 99 each pass
        // mod 97 exactly where 97, 98 and 02 do. Find such BBANs and swap the digits.
        for (computed, outside) in [("97", "00"), ("98", "01"), ("02", "99")] {
            let iban = (0u64..)
                .map(|n| with_check_digits("DE", &format!("{n:018}")))
                .find(|iban| &iban[2..4] == computed)
                .unwrap();
            let swapped = format!("DE{outside}{}", &iban[4..]);
            assert_eq!(iban_mod97(&swapped), Some(1), "{swapped}");
            assert_eq!(Iban::parse(&swapped), Err(IbanError::Checksum), "{swapped}");
            assert!(Iban::parse(&iban).is_ok(), "{iban}");
        }
        for bban in [
            "370400440532013000",
            "500105175407324931",
            "370400440000000024",
        ] {
            let iban = with_check_digits("DE", bban);
            let digits: u8 = iban[2..4].parse().unwrap();
            assert!((2..=98).contains(&digits), "{iban}");
            assert!(Iban::parse(&iban).is_ok(), "{iban}");
        }
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
        fn computed_check_digits_leave_only_the_bban_format_to_judge(
            index in 0..IBAN_LENGTHS.len(),
            digits in proptest::collection::vec(0u8..36, 40),
        ) {
            let (country, len) = IBAN_LENGTHS[index];
            let bban: String = digits[..len - 4]
                .iter()
                .map(|&d| if d < 10 { char::from(b'0' + d) } else { char::from(b'A' + d - 10) })
                .collect();
            let iban = with_check_digits(country, &bban);
            match Iban::parse(&iban) {
                Ok(parsed) => prop_assert_eq!(parsed.expose(), iban.as_str()),
                Err(e) => prop_assert_eq!(e, IbanError::BbanFormat),
            }
        }

        #[test]
        fn digits_swapped_for_digits_with_new_check_digits_stay_valid(
            index in 0..GOOD_IBANS.len(),
            replacements in proptest::collection::vec(0u8..10, 30),
        ) {
            // A registry format never puts a letter-only slot where a good IBAN has a digit.
            let good = GOOD_IBANS[index];
            let bban: String = good[4..]
                .bytes()
                .zip(&replacements)
                .map(|(c, &r)| char::from(if c.is_ascii_digit() { b'0' + r } else { c }))
                .collect();
            let iban = with_check_digits(&good[..2], &bban);
            prop_assert_eq!(Iban::parse(&iban).map(|i| i.expose().to_owned()), Ok(iban));
        }

        #[test]
        fn one_changed_digit_is_caught(
            index in 0..GOOD_IBANS.len(),
            at in 2usize..40,
            delta in 1u8..10,
        ) {
            let iban = GOOD_IBANS[index];
            let mut bytes = iban.as_bytes().to_vec();
            let at = at % bytes.len();
            prop_assume!(at >= 2 && bytes[at].is_ascii_digit());
            bytes[at] = b'0' + (bytes[at] - b'0' + delta) % 10;
            let typo = String::from_utf8(bytes).unwrap();
            prop_assert_eq!(Iban::parse(&typo).map(|_| ()), Err(IbanError::Checksum));
        }

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
