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
    /// The billing country (ISO 3166-1 alpha-2), when the buyer gave one.
    pub country: Option<String>,
}

/// How the buyer pays.
#[derive(Debug)]
pub enum PayMethod {
    Card(CardInput),
    /// The buyer finished the bank's 3-D Secure challenge of this attempt.
    CardAction {
        attempt: String,
    },
    /// The buyer approved this PayPal order.
    PayPal {
        order_id: String,
    },
    /// A wallet's token from the Payment Request API.
    Wallet {
        wallet: String,
        token: Secret<String>,
    },
}

#[derive(Debug)]
pub struct PayRequest {
    pub method: PayMethod,
    pub receipt_email: Option<String>,
    pub shipping: Option<Shipping>,
}

impl PayRequest {
    /// The card, for a `card` pay.
    pub fn card(&self) -> Option<&CardInput> {
        match &self.method {
            PayMethod::Card(card) => Some(card),
            _ => None,
        }
    }
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

/// An ISO 3166-1 alpha-2 shape: two uppercase ASCII letters.
pub fn country_code(text: &str) -> bool {
    text.len() == 2 && text.bytes().all(|b| b.is_ascii_uppercase())
}

/// An id as another system minted it: 1 to 64 characters of letters, digits, `_` and `-`.
fn plain_id(m: &Fields<'_>, name: &str) -> Result<String, FieldError> {
    let text = m.str(name)?;
    if text.is_empty()
        || text.len() > 64
        || !text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(FieldError::invalid(
            format!("method.{name}"),
            format!("`method.{name}` is not a valid id."),
        ));
    }
    Ok(text.to_owned())
}

fn parse_card(m: &Fields<'_>, now: YearMonth) -> Result<CardInput, FieldError> {
    let number = CardNumber::parse(m.str("number")?).map_err(card_error)?;
    let exp_month = m.int("exp_month")?;
    let exp_year = m.int("exp_year")?;
    let expiry = Expiry::new(exp_month, exp_year, now).map_err(card_error)?;
    let cvc = Cvc::parse(m.str("cvc")?, number.brand()).map_err(card_error)?;
    let name = non_empty_text(m, "name", 200)?.trim().to_owned();
    let postal = non_empty_text(m, "postal_code", 16)?.trim();
    if !postal
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
    {
        return Err(FieldError::invalid(
            "method.postal_code",
            "`method.postal_code` may contain letters, digits, spaces and hyphens.",
        ));
    }
    let country = match m.opt_str("country")? {
        Some(c) if !country_code(c) => {
            return Err(FieldError::invalid(
                "method.country",
                "`method.country` must be an ISO 3166-1 alpha-2 code such as \"US\".",
            ))
        }
        other => other.map(str::to_owned),
    };
    Ok(CardInput {
        number,
        expiry,
        cvc,
        name: Secret::new(name),
        postal_code: Secret::new(postal.to_owned()),
        country,
    })
}

const CARD_FIELDS: &[&str] = &[
    "type",
    "number",
    "exp_month",
    "exp_year",
    "cvc",
    "name",
    "postal_code",
    "country",
];

impl PayRequest {
    pub fn parse(body: &Value, now: YearMonth) -> Result<PayRequest, FieldError> {
        let f = Fields::new(body, "", &["method", "receipt_email", "shipping"])?;
        let kind = body
            .get("method")
            .and_then(|m| m.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let method = match kind {
            "card" => PayMethod::Card(parse_card(&f.object("method", CARD_FIELDS)?, now)?),
            // Absent or not a string: the field reader names `method` or `method.type`.
            "" => {
                f.object("method", CARD_FIELDS)?.str("type")?;
                return Err(FieldError::invalid(
                    "method.type",
                    "`method.type` is required.",
                ));
            }
            "card_action" => {
                let m = f.object("method", &["type", "attempt"])?;
                PayMethod::CardAction {
                    attempt: plain_id(&m, "attempt")?,
                }
            }
            "paypal" => {
                let m = f.object("method", &["type", "order_id"])?;
                PayMethod::PayPal {
                    order_id: plain_id(&m, "order_id")?,
                }
            }
            "wallet" => {
                let m = f.object("method", &["type", "wallet", "token"])?;
                let wallet = m.str("wallet")?;
                if wallet != "sandbox" {
                    return Err(FieldError::new(
                        "payment_method_unsupported",
                        "method.wallet",
                        "`method.wallet` must be \"sandbox\".",
                    ));
                }
                let token = m.str("token")?;
                if token.is_empty() || token.len() > 512 {
                    return Err(FieldError::invalid(
                        "method.token",
                        "`method.token` is not a wallet token.",
                    ));
                }
                PayMethod::Wallet {
                    wallet: wallet.to_owned(),
                    token: Secret::new(token.to_owned()),
                }
            }
            _ => {
                // Type-check `method` and `type` first, so a wrong shape names its field.
                if !body["method"]["type"].is_string() {
                    f.object("method", CARD_FIELDS)?.str("type")?;
                }
                return Err(FieldError::new(
                    "payment_method_unsupported",
                    "method.type",
                    "`method.type` must be \"card\", \"card_action\", \"paypal\" or \"wallet\".",
                ));
            }
        };
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
            method,
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
            ("type", json!("bitcoin"), "method.type"),
            ("type", json!(7), "method.type"),
            ("country", json!("usa"), "method.country"),
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
    fn each_method_takes_its_own_fields() {
        let p = pay(json!({"type": "paypal", "order_id": "5O190127TN364715T"})).unwrap();
        assert!(
            matches!(p.method, PayMethod::PayPal { ref order_id } if order_id == "5O190127TN364715T")
        );
        assert_eq!(
            pay(json!({"type": "paypal", "order_id": "a b"}))
                .unwrap_err()
                .param,
            "method.order_id"
        );
        assert_eq!(
            pay(json!({"type": "paypal", "number": "4242424242424242"}))
                .unwrap_err()
                .param,
            "method.number"
        );
        let p = pay(json!({"type": "card_action", "attempt": "att_x1"})).unwrap();
        assert!(matches!(p.method, PayMethod::CardAction { .. }));
        let p = pay(json!({"type": "wallet", "wallet": "sandbox", "token": "w.t"})).unwrap();
        assert!(format!("{p:?}").contains("Wallet") && !format!("{p:?}").contains("w.t"));
        assert_eq!(
            pay(json!({"type": "wallet", "wallet": "apple_pay", "token": "x"}))
                .unwrap_err()
                .param,
            "method.wallet"
        );
        let mut m = good_method();
        m["country"] = json!("DE");
        assert_eq!(
            pay(m).unwrap().card().unwrap().country.as_deref(),
            Some("DE")
        );
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
