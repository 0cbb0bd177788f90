//! Processors behind one trait. The ledger asks for "the connector" of a seller's mode
//! ([`for_mode`]) and never names one: test mode gets the sandbox, live mode PayPal once the
//! Worker has its four settings ([`PayPalConfig::from_env`]).
//!
//! Every call carries our own id (an attempt, refund, shipment or payout id) as its
//! idempotency key, so a retry is deduplicated by the processor itself.

mod connector;
mod paypal;
pub(crate) use paypal::within;
mod sandbox;

pub use connector::{
    Approval, CaptureCall, Captured, CardConfirm, CollectedAddress, Confirmed, Connector, Created,
    Decline, Delivery, Done, Failure, OrderCall, OrderState, Payer, PayoutCall, RefundCall,
    Refunded, ReturnUrls, Tracking, Verified, WalletConfirm,
};
pub use paypal::{AccessToken, PayPal, PayPalConfig};
pub use sandbox::{Sandbox, SandboxAction};

use std::cell::RefCell;
use worker::{Env, SqlStorage};

/// What a connector may use of the seller's object.
pub struct Context<'a> {
    pub env: &'a Env,
    /// The sandbox keeps its simulated orders here.
    pub sql: &'a SqlStorage,
    /// PayPal's access token, cached in the object until shortly before it expires.
    pub token: &'a RefCell<Option<AccessToken>>,
    /// The edge's own origin (`https://pay.example`), for pages it serves.
    pub origin: &'a str,
}

/// The connector of a seller's mode.
pub enum ModeConnector<'a> {
    Sandbox(Sandbox<'a>),
    PayPal(PayPal<'a>),
    /// Live mode on a Worker without PayPal's settings: nothing is sent anywhere.
    Unavailable,
}

/// Test mode: the sandbox, answering after `SANDBOX_LATENCY_MS` (default 20). Live mode:
/// PayPal.
pub fn for_mode<'a>(livemode: bool, ctx: Context<'a>) -> ModeConnector<'a> {
    if livemode {
        return match PayPalConfig::from_env(ctx.env) {
            Some(config) => ModeConnector::PayPal(PayPal::new(config, ctx.token)),
            None => ModeConnector::Unavailable,
        };
    }
    let latency_ms = ctx
        .env
        .var("SANDBOX_LATENCY_MS")
        .ok()
        .and_then(|v| v.to_string().parse().ok())
        .unwrap_or(20);
    ModeConnector::Sandbox(Sandbox {
        latency_ms,
        sql: ctx.sql,
        origin: ctx.origin,
    })
}

/// Whether live sellers can be served: PayPal's four settings are all present.
pub fn live_available(env: &Env) -> bool {
    PayPalConfig::from_env(env).is_some()
}

macro_rules! delegate {
    ($self:ident, $c:ident => $call:expr, $none:expr) => {
        match $self {
            ModeConnector::Sandbox($c) => $call.await,
            ModeConnector::PayPal($c) => $call.await,
            ModeConnector::Unavailable => $none,
        }
    };
}

impl Connector for ModeConnector<'_> {
    async fn create_order(&self, order: OrderCall<'_>) -> Created {
        delegate!(self, c => c.create_order(order), Created::Failed(Failure::Unavailable))
    }
    async fn confirm_card(&self, confirm: CardConfirm<'_>) -> Confirmed {
        delegate!(self, c => c.confirm_card(confirm), Confirmed::Failed(Failure::Unavailable))
    }
    async fn confirm_wallet(&self, confirm: WalletConfirm<'_>) -> Confirmed {
        delegate!(self, c => c.confirm_wallet(confirm), Confirmed::Failed(Failure::Unavailable))
    }
    async fn capture(&self, capture: CaptureCall<'_>) -> Captured {
        delegate!(self, c => c.capture(capture), Captured::Failed(Failure::Unavailable))
    }
    async fn get_order(&self, order_ref: &str) -> OrderState {
        delegate!(self, c => c.get_order(order_ref), OrderState::Unavailable)
    }
    async fn refund(&self, refund: RefundCall<'_>) -> Refunded {
        delegate!(self, c => c.refund(refund), Refunded::Failed(Failure::Unavailable))
    }
    async fn add_tracking(&self, tracking: Tracking<'_>) -> Done {
        delegate!(self, c => c.add_tracking(tracking), unavailable())
    }
    async fn release_payout(&self, payout: PayoutCall<'_>) -> Done {
        delegate!(self, c => c.release_payout(payout), unavailable())
    }
    async fn verify_webhook(&self, delivery: Delivery<'_>) -> Verified {
        delegate!(self, c => c.verify_webhook(delivery), Verified::Refused)
    }
}

fn unavailable() -> Done {
    Done::Failed {
        retry: true,
        message: "No live connector is configured.".into(),
    }
}
