//! The one rule for card numbers in free text: where a typed description, name or note
//! holds something that looks like a card number, it is masked before it is stored, shown
//! or echoed. The edge and the widget both call this, so they always agree on what a card
//! number in text is.
//!
//! The rule:
//! - a *run* is 12 to 19 digits (ASCII or full-width `０`-`９`), with at most one space,
//!   dash or dot between two digits; runs are maximal, and one of 20 or more digits is
//!   never a card number (nor split into shorter ones);
//! - a run touching an ASCII letter, any numeric character, `+` or `/` is part of a larger
//!   token (an order id, a phone number, a date) and is left alone; CJK text beside the
//!   digits does not stop it, since people write "卡号4242424242424242" without spaces;
//! - a run lying within an IBAN-shaped token that passes [`crate::bank::Iban::parse`] is
//!   left alone;
//! - what remains is a card number when it passes Luhn and starts with a prefix
//!   [`crate::card::detect_brand`] knows. The brand's lengths are not required: a
//!   mistyped length is still somebody's card.
//!
//! A Luhn-valid order number that happens to start with a card prefix is masked too: one
//! in ten numbers passes Luhn, and a masked order number costs less than a stored PAN.

use crate::bank::{iban_length, Iban};
use crate::card::{detect_brand, luhn_valid};
use std::borrow::Cow;
use std::ops::Range;

/// What every masked digit becomes.
pub const MASK_CHAR: char = '•';

/// Shortest and longest runs (in digits) that can be a card number.
const MIN_DIGITS: usize = 12;
const MAX_DIGITS: usize = 19;

/// The digits left readable at the end of a masked number.
const KEEP_LAST: usize = 4;

/// The value of an ASCII or full-width digit.
fn digit_value(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8 - b'0'),
        '\u{FF10}'..='\u{FF19}' => Some((u32::from(c) - 0xFF10) as u8),
        _ => None,
    }
}

fn is_digit(c: char) -> bool {
    digit_value(c).is_some()
}

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '.')
}

/// A neighbour that makes the digits part of a larger token.
fn stops_a_run(c: char) -> bool {
    c.is_ascii_alphabetic() || c.is_numeric() || c == '+' || c == '/'
}

/// One maximal run of digits and single separators, as indices into the char list.
struct Run {
    first: usize,
    last: usize,
    digits: usize,
}

/// Every maximal run, whatever its length or neighbours.
fn runs(chars: &[(usize, char)]) -> Vec<Run> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !is_digit(chars[i].1) {
            i += 1;
            continue;
        }
        let (first, mut last, mut digits) = (i, i, 1);
        loop {
            let next = chars.get(last + 1).map(|&(_, c)| c);
            let after = chars.get(last + 2).map(|&(_, c)| c);
            match (next, after) {
                (Some(n), _) if is_digit(n) => last += 1,
                (Some(s), Some(d)) if is_separator(s) && is_digit(d) => last += 2,
                _ => break,
            }
            digits += 1;
        }
        out.push(Run {
            first,
            last,
            digits,
        });
        i = last + 1;
    }
    out
}

fn is_iban_char(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}

/// The IBAN-shaped token starting at char `start`, as char indices `start..end`: two
/// capitals, two digits, then BBAN characters up to the country's registered length,
/// written together or in groups split by single spaces.
fn iban_token_at(chars: &[(usize, char)], start: usize) -> Option<Range<usize>> {
    let c = |k: usize| chars.get(start + k).map(|&(_, c)| c);
    let head = [c(0)?, c(1)?, c(2)?, c(3)?];
    if !(head[0].is_ascii_uppercase()
        && head[1].is_ascii_uppercase()
        && head[2].is_ascii_digit()
        && head[3].is_ascii_digit())
    {
        return None;
    }
    if start > 0 && chars[start - 1].1.is_ascii_alphanumeric() {
        return None;
    }
    let country: String = head[..2].iter().collect();
    let length = iban_length(&country)?;
    let (mut end, mut taken) = (start + 4, 4);
    while taken < length {
        match (c(end - start), c(end - start + 1)) {
            (Some(x), _) if is_iban_char(x) => end += 1,
            (Some(' '), Some(x)) if is_iban_char(x) => end += 2,
            _ => return None,
        }
        taken += 1;
    }
    if chars
        .get(end)
        .is_some_and(|&(_, c)| c.is_ascii_alphanumeric())
    {
        return None;
    }
    Some(start..end)
}

