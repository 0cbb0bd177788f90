//! Request bodies and queries for what happens after the card: shipping addresses, ship,
//! refunds, claims, listing filters, revenue reports and the test clock. Parsed strictly into
//! domain values, with errors naming the field.

use crate::fields::{FieldError, Fields};
use crate::mask::mask_card_numbers;
use crate::money::{Amount, AmountLimits};
use crate::state::{Fulfillment, Refund, Status};
use crate::time::parse_rfc3339;
use crate::Currency;
use serde::{Deserialize, Serialize};
use serde_json::Value;

fn text<'a>(f: &Fields<'a>, name: &str, max: usize) -> Result<&'a str, FieldError> {
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
fn masked(text: &str) -> String {
    mask_card_numbers(text).into_owned()
}

fn opt_text<'a>(f: &Fields<'a>, name: &str, max: usize) -> Result<Option<&'a str>, FieldError> {
    match f.opt_str(name)? {
        None => Ok(None),
        Some(_) => text(f, name, max).map(Some),
    }
}

fn one_of(f: &Fields, name: &str, allowed: &[&'static str]) -> Result<&'static str, FieldError> {
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

/// A delivery address, checked per country where the format is known.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Shipping {
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: String,
    pub state: Option<String>,
    pub country: String,
}

/// Postal code patterns: each char `9` is a digit, `A` a letter, others literal. Countries
/// not listed accept 2 to 10 letters, digits, spaces and hyphens.
fn postal_ok(country: &str, code: &str) -> bool {
    let fits = |pattern: &str| {
        pattern.len() == code.len()
            && pattern.bytes().zip(code.bytes()).all(|(p, c)| match p {
                b'9' => c.is_ascii_digit(),
                b'A' => c.is_ascii_uppercase(),
                other => other == c,
            })
    };
    match country {
        "US" => fits("99999") || fits("99999-9999"),
        "CA" => fits("A9A 9A9"),
        "DE" | "FR" => fits("99999"),
        "NL" => fits("9999 AA"),
        "JP" => fits("999-9999"),
        "AU" => fits("9999"),
        "GB" => {
            let compact: String = code.chars().filter(|c| *c != ' ').collect();
            (5..=7).contains(&compact.len())
                && code
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == ' ')
                && compact[compact.len() - 3..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit())
        }
        _ => {
            (2..=10).contains(&code.len())
                && code
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        }
    }
}

impl Shipping {
    pub fn parse(f: &Fields) -> Result<Shipping, FieldError> {
        let s = f.object(
            "shipping",
            &[
                "name",
                "line1",
                "line2",
                "city",
                "postal_code",
                "state",
                "country",
            ],
        )?;
        let country = s.str("country")?;
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(FieldError::invalid(
                "shipping.country",
                "`shipping.country` must be an ISO 3166-1 alpha-2 code such as \"US\".",
            ));
        }
        let postal_code = text(&s, "postal_code", 16)?;
        if !postal_ok(country, postal_code) {
            return Err(FieldError::invalid(
                "shipping.postal_code",
                format!("`shipping.postal_code` is not a valid postal code for {country}."),
            ));
        }
        let state = opt_text(&s, "state", 64)?;
        if state.is_none() && matches!(country, "US" | "CA" | "AU") {
            return Err(s.missing("state"));
        }
        Ok(Shipping {
            name: masked(text(&s, "name", 200)?),
            line1: masked(text(&s, "line1", 200)?),
            line2: opt_text(&s, "line2", 200)?.map(masked),
            city: masked(text(&s, "city", 100)?),
            postal_code: masked(postal_code),
            state: state.map(masked),
            country: country.to_owned(),
        })
    }
}

/// `POST .../ship`.
pub struct ShipBody {
    pub carrier: String,
    pub tracking_number: String,
}

