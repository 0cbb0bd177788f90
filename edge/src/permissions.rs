//! Who may do what with a key. A seller's secret key may run every op a seller key reaches;
//! a restricted key (an agent's) only the ops listed in [`allowed`]. The table is
//! default-deny for agents: an op nobody listed is refused with 403 `permission_denied`.

use crate::http::Fail;
use crate::ledger::Op;

/// Whose key authenticated a command, as the ledger found it among its live keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// The seller's secret key (`sk_`).
    Seller,
    /// A restricted key (`rk_`) bound to one agent.
    Agent { agent_id: String },
}

/// Which principals an op admits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Allowed {
    SellerOnly,
    SellerAndAgents,
}

/// The rule table. Agents run conversations: they create, cancel, ship, deliver and read
/// requests (one, the list, a conversation's timeline). Money going back (refunds), claims,
/// reports, the test clock, keys, agents and the seller's account stay with the seller.
pub fn allowed(op: Op) -> Allowed {
    match op {
        Op::CreateRequest
        | Op::GetRequest
        | Op::List
        | Op::Timeline
        | Op::Cancel
        | Op::Ship
        | Op::Deliver => Allowed::SellerAndAgents,
        _ => Allowed::SellerOnly,
    }
}

/// `Ok` if `principal` may run `op`, else the 403.
pub fn check(op: Op, principal: &Principal) -> Result<(), Fail> {
    match (allowed(op), principal) {
        (_, Principal::Seller) | (Allowed::SellerAndAgents, Principal::Agent { .. }) => Ok(()),
        (Allowed::SellerOnly, Principal::Agent { .. }) => Err(denied(
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

    #[test]
    fn agents_are_denied_what_is_not_listed() {
        let agent = Principal::Agent {
            agent_id: "maya".into(),
        };
        for op in [
            Op::CreateRequest,
            Op::GetRequest,
            Op::List,
            Op::Timeline,
            Op::Cancel,
            Op::Ship,
            Op::Deliver,
        ] {
            assert!(check(op, &agent).is_ok(), "{op:?}");
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
            assert_eq!(check(op, &agent).unwrap_err().http, 403, "{op:?}");
            assert!(check(op, &Principal::Seller).is_ok(), "{op:?}");
        }
    }
}
