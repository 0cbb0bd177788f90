//! Revenue reports through the front door: payments, partial and full refunds in USD, JPY
//! and KWD over five weeks of one seller's test clock, grouped by agent, day, ISO week and
//! month, checked against sums this test keeps itself in minor units. JSON and CSV.

use std::collections::BTreeMap;

use chatpay_tests::orders::{
    civil_from_days, day_key, days_from_civil, div_half_even, exponent, format_minor, iso_week_key,
    month_key, next_midnight, parse_rfc3339, rfc3339, to_minor, unix, weekday, DAY,
};
use chatpay_tests::{shared, Edge, PaymentRequest, Reply};
use serde_json::json;

/// One movement of money as the test saw it.
#[derive(Clone, Debug)]
struct Movement {
    at: i64,
    agent: Option<String>,
    currency: &'static str,
    minor: i64,
    is_refund: bool,
}

/// The test's own books: every payment and refund it made, with the edge's timestamps.
struct Books<'e> {
    edge: &'e Edge,
    key: String,
    movements: Vec<Movement>,
    /// Per request: (agent, currency, paid, refunded so far), in minor units.
    orders: Vec<(PaymentRequest, Option<String>, &'static str, i64, i64)>,
}

impl<'e> Books<'e> {
    /// Creates, pays and ships (so the 30-day unshipped rule leaves it alone) one order.
    fn sell(&mut self, amount: &str, currency: &'static str, agent: Option<&str>) -> usize {
        let mut body = json!({"amount": amount, "currency": currency, "description": "Report"});
        if let Some(a) = agent {
            body["agent_id"] = json!(a);
        }
        let request = self.edge.create_paid(&self.key, body);
        let at = unix(&request.json["payment"]["paid_at"], &request.json);
        self.edge
            .ship(&self.key, &request.id, "UPS", "1Z0000000000000008")
            .expect(200);
        let minor = to_minor(amount, exponent(currency)).expect("a valid amount");
        self.movements.push(Movement {
            at,
            agent: agent.map(str::to_owned),
            currency,
            minor,
            is_refund: false,
        });
        self.orders
            .push((request, agent.map(str::to_owned), currency, minor, 0));
        self.orders.len() - 1
    }

    /// Refunds `amount` of order `n`, or the rest when `None`; the edge must agree on it.
    fn refund(&mut self, n: usize, amount: Option<&str>) {
        let (request, agent, currency, paid, refunded) = self.orders[n].clone();
        let exp = exponent(currency);
        let minor = amount.map_or(paid - refunded, |a| to_minor(a, exp).expect("valid"));
        let reply = self
            .edge
            .refund(&self.key, &request.id, amount, "requested_by_customer");
        let body = reply.expect(201);
        assert_eq!(body["amount"], format_minor(minor, exp), "{reply}");
        self.orders[n].4 += minor;
        self.movements.push(Movement {
            at: unix(&body["created_at"], &reply),
            agent,
            currency,
            minor,
            is_refund: true,
        });
    }

    /// The rows the report must hold: (group, currency) -> the CSV columns as strings.
    fn expected(&self, from: i64, to: i64, group_by: &str) -> BTreeMap<Key, Row> {
        let mut sums: BTreeMap<(String, String), (i64, i64, i64)> = BTreeMap::new();
        for m in self.movements.iter().filter(|m| (from..to).contains(&m.at)) {
            let group = match group_by {
                "agent" => m.agent.clone().unwrap_or_else(|| "(none)".to_owned()),
                "day" => day_key(m.at),
                "week" => iso_week_key(m.at),
                "month" => month_key(m.at),
                other => panic!("no such grouping {other}"),
            };
            let entry = sums.entry((group, m.currency.to_owned())).or_default();
            if m.is_refund {
                entry.1 += m.minor;
            } else {
                entry.0 += m.minor;
                entry.2 += 1;
            }
        }
        sums.into_iter()
            .map(|((group, currency), (gross, refunds, count))| {
                let exp = exponent(&currency);
                let row = Row {
                    gross: format_minor(gross, exp),
                    refunds: format_minor(refunds, exp),
                    net: format_minor(gross - refunds, exp),
                    count: count.to_string(),
                    // With no payment in the group there is no average: null.
                    average: (count > 0).then(|| format_minor(div_half_even(gross, count), exp)),
                };
                ((group, currency), row)
            })
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq)]
struct Row {
    gross: String,
    refunds: String,
    net: String,
    count: String,
    average: Option<String>,
}

/// (group, currency).
type Key = (String, String);
/// A parsed row and its raw text, per key.
type Rows = BTreeMap<Key, (Row, String)>;

