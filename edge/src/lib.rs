//! The chatpay edge: a Cloudflare Worker that validates, tokenizes and records payments,
//! serves the widget's iframe page and the JSON API. Each seller's records live in that
//! seller's SQLite-backed Durable Object ([`ledger::SellerLedger`]).

// Error values are larger on a 64-bit host than on wasm32, where these crates run; the
// host build exists for unit tests.
#![cfg_attr(not(target_arch = "wasm32"), allow(clippy::result_large_err))]

mod auth;
mod command;
mod connectors;
mod crypto;
#[cfg(feature = "demo")]
mod demo;
mod encoding;
mod frame;
mod http;
mod idempotency;
mod ids;
mod inbound;
mod ledger;
mod loader;
mod permissions;
mod platform;
mod returns;
mod router;
mod wallet;
mod webhooks;

#[cfg(feature = "demo")]
pub use demo::DemoState;
pub use ledger::SellerLedger;

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    Ok(router::handle(req, env).await)
}