/// Every IBAN-shaped token that passes the IBAN check, as char index ranges.
fn iban_tokens(chars: &[(usize, char)]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match iban_token_at(chars, i) {
            Some(token) => {
                let text: String = chars[token.clone()].iter().map(|&(_, c)| c).collect();
                if Iban::parse(&text).is_ok() {
                    i = token.end;
                    out.push(token);
                } else {
                    i += 1;
                }
            }
            None => i += 1,
        }
    }
    out
}

/// Whether a run is a card number by itself: Luhn and a known brand prefix.
fn is_card_number(chars: &[(usize, char)], run: &Run) -> bool {
    let digits: String = chars[run.first..=run.last]
        .iter()
        .filter_map(|&(_, c)| digit_value(c))
        .map(|d| char::from(b'0' + d))
        .collect();
    luhn_valid(&digits) && detect_brand(&digits).is_some()
}

/// The runs that are card numbers, as char index ranges (`first..=last`).
fn card_runs(chars: &[(usize, char)]) -> Vec<Run> {
    let candidates: Vec<Run> = runs(chars)
        .into_iter()
        .filter(|run| (MIN_DIGITS..=MAX_DIGITS).contains(&run.digits))
        .filter(|run| {
            let before = run.first.checked_sub(1).map(|k| chars[k].1);
            let after = chars.get(run.last + 1).map(|&(_, c)| c);
            !before.is_some_and(stops_a_run) && !after.is_some_and(stops_a_run)
        })
        .filter(|run| is_card_number(chars, run))
        .collect();
    if candidates.is_empty() {
        return candidates;
    }
    // IBANs are looked for only once a card number turned up, which is rare in text.
    let ibans = iban_tokens(chars);
    candidates
        .into_iter()
        .filter(|run| {
            !ibans
                .iter()
                .any(|t| t.start <= run.first && run.last < t.end)
        })
        .collect()
}

fn char_list(text: &str) -> Vec<(usize, char)> {
    text.char_indices().collect()
}

/// The byte ranges of the card numbers in `text`, first digit to last digit, in order.
pub fn card_number_spans(text: &str) -> Vec<Range<usize>> {
    let chars = char_list(text);
    card_runs(&chars)
        .iter()
        .map(|run| {
            let (end_at, end_char) = chars[run.last];
            chars[run.first].0..end_at + end_char.len_utf8()
        })
        .collect()
}

/// Whether `text` holds a card number by the rule above.
pub fn contains_card_number(text: &str) -> bool {
    !card_number_spans(text).is_empty()
}

/// `text` with every card number's digits but the last four replaced by [`MASK_CHAR`],
/// separators kept: `5555 5555 5555 4444` becomes `•••• •••• •••• 4444`. The number of
/// chars never changes, so a length limit checked before masking still holds after.
/// Borrowed when there is nothing to mask.
pub fn mask_card_numbers(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_digit) {
        return Cow::Borrowed(text);
    }
    let mut current = Cow::Borrowed(text);
    // Masking a number that starts inside an IBAN and runs past its end breaks the IBAN,
    // which can expose a run the IBAN was shielding. Masking again until nothing is found
    // keeps the promise that masked text holds no card number (and that masking twice
    // changes nothing). Each round masks at least one digit, so this ends.
    loop {
        let chars = char_list(&current);
        let found = card_runs(&chars);
        if found.is_empty() {
            return current;
        }
        current = Cow::Owned(mask_runs(&chars, &found));
    }
}

