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
mod tests;