impl ShipBody {
    pub fn parse(body: &Value) -> Result<ShipBody, FieldError> {
        let f = Fields::new(body, "", &["carrier", "tracking_number"])?;
        let tracking = text(&f, "tracking_number", 64)?;
        if !tracking
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ')
        {
            return Err(FieldError::invalid(
                "tracking_number",
                "`tracking_number` may contain letters, digits, spaces and hyphens.",
            ));
        }
        Ok(ShipBody {
            carrier: masked(text(&f, "carrier", 64)?),
            tracking_number: masked(tracking),
        })
    }
}

pub const REFUND_REASONS: &[&str] = &["requested_by_customer", "duplicate", "fraudulent", "other"];

/// `POST .../refunds`: no amount means the rest.
pub struct RefundBody {
    pub amount: Option<Amount>,
    pub reason: &'static str,
}

impl RefundBody {
    pub fn parse(body: &Value, currency: Currency) -> Result<RefundBody, FieldError> {
        let f = Fields::new(body, "", &["amount", "reason"])?;
        let amount = match f.opt_str("amount")? {
            None => None,
            Some(text) => Some(
                Amount::parse(text, currency, &AmountLimits::default())
                    .map_err(|e| FieldError::invalid("amount", e.to_string()))?,
            ),
        };
        Ok(RefundBody {
            amount,
            reason: one_of(&f, "reason", REFUND_REASONS)?,
        })
    }
}

pub const CLAIM_REASONS: &[&str] = &[
    "item_not_received",
    "damaged",
    "not_as_described",
    "unauthorized",
];

pub struct ClaimBody {
    pub reason: &'static str,
    pub description: Option<String>,
}

impl ClaimBody {
    pub fn parse(body: &Value) -> Result<ClaimBody, FieldError> {
        let f = Fields::new(body, "", &["reason", "description"])?;
        Ok(ClaimBody {
            reason: one_of(&f, "reason", CLAIM_REASONS)?,
            description: opt_text(&f, "description", 2000)?.map(masked),
        })
    }
}

pub fn parse_claim_response(body: &Value) -> Result<String, FieldError> {
    let f = Fields::new(body, "", &["message"])?;
    Ok(masked(text(&f, "message", 2000)?))
}

/// `refund` or `reject`.
pub fn parse_claim_outcome(body: &Value) -> Result<bool, FieldError> {
    let f = Fields::new(body, "", &["outcome"])?;
    Ok(one_of(&f, "outcome", &["refund", "reject"])? == "refund")
}

pub fn parse_decline(body: Option<&Value>) -> Result<Option<String>, FieldError> {
    let Some(body) = body else { return Ok(None) };
    let f = Fields::new(body, "", &["reason"])?;
    Ok(opt_text(&f, "reason", 500)?.map(masked))
}

/// `POST /v1/test_helpers/advance_clock`: at most a year at a time.
pub fn parse_advance(body: &Value) -> Result<i64, FieldError> {
    let f = Fields::new(body, "", &["seconds"])?;
    let seconds = f.int("seconds")?;
    if !(1..=31_536_000).contains(&seconds) {
        return Err(FieldError::invalid(
            "seconds",
            "`seconds` must be between 1 and 31536000.",
        ));
    }
    Ok(seconds)
}

fn query_error(param: &str, message: impl Into<String>) -> FieldError {
    FieldError::invalid(param, message)
}

fn time_param(name: &str, value: &str) -> Result<i64, FieldError> {
    parse_rfc3339(value).ok_or_else(|| {
        query_error(
            name,
            format!("`{name}` must be an RFC 3339 time such as 2026-11-25T00:00:00Z."),
        )
    })
}

/// `GET /v1/payment_requests` filters.
#[derive(Debug, Default, PartialEq)]
pub struct ListQuery {
    pub status: Vec<Status>,
    pub fulfillment_status: Option<Fulfillment>,
    pub refund_status: Option<Refund>,
    pub agent_id: Option<String>,
    pub conversation_id: Option<String>,
    pub created_gte: Option<i64>,
    pub created_lt: Option<i64>,
    pub paid_gte: Option<i64>,
    pub paid_lt: Option<i64>,
    pub q: Option<String>,
    pub limit: usize,
    pub starting_after: Option<String>,
}

