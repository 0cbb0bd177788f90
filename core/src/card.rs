//! Card checks shared by the widget (as the buyer types) and the edge (authoritatively):
//! number format, Luhn, brand, expiry and CVC.

use crate::secret::Secret;
use crate::time::YearMonth;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Brand {
    Visa,
    Mastercard,
    Amex,
    Discover,
    Diners,
    Jcb,
    UnionPay,
    Maestro,
}

/// One row of the IIN table: a prefix range over the first `len` digits.
struct Range {
    len: usize,
    lo: u32,
    hi: u32,
    brand: Brand,
}

const fn r(len: usize, lo: u32, hi: u32, brand: Brand) -> Range {
    Range { len, lo, hi, brand }
}

/// Ordered most specific first, so Discover's 622126–622925 wins over UnionPay's 62. That is
/// the only overlap; Maestro's prefixes sit in gaps no other brand claims (50, 58, 63, 67),
/// which `table_overlaps_only_where_documented` checks.
const RANGES: &[Range] = &[
    r(6, 622_126, 622_925, Brand::Discover),
    r(4, 6011, 6011, Brand::Discover),
    r(3, 644, 649, Brand::Discover),
    r(2, 65, 65, Brand::Discover),
    r(4, 2221, 2720, Brand::Mastercard),
    r(2, 51, 55, Brand::Mastercard),
    r(4, 5018, 5018, Brand::Maestro),
    r(4, 5020, 5020, Brand::Maestro),
    r(4, 5038, 5038, Brand::Maestro),
    r(4, 5893, 5893, Brand::Maestro),
    r(4, 6304, 6304, Brand::Maestro),
    r(4, 6759, 6759, Brand::Maestro),
    r(4, 6761, 6763, Brand::Maestro),
    r(4, 3528, 3589, Brand::Jcb),
    r(3, 300, 305, Brand::Diners),
    r(2, 36, 36, Brand::Diners),
    r(2, 38, 39, Brand::Diners),
    r(2, 34, 34, Brand::Amex),
    r(2, 37, 37, Brand::Amex),
    r(2, 62, 62, Brand::UnionPay),
    r(2, 81, 81, Brand::UnionPay),
    r(1, 4, 4, Brand::Visa),
];

impl Brand {
    pub const ALL: [Brand; 8] = [
        Brand::Visa,
        Brand::Mastercard,
        Brand::Amex,
        Brand::Discover,
        Brand::Diners,
        Brand::Jcb,
        Brand::UnionPay,
        Brand::Maestro,
    ];

    /// The wire name, as in `payment.method.brand`.
    pub fn as_str(self) -> &'static str {
        match self {
            Brand::Visa => "visa",
            Brand::Mastercard => "mastercard",
            Brand::Amex => "amex",
            Brand::Discover => "discover",
            Brand::Diners => "diners",
            Brand::Jcb => "jcb",
            Brand::UnionPay => "unionpay",
            Brand::Maestro => "maestro",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Brand::Visa => "Visa",
            Brand::Mastercard => "Mastercard",
            Brand::Amex => "American Express",
            Brand::Discover => "Discover",
            Brand::Diners => "Diners Club",
            Brand::Jcb => "JCB",
            Brand::UnionPay => "UnionPay",
            Brand::Maestro => "Maestro",
        }
    }

    pub fn from_wire(name: &str) -> Option<Brand> {
        Brand::ALL.into_iter().find(|b| b.as_str() == name)
    }

    /// Valid PAN lengths.
    pub fn lengths(self) -> &'static [usize] {
        match self {
            Brand::Visa => &[13, 16, 19],
            Brand::Mastercard => &[16],
            Brand::Amex => &[15],
            Brand::Discover | Brand::Jcb | Brand::UnionPay => &[16, 17, 18, 19],
            Brand::Diners => &[14, 15, 16, 17, 18, 19],
            Brand::Maestro => &[12, 13, 14, 15, 16, 17, 18, 19],
        }
    }

    pub fn max_length(self) -> usize {
        *self.lengths().last().unwrap_or(&19)
    }

    pub fn cvc_length(self) -> usize {
        match self {
            Brand::Amex => 4,
            _ => 3,
        }
    }

    /// Digit groups for display while typing: 4-6-5 for Amex, 4-6-4 for 14-digit Diners, else 4s.
    pub fn groups(self) -> &'static [usize] {
        match self {
            Brand::Amex => &[4, 6, 5],
            Brand::Diners => &[4, 6, 4],
            _ => &[4, 4, 4, 4, 3],
        }
    }
}

