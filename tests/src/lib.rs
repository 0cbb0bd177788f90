//! The harness for chatpay's integration tests: a real `wrangler dev` per test binary,
//! reached only over HTTP, as a seller's server and a buyer's frame reach it.
//!
//! - `edge`: starting, restarting and stopping `wrangler dev` with fresh secrets and state.
//! - `http`: raw calls whose every status is data.
//! - `api`: sellers, requests, pay, read and cancel.
//! - `accounts`: the seller's profile, agents and keys.
//! - `cards`: the card numbers tests type and pay bodies; `banks`: the bank account numbers.
//! - `checks`: the error shape, times and the public object's limits.
//! - `scan`: the search for card and bank account numbers in persisted state and logs.

pub mod accounts;
pub mod api;
pub mod banks;
pub mod cards;
pub mod checks;
pub mod edge;
pub mod http;
pub mod live;
pub mod orders;
pub mod paypal;
pub mod scan;
pub mod storage;

pub use api::{unique, PaymentRequest, Seller};
pub use checks::Param;
pub use edge::{shared, wait_for_other_tests, Edge, Secrets, Setup, SharedEdge};
pub use http::Reply;
