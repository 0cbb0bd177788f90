//! Processors behind one trait. The ledger asks for "the connector" of a seller's mode
//! ([`for_mode`]) and never names one: test mode gets the sandbox; live mode has none until
//! the PayPal connector lands (issue 8), so its card payments decline with
//! `processing_error`, as before.
//!
//! Today the ledger calls `pay_by_card` only; PayPal (issue 8) wires the rest, which the
//! sandbox already answers.
//!
//! Every call carries our own reference (an attempt, refund, tracker or payout id), so a
//! live processor can deduplicate retries with its own idempotency key.

#![allow(dead_code)] // the calls issue 8 wires: see above

mod connector;
mod sandbox;

pub use connector::{
    Authorization, Begun, Capture, Connector, Decline, Done, Lookup, Outcome, PayPalOrder,
    PayoutCall, RefundCall, Tracking,
};
pub use sandbox::Sandbox;

use worker::Env;

/// The connector of a seller's mode.
pub enum ModeConnector {
    Sandbox(Sandbox),
    /// Live mode before a live connector is configured: nothing is sent anywhere.
    Unavailable,
}

/// Test mode: the sandbox, answering after `SANDBOX_LATENCY_MS` (default 20). Live mode:
/// none yet.
pub fn for_mode(livemode: bool, env: &Env) -> ModeConnector {
    if livemode {
        return ModeConnector::Unavailable;
    }
    let latency_ms = env
        .var("SANDBOX_LATENCY_MS")
        .ok()
        .and_then(|v| v.to_string().parse().ok())
        .unwrap_or(20);
    ModeConnector::Sandbox(Sandbox { latency_ms })
}

fn unavailable() -> Done {
    Done::Failed {
        retry: false,
        message: "No live connector is configured.".into(),
    }
}

impl Connector for ModeConnector {
    async fn pay_by_card(&self, auth: Authorization<'_>) -> Outcome {
        match self {
            ModeConnector::Sandbox(s) => s.pay_by_card(auth).await,
            ModeConnector::Unavailable => Outcome::Declined(Decline::ProcessingError),
        }
    }

    async fn begin_paypal(&self, order: PayPalOrder<'_>) -> Begun {
        match self {
            ModeConnector::Sandbox(s) => s.begin_paypal(order).await,
            ModeConnector::Unavailable => Begun::Failed(Decline::ProcessingError),
        }
    }

    async fn capture(&self, capture: Capture<'_>) -> Outcome {
        match self {
            ModeConnector::Sandbox(s) => s.capture(capture).await,
            ModeConnector::Unavailable => Outcome::Declined(Decline::ProcessingError),
        }
    }

    async fn refund(&self, refund: RefundCall<'_>) -> Done {
        match self {
            ModeConnector::Sandbox(s) => s.refund(refund).await,
            ModeConnector::Unavailable => unavailable(),
        }
    }

    async fn add_tracking(&self, tracking: Tracking<'_>) -> Done {
        match self {
            ModeConnector::Sandbox(s) => s.add_tracking(tracking).await,
            ModeConnector::Unavailable => unavailable(),
        }
    }

    async fn release_payout(&self, payout: PayoutCall<'_>) -> Done {
        match self {
            ModeConnector::Sandbox(s) => s.release_payout(payout).await,
            ModeConnector::Unavailable => unavailable(),
        }
    }

    async fn look_up(&self, reference: &str) -> Lookup {
        match self {
            ModeConnector::Sandbox(s) => s.look_up(reference).await,
            ModeConnector::Unavailable => Lookup::NotFound,
        }
    }
}
