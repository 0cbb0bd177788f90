//! Agent capture (issue 9 §5, docs/API.md "Agent capture"): the seller's setting, requests
//! created with `capture: "agent"`, the buyer's card collected instead of charged, the
//! requesting agent's time-limited reveal, `mark_processed`, the window's end, and what
//! chatpay refuses such a request. Then, on an edge of its own: a restart loses the CVC
//! (the reveal answers `cvc: null`), and neither the card number nor the CVC is left in
//! persisted state or in the log once the cards were processed or expired.
//!
//! Every test has a seller of its own: the setting and the test clock are per seller.

use std::thread;
use std::time::Duration;

use chatpay_tests::cards::{card, AMEX, MASTERCARD, VISA};
use chatpay_tests::checks::{assert_error, Param};
use chatpay_tests::orders::events_like;
use chatpay_tests::scan::{assert_no_card_numbers, files_under, find_bytes};
use chatpay_tests::{shared, unique, Edge, PaymentRequest, Reply, Seller};
use serde_json::{json, Value};

/// The CVC these tests give with an Amex: a 4-digit one, unlike the helpers' `123`.
const AMEX_CVC: &str = "8316";

/// A seller with agent capture on (`window` minutes) and one agent holding a restricted
/// key: (seller, agent id, the agent's key).
fn capturing_seller(edge: &Edge, window: i64) -> (Seller, String, String) {
    let seller = edge.create_seller();
    let reply = edge.patch_seller(
        &seller.secret_key,
        &json!({"agent_capture": {"enabled": true, "window_minutes": window}}),
    );
    let body = reply.expect(200);
    assert_eq!(
        body["agent_capture"],
        json!({"enabled": true, "window_minutes": window}),
        "{reply}"
    );
    let agent = unique("gladly-");
    let (_, key) = edge.restricted_key(&seller.secret_key, &agent);
    (seller, agent, key)
}

fn agent_request(edge: &Edge, key: &str, description: &str) -> PaymentRequest {
    let request = edge.create_request_with(
        key,
        json!({"amount": "42.00", "currency": "USD", "description": description,
               "conversation_id": unique("conv-"), "capture": "agent"}),
    );
    assert_eq!(request.json["capture"], "agent", "{}", request.json);
    assert_eq!(request.json["status"], "requested");
    assert!(request.json["reveal_expires_at"].is_null());
    request
}

/// The buyer pays with an Amex and its 4-digit CVC.
fn pay_amex(edge: &Edge, request: &PaymentRequest) -> Reply {
    let mut method = card(AMEX);
    method["cvc"] = json!(AMEX_CVC);
    edge.pay(request, &json!({ "method": method }), None)
}

fn reveal(edge: &Edge, key: &str, id: &str) -> Reply {
    edge.call("POST", &format!("/v1/payment_requests/{id}/reveal"))
        .bearer(key)
        .send()
}

fn mark_processed(edge: &Edge, key: &str, id: &str) -> Reply {
    edge.call("POST", &format!("/v1/payment_requests/{id}/mark_processed"))
        .bearer(key)
        .send()
}

#[test]
fn the_setting_is_off_by_default_and_takes_one_to_thirty_minutes() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = &seller.secret_key;
    let shown = edge.get_seller(key);
    assert_eq!(
        shown.expect(200)["agent_capture"],
        json!({"enabled": false, "window_minutes": 10}),
        "{shown}"
    );
    for bad in [json!(0), json!(31), json!(2.5), json!("10"), json!(-3)] {
        let reply = edge.patch_seller(
            key,
            &json!({"agent_capture": {"enabled": true, "window_minutes": bad}}),
        );
        assert_eq!(reply.status, 400, "{bad}\n{reply}");
        assert_eq!(
            reply.json["error"]["param"], "agent_capture.window_minutes",
            "{reply}"
        );
    }
    let reply = edge.patch_seller(key, &json!({"agent_capture": {"enabled": "yes"}}));
    assert_error(
        &reply,
        400,
        "parameter_invalid_type",
        Param::Is("agent_capture.enabled"),
    );
    // Nothing of a refused update was written.
    let shown = edge.get_seller(key);
    assert_eq!(shown.expect(200)["agent_capture"]["enabled"], false);
    let reply = edge.patch_seller(key, &json!({"agent_capture": {"window_minutes": 30}}));
    assert_eq!(
        reply.expect(200)["agent_capture"],
        json!({"enabled": false, "window_minutes": 30})
    );
    let reply = edge.patch_seller(key, &json!({"agent_capture": {"enabled": true}}));
    assert_eq!(
        reply.expect(200)["agent_capture"],
        json!({"enabled": true, "window_minutes": 30})
    );
}

