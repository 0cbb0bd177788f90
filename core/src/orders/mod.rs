//! Request bodies and queries for what happens after the card: shipping addresses, ship,
//! refunds, claims, listing filters, revenue reports and the test clock. Parsed strictly into
//! domain values, with errors naming the field.

pub mod bodies;
pub mod queries;
pub mod shipping;
mod text;

pub use bodies::{
    parse_advance, parse_claim_outcome, parse_claim_response, parse_decline, ClaimBody, RefundBody,
    ShipBody, CLAIM_REASONS, REFUND_REASONS,
};
pub use queries::{GroupBy, ListQuery, RevenueQuery};
pub use shipping::Shipping;
