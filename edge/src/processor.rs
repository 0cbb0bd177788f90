//! Card processors behind one trait, so a live processor can be added without touching the
//! handlers. Test-mode sellers get the sandbox.

use chatpay_core::api::CardInput;
use chatpay_core::test_cards;
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

pub struct Authorization<'a> {
    pub card: &'a CardInput,
    pub amount: Amount,
    /// Our attempt reference, so a live processor can deduplicate retries.
    pub reference: &'a str,
}

#[allow(async_fn_in_trait)] // the Worker runtime is single-threaded; Send is not needed
pub trait Processor {
    async fn authorize(&self, auth: Authorization<'_>) -> Outcome;
}

/// Approves any valid card except the documented test numbers (`chatpay_core::test_cards`).
/// It answers after `latency_ms`, like a network call, so concurrent pays really do overlap
/// at the `.await` and the ledger's claim is exercised as it will be with a live processor.
pub struct Sandbox {
    pub latency_ms: u64,
}

impl Processor for Sandbox {
    async fn authorize(&self, auth: Authorization<'_>) -> Outcome {
        if self.latency_ms > 0 {
            worker::Delay::from(std::time::Duration::from_millis(self.latency_ms)).await;
        }
        let pan = auth.card.number.expose_digits();
        let scripted = test_cards::TABLE
            .iter()
            .find(|(number, _, _)| *number == pan)
            .and_then(|(_, code, _)| Decline::from_code(code));
        match scripted {
            Some(decline) => Outcome::Declined(decline),
            None => Outcome::Approved {
                processor_ref: format!(
                    "sandbox_{}_{}{}",
                    auth.reference,
                    auth.amount.minor(),
                    auth.amount.currency()
                ),
            },
        }
    }
}
