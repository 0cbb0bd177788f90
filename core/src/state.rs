//! The payment-request state machine: one table of allowed transitions over every
//! dimension of a request (payment status, fulfillment, payout, claim).
//!
//! `processing` is internal: a pay claims the request before its first `.await`, so a
//! concurrent pay sees it and is refused. Outside the ledger it reads as `requested`.

use std::fmt;

/// Where `text` is among `names`. One plain function for every enum's `parse`, so the card's
/// download carries one search loop rather than one per enum.
fn wire_index(names: &[&str], text: &str) -> Option<usize> {
    names.iter().position(|n| *n == text)
}

/// Generates a status enum with its wire names.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order (so `ALL[v as usize] == v`).
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            const NAMES: &'static [&'static str] = &[$($wire),+];

            pub fn as_str(self) -> &'static str {
                Self::NAMES[self as usize]
            }

            pub fn parse(s: &str) -> Option<$name> {
                wire_index(Self::NAMES, s).and_then(|i| Self::ALL.get(i).copied())
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
        /// The processor holds the capture for review; its webhook settles it.
        Pending = "pending",
    }
);

wire_enum!(
    /// `fulfillment_status`.
    #[derive(Default)]
    Fulfillment {
        #[default]
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
    #[derive(Default)]
    Refund {
        #[default]
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
    /// The processor took the payment but holds it for review.
    HoldCapture,
    /// The held payment completed.
    Settle,
    /// The held payment was denied; the buyer may pay again.
    Deny,
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
    (St(S::Processing), Event::HoldCapture, St(S::Pending)),
    (St(S::Pending), Event::Settle, St(S::Paid)),
    (St(S::Pending), Event::Deny, St(S::Requested)),
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
    /// Whether the table moves this value on `event`.
    pub fn can(self, event: Event) -> bool {
        self.apply(event).is_ok()
    }

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

            /// Whether the table moves this value on `event`.
            pub fn can(self, event: Event) -> bool {
                State::$variant(self).can(event)
            }
        }
    };
}
dimension_apply!(Status, Status);
dimension_apply!(Fulfillment, Fulfillment);
dimension_apply!(Payout, Payout);
dimension_apply!(Claim, Claim);

impl Claim {
    /// Still waiting for the platform's decision: open, or answered by the seller.
    pub fn is_unresolved(self) -> bool {
        self.can(Event::ResolveRefund) || self.can(Event::ResolveReject)
    }
}

/// Where an order stands on each dimension, as a client reads it: `None` where the value is
/// absent or newer than this build (which then allows nothing that depends on it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Standing {
    pub status: Option<Status>,
    pub fulfillment: Option<Fulfillment>,
    pub refund: Option<Refund>,
    /// A claim was opened, whether or not `claim` knows its status.
    pub has_claim: bool,
    pub claim: Option<Claim>,
    /// Too many declined card attempts: `pay` is refused until the seller unlocks it.
    pub locked: bool,
}

/// What an order's state allows next, one flag per action. Who may take each one (the
/// buyer, the seller, an agent, the platform) is the edge's permission table, not this.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Actions {
    /// The buyer pays.
    pub pay: bool,
    /// The buyer says no.
    pub decline: bool,
    /// The seller withdraws the request.
    pub cancel: bool,
    /// The seller lets a locked request take card attempts again.
    pub unlock: bool,
    pub ship: bool,
    pub deliver: bool,
    /// The seller refunds some or all of what is left.
    pub refund: bool,
    /// The buyer reports a problem (within 30 days of payment, which the edge checks).
    pub claim: bool,
    /// The seller answers the claim.
    pub respond: bool,
    /// The platform (or the seller, in test mode) decides the claim.
    pub resolve: bool,
}

