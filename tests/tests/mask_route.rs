//! `POST /v1/mask` (issue 9 section 4): a chat backend's text comes back with its card
//! numbers masked, for the seller's secret key or a restricted key, and nothing of it is
//! kept. Against a real `wrangler dev`; the leak scan reads every persisted file and the log.

use chatpay_tests::checks::{assert_error, check_error_shape};
use chatpay_tests::scan::assert_no_card_numbers;
use chatpay_tests::{shared, unique, wait_for_other_tests, Param};
use serde_json::{json, Value};

const TEXT: &str = "卡号 4242 4242 4242 4242, mc 5555-5555-5555-4444, order 1234567890123";

fn mask(token: Option<&str>, body: &Value) -> chatpay_tests::Reply {
    let edge = shared();
    let call = edge.call("POST", "/v1/mask").json(body);
    match token {
        Some(token) => call.bearer(token),
        None => call,
    }
    .send()
}

#[test]
fn the_seller_key_and_a_restricted_key_get_the_masked_text() {
    let edge = shared();
    let seller = edge.create_seller();
    let (_, rk) = edge.restricted_key(&seller.secret_key, "maya");
    for key in [seller.secret_key.as_str(), rk.as_str()] {
        let reply = mask(Some(key), &json!({"text": TEXT}));
        reply.expect(200);
        assert_eq!(
            reply.json,
            json!({
                "object": "masked_text",
                "text": "卡号 •••• •••• •••• 4242, mc ••••-••••-••••-4444, order 1234567890123",
                "masked": 2,
                "livemode": false,
            }),
            "{reply}"
        );
    }
    let plain = mask(Some(&seller.secret_key), &json!({"text": "no card here"}));
    plain.expect(200);
    assert_eq!(plain.json["masked"], 0, "{plain}");
    assert_eq!(plain.json["text"], "no card here", "{plain}");
}

#[test]
fn a_client_secret_or_no_key_is_refused() {
    let edge = shared();
    let seller = edge.create_seller();
    let request = edge.create_request(&seller.secret_key, "1.00", "USD");
    for token in [Some(request.client_secret.as_str()), None] {
        let reply = mask(token, &json!({"text": TEXT}));
        assert!(matches!(reply.status, 401 | 403), "{reply}");
        check_error_shape(&reply).unwrap();
        assert!(!reply.text.contains("4242 4242"), "{reply}");
    }
}

#[test]
fn bad_text_is_400_naming_the_field() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = &seller.secret_key;
    let too_long = "x".repeat(16_001);
    for body in [
        json!({}),
        json!({"text": 4242}),
        json!({"text": ["4242424242424242"]}),
        json!({"text": too_long}),
    ] {
        let reply = mask(Some(key), &body);
        assert_eq!(reply.status, 400, "{reply}");
        check_error_shape(&reply).unwrap();
        assert_eq!(reply.json["error"]["param"], "text", "{reply}");
    }
    // At the cap, four-byte characters still fit the body limit.
    let at_the_cap = mask(Some(key), &json!({"text": "😀".repeat(16_000)}));
    at_the_cap.expect(200);
    assert_eq!(at_the_cap.json["masked"], 0, "{}", at_the_cap.status);
    let unknown = mask(Some(key), &json!({"text": "a", "txet": "b"}));
    assert_error(&unknown, 400, "parameter_unknown", Param::Is("txet"));
}

/// Named to start last: the texts the other tests masked are nowhere in state or logs.
#[test]
fn zz_nothing_masked_is_stored_or_logged() {
    let edge = shared();
    let seller = edge.create_seller();
    mask(Some(&seller.secret_key), &json!({"text": TEXT})).expect(200);
    let marker = unique("mask-route-marker-");
    edge.create_request_with(
        &seller.secret_key,
        json!({"amount": "1.00", "currency": "USD", "description": marker}),
    );
    wait_for_other_tests();
    assert_no_card_numbers(&edge, &marker);
}
