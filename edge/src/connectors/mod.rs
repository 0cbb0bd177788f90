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

mod sandbox;

pub use sandbox::Sandbox;

use chatpay_core::api::CardInput;
use chatpay_core::Amount;
use worker::Env;

pub enum Outcome {
    Approved { processor_ref: String },
    Declined(Decline),
}

/// Why a card was declined, with what to tell the buyer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decline {
    Generic,
    InsufficientFunds,
    ExpiredCard,
    IncorrectCvc,
    ProcessingError,
}

impl Decline {
    pub fn from_code(code: &str) -> Option<Decline> {
        Some(match code {
            "generic_decline" => Decline::Generic,
            "insufficient_funds" => Decline::InsufficientFunds,
            "expired_card" => Decline::ExpiredCard,
            "incorrect_cvc" => Decline::IncorrectCvc,
            "processing_error" => Decline::ProcessingError,
            _ => return None,
        })
    }

    pub fn decline_code(self) -> &'static str {
        match self {
            Decline::Generic => "generic_decline",
            Decline::InsufficientFunds => "insufficient_funds",
            Decline::ExpiredCard => "expired_card",
            Decline::IncorrectCvc => "incorrect_cvc",
            Decline::ProcessingError => "processing_error",
        }
    }

    /// The API error code (Stripe's vocabulary).
    pub fn error_code(self) -> &'static str {
        match self {
            Decline::Generic | Decline::InsufficientFunds => "card_declined",
            Decline::ExpiredCard => "expired_card",
            Decline::IncorrectCvc => "incorrect_cvc",
            Decline::ProcessingError => "processing_error",
        }
    }

    pub fn param(self) -> Option<&'static str> {
        match self {
            Decline::IncorrectCvc => Some("method.cvc"),
            Decline::ExpiredCard => Some("method.exp_year"),
            _ => None,
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Decline::Generic => "Your card was declined. Try another card or contact your bank.",
            Decline::InsufficientFunds => "Your card has insufficient funds. Try another card.",
            Decline::ExpiredCard => "Your card has expired. Try another card.",
            Decline::IncorrectCvc => {
                "Your card's security code is incorrect. Check it and try again."
            }
            Decline::ProcessingError => {
                "An error occurred while processing your card. Try again in a moment."
            }
        }
    }
}

/// Pay by card.
pub struct Authorization<'a> {
    pub card: &'a CardInput,
    pub amount: Amount,
    /// Our attempt reference, so a live processor can deduplicate retries.
    pub reference: &'a str,
}

/// Begin a PayPal payment: the buyer approves it at `approve_url`, then it is captured.
pub struct PayPalOrder<'a> {
    pub amount: Amount,
    pub reference: &'a str,
}

pub enum Begun {
    Approval {
        processor_ref: String,
        approve_url: String,
    },
    Failed(Decline),
}

/// Confirm or capture an approved payment.
pub struct Capture<'a> {
    pub processor_ref: &'a str,
    pub reference: &'a str,
}

pub struct RefundCall<'a> {
    pub processor_ref: &'a str,
    pub amount: Amount,
    pub reference: &'a str,
}

pub struct Tracking<'a> {
    pub processor_ref: &'a str,
    pub carrier: &'a str,
    pub tracking_number: &'a str,
    pub reference: &'a str,
}

/// Release a payout held for the seller.
pub struct PayoutCall<'a> {
    pub processor_ref: &'a str,
    pub amount: Amount,
    pub reference: &'a str,
}

/// A processor's answer to a call that moves no card.
pub enum Done {
    Accepted {
        processor_ref: String,
    },
    /// `retry`: a transient failure the alarm may try again.
    Failed {
        retry: bool,
        message: String,
    },
}

/// What the processor knows of one of our attempts, by our reference.
pub enum Lookup {
    Approved { processor_ref: String },
    Declined(Decline),
    NotFound,
}

#[allow(async_fn_in_trait)] // the Worker runtime is single-threaded; Send is not needed
pub trait Connector {
    async fn pay_by_card(&self, auth: Authorization<'_>) -> Outcome;
    async fn begin_paypal(&self, order: PayPalOrder<'_>) -> Begun;
    async fn capture(&self, capture: Capture<'_>) -> Outcome;
    async fn refund(&self, refund: RefundCall<'_>) -> Done;
    async fn add_tracking(&self, tracking: Tracking<'_>) -> Done;
    async fn release_payout(&self, payout: PayoutCall<'_>) -> Done;
    async fn look_up(&self, reference: &str) -> Lookup;
}

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
