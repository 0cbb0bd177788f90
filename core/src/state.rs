//! The payment-request state machine: one table of allowed transitions over every
//! dimension of a request (payment status, fulfillment, payout, claim).
//!
//! `processing` is internal: a pay claims the request before its first `.await`, so a
//! concurrent pay sees it and is refused. Outside the ledger it reads as `requested`.

use std::fmt;

/// Generates a status enum with its wire names.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// The payment dimension: `status`.
    Status {
        Requested = "requested",
        Processing = "processing",
        Paid = "paid",
        Canceled = "canceled",
        Declined = "declined",
        Expired = "expired",
    }
);

wire_enum!(
    /// `fulfillment_status`.
    Fulfillment {
        Unfulfilled = "unfulfilled",
        Shipped = "shipped",
        Delivered = "delivered",
    }
);

wire_enum!(
    /// `payout.status`.
    Payout {
        Pending = "pending",
        Held = "held",
        PaidOut = "paid_out",
    }
);

wire_enum!(
    /// `claim.status`.
    Claim {
        Open = "open",
        SellerResponded = "seller_responded",
        ResolvedRefund = "resolved_refund",
        Rejected = "rejected",
    }
);

wire_enum!(
    /// `refund_status`: derived from the refunded sum, listed here for its wire names.
    Refund {
        None = "none",
        Partial = "partial",
        Full = "full",
    }
);

impl Status {
    /// What API clients see: `processing` is an internal lock and reads as `requested`.
    pub fn public_str(self) -> &'static str {
        match self {
            Status::Processing => Status::Requested.as_str(),
            other => other.as_str(),
        }
    }
}

impl Refund {
    pub fn of(refunded_minor: u64, paid_minor: u64) -> Refund {
        match refunded_minor {
            0 => Refund::None,
            r if r >= paid_minor => Refund::Full,
            _ => Refund::Partial,
        }
    }
}

/// A value of any one dimension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Status(Status),
    Fulfillment(Fulfillment),
    Payout(Payout),
    Claim(Claim),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A pay attempt claims the request.
    BeginPay,
    /// The processor approved the attempt.
    Approve,
    /// The processor declined or failed; the buyer may try another card.
    CardDeclined,
    /// A claim left by a ledger instance that stopped mid-pay is released.
    Release,
    /// The seller withdraws the request.
    Cancel,
    /// The buyer says no.
    BuyerDecline,
    /// `expires_at` passed while unpaid.
    Expire,
    /// Paid but unshipped for too long: the system cancels (and fully refunds).
    AutoCancel,
    Ship,
    Deliver,
    /// A claim opened while the payout waits.
    Hold,
    /// The claim was resolved while the payout waits.
    Unhold,
    PayOut,
    Respond,
    ResolveRefund,
    ResolveReject,
}

use Claim as C;
use Fulfillment as F;
use Payout as P;
use State::{Claim as Cl, Fulfillment as Fu, Payout as Po, Status as St};
use Status as S;