impl fmt::Display for Brand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// The brand of a (possibly partial) digit string, once enough digits are typed to tell.
pub fn detect_brand(digits: &str) -> Option<Brand> {
    RANGES.iter().find_map(|range| {
        let prefix = digits.get(..range.len)?;
        let value: u32 = prefix.parse().ok()?;
        (range.lo..=range.hi)
            .contains(&value)
            .then_some(range.brand)
    })
}

/// The Luhn (mod 10) check over ASCII digits.
pub fn luhn_valid(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// What the buyer typed, reduced to digits and regrouped for display, capped at the brand's
/// longest length: `"4242424242424242"` becomes `"4242 4242 4242 4242"`, Amex `"3782 822463 10005"`.
pub fn format_number_input(input: &str) -> String {
    let digits: String = input
        .chars()
        .filter(char::is_ascii_digit)
        .take(19)
        .collect();
    let brand = detect_brand(&digits);
    let max = brand.map_or(19, Brand::max_length);
    let digits = &digits[..digits.len().min(max)];
    let groups = brand.map_or(&[4, 4, 4, 4, 3][..], Brand::groups);
    let mut out = String::with_capacity(digits.len() + 4);
    let mut rest = digits;
    for &g in groups.iter().chain(std::iter::repeat(&4)) {
        if rest.is_empty() {
            break;
        }
        let (head, tail) = rest.split_at(g.min(rest.len()));
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(head);
        rest = tail;
    }
    out
}

/// Why a card field was refused. `field()` names the field within the card method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardError {
    NumberMissing,
    NumberFormat,
    NumberLuhn,
    NumberLength,
    BrandUnsupported,
    ExpiryMonth,
    ExpiryYear,
    ExpiryFormat,
    ExpiryPast,
    CvcFormat,
    CvcLength { expected: usize },
}

impl CardError {
    pub fn field(self) -> &'static str {
        match self {
            CardError::NumberMissing
            | CardError::NumberFormat
            | CardError::NumberLuhn
            | CardError::NumberLength
            | CardError::BrandUnsupported => "number",
            CardError::ExpiryMonth | CardError::ExpiryFormat => "exp_month",
            CardError::ExpiryYear | CardError::ExpiryPast => "exp_year",
            CardError::CvcFormat | CardError::CvcLength { .. } => "cvc",
        }
    }

    /// The API error code, after Stripe's names.
    pub fn code(self) -> &'static str {
        match self {
            CardError::NumberMissing
            | CardError::NumberFormat
            | CardError::NumberLuhn
            | CardError::NumberLength
            | CardError::BrandUnsupported => "invalid_number",
            CardError::ExpiryMonth | CardError::ExpiryFormat => "invalid_expiry_month",
            CardError::ExpiryYear | CardError::ExpiryPast => "invalid_expiry_year",
            CardError::CvcFormat | CardError::CvcLength { .. } => "invalid_cvc",
        }
    }
}

impl fmt::Display for CardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CardError::NumberMissing => f.write_str("Enter a card number."),
            CardError::NumberFormat => {
                f.write_str("A card number may contain only digits and spaces.")
            }
            CardError::NumberLuhn => {
                f.write_str("This card number is not valid. Check it for typos.")
            }
            CardError::NumberLength => f.write_str("This card number is incomplete."),
            CardError::BrandUnsupported => f.write_str("This card brand is not supported."),
            CardError::ExpiryMonth => f.write_str("The expiry month must be between 1 and 12."),
            CardError::ExpiryYear => f.write_str("The expiry year must have four digits."),
            CardError::ExpiryFormat => f.write_str("Enter the expiry date as MM/YY."),
            CardError::ExpiryPast => f.write_str("This card's expiry date is in the past."),
            CardError::CvcFormat => f.write_str("The security code must be digits."),
            CardError::CvcLength { expected } => {
                write!(
                    f,
                    "The security code must be {expected} digits for this card."
                )
            }
        }
    }
}

/// A primary account number that passed format, length, brand and Luhn checks.
#[derive(Clone, Debug)]
pub struct CardNumber {
    digits: Secret<String>,
    brand: Brand,
}

