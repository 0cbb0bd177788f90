//! What the agent watches in a conversation, worked out from its events alone: the timeline
//! as one ordered list without repeats (however the page and the live feed overlap), and each
//! request's way from requested to paid. Pure, so it is tested on the host.

use chatpay_core::api::views::{Event, EventType};

/// The steps the console shows for one request, in the order a buyer meets them.
pub const STEPS: [(EventType, &str, &str); 8] = [
    (EventType::PaymentRequestCreated, "requested", "Requested"),
    (EventType::PaymentRequestViewed, "viewed", "Viewed"),
    (
        EventType::BuyerEnteringDetails,
        "entering_details",
        "Entering details",
    ),
    (
        EventType::BuyerDetailsComplete,
        "details_complete",
        "Details complete",
    ),
    (EventType::PaymentRequestPaymentFailed, "failed", "Failed"),
    // Agent capture: the card was sealed for the agent, who charges it.
    (
        EventType::PaymentRequestCollected,
        "collected",
        "Card collected",
    ),
    (EventType::PaymentRequestDeclined, "declined", "Declined"),
    (EventType::PaymentRequestPaid, "paid", "Paid"),
];

/// One step of a request, and when it last happened (`None`: not yet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub key: &'static str,
    pub label: &'static str,
    pub at: Option<String>,
    /// How many times it happened (a buyer may fail several cards before paying).
    pub times: usize,
}

/// The number in `evt_N`, which grows with time within a seller; unknown shapes sort first.
fn sequence(id: &str) -> u64 {
    id.strip_prefix("evt_")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Adds `incoming` to `timeline`, keeping it in event order and each event once. Answers
/// whether anything was new.
pub fn merge(timeline: &mut Vec<Event>, incoming: Vec<Event>) -> bool {
    let before = timeline.len();
    for event in incoming {
        if !timeline.iter().any(|e| e.id == event.id) {
            timeline.push(event);
        }
    }
    if timeline.len() == before {
        return false;
    }
    timeline.sort_by_key(|e| sequence(&e.id));
    true
}

/// The newest event's id: what a reconnecting feed passes as `since`.
pub fn last_id(timeline: &[Event]) -> Option<String> {
    timeline
        .iter()
        .max_by_key(|e| sequence(&e.id))
        .map(|e| e.id.clone())
}

/// The steps of `request_id`, from the events that concern it. Failed, declined and collected
/// show only once they happened: most buyers never meet them.
pub fn steps(timeline: &[Event], request_id: &str) -> Vec<Step> {
    STEPS
        .iter()
        .filter_map(|(kind, key, label)| {
            let hits: Vec<&Event> = timeline
                .iter()
                .filter(|e| e.request_id == request_id && e.kind.known() == Some(*kind))
                .collect();
            let optional = matches!(
                kind,
                EventType::PaymentRequestPaymentFailed
                    | EventType::PaymentRequestDeclined
                    | EventType::PaymentRequestCollected
            );
            if optional && hits.is_empty() {
                return None;
            }
            Some(Step {
                key,
                label,
                at: hits.last().map(|e| e.created_at.clone()),
                times: hits.len(),
            })
        })
        .collect()
}

/// Whether an event changes what the request itself says (status, shipment, refunds), so the
/// console reads the request again; the buyer's progress stages and a reveal do not.
pub fn changes_request(event: &Event) -> bool {
    !matches!(
        event.kind.known(),
        Some(
            EventType::PaymentRequestViewed
                | EventType::BuyerEnteringDetails
                | EventType::BuyerDetailsComplete
                | EventType::PaymentRequestCardRevealed
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(n: u64, kind: &str, request: &str) -> Event {
        serde_json::from_value(json!({
            "id": format!("evt_{n}"), "object": "event", "type": kind, "actor": "buyer",
            "request_id": request, "conversation_id": "conv_1", "agent_id": null,
            "data": {}, "created_at": format!("2026-12-02T10:00:{n:02}Z"),
        }))
        .unwrap()
    }

    #[test]
    fn merging_keeps_order_and_drops_repeats() {
        let mut timeline = vec![event(2, "payment_request.created", "pr_a")];
        assert!(merge(
            &mut timeline,
            vec![
                event(10, "payment_request.viewed", "pr_a"),
                event(2, "payment_request.created", "pr_a"),
                event(9, "payment_request.created", "pr_b"),
            ]
        ));
        let ids: Vec<&str> = timeline.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids,
            ["evt_2", "evt_9", "evt_10"],
            "evt_10 sorts after evt_9"
        );
        assert!(!merge(
            &mut timeline,
            vec![event(9, "payment_request.created", "pr_b")]
        ));
        assert_eq!(last_id(&timeline).as_deref(), Some("evt_10"));
        assert_eq!(last_id(&[]), None);
    }

    #[test]
    fn steps_follow_one_request_and_show_failures_only_when_they_happened() {
        let timeline = vec![
            event(1, "payment_request.created", "pr_a"),
            event(2, "payment_request.created", "pr_b"),
            event(3, "payment_request.viewed", "pr_a"),
            event(4, "buyer.entering_details", "pr_a"),
        ];
        let got = steps(&timeline, "pr_a");
        let keys: Vec<&str> = got.iter().map(|s| s.key).collect();
        assert_eq!(
            keys,
            [
                "requested",
                "viewed",
                "entering_details",
                "details_complete",
                "paid"
            ]
        );
        assert_eq!(got[2].at.as_deref(), Some("2026-12-02T10:00:04Z"));
        assert_eq!(got[3].at, None);

        let mut failing = timeline.clone();
        failing.push(event(5, "payment_request.payment_failed", "pr_a"));
        failing.push(event(6, "payment_request.payment_failed", "pr_a"));
        failing.push(event(7, "payment_request.paid", "pr_a"));
        let got = steps(&failing, "pr_a");
        let failed = got.iter().find(|s| s.key == "failed").unwrap();
        assert_eq!(
            (failed.times, failed.at.as_deref()),
            (2, Some("2026-12-02T10:00:06Z"))
        );
        assert!(got.iter().all(|s| s.key != "declined"));
        assert_eq!(
            got.last().unwrap().at.as_deref(),
            Some("2026-12-02T10:00:07Z")
        );
        assert_eq!(
            steps(&failing, "pr_b")
                .iter()
                .filter(|s| s.at.is_some())
                .count(),
            1
        );
    }

    #[test]
    fn progress_stages_do_not_reread_the_request() {
        assert!(!changes_request(&event(
            1,
            "buyer.entering_details",
            "pr_a"
        )));
        assert!(changes_request(&event(1, "payment_request.paid", "pr_a")));
        assert!(changes_request(&event(1, "some.future_type", "pr_a")));
    }
}
