//! Revenue by agent, day, week or month (`GET /v1/reports/revenue`): one SVG bar chart per
//! currency, since amounts in different currencies never share an axis, and the exact
//! figures in a table below each chart.

use crate::api::{self, Failure};
use crate::fields::{blames, TextField};
use crate::intl::{day_start, format_amount, utc_date};
use crate::session::Session;
use chatpay_core::api::views::{RevenueReport, RevenueRow};
use chatpay_core::api::ApiError;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;

const GROUPS: [(&str, &str); 5] = [
    ("agent", "Agent"),
    ("method", "Payment method"),
    ("day", "Day"),
    ("week", "Week"),
    ("month", "Month"),
];

#[component]
pub fn Revenue() -> impl IntoView {
    let session = expect_context::<Session>();
    let from = RwSignal::new(utc_date(-29));
    let to = RwSignal::new(utc_date(0));
    let group_by = RwSignal::new("agent".to_owned());
    let report = RwSignal::new(None::<RevenueReport>);
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);

    let load = move || {
        let (Some(start), Some(end)) = (
            day_start(&from.get_untracked(), 0),
            day_start(&to.get_untracked(), 1),
        ) else {
            failure.set(Some(Failure::Api {
                status: 400,
                error: ApiError {
                    message: "Choose both dates.".into(),
                    param: Some("from".into()),
                    ..Default::default()
                },
            }));
            return;
        };
        let path = format!(
            "/v1/reports/revenue{}",
            api::query(&[
                ("from", start),
                ("to", end),
                ("group_by", group_by.get_untracked())
            ])
        );
        busy.set(true);
        spawn_local(async move {
            let answer = api::get::<RevenueReport>(&session.key(), &path).await;
            busy.set(false);
            match answer {
                Ok(r) => {
                    failure.set(None);
                    report.set(Some(r));
                }
                Err(f) => {
                    session.check(&f);
                    failure.set(Some(f));
                }
            }
        });
    };
    load();

    view! {
        <section class="card" aria-labelledby="revenue-title">
            <h2 id="revenue-title">"Revenue"</h2>
            <form class="filters" on:submit=move |ev| { ev.prevent_default(); load(); }>
                <div class="grid">
                    <TextField id="r-from" label="From" kind="date" value=from invalid=blames(failure, "from") />
                    <TextField id="r-to" label="To (included)" kind="date" value=to invalid=blames(failure, "to") />
                    <label class="field" for="r-group">
                        <span>"Group by"</span>
                        <select id="r-group" class:invalid=blames(failure, "group_by")
                            prop:value=move || group_by.get()
                            on:change=move |ev| group_by.set(event_target_value(&ev))>
                            {GROUPS.iter().map(|(v, l)| view! { <option value=*v>{*l}</option> }).collect_view()}
                        </select>
                    </label>
                </div>
                <button type="submit" class="primary" id="revenue-show" disabled=move || busy.get()>
                    {move || if busy.get() { "Loading…" } else { "Show" }}
                </button>
            </form>
            {move || failure.get().map(|f| view! { <p class="error" role="alert">{f.message()}</p> })}
            {move || report.get().map(|r| {
                if r.rows.is_empty() {
                    return view! { <p class="empty">"No payments or refunds in this period."</p> }.into_any();
                }
                let mut by_currency: BTreeMap<String, Vec<RevenueRow>> = BTreeMap::new();
                for row in r.rows {
                    by_currency.entry(row.currency.clone()).or_default().push(row);
                }
                let reports = by_currency
                    .into_iter()
                    .map(|(currency, rows)| view! { <CurrencyReport currency rows /> })
                    .collect_view();
                view! { <div class="currency-reports">{reports}</div> }.into_any()
            })}
        </section>
    }
}

