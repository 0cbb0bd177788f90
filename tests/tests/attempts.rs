//! What a buyer's credential can do to a seller (issue 6): card testing is cut off after a
//! few declines, `pay` is rate limited, a client secret cannot fill the seller's storage
//! with idempotency records, and a request's events are paged instead of growing forever
//! in its object. Against a real `wrangler dev`; the last test (by name) scans state and
//! logs for card numbers.

use chatpay_tests::cards::{card, pay_body, DISCOVER, MAESTRO, MASTERCARD, OTHER_VISA, VISA};
use chatpay_tests::checks::{assert_error, assert_error_type};
use chatpay_tests::edge::wait_for_a_fresh_minute;
use chatpay_tests::orders::{event_like, query};
use chatpay_tests::scan::assert_no_card_numbers;
use chatpay_tests::{shared, unique, wait_for_other_tests, Edge, Param, PaymentRequest, Reply};
use serde_json::{json, Value};

const GENERIC_DECLINE: &str = "4000000000000002";
const INSUFFICIENT_FUNDS: &str = "4000000000009995";
const PROCESSING_ERROR: &str = "4000000000000119";

#[track_caller]
fn assert_locked(reply: &Reply) {
    assert_error(reply, 409, "too_many_attempts", Param::Null);
    assert_error_type(reply, "card_error");
    assert_eq!(reply.json["error"]["status"], "requested", "{reply}");
}

fn paid_request(edge: &Edge, key: &str) -> PaymentRequest {
    edge.create_paid(
        key,
        json!({"amount": "10.00", "currency": "USD", "description": "Attempts"}),
    )
}

#[test]
fn five_declines_lock_the_request_until_the_seller_unlocks_it() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = &seller.secret_key;
    let request = edge.create_request(key, "12.00", "USD");
    wait_for_a_fresh_minute(20);
    // Five declines of one card: each is a 402, the request stays payable.
    for i in 0..5 {
        let reply = edge.pay_with(&request, GENERIC_DECLINE);
        assert_eq!(reply.status, 402, "decline {i}\n{reply}");
    }
    // Now nothing gets through, not even a good card; nothing was charged.
    assert_locked(&edge.pay_with(&request, VISA));
    assert_locked(&edge.pay_with(&request, GENERIC_DECLINE));
    let full = edge.read(key, &request.id);
    assert_eq!(full["status"], "requested", "{full}");
    assert!(full["payment"].is_null(), "{full}");

    // The seller unlocks it (recorded), and the buyer pays.
    let unlocked = edge.unlock(key, &request.id);
    unlocked.expect(200);
    let full = edge.read(key, &request.id);
    let event = event_like(&full, "unlocked");
    assert_eq!(event["type"], "payment_request.unlocked", "{full}");
    assert_eq!(event["actor"], "seller", "{full}");
    let paid = edge.pay_with(&request, VISA);
    paid.expect(200);
    assert_eq!(paid.json["status"], "paid", "{paid}");
}

#[test]
fn three_different_declined_cards_lock_the_request() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = &seller.secret_key;
    let request = edge.create_request(key, "12.00", "USD");
    wait_for_a_fresh_minute(20);
    for number in [GENERIC_DECLINE, INSUFFICIENT_FUNDS, PROCESSING_ERROR] {
        let reply = edge.pay_with(&request, number);
        assert_eq!(reply.status, 402, "{number}\n{reply}");
    }
    assert_locked(&edge.pay_with(&request, MASTERCARD));
    // A bad body is still a 400 naming the field (it never reaches a processor).
    let mut body = pay_body(VISA);
    body["method"]["cvc"] = json!("1");
    let invalid = edge.pay(&request, &body, None);
    assert_error(&invalid, 400, "invalid_cvc", Param::Is("method.cvc"));
}

