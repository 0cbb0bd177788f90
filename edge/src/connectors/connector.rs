//! What every connector answers: the `Connector` trait, the calls it takes (each with our
//! own reference) and the outcomes it gives back.

use chatpay_core::api::CardInput;
use chatpay_core::Amount;

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
