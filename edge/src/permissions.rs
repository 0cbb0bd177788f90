//! Who may do what with a key.
//!
//! - A seller's secret key may make every call a seller key reaches; a restricted key (an
//!   agent's) only calls whose route row in `chatpay_core::routes` names `SellerOrAgent`.
//! - A secret kept alive by a roll's overlap (not the key's newest) may not make calls the
//!   row marks control plane: a leaked old secret can finish the day's orders but never
//!   roll, revoke or mint keys, add agents or change the account.
//! - A restricted key reaches only its own agent's requests, unless created with
//!   `scope: "all"` (checked in the ledger, which reads the request).

use crate::http::Fail;
use chatpay_core::routes::Route;

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

/// `Ok` if `principal` may make a call on `route`, else the 403. Both rules read the route's
/// row in core's table: a rolled secret is refused the control plane, a restricted key
/// everything but `SellerOrAgent` routes.
pub fn check(route: &Route, principal: &Principal) -> Result<(), Fail> {
    if !principal.newest && route.control_plane {
        return Err(denied("This key has been rolled; use its newest secret."));
    }
    match &principal.role {
        Role::Agent { .. } if !route.credential.admits_agents() => Err(denied(
            "This restricted key cannot do that; use the seller's secret key.",
        )),
        _ => Ok(()),
    }
}

pub fn denied(message: &str) -> Fail {
    Fail::new(403, "permission_error", "permission_denied", message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chatpay_core::routes::Operation as Op;

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

    fn check_op(op: Op, principal: &Principal) -> Result<(), Fail> {
        check(op.route().expect("a route"), principal)
    }

    #[test]
    fn agents_are_denied_what_is_not_listed() {
        for op in [
            Op::CreateRequest,
            Op::GetRequest,
            Op::ListEvents,
            Op::ListRequests,
            Op::Timeline,
            Op::Cancel,
            Op::Ship,
            Op::Deliver,
            Op::Unlock,
        ] {
            assert!(check_op(op, &agent(true)).is_ok(), "{op:?}");
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
            assert_eq!(check_op(op, &agent(true)).unwrap_err().http, 403, "{op:?}");
            assert!(check_op(op, &seller(true)).is_ok(), "{op:?}");
        }
    }

    #[test]
    fn a_rolled_secret_keeps_the_data_plane_only() {
        for op in [
            Op::CreateRequest,
            Op::Refund,
            Op::Revenue,
            Op::AdvanceClock,
            Op::RespondClaim,
        ] {
            assert!(check_op(op, &seller(false)).is_ok(), "{op:?}");
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
            let fail = check_op(op, &seller(false)).unwrap_err();
            assert_eq!(fail.http, 403, "{op:?}");
            assert_eq!(
                fail.error.message,
                "This key has been rolled; use its newest secret."
            );
        }
    }
}