fn mask_runs(chars: &[(usize, char)], found: &[Run]) -> String {
    let mut masked = vec![false; chars.len()];
    for run in found {
        let digit_positions: Vec<usize> = (run.first..=run.last)
            .filter(|&k| is_digit(chars[k].1))
            .collect();
        for &k in &digit_positions[..digit_positions.len() - KEEP_LAST] {
            masked[k] = true;
        }
    }
    chars
        .iter()
        .zip(masked)
        .map(|(&(_, c), m)| if m { MASK_CHAR } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn mask(text: &str) -> String {
        mask_card_numbers(text).into_owned()
    }

    /// `body` with the one digit appended that makes it Luhn-valid.
    fn with_check_digit(body: &str) -> String {
        (0..10)
            .map(|d| format!("{body}{d}"))
            .find(|n| luhn_valid(n))
            .unwrap()
    }

    fn full_width(ascii: &str) -> String {
        ascii
            .chars()
            .map(|c| match c {
                '0'..='9' => char::from_u32(0xFF10 + u32::from(c) - u32::from('0')).unwrap(),
                other => other,
            })
            .collect()
    }

    #[test]
    fn masks_all_but_the_last_four_and_keeps_separators() {
        let cases = [
            ("5555 5555 5555 4444", "•••• •••• •••• 4444"),
            ("4242424242424242", "••••••••••••4242"),
            ("3782 822463 10005", "•••• •••••• •0005"),
            ("378282246310005", "•••••••••••0005"),
            ("4242-4242-4242-4242", "••••-••••-••••-4242"),
            ("4242.4242.4242.4242", "••••.••••.••••.4242"),
            (
                "pay with 4242 4242 4242 4242 please",
                "pay with •••• •••• •••• 4242 please",
            ),
            ("卡号4242424242424242谢谢", "卡号••••••••••••4242谢谢"),
            (
                "カード番号：4242 4242 4242 4242。",
                "カード番号：•••• •••• •••• 4242。",
            ),
            ("(4242424242424242)", "(••••••••••••4242)"),
            ("-4242424242424242-", "-••••••••••••4242-"),
            ("card: 4242424242424242.", "card: ••••••••••••4242."),
            ("6759649826438453", "••••••••••••8453"),
        ];
        for (text, want) in cases {
            assert_eq!(mask(text), want, "{text}");
            assert!(contains_card_number(text), "{text}");
        }
    }

    #[test]
    fn full_width_digits_are_digits() {
        let typed = full_width("4242 4242 4242 4242");
        assert_eq!(
            mask(&typed),
            format!("•••• •••• •••• {}", full_width("4242"))
        );
        let mixed = format!("4242 {} 4242", full_width("4242 4242"));
        assert_eq!(mask(&mixed), "•••• •••• •••• 4242");
        assert_eq!(
            mask(&format!("卡号{}", full_width("5555555555554444"))),
            format!("卡号••••••••••••{}", full_width("4444"))
        );
    }

    #[test]
    fn spans_are_byte_ranges_of_the_digits() {
        let text = "卡号4242 4242 4242 4242 and 5555555555554444";
        let spans = card_number_spans(text);
        assert_eq!(spans.len(), 2);
        assert_eq!(&text[spans[0].clone()], "4242 4242 4242 4242");
        assert_eq!(&text[spans[1].clone()], "5555555555554444");
    }

    #[test]
    fn several_numbers_in_one_text() {
        assert_eq!(
            mask("visa 4242424242424242, mc 5555-5555-5555-4444, amex 378282246310005"),
            "visa ••••••••••••4242, mc ••••-••••-••••-4444, amex •••••••••••0005"
        );
    }

    #[test]
    fn neighbours_that_make_a_larger_token() {
        for text in [
            "order A4242424242424242",
            "4242424242424242B",
            "+4242424242424242",
            "4242424242424242+",
            "12/4242424242424242",
            "4242424242424242/1",
            "²4242424242424242",
            "٣4242424242424242",
            "a4242424242424242",
        ] {
            assert_eq!(mask(text), text, "{text}");
            assert!(!contains_card_number(text), "{text}");
        }
    }

    #[test]
    fn runs_of_the_wrong_length_or_checksum() {
        let twenty = with_check_digit("4242424242424242424");
        let twenty_spaced = "4242 4242 4242 4242 4242";
        let eleven = with_check_digit("4242424242");
        let twelve = with_check_digit("42424242424");
        for text in [
            twenty.as_str(),
            twenty_spaced,
            &format!("x {twenty} y"),
            eleven.as_str(),
            "4242424242424241",
            "4242 4242 4242 4241",
            // Luhn-valid, 16 digits, but no brand starts with 1.
            &with_check_digit("123456781234567"),
            // Two separators in a row end the run: two short runs.
            "4242 4242  4242 4242",
            "42424242--42424242",
            "4242, 4242, 4242, 4242",
            "",
            "no digits at all",
        ] {
            assert_eq!(mask(text), text, "{text:?}");
        }
        assert_eq!(mask(&twelve), format!("••••••••{}", &twelve[8..]));
        // After a double separator, a 12-digit rest can still be a card on its own.
        assert_eq!(mask("4242--4242-4242-4242"), "4242--••••-••••-4242");
        // A 20-digit run is not split into a 16-digit card and the rest.
        assert_eq!(mask("42424242424242420000"), "42424242424242420000");
    }

    #[test]
    fn a_luhn_valid_order_number_with_a_card_prefix_is_masked() {
        // Documented: the rule cannot tell this from a card, and masks it.
        let order = with_check_digit("400012345678901");
        assert_eq!(
            mask(&format!("order #{order}")),
            format!("order #••••••••••••{}", &order[12..])
        );
    }

    /// A GB IBAN whose account digits are also a Luhn-valid Visa-prefixed run.
    fn gb_iban_with_card_like_digits() -> (String, String) {
        let digits = with_check_digit("4242424242424");
        let bban = format!("NWBK{digits}");
        let rem = crate::bank::iban_mod97(&format!("GB00{bban}")).unwrap();
        let iban = format!("GB{:02}{bban}", 98 - rem);
        (iban, digits)
    }

    #[test]
    fn ibans_are_not_card_numbers() {
        let (iban, digits) = gb_iban_with_card_like_digits();
        assert!(Iban::parse(&iban).is_ok());
        assert_eq!(digits.len(), 14);
        // Grouped by four, the digit run stands apart from the letters.
        let spaced: Vec<String> = iban
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8(c.to_vec()).unwrap())
            .collect();
        let spaced = spaced.join(" ");
        assert!(contains_card_number(&spaced[10..]), "{spaced}");
        for text in [
            spaced.clone(),
            format!("pay to {spaced} thanks"),
            format!("IBAN: {spaced}."),
            iban.clone(),
            "GB29 NWBK 6016 1331 9268 19".to_owned(),
        ] {
            assert_eq!(mask(&text), text, "{text}");
        }
        // A token that fails the IBAN check protects nothing.
        let bad = spaced.replacen("GB", "GC", 1);
        assert_ne!(mask(&bad), bad);
        let bad_check = format!("GB00{}", &spaced[4..]);
        assert_ne!(mask(&bad_check), bad_check);
        // The card number beside the IBAN is still masked.
        assert_eq!(
            mask(&format!("{spaced} / 4242 4242 4242 4242")),
            format!("{spaced} / •••• •••• •••• 4242")
        );
    }

    #[test]
    fn a_number_running_out_of_an_iban_unshields_the_rest() {
        // KW is 4 letters then 22 letters or digits: room for a card-like run inside the
        // BBAN (shielded) and a second run that starts inside and ends after the IBAN.
        let inner = with_check_digit("42424242424");
        let bban = format!("NBOK{inner}ABCD412345");
        let rem = crate::bank::iban_mod97(&format!("KW00{bban}")).unwrap();
        let iban = format!("KW{:02}{bban}", 98 - rem);
        assert!(Iban::parse(&iban).is_ok());
        let spaced = iban
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(" ");
        let leaving = with_check_digit("412345678901234");
        let text = format!("{spaced} {}", &leaving[6..]);
        // By the rule, only the run leaving the IBAN is a card number...
        let spans = card_number_spans(&text);
        assert_eq!(spans.len(), 1);
        assert_eq!(text[spans[0].clone()].replace(' ', ""), leaving);
        // ...but once it is masked the IBAN is gone, so the inner run is masked as well.
        let once = mask(&text);
        assert_eq!(
            once.matches(MASK_CHAR).count(),
            (16 - 4) + (12 - 4),
            "{once}"
        );
        assert_eq!(mask(&once), once);
        assert!(!contains_card_number(&once));
    }

    #[test]
    fn text_without_a_card_is_borrowed() {
        for text in ["hello", "call 555-0100", "卡号", "4242424242424241"] {
            assert!(
                matches!(mask_card_numbers(text), Cow::Borrowed(_)),
                "{text}"
            );
        }
    }

    /// Text pieces the properties mix: cards, near misses, separators and neighbours.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("4242424242424242".to_owned()),
            Just("5555 5555 5555 4444".to_owned()),
            Just("3782-822463-10005".to_owned()),
            Just(full_width("6759649826438453")),
            Just("GB29 NWBK 6016 1331 9268 19".to_owned()),
            "[0-9]{1,20}",
            "[ .\\-+/a-zA-Z]{1,3}",
            "[卡号谢ー•０-９]{1,3}",
            "\\PC{0,6}",
        ]
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(piece(), 0..8).prop_map(|pieces| pieces.concat())
    }

    fn valid_card() -> impl Strategy<Value = String> {
        let prefixes = prop_oneof![
            Just("4"),
            Just("51"),
            Just("2221"),
            Just("34"),
            Just("6011"),
            Just("36"),
            Just("3528"),
            Just("62"),
            Just("5018"),
            Just("6759"),
        ];
        (prefixes, 12usize..=19, "[0-9]{19}").prop_map(|(prefix, len, fill)| {
            with_check_digit(&format!("{prefix}{}", &fill[..len - 1 - prefix.len()]))
        })
    }

    proptest! {
        #[test]
        fn masking_keeps_the_char_count(s in text()) {
            prop_assert_eq!(mask(&s).chars().count(), s.chars().count());
        }

        #[test]
        fn masking_is_idempotent(s in text()) {
            let once = mask(&s);
            prop_assert_eq!(mask(&once), once.clone());
        }

        #[test]
        fn nothing_is_left_to_find_after_masking(s in text()) {
            prop_assert!(!contains_card_number(&mask(&s)));
        }

        #[test]
        fn text_without_digits_is_borrowed_unchanged(s in "[^0-9０-９]{0,40}") {
            let out = mask_card_numbers(&s);
            prop_assert!(matches!(out, Cow::Borrowed(_)));
            prop_assert_eq!(out.as_ref(), s.as_str());
        }

        #[test]
        fn a_valid_card_between_spaces_is_masked(
            card in valid_card(),
            before in "[a-z卡号 ]{0,5}",
            after in "[a-z谢 ]{0,5}",
        ) {
            let text = format!("{before} {card} {after}");
            let out = mask(&text);
            let masked = format!("{before} {}{} {after}", "•".repeat(card.len() - 4), &card[card.len() - 4..]);
            prop_assert_eq!(out, masked);
            prop_assert_eq!(card_number_spans(&text).len(), 1);
        }

        #[test]
        fn masking_never_panics(s in "\\PC{0,60}") {
            let _ = mask(&s);
            let _ = card_number_spans(&s);
        }
    }
}
