//! The revenue report and the test clock's answer.

use crate::api::views::constant::{RevenueReportObject, TestClockObject};
use serde::{Deserialize, Serialize};

/// `GET /v1/reports/revenue`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevenueReport {
    pub object: RevenueReportObject,
    pub from: String,
    pub to: String,
    /// `agent`, `day`, `week` or `month`.
    pub group_by: String,
    pub rows: Vec<RevenueRow>,
}

/// One group in one currency; currencies are never mixed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevenueRow {
    pub group: String,
    pub currency: String,
    pub gross: String,
    pub refunds: String,
    pub net: String,
    pub count: u64,
    /// Gross over count; null when the group holds only refunds.
    pub average: Option<String>,
}

/// `POST /v1/test_helpers/advance_clock`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestClock {
    pub object: TestClockObject,
    pub now: String,
    pub advanced_by: i64,
    pub timers_run: u64,
}
