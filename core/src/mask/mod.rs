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
//! - a run lying within an IBAN-shaped token that passes [`crate::iban::Iban::parse`] is
//!   left alone (asked through [`crate::iban::is_iban`], the same answer without the
//!   `iban` crate, so the browser's mask module need not carry it);
//! - what remains is a card number when it passes Luhn and starts with a prefix
//!   [`crate::card::detect_brand`] knows. The brand's lengths are not required: a
//!   mistyped length is still somebody's card.
//!
//! A Luhn-valid order number that happens to start with a card prefix is masked too: one
//! in ten numbers passes Luhn, and a masked order number costs less than a stored PAN.

use crate::card::{detect_brand, luhn_valid};
use crate::iban::{iban_length, is_iban};
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
                if is_iban(&text) {
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
    mask_card_numbers_counted(text).0
}

/// [`mask_card_numbers`], and how many card numbers it masked.
pub fn mask_card_numbers_counted(text: &str) -> (Cow<'_, str>, usize) {
    if !text.chars().any(is_digit) {
        return (Cow::Borrowed(text), 0);
    }
    let (mut current, mut count) = (Cow::Borrowed(text), 0);
    // Masking a number that starts inside an IBAN and runs past its end breaks the IBAN,
    // which can expose a run the IBAN was shielding. Masking again until nothing is found
    // keeps the promise that masked text holds no card number (and that masking twice
    // changes nothing). Each round masks at least one digit, so this ends.
    loop {
        let chars = char_list(&current);
        let found = card_runs(&chars);
        if found.is_empty() {
            return (current, count);
        }
        count += found.len();
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
mod tests;
