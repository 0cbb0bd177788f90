//! What happens after the card (docs/API.md, "Orders after the card"), called as a seller's
//! server, a buyer's card and the platform call it: decline, ship, deliver, refunds, claims,
//! history, conversation timelines, revenue reports and the per-seller test clock.
//!
//! It also holds the calendar and money arithmetic the tests use to compute their own
//! expectations (business days, ISO weeks, half-even averages), written here from scratch so
//! an expectation never borrows the code it checks.

use serde_json::{json, Value};

use crate::api::PaymentRequest;
use crate::cards::{pay_body, VISA};
use crate::edge::Edge;
use crate::http::Reply;

pub const DAY: i64 = 86_400;

impl Edge {
    /// `POST /v1/test_helpers/advance_clock {seconds}` with a seller key.
    pub fn advance_clock(&self, seller_key: &str, seconds: i64) -> Reply {
        self.call("POST", "/v1/test_helpers/advance_clock")
            .bearer(seller_key)
            .json(&json!({ "seconds": seconds }))
            .send()
    }

    /// Moves the seller's clock forward by `seconds` and returns its new time (Unix seconds).
    #[track_caller]
    pub fn advance(&self, seller_key: &str, seconds: i64) -> i64 {
        let reply = self.advance_clock(seller_key, seconds);
        let body = reply.expect(200);
        assert_eq!(body["object"], "test_clock", "{reply}");
        assert_eq!(body["advanced_by"], seconds, "advanced_by\n{reply}");
        unix(&body["now"], &reply)
    }

    /// The seller's clock now. The helper only moves forward, so this costs one second.
    #[track_caller]
    pub fn seller_now(&self, seller_key: &str) -> i64 {
        self.advance(seller_key, 1)
    }

    /// Moves the seller's clock to `target` (which must be ahead of it) and returns the time.
    #[track_caller]
    pub fn advance_to(&self, seller_key: &str, target: i64) -> i64 {
        let now = self.seller_now(seller_key);
        assert!(
            target > now,
            "advance_to {} but the clock is already at {}",
            rfc3339(target),
            rfc3339(now)
        );
        self.advance(seller_key, target - now)
    }

    /// Creates a request from `body` and pays it with a Visa; the pay must succeed.
    #[track_caller]
    pub fn create_paid(&self, seller_key: &str, body: Value) -> PaymentRequest {
        let request = self.create_request_with(seller_key, body);
        let paid = self.pay(&request, &pay_body(VISA), None);
        paid.expect(200);
        assert_eq!(paid.json["status"], "paid", "{paid}");
        PaymentRequest {
            json: paid.json.clone(),
            ..request
        }
    }

    /// `GET /v1/payment_requests/{id}` that must answer 200; the full object.
    #[track_caller]
    pub fn read(&self, seller_key: &str, id: &str) -> Value {
        let reply = self.get_request(seller_key, id);
        reply.expect(200).clone()
    }

    /// `POST .../decline` with the client secret and `{reason}`.
    pub fn decline(&self, request: &PaymentRequest) -> Reply {
        self.call(
            "POST",
            &format!("/v1/payment_requests/{}/decline", request.id),
        )
        .bearer(&request.client_secret)
        .json(&json!({"reason": "changed my mind"}))
        .send()
    }

    /// `POST .../ship` with `{carrier, tracking_number}`.
    pub fn ship(&self, seller_key: &str, id: &str, carrier: &str, tracking_number: &str) -> Reply {
        self.call("POST", &format!("/v1/payment_requests/{id}/ship"))
            .bearer(seller_key)
            .json(&json!({"carrier": carrier, "tracking_number": tracking_number}))
            .send()
    }

    /// `POST .../deliver` with no body.
    pub fn deliver(&self, seller_key: &str, id: &str) -> Reply {
        self.call("POST", &format!("/v1/payment_requests/{id}/deliver"))
            .bearer(seller_key)
            .send()
    }

    /// `POST .../refunds` with `{amount?, reason}`; `None` refunds the rest.
    pub fn refund(&self, seller_key: &str, id: &str, amount: Option<&str>, reason: &str) -> Reply {
        let mut body = json!({ "reason": reason });
        if let Some(amount) = amount {
            body["amount"] = json!(amount);
        }
        self.call("POST", &format!("/v1/payment_requests/{id}/refunds"))
            .bearer(seller_key)
            .json(&body)
            .send()
    }

