//! Test mode's PayPal button and 3-D Secure challenge, over HTTP as a browser would walk
//! them: the sandbox's approval and challenge pages, their redirects, and the return pages
//! that tell the card (Chromium drives the same flows with popups in `tests/e2e/`).

use chatpay_tests::cards::pay_body;
use chatpay_tests::{shared, unique, PaymentRequest, SharedEdge};
use serde_json::json;

const CHALLENGE: &str = "4000002760003184";

/// Clicks a sandbox page's button: answers where it redirects.
fn click(edge: &SharedEdge, url: &str, action: &str) -> String {
    let path = url.strip_prefix(&edge.base_url()).expect("an edge URL");
    let reply = edge
        .call("POST", path)
        .raw(
            Some("application/x-www-form-urlencoded"),
            format!("action={action}"),
        )
        .send();
    assert_eq!(reply.status, 303, "{reply}");
    reply.header("location").expect("a redirect").to_owned()
}

/// Opens a return page: answers the message it posts to the card.
fn return_page(edge: &SharedEdge, url: &str) -> String {
    let path = url.strip_prefix(&edge.base_url()).expect("an edge URL");
    let reply = edge.call("GET", path).send();
    assert_eq!(reply.status, 200, "{reply}");
    assert!(reply
        .header("content-type")
        .unwrap_or("")
        .starts_with("text/html"));
    reply.text
}

fn paypal_order(edge: &SharedEdge, request: &PaymentRequest) -> serde_json::Value {
    let reply = edge
        .call(
            "POST",
            &format!("/v1/payment_requests/{}/paypal", request.id),
        )
        .bearer(&request.client_secret)
        .idempotency_key(&unique("pp"))
        .json(&json!({"locale": "de-DE"}))
        .send();
    reply.expect(200).clone()
}

#[test]
fn paypal_approve_then_return_pays_once() {
    let edge = shared();
    let seller = edge.create_seller();
    let request = edge.create_request_with(
        &seller.secret_key,
        json!({"amount": "24.00", "currency": "USD", "description": "Mug", "collect_shipping": true}),
    );
    let order = paypal_order(&edge, &request);
    assert_eq!(order["object"], "paypal_order");
    let approve = order["approve_url"].as_str().unwrap();
    assert!(approve.contains("/sandbox/paypal/approve/"), "{approve}");
    // Still payable while the buyer looks at PayPal.
    assert_eq!(edge.get_public(&request).expect(200)["status"], "requested");
    let page = edge
        .call("GET", approve.strip_prefix(&edge.base_url()).unwrap())
        .send();
    assert!(
        page.text.contains("Approve") && page.text.contains("Test mode"),
        "{page}"
    );
    let back = click(&edge, approve, "approve");
    assert!(
        back.contains(&format!("/v1/return/paypal/{}", request.id)) && back.contains("PayerID="),
        "{back}"
    );
    let html = return_page(&edge, &back);
    assert!(
        html.contains("\"outcome\":\"paid\"") && html.contains("postMessage"),
        "{html}"
    );
    let public = edge.get_public(&request).expect(200).clone();
    assert_eq!(public["status"], "paid");
    assert_eq!(public["payment"]["method_type"], "paypal");
    assert_eq!(
        public["payment"]["payer_email_masked"],
        "b•••@sandbox.example"
    );
    let view = edge
        .get_request(&seller.secret_key, &request.id)
        .expect(200)
        .clone();
    assert_eq!(view["payment"]["method"]["type"], "paypal");
    assert_eq!(
        view["shipping"]["city"], "San Francisco",
        "the address PayPal had on file"
    );
    // The return page again, and `pay` with the same order: paid, once.
    let again = return_page(&edge, &back);
    assert!(again.contains("\"outcome\":\"paid\""));
    let order_id = order["order_id"].as_str().unwrap();
    let paid = edge.pay(
        &request,
        &json!({"method": {"type": "paypal", "order_id": order_id}}),
        None,
    );
    assert_eq!(paid.expect(200)["status"], "paid", "{paid}");
    // Another request's order is 400; an unknown order on the return page is 404.
    let other = edge.create_request(&seller.secret_key, "5.00", "USD");
    let wrong = edge.pay(
        &other,
        &json!({"method": {"type": "paypal", "order_id": order_id}}),
        None,
    );
    assert_eq!(wrong.status, 400, "{wrong}");
    assert_eq!(wrong.json["error"]["param"], "method.order_id");
    let unknown = edge
        .call("GET", &format!("/v1/return/paypal/{}?token=NOPE", other.id))
        .send();
    assert_eq!(unknown.status, 404, "{unknown}");
}

