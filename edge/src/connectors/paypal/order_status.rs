//! What Orders v2 answers (the order, its captures, its payer and shipping) and how each
//! PayPal status maps to ours. Every status enum has an explicit `Unknown` for values the
//! 2.13 document does not list, and each maps through one exhaustive `match`.

use super::super::connector::{
    Captured, CollectedAddress, Confirmed, Decline, Failure, OrderState, Payer,
};
use serde::Deserialize;

/// The order resource (`Prefer: return=representation`), as far as we read it.
#[derive(Default, Deserialize)]
pub struct Order {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub status: Option<OrderStatus>,
    #[serde(default)]
    pub links: Vec<Link>,
    #[serde(default)]
    pub purchase_units: Vec<PurchaseUnit>,
    #[serde(default)]
    pub payment_source: Option<PaymentSource>,
    #[serde(default)]
    pub payer: Option<PayerResponse>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    Created,
    Saved,
    Approved,
    Voided,
    Completed,
    PayerActionRequired,
    #[serde(other)]
    Unknown,
}

#[derive(Deserialize)]
pub struct Link {
    pub href: String,
    pub rel: String,
}

#[derive(Default, Deserialize)]
pub struct PurchaseUnit {
    #[serde(default)]
    pub payments: Option<Payments>,
    #[serde(default)]
    pub shipping: Option<Shipping>,
}

#[derive(Default, Deserialize)]
pub struct Payments {
    #[serde(default)]
    pub captures: Vec<Capture>,
}

#[derive(Deserialize)]
pub struct Capture {
    pub id: String,
    #[serde(default)]
    pub status: Option<CaptureStatus>,
    #[serde(default)]
    pub processor_response: Option<ProcessorResponse>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CaptureStatus {
    Completed,
    Declined,
    PartiallyRefunded,
    Pending,
    Refunded,
    Failed,
    #[serde(other)]
    Unknown,
}

#[derive(Deserialize)]
pub struct ProcessorResponse {
    #[serde(default)]
    pub response_code: Option<String>,
}

#[derive(Deserialize)]
pub struct Shipping {
    #[serde(default)]
    pub name: Option<ShippingName>,
    #[serde(default)]
    pub address: Option<Address>,
}

#[derive(Deserialize)]
pub struct ShippingName {
    #[serde(default)]
    pub full_name: Option<String>,
}

/// PayPal's `address_portable`: `admin_area_2` is the city, `admin_area_1` the state.
#[derive(Deserialize)]
pub struct Address {
    #[serde(default)]
    pub address_line_1: Option<String>,
    #[serde(default)]
    pub address_line_2: Option<String>,
    #[serde(default)]
    pub admin_area_2: Option<String>,
    #[serde(default)]
    pub admin_area_1: Option<String>,
    #[serde(default)]
    pub postal_code: Option<String>,
    #[serde(default)]
    pub country_code: Option<String>,
}

#[derive(Default, Deserialize)]
pub struct PaymentSource {
    #[serde(default)]
    pub paypal: Option<PayPalWallet>,
    #[serde(default)]
    pub card: Option<CardResponse>,
}

#[derive(Default, Deserialize)]
pub struct PayPalWallet {
    #[serde(default)]
    pub email_address: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
}

#[derive(Default, Deserialize)]
pub struct CardResponse {
    #[serde(default)]
    pub authentication_result: Option<AuthenticationResult>,
}

#[derive(Default, Deserialize)]
pub struct AuthenticationResult {
    #[serde(default)]
    pub liability_shift: Option<LiabilityShift>,
}

/// 2.13 lists `NO`, `POSSIBLE` and `UNKNOWN`; PayPal's 3-D Secure guide also answers `YES`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LiabilityShift {
    Possible,
    Yes,
    No,
    Unknown,
    #[serde(other)]
    Unlisted,
}

#[derive(Default, Deserialize)]
pub struct PayerResponse {
    #[serde(default)]
    pub email_address: Option<String>,
    #[serde(default)]
    pub payer_id: Option<String>,
}