#[test]
fn the_requests_agent_may_unlock_it_and_no_other_agent() {
    let edge = shared();
    let seller = edge.create_seller();
    let sk = &seller.secret_key;
    let (_, mia) = edge.restricted_key(sk, "mia");
    let (_, tom_all) = edge.scoped_key(sk, "tom", "all");
    let (_, ana) = edge.restricted_key(sk, "ana");
    let request = edge.create_request(&mia, "12.00", "USD");
    assert_eq!(request.json["agent_id"], "mia");
    wait_for_a_fresh_minute(20);
    for _ in 0..5 {
        assert_eq!(edge.pay_with(&request, GENERIC_DECLINE).status, 402);
    }
    assert_locked(&edge.pay_with(&request, VISA));
    // Another agent's own-scope key does not even see it; one that sees all may not unlock.
    assert_error(
        &edge.unlock(&ana, &request.id),
        404,
        "resource_missing",
        Param::Null,
    );
    assert_error(
        &edge.unlock(&tom_all, &request.id),
        403,
        "permission_denied",
        Param::Null,
    );
    assert_locked(&edge.pay_with(&request, VISA));
    // Its own agent may.
    edge.unlock(&mia, &request.id).expect(200);
    let full = edge.read(sk, &request.id);
    assert_eq!(
        event_like(&full, "unlocked")["actor"],
        "agent:mia",
        "{full}"
    );
    edge.pay_with(&request, VISA).expect(200);
    // A body is refused; the seller's unlock of an unknown request is 404.
    let with_body = edge
        .call(
            "POST",
            &format!("/v1/payment_requests/{}/unlock", request.id),
        )
        .bearer(sk)
        .json(&json!({"all": true}))
        .send();
    assert_error(&with_body, 400, "parameter_unknown", Param::Is("all"));
}

#[test]
fn pay_answers_ten_calls_a_minute_per_request() {
    let edge = shared();
    let seller = edge.create_seller();
    let request = edge.create_request(&seller.secret_key, "12.00", "USD");
    let other = edge.create_request(&seller.secret_key, "12.00", "USD");
    wait_for_a_fresh_minute(20);
    // Ten bad bodies (each a 400, never a charge) use up the minute's calls...
    let mut body = pay_body(VISA);
    body["method"]["exp_month"] = json!(13);
    for i in 0..10 {
        let reply = edge.pay(&request, &body, None);
        assert_eq!(reply.status, 400, "call {i}\n{reply}");
    }
    // ...so the eleventh, even a good one, is 429 with Retry-After.
    let limited = edge.pay_with(&request, VISA);
    assert_error(&limited, 429, "rate_limited", Param::Null);
    assert_error_type(&limited, "rate_limit_error");
    let retry: u64 = limited
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("Retry-After\n{limited}"));
    assert!((1..=60).contains(&retry), "{limited}");
    // The limit is per request: another request of the same seller pays.
    edge.pay_with(&other, VISA).expect(200);
    let full = edge.read(&seller.secret_key, &request.id);
    assert_eq!(full["status"], "requested", "{full}");
}

/// `(status, replayed?)` of a buyer POST with an Idempotency-Key.
fn buyer_post(edge: &Edge, request: &PaymentRequest, what: &str, key: &str) -> (u16, bool) {
    let body = match what {
        "claims" => json!({"reason": "damaged", "description": "Chipped rim."}),
        _ => json!({}),
    };
    let reply = edge
        .call(
            "POST",
            &format!("/v1/payment_requests/{}/{what}", request.id),
        )
        .bearer(&request.client_secret)
        .idempotency_key(key)
        .json(&body)
        .send();
    (
        reply.status,
        reply.header("idempotent-replayed") == Some("true"),
    )
}