impl CardNumber {
    /// Accepts digits with optional spaces, as people copy them from a card.
    pub fn parse(input: &str) -> Result<CardNumber, CardError> {
        if input.trim().is_empty() {
            return Err(CardError::NumberMissing);
        }
        if !input.bytes().all(|b| b.is_ascii_digit() || b == b' ') {
            return Err(CardError::NumberFormat);
        }
        let digits: String = input.chars().filter(char::is_ascii_digit).collect();
        let brand = detect_brand(&digits).ok_or(if digits.len() < 12 {
            CardError::NumberLength
        } else {
            CardError::BrandUnsupported
        })?;
        if !brand.lengths().contains(&digits.len()) {
            return Err(CardError::NumberLength);
        }
        if !luhn_valid(&digits) {
            return Err(CardError::NumberLuhn);
        }
        Ok(CardNumber {
            digits: Secret::new(digits),
            brand,
        })
    }

    pub fn brand(&self) -> Brand {
        self.brand
    }

    pub fn last4(&self) -> &str {
        let d = self.digits.expose();
        &d[d.len() - 4..]
    }

    /// The clear digits, for the vault and the processor only.
    pub fn expose_digits(&self) -> &str {
        self.digits.expose()
    }
}

/// A card expiry that is not in the past: valid through the last day of its month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expiry {
    pub month: u32,
    pub year: i32,
}

impl Expiry {
    /// `year` has four digits. Cards are not issued for more than 50 years ahead.
    pub fn new(month: i64, year: i64, now: YearMonth) -> Result<Expiry, CardError> {
        if !(1..=12).contains(&month) {
            return Err(CardError::ExpiryMonth);
        }
        if !(1000..=9999).contains(&year) {
            return Err(CardError::ExpiryYear);
        }
        let expiry = Expiry {
            month: month as u32,
            year: year as i32,
        };
        if (expiry.year, expiry.month) < (now.year, now.month) {
            return Err(CardError::ExpiryPast);
        }
        if expiry.year > now.year + 50 {
            return Err(CardError::ExpiryYear);
        }
        Ok(expiry)
    }

    /// The widget's `MM/YY` field (also `M/YY`, `MM / YY`, `MMYY`).
    pub fn parse_mm_yy(text: &str, now: YearMonth) -> Result<Expiry, CardError> {
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let valid_chars = text
            .chars()
            .all(|c| c.is_ascii_digit() || c == '/' || c == ' ');
        let (mm, yy) = match (valid_chars, text.split_once('/')) {
            (true, Some((m, y))) => (m.trim(), y.trim()),
            (true, None) if digits.len() == 4 => digits.split_at(2),
            _ => return Err(CardError::ExpiryFormat),
        };
        let month: i64 = mm.parse().map_err(|_| CardError::ExpiryFormat)?;
        if yy.len() != 2 || mm.is_empty() || mm.len() > 2 {
            return Err(CardError::ExpiryFormat);
        }
        let yy: i64 = yy.parse().map_err(|_| CardError::ExpiryFormat)?;
        Expiry::new(month, i64::from(now.year) / 100 * 100 + yy, now)
    }
}

/// The security code: used for one authorization, never stored.
#[derive(Clone, Debug)]
pub struct Cvc(Secret<String>);

