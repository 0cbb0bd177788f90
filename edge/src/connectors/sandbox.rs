//! The sandbox: test mode's processor, a simulation of an orders API kept in the seller's
//! own object (`sandbox_orders`). Cards approve except the documented test numbers
//! (`chatpay_core::test_cards`); `4000 0027 6000 3184` asks for a 3-D Secure challenge on
//! the edge's `/sandbox/3ds/...` page; PayPal orders wait for the buyer on
//! `/sandbox/paypal/approve/...`. It answers after a simulated round trip, so concurrent
//! calls overlap at the `.await` as they will live.
//!
//! An order's id is our attempt id, so the sandbox's pages route to the seller's object.

use super::connector::*;
use chatpay_core::test_cards;
use serde::Deserialize;
use worker::SqlStorage;

/// The card that asks for a 3-D Secure challenge.
pub const CHALLENGE_CARD: &str = "4000002760003184";

pub struct Sandbox<'a> {
    pub latency_ms: u64,
    pub sql: &'a SqlStorage,
    pub origin: &'a str,
}

/// What the buyer does on a sandbox page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SandboxAction {
    /// PayPal: the buyer approves.
    Approve,
    /// PayPal: the buyer cancels.
    Cancel,
    /// 3-D Secure: the bank confirms the buyer (`true`) or not.
    Authenticate(bool),
}

#[derive(Deserialize)]
struct OrderRow {
    kind: String,
    state: String,
    decline_code: Option<String>,
    liability: Option<String>,
    capture_ref: Option<String>,
    shipping: i64,
}

/// The sandbox payer and, when asked for, the address PayPal would have on file.
fn sandbox_payer() -> Payer {
    Payer {
        email: Some("buyer@sandbox.example".into()),
        payer_id: Some("SANDBOXPAYER1".into()),
    }
}

fn sandbox_address() -> CollectedAddress {
    CollectedAddress {
        name: "Sandbox Buyer".into(),
        line1: "1 Sandbox Way".into(),
        line2: None,
        city: "San Francisco".into(),
        state: Some("CA".into()),
        postal_code: "94105".into(),
        country: "US".into(),
    }
}

impl Sandbox<'_> {
    async fn round_trip(&self) {
        if self.latency_ms > 0 {
            worker::Delay::from(std::time::Duration::from_millis(self.latency_ms)).await;
        }
    }

    fn order(&self, order_ref: &str) -> Option<OrderRow> {
        self.sql
            .exec(
                "SELECT kind, state, decline_code, liability, capture_ref, shipping FROM sandbox_orders WHERE order_ref = ?",
                vec![order_ref.into()],
            )
            .and_then(|c| c.to_array::<OrderRow>())
            .ok()
            .and_then(|rows| rows.into_iter().next())
    }

    fn set_state(&self, order_ref: &str, state: &str) -> bool {
        self.sql
            .exec(
                "UPDATE sandbox_orders SET state = ? WHERE order_ref = ?",
                vec![state.into(), order_ref.into()],
            )
            .is_ok()
    }

    fn payer_of(row: &OrderRow) -> (Payer, Option<CollectedAddress>) {
        if row.kind == "paypal" {
            (sandbox_payer(), (row.shipping != 0).then(sandbox_address))
        } else {
            (Payer::default(), None)
        }
    }

    fn captured(row: &OrderRow) -> Captured {
        let (payer, shipping) = Sandbox::payer_of(row);
        Captured::Completed {
            capture_ref: row.capture_ref.clone().unwrap_or_default(),
            payer,
            shipping,
        }
    }

    /// Records what the buyer did on a sandbox page. Returns whether the order was waiting
    /// for it (a repeated or late click changes nothing).
    pub fn act(sql: &SqlStorage, order_ref: &str, action: SandboxAction) -> worker::Result<bool> {
        let (state, liability) = match action {
            SandboxAction::Approve => ("approved", None),
            SandboxAction::Cancel => ("canceled", None),
            SandboxAction::Authenticate(true) => ("approved", Some("POSSIBLE")),
            SandboxAction::Authenticate(false) => ("approved", Some("NO")),
        };
        let kind = match action {
            SandboxAction::Approve | SandboxAction::Cancel => "paypal",
            SandboxAction::Authenticate(_) => "card",
        };
        let written = sql
            .exec(
                "UPDATE sandbox_orders SET state = ?, liability = COALESCE(?, liability) WHERE order_ref = ? AND kind = ? AND state = 'action'",
                vec![state.into(), liability.into(), order_ref.into(), kind.into()],
            )?
            .rows_written();
        Ok(written > 0)
    }

    /// A simulated order, as its page shows it: `(kind, request id, waits for the buyer)`.
    pub fn order_info(sql: &SqlStorage, order_ref: &str) -> Option<(String, String, bool)> {
        #[derive(Deserialize)]
        struct Info {
            kind: String,
            request_id: String,
            state: String,
        }
        sql.exec(
            "SELECT kind, request_id, state FROM sandbox_orders WHERE order_ref = ?",
            vec![order_ref.into()],
        )
        .and_then(|c| c.to_array::<Info>())
        .ok()
        .and_then(|rows| rows.into_iter().next())
        .map(|i| (i.kind, i.request_id, i.state == "action"))
    }
}

