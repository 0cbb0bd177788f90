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
        /// Agent capture (issue 9): the card is sealed for the requesting agent to process
        /// within the seller's window; `mark_processed` pays it, the window's end expires it.
        Collected = "collected",
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
    /// Agent capture: the buyer's card was sealed for the agent instead of charged.
    Collect,
    /// Agent capture: the agent (or seller) charged the card outside chatpay.
    MarkProcessed,
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
    (St(S::Requested), Event::Collect, St(S::Collected)),
    (St(S::Collected), Event::MarkProcessed, St(S::Paid)),
    (St(S::Collected), Event::Expire, St(S::Expired)),
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
    /// The agent charged the card outside chatpay, so no refund or claim goes through it.
    pub agent_captured: bool,
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
        let refundable =
            paid && !self.agent_captured && self.refund.is_some_and(|r| r != Refund::Full);
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
mod tests;
