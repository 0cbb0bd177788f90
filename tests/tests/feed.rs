//! The live feed and the buyer's progress (issue 9, section 1), against a real `wrangler dev`:
//! tickets are single use and short lived, a socket gets each event within a second of the
//! action, a restricted key's socket sees only what its scope reaches, and `since` replays
//! what a client missed.

use chatpay_tests::checks::assert_error;
use chatpay_tests::live::Feed;
use chatpay_tests::{shared, unique, Param, PaymentRequest, Seller, SharedEdge};
use serde_json::{json, Value};
use std::time::Duration;

const SECOND: Duration = Duration::from_secs(1);

fn request_in(edge: &SharedEdge, key: &str, conversation: &str) -> PaymentRequest {
    edge.create_request_with(
        key,
        json!({"amount": "12.00", "currency": "EUR", "description": "Mug",
               "conversation_id": conversation}),
    )
}

fn open(edge: &SharedEdge, key: &str, body: Option<Value>) -> Feed {
    let ticket = edge.live_ticket(key, body);
    edge.open_feed(&ticket, None)
        .unwrap_or_else(|(s, b)| panic!("the feed refused a fresh ticket: {s} {b}"))
}

/// The next event, which must come within a second and be of `kind`.
#[track_caller]
fn expect_event(feed: &mut Feed, kind: &str, request: &str) -> Value {
    let event = feed
        .next_event(SECOND)
        .unwrap_or_else(|| panic!("no {kind} within a second"));
    assert_eq!(event["type"], kind, "{event}");
    assert_eq!(event["object"], "event", "{event}");
    assert_eq!(event["request_id"], request, "{event}");
    assert!(
        event["id"].as_str().unwrap_or("").starts_with("evt_"),
        "{event}"
    );
    event
}

#[test]
fn each_event_reaches_the_feed_within_a_second() {
    let edge = shared();
    let seller = edge.create_seller();
    let conversation = unique("conv");
    let mut feed = open(&edge, &seller.secret_key, None);
    let request = request_in(&edge, &seller.secret_key, &conversation);
    let created = expect_event(&mut feed, "payment_request.created", &request.id);
    assert_eq!(
        created["conversation_id"],
        conversation.as_str(),
        "{created}"
    );

    for (stage, kind) in [
        ("viewed", "payment_request.viewed"),
        ("entering_details", "buyer.entering_details"),
        ("details_complete", "buyer.details_complete"),
    ] {
        let reply = edge.progress(&request, stage);
        let body = reply.expect(200);
        assert_eq!(body["object"], "payment_request_progress", "{reply}");
        assert_eq!(body["recorded"], true, "{reply}");
        assert_eq!(body["livemode"], false, "{reply}");
        let event = expect_event(&mut feed, kind, &request.id);
        assert_eq!(event["actor"], "buyer", "{event}");
    }
    edge.pay_with(&request, chatpay_tests::cards::VISA)
        .expect(200);
    expect_event(&mut feed, "payment_request.paid", &request.id);
    edge.cancel(&seller.secret_key, &request.id);
    let other = request_in(&edge, &seller.secret_key, &conversation);
    edge.cancel(&seller.secret_key, &other.id).expect(200);
    expect_event(&mut feed, "payment_request.created", &other.id);
    expect_event(&mut feed, "payment_request.canceled", &other.id);
    // No card data on the wire.
    feed.send_text("ping");
    assert_eq!(feed.next_text(SECOND).as_deref(), Some("pong"));
}

