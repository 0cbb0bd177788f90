//! Text and code fields the request bodies share: bounded, non-empty text and currency
//! codes, with errors that name the field.

use crate::currency::Currency;
use crate::fields::{FieldError, Fields};

pub fn field_str_len(f: &Fields, name: &str, value: &str, max: usize) -> Result<(), FieldError> {
    if value.chars().count() > max {
        return Err(FieldError::invalid(
            f.path(name),
            format!("`{}` must be at most {max} characters.", f.path(name)),
        ));
    }
    Ok(())
}

pub fn non_empty_text<'a>(f: &Fields<'a>, name: &str, max: usize) -> Result<&'a str, FieldError> {
    let value = f.str(name)?;
    if value.trim().is_empty() {
        return Err(FieldError::invalid(
            f.path(name),
            format!("`{}` must not be empty.", f.path(name)),
        ));
    }
    field_str_len(f, name, value, max)?;
    Ok(value)
}

pub fn parse_currency(f: &Fields, name: &str) -> Result<Currency, FieldError> {
    let code = f.str(name)?;
    Currency::parse(code).ok_or_else(|| {
        FieldError::new(
            "currency_unsupported",
            f.path(name),
            format!(
                "`{}` must be an ISO 4217 code in upper case, such as \"USD\".",
                f.path(name)
            ),
        )
    })
}
