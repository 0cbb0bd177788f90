//! The PayPal button in live mode, against the PayPal stand-in (`tests/paypal/`) through a
//! real `wrangler dev`: the edge creates the order with the buyer's experience context, the
//! buyer approves on PayPal (the stand-in's control API plays the buyer, as PayPal's checkout
//! page would), PayPal sends the buyer to the edge's return page, and that page captures,
//! once. Chromium walks the same flow in test mode in `tests/e2e/paypal.test.mjs`.

use chatpay_tests::paypal::{live_edge, live_seller, StandIn, MERCHANT_ID};
use chatpay_tests::{unique, Edge, PaymentRequest};
use serde_json::{json, Value};

/// What the card's PayPal flow sends: `POST .../paypal` with the client secret.
fn paypal_order(edge: &Edge, request: &PaymentRequest, locale: &str) -> Value {
    let reply = edge
        .call(
            "POST",
            &format!("/v1/payment_requests/{}/paypal", request.id),
        )
        .bearer(&request.client_secret)
        .idempotency_key(&unique("pp"))
        .json(&json!({ "locale": locale }))
        .send();
    reply.expect(200).clone()
}

/// The buyer approves `order_id` on PayPal: answers where PayPal sends them back.
fn approve_on_paypal(standin: &StandIn, order_id: &str) -> String {
    let approved = standin.control(
        "POST",
        &format!("/orders/{order_id}/approve"),
        Some(json!({})),
    );
    approved["redirect"]
        .as_str()
        .expect("a return URL")
        .to_owned()
}

#[test]
fn a_live_paypal_order_is_created_approved_on_paypal_and_captured_once() {
    let standin = StandIn::start();
    let edge = live_edge(&standin);
    let seller = live_seller(&edge, "USD");
    let request = edge.create_request_with(
        &seller.secret_key,
        json!({"amount": "24.00", "currency": "USD", "description": "Mug", "collect_shipping": true}),
    );

    // 1. The order, made for the seller with the buyer's context, and the page to approve it.
    let order = paypal_order(&edge, &request, "de-DE");
    assert_eq!(order["object"], "paypal_order");
    let order_id = order["order_id"].as_str().unwrap().to_owned();
    let approve_url = order["approve_url"].as_str().unwrap();
    assert!(
        approve_url.starts_with(&standin.url) && approve_url.contains(&order_id),
        "PayPal's own approval page: {approve_url}"
    );
    let sent = standin.order_of(&request);
    let unit = &sent["purchase_units"][0];
    assert_eq!(sent["intent"], "CAPTURE");
    assert_eq!(
        unit["amount"],
        json!({"currency_code": "USD", "value": "24.00"})
    );
    assert_eq!(unit["custom_id"], request.id.as_str());
    assert_eq!(unit["payee"]["merchant_id"], MERCHANT_ID);
    assert_eq!(unit["payment_instruction"]["disbursement_mode"], "DELAYED");
    let context = &sent["payment_source"]["paypal"]["experience_context"];
    assert_eq!(context["user_action"], "PAY_NOW");
    assert_eq!(context["shipping_preference"], "GET_FROM_FILE");
    assert_eq!(context["locale"], "de-DE");
    let back = format!("{}/v1/return/paypal/{}", edge.base_url(), request.id);
    for url in ["return_url", "cancel_url"] {
        assert!(
            context[url].as_str().is_some_and(|u| u.starts_with(&back)),
            "{url}: {context}"
        );
    }
    // Still payable while the buyer is on PayPal, and nothing captured.
    assert_eq!(edge.get_public(&request).expect(200)["status"], "requested");
    assert!(standin.captures_for(&request).is_empty());

    // 2. The buyer approves; PayPal sends them to the return page, which captures.
    let redirect = approve_on_paypal(&standin, &order_id);
    let path = redirect
        .strip_prefix(&edge.base_url())
        .unwrap_or_else(|| panic!("PayPal returns to the edge: {redirect}"));
    assert!(path.contains(&format!("token={order_id}")), "{path}");
    let page = edge.call("GET", path).send();
    assert_eq!(page.status, 200, "{page}");
    assert!(page.text.contains("\"outcome\":\"paid\""), "{page}");

    let public = edge.get_public(&request).expect(200).clone();
    assert_eq!(public["status"], "paid");
    assert_eq!(public["payment"]["method_type"], "paypal");
    assert!(
        public["payment"]["payer_email_masked"]
            .as_str()
            .is_some_and(|m| m.contains('•') && !m.contains("sb-buyer")),
        "{public}"
    );
    let view = edge
        .get_request(&seller.secret_key, &request.id)
        .expect(200)
        .clone();
    assert_eq!(view["payment"]["method"]["type"], "paypal");
    assert!(view["payment"]["method"]["payer_id"].is_string(), "{view}");
    assert_eq!(
        view["shipping"]["city"], "San Jose",
        "the address from the order's purchase_units[0].shipping"
    );
    let captures = standin.captures_for(&request);
    assert_eq!(captures.len(), 1, "{captures:#?}");
    assert_eq!(captures[0]["status"], "COMPLETED");

    // 3. The return page again, and `pay` with the same order: the paid object, no new capture.
    let again = edge.call("GET", path).send();
    assert!(again.text.contains("\"outcome\":\"paid\""), "{again}");
    let paid = edge.pay(
        &request,
        &json!({"method": {"type": "paypal", "order_id": order_id}}),
        None,
    );
    assert_eq!(paid.expect(200)["status"], "paid", "{paid}");
    assert_eq!(standin.captures_for(&request).len(), 1);
    // Another request's order is 400, naming the field.
    let other = edge.create_request(&seller.secret_key, "5.00", "USD");
    let wrong = edge.pay(
        &other,
        &json!({"method": {"type": "paypal", "order_id": order_id}}),
        None,
    );
    assert_eq!(wrong.status, 400, "{wrong}");
    assert_eq!(wrong.json["error"]["param"], "method.order_id");

    // 4. A request that asks for no address tells PayPal not to collect one.
    paypal_order(&edge, &other, "en-US");
    let context = &standin.order_of(&other)["payment_source"]["paypal"]["experience_context"];
    assert_eq!(context["shipping_preference"], "NO_SHIPPING");

    standin.assert_clean();
}