impl Order {
    /// Where the buyer goes next: `payer-action` (Orders v2 with an experience context or a
    /// 3-D Secure challenge), else the older `approve`. Only a web address is taken (`http`
    /// for a local stand-in), never a `javascript:` or `data:` one.
    pub fn payer_action_url(&self) -> Option<String> {
        let web = |href: &str| href.starts_with("https://") || href.starts_with("http://");
        ["payer-action", "approve"].iter().find_map(|rel| {
            self.links
                .iter()
                .find(|l| l.rel == *rel && web(&l.href))
                .map(|l| l.href.clone())
        })
    }

    pub fn payer(&self) -> Payer {
        let wallet = self.payment_source.as_ref().and_then(|s| s.paypal.as_ref());
        let payer = self.payer.as_ref();
        Payer {
            email: wallet
                .and_then(|w| w.email_address.clone())
                .or_else(|| payer.and_then(|p| p.email_address.clone())),
            payer_id: payer
                .and_then(|p| p.payer_id.clone())
                .or_else(|| wallet.and_then(|w| w.account_id.clone())),
        }
    }

    /// The address PayPal collected, in our fields; the ledger checks them.
    pub fn shipping(&self) -> Option<CollectedAddress> {
        let shipping = self.purchase_units.first()?.shipping.as_ref()?;
        let address = shipping.address.as_ref()?;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let some = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        Some(CollectedAddress {
            name: shipping
                .name
                .as_ref()
                .map(|n| text(&n.full_name))
                .unwrap_or_default(),
            line1: text(&address.address_line_1),
            line2: some(&address.address_line_2),
            city: text(&address.admin_area_2),
            state: some(&address.admin_area_1),
            postal_code: text(&address.postal_code),
            country: text(&address.country_code),
        })
    }

    /// Whether 3-D Secure shifted liability, for a card that ran it.
    pub fn authenticated(&self) -> Option<bool> {
        let shift = self
            .payment_source
            .as_ref()?
            .card
            .as_ref()?
            .authentication_result
            .as_ref()?
            .liability_shift?;
        Some(match shift {
            LiabilityShift::Possible | LiabilityShift::Yes => true,
            LiabilityShift::No | LiabilityShift::Unknown | LiabilityShift::Unlisted => false,
        })
    }

    /// The capture that decides the payment: a completed one (even if refunded since), else
    /// a pending one, else the last attempt.
    fn deciding_capture(&self) -> Option<&Capture> {
        let captures = || {
            self.purchase_units
                .iter()
                .filter_map(|u| u.payments.as_ref())
                .flat_map(|p| p.captures.iter())
        };
        let rank = |c: &Capture| match c.status {
            Some(CaptureStatus::Completed)
            | Some(CaptureStatus::PartiallyRefunded)
            | Some(CaptureStatus::Refunded) => 2,
            Some(CaptureStatus::Pending) => 1,
            _ => 0,
        };
        captures()
            .max_by_key(|c| rank(c))
            .filter(|c| rank(c) > 0)
            .or(captures().last())
    }

    /// The capture's result, from the capture itself and never from the order's status.
    pub fn captured(&self) -> Captured {
        let Some(capture) = self.deciding_capture() else {
            // An answer without its capture: it may exist, and the order's state will say.
            return Captured::Failed(Failure::Unavailable);
        };
        let code = capture
            .processor_response
            .as_ref()
            .and_then(|p| p.response_code.as_deref());
        match capture.status.unwrap_or(CaptureStatus::Unknown) {
            CaptureStatus::Completed
            | CaptureStatus::PartiallyRefunded
            | CaptureStatus::Refunded => Captured::Completed {
                capture_ref: capture.id.clone(),
                payer: self.payer(),
                shipping: self.shipping(),
            },
            CaptureStatus::Pending => Captured::Pending {
                capture_ref: capture.id.clone(),
            },
            CaptureStatus::Declined => {
                Captured::Declined(decline_for_code(code).unwrap_or(Decline::Generic))
            }
            CaptureStatus::Failed => {
                Captured::Declined(decline_for_code(code).unwrap_or(Decline::ProcessingError))
            }
            CaptureStatus::Unknown => Captured::Failed(Failure::Rejected {
                message: "PayPal answered with a capture status it does not document.".into(),
            }),
        }
    }