impl Cvc {
    pub fn parse(text: &str, brand: Brand) -> Result<Cvc, CardError> {
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CardError::CvcFormat);
        }
        if text.len() != brand.cvc_length() {
            return Err(CardError::CvcLength {
                expected: brand.cvc_length(),
            });
        }
        Ok(Cvc(Secret::new(text.to_owned())))
    }

    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: YearMonth = YearMonth {
        year: 2026,
        month: 11,
    };

    #[test]
    fn luhn_known_numbers() {
        for n in [
            "4242424242424242",
            "5555555555554444",
            "378282246310005",
            "6011111111111117",
            "3056930009020004",
            "3566002020360505",
            "6200000000000005",
            "4000000000000002",
            "4000000000009995",
            "4000000000000069",
            "4000000000000127",
            "4000000000000119",
            "2223003122003222",
        ] {
            assert!(luhn_valid(n), "{n}");
            assert!(CardNumber::parse(n).is_ok(), "{n}");
        }
        assert!(!luhn_valid("4242424242424241"));
        assert!(!luhn_valid(""));
        assert!(!luhn_valid("42a2"));
    }

    #[test]
    fn brand_table() {
        let cases = [
            ("4", Some(Brand::Visa)),
            ("51", Some(Brand::Mastercard)),
            ("55", Some(Brand::Mastercard)),
            ("2221", Some(Brand::Mastercard)),
            ("2720", Some(Brand::Mastercard)),
            ("2721", None),
            ("34", Some(Brand::Amex)),
            ("37", Some(Brand::Amex)),
            ("6011", Some(Brand::Discover)),
            ("644", Some(Brand::Discover)),
            ("65", Some(Brand::Discover)),
            ("622126", Some(Brand::Discover)),
            ("622925", Some(Brand::Discover)),
            ("622127", Some(Brand::Discover)),
            ("620000", Some(Brand::UnionPay)),
            ("3528", Some(Brand::Jcb)),
            ("3589", Some(Brand::Jcb)),
            ("300", Some(Brand::Diners)),
            ("36", Some(Brand::Diners)),
            ("5018", Some(Brand::Maestro)),
            ("5020", Some(Brand::Maestro)),
            ("5038", Some(Brand::Maestro)),
            ("5893", Some(Brand::Maestro)),
            ("6304", Some(Brand::Maestro)),
            ("6759", Some(Brand::Maestro)),
            ("6761", Some(Brand::Maestro)),
            ("6763", Some(Brand::Maestro)),
            ("5019", None),
            ("6760", None),
            ("6764", None),
            ("501", None),
            ("1", None),
            ("", None),
        ];
        for (prefix, brand) in cases {
            assert_eq!(detect_brand(prefix), brand, "{prefix}");
        }
    }

    /// `body` with the one digit appended that makes it Luhn-valid.
    fn with_check_digit(body: &str) -> String {
        (0..10)
            .map(|d| format!("{body}{d}"))
            .find(|n| luhn_valid(n))
            .unwrap()
    }

    #[test]
    fn maestro_at_every_length() {
        for known in ["6759649826438453", "6304000000000000"] {
            assert_eq!(CardNumber::parse(known).unwrap().brand(), Brand::Maestro);
        }
        for prefix in [
            "5018", "5020", "5038", "5893", "6304", "6759", "6761", "6762", "6763",
        ] {
            for len in 12..=19 {
                let body = format!("{prefix}{}", "3".repeat(len - 5));
                let number = with_check_digit(&body);
                let parsed = CardNumber::parse(&number).unwrap_or_else(|e| panic!("{number}: {e}"));
                assert_eq!(parsed.brand(), Brand::Maestro, "{number}");
                assert_eq!(parsed.last4(), &number[len - 4..]);
            }
            // Eleven digits is too short even for Maestro.
            let short = with_check_digit(&format!("{prefix}333333"));
            assert_eq!(
                CardNumber::parse(&short).unwrap_err(),
                CardError::NumberLength
            );
        }
        assert_eq!(Brand::from_wire("maestro"), Some(Brand::Maestro));
        assert_eq!(Brand::Maestro.to_string(), "Maestro");
        assert_eq!(Brand::Maestro.cvc_length(), 3);
        assert_eq!(
            format_number_input("6759649826438453123"),
            "6759 6498 2643 8453 123"
        );
    }

    /// Which brands claim a six-digit prefix, by the raw table (not first match).
    fn claimants(prefix: u32) -> Vec<Brand> {
        let mut brands: Vec<Brand> = RANGES
            .iter()
            .filter(|r| (r.lo..=r.hi).contains(&(prefix / 10u32.pow(6 - r.len as u32))))
            .map(|r| r.brand)
            .collect();
        brands.dedup();
        brands
    }

    #[test]
    fn table_overlaps_only_where_documented() {
        for prefix in 100_000..=999_999 {
            let brands = claimants(prefix);
            if brands.len() > 1 {
                assert_eq!(
                    brands,
                    [Brand::Discover, Brand::UnionPay],
                    "{prefix} is claimed by {brands:?}"
                );
                assert!((622_126..=622_925).contains(&prefix), "{prefix}");
            }
        }
    }

    #[test]
    fn wire_names_round_trip() {
        for brand in Brand::ALL {
            assert_eq!(Brand::from_wire(brand.as_str()), Some(brand));
        }
        assert_eq!(Brand::from_wire("Maestro"), None);
    }

    #[test]
    fn number_errors() {
        assert_eq!(CardNumber::parse("").unwrap_err(), CardError::NumberMissing);
        assert_eq!(
            CardNumber::parse("4242-4242").unwrap_err(),
            CardError::NumberFormat
        );
        assert_eq!(
            CardNumber::parse("4242424242424241").unwrap_err(),
            CardError::NumberLuhn
        );
        assert_eq!(
            CardNumber::parse("424242424242").unwrap_err(),
            CardError::NumberLength
        );
        assert_eq!(
            CardNumber::parse("1234567812345670").unwrap_err(),
            CardError::BrandUnsupported
        );
        let n = CardNumber::parse("4242 4242 4242 4242").unwrap();
        assert_eq!(n.last4(), "4242");
        assert_eq!(n.brand(), Brand::Visa);
        assert!(!format!("{n:?}").contains("4242424242424242"));
    }

    #[test]
    fn grouping_while_typing() {
        assert_eq!(
            format_number_input("4242424242424242"),
            "4242 4242 4242 4242"
        );
        assert_eq!(format_number_input("42424"), "4242 4");
        assert_eq!(format_number_input("378282246310005"), "3782 822463 10005");
        assert_eq!(
            format_number_input("3782822463100059999"),
            "3782 822463 10005"
        );
        assert_eq!(format_number_input("4242-4242 abc 4"), "4242 4242 4");
        assert_eq!(format_number_input(""), "");
    }

    #[test]
    fn expiry_rules() {
        assert!(Expiry::new(11, 2026, NOW).is_ok());
        assert_eq!(Expiry::new(10, 2026, NOW), Err(CardError::ExpiryPast));
        assert_eq!(Expiry::new(13, 2030, NOW), Err(CardError::ExpiryMonth));
        assert_eq!(Expiry::new(0, 2030, NOW), Err(CardError::ExpiryMonth));
        assert_eq!(Expiry::new(1, 30, NOW), Err(CardError::ExpiryYear));
        assert_eq!(Expiry::new(1, 2099, NOW), Err(CardError::ExpiryYear));
        assert_eq!(
            Expiry::parse_mm_yy("12/34", NOW),
            Ok(Expiry {
                month: 12,
                year: 2034
            })
        );
        assert_eq!(
            Expiry::parse_mm_yy("1234", NOW),
            Ok(Expiry {
                month: 12,
                year: 2034
            })
        );
        assert_eq!(
            Expiry::parse_mm_yy("01 / 30", NOW),
            Ok(Expiry {
                month: 1,
                year: 2030
            })
        );
        assert_eq!(
            Expiry::parse_mm_yy("10/26", NOW),
            Err(CardError::ExpiryPast)
        );
        assert_eq!(
            Expiry::parse_mm_yy("1/2030", NOW),
            Err(CardError::ExpiryFormat)
        );
        assert_eq!(
            Expiry::parse_mm_yy("ab/cd", NOW),
            Err(CardError::ExpiryFormat)
        );
    }

    #[test]
    fn cvc_length_follows_brand() {
        assert!(Cvc::parse("123", Brand::Visa).is_ok());
        assert_eq!(
            Cvc::parse("1234", Brand::Visa).unwrap_err(),
            CardError::CvcLength { expected: 3 }
        );
        assert!(Cvc::parse("1234", Brand::Amex).is_ok());
        assert_eq!(
            Cvc::parse("123", Brand::Amex).unwrap_err(),
            CardError::CvcLength { expected: 4 }
        );
        assert_eq!(
            Cvc::parse("12a", Brand::Visa).unwrap_err(),
            CardError::CvcFormat
        );
    }

    proptest! {
        #[test]
        fn appending_the_check_digit_makes_luhn_valid(body in "[0-9]{11,18}") {
            let valid = (0..10).map(|d| format!("{body}{d}")).filter(|n| luhn_valid(n)).count();
            prop_assert_eq!(valid, 1);
        }

        #[test]
        fn formatting_keeps_digits_in_order(s in "[0-9 ]{0,30}") {
            let out = format_number_input(&s);
            let want: String = s.chars().filter(char::is_ascii_digit).collect();
            let got: String = out.chars().filter(char::is_ascii_digit).collect();
            prop_assert!(want.starts_with(&got));
        }
    }
}