#[component]
fn CurrencyReport(currency: String, rows: Vec<RevenueRow>) -> impl IntoView {
    let money = |a: &str| format_amount(a, &currency);
    let table_rows = rows
        .iter()
        .map(|r| {
            view! {
                <tr>
                    <th scope="row">{r.group.clone()}</th>
                    <td>{money(&r.gross)}</td>
                    <td>{money(&r.refunds)}</td>
                    <td>{money(&r.net)}</td>
                    <td>{r.count}</td>
                    <td>{r.average.as_deref().map_or_else(|| "—".to_owned(), money)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="currency-report" data-currency=currency.clone()>
            <h3>{currency.clone()}</h3>
            <BarChart currency=currency.clone() rows=rows.clone() />
            <div class="table-wrap">
                <table class="report">
                    <thead><tr><th scope="col">"Group"</th><th scope="col">"Gross"</th><th scope="col">"Refunds"</th>
                        <th scope="col">"Net"</th><th scope="col">"Count"</th><th scope="col">"Average"</th></tr></thead>
                    <tbody>{table_rows}</tbody>
                </table>
            </div>
        </div>
    }
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;
const LEFT: f64 = 8.0;

/// Gross and refunds side by side per group, on one currency's axis. Heights come from the
/// decimal strings read as floats, which is fine for pixels; every figure shown is exact.
#[component]
fn BarChart(currency: String, rows: Vec<RevenueRow>) -> impl IntoView {
    let value = |s: &str| s.parse::<f64>().unwrap_or(0.0).max(0.0);
    let max = rows
        .iter()
        .map(|r| value(&r.gross).max(value(&r.refunds)))
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let plot = HEIGHT - TOP - BOTTOM;
    let slot = (WIDTH - 2.0 * LEFT) / rows.len() as f64;
    let bar = (slot * 0.38).min(36.0);
    // Label every group while they fit, else every n-th.
    let label_every = ((rows.len() as f64 * 56.0 / WIDTH).ceil() as usize).max(1);
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let x = LEFT + slot * i as f64 + slot / 2.0;
            let gross_h = value(&r.gross) / max * plot;
            let refund_h = value(&r.refunds) / max * plot;
            let base = HEIGHT - BOTTOM;
            let gross_title = format!("{} gross {}", r.group, format_amount(&r.gross, &currency));
            let refund_title = format!("{} refunds {}", r.group, format_amount(&r.refunds, &currency));
            let label = (i % label_every == 0).then(|| {
                view! {
                    <text class="chart-label" x=format!("{x:.1}") y=format!("{:.1}", base + 16.0) text-anchor="middle">
                        {r.group.clone()}
                    </text>
                }
            });
            view! {
                <g class="chart-group">
                    <rect class="bar bar-gross" x=format!("{:.1}", x - bar) y=format!("{:.1}", base - gross_h)
                        width=format!("{bar:.1}") height=format!("{gross_h:.1}")>
                        <title>{gross_title}</title>
                    </rect>
                    <rect class="bar bar-refund" x=format!("{x:.1}") y=format!("{:.1}", base - refund_h)
                        width=format!("{bar:.1}") height=format!("{refund_h:.1}")>
                        <title>{refund_title}</title>
                    </rect>
                    {label}
                </g>
            }
        })
        .collect_view();
    let axis_y = format!("{:.1}", HEIGHT - BOTTOM);
    view! {
        <figure class="chart">
            <svg class="bars" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img"
                aria-label=format!("Gross and refunds in {currency}") preserveAspectRatio="xMidYMid meet">
                <line class="axis" x1="0" x2=format!("{WIDTH}") y1=axis_y.clone() y2=axis_y />
                <text class="chart-max" x="4" y="12">{format_amount(&format_max(max), &currency)}</text>
                {bars}
            </svg>
            <figcaption class="legend">
                <span class="key key-gross"></span>"Gross "
                <span class="key key-refund"></span>"Refunds"
            </figcaption>
        </figure>
    }
}

/// The axis top as a plain decimal for `Intl` (whole units are enough for a scale mark).
fn format_max(max: f64) -> String {
    format!("{:.0}", max.ceil())
}
