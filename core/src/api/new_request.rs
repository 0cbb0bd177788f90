//! `POST /v1/payment_requests`: what a seller asks a buyer to pay.

use crate::agent_capture::Capture;
use crate::api::text::{non_empty_text, parse_currency};
use crate::external_id::parse_external_id;
use crate::fields::{FieldError, Fields};
use crate::mask::mask_card_numbers;
use crate::money::{Amount, AmountError, AmountLimits};
use serde_json::Value;

#[derive(Clone, Debug)]
pub struct NewPaymentRequest {
    pub amount: Amount,
    pub description: String,
    pub conversation_id: Option<String>,
    pub agent_id: Option<String>,
    /// Seconds until the request expires unpaid (default 7 days).
    pub expires_in: i64,
    /// Whether the buyer must give a shipping address to pay.
    pub collect_shipping: bool,
    /// Charged by chatpay's processor, or sealed for the requesting agent (which then
    /// needs an `agent_id`; the edge checks the agent holds a key and the seller allows it).
    pub capture: Capture,
}

/// Default lifetime of an unpaid request: 7 days.
pub const DEFAULT_EXPIRES_IN: i64 = 7 * 24 * 60 * 60;
pub const MAX_EXPIRES_IN: i64 = 30 * 24 * 60 * 60;

impl NewPaymentRequest {
    pub fn parse(body: &Value, limits: &AmountLimits) -> Result<NewPaymentRequest, FieldError> {
        let f = Fields::new(
            body,
            "",
            &[
                "amount",
                "currency",
                "description",
                "conversation_id",
                "agent_id",
                "expires_in",
                "collect_shipping",
                "capture",
            ],
        )?;
        let currency = parse_currency(&f, "currency")?;
        let amount_text = f.str("amount")?;
        let amount = Amount::parse(amount_text, currency, limits).map_err(|e| {
            let code = match e {
                AmountError::TooLarge { .. } => "amount_too_large",
                AmountError::Zero => "amount_too_small",
                AmountError::Format { .. } => "parameter_invalid",
            };
            FieldError::new(code, "amount", e.to_string())
        })?;
        // Validated as typed, then masked: masking keeps the char count, so the limit holds.
        let description = mask_card_numbers(non_empty_text(&f, "description", 500)?).into_owned();
        let agent_id = parse_external_id(&f, "agent_id")?;
        let capture = Capture::parse_field(&f)?;
        if capture == Capture::Agent && agent_id.is_none() {
            return Err(FieldError::new(
                "parameter_missing",
                "agent_id",
                "`capture: \"agent\"` reveals the card to one agent: name it in `agent_id`.",
            ));
        }
        Ok(NewPaymentRequest {
            amount,
            description,
            conversation_id: parse_external_id(&f, "conversation_id")?,
            agent_id,
            capture,
            expires_in: match f.opt_int("expires_in")? {
                None => DEFAULT_EXPIRES_IN,
                Some(n) if (1..=MAX_EXPIRES_IN).contains(&n) => n,
                Some(_) => {
                    return Err(FieldError::invalid(
                        "expires_in",
                        format!("`expires_in` must be 1 to {MAX_EXPIRES_IN} seconds."),
                    ))
                }
            },
            collect_shipping: f.opt_bool("collect_shipping")?.unwrap_or(false),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn payment_request_parse() {
        let limits = AmountLimits::default();
        let ok = NewPaymentRequest::parse(
            &json!({"amount": "12.50", "currency": "USD", "description": "Tee"}),
            &limits,
        )
        .unwrap();
        assert_eq!(ok.amount.to_decimal_string(), "12.50");
        let err = |v: Value| NewPaymentRequest::parse(&v, &limits).unwrap_err();
        assert_eq!(
            err(json!({"amount": "1e3", "currency": "USD", "description": "x"})).param,
            "amount"
        );
        assert_eq!(
            err(json!({"amount": "12", "currency": "usd", "description": "x"})).param,
            "currency"
        );
        assert_eq!(
            err(json!({"amount": 12, "currency": "USD", "description": "x"})).param,
            "amount"
        );
        assert_eq!(
            err(json!({"amount": "1", "currency": "USD", "description": "x", "agent_id": "a b"}))
                .param,
            "agent_id"
        );
        assert_eq!(
            err(json!({"amount": "1", "currency": "USD"})).param,
            "description"
        );
    }

    #[test]
    fn a_card_number_in_the_description_is_masked_within_the_limit() {
        let limits = AmountLimits::default();
        let parse = |description: &str| {
            NewPaymentRequest::parse(
                &json!({"amount": "5", "currency": "USD", "description": description}),
                &limits,
            )
        };
        let ok = parse("Mug, paid by 4242 4242 4242 4242").unwrap();
        assert_eq!(ok.description, "Mug, paid by •••• •••• •••• 4242");

        // The limit counts chars as typed; masking keeps the count, so 500 still fits.
        let card = "5555555555554444";
        let at_limit = format!("{}{card}", "x ".repeat(242));
        assert_eq!(at_limit.chars().count(), 500);
        let ok = parse(&at_limit).unwrap();
        assert_eq!(ok.description.chars().count(), 500);
        assert!(ok.description.ends_with("••••••••••••4444"));
        let err = parse(&format!("y{at_limit}")).unwrap_err();
        assert_eq!(err.param, "description");
        assert!(!format!("{err:?}").contains("555555555555"), "{err:?}");
    }

    #[test]
    fn caller_chosen_ids_refuse_card_numbers() {
        let limits = AmountLimits::default();
        let with = |name: &str, id: &str| {
            let mut body = json!({"amount": "5", "currency": "USD", "description": "x"});
            body[name] = json!(id);
            NewPaymentRequest::parse(&body, &limits)
        };
        for name in ["agent_id", "conversation_id"] {
            for id in [
                "chat-4242424242424242",
                "4242-4242-4242-4242",
                "4242.4242.4242.4242",
                "5555555555554444",
            ] {
                let err = with(name, id).unwrap_err();
                assert_eq!((err.code, err.param.as_str()), ("parameter_invalid", name));
                assert!(!format!("{err:?}").contains("4242424242"), "{err:?}");
                assert!(!format!("{err:?}").contains("4242-4242"), "{err:?}");
                assert!(!format!("{err:?}").contains("555555555555"), "{err:?}");
            }
            // Not a card number by the rule: a letter touches the digits.
            for id in [
                "a4242424242424242",
                "chat-4242424242424241",
                "order-1234567890123",
            ] {
                assert!(with(name, id).is_ok(), "{name}={id}");
            }
        }
    }
}
