//! Reading a seller's history: the filtered, cursor-paginated list of requests, and the
//! revenue report (per currency, grouped by agent, day, ISO week or month).

use super::context::Ledger;
use super::rows::{RequestRow, SellerRow, REQUEST_COLUMNS};
use crate::http::value;
use crate::http::Fail;
use chatpay_core::api::views;
use chatpay_core::orders::{GroupBy, ListQuery, RevenueQuery};
use chatpay_core::state::{Refund, Status};
use chatpay_core::time::{day_key, iso_week_key, month_key, rfc3339};
use chatpay_core::Currency;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use worker::SqlStorageValue;

#[derive(Deserialize)]
struct Money {
    amount_minor: i64,
    currency: String,
    at: i64,
    agent_id: Option<String>,
    method: Option<String>,
}

#[derive(Default)]
struct Sums {
    gross: i128,
    refunds: i128,
    count: i64,
}

fn decimal(minor: i128, exponent: u32) -> String {
    Decimal::from_i128_with_scale(minor, exponent).to_string()
}

impl Ledger<'_> {
    /// The filtered list; a key limited to one agent (`only_agent`) sees that agent's
    /// requests only, whatever the filters say.
    pub(crate) fn list(
        &self,
        seller: &SellerRow,
        pairs: &[(String, String)],
        only_agent: Option<&str>,
    ) -> Result<Value, Fail> {
        let q = ListQuery::parse(pairs)?;
        let mut sql = format!("SELECT {REQUEST_COLUMNS} FROM payment_requests WHERE 1 = 1");
        let mut args: Vec<SqlStorageValue> = Vec::new();
        if let Some(agent) = only_agent {
            sql += " AND agent_id = ?";
            args.push(agent.into());
        }
        if !q.status.is_empty() {
            let mut stored: Vec<&str> = q.status.iter().map(|s| s.as_str()).collect();
            if q.status.contains(&Status::Requested) {
                stored.push(Status::Processing.as_str()); // reads as requested
            }
            sql += &format!(" AND status IN ({})", vec!["?"; stored.len()].join(", "));
            args.extend(stored.into_iter().map(Into::into));
        }
        if let Some(f) = q.fulfillment_status {
            sql += " AND fulfillment_status = ?";
            args.push(f.as_str().into());
        }
        match q.refund_status {
            None => {}
            Some(Refund::None) => sql += " AND refunded_minor = 0",
            Some(Refund::Partial) => {
                sql += " AND refunded_minor > 0 AND refunded_minor < amount_minor"
            }
            Some(Refund::Full) => {
                sql += " AND refunded_minor > 0 AND refunded_minor >= amount_minor"
            }
        }
        for (column, value) in [
            ("agent_id", &q.agent_id),
            ("conversation_id", &q.conversation_id),
        ] {
            if let Some(v) = value {
                sql += &format!(" AND {column} = ?");
                args.push(v.clone().into());
            }
        }
        for (clause, value) in [
            ("created_at >= ?", q.created_gte),
            ("created_at < ?", q.created_lt),
            ("paid_at >= ?", q.paid_gte),
            ("paid_at < ?", q.paid_lt),
        ] {
            if let Some(v) = value {
                sql += &format!(" AND {clause}");
                args.push(v.into());
            }
        }
        if let Some(text) = &q.q {
            let escaped = text
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            sql += " AND description LIKE ? ESCAPE '\\'";
            args.push(format!("%{escaped}%").into());
        }
        if let Some(after) = &q.starting_after {
            let cursor = self
                .load_request(Some(after))
                .ok()
                .filter(|c| only_agent.is_none_or(|a| c.agent_id.as_deref() == Some(a)))
                .ok_or_else(|| {
                    Fail::invalid(
                        "resource_missing",
                        "`starting_after` is not a payment request of this seller.",
                    )
                    .param("starting_after")
                })?;
            sql += " AND (created_at < ? OR (created_at = ? AND id < ?))";
            args.extend([
                cursor.created_at.into(),
                cursor.created_at.into(),
                cursor.id.clone().into(),
            ]);
        }
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?";
        args.push((q.limit as i64 + 1).into());
        let mut rows: Vec<RequestRow> = self.sql.exec(&sql, args)?.to_array()?;
        let has_more = rows.len() > q.limit;
        rows.truncate(q.limit);
        let data = rows
            .iter()
            .map(|row| self.request_view(seller, row, false))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(value(&views::List {
            object: Default::default(),
            url: Some("/v1/payment_requests".into()),
            data,
            has_more,
        }))
    }

    pub(crate) fn revenue(&self, pairs: &[(String, String)]) -> Result<Value, Fail> {
        let q = RevenueQuery::parse(pairs)?;
        let read = |sql: &str| -> Result<Vec<Money>, Fail> {
            Ok(self
                .sql
                .exec(sql, vec![q.from.into(), q.to.into()])?
                .to_array()?)
        };
        let payments = read(
            "SELECT p.amount_minor, p.currency, p.paid_at AS at, r.agent_id, p.method FROM payments p
             JOIN payment_requests r ON r.id = p.request_id
             WHERE p.paid_at >= ? AND p.paid_at < ? AND r.status != 'pending'",
        )?;
        let refunds = read(
            "SELECT f.amount_minor, f.currency, f.created_at AS at, r.agent_id, p.method FROM refunds f
             JOIN payment_requests r ON r.id = f.request_id LEFT JOIN payments p ON p.request_id = f.request_id
             WHERE f.created_at >= ? AND f.created_at < ?",
        )?;
        let group = |m: &Money| match q.group_by {
            GroupBy::Agent => m.agent_id.clone().unwrap_or_else(|| "(none)".into()),
            GroupBy::Method => m.method.clone().unwrap_or_else(|| "card".into()),
            GroupBy::Day => day_key(m.at),
            GroupBy::Week => iso_week_key(m.at),
            GroupBy::Month => month_key(m.at),
        };
        let mut sums: BTreeMap<(String, String), Sums> = BTreeMap::new();
        for p in &payments {
            let s = sums.entry((group(p), p.currency.clone())).or_default();
            s.gross += i128::from(p.amount_minor);
            s.count += 1;
        }
        for r in &refunds {
            sums.entry((group(r), r.currency.clone()))
                .or_default()
                .refunds += i128::from(r.amount_minor);
        }
        let rows: Vec<views::RevenueRow> = sums
            .into_iter()
            .map(|((group, currency), s)| {
                let e = Currency::parse_stored(&currency).map_or(2, Currency::exponent);
                let average = (s.count > 0).then(|| {
                    let mut avg = (Decimal::from_i128_with_scale(s.gross, e)
                        / Decimal::from(s.count))
                    .round_dp_with_strategy(e, RoundingStrategy::MidpointNearestEven);
                    avg.rescale(e);
                    avg.to_string()
                });
                views::RevenueRow {
                    gross: decimal(s.gross, e),
                    refunds: decimal(s.refunds, e),
                    net: decimal(s.gross - s.refunds, e),
                    count: s.count as u64,
                    average,
                    group,
                    currency,
                }
            })
            .collect();
        Ok(value(&views::RevenueReport {
            object: Default::default(),
            from: rfc3339(q.from),
            to: rfc3339(q.to),
            group_by: q.group_by.as_str().into(),
            rows,
        }))
    }
}

/// The report as CSV: `group,currency,gross,refunds,net,count,average`.
///
/// Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as
/// a formula, and `group` holds text a seller's staff or API callers chose (agent ids), so
/// such a cell gets a leading `'`. Cells holding `"`, `,`, CR or LF are quoted. Numeric
/// columns are ours and stay as they are.
pub fn revenue_csv(report: &Value) -> String {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let quote = |cell: String| {
        if cell.contains(['"', ',', '\r', '\n']) {
            format!("\"{}\"", cell.replace('"', "\"\""))
        } else {
            cell
        }
    };
    let mut out = String::from("group,currency,gross,refunds,net,count,average\n");
    for row in report["rows"].as_array().into_iter().flatten() {
        let mut cells = Vec::with_capacity(7);
        for k in [
            "group", "currency", "gross", "refunds", "net", "count", "average",
        ] {
            let mut cell = text(&row[k]);
            if k == "group" && cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                cell.insert(0, '\'');
            }
            cells.push(quote(cell));
        }
        out += &cells.join(",");
        out.push('\n');
    }
    out
}
