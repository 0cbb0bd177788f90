//! The free-text rules every order body shares: trimmed, bounded, no control characters,
//! card numbers masked once checked, and closed lists of codes.

use crate::fields::{FieldError, Fields};
use crate::mask::mask_card_numbers;

pub fn text<'a>(f: &Fields<'a>, name: &str, max: usize) -> Result<&'a str, FieldError> {
    let value = f.str(name)?;
    let trimmed = value.trim();
    if trimmed.is_empty() || value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(FieldError::invalid(
            f.path(name),
            format!("`{}` must be 1 to {max} characters.", f.path(name)),
        ));
    }
    Ok(trimmed)
}

/// Free text as it is kept: card numbers masked. Called after every check on the text as
/// typed, since the checks (postal codes, tracking numbers) would refuse the mask char.
pub fn masked(text: &str) -> String {
    mask_card_numbers(text).into_owned()
}

pub fn opt_text<'a>(f: &Fields<'a>, name: &str, max: usize) -> Result<Option<&'a str>, FieldError> {
    match f.opt_str(name)? {
        None => Ok(None),
        Some(_) => text(f, name, max).map(Some),
    }
}

pub fn one_of(
    f: &Fields,
    name: &str,
    allowed: &[&'static str],
) -> Result<&'static str, FieldError> {
    let value = f.str(name)?;
    allowed
        .iter()
        .copied()
        .find(|a| *a == value)
        .ok_or_else(|| {
            FieldError::invalid(
                f.path(name),
                format!("`{}` must be one of: {}.", f.path(name), allowed.join(", ")),
            )
        })
}
