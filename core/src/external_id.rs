//! Ids a caller chooses (`agent_id`, `conversation_id`, an agent's `id`): stored and shown
//! as typed, so they are checked rather than masked.

use crate::fields::{FieldError, Fields};
use crate::mask::contains_card_number;

/// Caller-chosen ids (`agent_id`, `conversation_id`): 1 to 128 URL-safe characters, and not
/// a card number. An id is stored and shown as typed (masking would make two ids collide),
/// so one holding a card number is refused rather than masked.
pub fn parse_external_id(f: &Fields, name: &str) -> Result<Option<String>, FieldError> {
    let Some(value) = f.opt_str(name)? else {
        return Ok(None);
    };
    let ok = (1..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'));
    if !ok {
        return Err(FieldError::invalid(
            f.path(name),
            format!(
                "`{}` must be 1 to 128 characters from A-Z a-z 0-9 - _ . ~",
                f.path(name)
            ),
        ));
    }
    if contains_card_number(value) {
        return Err(FieldError::invalid(
            f.path(name),
            format!(
                "`{}` must not contain a card number; use an id of your own instead.",
                f.path(name)
            ),
        ));
    }
    Ok(Some(value.to_owned()))
}
