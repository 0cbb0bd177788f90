//! Tests that need an edge of their own, whose persisted state no other test touches.
//!
//! Durability: everything the edge answered before `wrangler dev` stops must read the same
//! after it starts again on the same persisted state and secrets. Then the state and the
//! logs of both runs are scanned for card numbers. And garbage (forged keys and ids) is
//! refused before routing, so it creates no Durable Object storage.

use chatpay_tests::cards::{declining_cards, pay_body, AMEX, MASTERCARD, VISA};
use chatpay_tests::checks::assert_error;
use chatpay_tests::scan::{assert_no_card_numbers, files_under};
use chatpay_tests::{unique, Edge, Param};
use serde_json::{json, Value};

#[test]
fn a_restart_on_the_same_state_loses_nothing() {
    let mut edge = Edge::start();
    let a = edge.create_seller();
    let b = edge.create_seller();
    let marker = unique("restart-marker-");
    let new_request = |edge: &Edge, key: &str| {
        edge.create_request_with(
            key,
            json!({"amount": "1.250", "currency": "KWD", "description": marker,
                   "agent_id": "agent-7", "conversation_id": "conv-7"}),
        )
    };

    // Before: one paid, one open, one canceled, one declined under a key, one paid under a key.
    let paid = new_request(&edge, &a.secret_key);
    let paid_reply = edge.pay_with(&paid, VISA);
    paid_reply.expect(200);
    let open = new_request(&edge, &a.secret_key);
    let canceled = new_request(&edge, &a.secret_key);
    edge.cancel(&a.secret_key, &canceled.id).expect(200);
    let declined = new_request(&edge, &b.secret_key);
    let decline_key = unique("restart-");
    let (declining, _) = declining_cards()[0];
    let declined_reply = edge.pay(&declined, &pay_body(declining), Some(&decline_key));
    assert_eq!(declined_reply.status, 402, "{declined_reply}");
    let keyed = new_request(&edge, &b.secret_key);
    let keyed_key = unique("restart-");
    let keyed_reply = edge.pay(&keyed, &pay_body(AMEX), Some(&keyed_key));
    keyed_reply.expect(200);

    let full_before = edge.get_request(&a.secret_key, &paid.id);
    full_before.expect(200);
    let public_before = edge.get_public(&paid);
    public_before.expect(200);
    let snapshots_before: Vec<Value> =
        [(&a, &open), (&a, &canceled), (&b, &declined), (&b, &keyed)]
            .iter()
            .map(|(seller, r)| edge.get_request(&seller.secret_key, &r.id).json)
            .collect();

    edge.restart();

    // The paid request: the same record, the same payment id.
    let full_after = edge.get_request(&a.secret_key, &paid.id);
    full_after.expect(200);
    assert_eq!(
        full_after.json, full_before.json,
        "seller view changed across the restart"
    );
    assert_eq!(full_after.json["status"], "paid", "{full_after}");
    assert_eq!(
        full_after.json["payment"]["id"], paid_reply.json["payment"]["id"],
        "{full_after}"
    );
    let public_after = edge.get_public(&paid);
    public_after.expect(200);
    assert_eq!(
        public_after.json, public_before.json,
        "public view changed across the restart"
    );
    let again = edge.pay_with(&paid, MASTERCARD);
    assert_error(&again, 409, "request_not_payable", Param::Null);
    assert_eq!(again.json["error"]["status"], "paid", "{again}");

    // Every other record reads the same.
    let snapshots_after: Vec<Value> = [(&a, &open), (&a, &canceled), (&b, &declined), (&b, &keyed)]
        .iter()
        .map(|(seller, r)| edge.get_request(&seller.secret_key, &r.id).json)
        .collect();
    assert_eq!(
        snapshots_after, snapshots_before,
        "records changed across the restart"
    );

    // Idempotency records survived: both keys replay their first answers.
    let replay = edge.pay(&declined, &pay_body(declining), Some(&decline_key));
    assert_eq!(replay.status, 402, "{replay}");
    assert_eq!(replay.json, declined_reply.json, "{replay}");
    let replay = edge.pay(&keyed, &pay_body(AMEX), Some(&keyed_key));
    replay.expect(200);
    assert_eq!(replay.json, keyed_reply.json, "{replay}");

    // The open request is still payable, the canceled one still not.
    edge.pay_with(&open, VISA).expect(200);
    let refused = edge.pay_with(&canceled, VISA);
    assert_error(&refused, 409, "request_not_payable", Param::Null);
    assert_eq!(refused.json["error"]["status"], "canceled", "{refused}");
    edge.pay_with(&declined, VISA).expect(200);

    // Keys, sellers and isolation all still work.
    let fresh = new_request(&edge, &a.secret_key);
    edge.pay_with(&fresh, VISA).expect(200);
    let other = edge.get_request(&b.secret_key, &paid.id);
    assert_error(&other, 404, "resource_missing", Param::Null);
    let c = edge.create_seller();
    edge.create_request(&c.secret_key, "5.00", "USD");

    assert_no_card_numbers(&edge, &marker);
}

/// The Durable Objects' SQLite databases, one per object that touched its storage.
fn durable_object_databases(edge: &Edge) -> Vec<String> {
    files_under(&edge.persist_dir().join("v3/do"))
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .filter(|p| p.ends_with(".sqlite"))
        .collect()
}

#[test]
fn forged_keys_and_ids_reach_no_durable_object() {
    let edge = Edge::start();
    let seller = edge.create_seller();
    let request = edge.create_request(&seller.secret_key, "2.00", "USD");
    let before = durable_object_databases(&edge);
    assert!(
        !before.is_empty(),
        "no Durable Object database after creating a seller"
    );

    let mut wrong = Vec::new();
    for i in 0..10 {
        let forged_key = format!("sk_test_{}", unique(""));
        let forged_id = format!("pr_{}", unique(""));
        let cs = format!("cs_{}", unique(""));
        let replies = [
            (
                401,
                edge.call("POST", "/v1/payment_requests")
                    .bearer(&forged_key)
                    .json(&json!({"amount": "1.00", "currency": "USD", "description": "x"}))
                    .send(),
            ),
            (401, edge.get_request(&forged_key, &request.id)),
            (404, edge.get_request(&seller.secret_key, &forged_id)),
            (
                404,
                edge.call("POST", &format!("/v1/payment_requests/{forged_id}/pay"))
                    .bearer(&cs)
                    .json(&pay_body(VISA))
                    .send(),
            ),
            (
                404,
                edge.call("GET", &format!("/v1/payment_requests/{forged_id}/public"))
                    .bearer(&cs)
                    .send(),
            ),
            (
                404,
                edge.call("GET", &format!("/v1/frame/{forged_id}")).send(),
            ),
        ];
        for (status, reply) in replies {
            if reply.status != status {
                wrong.push(format!("round {i}: expected {status}\n{reply}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let after = durable_object_databases(&edge);
    assert_eq!(after, before, "garbage created Durable Object storage");
}
