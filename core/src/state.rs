//! The payment-request state machine: one table of allowed transitions.
//!
//! `processing` is internal: a pay claims the request before its first `.await`, so a
//! concurrent pay sees it and is refused. Outside the ledger it reads as `requested`.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Requested,
    Processing,
    Paid,
    Canceled,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A pay attempt claims the request.
    BeginPay,
    /// The processor approved the attempt.
    Approve,
    /// The processor declined or failed; the buyer may try another card.
    Decline,
    /// The seller withdraws the request.
    Cancel,
    /// A claim left by a ledger instance that stopped mid-pay is released.
    Release,
}

/// Every allowed (from, event, to). Anything else is illegal and changes nothing.
const TRANSITIONS: &[(Status, Event, Status)] = &[
    (Status::Requested, Event::BeginPay, Status::Processing),
    (Status::Processing, Event::Approve, Status::Paid),
    (Status::Processing, Event::Decline, Status::Requested),
    (Status::Requested, Event::Cancel, Status::Canceled),
    (Status::Processing, Event::Release, Status::Requested),
];

impl Status {
    /// The stored form (includes the internal `processing`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Requested => "requested",
            Status::Processing => "processing",
            Status::Paid => "paid",
            Status::Canceled => "canceled",
        }
    }

    /// What API clients see: `processing` is an internal lock and reads as `requested`.
    pub fn public_str(self) -> &'static str {
        match self {
            Status::Processing => Status::Requested.as_str(),
            other => other.as_str(),
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Requested,
            Status::Processing,
            Status::Paid,
            Status::Canceled,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    pub fn apply(self, event: Event) -> Result<Status, IllegalTransition> {
        TRANSITIONS
            .iter()
            .find(|(from, ev, _)| *from == self && *ev == event)
            .map(|&(_, _, to)| to)
            .ok_or(IllegalTransition { from: self, event })
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IllegalTransition {
    pub from: Status,
    pub event: Event,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        use Event::*;
        use Status::*;
        assert_eq!(Requested.apply(BeginPay), Ok(Processing));
        assert_eq!(Processing.apply(Approve), Ok(Paid));
        assert_eq!(Processing.apply(Decline), Ok(Requested));
        assert_eq!(Requested.apply(Cancel), Ok(Canceled));
        assert_eq!(Processing.apply(Release), Ok(Requested));
        for (from, ev) in [
            (Processing, BeginPay),
            (Paid, BeginPay),
            (Canceled, BeginPay),
            (Paid, Cancel),
            (Canceled, Cancel),
            (Processing, Cancel),
            (Requested, Approve),
            (Paid, Decline),
            (Requested, Release),
            (Paid, Release),
        ] {
            assert_eq!(from.apply(ev), Err(IllegalTransition { from, event: ev }));
        }
        assert_eq!(Processing.public_str(), "requested");
    }
}
