//! At most once: many pays racing on one request, released together by a barrier, against
//! one real `wrangler dev`. Exactly one payment may come of it, whatever the interleaving.
//! `pay` answers 10 calls a minute per request, so of 50 racers on one request 40 are
//! refused with 429 before they reach the ledger; the other 10 race for real.

use std::collections::BTreeMap;
use std::sync::Barrier;
use std::thread;

use chatpay_tests::cards::{declining_cards, pay_body, MASTERCARD, VISA};
use chatpay_tests::checks::check_error;
use chatpay_tests::edge::{wait_for_a_fresh_minute, wait_for_the_next_minute};
use chatpay_tests::scan::assert_no_card_numbers;
use chatpay_tests::{shared, unique, wait_for_other_tests, Edge, Param, PaymentRequest, Reply};
use serde_json::{json, Value};

const RACERS: usize = 50;

/// Runs `RACERS` pays at once; `attempt(i)` gives racer i's request, body and key.
fn race<'a>(
    edge: &Edge,
    attempt: impl Fn(usize) -> (&'a PaymentRequest, Value, Option<String>) + Sync,
) -> Vec<Reply> {
    // All racers in one rate-limit window, so exactly 10 per request get past the limit.
    wait_for_a_fresh_minute(20);
    let barrier = Barrier::new(RACERS);
    thread::scope(|s| {
        let handles: Vec<_> = (0..RACERS)
            .map(|i| {
                let (barrier, attempt) = (&barrier, &attempt);
                s.spawn(move || {
                    let (request, body, key) = attempt(i);
                    barrier.wait();
                    edge.pay(request, &body, key.as_deref())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("racer thread"))
            .collect()
    })
}

/// "200 x1, 409 request_not_payable x49": a readable tally for failure messages.
fn tally(replies: &[Reply]) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in replies {
        *counts
            .entry(format!("{} {}", r.status, r.code()))
            .or_default() += 1;
    }
    counts
        .iter()
        .map(|(k, n)| format!("{k} x{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn successes(replies: &[Reply]) -> Vec<&Reply> {
    replies.iter().filter(|r| r.status == 200).collect()
}

/// The calls the rate limit let through to the ledger: at most 10 for one request.
fn past_the_limit(replies: &[Reply]) -> usize {
    let through = replies.iter().filter(|r| r.status != 429).count();
    for r in replies.iter().filter(|r| r.status == 429) {
        if let Err(why) = check_error(r, 429, &["rate_limited"], Param::Null) {
            panic!("{why}\n{r}");
        }
    }
    assert!(
        through <= 10,
        "{through} calls got past the limit: {}",
        tally(replies)
    );
    through
}

/// The seller's view shows the request paid by exactly `winner`'s payment.
#[track_caller]
fn assert_paid_once(edge: &Edge, seller_key: &str, request: &PaymentRequest, winner: &Reply) {
    let full = edge.get_request(seller_key, &request.id);
    full.expect(200);
    assert_eq!(full.json["status"], "paid", "{full}");
    let payment_id = &winner.json["payment"]["id"];
    assert!(payment_id.is_string(), "{winner}");
    assert_eq!(&full.json["payment"]["id"], payment_id, "{full}");
    assert_eq!(
        full.json["payment"]["method"]["brand"], winner.json["payment"]["brand"],
        "{full}"
    );
    let public = edge.get_public(request);
    assert_eq!(&public.json["payment"]["id"], payment_id, "{public}");
}

#[test]
fn fifty_concurrent_pays_give_exactly_one_success() {
    let edge = shared();
    let seller = edge.create_seller();
    let request = edge.create_request(&seller.secret_key, "30.00", "USD");
    // Half carry their own key, half none; two brands, so the winner is identifiable.
    let replies = race(&edge, |i| {
        let number = if i % 2 == 0 { VISA } else { MASTERCARD };
        let key = (i % 4 < 2).then(|| unique("race-"));
        (&request, pay_body(number), key)
    });
    let wins = successes(&replies);
    assert_eq!(wins.len(), 1, "expected one 200; got {}", tally(&replies));
    past_the_limit(&replies);
    let losers: Vec<String> = replies
        .iter()
        .filter(|r| r.status != 200 && r.status != 429)
        .filter_map(|r| {
            check_error(r, 409, &["request_not_payable"], Param::Null)
                .and_then(|()| match r.json["error"]["status"].as_str() {
                    Some("requested" | "paid") => Ok(()),
                    other => Err(format!("409 status {other:?}")),
                })
                .err()
                .map(|why| format!("{why}\n{r}"))
        })
        .collect();
    assert!(
        losers.is_empty(),
        "{}\n\n{}",
        tally(&replies),
        losers.join("\n\n")
    );
    assert_paid_once(&edge, &seller.secret_key, &request, wins[0]);
}

#[test]
fn fifty_concurrent_pays_with_one_key_make_one_payment() {
    let edge = shared();
    let seller = edge.create_seller();
    let request = edge.create_request(&seller.secret_key, "30.00", "USD");
    let key = unique("one-key-");
    let replies = race(&edge, |_| (&request, pay_body(VISA), Some(key.clone())));
    let wins = successes(&replies);
    assert!(!wins.is_empty(), "no 200 at all: {}", tally(&replies));
    past_the_limit(&replies);
    for r in replies.iter().filter(|r| r.status != 429) {
        if r.status == 200 {
            assert_eq!(r.json, wins[0].json, "replays differ\n{r}");
        } else if let Err(why) = check_error(r, 409, &["idempotency_key_in_use"], Param::Null) {
            panic!("{why} ({})\n{r}", tally(&replies));
        }
    }
    assert_paid_once(&edge, &seller.secret_key, &request, wins[0]);
}

#[test]
fn concurrent_declines_and_approvals_still_pay_once() {
    let edge = shared();
    let seller = edge.create_seller();
    let request = edge.create_request(&seller.secret_key, "30.00", "USD");
    let declines = declining_cards();
    let replies = race(&edge, |i| {
        let number = if i % 2 == 0 {
            declines[i / 2 % declines.len()].0
        } else {
            VISA
        };
        (&request, pay_body(number), None)
    });
    let wins = successes(&replies);
    // Every approval may land while a decline holds the claim, so zero wins is possible;
    // two never is.
    assert!(
        wins.len() <= 1,
        "expected at most one 200; got {}",
        tally(&replies)
    );
    past_the_limit(&replies);
    for r in replies
        .iter()
        .filter(|r| r.status != 200 && r.status != 429)
    {
        assert!(
            matches!(r.status, 402 | 409),
            "{} ({})\n{r}",
            r.status,
            tally(&replies)
        );
    }
    if wins.is_empty() {
        // The declines left it payable and unpaid: a later good card pays it, once.
        let full = edge.get_request(&seller.secret_key, &request.id);
        assert_eq!(full.json["status"], "requested", "{full}");
        assert!(full.json["payment"].is_null(), "{full}");
        // Those declines may have used up the request's card attempts and this minute's
        // calls: the seller unlocks it, and the buyer pays in the next minute.
        edge.unlock(&seller.secret_key, &request.id).expect(200);
        wait_for_the_next_minute();
        let retry = edge.pay(&request, &pay_body(VISA), None);
        assert_eq!(retry.status, 200, "{retry}");
        assert_paid_once(&edge, &seller.secret_key, &request, &retry);
        return;
    }
    assert_eq!(wins[0].json["payment"]["brand"], "visa", "{}", wins[0]);
    assert_paid_once(&edge, &seller.secret_key, &request, wins[0]);
}

#[test]
fn concurrent_pays_on_distinct_requests_all_succeed() {
    let edge = shared();
    let seller = edge.create_seller();
    let requests: Vec<PaymentRequest> = (0..RACERS)
        .map(|i| {
            edge.create_request_with(
                &seller.secret_key,
                json!({"amount": format!("{}.00", i + 1), "currency": "USD", "description": "One of many"}),
            )
        })
        .collect();
    let replies = race(&edge, |i| (&requests[i], pay_body(VISA), None));
    let mut ids = Vec::new();
    for (i, r) in replies.iter().enumerate() {
        r.expect(200);
        assert_eq!(r.json["id"], requests[i].id.as_str(), "{r}");
        assert_eq!(r.json["amount"], format!("{}.00", i + 1), "{r}");
        ids.push(
            r.json["payment"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), RACERS, "payment ids repeat");
}

/// Named to start last: scans state and logs once the races are over.
#[test]
fn zz_no_card_number_in_persisted_state_or_logs() {
    let edge = shared();
    let seller = edge.create_seller();
    let marker = unique("leak-scan-marker-");
    let request = edge.create_request_with(
        &seller.secret_key,
        json!({"amount": "1.00", "currency": "USD", "description": marker}),
    );
    edge.pay_with(&request, VISA).expect(200);
    wait_for_other_tests();
    assert_no_card_numbers(&edge, &marker);
}
