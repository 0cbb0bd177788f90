//! The response objects of API v1, one type per schema of `docs/openapi.json` (a test holds
//! each to its schema, field for field). The edge builds its JSON from them, the dashboard
//! reads them with serde, and the card fills them field by field without serde.
//!
//! Serializing writes exactly the edge's JSON: every key, `null` where a value is absent.
//! Reading takes what the document allows: fields it does not require may be missing, and
//! status-like fields read a value newer than this build as [`crate::api::wire::Wire::Unknown`].
//! Amounts are decimal strings, times RFC 3339 strings.

pub mod agent;
pub mod api_key;
pub mod card_reveal;
pub mod claim;
pub mod constant;
pub mod event;
pub mod fulfillment;
pub mod list;
pub mod payment;
pub mod refund;
pub mod refund_created;
pub mod report;
pub mod request;
pub mod seller;

pub use agent::Agent;
pub use api_key::ApiKey;
pub use card_reveal::CardReveal;
pub use claim::{Claim, PublicClaim};
pub use event::{Event, EventType};
pub use fulfillment::{Payout, Shipment};
pub use list::List;
pub use payment::{
    CardDetails, NextAction, PayPalDetails, PayPalOrder, Payment, PaymentMethod, PublicPayment,
    WalletDetails,
};
pub use refund::RefundSummary;
pub use refund_created::Refund;
pub use report::{RevenueReport, RevenueRow, TestClock};
pub use request::{
    CardAttempts, PaymentRequest, PublicPaymentRequest, PublicSeller, SellerSummary,
};
pub use seller::{BankAccount, CurrencyLimits, Seller};

#[cfg(test)]
mod samples;
#[cfg(test)]
mod tests;