#[test]
fn paypal_cancel_leaves_the_request_payable() {
    let edge = shared();
    let seller = edge.create_seller();
    let request = edge.create_request(&seller.secret_key, "9.00", "USD");
    let order = paypal_order(&edge, &request);
    let back = click(&edge, order["approve_url"].as_str().unwrap(), "cancel");
    assert!(back.contains("canceled=1"), "{back}");
    let html = return_page(&edge, &back);
    assert!(html.contains("\"outcome\":\"canceled\""), "{html}");
    assert_eq!(edge.get_public(&request).expect(200)["status"], "requested");
    // A card pays it afterwards.
    edge.pay(&request, &pay_body("4242424242424242"), None)
        .expect(200);
}

#[test]
fn three_d_secure_complete_pays_and_fail_declines() {
    let edge = shared();
    let seller = edge.create_seller();
    for (action, outcome) in [("complete", 200), ("fail", 402)] {
        let request = edge.create_request(&seller.secret_key, "12.00", "USD");
        let reply = edge.pay(&request, &pay_body(CHALLENGE), None);
        let public = reply.expect(200).clone();
        assert_eq!(public["status"], "requested");
        let url = public["next_action"]["url"]
            .as_str()
            .expect("next_action.url");
        let attempt = public["next_action"]["attempt"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(url.contains(&format!("/sandbox/3ds/{attempt}")), "{url}");
        // Reloaded, the card still sees the challenge.
        assert_eq!(
            edge.get_public(&request).expect(200)["next_action"]["attempt"],
            attempt.as_str()
        );
        let back = click(&edge, url, action);
        let html = return_page(&edge, &back);
        assert!(
            html.contains("\"type\":\"3ds\"") && html.contains(&attempt),
            "{html}"
        );
        let done = edge.pay(
            &request,
            &json!({"method": {"type": "card_action", "attempt": attempt}}),
            None,
        );
        assert_eq!(done.status, outcome, "{action}: {done}");
        if outcome == 402 {
            assert_eq!(done.code(), "authentication_failed");
            assert!(edge.get_public(&request).expect(200)["next_action"].is_null());
        } else {
            assert_eq!(done.json["status"], "paid");
            assert_eq!(done.json["payment"]["last4"], "3184");
        }
    }
}

#[test]
fn revenue_groups_by_payment_method() {
    let edge = shared();
    let seller = edge.create_seller();
    let card = edge.create_request(&seller.secret_key, "10.00", "USD");
    edge.pay(&card, &pay_body("4242424242424242"), None)
        .expect(200);
    let paypal = edge.create_request(&seller.secret_key, "4.00", "USD");
    let order = paypal_order(&edge, &paypal);
    let back = click(&edge, order["approve_url"].as_str().unwrap(), "approve");
    return_page(&edge, &back);
    let report = edge
        .call(
            "GET",
            "/v1/reports/revenue?group_by=method&from=2020-01-01T00:00:00Z&to=2100-01-01T00:00:00Z",
        )
        .bearer(&seller.secret_key)
        .send();
    let body = report.expect(200).clone();
    assert_eq!(body["group_by"], "method", "{report}");
    let rows = body["rows"].as_array().expect("rows");
    let gross = |group: &str| {
        rows.iter()
            .find(|r| r["group"] == group)
            .map(|r| r["gross"].clone())
            .unwrap_or_default()
    };
    assert_eq!(gross("card"), "10.00", "{report}");
    assert_eq!(gross("paypal"), "4.00", "{report}");
}