    /// `POST .../claims` with the client secret and `{reason, description}`.
    pub fn open_claim(&self, request: &PaymentRequest, reason: &str) -> Reply {
        self.call(
            "POST",
            &format!("/v1/payment_requests/{}/claims", request.id),
        )
        .bearer(&request.client_secret)
        .json(&json!({"reason": reason, "description": "The parcel never came."}))
        .send()
    }

    /// `POST /v1/claims/{id}/respond` with `{message}`.
    pub fn respond_claim(&self, seller_key: &str, claim_id: &str) -> Reply {
        self.call("POST", &format!("/v1/claims/{claim_id}/respond"))
            .bearer(seller_key)
            .json(&json!({"message": "Sent on the 3rd; tracking attached."}))
            .send()
    }

    /// `POST /v1/claims/{id}/resolve` with `{outcome}` and the given key (the seller's own
    /// key works in test mode).
    pub fn resolve_claim(&self, key: &str, claim_id: &str, outcome: &str) -> Reply {
        self.call("POST", &format!("/v1/claims/{claim_id}/resolve"))
            .bearer(key)
            .json(&json!({ "outcome": outcome }))
            .send()
    }

    /// `GET /v1/payment_requests?{query}`; `query` is already encoded (see `query`).
    pub fn list_requests(&self, seller_key: &str, query: &str) -> Reply {
        let path = if query.is_empty() {
            "/v1/payment_requests".to_owned()
        } else {
            format!("/v1/payment_requests?{query}")
        };
        self.call("GET", &path).bearer(seller_key).send()
    }

    /// `GET /v1/payment_requests/{id}/events?{query}`; `query` is already encoded.
    pub fn list_events(&self, seller_key: &str, id: &str, query: &str) -> Reply {
        self.call("GET", &format!("/v1/payment_requests/{id}/events?{query}"))
            .bearer(seller_key)
            .send()
    }

    /// `POST /v1/payment_requests/{id}/unlock` with a seller or restricted key, no body.
    pub fn unlock(&self, key: &str, id: &str) -> Reply {
        self.call("POST", &format!("/v1/payment_requests/{id}/unlock"))
            .bearer(key)
            .send()
    }

    /// `GET /v1/conversations/{id}/timeline`.
    pub fn timeline(&self, seller_key: &str, conversation_id: &str) -> Reply {
        self.call(
            "GET",
            &format!("/v1/conversations/{conversation_id}/timeline"),
        )
        .bearer(seller_key)
        .send()
    }

    /// `GET /v1/reports/revenue?from=&to=&group_by=`, as JSON or (with `csv`) as CSV.
    pub fn revenue(
        &self,
        seller_key: &str,
        from: i64,
        to: i64,
        group_by: &str,
        csv: bool,
    ) -> Reply {
        let path = format!(
            "/v1/reports/revenue?{}",
            query(&[
                ("from", rfc3339(from)),
                ("to", rfc3339(to)),
                ("group_by", group_by.to_owned()),
            ])
        );
        let call = self.call("GET", &path).bearer(seller_key);
        let call = if csv {
            call.header("Accept", "text/csv")
        } else {
            call
        };
        call.send()
    }

    /// Walks every page of `GET /v1/payment_requests?{filters}&limit={limit}` with
    /// `starting_after` and checks each page against `expected` (ids, in order): the exact
    /// ids, full pages until the last, `has_more` true exactly while ids remain. The error
    /// names the page and shows the reply.
    pub fn check_pages(
        &self,
        seller_key: &str,
        filters: &[(&str, String)],
        limit: Option<usize>,
        expected: &[String],
    ) -> Result<(), String> {
        let page_size = limit.unwrap_or(20);
        let mut seen = 0;
        let mut cursor: Option<String> = None;
        let max_pages = expected.len() / page_size.max(1) + 2;
        for page in 0..max_pages {
            let mut params: Vec<(&str, String)> = filters.to_vec();
            if let Some(limit) = limit {
                params.push(("limit", limit.to_string()));
            }
            if let Some(after) = &cursor {
                params.push(("starting_after", after.clone()));
            }
            let reply = self.list_requests(seller_key, &query(&params));
            if reply.status != 200 {
                return Err(format!("page {page}: status {}\n{reply}", reply.status));
            }
            if reply.json["object"] != "list" {
                return Err(format!("page {page}: object is not \"list\"\n{reply}"));
            }
            let Some(data) = reply.json["data"].as_array() else {
                return Err(format!("page {page}: no data array\n{reply}"));
            };
            let ids: Vec<String> = data
                .iter()
                .map(|r| r["id"].as_str().unwrap_or("(no id)").to_owned())
                .collect();
            let want_len = page_size.min(expected.len() - seen);
            let want = &expected[seen..seen + want_len];
            if ids != want {
                return Err(format!(
                    "page {page} (after {seen} of {} ids): got {} ids {:?}\n  expected {} ids {:?}\n{}",
                    expected.len(),
                    ids.len(),
                    ids,
                    want.len(),
                    want,
                    short(&reply)
                ));
            }
            seen += want_len;
            let more = seen < expected.len();
            if reply.json["has_more"] != more {
                return Err(format!(
                    "page {page}: has_more is {} with {} of {} ids seen\n{}",
                    reply.json["has_more"],
                    seen,
                    expected.len(),
                    short(&reply)
                ));
            }
            if !more {
                return Ok(());
            }
            cursor = ids.last().cloned();
        }
        Err(format!(
            "still has_more after {max_pages} pages of {page_size}"
        ))
    }
}