impl Standing {
    /// Each flag from the transition table; refunds and claims, which the table does not
    /// move, need a paid request that is not fully refunded. Inlined, so a caller that reads
    /// one flag (the card reads `claim`) keeps only the code for that one.
    #[inline]
    pub fn actions(&self) -> Actions {
        let status = |event| self.status.is_some_and(|s| s.can(event));
        let fulfillment = |event| self.fulfillment.is_some_and(|f| f.can(event));
        let claim = |event| self.claim.is_some_and(|c| c.can(event));
        let paid = self.status == Some(Status::Paid);
        let refundable = paid && self.refund.is_some_and(|r| r != Refund::Full);
        Actions {
            pay: status(Event::BeginPay) && !self.locked,
            decline: status(Event::BuyerDecline),
            cancel: status(Event::Cancel),
            unlock: status(Event::BeginPay) && self.locked,
            ship: paid && fulfillment(Event::Ship),
            deliver: paid && fulfillment(Event::Deliver),
            refund: refundable,
            claim: refundable && !self.has_claim,
            respond: claim(Event::Respond),
            resolve: self.claim.is_some_and(Claim::is_unresolved),
        }
    }
}

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
        assert_eq!(S::Processing.apply(HoldCapture), Ok(S::Pending));
        assert_eq!(S::Pending.apply(Settle), Ok(S::Paid));
        assert_eq!(S::Pending.apply(Deny), Ok(S::Requested));
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
            (S::Pending, BeginPay),
            (S::Pending, Cancel),
            (S::Requested, Settle),
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

    #[test]
    fn can_follows_the_table() {
        use Event::*;
        assert!(S::Requested.can(Cancel));
        assert!(!S::Paid.can(Cancel));
        assert!(S::Requested.can(BeginPay));
        assert!(!S::Expired.can(BeginPay));
        assert!(F::Unfulfilled.can(Ship));
        assert!(!F::Unfulfilled.can(Deliver));
        assert!(C::Open.can(Respond));
        assert!(!C::SellerResponded.can(Respond));
        assert!(C::Open.is_unresolved() && C::SellerResponded.is_unresolved());
        assert!(!C::Rejected.is_unresolved() && !C::ResolvedRefund.is_unresolved());
        for &(from, event, _) in TRANSITIONS {
            assert!(from.can(event), "{from:?} {event:?}");
        }
    }

    fn paid(fulfillment: F, refund: Refund, claim: Option<C>) -> Standing {
        Standing {
            status: Some(S::Paid),
            fulfillment: Some(fulfillment),
            refund: Some(refund),
            has_claim: claim.is_some(),
            claim,
            locked: false,
        }
    }

    #[test]
    fn an_open_request_may_be_paid_declined_or_canceled() {
        let open = Standing {
            status: Some(S::Requested),
            fulfillment: Some(F::Unfulfilled),
            refund: Some(Refund::None),
            ..Standing::default()
        };
        let want = Actions {
            pay: true,
            decline: true,
            cancel: true,
            ..Actions::default()
        };
        assert_eq!(open.actions(), want);
        let locked = Standing {
            locked: true,
            ..open
        };
        assert_eq!(
            locked.actions(),
            Actions {
                pay: false,
                unlock: true,
                ..want
            }
        );
        for status in [S::Canceled, S::Declined, S::Expired] {
            let closed = Standing {
                status: Some(status),
                ..open
            };
            assert_eq!(closed.actions(), Actions::default(), "{status}");
        }
    }

    #[test]
    fn a_paid_order_ships_then_delivers_and_refunds_until_full() {
        let a = paid(F::Unfulfilled, Refund::None, None).actions();
        assert!(a.ship && !a.deliver && a.refund && a.claim);
        assert!(!a.pay && !a.cancel && !a.unlock && !a.respond && !a.resolve);
        let a = paid(F::Shipped, Refund::Partial, None).actions();
        assert!(!a.ship && a.deliver && a.refund && a.claim);
        let a = paid(F::Delivered, Refund::Full, None).actions();
        assert!(!a.ship && !a.deliver && !a.refund && !a.claim);
        // Auto-canceled after payment: nothing more to do.
        let canceled = Standing {
            status: Some(S::Canceled),
            ..paid(F::Unfulfilled, Refund::Full, None)
        };
        assert_eq!(canceled.actions(), Actions::default());
    }

    #[test]
    fn a_claim_is_opened_once_answered_once_and_resolved_once() {
        let a = paid(F::Shipped, Refund::None, Some(C::Open)).actions();
        assert!(!a.claim && a.respond && a.resolve && a.refund);
        let a = paid(F::Shipped, Refund::None, Some(C::SellerResponded)).actions();
        assert!(!a.claim && !a.respond && a.resolve);
        for done in [C::Rejected, C::ResolvedRefund] {
            let a = paid(F::Shipped, Refund::None, Some(done)).actions();
            assert!(!a.claim && !a.respond && !a.resolve, "{done}");
        }
    }

    #[test]
    fn unknown_values_allow_nothing_that_depends_on_them() {
        let newer = Standing {
            status: None,
            ..paid(F::Unfulfilled, Refund::None, None)
        };
        assert_eq!(newer.actions(), Actions::default());
        let a = Standing {
            fulfillment: None,
            refund: None,
            ..paid(F::Unfulfilled, Refund::None, None)
        }
        .actions();
        assert!(!a.ship && !a.deliver && !a.refund && !a.claim);
        let a = Standing {
            claim: None,
            ..paid(F::Shipped, Refund::None, Some(C::Open))
        }
        .actions();
        assert!(!a.claim && !a.respond && !a.resolve);
    }
}
