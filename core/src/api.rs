//! The JSON API v1: request bodies parsed into domain values, and the response objects
//! both the edge (serializes) and the widget (deserializes) use.
//!
//! Clients ignore response fields they do not know, so response types never deny unknown
//! fields; request bodies are strict, so a typo is an error rather than a silent default.

use crate::card::{CardError, CardNumber, Cvc, Expiry};
use crate::currency::Currency;
use crate::fields::{FieldError, Fields};
use crate::mask::{contains_card_number, mask_card_numbers};
use crate::money::{Amount, AmountLimits};
use crate::secret::Secret;
use crate::time::YearMonth;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Request and response bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// `{"error": {...}}`: all four keys are always present.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ErrorBody {
    pub error: ApiError,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ApiError {
    #[serde(rename = "type")]
    pub kind: String,
    pub code: String,
    pub message: String,
    pub param: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline_code: Option<String>,
    /// On 409s: the request's current status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PublicSeller {
    pub display_name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PublicPayment {
    pub id: String,
    pub brand: String,
    pub last4: String,
    pub paid_at: String,
}

/// What a buyer holding the client secret may see. Never the agent, the conversation,
/// the seller's id or the client secret.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PublicPaymentRequest {
    pub id: String,
    pub object: String,
    pub status: String,
    pub amount: String,
    pub currency: String,
    pub description: String,
    pub seller: PublicSeller,
    pub created_at: String,
    pub livemode: bool,
    pub payment: Option<PublicPayment>,
}

fn field_str_len(f: &Fields, name: &str, value: &str, max: usize) -> Result<(), FieldError> {
    if value.chars().count() > max {
        return Err(FieldError::invalid(
            f.path(name),
            format!("`{}` must be at most {max} characters.", f.path(name)),
        ));
    }
    Ok(())
}

fn non_empty_text<'a>(f: &Fields<'a>, name: &str, max: usize) -> Result<&'a str, FieldError> {
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

fn parse_currency(f: &Fields, name: &str) -> Result<Currency, FieldError> {
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

/// Hosts that may be named over plain `http`: a browser counts loopback as a secure
/// context, so a seller can try the widget locally; anywhere else the page could be read
/// and changed on the way.
const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// `host` and the optional `:port` of an origin, with `[...]` kept whole for IPv6 literals.
fn split_host_port(rest: &str) -> Option<(&str, Option<&str>)> {
    if rest.starts_with('[') {
        let close = rest.find(']')?;
        let (host, tail) = rest.split_at(close + 1);
        return match tail {
            "" => Some((host, None)),
            _ => Some((host, Some(tail.strip_prefix(':')?))),
        };
    }
    Some(match rest.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    })
}

/// An origin as the browser sends it: `https://shop.example`, or over `http` only for
/// loopback, such as `http://localhost:8787` or `http://[::1]:8787`.
pub fn parse_origin(text: &str) -> Option<String> {
    let (scheme, rest) = text.split_once("://")?;
    let (host, port) = split_host_port(rest)?;
    let host_ok = match scheme {
        "https" => {
            !host.is_empty()
                && host.len() <= 253
                && host
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        }
        "http" => LOOPBACK_HOSTS.contains(&host),
        _ => false,
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    (host_ok && port_ok).then(|| text.to_owned())
}

#[derive(Clone, Debug)]
pub struct NewSeller {
    pub display_name: String,
    pub country: String,
    pub default_currency: Currency,
    pub allowed_origins: Vec<String>,
    /// Issue 3: business type, merchant category and payout bank account, all optional.
    pub profile: crate::accounts::SellerProfile,
}

impl NewSeller {
    pub fn parse(body: &Value) -> Result<NewSeller, FieldError> {
        let f = Fields::new(
            body,
            "",
            &[
                "display_name",
                "country",
                "default_currency",
                "allowed_origins",
                "business_type",
                "merchant_category",
                "payout_bank_account",
            ],
        )?;
        let display_name = mask_card_numbers(non_empty_text(&f, "display_name", 100)?.trim());
        let country = f.str("country")?;
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(FieldError::invalid(
                "country",
                "`country` must be an ISO 3166-1 alpha-2 code such as \"US\".",
            ));
        }
        let default_currency = parse_currency(&f, "default_currency")?;
        let origins = f.opt_str_array("allowed_origins")?.unwrap_or_default();
        let allowed_origins = crate::accounts::parse_origins(&origins)?;
        Ok(NewSeller {
            display_name: display_name.into_owned(),
            country: country.to_owned(),
            default_currency,
            allowed_origins,
            profile: crate::accounts::SellerProfile::parse(&f, body)?,
        })
    }
}

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
            ],
        )?;
        let currency = parse_currency(&f, "currency")?;
        let amount_text = f.str("amount")?;
        let amount = Amount::parse(amount_text, currency, limits).map_err(|e| {
            let code = match e {
                crate::money::AmountError::TooLarge { .. } => "amount_too_large",
                crate::money::AmountError::Zero => "amount_too_small",
                crate::money::AmountError::Format { .. } => "parameter_invalid",
            };
            FieldError::new(code, "amount", e.to_string())
        })?;
        // Validated as typed, then masked: masking keeps the char count, so the limit holds.
        let description = mask_card_numbers(non_empty_text(&f, "description", 500)?).into_owned();
        Ok(NewPaymentRequest {
            amount,
            description,
            conversation_id: parse_external_id(&f, "conversation_id")?,
            agent_id: parse_external_id(&f, "agent_id")?,
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
    pub shipping: Option<crate::orders::Shipping>,
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
            shipping: f
                .has("shipping")
                .then(|| crate::orders::Shipping::parse(&f))
                .transpose()?,
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
    fn origins() {
        for good in [
            "https://shop.example",
            "https://shop.example:8443",
            "http://localhost",
            "http://localhost:8787",
            "http://127.0.0.1:8787",
            "http://[::1]",
            "http://[::1]:8787",
        ] {
            assert_eq!(parse_origin(good).as_deref(), Some(good), "{good}");
        }
        for bad in [
            "https://shop.example/",
            "ftp://x",
            "https://",
            "https://Shop.example",
            "https://a:b",
            "*",
            // Plain http only for loopback.
            "http://shop.example",
            "http://localhost.shop.example",
            "http://127.0.0.2",
            "http://[::2]:8787",
            "http://LOCALHOST",
            "http://localhost:",
            "http://localhost:123456",
            "http://[::1]:",
            "http://[::1]8787",
            "http://[::1",
            "http://[::1]:87a",
            // Brackets stay an http loopback affair.
            "https://[::1]:8787",
        ] {
            assert!(parse_origin(bad).is_none(), "{bad}");
        }
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

    #[test]
    fn seller_name_and_receipt_email_are_masked() {
        let seller = NewSeller::parse(&json!({
            "display_name": " Shop 4242-4242-4242-4242 ",
            "country": "US",
            "default_currency": "USD",
            "allowed_origins": ["http://[::1]:8787"],
        }))
        .unwrap();
        assert_eq!(seller.display_name, "Shop ••••-••••-••••-4242");
        assert_eq!(seller.allowed_origins, ["http://[::1]:8787"]);
        let err = NewSeller::parse(&json!({
            "display_name": "Shop", "country": "US", "default_currency": "USD",
            "allowed_origins": ["http://shop.example"],
        }))
        .unwrap_err();
        assert_eq!(err.param, "allowed_origins.0");

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
