//! The query strings of the order history (`GET /v1/payment_requests`) and the revenue
//! report (`GET /v1/reports/revenue`).

use crate::fields::FieldError;
use crate::state::{Fulfillment, Refund, Status};
use crate::time::parse_rfc3339;

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
    /// `card`, `paypal` or `wallet`.
    Method,
    Day,
    Week,
    Month,
}

impl GroupBy {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Agent => "agent",
            GroupBy::Method => "method",
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
                        "method" => GroupBy::Method,
                        "day" => GroupBy::Day,
                        "week" => GroupBy::Week,
                        "month" => GroupBy::Month,
                        _ => {
                            return Err(query_error(
                                "group_by",
                                "`group_by` must be agent, method, day, week or month.",
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
}