#[test]
fn an_agent_request_needs_the_setting_and_an_agent_with_a_key() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = &seller.secret_key;
    let body = |agent: Option<&str>| {
        let mut b = json!({"amount": "5.00", "currency": "USD", "description": "Mug",
                           "capture": "agent"});
        if let Some(a) = agent {
            b["agent_id"] = json!(a);
        }
        b
    };
    let create = |b: &Value| {
        edge.call("POST", "/v1/payment_requests")
            .bearer(key)
            .json(b)
            .send()
    };
    let agent = unique("maya-");
    let (key_id, _) = edge.restricted_key(key, &agent);
    // Off by default: refused, naming `capture`.
    assert_error(
        &create(&body(Some(&agent))),
        400,
        "agent_capture_disabled",
        Param::Is("capture"),
    );
    edge.patch_seller(key, &json!({"agent_capture": {"enabled": true}}))
        .expect(200);
    assert_error(
        &create(&body(None)),
        400,
        "parameter_missing",
        Param::Is("agent_id"),
    );
    assert_error(
        &create(&body(Some("nobody-here"))),
        400,
        "parameter_invalid",
        Param::Is("agent_id"),
    );
    let mut wrong = body(Some(&agent));
    wrong["capture"] = json!("manual");
    assert_error(
        &create(&wrong),
        400,
        "parameter_invalid",
        Param::Is("capture"),
    );
    // The default is the processor, shown on the request.
    let plain = edge.create_request(key, "5.00", "USD");
    assert_eq!(plain.json["capture"], "processor");
    let ok = create(&body(Some(&agent)));
    assert_eq!(ok.expect(201)["capture"], "agent");
    // A revoked key reveals nothing, so its agent can no longer be named.
    edge.revoke_key(key, &key_id).expect(200);
    assert_error(
        &create(&body(Some(&agent))),
        400,
        "parameter_invalid",
        Param::Is("agent_id"),
    );
}