    /// The answer to `confirm-payment-source` with a card.
    pub fn confirmed(&self) -> Confirmed {
        match self.status.unwrap_or(OrderStatus::Unknown) {
            OrderStatus::Approved => Confirmed::Approved,
            OrderStatus::PayerActionRequired => match self.payer_action_url() {
                Some(url) => Confirmed::ActionRequired { url },
                None => Confirmed::Failed(Failure::Rejected {
                    message: "PayPal asked for 3-D Secure without a link to it.".into(),
                }),
            },
            // Captured already (a replay after a capture): the capture call will find it.
            OrderStatus::Completed => Confirmed::Approved,
            OrderStatus::Created | OrderStatus::Saved => Confirmed::Failed(Failure::Rejected {
                message: "PayPal did not accept the card for this order.".into(),
            }),
            OrderStatus::Voided => Confirmed::Failed(Failure::Rejected {
                message: "The PayPal order is voided.".into(),
            }),
            OrderStatus::Unknown => Confirmed::Failed(Failure::Unavailable),
        }
    }

    /// What the order's state tells a reconciliation.
    pub fn state(&self) -> OrderState {
        match self.status.unwrap_or(OrderStatus::Unknown) {
            OrderStatus::Created | OrderStatus::Saved => OrderState::Created,
            OrderStatus::PayerActionRequired => OrderState::ActionRequired,
            OrderStatus::Approved => OrderState::Approved {
                authenticated: self.authenticated(),
            },
            OrderStatus::Completed => match self.captured() {
                Captured::Failed(Failure::Unavailable) => OrderState::Unavailable,
                captured => OrderState::Captured(captured),
            },
            OrderStatus::Voided => OrderState::Voided,
            OrderStatus::Unknown => OrderState::Unavailable,
        }
    }
}

/// A declined capture's processor code, in our words. The 2.13 document lists the codes
/// without their meaning; the meanings are PayPal's processor-response reference. ISO 8583's
/// two-digit forms (51, 54, N7) are read too.
pub fn decline_for_code(code: Option<&str>) -> Option<Decline> {
    Some(match code? {
        "0051" | "51" | "5120" => Decline::InsufficientFunds,
        "5400" | "54" | "1380" => Decline::ExpiredCard,
        "00N7" | "N7" | "5110" | "1382" | "PCVV" => Decline::IncorrectCvc,
        "7710" | "5650" => Decline::AuthenticationFailed,
        "0960" | "5910" | "5920" | "8000" | "8100" | "8110" | "8220" | "9100" | "9600" => {
            Decline::ProcessingError
        }
        _ => return None,
    })
}

/// A 422 issue that is the card's (or the buyer's funding's) fault, from the lists of
/// `confirm-payment-source` and `capture` in the 2.13 document. Anything else is ours.
pub fn decline_for_issue(issue: &str) -> Option<Decline> {
    Some(match issue {
        "CARD_EXPIRED" | "INVALID_EXPIRY_DATE" | "REFERENCED_CARD_EXPIRED" => Decline::ExpiredCard,
        "INVALID_SECURITY_CODE_LENGTH" | "INVALID_SECURITY_CODE" => Decline::IncorrectCvc,
        "CARD_TYPE_NOT_SUPPORTED"
        | "CARD_BRAND_NOT_SUPPORTED"
        | "CURRENCY_NOT_SUPPORTED_FOR_CARD_TYPE"
        | "PAYMENT_SOURCE_INFO_CANNOT_BE_VERIFIED"
        | "PAYMENT_SOURCE_DECLINED_BY_PROCESSOR"
        | "PAYMENT_SOURCE_CANNOT_BE_USED"
        | "BILLING_ADDRESS_INVALID"
        | "INSTRUMENT_DECLINED"
        | "TRANSACTION_REFUSED"
        | "PAYER_CANNOT_PAY"
        | "PAYER_ACCOUNT_RESTRICTED"
        | "PAYER_ACCOUNT_LOCKED_OR_CLOSED"
        | "MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED"
        | "TRANSACTION_LIMIT_EXCEEDED"
        | "DECLINED_DUE_TO_RELATED_TXN" => Decline::Generic,
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
