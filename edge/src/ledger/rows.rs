//! Stored rows, read back: the seller, requests, payments, claims, refunds and events.
//! A request row that does not parse fails closed (500), never reads as a payable request.

use super::context::Ledger;
use crate::http::Fail;
use chatpay_core::state::{Claim, Fulfillment, Payout, Refund, Status};
use chatpay_core::{Amount, Currency};
use serde::Deserialize;

#[derive(Deserialize)]
pub(crate) struct SellerRow {
    pub(crate) id: String,
    pub(crate) display_name: String,
    pub(crate) country: String,
    pub(crate) default_currency: String,
    pub(crate) allowed_origins: String,
    pub(crate) livemode: i64,
    pub(crate) created_at: i64,
    pub(crate) init_mac: String,
    pub(crate) paypal_merchant_id: Option<String>,
}

/// A `payment_requests` row as stored. It is read only through [`RequestRow`], which parses
/// its states and currency.
#[derive(Deserialize)]
pub(crate) struct StoredRequest {
    pub(crate) id: String,
    pub(crate) status: String,
    pub(crate) amount_minor: i64,
    pub(crate) currency: String,
    pub(crate) description: String,
    pub(crate) conversation_id: Option<String>,
    pub(crate) agent_id: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) canceled_at: Option<i64>,
    pub(crate) expires_at: Option<i64>,
    pub(crate) declined_at: Option<i64>,
    pub(crate) paid_at: Option<i64>,
    pub(crate) collect_shipping: i64,
    pub(crate) fulfillment_status: String,
    pub(crate) carrier: Option<String>,
    pub(crate) tracking_number: Option<String>,
    pub(crate) shipped_at: Option<i64>,
    pub(crate) delivered_at: Option<i64>,
    pub(crate) refunded_minor: i64,
    pub(crate) payout_status: Option<String>,
    pub(crate) payout_due_at: Option<i64>,
    pub(crate) paid_out_at: Option<i64>,
    pub(crate) payout_amount_minor: Option<i64>,
    pub(crate) payout_failure: Option<String>,
    pub(crate) payment_id: Option<String>,
    /// `processor` or `agent` (agent capture).
    pub(crate) capture: String,
    /// Agent capture, while collected: the vault token of the sealed card.
    pub(crate) capture_token: Option<String>,
    /// Agent capture: the card's brand, last 4, expiry and fingerprint, as JSON.
    pub(crate) captured_card: Option<String>,
    /// Agent capture: when the reveal window closes.
    pub(crate) reveal_until: Option<i64>,
}

/// A request row whose status, fulfillment, payout and currency parsed. A row that does not
/// parse fails the read (a 500 with a log line), so it never reads as a payable request.
#[derive(Deserialize)]
#[serde(try_from = "StoredRequest")]
pub(crate) struct RequestRow {
    stored: StoredRequest,
    typed_status: Status,
    typed_fulfillment: Fulfillment,
    typed_payout: Option<Payout>,
    typed_currency: Currency,
}

impl TryFrom<StoredRequest> for RequestRow {
    type Error = String;

    fn try_from(stored: StoredRequest) -> Result<RequestRow, String> {
        let bad =
            |column: &str| format!("payment request {} has an unreadable {column}", stored.id);
        let typed_status = Status::parse(&stored.status).ok_or_else(|| bad("status"))?;
        let typed_fulfillment = Fulfillment::parse(&stored.fulfillment_status)
            .ok_or_else(|| bad("fulfillment_status"))?;
        let typed_payout = match stored.payout_status.as_deref() {
            None => None,
            Some(p) => Some(Payout::parse(p).ok_or_else(|| bad("payout_status"))?),
        };
        let typed_currency =
            Currency::parse_stored(&stored.currency).ok_or_else(|| bad("currency"))?;
        Ok(RequestRow {
            stored,
            typed_status,
            typed_fulfillment,
            typed_payout,
            typed_currency,
        })
    }
}