#[test]
fn progress_is_recorded_once_each_in_order() {
    let edge = shared();
    let seller = edge.create_seller();
    let request = edge.create_request(&seller.secret_key, "5.00", "EUR");
    let recorded = |stage: &str| {
        let reply = edge.progress(&request, stage);
        reply.expect(200)["recorded"].as_bool().expect("recorded")
    };
    assert!(recorded("entering_details"));
    assert!(!recorded("entering_details"), "a repeat records nothing");
    assert!(!recorded("viewed"), "an earlier stage records nothing");
    let reply = edge.progress(&request, "viewed");
    assert_eq!(reply.expect(200)["stage"], "entering_details", "{reply}");
    assert!(recorded("details_complete"));

    let events = edge
        .call(
            "GET",
            &format!("/v1/payment_requests/{}/events", request.id),
        )
        .bearer(&seller.secret_key)
        .send();
    let kinds: Vec<&str> = events.expect(200)["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "payment_request.created",
            "buyer.entering_details",
            "buyer.details_complete"
        ],
        "{events}"
    );

    let bad = edge.progress(&request, "paid");
    assert_error(&bad, 400, "parameter_invalid", Param::Is("stage"));
    let bad = edge
        .call(
            "POST",
            &format!("/v1/payment_requests/{}/progress", request.id),
        )
        .bearer(&request.client_secret)
        .json(&json!({}))
        .send();
    assert_error(&bad, 400, "parameter_missing", Param::Is("stage"));
    let wrong = edge
        .call(
            "POST",
            &format!("/v1/payment_requests/{}/progress", request.id),
        )
        .bearer(&seller.secret_key)
        .json(&json!({"stage": "viewed"}))
        .send();
    assert_eq!(
        wrong.status, 401,
        "a seller key is not the buyer's credential\n{wrong}"
    );

    edge.pay_with(&request, chatpay_tests::cards::VISA)
        .expect(200);
    let late = edge.progress(&request, "details_complete");
    assert_error(&late, 409, "request_not_payable", Param::Null);
}

#[test]
fn a_restricted_key_sees_only_what_its_scope_reaches() {
    let edge = shared();
    let seller = edge.create_seller();
    let (_, own) = edge.restricted_key(&seller.secret_key, &unique("ana"));
    let (_, other) = edge.restricted_key(&seller.secret_key, &unique("ben"));
    let (_, all) = edge.scoped_key(&seller.secret_key, &unique("cy"), "all");
    let conversation = unique("conv");
    let mut own_feed = open(&edge, &own, None);
    let mut all_feed = open(&edge, &all, None);
    let mut conversation_feed = open(
        &edge,
        &seller.secret_key,
        Some(json!({"conversation_id": conversation})),
    );

    let theirs = request_in(&edge, &other, &conversation);
    let mine = request_in(&edge, &own, &unique("conv"));
    let first = expect_event(&mut own_feed, "payment_request.created", &mine.id);
    assert_eq!(first["agent_id"], mine.json["agent_id"], "{first}");
    assert!(
        own_feed.drain(SECOND).is_empty(),
        "another agent's request leaked"
    );
    expect_event(&mut all_feed, "payment_request.created", &theirs.id);
    expect_event(&mut all_feed, "payment_request.created", &mine.id);
    expect_event(
        &mut conversation_feed,
        "payment_request.created",
        &theirs.id,
    );
    assert!(
        conversation_feed.drain(SECOND).is_empty(),
        "another conversation leaked"
    );

    // A ticket for one request: only an agent who may see that request gets one.
    let refused = edge.live_ticket_reply(&own, Some(json!({"request_id": theirs.id})));
    assert_error(&refused, 404, "resource_missing", Param::Is("request_id"));
    let mut one = open(&edge, &own, Some(json!({"request_id": mine.id})));
    edge.progress(&theirs, "viewed").expect(200);
    edge.progress(&mine, "viewed").expect(200);
    expect_event(&mut one, "payment_request.viewed", &mine.id);
    assert!(one.drain(SECOND).is_empty());

    let bad = edge.live_ticket_reply(&own, Some(json!({"request_id": "nope"})));
    assert_error(&bad, 400, "parameter_invalid", Param::Is("request_id"));
    let bad = edge.live_ticket_reply(&own, Some(json!({"conversation": "x"})));
    assert_error(&bad, 400, "parameter_unknown", Param::Is("conversation"));
}

fn refused(edge: &SharedEdge, ticket: &str) -> (u16, String) {
    match edge.open_feed(ticket, None) {
        Ok(_) => panic!("the feed took ticket {ticket}"),
        Err(refusal) => refusal,
    }
}