/// Every allowed (from, event, to). Anything else is illegal and changes nothing.
pub const TRANSITIONS: &[(State, Event, State)] = &[
    (St(S::Requested), Event::BeginPay, St(S::Processing)),
    (St(S::Processing), Event::Approve, St(S::Paid)),
    (St(S::Processing), Event::CardDeclined, St(S::Requested)),
    (St(S::Processing), Event::Release, St(S::Requested)),
    (St(S::Requested), Event::Cancel, St(S::Canceled)),
    (St(S::Requested), Event::BuyerDecline, St(S::Declined)),
    (St(S::Requested), Event::Expire, St(S::Expired)),
    (St(S::Paid), Event::AutoCancel, St(S::Canceled)),
    (Fu(F::Unfulfilled), Event::Ship, Fu(F::Shipped)),
    (Fu(F::Shipped), Event::Deliver, Fu(F::Delivered)),
    (Po(P::Pending), Event::Hold, Po(P::Held)),
    (Po(P::Held), Event::Unhold, Po(P::Pending)),
    (Po(P::Pending), Event::PayOut, Po(P::PaidOut)),
    (Cl(C::Open), Event::Respond, Cl(C::SellerResponded)),
    (Cl(C::Open), Event::ResolveRefund, Cl(C::ResolvedRefund)),
    (Cl(C::Open), Event::ResolveReject, Cl(C::Rejected)),
    (
        Cl(C::SellerResponded),
        Event::ResolveRefund,
        Cl(C::ResolvedRefund),
    ),
    (
        Cl(C::SellerResponded),
        Event::ResolveReject,
        Cl(C::Rejected),
    ),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IllegalTransition {
    pub from: State,
    pub event: Event,
}

impl State {
    pub fn apply(self, event: Event) -> Result<State, IllegalTransition> {
        TRANSITIONS
            .iter()
            .find(|(from, ev, _)| *from == self && *ev == event)
            .map(|&(_, _, to)| to)
            .ok_or(IllegalTransition { from: self, event })
    }
}

/// Typed shortcuts: each dimension applies an event through the one table.
macro_rules! dimension_apply {
    ($ty:ident, $variant:ident) => {
        impl $ty {
            pub fn apply(self, event: Event) -> Result<$ty, IllegalTransition> {
                match State::$variant(self).apply(event)? {
                    State::$variant(to) => Ok(to),
                    _ => unreachable!("the table never moves between dimensions"),
                }
            }
        }
    };
}
dimension_apply!(Status, Status);
dimension_apply!(Fulfillment, Fulfillment);
dimension_apply!(Payout, Payout);
dimension_apply!(Claim, Claim);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        use Event::*;
        assert_eq!(S::Requested.apply(BeginPay), Ok(S::Processing));
        assert_eq!(S::Processing.apply(Approve), Ok(S::Paid));
        assert_eq!(S::Processing.apply(CardDeclined), Ok(S::Requested));
        assert_eq!(S::Processing.apply(Release), Ok(S::Requested));
        assert_eq!(S::Requested.apply(Cancel), Ok(S::Canceled));
        assert_eq!(S::Requested.apply(BuyerDecline), Ok(S::Declined));
        assert_eq!(S::Requested.apply(Expire), Ok(S::Expired));
        assert_eq!(S::Paid.apply(AutoCancel), Ok(S::Canceled));
        assert_eq!(F::Unfulfilled.apply(Ship), Ok(F::Shipped));
        assert_eq!(F::Shipped.apply(Deliver), Ok(F::Delivered));
        assert_eq!(P::Pending.apply(Hold), Ok(P::Held));
        assert_eq!(P::Held.apply(Unhold), Ok(P::Pending));
        assert_eq!(P::Pending.apply(PayOut), Ok(P::PaidOut));
        assert_eq!(C::Open.apply(Respond), Ok(C::SellerResponded));
        assert_eq!(C::SellerResponded.apply(ResolveReject), Ok(C::Rejected));
        for (from, ev) in [
            (S::Processing, BeginPay),
            (S::Paid, BeginPay),
            (S::Canceled, BeginPay),
            (S::Paid, Cancel),
            (S::Declined, Cancel),
            (S::Expired, BeginPay),
            (S::Paid, BuyerDecline),
            (S::Requested, Approve),
            (S::Requested, Release),
            (S::Canceled, AutoCancel),
        ] {
            assert!(from.apply(ev).is_err(), "{from} {ev:?}");
        }
        assert!(F::Unfulfilled.apply(Deliver).is_err());
        assert!(F::Delivered.apply(Ship).is_err());
        assert!(P::Held.apply(PayOut).is_err());
        assert!(P::PaidOut.apply(Hold).is_err());
        assert!(C::Rejected.apply(ResolveRefund).is_err());
        assert!(C::ResolvedRefund.apply(Respond).is_err());
        assert_eq!(S::Processing.public_str(), "requested");
    }

    #[test]
    fn wire_names_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(*s));
        }
        assert_eq!(
            Claim::parse("seller_responded"),
            Some(Claim::SellerResponded)
        );
        assert_eq!(Refund::of(0, 100), Refund::None);
        assert_eq!(Refund::of(50, 100), Refund::Partial);
        assert_eq!(Refund::of(100, 100), Refund::Full);
    }
}