fn single(seen: &mut Vec<String>, name: &str) -> Result<(), FieldError> {
    if seen.iter().any(|s| s == name) {
        return Err(query_error(
            name,
            format!("`{name}` may be given only once."),
        ));
    }
    seen.push(name.to_owned());
    Ok(())
}

fn external_id(name: &str, value: &str) -> Result<String, FieldError> {
    let ok = (1..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'));
    if ok {
        Ok(value.to_owned())
    } else {
        Err(query_error(
            name,
            format!("`{name}` must be 1 to 128 characters from A-Z a-z 0-9 - _ . ~"),
        ))
    }
}

impl ListQuery {
    pub fn parse(pairs: &[(String, String)]) -> Result<ListQuery, FieldError> {
        let mut q = ListQuery {
            limit: 20,
            ..ListQuery::default()
        };
        let mut seen = Vec::new();
        for (name, value) in pairs {
            let name = name.as_str();
            if name != "status" {
                single(&mut seen, name)?;
            }
            match name {
                "status" => {
                    let s = Status::parse(value)
                        .filter(|s| *s != Status::Processing)
                        .ok_or_else(|| {
                            query_error(
                                "status",
                                "`status` must be requested, paid, canceled, declined or expired.",
                            )
                        })?;
                    if !q.status.contains(&s) {
                        q.status.push(s);
                    }
                }
                "fulfillment_status" => {
                    q.fulfillment_status = Some(Fulfillment::parse(value).ok_or_else(|| {
                        query_error(
                            name,
                            "`fulfillment_status` must be unfulfilled, shipped or delivered.",
                        )
                    })?)
                }
                "refund_status" => {
                    q.refund_status = Some(Refund::parse(value).ok_or_else(|| {
                        query_error(name, "`refund_status` must be none, partial or full.")
                    })?)
                }
                "agent_id" => q.agent_id = Some(external_id(name, value)?),
                "conversation_id" => q.conversation_id = Some(external_id(name, value)?),
                "created[gte]" => q.created_gte = Some(time_param(name, value)?),
                "created[lt]" => q.created_lt = Some(time_param(name, value)?),
                "paid[gte]" => q.paid_gte = Some(time_param(name, value)?),
                "paid[lt]" => q.paid_lt = Some(time_param(name, value)?),
                "q" => {
                    if value.is_empty() || value.chars().count() > 200 {
                        return Err(query_error(name, "`q` must be 1 to 200 characters."));
                    }
                    q.q = Some(value.clone());
                }
                "limit" => {
                    q.limit = value
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=100).contains(n))
                        .ok_or_else(|| {
                            query_error(name, "`limit` must be an integer from 1 to 100.")
                        })?
                }
                "starting_after" => q.starting_after = Some(value.clone()),
                other => return Err(FieldError::unknown(other)),
            }
        }
        Ok(q)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupBy {
    Agent,
    Day,
    Week,
    Month,
}

impl GroupBy {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Agent => "agent",
            GroupBy::Day => "day",
            GroupBy::Week => "week",
            GroupBy::Month => "month",
        }
    }
}

/// `GET /v1/reports/revenue`: `from` inclusive, `to` exclusive.
#[derive(Debug, PartialEq)]
pub struct RevenueQuery {
    pub from: i64,
    pub to: i64,
    pub group_by: GroupBy,
}

