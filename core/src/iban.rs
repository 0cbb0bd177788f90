//! IBANs (ISO 13616): the country's registered length, check digits 02 to 98, mod 97, and
//! the country's BBAN format. The text is a [`Secret`]; only the country can be read
//! without an explicit `expose`, and no error message repeats what was typed. Card masking
//! reads it too (a run of digits inside a valid IBAN is not a card number), so it stands on
//! its own, below the body parsers.

use crate::secret::Secret;

/// Each country's BBAN format, from the SWIFT IBAN registry: runs of a count and a class,
/// `n` for digits, `a` for capital letters and `c` for either. The country code and check
/// digits come first, so an IBAN is 4 characters longer than the runs' sum. The mask module
/// checks IBANs against these alone ([`is_iban`]), so it need not carry the `iban` crate;
/// a test holds them against the crate, which [`Iban::parse`] uses.
const BBAN_FORMATS: &[(&str, &str)] = &[
    ("AD", "8n12c"),
    ("AE", "19n"),
    ("AL", "8n16c"),
    ("AT", "16n"),
    ("AZ", "4a20c"),
    ("BA", "16n"),
    ("BE", "12n"),
    ("BG", "4a6n8c"),
    ("BH", "4a14c"),
    ("BI", "23n"),
    ("BR", "23n1a1c"),
    ("BY", "4c4n16c"),
    ("CH", "5n12c"),
    ("CR", "18n"),
    ("CY", "8n16c"),
    ("CZ", "20n"),
    ("DE", "18n"),
    ("DJ", "23n"),
    ("DK", "14n"),
    ("DO", "4c20n"),
    ("EE", "16n"),
    ("EG", "25n"),
    ("ES", "20n"),
    ("FI", "14n"),
    ("FK", "2a12n"),
    ("FO", "14n"),
    ("FR", "10n11c2n"),
    ("GB", "4a14n"),
    ("GE", "2a16n"),
    ("GI", "4a15c"),
    ("GL", "14n"),
    ("GR", "7n16c"),
    ("GT", "24c"),
    ("HR", "17n"),
    ("HU", "24n"),
    ("IE", "4a14n"),
    ("IL", "19n"),
    ("IQ", "4a15n"),
    ("IS", "22n"),
    ("IT", "1a10n12c"),
    ("JO", "4a4n18c"),
    ("KW", "4a22c"),
    ("KZ", "3n13c"),
    ("LB", "4n20c"),
    ("LC", "4a24c"),
    ("LI", "5n12c"),
    ("LT", "16n"),
    ("LU", "3n13c"),
    ("LV", "4a13c"),
    ("LY", "21n"),
    ("MC", "10n11c2n"),
    ("MD", "20c"),
    ("ME", "18n"),
    ("MK", "3n10c2n"),
    ("MN", "16n"),
    ("MR", "23n"),
    ("MT", "4a5n18c"),
    ("MU", "4a19n3a"),
    ("NI", "4a20n"),
    ("NL", "4a10n"),
    ("NO", "11n"),
    ("OM", "3n16c"),
    ("PK", "4a16c"),
    ("PL", "24n"),
    ("PS", "4a21c"),
    ("PT", "21n"),
    ("QA", "4a21c"),
    ("RO", "4a16c"),
    ("RS", "18n"),
    ("RU", "14n15c"),
    ("SA", "2n18c"),
    ("SC", "4a20n3a"),
    ("SD", "14n"),
    ("SE", "20n"),
    ("SI", "15n"),
    ("SK", "20n"),
    ("SM", "1a10n12c"),
    ("SO", "19n"),
    ("ST", "21n"),
    ("SV", "4a20n"),
    ("TL", "19n"),
    ("TN", "20n"),
    ("TR", "6n16c"),
    ("UA", "6n19c"),
    ("VA", "18n"),
    ("VG", "4a16n"),
    ("XK", "16n"),
    ("YE", "4a4n18c"),
];

/// The runs of a BBAN format, as counts and classes.
fn bban_runs(format: &str) -> impl Iterator<Item = (usize, u8)> + '_ {
    let mut count = 0;
    format.bytes().filter_map(move |b| {
        if b.is_ascii_digit() {
            count = count * 10 + usize::from(b - b'0');
            return None;
        }
        Some((std::mem::take(&mut count), b))
    })
}

fn bban_format(country: &str) -> Option<&'static str> {
    BBAN_FORMATS
        .iter()
        .find(|(c, _)| *c == country)
        .map(|&(_, format)| format)
}