#[test]
fn a_used_expired_or_forged_ticket_is_refused() {
    let edge = shared();
    let seller: Seller = edge.create_seller();
    let reply = edge.live_ticket_reply(&seller.secret_key, None);
    let body = reply.expect(201);
    assert_eq!(body["object"], "live_ticket", "{reply}");
    assert_eq!(body["livemode"], false, "{reply}");
    let ticket = body["ticket"].as_str().expect("ticket").to_owned();
    assert!(ticket.starts_with("lt_"), "{reply}");
    let url = body["url"].as_str().expect("url");
    assert!(
        url.starts_with("ws://") && url.ends_with(&format!("/v1/live?ticket={ticket}")),
        "{reply}"
    );

    let _feed = edge.open_feed(&ticket, None).expect("a fresh ticket opens");
    assert_eq!(refused(&edge, &ticket).0, 401, "a used ticket");
    let again = edge
        .call("GET", &format!("/v1/live?ticket={ticket}"))
        .header("upgrade", "websocket")
        .send();
    assert_error(&again, 401, "ticket_invalid", Param::Null);
    let missing = edge
        .call("GET", "/v1/live")
        .header("upgrade", "websocket")
        .send();
    assert_error(&missing, 400, "parameter_missing", Param::Is("ticket"));

    let expiring = edge.live_ticket(&seller.secret_key, None);
    edge.advance(&seller.secret_key, 61);
    assert_eq!(refused(&edge, &expiring).0, 401, "an expired ticket");

    let mut forged = edge.live_ticket(&seller.secret_key, None);
    let last = forged.pop().expect("a char");
    forged.push(if last == 'a' { 'b' } else { 'a' });
    assert_eq!(refused(&edge, &forged).0, 401, "a forged ticket");

    // A revoked key's ticket is refused too.
    let (key_id, agent_key) = edge.restricted_key(&seller.secret_key, &unique("dee"));
    let revoked = edge.live_ticket(&agent_key, None);
    edge.revoke_key(&seller.secret_key, &key_id).expect(200);
    assert_eq!(refused(&edge, &revoked).0, 401, "a revoked key's ticket");

    // Without `Upgrade: websocket`, 426; a buyer's client secret gets no ticket.
    let fresh = edge.live_ticket(&seller.secret_key, None);
    let plain = edge.call("GET", &format!("/v1/live?ticket={fresh}")).send();
    assert_error(&plain, 426, "upgrade_required", Param::Null);
    let request = edge.create_request(&seller.secret_key, "1.00", "EUR");
    let buyer = edge.live_ticket_reply(&request.client_secret, None);
    assert_eq!(buyer.status, 401, "{buyer}");
    assert!(
        !std::fs::read_to_string(edge.log_path())
            .unwrap_or_default()
            .contains(&fresh),
        "a ticket in the log"
    );
}

#[test]
fn since_replays_what_was_missed() {
    let edge = shared();
    let seller = edge.create_seller();
    let mut feed = open(&edge, &seller.secret_key, None);
    let first = edge.create_request(&seller.secret_key, "3.00", "EUR");
    let seen = expect_event(&mut feed, "payment_request.created", &first.id);
    drop(feed);

    let second = edge.create_request(&seller.secret_key, "4.00", "EUR");
    edge.progress(&second, "viewed").expect(200);
    edge.cancel(&seller.secret_key, &first.id).expect(200);

    let ticket = edge.live_ticket(&seller.secret_key, None);
    let since = seen["id"].as_str().expect("id");
    let mut again = edge
        .open_feed(&ticket, Some(since))
        .expect("the feed opens");
    let missed = again.drain(SECOND);
    let got: Vec<(&str, &str)> = missed
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or(""),
                e["request_id"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("payment_request.created", second.id.as_str()),
            ("payment_request.viewed", second.id.as_str()),
            ("payment_request.canceled", first.id.as_str()),
        ],
        "{missed:#?}"
    );
    // Then it is live.
    edge.cancel(&seller.secret_key, &second.id).expect(200);
    expect_event(&mut again, "payment_request.canceled", &second.id);

    let ticket = edge.live_ticket(&seller.secret_key, None);
    match edge.open_feed(&ticket, Some("yesterday")) {
        Ok(_) => panic!("a bad `since` was taken"),
        Err((status, body)) => {
            assert_eq!(status, 400, "{body}");
            let v: Value = serde_json::from_str(&body).expect("json");
            assert_eq!(v["error"]["param"], "since", "{v}");
        }
    }
}