impl std::ops::Deref for RequestRow {
    type Target = StoredRequest;

    fn deref(&self) -> &StoredRequest {
        &self.stored
    }
}

#[derive(Deserialize)]
pub(crate) struct PaymentRow {
    pub(crate) id: String,
    pub(crate) amount_minor: i64,
    pub(crate) currency: String,
    pub(crate) receipt_email: Option<String>,
    pub(crate) paid_at: i64,
    pub(crate) shipping: Option<String>,
    pub(crate) method: String,
    pub(crate) payer_email_masked: Option<String>,
    pub(crate) payer_id: Option<String>,
    pub(crate) wallet: Option<String>,
    /// The card's, from the vault (cards only).
    pub(crate) brand: Option<String>,
    pub(crate) last4: Option<String>,
    pub(crate) exp_month: Option<i64>,
    pub(crate) exp_year: Option<i64>,
    pub(crate) fingerprint: Option<String>,
}

impl PaymentRow {
    /// How it was paid, as the seller sees it.
    pub(crate) fn method(&self) -> chatpay_core::api::views::PaymentMethod {
        use chatpay_core::api::views::{CardDetails, PayPalDetails, PaymentMethod, WalletDetails};
        match self.method.as_str() {
            "paypal" => PaymentMethod::PayPal(PayPalDetails {
                kind: Default::default(),
                payer_email_masked: self.payer_email_masked.clone(),
                payer_id: self.payer_id.clone(),
            }),
            "wallet" => PaymentMethod::Wallet(WalletDetails {
                kind: Default::default(),
                wallet: self.wallet.clone().unwrap_or_default(),
                brand: self.brand.clone(),
                last4: self.last4.clone(),
            }),
            _ => PaymentMethod::Card(CardDetails {
                kind: Default::default(),
                brand: self.brand.clone().unwrap_or_default(),
                last4: self.last4.clone().unwrap_or_default(),
                exp_month: self.exp_month.unwrap_or_default() as u32,
                exp_year: self.exp_year.unwrap_or_default() as u32,
                fingerprint: self.fingerprint.clone().unwrap_or_default(),
                captured_by: None,
            }),
        }
    }
}

pub(crate) const REQUEST_COLUMNS: &str = "id, status, amount_minor, currency, description, conversation_id, agent_id, created_at, \
     canceled_at, expires_at, declined_at, paid_at, collect_shipping, fulfillment_status, carrier, tracking_number, \
     shipped_at, delivered_at, refunded_minor, payout_status, payout_due_at, paid_out_at, payout_amount_minor, payout_failure, \
     payment_id, capture, capture_token, captured_card, reveal_until";

#[derive(Deserialize)]
pub(crate) struct ClaimRow {
    pub(crate) id: String,
    pub(crate) request_id: String,
    pub(crate) reason: String,
    pub(crate) description: Option<String>,
    pub(crate) status: String,
    pub(crate) opened_at: i64,
    pub(crate) response: Option<String>,
    pub(crate) responded_at: Option<i64>,
    pub(crate) resolved_at: Option<i64>,
    pub(crate) outcome: Option<String>,
}

pub(crate) const CLAIM_COLUMNS: &str = "id, request_id, reason, description, status, opened_at, response, responded_at, resolved_at, outcome";

#[derive(Deserialize)]
pub(crate) struct RefundRow {
    pub(crate) id: String,
    pub(crate) amount_minor: i64,
    pub(crate) reason: String,
    pub(crate) actor: String,
    pub(crate) status: String,
    pub(crate) created_at: i64,
}

#[derive(Deserialize)]
pub(crate) struct EventRow {
    pub(crate) id: i64,
    pub(crate) request_id: String,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) actor: String,
    pub(crate) data: String,
    pub(crate) created_at: i64,
    /// From the event's request, when it has one.
    #[serde(default)]
    pub(crate) conversation_id: Option<String>,
    #[serde(default)]
    pub(crate) agent_id: Option<String>,
}

