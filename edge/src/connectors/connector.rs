//! What every connector answers: the `Connector` trait, the calls it takes (each with our
//! own id as its idempotency key) and the outcomes it gives back, in our vocabulary.
//!
//! A payment is an *order* at the processor: created (with no payment source, or with a
//! PayPal approval flow), confirmed with a card, then captured. The ledger persists the
//! order's id between the steps, so a crash anywhere leaves one charge or none, and the
//! order's state ([`Connector::get_order`]) reconciles an attempt nobody finished.

use chatpay_core::api::CardInput;
use chatpay_core::Amount;

/// Why a card was declined, with what to tell the buyer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decline {
    Generic,
    InsufficientFunds,
    ExpiredCard,
    IncorrectCvc,
    ProcessingError,
    /// 3-D Secure did not shift liability: the bank did not confirm the buyer.
    AuthenticationFailed,
}

impl Decline {
    pub fn from_code(code: &str) -> Option<Decline> {
        Some(match code {
            "generic_decline" => Decline::Generic,
            "insufficient_funds" => Decline::InsufficientFunds,
            "expired_card" => Decline::ExpiredCard,
            "incorrect_cvc" => Decline::IncorrectCvc,
            "processing_error" => Decline::ProcessingError,
            "authentication_failed" => Decline::AuthenticationFailed,
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
            Decline::AuthenticationFailed => "authentication_failed",
        }
    }

    /// The API error code (Stripe's vocabulary).
    pub fn error_code(self) -> &'static str {
        match self {
            Decline::Generic | Decline::InsufficientFunds => "card_declined",
            Decline::ExpiredCard => "expired_card",
            Decline::IncorrectCvc => "incorrect_cvc",
            Decline::ProcessingError => "processing_error",
            Decline::AuthenticationFailed => "authentication_failed",
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
            Decline::AuthenticationFailed => {
                "Your bank could not confirm it's you. Try again or use another card."
            }
        }
    }
}

/// A call that got no usable answer, or a definite refusal that is not a card decline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// A timeout, a dropped connection or a 5xx: the call may or may not have happened.
    Unavailable,
    /// The processor refused the call (a 4xx it explains); nothing happened.
    Rejected { message: String },
}

/// The buyer's return from an approval or a challenge, on the edge.
pub struct ReturnUrls {
    pub return_url: String,
    pub cancel_url: String,
}

/// For an order the buyer approves on the processor's own page (the PayPal button).
pub struct Approval<'a> {
    pub urls: ReturnUrls,
    /// The buyer's locale (BCP 47), if the card knows it.
    pub locale: Option<&'a str>,
    /// The processor collects the shipping address (the request asks for one).
    pub shipping: bool,
}

/// Opens an order for one of our requests.
pub struct OrderCall<'a> {
    /// Our request id: the processor's `reference_id` and `custom_id`, so webhooks route back.
    pub request_id: &'a str,
    pub description: &'a str,
    pub amount: Amount,
    /// The seller's merchant id at the processor (live sellers), who is paid out later.
    pub payee: Option<&'a str>,
    /// Our attempt id: the idempotency key of every call about this order.
    pub key: &'a str,
    /// `Some` for a buyer-approved order (PayPal), `None` for a card order.
    pub approval: Option<Approval<'a>>,
}

pub enum Created {
    Order {
        order_ref: String,
        /// Where the buyer approves (buyer-approved orders only).
        approve_url: Option<String>,
    },
    Failed(Failure),
}

/// Confirms an order with a card. The card is sent once and never kept by the connector.
pub struct CardConfirm<'a> {
    pub order_ref: &'a str,
    pub card: &'a CardInput,
    /// ISO 3166-1 alpha-2 of the billing address.
    pub country: &'a str,
    pub key: &'a str,
    /// Where a 3-D Secure challenge returns.
    pub urls: ReturnUrls,
}

pub enum Confirmed {
    /// Ready to capture.
    Approved,
    /// The bank wants to confirm the buyer first (3-D Secure): send them to `url`.
    ActionRequired {
        url: String,
    },
    Declined(Decline),
    Failed(Failure),
}

