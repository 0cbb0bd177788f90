//! IBANs (ISO 13616): the country's registered length, check digits 02 to 98, mod 97, and
//! the country's BBAN format. The text is a [`Secret`]; only the country can be read
//! without an explicit `expose`, and no error message repeats what was typed. Card masking
//! reads it too (a run of digits inside a valid IBAN is not a card number), so it stands on
//! its own, below the body parsers.

use crate::secret::Secret;

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
    pub fn message(self) -> String {
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
    match text.parse::<::iban::Iban>() {
        Ok(_) => true,
        Err(::iban::ParseIbanError::InvalidBban(_)) => false,
        // The crate's registry copy lacks Pakistan (PK, `4!a16!c`: a 4-letter bank code,
        // then 16 letters or digits); our own table has it, so its rule lives here.
        Err(::iban::ParseIbanError::UnknownCountry(_)) => {
            text.starts_with("PK") && text[4..8].bytes().all(|b| b.is_ascii_uppercase())
        }
        // Length, characters, check digits and mod 97 were checked before; if the crate
        // still disagrees, refusing is the safe answer.
        Err(::iban::ParseIbanError::InvalidBaseIban { .. }) => false,
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

/// The two check digits that make `country` + `bban` a valid IBAN (for tests that build
/// IBANs of their own).
#[cfg(test)]
pub(crate) fn with_check_digits(country: &str, bban: &str) -> String {
    let rem = iban_mod97(&format!("{country}00{bban}")).unwrap();
    format!("{country}{:02}{bban}", 98 - rem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
    }
}
