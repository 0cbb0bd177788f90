//! Card numbers typed where no card number belongs (issue 6): free text from buyers and
//! sellers is stored and shown masked (`•••• •••• •••• 4444`), ids refuse them, an
//! Idempotency-Key may be one and is kept only as a MAC, and a ledger that stored such text
//! before masking existed is masked by its migration. Against a real `wrangler dev`; the
//! leak scans read every persisted file and the log.

use chatpay_tests::cards::{card, pay_body, AMEX, MASTERCARD, VISA};
use chatpay_tests::checks::assert_error;
use chatpay_tests::scan::assert_no_card_numbers;
use chatpay_tests::storage::{close, credential_hash, ledger_file, open};
use chatpay_tests::{shared, unique, wait_for_other_tests, Edge, Param};
use serde_json::{json, Value};

const MASKED_MC: &str = "•••• •••• •••• 4444";

/// Every string in `value`, flattened, for "nothing here holds the number" checks.
fn all_text(value: &Value) -> String {
    value.to_string()
}

#[track_caller]
fn assert_clean(value: &Value, pans: &[&str], what: &str) {
    let text = all_text(value);
    for pan in pans {
        let spaced = chatpay_core::card::format_number_input(pan);
        assert!(
            !text.contains(pan) && !text.contains(&spaced),
            "{what} holds {pan}:\n{value:#}"
        );
    }
}

#[test]
fn buyer_free_text_is_masked_wherever_it_is_stored_or_shown() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = &seller.secret_key;
    let conversation = unique("chat-");
    let request = edge.create_request_with(
        key,
        json!({"amount": "20.00", "currency": "USD", "description": "Mug",
               "collect_shipping": true, "conversation_id": conversation}),
    );
    let mut pay = pay_body(VISA);
    pay["receipt_email"] = json!("5555555555554444@mail.example");
    pay["shipping"] = json!({
        "name": "Sam 5555 5555 5555 4444", "line1": "1 Main St, card 5555-5555-5555-4444",
        "line2": "apt 5555.5555.5555.4444", "city": "Springfield 5555555555554444",
        "postal_code": "94107", "state": "CA", "country": "US",
    });
    let paid = edge.pay(&request, &pay, None);
    paid.expect(200);
    assert_clean(&paid.json, &[MASTERCARD, VISA], "the pay answer");

    let claim = edge
        .call(
            "POST",
            &format!("/v1/payment_requests/{}/claims", request.id),
        )
        .bearer(&request.client_secret)
        .json(&json!({"reason": "damaged",
                      "description": "It broke. I paid with 5555 5555 5555 4444, refund there."}))
        .send();
    claim.expect(201);
    assert_eq!(
        claim.json["description"],
        format!("It broke. I paid with {MASKED_MC}, refund there."),
        "{claim}"
    );

    let full = edge.read(key, &request.id);
    assert_clean(&full, &[MASTERCARD], "the seller's view");
    assert_eq!(
        full["shipping"]["name"],
        format!("Sam {MASKED_MC}"),
        "{full}"
    );
    assert_eq!(
        full["shipping"]["line1"], "1 Main St, card ••••-••••-••••-4444",
        "{full}"
    );
    assert_eq!(
        full["shipping"]["line2"], "apt ••••.••••.••••.4444",
        "{full}"
    );
    assert_eq!(
        full["payment"]["receipt_email"], "••••••••••••4444@mail.example",
        "{full}"
    );
    assert_eq!(
        full["claim"]["description"], claim.json["description"],
        "{full}"
    );
    let timeline = edge.timeline(key, &conversation);
    assert_clean(&timeline.json, &[MASTERCARD], "the timeline");

    // The buyer's decline reason, on another request.
    let other = edge.create_request(key, "3.00", "USD");
    let declined = edge
        .call(
            "POST",
            &format!("/v1/payment_requests/{}/decline", other.id),
        )
        .bearer(&other.client_secret)
        .json(&json!({"reason": "use 3782 822463 10005 instead"}))
        .send();
    declined.expect(200);
    let full = edge.read(key, &other.id);
    assert_clean(&full, &[AMEX], "the declined request");
    let reason = full["events"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["type"] == "payment_request.declined"))
        .map(|e| e["data"]["reason"].clone());
    assert_eq!(
        reason,
        Some(json!("use •••• •••••• •0005 instead")),
        "{full}"
    );
}