/// The report's rows, keyed by (group, currency); duplicates are an error.
fn json_rows(reply: &Reply) -> Result<Rows, String> {
    let rows = reply.json["rows"]
        .as_array()
        .ok_or_else(|| format!("no rows array\n{reply}"))?;
    let mut out = BTreeMap::new();
    for row in rows {
        let s = |k: &str| row[k].as_str().unwrap_or("(missing)").to_owned();
        let count = row["count"].as_i64().map_or_else(
            || format!("(not an integer: {})", row["count"]),
            |c| c.to_string(),
        );
        let key = (s("group"), s("currency"));
        let parsed = Row {
            gross: s("gross"),
            refunds: s("refunds"),
            net: s("net"),
            count,
            // null when the group holds only refunds (count 0).
            average: (!row["average"].is_null()).then(|| s("average")),
        };
        if out.insert(key.clone(), (parsed, row.to_string())).is_some() {
            return Err(format!("two rows for {key:?}\n{reply}"));
        }
    }
    Ok(out)
}

fn csv_rows(reply: &Reply) -> Result<Rows, String> {
    let mut lines = reply.text.lines();
    let header = lines.next().unwrap_or("");
    if header.trim_end() != "group,currency,gross,refunds,net,count,average" {
        return Err(format!("CSV header {header:?}\n{reply}"));
    }
    let mut out = BTreeMap::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.trim_end().split(',').collect();
        if cols.len() != 7 {
            return Err(format!(
                "CSV line {line:?} has {} columns\n{reply}",
                cols.len()
            ));
        }
        let key = (cols[0].to_owned(), cols[1].to_owned());
        let row = Row {
            gross: cols[2].into(),
            refunds: cols[3].into(),
            net: cols[4].into(),
            count: cols[5].into(),
            average: Some(cols[6].into()),
        };
        if out.insert(key.clone(), (row, line.to_owned())).is_some() {
            return Err(format!("two CSV lines for {key:?}\n{reply}"));
        }
    }
    Ok(out)
}

/// Compares a report with the books; every difference is listed.
fn compare(what: &str, got: &Rows, want: &BTreeMap<Key, Row>, csv: bool) -> Vec<String> {
    let mut out = Vec::new();
    for (key, row) in want {
        match got.get(key) {
            None => out.push(format!("{what}: no row for {key:?}; expected {row:?}")),
            Some((actual, raw)) => {
                let mut actual = actual.clone();
                // The contract does not say how CSV writes a null average.
                if csv && row.average.is_none() {
                    actual.average = None;
                }
                if actual != *row {
                    out.push(format!(
                        "{what}: row {key:?}\n  expected {row:?}\n  actual   {raw}"
                    ));
                }
            }
        }
    }
    for (key, (_, raw)) in got {
        if !want.contains_key(key) {
            out.push(format!("{what}: unexpected row {raw}"));
        }
    }
    out
}

