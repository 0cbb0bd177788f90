//! The sandbox: test mode's processor. Cards approve except the documented test numbers
//! (`chatpay_core::test_cards`); every other call is accepted. It answers after a simulated
//! round trip, so concurrent calls overlap at the `.await` as they will live.

use super::connector::{
    Authorization, Begun, Capture, Connector, Decline, Done, Lookup, Outcome, PayPalOrder,
    PayoutCall, RefundCall, Tracking,
};
use chatpay_core::test_cards;

/// Approves any valid card except the documented test numbers (`chatpay_core::test_cards`).
/// It answers after `latency_ms`, like a network call, so concurrent pays really do overlap
/// at the `.await` and the ledger's claim is exercised as it will be with a live processor.
pub struct Sandbox {
    pub latency_ms: u64,
}

impl Sandbox {
    async fn round_trip(&self) {
        if self.latency_ms > 0 {
            worker::Delay::from(std::time::Duration::from_millis(self.latency_ms)).await;
        }
    }

    fn accepted(kind: &str, reference: &str) -> Done {
        Done::Accepted {
            processor_ref: format!("sandbox_{kind}_{reference}"),
        }
    }
}

impl Connector for Sandbox {
    async fn pay_by_card(&self, auth: Authorization<'_>) -> Outcome {
        self.round_trip().await;
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

    /// Approved at once: the sandbox has no approval page of its own yet (issue 8).
    async fn begin_paypal(&self, order: PayPalOrder<'_>) -> Begun {
        self.round_trip().await;
        Begun::Approval {
            processor_ref: format!("sandbox_paypal_{}", order.reference),
            approve_url: format!("https://sandbox.invalid/approve/{}", order.reference),
        }
    }

    async fn capture(&self, capture: Capture<'_>) -> Outcome {
        self.round_trip().await;
        Outcome::Approved {
            processor_ref: format!("{}_captured", capture.processor_ref),
        }
    }

    async fn refund(&self, refund: RefundCall<'_>) -> Done {
        self.round_trip().await;
        Sandbox::accepted("refund", refund.reference)
    }

    async fn add_tracking(&self, tracking: Tracking<'_>) -> Done {
        self.round_trip().await;
        Sandbox::accepted("tracker", tracking.reference)
    }

    async fn release_payout(&self, payout: PayoutCall<'_>) -> Done {
        self.round_trip().await;
        Sandbox::accepted("payout", payout.reference)
    }

    /// The sandbox authorizes synchronously and keeps nothing: an attempt it never answered
    /// was never made.
    async fn look_up(&self, _reference: &str) -> Lookup {
        Lookup::NotFound
    }
}