/// A reply with its request and only the head of its body, for messages on long lists.
fn short(reply: &Reply) -> String {
    let head: String = reply.text.chars().take(600).collect();
    format!(
        "  request:  {}\n  response: {} {head}...",
        reply.what, reply.status
    )
}

/// `k=v&k=v`, each part percent-encoded (`created[gte]` as `created%5Bgte%5D`, as a
/// browser's URLSearchParams sends it).
pub fn query(params: &[(&str, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A string field of `value`, or a panic that shows the reply.
#[track_caller]
pub fn text<'a>(value: &'a Value, what: &str, context: &dyn std::fmt::Display) -> &'a str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {value}\n{context}"))
}

/// An RFC 3339 UTC time (`...Z`, optional fraction) as Unix seconds, or a panic.
#[track_caller]
pub fn unix(value: &Value, context: &dyn std::fmt::Display) -> i64 {
    parse_rfc3339(value.as_str().unwrap_or(""))
        .unwrap_or_else(|| panic!("{value} is not an RFC 3339 UTC time\n{context}"))
}

pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || *b.last()? != b'Z' {
        return None;
    }
    let fraction = &b[19..b.len() - 1];
    if !(fraction.is_empty()
        || (fraction.len() > 1
            && fraction[0] == b'.'
            && fraction[1..].iter().all(u8::is_ascii_digit)))
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = std::str::from_utf8(&b[r]).ok()?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * DAY + h * 3600 + mi * 60 + s)
}

/// `2026-11-25T12:03:10Z`.
pub fn rfc3339(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(DAY));
    let s = t.rem_euclid(DAY);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// Days since 1970-01-01 (Howard Hinnant's algorithms, both ways).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// 0 for Monday .. 6 for Sunday, in UTC. 1970-01-01 was a Thursday.
pub fn weekday(t: i64) -> i64 {
    (t.div_euclid(DAY) + 3).rem_euclid(7)
}

pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// `t` moved forward day by day until `n` weekdays (Monday to Friday) have been counted:
/// Friday + 3 is Wednesday, Saturday + 3 is Wednesday. The time of day stays.
pub fn add_business_days(t: i64, n: u32) -> i64 {
    let mut at = t;
    let mut counted = 0;
    while counted < n {
        at += DAY;
        if weekday(at) < 5 {
            counted += 1;
        }
    }
    at
}

/// The next midnight (UTC) strictly after `t`.
pub fn next_midnight(t: i64) -> i64 {
    (t.div_euclid(DAY) + 1) * DAY
}

/// `2026-11-25`.
pub fn day_key(t: i64) -> String {
    rfc3339(t)[..10].to_owned()
}

/// `2026-11`.
pub fn month_key(t: i64) -> String {
    rfc3339(t)[..7].to_owned()
}

/// The ISO 8601 week, `2026-W48`: the week belongs to the year of its Thursday.
pub fn iso_week_key(t: i64) -> String {
    let days = t.div_euclid(DAY);
    let thursday = days - weekday(t) + 3;
    let (year, _, _) = civil_from_days(thursday);
    let week = (thursday - days_from_civil(year, 1, 1)) / 7 + 1;
    format!("{year:04}-W{week:02}")
}

/// A decimal string (`"12.50"`, `"1200"`, `"1.250"`) as minor units of exponent `exp`,
/// or `None` when it does not have exactly `exp` decimals.
pub fn to_minor(amount: &str, exp: u32) -> Option<i64> {
    let (whole, frac) = match amount.split_once('.') {
        Some((w, f)) => (w, f),
        None => (amount, ""),
    };
    if frac.len() != exp as usize
        || whole.is_empty()
        || !whole.bytes().all(|c| c.is_ascii_digit())
        || !frac.bytes().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let digits = format!("{whole}{frac}");
    digits.parse().ok()
}