#[test]
fn revenue_by_agent_day_week_and_month_in_three_currencies() {
    let edge = shared();
    let seller = edge.create_seller();
    let mut books = Books {
        edge: &edge,
        key: seller.secret_key.clone(),
        movements: Vec::new(),
        orders: Vec::new(),
    };
    let key = seller.secret_key.as_str();
    let (maya, omar) = (Some("maya"), Some("omar"));

    // Day 1 starts at the second midnight from now on this seller's clock.
    let day1 = next_midnight(edge.seller_now(key)) + DAY;
    edge.advance_to(key, day1 + 10 * 3600);
    let usd_10 = books.sell("10.00", "USD", maya);
    let usd_20 = books.sell("20.01", "USD", maya);
    books.sell("5.00", "USD", omar);
    books.sell("1000", "JPY", maya);
    let jpy_333 = books.sell("333", "JPY", None);
    let kwd = books.sell("1.250", "KWD", omar);

    // Day 2: more sales, and refunds of day 1's sales, counted on day 2.
    edge.advance_to(key, day1 + DAY + 10 * 3600);
    let day2_first = books.sell("7.50", "USD", omar);
    books.sell("2001", "JPY", maya);
    books.sell("0.333", "KWD", omar);
    books.refund(usd_20, Some("5.00"));
    books.refund(jpy_333, None);

    // Day 9, another ISO week.
    edge.advance_to(key, day1 + 8 * DAY + 10 * 3600);
    let usd_100 = books.sell("100.00", "USD", None);
    books.sell("2.000", "KWD", maya);
    books.refund(kwd, Some("0.250"));
    books.refund(usd_10, Some("0.01"));

    // Day 37, another month: a refund larger than the day's sales.
    edge.advance_to(key, day1 + 36 * DAY + 10 * 3600);
    books.sell("500", "JPY", omar);
    books.sell("12.34", "USD", maya);
    books.refund(usd_100, None);
    books.refund(kwd, None);

    let (from, to) = (day1, day1 + 40 * DAY);
    let paid_at = |n: usize| {
        let json = &books.orders[n].0.json;
        unix(&json["payment"]["paid_at"], json)
    };
    let (cut_from, cut_to) = (paid_at(day2_first), paid_at(usd_100));

    let mut failures = Vec::new();
    let ranges = [
        ("agent", from, to),
        ("day", from, to),
        ("week", from, to),
        ("month", from, to),
        // From exactly day 2's first payment (inclusive) to exactly day 9's first (exclusive).
        ("agent", cut_from, cut_to),
        ("day", day1 + DAY, day1 + 9 * DAY),
    ];
    for (group_by, from, to) in ranges {
        let what = format!(
            "group_by={group_by} from={} to={}",
            rfc3339(from),
            rfc3339(to)
        );
        let reply = edge.revenue(key, from, to, group_by, false);
        if reply.status != 200 {
            failures.push(format!("{what}\n{reply}"));
            continue;
        }
        let body = &reply.json;
        if body["object"] != "revenue_report" || body["group_by"] != group_by {
            failures.push(format!("{what}: object or group_by\n{reply}"));
        }
        if body["from"].as_str().and_then(parse_rfc3339) != Some(from)
            || body["to"].as_str().and_then(parse_rfc3339) != Some(to)
        {
            failures.push(format!("{what}: from/to not echoed\n{reply}"));
        }
        let want = books.expected(from, to, group_by);
        match json_rows(&reply) {
            Ok(got) => failures.extend(compare(&what, &got, &want, false)),
            Err(why) => failures.push(format!("{what}: {why}")),
        }
        let csv = edge.revenue(key, from, to, group_by, true);
        let ct = csv.header("content-type").unwrap_or("");
        if csv.status != 200 || !ct.starts_with("text/csv") {
            failures.push(format!(
                "{what} as CSV: status or Content-Type {ct:?}\n{csv}"
            ));
            continue;
        }
        match csv_rows(&csv) {
            Ok(got) => failures.extend(compare(&format!("{what} (CSV)"), &got, &want, true)),
            Err(why) => failures.push(format!("{what} (CSV): {why}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} report mismatches:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn revenue_report_parameters_are_checked() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key.as_str();
    let now = chatpay_tests::checks::unix_now();
    let bad_group = edge.revenue(key, now - DAY, now, "year", false);
    assert_eq!(bad_group.status, 400, "{bad_group}");
    assert_eq!(bad_group.json["error"]["param"], "group_by", "{bad_group}");
    let empty = edge.revenue(key, now - DAY, now, "month", false);
    assert_eq!(
        empty.expect(200)["rows"],
        json!([]),
        "a seller with no sales\n{empty}"
    );
}

#[test]
fn iso_weeks_and_months_cross_the_new_year() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key.as_str();
    let mut books = Books {
        edge: &edge,
        key: seller.secret_key.clone(),
        movements: Vec::new(),
        orders: Vec::new(),
    };
    // The next December 28 whose year ends in ISO week 53 or whose January 1 falls in the
    // old year's last week (a Friday, Saturday or Sunday).
    let now = edge.seller_now(key);
    let (mut year, _, _) = civil_from_days(now.div_euclid(DAY));
    let dec28 = loop {
        let dec28 = days_from_civil(year, 12, 28) * DAY;
        let jan1 = days_from_civil(year + 1, 1, 1) * DAY;
        if dec28 > now + DAY && matches!(weekday(jan1), 4..=6) {
            break dec28;
        }
        year += 1;
    };
    // Dec 28, Dec 31, Jan 1, Jan 3 and the Monday after, at noon.
    let days = [0, 3, 4, 6]
        .into_iter()
        .map(|d| dec28 + d * DAY)
        .chain(std::iter::once({
            let jan1 = days_from_civil(year + 1, 1, 1) * DAY;
            let mut monday = jan1;
            while weekday(monday) != 0 {
                monday += DAY;
            }
            monday
        }))
        .collect::<Vec<_>>();
    for (n, day) in days.iter().enumerate() {
        let target = day + 12 * 3600;
        let mut at = edge.seller_now(key);
        while at + 31_536_000 < target {
            at = edge.advance(key, 31_536_000);
        }
        edge.advance_to(key, target);
        books.sell(
            ["1.00", "2.00", "3.00", "4.00", "5.00"][n],
            "USD",
            Some("maya"),
        );
        books.sell(["100", "200", "300", "400", "500"][n], "JPY", None);
    }
    let jan1_key = iso_week_key(days_from_civil(year + 1, 1, 1) * DAY);
    assert!(
        jan1_key.starts_with(&format!("{year:04}-W")),
        "the test's own ISO week of January 1 {} is {jan1_key}",
        year + 1
    );

    let (from, to) = (dec28, days[4] + DAY);
    let mut failures = Vec::new();
    for group_by in ["week", "month", "day"] {
        let what = format!(
            "group_by={group_by} from={} to={}",
            rfc3339(from),
            rfc3339(to)
        );
        let reply = edge.revenue(key, from, to, group_by, false);
        match json_rows(&reply) {
            Ok(got) => failures.extend(compare(
                &what,
                &got,
                &books.expected(from, to, group_by),
                false,
            )),
            Err(why) => failures.push(format!("{what}: {why}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