impl RevenueQuery {
    pub fn parse(pairs: &[(String, String)]) -> Result<RevenueQuery, FieldError> {
        let (mut from, mut to, mut group_by) = (None, None, None);
        let mut seen = Vec::new();
        for (name, value) in pairs {
            single(&mut seen, name)?;
            match name.as_str() {
                "from" => from = Some(time_param("from", value)?),
                "to" => to = Some(time_param("to", value)?),
                "group_by" => {
                    group_by = Some(match value.as_str() {
                        "agent" => GroupBy::Agent,
                        "day" => GroupBy::Day,
                        "week" => GroupBy::Week,
                        "month" => GroupBy::Month,
                        _ => {
                            return Err(query_error(
                                "group_by",
                                "`group_by` must be agent, day, week or month.",
                            ))
                        }
                    })
                }
                other => return Err(FieldError::unknown(other)),
            }
        }
        let missing = |n: &str| {
            FieldError::new(
                "parameter_missing",
                n,
                format!("Missing required parameter `{n}`."),
            )
        };
        let (from, to) = (
            from.ok_or_else(|| missing("from"))?,
            to.ok_or_else(|| missing("to"))?,
        );
        if to <= from {
            return Err(query_error("to", "`to` must be after `from`."));
        }
        Ok(RevenueQuery {
            from,
            to,
            group_by: group_by.unwrap_or(GroupBy::Day),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn list_query() {
        let q = ListQuery::parse(&pairs(&[
            ("status", "paid"),
            ("status", "canceled"),
            ("limit", "5"),
            ("q", "mug"),
        ]))
        .unwrap();
        assert_eq!(q.status, vec![Status::Paid, Status::Canceled]);
        assert_eq!(q.limit, 5);
        assert_eq!(ListQuery::parse(&[]).unwrap().limit, 20);
        for bad in [
            ("limit", "0"),
            ("limit", "101"),
            ("status", "processing"),
            ("created[gte]", "yesterday"),
            ("nope", "1"),
        ] {
            assert_eq!(
                ListQuery::parse(&pairs(&[bad])).unwrap_err().param,
                bad.0,
                "{bad:?}"
            );
        }
        assert!(ListQuery::parse(&pairs(&[("limit", "5"), ("limit", "6")])).is_err());
    }

    #[test]
    fn revenue_query() {
        let q = RevenueQuery::parse(&pairs(&[
            ("from", "2026-11-01T00:00:00Z"),
            ("to", "2026-12-01T00:00:00Z"),
            ("group_by", "agent"),
        ]))
        .unwrap();
        assert_eq!(q.group_by, GroupBy::Agent);
        assert_eq!(
            RevenueQuery::parse(&pairs(&[("to", "2026-12-01T00:00:00Z")]))
                .unwrap_err()
                .param,
            "from"
        );
        assert_eq!(
            RevenueQuery::parse(&pairs(&[
                ("from", "2026-12-01T00:00:00Z"),
                ("to", "2026-11-01T00:00:00Z")
            ]))
            .unwrap_err()
            .param,
            "to"
        );
    }

    #[test]
    fn shipping_per_country() {
        let parse = |v: Value| {
            let body = json!({ "shipping": v });
            let f = Fields::new(&body, "", &["shipping"]).unwrap();
            Shipping::parse(&f)
        };
        let us = json!({"name": "Sam", "line1": "1 Main St", "city": "Austin", "postal_code": "78701", "state": "TX", "country": "US"});
        assert!(parse(us.clone()).is_ok());
        let mut bad = us.clone();
        bad["postal_code"] = json!("7870");
        assert_eq!(parse(bad).unwrap_err().param, "shipping.postal_code");
        let mut no_state = us;
        no_state["state"] = Value::Null;
        assert_eq!(parse(no_state).unwrap_err().param, "shipping.state");
        assert!(parse(json!({"name": "A", "line1": "B", "city": "Köln", "postal_code": "50667", "country": "DE"})).is_ok());
        assert!(parse(json!({"name": "A", "line1": "B", "city": "London", "postal_code": "SW1A 1AA", "country": "GB"})).is_ok());
        assert!(parse(json!({"name": "A", "line1": "B", "city": "Tokyo", "postal_code": "100-0001", "country": "JP"})).is_ok());
        assert!(parse(json!({"name": "A", "line1": "B", "city": "Tokyo", "postal_code": "1000001", "country": "JP"})).is_err());
    }

    #[test]
    fn card_numbers_in_free_text_are_masked() {
        let body = json!({ "shipping": {
            "name": "Sam 4242424242424242",
            "line1": "1 Main St 5555 5555 5555 4444",
            "line2": "Apt 4242-4242-4242-4242",
            "city": "Austin 378282246310005",
            "postal_code": "78701",
            "state": "TX 6759649826438453",
            "country": "US",
        }});
        let f = Fields::new(&body, "", &["shipping"]).unwrap();
        let s = Shipping::parse(&f).unwrap();
        assert_eq!(s.name, "Sam ••••••••••••4242");
        assert_eq!(s.line1, "1 Main St •••• •••• •••• 4444");
        assert_eq!(s.line2.as_deref(), Some("Apt ••••-••••-••••-4242"));
        assert_eq!(s.city, "Austin •••••••••••0005");
        assert_eq!(s.postal_code, "78701");
        assert_eq!(s.state.as_deref(), Some("TX ••••••••••••8453"));

        // Checked as typed, masked after: a tracking number of digits passes its
        // letters-digits-spaces check, then is stored masked.
        let ship = ShipBody::parse(
            &json!({"carrier": "UPS 4242424242424242", "tracking_number": "4242 4242 4242 4242"}),
        )
        .unwrap();
        assert_eq!(ship.carrier, "UPS ••••••••••••4242");
        assert_eq!(ship.tracking_number, "•••• •••• •••• 4242");
        let ship =
            ShipBody::parse(&json!({"carrier": "UPS", "tracking_number": "1Z999AA10123456784"}))
                .unwrap();
        assert_eq!(ship.tracking_number, "1Z999AA10123456784");

        let claim = ClaimBody::parse(
            &json!({"reason": "damaged", "description": "charged twice on 4242424242424242"}),
        )
        .unwrap();
        assert_eq!(
            claim.description.as_deref(),
            Some("charged twice on ••••••••••••4242")
        );
        assert_eq!(
            parse_claim_response(&json!({"message": "refund to 5555555555554444?"})).unwrap(),
            "refund to ••••••••••••4444?"
        );
        assert_eq!(
            parse_decline(Some(&json!({"reason": "use 4242 4242 4242 4242 instead"})))
                .unwrap()
                .as_deref(),
            Some("use •••• •••• •••• 4242 instead")
        );
        assert_eq!(parse_decline(None).unwrap(), None);
    }

    #[test]
    fn unknown_query_names_holding_card_numbers_are_masked() {
        let name = "4242424242424242";
        let list = ListQuery::parse(&pairs(&[(name, "1")])).unwrap_err();
        let revenue = RevenueQuery::parse(&pairs(&[(name, "1")])).unwrap_err();
        for err in [list, revenue] {
            assert_eq!(err.code, "parameter_unknown");
            assert_eq!(err.param, "••••••••••••4242");
            assert_eq!(
                err.message,
                "Received unknown parameter `••••••••••••4242`."
            );
        }
        assert_eq!(
            ListQuery::parse(&pairs(&[("nope", "1")]))
                .unwrap_err()
                .param,
            "nope"
        );
    }

    #[test]
    fn bodies() {
        let usd = Currency::parse("USD").unwrap();
        assert!(RefundBody::parse(&json!({"reason": "duplicate"}), usd)
            .unwrap()
            .amount
            .is_none());
        assert_eq!(
            RefundBody::parse(&json!({"amount": "1.234", "reason": "duplicate"}), usd)
                .err()
                .unwrap()
                .param,
            "amount"
        );
        assert_eq!(
            RefundBody::parse(&json!({"reason": "because"}), usd)
                .err()
                .unwrap()
                .param,
            "reason"
        );
        assert_eq!(
            ClaimBody::parse(&json!({"reason": "damaged", "x": 1}))
                .err()
                .unwrap()
                .code,
            "parameter_unknown"
        );
        assert!(parse_claim_outcome(&json!({"outcome": "refund"})).unwrap());
        assert_eq!(
            parse_advance(&json!({"seconds": 0})).unwrap_err().param,
            "seconds"
        );
        assert_eq!(
            ShipBody::parse(&json!({"carrier": "UPS"}))
                .err()
                .unwrap()
                .param,
            "tracking_number"
        );
    }
}
