//! PayPal, live mode's connector: Orders v2, captures' refunds, tracking, referenced payouts
//! and webhook verification, over PayPal's REST APIs with OAuth2 client credentials.
//!
//! Each file below holds PayPal's own request and response types beside their mapping to
//! ours (Hyperswitch's layout): [`client`] the HTTP, the token and the mapping of a refusal, [`errors`] PayPal's error body,
//! [`amount`] money, [`orders`] and [`order_status`] Orders v2, [`refunds`], [`tracking`],
//! [`payouts`] and [`webhooks`]. The mapping is pure, so it is unit-tested natively.
//!
//! Every POST carries `PayPal-Request-Id`: our own id (attempt, refund, shipment or payout)
//! plus the operation, so a retry is deduplicated by PayPal and two operations on one order
//! never share a key. A card's number and CVC reach only the outgoing body of
//! `confirm-payment-source`; nothing here logs more than an operation, a status and
//! PayPal's `debug_id`.

mod amount;
mod client;
pub(crate) use client::within;
mod config;
mod errors;
mod order_status;
mod orders;
mod payouts;
mod refunds;
mod tracking;
mod webhooks;

use super::connector::*;
use client::Client;
pub use config::{AccessToken, PayPalConfig};
use std::cell::RefCell;

pub struct PayPal<'a> {
    client: Client<'a>,
}

impl<'a> PayPal<'a> {
    /// `token` is the seller object's in-memory cache: it outlives one request, never
    /// reaches storage, and is refreshed shortly before PayPal's `expires_in`.
    pub fn new(config: PayPalConfig, token: &'a RefCell<Option<AccessToken>>) -> PayPal<'a> {
        PayPal {
            client: Client::new(config, token),
        }
    }
}

impl Connector for PayPal<'_> {
    async fn create_order(&self, order: OrderCall<'_>) -> Created {
        orders::create(&self.client, order).await
    }
    async fn confirm_card(&self, confirm: CardConfirm<'_>) -> Confirmed {
        orders::confirm_card(&self.client, confirm).await
    }
    /// Google Pay and Apple Pay through PayPal are not offered yet (docs/WALLETS.md): the
    /// ledger refuses a live wallet pay before it gets here.
    async fn confirm_wallet(&self, _confirm: WalletConfirm<'_>) -> Confirmed {
        Confirmed::Failed(Failure::Rejected {
            message: "WALLET_NOT_OFFERED".into(),
        })
    }
    async fn capture(&self, capture: CaptureCall<'_>) -> Captured {
        orders::capture(&self.client, capture).await
    }
    async fn get_order(&self, order_ref: &str) -> OrderState {
        orders::get(&self.client, order_ref).await
    }
    async fn refund(&self, refund: RefundCall<'_>) -> Refunded {
        refunds::refund(&self.client, refund).await
    }
    async fn add_tracking(&self, tracking: Tracking<'_>) -> Done {
        tracking::add(&self.client, tracking).await
    }
    async fn release_payout(&self, payout: PayoutCall<'_>) -> Done {
        payouts::release(&self.client, payout).await
    }
    async fn verify_webhook(&self, delivery: Delivery<'_>) -> Verified {
        webhooks::verify(&self.client, delivery).await
    }
}