#[test]
fn buyer_calls_that_change_nothing_leave_nothing_behind() {
    let edge = shared();
    let seller = edge.create_seller();
    let request = edge.create_request(&seller.secret_key, "7.00", "USD");
    // A decline that moves the request is kept and replays...
    let first = unique("decline-");
    assert_eq!(buyer_post(&edge, &request, "decline", &first), (200, false));
    assert_eq!(buyer_post(&edge, &request, "decline", &first), (200, true));
    // ...but on a declined request nothing a buyer sends is stored: each fresh key's 409 is
    // answered again from scratch, never replayed.
    for what in ["decline", "claims", "decline", "claims"] {
        let key = unique("again-");
        assert_eq!(
            buyer_post(&edge, &request, what, &key),
            (409, false),
            "{what}"
        );
        assert_eq!(
            buyer_post(&edge, &request, what, &key),
            (409, false),
            "{what}"
        );
    }

    // On a paid request a second claim is a 409, not stored either.
    let paid = paid_request(&edge, &seller.secret_key);
    let claim = unique("claim-");
    assert_eq!(buyer_post(&edge, &paid, "claims", &claim), (201, false));
    assert_eq!(buyer_post(&edge, &paid, "claims", &claim), (201, true));
    let other = unique("claim-");
    assert_eq!(buyer_post(&edge, &paid, "claims", &other), (409, false));
    assert_eq!(buyer_post(&edge, &paid, "claims", &other), (409, false));

    // A pay's 402 is kept and replayed, as the API promises.
    let open = edge.create_request(&seller.secret_key, "7.00", "USD");
    let key = unique("pay-");
    let declined = edge.pay(&open, &pay_body(GENERIC_DECLINE), Some(&key));
    assert_eq!(declined.status, 402, "{declined}");
    let replay = edge.pay(&open, &pay_body(GENERIC_DECLINE), Some(&key));
    assert_eq!(replay.status, 402, "{replay}");
    assert_eq!(
        replay.header("idempotent-replayed"),
        Some("true"),
        "{replay}"
    );
    assert_eq!(replay.json, declined.json, "{replay}");
}

#[test]
fn a_requests_events_are_paged() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = &seller.secret_key;
    let request = edge.create_request(key, "150.00", "USD");
    edge.pay_with(&request, OTHER_VISA).expect(200);
    // created + paid + 120 refunds = 122 events.
    for i in 0..120 {
        let reply = edge.refund(key, &request.id, Some("0.01"), "other");
        assert_eq!(reply.status, 201, "refund {i}\n{reply}");
    }
    let full = edge.read(key, &request.id);
    let events = full["events"].as_array().cloned().unwrap_or_default();
    assert_eq!(events.len(), 100, "the newest 100 only");
    assert_eq!(full["events_has_more"], true, "{full}");
    assert_eq!(
        events.last().map(|e| e["type"].clone()),
        Some(json!("refund.created")),
        "newest last"
    );
    assert_eq!(
        events[0]["type"], "refund.created",
        "the oldest 22 are paged only"
    );

    // Paging: oldest first, every event once, in the list envelope.
    let mut seen: Vec<Value> = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut params = vec![("limit", "50".to_string())];
        if let Some(a) = &after {
            params.push(("starting_after", a.clone()));
        }
        let page = edge.list_events(key, &request.id, &query(&params));
        let body = page.expect(200).clone();
        assert_eq!(body["object"], "list", "{page}");
        let data = body["data"].as_array().cloned().unwrap_or_default();
        assert!(data.len() <= 50, "{page}");
        after = data
            .last()
            .and_then(|e| e["id"].as_str())
            .map(str::to_owned);
        seen.extend(data);
        if body["has_more"] != true {
            break;
        }
    }
    assert_eq!(seen.len(), 122, "every event once");
    assert_eq!(seen[0]["type"], "payment_request.created");
    assert_eq!(seen[1]["type"], "payment_request.paid");
    assert_eq!(seen[121]["id"], events[99]["id"]);
    let ids: Vec<i64> = seen
        .iter()
        .filter_map(|e| e["id"].as_str()?.strip_prefix("evt_")?.parse().ok())
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "oldest first, no repeats"
    );
    for e in &seen {
        assert_eq!(e["object"], "event");
        assert_eq!(e["request_id"], request.id.as_str());
    }

    // Bad parameters name themselves; another request's event is no cursor here.
    for (params, param) in [
        (vec![("limit", "0".to_string())], "limit"),
        (vec![("limit", "101".to_string())], "limit"),
        (
            vec![("starting_after", "evt_x".to_string())],
            "starting_after",
        ),
        (vec![("page", "2".to_string())], "page"),
    ] {
        let reply = edge.list_events(key, &request.id, &query(&params));
        assert_eq!(reply.status, 400, "{reply}");
        assert_eq!(reply.json["error"]["param"], param, "{reply}");
    }
    let other = edge.create_request(key, "1.00", "USD");
    let other_event = edge.read(key, &other.id)["events"][0]["id"].clone();
    let reply = edge.list_events(
        key,
        &request.id,
        &query(&[("starting_after", other_event.as_str().unwrap_or("").into())]),
    );
    assert_error(&reply, 400, "resource_missing", Param::Is("starting_after"));
    // Another seller's key cannot page them.
    let stranger = edge.create_seller();
    assert_error(
        &edge.list_events(&stranger.secret_key, &request.id, ""),
        404,
        "resource_missing",
        Param::Null,
    );
}

