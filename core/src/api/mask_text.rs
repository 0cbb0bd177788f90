//! `POST /v1/mask`: a chat backend's text with its card numbers masked by [`crate::mask`],
//! before the text stands in a transcript. Nothing of it is stored or logged.

use crate::fields::{FieldError, Fields};
use crate::mask::mask_card_numbers_counted;
use serde::Serialize;
use serde_json::Value;

/// The longest text one call masks, in chars: a long chat message, with room to spare. At
/// four UTF-8 bytes a char it still fits the 64 KB every request body is held to.
pub const MAX_TEXT_CHARS: usize = 16_000;
const _: () = assert!(MAX_TEXT_CHARS * 4 + r#"{"text":""}"#.len() <= super::MAX_BODY_BYTES);

/// The text to mask, as the body names it.
#[derive(Debug)]
pub struct MaskText<'a> {
    pub text: &'a str,
}

impl<'a> MaskText<'a> {
    pub fn parse(body: &'a Value) -> Result<MaskText<'a>, FieldError> {
        let f = Fields::new(body, "", &["text"])?;
        let text = f.str("text")?;
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(FieldError::invalid(
                "text",
                format!("text is longer than {MAX_TEXT_CHARS} characters."),
            ));
        }
        Ok(MaskText { text })
    }
}

/// The answer: `{object: "masked_text", text, masked, livemode}`.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct MaskedText {
    pub object: &'static str,
    pub text: String,
    /// How many card numbers were replaced.
    pub masked: usize,
    pub livemode: bool,
}

impl MaskText<'_> {
    pub fn answer(&self, livemode: bool) -> MaskedText {
        let (text, masked) = mask_card_numbers_counted(self.text);
        MaskedText {
            object: "masked_text",
            text: text.into_owned(),
            masked,
            livemode,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_and_counts() {
        let body = json!({"text": "visa 4242424242424242, mc 5555 5555 5555 4444, order 123"});
        let answer = MaskText::parse(&body).unwrap().answer(false);
        assert_eq!(
            serde_json::to_value(&answer).unwrap(),
            json!({
                "object": "masked_text",
                "text": "visa ••••••••••••4242, mc •••• •••• •••• 4444, order 123",
                "masked": 2,
                "livemode": false,
            })
        );
    }

    #[test]
    fn bad_text_names_the_field() {
        let long = "a".repeat(MAX_TEXT_CHARS + 1);
        for body in [
            json!({}),
            json!({"text": 4242}),
            json!({"text": null}),
            json!({"text": long}),
        ] {
            assert_eq!(MaskText::parse(&body).unwrap_err().param, "text");
        }
        let at_the_cap = json!({"text": "卡".repeat(MAX_TEXT_CHARS)});
        assert!(MaskText::parse(&at_the_cap).is_ok());
        assert!(MaskText::parse(&json!({"text": "", "note": 1})).is_err());
    }
}
