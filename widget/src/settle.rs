//! The card catching up with a request that moved on after the buyer acted (a pay answer, a
//! PayPal window, a bank's check, a held payment settling): show it, and tell the host page
//! in the one way each state is announced.

use crate::client::{self, Failure, Shown};
use crate::failure_text::failure_message;
use crate::focus::focus_by_id;
use crate::frame::Frame;
use crate::notice::Alert;
use crate::parent::Parent;
use chatpay_core::state::Status;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

pub const PENDING_TEXT: &str = "Your payment is being processed.";
pub const ACTION_TEXT: &str = "Your bank wants to confirm it's you";
/// Agent capture: the card was sealed for the seller instead of charged.
pub const COLLECTED_TEXT: &str = "Your card details were sent securely to the seller";

/// What the host page hears about a request the card just read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Announce {
    /// `chatpay:paid`.
    Paid,
    /// `chatpay:collected`: the card went to the seller, who charges it (agent capture).
    Collected,
    /// `chatpay:error` with this code and message.
    Error(&'static str, &'static str),
    /// Nothing: the request still waits for the buyer.
    Nothing,
}

pub fn announce(status: Option<Status>, has_action: bool) -> Announce {
    match status {
        Some(Status::Paid) => Announce::Paid,
        Some(Status::Collected) => Announce::Collected,
        Some(Status::Pending) => Announce::Error("payment_pending", PENDING_TEXT),
        Some(Status::Requested) if has_action => Announce::Error("requires_action", ACTION_TEXT),
        _ => Announce::Nothing,
    }
}

/// Shows `latest` in the card, tells the host, and takes focus to what replaced the
/// control the buyer used.
pub async fn show(parent: &Parent, request: RwSignal<Option<Shown>>, latest: Shown) {
    let focus = match announce(latest.status.known(), latest.next_action.is_some()) {
        Announce::Paid => {
            if let Some(payment) = &latest.payment {
                parent.paid(&payment.id, &latest.amount, &latest.currency);
            }
            "cp-receipt-title"
        }
        Announce::Collected => {
            parent.collected();
            "cp-outcome-title"
        }
        Announce::Error(code, text) => {
            parent.error(code, text);
            "cp-outcome-title"
        }
        Announce::Nothing => "",
    };
    request.set(Some(latest));
    focus_by_id(focus).await;
}

/// Ends a try that went through a window of its own: shows the request as `result` has it
/// if it moved on (paid, held, or a bank's check asked), says `unfinished` if it still waits
/// for payment, or says why the call failed (and re-reads the request, unless the call is
/// to be retried as it was).
pub async fn conclude(
    frame: &Frame,
    parent: &Parent,
    request: RwSignal<Option<Shown>>,
    alert: Alert,
    result: Result<Shown, Failure>,
    unfinished: (&str, &'static str),
) {
    let (code, text) = match result {
        Ok(latest)
            if latest.status.known() != Some(Status::Requested) || latest.next_action.is_some() =>
        {
            return show(parent, request, latest).await;
        }
        Ok(_) => (unfinished.0.to_owned(), unfinished.1.to_owned()),
        Err(failure) => {
            if !failure.may_retry() {
                if let Ok(latest) = client::fetch_public(frame).await {
                    request.set(Some(latest));
                }
            }
            (failure.code().to_owned(), failure_message(&failure))
        }
    };
    parent.error(&code, &text);
    alert.set(Some(text));
}

/// While the processor holds the payment for review, reads the request every 5 s until it
/// moves on, for as long as the card shows this `held` answer.
pub fn watch_pending(
    frame: Arc<Frame>,
    parent: Parent,
    request: RwSignal<Option<Shown>>,
    alert: Alert,
    held: Shown,
) {
    spawn_local(async move {
        loop {
            client::sleep(5000).await;
            let on_screen =
                request.with_untracked(|r| r.as_ref().is_some_and(|r| Arc::ptr_eq(r, &held)));
            if !on_screen {
                return;
            }
            let Ok(latest) = client::fetch_public(&frame).await else {
                continue;
            };
            match latest.status.known() {
                Some(Status::Pending) => continue,
                Some(Status::Requested) => {
                    // The processor turned the payment down: nothing was charged.
                    let text = "Your payment didn't go through and nothing was charged. Choose a way to pay.";
                    parent.error("payment_failed", text);
                    alert.set(Some(text.into()));
                }
                _ => {}
            }
            return show(&parent, request, latest).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paid_is_announced_as_paid() {
        assert_eq!(announce(Some(Status::Paid), false), Announce::Paid);
        assert_eq!(
            announce(Some(Status::Collected), false),
            Announce::Collected
        );
        assert_eq!(
            announce(Some(Status::Pending), false),
            Announce::Error("payment_pending", PENDING_TEXT)
        );
        assert_eq!(
            announce(Some(Status::Requested), true),
            Announce::Error("requires_action", ACTION_TEXT)
        );
        assert_eq!(announce(Some(Status::Requested), false), Announce::Nothing);
        assert_eq!(announce(None, true), Announce::Nothing);
    }
}