/// An event's columns, with its request's conversation and agent: `FROM events e LEFT JOIN
/// payment_requests r ON r.id = e.request_id`.
pub(crate) const EVENT_COLUMNS: &str =
    "e.id, e.request_id, e.type, e.actor, e.data, e.created_at, r.conversation_id, r.agent_id";

impl SellerRow {
    pub(crate) fn origins(&self) -> Vec<String> {
        serde_json::from_str(&self.allowed_origins).unwrap_or_default()
    }
}

impl RequestRow {
    pub(crate) fn status(&self) -> Status {
        self.typed_status
    }

    pub(crate) fn fulfillment(&self) -> Fulfillment {
        self.typed_fulfillment
    }

    pub(crate) fn payout(&self) -> Option<Payout> {
        self.typed_payout
    }

    pub(crate) fn currency(&self) -> Currency {
        self.typed_currency
    }

    pub(crate) fn amount(&self) -> Amount {
        Amount::from_minor(self.amount_minor as u64, self.currency())
    }

    pub(crate) fn money(&self, minor: i64) -> String {
        Amount::from_minor(minor.max(0) as u64, self.currency()).to_decimal_string()
    }

    pub(crate) fn refund_status(&self) -> Refund {
        Refund::of(self.refunded_minor as u64, self.amount_minor as u64)
    }
}

impl Ledger<'_> {
    pub(crate) fn seller(&self) -> worker::Result<Option<SellerRow>> {
        Ok(self
            .sql
            .exec(
                "SELECT id, display_name, country, default_currency, allowed_origins, livemode, created_at, init_mac, paypal_merchant_id FROM seller",
                None,
            )?
            .to_array::<SellerRow>()?
            .into_iter()
            .next())
    }

    pub(crate) fn load_request(&self, id: Option<&str>) -> Result<RequestRow, Fail> {
        let id = id.ok_or_else(|| Fail::missing("payment request"))?;
        self.sql
            .exec(
                &format!("SELECT {REQUEST_COLUMNS} FROM payment_requests WHERE id = ?"),
                vec![id.into()],
            )?
            .to_array::<RequestRow>()?
            .into_iter()
            .next()
            .ok_or_else(|| Fail::missing("payment request"))
    }

    pub(crate) fn payment_for(&self, request_id: &str) -> worker::Result<Option<PaymentRow>> {
        Ok(self
            .sql
            .exec(
                "SELECT p.id, p.amount_minor, p.currency, p.receipt_email, p.paid_at, p.shipping, p.method, p.payer_email_masked, p.payer_id, p.wallet, v.brand, v.last4, v.exp_month, v.exp_year, v.fingerprint
                 FROM payments p LEFT JOIN vault v ON v.token = p.token WHERE p.request_id = ?",
                vec![request_id.into()],
            )?
            .to_array::<PaymentRow>()?
            .into_iter()
            .next())
    }

    pub(crate) fn claim_for(&self, request_id: &str) -> Result<Option<ClaimRow>, Fail> {
        Ok(self
            .sql
            .exec(
                &format!("SELECT {CLAIM_COLUMNS} FROM claims WHERE request_id = ?"),
                vec![request_id.into()],
            )?
            .to_array::<ClaimRow>()?
            .into_iter()
            .next())
    }

    pub(crate) fn load_claim(&self, id: Option<&str>) -> Result<ClaimRow, Fail> {
        let id = id.ok_or_else(|| Fail::missing("claim"))?;
        self.sql
            .exec(
                &format!("SELECT {CLAIM_COLUMNS} FROM claims WHERE id = ?"),
                vec![id.into()],
            )?
            .to_array::<ClaimRow>()?
            .into_iter()
            .next()
            .ok_or_else(|| Fail::missing("claim"))
    }
}

impl ClaimRow {
    pub(crate) fn claim(&self) -> Claim {
        Claim::parse(&self.status).unwrap_or(Claim::Open)
    }
}