/// Minor units as the decimal string of exponent `exp`: `format_minor(1250, 3)` is `"1.250"`.
pub fn format_minor(minor: i64, exp: u32) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if exp == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(exp);
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = exp as usize
    )
}

/// `n / d` rounded half to even, for non-negative `n` and positive `d`.
pub fn div_half_even(n: i64, d: i64) -> i64 {
    let (q, r) = (n / d, n % d);
    match (2 * r).cmp(&d) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => q + (q % 2),
    }
}

/// ISO 4217 exponents of the currencies these tests use.
pub fn exponent(currency: &str) -> u32 {
    match currency {
        "JPY" | "KRW" => 0,
        "KWD" | "BHD" => 3,
        _ => 2,
    }
}

/// The events of a full object of kind `part`. The contract leaves event types open, so an
/// event is found by one dot-separated part of its type: `paid` finds
/// `payment_request.paid` but not `payout.paid_out`.
pub fn events_like<'a>(request: &'a Value, part: &str) -> Vec<&'a Value> {
    request["events"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .filter(|e| {
                    e["type"]
                        .as_str()
                        .is_some_and(|t| t.split('.').any(|p| p == part))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The one event of kind `part` (see `events_like`), or a panic that lists the events.
#[track_caller]
pub fn event_like<'a>(request: &'a Value, part: &str) -> &'a Value {
    let found = events_like(request, part);
    assert!(
        found.len() == 1,
        "expected exactly one event with {part:?} in its type, found {}; events: {}",
        found.len(),
        request["events"]
    );
    found[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_matches_known_dates() {
        let t = parse_rfc3339("2026-11-25T12:03:10Z").unwrap();
        assert_eq!(rfc3339(t), "2026-11-25T12:03:10Z");
        assert_eq!(parse_rfc3339("2026-11-25T12:03:10.250Z"), Some(t));
        assert_eq!(parse_rfc3339("2026-11-25T12:03:10+00:00"), None);
        assert_eq!(WEEKDAYS[weekday(t) as usize], "Wednesday");
        assert_eq!(iso_week_key(t), "2026-W48");
        // 2021-01-03 (Sunday) is in 2020's week 53; 2024-12-30 (Monday) in 2025's week 1.
        assert_eq!(iso_week_key(days_from_civil(2021, 1, 3) * DAY), "2020-W53");
        assert_eq!(
            iso_week_key(days_from_civil(2024, 12, 30) * DAY),
            "2025-W01"
        );
        let friday = parse_rfc3339("2026-11-27T10:00:00Z").unwrap();
        assert_eq!(
            rfc3339(add_business_days(friday, 3)),
            "2026-12-02T10:00:00Z"
        );
        let saturday = friday + DAY;
        assert_eq!(
            rfc3339(add_business_days(saturday, 3)),
            "2026-12-02T10:00:00Z"
        );
        assert_eq!(rfc3339(add_business_days(t, 3)), "2026-11-30T12:03:10Z");
        assert_eq!(day_key(t), "2026-11-25");
        assert_eq!(month_key(t), "2026-11");
    }

    #[test]
    fn money_is_exact_and_averages_round_half_even() {
        assert_eq!(to_minor("12.50", 2), Some(1250));
        assert_eq!(to_minor("1200", 0), Some(1200));
        assert_eq!(to_minor("1.250", 3), Some(1250));
        assert_eq!(to_minor("12.5", 2), None);
        assert_eq!(format_minor(1250, 3), "1.250");
        assert_eq!(format_minor(5, 2), "0.05");
        assert_eq!(format_minor(-5, 2), "-0.05");
        assert_eq!(format_minor(1200, 0), "1200");
        assert_eq!(div_half_even(3001, 2), 1500);
        assert_eq!(div_half_even(3003, 2), 1502);
        assert_eq!(div_half_even(1583, 2), 792);
        assert_eq!(div_half_even(10, 3), 3);
        assert_eq!(div_half_even(11, 3), 4);
    }

    #[test]
    fn queries_are_percent_encoded() {
        assert_eq!(
            query(&[("created[gte]", "2026-11-25T00:00:00Z".into())]),
            "created%5Bgte%5D=2026-11-25T00%3A00%3A00Z"
        );
    }
}