/// Confirms an order with a wallet's token (test mode's sandbox wallet; live wallets are
/// not offered yet).
pub struct WalletConfirm<'a> {
    pub order_ref: &'a str,
    pub wallet: &'a str,
}

pub struct CaptureCall<'a> {
    pub order_ref: &'a str,
    pub key: &'a str,
}

/// Who paid, as the processor tells it (buyer-approved orders).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Payer {
    pub email: Option<String>,
    pub payer_id: Option<String>,
}

/// A shipping address the processor collected, in our fields (checked by the ledger).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CollectedAddress {
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: Option<String>,
    pub postal_code: String,
    pub country: String,
}

/// A capture's result, from the capture itself, never from the order's status alone.
#[allow(clippy::large_enum_variant)] // one per pay, moved once: no need to box
pub enum Captured {
    Completed {
        capture_ref: String,
        payer: Payer,
        shipping: Option<CollectedAddress>,
    },
    /// The processor holds the capture for review; a webhook settles it.
    Pending {
        capture_ref: String,
    },
    Declined(Decline),
    Failed(Failure),
}

/// What the processor knows of an order.
#[allow(clippy::large_enum_variant)] // one per lookup, moved once
pub enum OrderState {
    /// No such order (or not one of ours).
    NotFound,
    /// Created; nobody approved or confirmed it.
    Created,
    /// Waiting on the buyer (an approval page or a 3-D Secure challenge).
    ActionRequired,
    /// Approved, not captured. `authenticated`: for a challenged card, whether 3-D Secure
    /// shifted liability (`None` when no challenge ran).
    Approved { authenticated: Option<bool> },
    /// Captured, with the capture's own result.
    Captured(Captured),
    /// Voided or expired: nothing can be captured.
    Voided,
    /// The processor did not answer.
    Unavailable,
}

pub struct RefundCall<'a> {
    pub capture_ref: &'a str,
    pub amount: Amount,
    /// Our request id, the refund's `custom_id`.
    pub request_id: &'a str,
    /// Our refund id.
    pub key: &'a str,
}

pub enum Refunded {
    Completed {
        refund_ref: String,
    },
    /// Accepted, not settled: a webhook settles it.
    Pending {
        refund_ref: String,
    },
    /// Refused (failed or cancelled): nothing moved.
    Refused {
        message: String,
    },
    Failed(Failure),
}

pub struct Tracking<'a> {
    pub order_ref: &'a str,
    pub capture_ref: &'a str,
    pub carrier: &'a str,
    pub tracking_number: &'a str,
    /// Our shipment id.
    pub key: &'a str,
}

/// Releases the money a delayed-disbursement capture holds for the seller.
pub struct PayoutCall<'a> {
    pub capture_ref: &'a str,
    /// Our payout id.
    pub key: &'a str,
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

/// A processor webhook delivery, as it arrived.
pub struct Delivery<'a> {
    /// The raw body, verbatim: re-serialized JSON can differ from what was signed.
    pub body: &'a str,
    /// Header names lowercase.
    pub headers: &'a [(String, String)],
}

pub enum Verified {
    Genuine,
    /// Not signed by the processor, or the check could not complete.
    Refused,
}

#[allow(async_fn_in_trait)] // the Worker runtime is single-threaded; Send is not needed
pub trait Connector {
    async fn create_order(&self, order: OrderCall<'_>) -> Created;
    async fn confirm_card(&self, confirm: CardConfirm<'_>) -> Confirmed;
    async fn confirm_wallet(&self, confirm: WalletConfirm<'_>) -> Confirmed;
    async fn capture(&self, capture: CaptureCall<'_>) -> Captured;
    async fn get_order(&self, order_ref: &str) -> OrderState;
    async fn refund(&self, refund: RefundCall<'_>) -> Refunded;
    async fn add_tracking(&self, tracking: Tracking<'_>) -> Done;
    async fn release_payout(&self, payout: PayoutCall<'_>) -> Done;
    async fn verify_webhook(&self, delivery: Delivery<'_>) -> Verified;
}