/// The registered IBAN length for a country, if the country uses IBANs.
pub fn iban_length(country: &str) -> Option<usize> {
    Some(
        4 + bban_runs(bban_format(country)?)
            .map(|(n, _)| n)
            .sum::<usize>(),
    )
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

/// Whether the BBAN (from the fifth character on) follows the country's [`BBAN_FORMATS`]
/// entry, for an IBAN already known to have the right length.
fn bban_fits(text: &str) -> bool {
    let Some(format) = bban_format(text.get(..2).unwrap_or("")) else {
        return false;
    };
    let mut bban = text.bytes().skip(4);
    bban_runs(format).all(|(count, class)| {
        bban.by_ref().take(count).all(|b| match class {
            b'n' => b.is_ascii_digit(),
            b'a' => b.is_ascii_uppercase(),
            _ => b.is_ascii_uppercase() || b.is_ascii_digit(),
        })
    })
}

/// Whether [`Iban::parse`] accepts `input`, answered from `BBAN_FORMATS` rather than the
/// `iban` crate, and without building an [`Iban`]: the mask module calls this, so that it
/// stays small.
pub fn is_iban(input: &str) -> bool {
    Iban::checked(input).is_ok_and(|text| bban_fits(&text))
}

impl Iban {
    pub fn parse(input: &str) -> Result<Iban, IbanError> {
        let text = Iban::checked(input)?;
        if !bban_format_ok(&text) {
            return Err(IbanError::BbanFormat);
        }
        Ok(Iban {
            country: text[..2].to_owned(),
            text: Secret::new(text),
        })
    }

    /// `input` normalized, once everything but the BBAN format is checked.
    fn checked(input: &str) -> Result<String, IbanError> {
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
        // Read as bytes, not by slicing the str: a slice's panic path would bring Unicode
        // tables into the mask module (which calls this through `is_iban`).
        let check_digits_ok = match text.as_bytes().get(2..4) {
            Some(&[a, b]) if a.is_ascii_digit() && b.is_ascii_digit() => {
                (2..=98).contains(&((a - b'0') * 10 + (b - b'0')))
            }
            _ => false,
        };
        if !check_digits_ok || iban_mod97(&text) != Some(1) {
            return Err(IbanError::Checksum);
        }
        Ok(text)
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
            assert!(is_iban(iban) && is_iban(&spaced), "{spaced}");
        }
    }

    /// Every slot of every country's BBAN, tried with a digit and with a letter: [`is_iban`]
    /// must answer as [`Iban::parse`] (so the `iban` crate) does. The crate judges each slot
    /// on its own, so this pins [`BBAN_FORMATS`] to the crate's registry copy.
    #[test]
    fn bban_formats_agree_with_the_crate_slot_by_slot() {
        let iban = |country: &str, bban: &[u8]| {
            with_check_digits(country, std::str::from_utf8(bban).unwrap())
        };
        for &(country, format) in BBAN_FORMATS {
            // Letters where only letters go, digits elsewhere: every slot takes it.
            let fitting: Vec<u8> = bban_runs(format)
                .flat_map(|(n, class)| {
                    std::iter::repeat_n(if class == b'a' { b'B' } else { b'7' }, n)
                })
                .collect();
            let good = iban(country, &fitting);
            assert!(Iban::parse(&good).is_ok() && is_iban(&good), "{good}");
            for at in 0..fitting.len() {
                for other in [b'7', b'B'] {
                    let mut bban = fitting.clone();
                    bban[at] = other;
                    let tried = iban(country, &bban);
                    assert_eq!(is_iban(&tried), Iban::parse(&tried).is_ok(), "{tried}");
                }
            }
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
        for bad in [
            "DE89370400440532013001",
            "DE8937040044053201300",
            "ZZ89370400440532013000",
            "DE89-3704",
            "",
            "DEXX370400440532013000",
        ] {
            assert!(!is_iban(bad), "{bad}");
        }
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
            index in 0..BBAN_FORMATS.len(),
            digits in proptest::collection::vec(0u8..36, 40),
        ) {
            let country = BBAN_FORMATS[index].0;
            let len = iban_length(country).unwrap();
            let bban: String = digits[..len - 4]
                .iter()
                .map(|&d| if d < 10 { char::from(b'0' + d) } else { char::from(b'A' + d - 10) })
                .collect();
            let iban = with_check_digits(country, &bban);
            prop_assert_eq!(is_iban(&iban), Iban::parse(&iban).is_ok());
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