#[test]
fn a_conversations_timeline_is_paged() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = &seller.secret_key;
    let conversation = unique("thread-");
    let mut requests = Vec::new();
    for _ in 0..12 {
        requests.push(edge.create_request_with(
            key,
            json!({"amount": "2.00", "currency": "USD", "description": "Thread",
                   "conversation_id": conversation}),
        ));
    }
    for r in &requests[..6] {
        edge.cancel(key, &r.id).expect(200);
    }
    // 12 created + 6 canceled = 18 events; pages of 5.
    let mut seen: Vec<String> = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut params = vec![("limit", "5".to_string())];
        if let Some(a) = &after {
            params.push(("starting_after", a.clone()));
        }
        let page = edge
            .call(
                "GET",
                &format!(
                    "/v1/conversations/{conversation}/timeline?{}",
                    query(&params)
                ),
            )
            .bearer(key)
            .send();
        let body = page.expect(200).clone();
        pages += 1;
        let data = body["data"].as_array().cloned().unwrap_or_default();
        after = data
            .last()
            .and_then(|e| e["id"].as_str())
            .map(str::to_owned);
        seen.extend(
            data.iter()
                .filter_map(|e| e["id"].as_str().map(str::to_owned)),
        );
        if body["has_more"] != true {
            break;
        }
        assert_eq!(data.len(), 5, "{page}");
    }
    assert_eq!(pages, 4);
    assert_eq!(seen.len(), 18);
    let mut unique_ids = seen.clone();
    unique_ids.sort();
    unique_ids.dedup();
    assert_eq!(unique_ids.len(), 18, "no event twice");
}

/// Maestro cards were refused as an unknown brand; the sandbox now takes them, and the
/// payment says so.
#[test]
fn a_maestro_card_pays() {
    let edge = shared();
    let seller = edge.create_seller();
    let request = edge.create_request(&seller.secret_key, "4.00", "EUR");
    let paid = edge.pay_with(&request, MAESTRO);
    paid.expect(200);
    assert_eq!(paid.json["payment"]["brand"], "maestro", "{paid}");
    assert_eq!(paid.json["payment"]["last4"], "8453", "{paid}");
}

/// Named to start last: scans state and logs once the others are done.
#[test]
fn zz_no_card_number_in_persisted_state_or_logs() {
    let edge = shared();
    let seller = edge.create_seller();
    let marker = unique("attempts-marker-");
    let request = edge.create_request_with(
        &seller.secret_key,
        json!({"amount": "1.00", "currency": "USD", "description": marker}),
    );
    // One more card, for the scan to look for in the vault too.
    let body = json!({ "method": card(DISCOVER) });
    let _ = edge.pay(&request, &body, None);
    wait_for_other_tests();
    assert_no_card_numbers(&edge, &marker);
}
