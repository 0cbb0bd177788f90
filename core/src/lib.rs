//! chatpay's shared core: money, card checks, the payment-request state machine and the
//! JSON API types. The edge and the widget both build on it, so the buyer's browser and
//! the server validate alike.

pub mod accounts;
pub mod agent_capture;
pub mod api;
pub mod appearance;
pub mod bank;
pub mod card;
pub mod currency;
pub mod external_id;
pub mod fields;
pub mod iban;
pub mod live;
pub mod locale;
pub mod mask;
pub mod money;
pub mod orders;
pub mod origins;
pub mod paging;
pub mod routes;
pub mod secret;
pub mod state;
pub mod time;
pub mod webhook_url;
pub mod webhooks;

pub use currency::Currency;
pub use money::{Amount, AmountLimits};
pub use secret::Secret;

/// The sandbox's documented test cards: number, and what the sandbox answers.
/// Any other Luhn-valid number with a future expiry is approved in test mode.
pub mod test_cards {
    /// (number, decline code or "" for approval, description)
    pub const TABLE: &[(&str, &str, &str)] = &[
        ("4242424242424242", "", "Visa, approved"),
        ("5555555555554444", "", "Mastercard, approved"),
        ("378282246310005", "", "American Express, approved"),
        ("4000000000000002", "generic_decline", "Declined, generic"),
        (
            "4000000000009995",
            "insufficient_funds",
            "Declined, insufficient funds",
        ),
        ("4000000000000069", "expired_card", "Declined, expired card"),
        (
            "4000000000000127",
            "incorrect_cvc",
            "Declined, incorrect CVC",
        ),
        ("4000000000000119", "processing_error", "Processing error"),
    ];
}