impl Connector for Sandbox<'_> {
    async fn create_order(&self, order: OrderCall<'_>) -> Created {
        self.round_trip().await;
        let (kind, state, shipping) = match &order.approval {
            Some(approval) => ("paypal", "action", approval.shipping),
            None => ("card", "created", false),
        };
        // The key is our attempt id: a retry finds the order it already made.
        let made = self.sql.exec(
            "INSERT OR IGNORE INTO sandbox_orders (order_ref, request_id, kind, state, shipping, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            vec![
                order.key.into(),
                order.request_id.into(),
                kind.into(),
                state.into(),
                i64::from(shipping).into(),
                ((worker::Date::now().as_millis() / 1000) as i64).into(),
            ],
        );
        if made.is_err() {
            return Created::Failed(Failure::Unavailable);
        }
        Created::Order {
            order_ref: order.key.to_owned(),
            approve_url: order
                .approval
                .map(|_| format!("{}/sandbox/paypal/approve/{}", self.origin, order.key)),
        }
    }

    async fn confirm_card(&self, confirm: CardConfirm<'_>) -> Confirmed {
        self.round_trip().await;
        let pan = confirm.card.number.expose_digits();
        let scripted = test_cards::TABLE
            .iter()
            .find(|(number, _, _)| *number == pan)
            .and_then(|(_, code, _)| Decline::from_code(code));
        if let Some(decline) = scripted {
            self.sql
                .exec(
                    "UPDATE sandbox_orders SET state = 'declined', decline_code = ? WHERE order_ref = ?",
                    vec![decline.decline_code().into(), confirm.order_ref.into()],
                )
                .ok();
            return Confirmed::Declined(decline);
        }
        if pan == CHALLENGE_CARD {
            self.set_state(confirm.order_ref, "action");
            return Confirmed::ActionRequired {
                url: format!("{}/sandbox/3ds/{}", self.origin, confirm.order_ref),
            };
        }
        if self.set_state(confirm.order_ref, "approved") {
            Confirmed::Approved
        } else {
            Confirmed::Failed(Failure::Unavailable)
        }
    }

    /// The sandbox wallet's token was checked by the ledger: the order is approved.
    async fn confirm_wallet(&self, confirm: WalletConfirm<'_>) -> Confirmed {
        self.round_trip().await;
        let _ = confirm.wallet;
        if self.set_state(confirm.order_ref, "approved") {
            Confirmed::Approved
        } else {
            Confirmed::Failed(Failure::Unavailable)
        }
    }

    async fn capture(&self, capture: CaptureCall<'_>) -> Captured {
        self.round_trip().await;
        let Some(row) = self.order(capture.order_ref) else {
            return Captured::Failed(Failure::Rejected {
                message: "No such order.".into(),
            });
        };
        match row.state.as_str() {
            "captured" => Sandbox::captured(&row),
            "approved" => {
                let capture_ref = format!("sandbox_cap_{}", capture.order_ref);
                let written = self.sql.exec(
                    "UPDATE sandbox_orders SET state = 'captured', capture_ref = ? WHERE order_ref = ? AND state = 'approved'",
                    vec![capture_ref.clone().into(), capture.order_ref.into()],
                );
                if written.is_err() {
                    return Captured::Failed(Failure::Unavailable);
                }
                Sandbox::captured(&OrderRow {
                    capture_ref: Some(capture_ref),
                    ..row
                })
            }
            "declined" => Captured::Declined(
                row.decline_code
                    .as_deref()
                    .and_then(Decline::from_code)
                    .unwrap_or(Decline::Generic),
            ),
            _ => Captured::Failed(Failure::Rejected {
                message: "The order is not approved.".into(),
            }),
        }
    }

    async fn get_order(&self, order_ref: &str) -> OrderState {
        let Some(row) = self.order(order_ref) else {
            return OrderState::NotFound;
        };
        match row.state.as_str() {
            "created" => OrderState::Created,
            "action" => OrderState::ActionRequired,
            "approved" => OrderState::Approved {
                authenticated: row
                    .liability
                    .as_deref()
                    .map(|l| l == "POSSIBLE" || l == "YES"),
            },
            "captured" => OrderState::Captured(Sandbox::captured(&row)),
            "declined" => OrderState::Captured(Captured::Declined(
                row.decline_code
                    .as_deref()
                    .and_then(Decline::from_code)
                    .unwrap_or(Decline::Generic),
            )),
            _ => OrderState::Voided,
        }
    }

    async fn refund(&self, refund: RefundCall<'_>) -> Refunded {
        self.round_trip().await;
        Refunded::Completed {
            refund_ref: format!("sandbox_refund_{}", refund.key),
        }
    }

    async fn add_tracking(&self, tracking: Tracking<'_>) -> Done {
        self.round_trip().await;
        Done::Accepted {
            processor_ref: format!("sandbox_tracker_{}", tracking.key),
        }
    }

    async fn release_payout(&self, payout: PayoutCall<'_>) -> Done {
        self.round_trip().await;
        Done::Accepted {
            processor_ref: format!("sandbox_payout_{}", payout.key),
        }
    }

    /// The sandbox sends no webhooks: nothing claiming to be one is genuine.
    async fn verify_webhook(&self, _delivery: Delivery<'_>) -> Verified {
        Verified::Refused
    }
}