#[test]
fn seller_free_text_is_masked_and_ids_refuse_card_numbers() {
    let edge = shared();
    let tag = unique("");
    let seller = edge.create_seller_with(json!({
        "display_name": format!("Shop {tag}, card 4242 4242 4242 4242"),
        "country": "US", "default_currency": "USD",
        "allowed_origins": [format!("https://shop-{tag}.example")],
    }));
    assert!(
        seller.display_name.ends_with("•••• •••• •••• 4242"),
        "{}",
        seller.json
    );
    let key = &seller.secret_key;
    let patched = edge.patch_seller(
        key,
        &json!({"display_name": "Shop ４２４２４２４２４２４２４２４２"}),
    );
    assert_eq!(
        patched.expect(200)["display_name"],
        "Shop ••••••••••••４２４２",
        "{patched}"
    );

    let request = edge.create_request_with(
        key,
        json!({"amount": "9.00", "currency": "USD",
               "description": "Order for card 5555555555554444, thanks"}),
    );
    assert_eq!(
        request.json["description"], "Order for card ••••••••••••4444, thanks",
        "{}",
        request.json
    );
    edge.pay_with(&request, VISA).expect(200);
    let shipped = edge.ship(
        key,
        &request.id,
        "UPS 4242424242424242",
        "4242-4242-4242-4242",
    );
    let shipped = shipped.expect(200).clone();
    assert_eq!(shipped["shipment"]["carrier"], "UPS ••••••••••••4242");
    assert_eq!(
        shipped["shipment"]["tracking_number"],
        "••••-••••-••••-4242"
    );
    let claim = edge.open_claim(&request, "not_as_described");
    let claim_id = claim.expect(201)["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let answered = edge
        .call("POST", &format!("/v1/claims/{claim_id}/respond"))
        .bearer(key)
        .json(&json!({"message": "Refunded to 5555 5555 5555 4444."}))
        .send();
    assert_eq!(
        answered.expect(200)["response"],
        format!("Refunded to {MASKED_MC}."),
        "{answered}"
    );
    let agent = edge.create_agent(key, &json!({"id": "maya", "name": "Maya 4242424242424242"}));
    assert_eq!(
        agent.expect(201)["name"],
        "Maya ••••••••••••4242",
        "{agent}"
    );
    let full = edge.read(key, &request.id);
    assert_clean(&full, &[VISA, MASTERCARD], "the seller's view");

    // Ids a caller chooses refuse a card number outright, naming the field, never echoing it.
    let refusals = [
        (
            "POST",
            "/v1/payment_requests",
            json!({"amount": "1.00", "currency": "USD",
            "description": "x", "conversation_id": "chat-4242424242424242"}),
            "conversation_id",
        ),
        (
            "POST",
            "/v1/payment_requests",
            json!({"amount": "1.00", "currency": "USD",
            "description": "x", "agent_id": "4242-4242-4242-4242"}),
            "agent_id",
        ),
        (
            "POST",
            "/v1/agents",
            json!({"id": "5555.5555.5555.4444", "name": "X"}),
            "id",
        ),
    ];
    for (method, path, body, param) in refusals {
        let reply = edge.call(method, path).bearer(key).json(&body).send();
        assert_error(&reply, 400, "parameter_invalid", Param::Is(param));
        assert_clean(&reply.json, &[VISA, MASTERCARD], "the refusal");
    }
    // Not card numbers by the rule: a letter touches the digits, or they are too many.
    // (Digits no test types as a card, since these are stored as they are.)
    for id in ["a4111111111111111", "order-41111111111111111111"] {
        let body = json!({"amount": "1.00", "currency": "USD", "description": "x", "agent_id": id});
        let reply = edge
            .call("POST", "/v1/payment_requests")
            .bearer(key)
            .json(&body)
            .send();
        assert_eq!(reply.status, 201, "{id}\n{reply}");
    }
}

#[test]
fn a_card_number_as_idempotency_key_works_and_is_kept_only_as_a_mac() {
    let edge = shared();
    let seller = edge.create_seller();
    let request = edge.create_request(&seller.secret_key, "6.00", "USD");
    let body = json!({ "method": card(VISA) });
    let first = edge.pay(&request, &body, Some(MASTERCARD));
    first.expect(200);
    let again = edge.pay(&request, &body, Some(MASTERCARD));
    again.expect(200);
    assert_eq!(again.header("idempotent-replayed"), Some("true"), "{again}");
    assert_eq!(again.json, first.json);
    // Spaces are not visible ASCII... but a dashed number is a key like any other.
    let dashed = edge
        .call("POST", "/v1/payment_requests")
        .bearer(&seller.secret_key)
        .idempotency_key("5555-5555-5555-4444")
        .json(&json!({"amount": "1.00", "currency": "USD", "description": "dashed key"}))
        .send();
    assert_eq!(dashed.status, 201, "{dashed}");
}

/// A ledger written before masking: free text holding card numbers, idempotency keys stored
/// as typed under the old path scope, an http origin from before the https rule, and a
/// client secret with a full budget of records. The migration masks the text, turns the
/// keys into MACs (an old key still replays), keeps the origin working and the budget
/// counted, and leaves no number in any file.
#[test]
fn the_migration_masks_what_an_older_ledger_stored() {
    let mut edge = Edge::start();
    let seller = edge.create_seller();
    let key = seller.secret_key.clone();
    let marker = unique("migration-marker-");
    let request = edge.create_request_with(
        &key,
        json!({"amount": "30.00", "currency": "USD", "description": marker,
               "conversation_id": "legacy-chat"}),
    );
    edge.pay_with(&request, VISA).expect(200);
    // A refund under an Idempotency-Key that is a card number: the record to convert.
    let refund_path = format!("/v1/payment_requests/{}/refunds", request.id);
    let refund_body = json!({"amount": "1.00", "reason": "other"});
    let refund_with_a_card_number_as_key = |edge: &Edge| {
        edge.call("POST", &refund_path)
            .bearer(&key)
            .idempotency_key(MASTERCARD)
            .json(&refund_body)
            .send()
    };
    let refund = refund_with_a_card_number_as_key(&edge);
    refund.expect(201);
    edge.open_claim(&request, "damaged").expect(201);
    let budget = edge.create_paid(
        &key,
        json!({"amount": "2.00", "currency": "USD",
                                               "description": "budget"}),
    );
    edge.stop();

    // Back to schema 3, with what an older ledger held.
    let file = ledger_file(&edge, &seller.id);
    let db = open(&file);
    let mc_spaced = "5555 5555 5555 4444";
    let seeded = format!(
        "ALTER TABLE payment_requests DROP COLUMN capture;
         ALTER TABLE payment_requests DROP COLUMN capture_token;
         ALTER TABLE payment_requests DROP COLUMN captured_card;
         ALTER TABLE payment_requests DROP COLUMN reveal_until;
         DROP TABLE webhook_attempts;
         DROP TABLE webhook_queue;
         DROP TABLE webhook_endpoints;
         DROP TABLE live_tickets;
         DROP TABLE processor_calls;
         ALTER TABLE refunds DROP COLUMN status;
         ALTER TABLE refunds DROP COLUMN processor_ref;
         ALTER TABLE payment_requests DROP COLUMN payout_failure;
         DROP TABLE processor_orders;
         DROP TABLE sandbox_orders;
         DROP TABLE processor_events;
         DROP TABLE wallet_tokens;
         ALTER TABLE seller DROP COLUMN paypal_merchant_id;
         DROP INDEX idempotency_credential;
         ALTER TABLE idempotency DROP COLUMN credential;
         ALTER TABLE api_keys DROP COLUMN scope;
         DROP INDEX payment_attempts_request;
         ALTER TABLE payment_attempts DROP COLUMN fingerprint;
         ALTER TABLE payment_attempts DROP COLUMN cleared;
         ALTER TABLE vault DROP COLUMN key_id;
         ALTER TABLE bank_accounts DROP COLUMN key_id;
         UPDATE schema_version SET version = 3;
         UPDATE seller SET display_name = 'Legacy {mc_spaced} shop',
                           allowed_origins = '[\"http://legacy.example\"]';
         UPDATE payment_requests SET description = '{marker} card {VISA}',
                carrier = 'Post {AMEX}', tracking_number = '{mc_spaced}'
                WHERE id = '{id}';
         UPDATE claims SET description = 'paid with {mc_spaced}', response = 'see 4242-4242-4242-4242';
         INSERT INTO agents (id, name, created_at) VALUES ('legacy', 'Old {VISA}', 0);
         INSERT INTO events (request_id, type, actor, data, created_at)
                VALUES ('{id}', 'payment_request.declined', 'buyer',
                        '{{\"reason\":\"try {mc_spaced}\",\"nested\":[\"{AMEX}\"]}}', 0);
         UPDATE payments SET receipt_email = '{VISA}@mail.example';",
        id = request.id
    );
    db.execute_batch(&seeded).expect("seed the old format");
    // The refund's record, back to its old shape: the raw key under the path as spelled.
    let sk_hash = credential_hash(&key);
    let changed = db
        .execute(
            "UPDATE idempotency SET scope = ?1, key = ?2 WHERE scope LIKE ?3",
            rusqlite::params![
                format!("{sk_hash}:/v1/payment_requests/{}/refunds/", request.id),
                MASTERCARD,
                format!("{sk_hash}:%refunds%"),
            ],
        )
        .expect("rewrite the refund's record");
    assert_eq!(changed, 1, "one refund record");
    // Fifty old records of one client secret: its budget, already spent.
    let cs_hash = credential_hash(&budget.client_secret);
    let now: i64 = db
        .query_row("SELECT MAX(created_at) FROM events", [], |r| r.get(0))
        .expect("a time");
    for i in 0..50 {
        db.execute(
            "INSERT INTO idempotency (scope, key, body_mac, http_status, response, created_at) VALUES (?1, ?2, 'x', 409, '{}', ?3)",
            rusqlite::params![
                format!("{cs_hash}:/v1/payment_requests/{}/decline", budget.id),
                format!("{AMEX}-{i}"),
                now,
            ],
        )
        .expect("seed a buyer record");
    }
    close(db);

    edge.restart();
    // The ledger migrates on its first command.
    let full = edge.read(&key, &request.id);
    assert_clean(&full, &[VISA, MASTERCARD, AMEX], "the migrated request");
    assert_eq!(
        full["description"],
        format!("{marker} card ••••••••••••4242"),
        "{full}"
    );
    assert_eq!(full["shipment"], Value::Null);
    assert_eq!(
        full["payment"]["receipt_email"],
        "••••••••••••4242@mail.example"
    );
    assert_eq!(
        full["claim"]["description"],
        format!("paid with {MASKED_MC}")
    );
    let seller_view = edge.get_seller(&key);
    assert_eq!(
        seller_view.json["display_name"],
        format!("Legacy {MASKED_MC} shop")
    );
    let agents = edge.call("GET", "/v1/agents").bearer(&key).send();
    assert_clean(&agents.json, &[VISA], "the agents");
    // The old key, typed again, still replays its refund: it was kept as its MAC.
    let replay = refund_with_a_card_number_as_key(&edge);
    assert_eq!(replay.status, 201, "{replay}");
    assert_eq!(
        replay.header("idempotent-replayed"),
        Some("true"),
        "{replay}"
    );
    assert_eq!(replay.json["id"], refund.json["id"], "{replay}");
    // The stored http origin keeps working for CORS; a new one is refused.
    let cors = edge
        .call(
            "GET",
            &format!("/v1/payment_requests/{}/public", request.id),
        )
        .bearer(&request.client_secret)
        .origin("http://legacy.example")
        .send();
    assert_eq!(
        cors.header("access-control-allow-origin"),
        Some("http://legacy.example"),
        "{cors}"
    );
    let refused = edge.patch_seller(&key, &json!({"allowed_origins": ["http://legacy.example"]}));
    assert_error(
        &refused,
        400,
        "parameter_invalid",
        Param::Is("allowed_origins.0"),
    );
    // The client secret's fifty records count: a new key is treated as absent, so its
    // answer is not kept (the claim is made, but the same key does not replay it).
    let claim_over_budget = || {
        edge.call(
            "POST",
            &format!("/v1/payment_requests/{}/claims", budget.id),
        )
        .bearer(&budget.client_secret)
        .idempotency_key("over-budget")
        .json(&json!({"reason": "damaged"}))
        .send()
    };
    let first = claim_over_budget();
    assert_eq!(first.status, 201, "{first}");
    let second = claim_over_budget();
    assert_eq!(
        second.status, 409,
        "not replayed, so the claim is already open\n{second}"
    );

    // Nothing of the old text is left in any file or the log.
    edge.stop();
    let db = open(&ledger_file(&edge, &seller.id));
    let version: i64 = db
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .expect("version");
    assert!(version >= 5, "migrated to {version}");
    let keys: Vec<String> = db
        .prepare("SELECT key FROM idempotency")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("keys");
    assert!(keys.iter().all(|k| k.len() == 64), "only MACs: {keys:?}");
    close(db);
    edge.restart();
    assert_no_card_numbers(&edge, &marker);
}

/// Named to start last: scans state and logs once the others are done.
#[test]
fn zz_no_card_number_in_persisted_state_or_logs() {
    let edge = shared();
    let seller = edge.create_seller();
    let marker = unique("masking-marker-");
    edge.create_request_with(
        &seller.secret_key,
        json!({"amount": "1.00", "currency": "USD", "description": marker}),
    );
    wait_for_other_tests();
    assert_no_card_numbers(&edge, &marker);
}