#[test]
fn the_requesting_agent_reveals_the_collected_card_then_marks_it_processed() {
    let edge = shared();
    let (seller, agent, agent_key) = capturing_seller(&edge, 10);
    let request = agent_request(&edge, &agent_key, "Gladly order");

    // The buyer pays: the card is collected, not charged.
    let paid = pay_amex(&edge, &request);
    let public = paid.expect(200);
    assert_eq!(public["status"], "collected", "{paid}");
    assert!(public["payment"].is_null(), "{paid}");
    let full = edge.read(&seller.secret_key, &request.id);
    assert_eq!(full["status"], "collected");
    assert!(full["reveal_expires_at"].is_string(), "{full}");
    let collected = events_like(&full, "collected");
    assert_eq!(collected.len(), 1, "{full}");
    assert_eq!(collected[0]["data"]["last4"], "0005");
    // At most once: a second pay is refused.
    let again = pay_amex(&edge, &request);
    assert_eq!(again.status, 409, "{again}");

    // Only the requesting agent's key reveals it.
    let seller_try = reveal(&edge, &seller.secret_key, &request.id);
    assert_error(&seller_try, 403, "permission_denied", Param::Null);
    let (_, other_key) = edge.restricted_key(&seller.secret_key, &unique("other-"));
    assert_eq!(reveal(&edge, &other_key, &request.id).status, 404);
    let (_, all_key) = edge.scoped_key(&seller.secret_key, &unique("all-"), "all");
    assert_error(
        &reveal(&edge, &all_key, &request.id),
        403,
        "permission_denied",
        Param::Null,
    );
    // The client secret is no key at all.
    let buyer_try = reveal(&edge, &request.client_secret, &request.id);
    assert_error(&buyer_try, 401, "invalid_credentials", Param::Null);

    let shown = reveal(&edge, &agent_key, &request.id);
    let card = shown.expect(200);
    assert_eq!(shown.header("cache-control"), Some("no-store"), "{shown}");
    assert_eq!(card["object"], "card_reveal");
    assert_eq!(card["number"], AMEX);
    assert_eq!(card["cvc"], AMEX_CVC);
    assert_eq!(card["name"], "Ada Buyer");
    assert_eq!(card["postal_code"], "94107");
    assert_eq!(card["livemode"], false);
    assert!(
        card["exp_month"].is_u64() && card["exp_year"].is_u64(),
        "{card}"
    );
    assert_eq!(card["expires_at"], full["reveal_expires_at"]);
    // Each reveal is an event, without the card.
    reveal(&edge, &agent_key, &request.id).expect(200);
    let full = edge.read(&seller.secret_key, &request.id);
    let revealed = events_like(&full, "card_revealed");
    assert_eq!(revealed.len(), 2, "{full}");
    assert_eq!(revealed[0]["actor"], format!("agent:{agent}"));
    assert_eq!(revealed[0]["data"]["last4"], "0005");
    let text = full.to_string();
    assert!(!text.contains(AMEX) && !text.contains(AMEX_CVC), "{full}");
    let conversation = full["conversation_id"].as_str().unwrap_or_default();
    let timeline = edge.timeline(&seller.secret_key, conversation);
    let types: Vec<&str> = timeline.expect(200)["data"]
        .as_array()
        .map(|d| d.iter().filter_map(|e| e["type"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        types.contains(&"payment_request.card_revealed")
            && types.contains(&"payment_request.collected"),
        "{timeline}"
    );

    // Another agent cannot mark it processed; its own can, once.
    assert_eq!(mark_processed(&edge, &other_key, &request.id).status, 404);
    let done = mark_processed(&edge, &agent_key, &request.id);
    let done = done.expect(200);
    assert_eq!(done["status"], "paid", "{done}");
    assert!(done["reveal_expires_at"].is_null(), "{done}");
    let method = &done["payment"]["method"];
    assert_eq!(method["type"], "card", "{done}");
    assert_eq!(method["captured_by"], "agent", "{done}");
    assert_eq!(method["brand"], "amex", "{done}");
    assert_eq!(method["last4"], "0005", "{done}");
    assert!(done["payment"]["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("pay_")));
    let twice = mark_processed(&edge, &seller.secret_key, &request.id);
    assert_error(&twice, 409, "illegal_transition", Param::Null);
    // Processed: the card is gone.
    let after = reveal(&edge, &agent_key, &request.id);
    assert_error(&after, 409, "card_already_processed", Param::Null);

    // chatpay took no money, so it gives none back and holds none for a claim.
    let refund = edge
        .call(
            "POST",
            &format!("/v1/payment_requests/{}/refunds", request.id),
        )
        .bearer(&seller.secret_key)
        .json(&json!({"amount": "1.00", "reason": "other"}))
        .send();
    assert_error(&refund, 409, "illegal_transition", Param::Null);
    let claim = edge.open_claim(&request, "damaged");
    assert_error(&claim, 409, "illegal_transition", Param::Null);
    // It still ships, with no payout behind it.
    let shipped = edge
        .call("POST", &format!("/v1/payment_requests/{}/ship", request.id))
        .bearer(&agent_key)
        .json(&json!({"carrier": "UPS", "tracking_number": "1Z999"}))
        .send();
    let shipped = shipped.expect(200);
    assert!(shipped["payout"].is_null(), "{shipped}");
}

#[test]
fn mark_processed_honours_an_idempotency_key_and_the_seller_key() {
    let edge = shared();
    let (seller, _, agent_key) = capturing_seller(&edge, 10);
    let request = agent_request(&edge, &agent_key, "Keyed");
    // Not collected yet: nothing to process.
    let early = mark_processed(&edge, &seller.secret_key, &request.id);
    assert_error(&early, 409, "illegal_transition", Param::Null);
    assert_error(
        &reveal(&edge, &agent_key, &request.id),
        409,
        "card_not_collected",
        Param::Null,
    );
    // PayPal would take the money through chatpay: the card is the only way.
    let paypal = edge
        .call(
            "POST",
            &format!("/v1/payment_requests/{}/paypal", request.id),
        )
        .bearer(&request.client_secret)
        .send();
    assert_error(&paypal, 400, "payment_method_unsupported", Param::Null);
    pay_amex(&edge, &request).expect(200);
    let idem = unique("processed-");
    let call = || {
        edge.call(
            "POST",
            &format!("/v1/payment_requests/{}/mark_processed", request.id),
        )
        .bearer(&seller.secret_key)
        .idempotency_key(&idem)
        .send()
    };
    let first = call();
    first.expect(200);
    let second = call();
    assert_eq!(second.status, 200, "{second}");
    assert_eq!(
        second.header("idempotent-replayed"),
        Some("true"),
        "{second}"
    );
    assert_eq!(first.json["payment"]["id"], second.json["payment"]["id"]);
}

#[test]
fn the_window_closes_on_the_test_clock_and_expires_the_request() {
    let edge = shared();
    let (seller, _, agent_key) = capturing_seller(&edge, 1);
    let request = agent_request(&edge, &agent_key, "Window");
    pay_amex(&edge, &request).expect(200);
    edge.advance(&seller.secret_key, 30);
    reveal(&edge, &agent_key, &request.id).expect(200);
    edge.advance(&seller.secret_key, 31);
    let late = reveal(&edge, &agent_key, &request.id);
    assert_error(&late, 409, "reveal_window_expired", Param::Null);
    let full = edge.read(&seller.secret_key, &request.id);
    assert_eq!(full["status"], "expired", "{full}");
    assert!(full["reveal_expires_at"].is_null(), "{full}");
    let expired = events_like(&full, "expired");
    assert_eq!(expired.len(), 1, "{full}");
    assert_eq!(expired[0]["data"]["reason"], "reveal_window_closed");
    let processed = mark_processed(&edge, &agent_key, &request.id);
    assert_error(&processed, 409, "illegal_transition", Param::Null);
    // Expired, it is never collected again.
    assert_eq!(pay_amex(&edge, &request).status, 409);
}

#[test]
fn the_alarm_closes_the_window_with_no_read() {
    let edge = shared();
    let (seller, _, agent_key) = capturing_seller(&edge, 1);
    let request = agent_request(&edge, &agent_key, "Alarm");
    pay_amex(&edge, &request).expect(200);
    // Two seconds of the window left in real time; no read until the alarm is due.
    edge.advance(&seller.secret_key, 58);
    thread::sleep(Duration::from_secs(6));
    let full = edge.read(&seller.secret_key, &request.id);
    assert_eq!(full["status"], "expired", "{full}");
    let expired = events_like(&full, "expired");
    assert_eq!(expired[0]["data"]["via"], "alarm", "{full}");
}

/// Needles for a CVC as it would leak: inside a JSON body or a form, next to its name. (A
/// bare 4-digit needle would match ciphertext and timestamps by chance.)
fn cvc_needles() -> Vec<String> {
    [
        format!("\"cvc\":\"{AMEX_CVC}\""),
        format!("\"cvc\": \"{AMEX_CVC}\""),
        format!("cvc={AMEX_CVC}"),
        format!("cvc\":\"{AMEX_CVC}"),
    ]
    .into()
}

#[track_caller]
fn assert_no_cvc(edge: &Edge) {
    let mut files = files_under(&edge.persist_dir());
    files.push(edge.log_path());
    let hits = find_bytes(&files, &cvc_needles());
    assert!(hits.is_empty(), "the CVC was found: {hits:?}");
}

#[test]
fn a_restart_forgets_the_cvc_and_nothing_of_the_card_is_left_behind() {
    let mut edge = Edge::start();
    let (seller, _, agent_key) = capturing_seller(&edge, 10);
    let marker = unique("capture-marker-");
    let processed = agent_request(&edge, &agent_key, &marker);
    let expiring = agent_request(&edge, &agent_key, &marker);
    pay_amex(&edge, &processed).expect(200);
    let mut method = card(MASTERCARD);
    method["cvc"] = json!("731");
    edge.pay(&expiring, &json!({ "method": method }), None)
        .expect(200);
    // While collected, the number is sealed and the CVC is nowhere but in memory.
    assert_no_cvc(&edge);
    // An Idempotency-Key on a reveal is not honoured, so no record can hold the card: the
    // scan below would find the number in one.
    let keyed = edge
        .call(
            "POST",
            &format!("/v1/payment_requests/{}/reveal", processed.id),
        )
        .bearer(&agent_key)
        .idempotency_key(&unique("reveal-"))
        .send();
    assert_eq!(keyed.expect(200)["cvc"], AMEX_CVC);
    assert_eq!(keyed.header("idempotent-replayed"), None);

    edge.restart();
    let after = reveal(&edge, &agent_key, &processed.id);
    let card = after.expect(200);
    assert_eq!(card["number"], AMEX, "{after}");
    assert!(
        card["cvc"].is_null(),
        "a restarted object keeps no CVC\n{after}"
    );

    mark_processed(&edge, &agent_key, &processed.id).expect(200);
    edge.advance(&seller.secret_key, 11 * 60);
    let full = edge.read(&seller.secret_key, &expiring.id);
    assert_eq!(full["status"], "expired", "{full}");
    // A processor-flow Visa too, so the scan's needles meet a card stored the usual way.
    let plain = edge.create_request(&seller.secret_key, "3.00", "USD");
    edge.pay_with(&plain, VISA).expect(200);
    edge.stop();

    assert_no_card_numbers(&edge, &marker);
    assert_no_cvc(&edge);
}
