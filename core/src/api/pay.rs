//! `POST /v1/payment_requests/{id}/pay`: the card, the receipt email and, when the request
//! asks for one, the shipping address. The number and CVC stay inside `Secret`s.

use crate::api::text::non_empty_text;
use crate::card::{CardError, CardNumber, Cvc, Expiry};
use crate::fields::{FieldError, Fields};
use crate::mask::mask_card_numbers;
use crate::orders::shipping::Shipping;
use crate::secret::Secret;
use crate::time::YearMonth;
use serde_json::Value;

/// Card details for one payment. The number and CVC stay inside `Secret`s.
#[derive(Debug)]
pub struct CardInput {
    pub number: CardNumber,
    pub expiry: Expiry,
    pub cvc: Cvc,
    pub name: Secret<String>,
    pub postal_code: Secret<String>,
}

#[derive(Debug)]
pub struct PayRequest {
    pub card: CardInput,
    pub receipt_email: Option<String>,
    pub shipping: Option<Shipping>,
}

fn card_error(e: CardError) -> FieldError {
    FieldError::new(e.code(), format!("method.{}", e.field()), e.to_string())
}

/// A plausible email address: one `@`, a dotted domain, no spaces, at most 254 characters.
pub fn valid_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    text.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

impl PayRequest {
    pub fn parse(body: &Value, now: YearMonth) -> Result<PayRequest, FieldError> {
        let f = Fields::new(body, "", &["method", "receipt_email", "shipping"])?;
        let m = f.object(
            "method",
            &[
                "type",
                "number",
                "exp_month",
                "exp_year",
                "cvc",
                "name",
                "postal_code",
            ],
        )?;
        let kind = m.str("type")?;
        if kind != "card" {
            return Err(FieldError::new(
                "payment_method_unsupported",
                "method.type",
                "`method.type` must be \"card\".",
            ));
        }
        let number = CardNumber::parse(m.str("number")?).map_err(card_error)?;
        let exp_month = m.int("exp_month")?;
        let exp_year = m.int("exp_year")?;
        let expiry = Expiry::new(exp_month, exp_year, now).map_err(card_error)?;
        let cvc = Cvc::parse(m.str("cvc")?, number.brand()).map_err(card_error)?;
        let name = non_empty_text(&m, "name", 200)?.trim().to_owned();
        let postal = non_empty_text(&m, "postal_code", 16)?.trim();
        if !postal
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        {
            return Err(FieldError::invalid(
                "method.postal_code",
                "`method.postal_code` may contain letters, digits, spaces and hyphens.",
            ));
        }
        let receipt_email = match f.opt_str("receipt_email")? {
            Some(e) if !valid_email(e) => {
                return Err(FieldError::invalid(
                    "receipt_email",
                    "`receipt_email` is not a valid email address.",
                ))
            }
            other => other.map(|e| mask_card_numbers(e).into_owned()),
        };
        Ok(PayRequest {
            card: CardInput {
                number,
                expiry,
                cvc,
                name: Secret::new(name),
                postal_code: Secret::new(postal.to_owned()),
            },
            receipt_email,
            shipping: f.has("shipping").then(|| Shipping::parse(&f)).transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: YearMonth = YearMonth {
        year: 2026,
        month: 11,
    };

    fn pay(method: Value) -> Result<PayRequest, FieldError> {
        PayRequest::parse(&json!({ "method": method }), NOW)
    }

    fn good_method() -> Value {
        json!({"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2030,
               "cvc": "123", "name": "Ada Buyer", "postal_code": "94107"})
    }

    #[test]
    fn pay_errors_name_fields() {
        assert!(pay(good_method()).is_ok());
        let cases: &[(&str, Value, &str)] = &[
            ("number", json!("4242424242424241"), "method.number"),
            ("number", json!(4242424242424242u64), "method.number"),
            ("exp_month", json!(13), "method.exp_month"),
            ("exp_year", json!(2020), "method.exp_year"),
            ("exp_year", json!(30), "method.exp_year"),
            ("cvc", json!("12"), "method.cvc"),
            ("cvc", json!(123), "method.cvc"),
            ("name", json!(""), "method.name"),
            ("type", json!("paypal"), "method.type"),
        ];
        for (key, value, param) in cases {
            let mut m = good_method();
            m[*key] = value.clone();
            assert_eq!(pay(m).unwrap_err().param, *param, "{key}={value}");
        }
        let mut m = good_method();
        m["extra"] = json!(1);
        assert_eq!(pay(m).unwrap_err().code, "parameter_unknown");
    }

    #[test]
    fn error_never_echoes_the_number() {
        let mut m = good_method();
        m["number"] = json!("4242424242424241");
        let err = pay(m).unwrap_err();
        assert!(!format!("{err:?}").contains("424242424242424"));
    }

    #[test]
    fn the_receipt_email_is_masked() {
        let paid = PayRequest::parse(
            &json!({"method": good_method(), "receipt_email": "4242424242424242@example.com"}),
            NOW,
        )
        .unwrap();
        assert_eq!(
            paid.receipt_email.as_deref(),
            Some("••••••••••••4242@example.com")
        );
        let paid = PayRequest::parse(
            &json!({"method": good_method(), "receipt_email": "ada@example.com"}),
            NOW,
        )
        .unwrap();
        assert_eq!(paid.receipt_email.as_deref(), Some("ada@example.com"));
    }
}
