//! Fields whose value never changes for a given object, such as `"object": "payment_request"`
//! or a card's `"type": "card"`: unit types that write their one value and read only it,
//! so the edge cannot misspell them and a client cannot take one object for another.

use serde::de::{Error, Unexpected};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! constants {
    ($($(#[$meta:meta])* $name:ident = $wire:literal),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $name;

        impl $name {
            pub const VALUE: &'static str = $wire;
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str($wire)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<$name, D::Error> {
                let text = String::deserialize(deserializer)?;
                if text == $wire {
                    Ok($name)
                } else {
                    Err(D::Error::invalid_value(Unexpected::Str(&text), &$wire))
                }
            }
        }
    )+};
}

constants!(
    /// `"object": "payment_request"`.
    PaymentRequestObject = "payment_request",
    /// `"object": "payment"`.
    PaymentObject = "payment",
    /// `"object": "refund"`.
    RefundObject = "refund",
    /// `"object": "claim"`.
    ClaimObject = "claim",
    /// `"object": "event"`.
    EventObject = "event",
    /// `"object": "seller"`.
    SellerObject = "seller",
    /// `"object": "bank_account"`.
    BankAccountObject = "bank_account",
    /// `"object": "agent"`.
    AgentObject = "agent",
    /// `"object": "api_key"`.
    ApiKeyObject = "api_key",
    /// `"object": "list"`.
    ListObject = "list",
    /// `"object": "revenue_report"`.
    RevenueReportObject = "revenue_report",
    /// `"object": "test_clock"`.
    TestClockObject = "test_clock",
    /// A payment method's `"type": "card"`.
    CardType = "card",
    /// A payment method's `"type": "paypal"`.
    PayPalType = "paypal",
    /// A payment method's `"type": "wallet"`.
    WalletType = "wallet",
    /// `"object": "paypal_order"`.
    PayPalOrderObject = "paypal_order",
    /// `next_action`'s `"type": "redirect"`.
    RedirectType = "redirect",
    /// `"object": "card_reveal"`.
    CardRevealObject = "card_reveal",
    /// A card method's `"captured_by": "agent"`: the agent charged it outside chatpay.
    AgentCapturedBy = "agent",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constant_reads_only_its_own_value() {
        assert_eq!(serde_json::to_string(&ClaimObject).unwrap(), "\"claim\"");
        assert_eq!(
            serde_json::from_str::<ClaimObject>("\"claim\"").unwrap(),
            ClaimObject
        );
        assert!(serde_json::from_str::<ClaimObject>("\"refund\"").is_err());
        assert!(serde_json::from_str::<ClaimObject>("null").is_err());
    }
}
