//! Who may do what with a key.
//!
//! - A seller's secret key may run every op a seller key reaches; a restricted key (an
//!   agent's) only the ops listed in [`allowed`]. The table is default-deny for agents: an op
//!   nobody listed is refused with 403 `permission_denied`.
//! - A secret kept alive by a roll's overlap (not the key's newest) may run data-plane ops
//!   only ([`data_plane`]): a leaked old secret can finish the day's orders but never roll,
//!   revoke or mint keys, add agents or change the account. Also default-deny.
//! - A restricted key reaches only its own agent's requests, unless created with
//!   `scope: "all"` (checked in the ledger, which reads the request).

use crate::http::Fail;
use crate::ledger::Op;

/// Whose key authenticated a command, as the ledger found it among its live keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub role: Role,
    /// This secret is its key's newest, not one kept alive by a roll's overlap.
    pub newest: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// The seller's secret key (`sk_`).
    Seller,
    /// A restricted key (`rk_`) bound to one agent; `all` when created with `scope: "all"`.
    Agent { agent_id: String, all: bool },
}

impl Principal {
    /// The actor recorded in events: `seller` or `agent:<id>`.
    pub fn actor(&self) -> String {
        match &self.role {
            Role::Seller => "seller".into(),
            Role::Agent { agent_id, .. } => format!("agent:{agent_id}"),
        }
    }

    /// The agent whose requests alone this key may reach, if it is so limited.
    pub fn only_agent(&self) -> Option<&str> {
        match &self.role {
            Role::Agent {
                agent_id,
                all: false,
            } => Some(agent_id),
            _ => None,
        }
    }
}

/// Which principals an op admits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Allowed {
    SellerOnly,
    SellerAndAgents,
}

/// The rule table. Agents run conversations: they create, cancel, ship, deliver and read
/// requests (one, its events, the list, a conversation's timeline) and unlock their own
/// requests' card attempts. Money going back (refunds), claims, reports, the test clock,
/// keys, agents and the seller's account stay with the seller.
pub fn allowed(op: Op) -> Allowed {
    match op {
        Op::CreateRequest
        | Op::GetRequest
        | Op::ListEvents
        | Op::List
        | Op::Timeline
        | Op::Cancel
        | Op::Ship
        | Op::Deliver
        | Op::Unlock => Allowed::SellerAndAgents,
        _ => Allowed::SellerOnly,
    }
}

/// The ops a rolled (not newest) secret may still run: payment requests, claims, timelines,
/// reports and the test clock. Everything else is the control plane.
pub fn data_plane(op: Op) -> bool {
    matches!(
        op,
        Op::CreateRequest
            | Op::GetRequest
            | Op::ListEvents
            | Op::List
            | Op::Cancel
            | Op::Ship
            | Op::Deliver
            | Op::Refund
            | Op::Unlock
            | Op::RespondClaim
            | Op::ResolveClaim
            | Op::Timeline
            | Op::Revenue
            | Op::AdvanceClock
    )
}

/// `Ok` if `principal` may run `op`, else the 403.
pub fn check(op: Op, principal: &Principal) -> Result<(), Fail> {
    if !principal.newest && !data_plane(op) {
        return Err(denied("This key has been rolled; use its newest secret."));
    }
    match (allowed(op), &principal.role) {
        (_, Role::Seller) | (Allowed::SellerAndAgents, Role::Agent { .. }) => Ok(()),
        (Allowed::SellerOnly, Role::Agent { .. }) => Err(denied(
            "This restricted key cannot do that; use the seller's secret key.",
        )),
    }
}

pub fn denied(message: &str) -> Fail {
    Fail::new(403, "permission_error", "permission_denied", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(newest: bool) -> Principal {
        Principal {
            role: Role::Agent {
                agent_id: "maya".into(),
                all: false,
            },
            newest,
        }
    }

    fn seller(newest: bool) -> Principal {
        Principal {
            role: Role::Seller,
            newest,
        }
    }

    #[test]
    fn agents_are_denied_what_is_not_listed() {
        for op in [
            Op::CreateRequest,
            Op::GetRequest,
            Op::ListEvents,
            Op::List,
            Op::Timeline,
            Op::Cancel,
            Op::Ship,
            Op::Deliver,
            Op::Unlock,
        ] {
            assert!(check(op, &agent(true)).is_ok(), "{op:?}");
        }
        for op in [
            Op::Refund,
            Op::RespondClaim,
            Op::ResolveClaim,
            Op::Revenue,
            Op::AdvanceClock,
            Op::GetSeller,
            Op::UpdateSeller,
            Op::CreateAgent,
            Op::ListAgents,
            Op::CreateKey,
            Op::ListKeys,
            Op::RevokeKey,
            Op::RollKey,
        ] {
            assert_eq!(check(op, &agent(true)).unwrap_err().http, 403, "{op:?}");
            assert!(check(op, &seller(true)).is_ok(), "{op:?}");
        }
    }

    #[test]
    fn a_rolled_secret_keeps_the_data_plane_only() {
        for op in [Op::Refund, Op::Revenue, Op::AdvanceClock, Op::RespondClaim] {
            assert!(check(op, &seller(false)).is_ok(), "{op:?}");
        }
        for op in [
            Op::RollKey,
            Op::RevokeKey,
            Op::CreateKey,
            Op::ListKeys,
            Op::CreateAgent,
            Op::ListAgents,
            Op::GetSeller,
            Op::UpdateSeller,
        ] {
            let fail = check(op, &seller(false)).unwrap_err();
            assert_eq!(fail.http, 403, "{op:?}");
            assert_eq!(
                fail.error.message,
                "This key has been rolled; use its newest secret."
            );
        }
    }
}
