//! Live mode after the pay: refunds through PayPal, the tracker a shipment posts, the
//! payout released after shipping, PayPal's webhooks (verified, applied once), and a crash
//! between the edge's calls. Each test runs its own stand-in and edge, since some stop it.

use chatpay_tests::cards::{pay_body, VISA};
use chatpay_tests::paypal::{live_edge, live_seller, StandIn};
use chatpay_tests::storage::{close, ledger_file, open};
use chatpay_tests::{unique, Edge, PaymentRequest, Seller};
use serde_json::{json, Value};
use std::thread;
use std::time::{Duration, Instant};

const PENDING: &str = "4000000000000259";

fn wait_for(what: &str, done: impl FnMut() -> bool) {
    wait_or(what, done, String::new);
}

fn wait_or(what: &str, mut done: impl FnMut() -> bool, context: impl Fn() -> String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}\n{}",
            context()
        );
        thread::sleep(Duration::from_millis(250));
    }
}

/// A new request of `seller` for `amount` USD, paid by card.
fn paid_by_card(edge: &Edge, seller: &Seller, amount: &str) -> PaymentRequest {
    let request = edge.create_request(&seller.secret_key, amount, "USD");
    edge.pay(&request, &pay_body(VISA), None).expect(200);
    request
}

fn webhook_url(edge: &Edge) -> String {
    format!("{}/v1/webhooks/paypal", edge.base_url())
}

#[test]
fn refunds_go_back_through_paypal_and_an_unanswered_one_is_retried_under_its_key() {
    let standin = StandIn::start();
    let edge = live_edge(&standin);
    let seller = live_seller(&edge, "USD");
    let request = paid_by_card(&edge, &seller, "20.00");
    let capture = standin.capture_id(&request);

    let refund = edge.refund(
        &seller.secret_key,
        &request.id,
        Some("5.00"),
        "requested_by_customer",
    );
    let created = refund.expect(201).clone();
    assert_eq!(created["status"], "succeeded", "{refund}");
    assert_eq!(created["payment_request"]["amount_refunded"], "5.00");
    let calls = standin.calls_to("POST", &format!("/v2/payments/captures/{capture}/refund"));
    assert_eq!(calls.len(), 1);
    let body: Value = serde_json::from_str(calls[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body["amount"],
        json!({"currency_code": "USD", "value": "5.00"})
    );
    assert_eq!(body["custom_id"], request.id.as_str());

    // PayPal fails the next one (a 500): it is recorded as pending and retried by the
    // alarm under the same key until PayPal answers.
    standin.control(
        "POST",
        "/faults",
        Some(json!({"op": "refund", "mode": "server_error"})),
    );
    let refund = edge.refund(
        &seller.secret_key,
        &request.id,
        Some("2.00"),
        "requested_by_customer",
    );
    let created = refund.expect(201).clone();
    assert_eq!(created["status"], "pending", "{refund}");
    let id = created["id"].as_str().unwrap().to_owned();
    wait_for("the retried refund", || {
        let view = edge
            .get_request(&seller.secret_key, &request.id)
            .json
            .clone();
        view["refunds"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|r| r["id"] == id.as_str() && r["status"] == "succeeded")
    });
    let calls = standin.calls_to("POST", &format!("/v2/payments/captures/{capture}/refund"));
    assert_eq!(calls.len(), 3, "one, then the failed one and its retry");
    assert_eq!(
        calls[1]["headers"]["paypal-request-id"],
        calls[2]["headers"]["paypal-request-id"]
    );
    let view = edge
        .get_request(&seller.secret_key, &request.id)
        .expect(200)
        .clone();
    assert_eq!(view["amount_refunded"], "7.00");
    assert!(
        standin.violations().is_empty(),
        "{:#?}",
        standin.violations()
    );
}

#[test]
fn a_refund_paypal_answers_failed_or_cancelled_records_nothing_and_is_a_402() {
    let standin = StandIn::start();
    let edge = live_edge(&standin);
    let seller = live_seller(&edge, "USD");
    let request = paid_by_card(&edge, &seller, "20.00");
    let capture = standin.capture_id(&request);
    let refund_calls =
        || standin.calls_to("POST", &format!("/v2/payments/captures/{capture}/refund"));

    for (n, status) in ["FAILED", "CANCELLED"].into_iter().enumerate() {
        standin.control("POST", "/refunds/outcomes", Some(json!({"status": status})));
        let key = unique("idem");
        let refund = || {
            edge.call(
                "POST",
                &format!("/v1/payment_requests/{}/refunds", request.id),
            )
            .bearer(&seller.secret_key)
            .idempotency_key(&key)
            .json(&json!({"amount": "5.00", "reason": "requested_by_customer"}))
            .send()
        };
        let refused = refund();
        assert_eq!(refused.status, 402, "{status}: {refused}");
        assert_eq!(refused.code(), "refund_failed", "{status}: {refused}");
        assert_eq!(
            refund_calls().len(),
            n + 1,
            "{status}: PayPal answered: no retry"
        );
        let view = edge
            .get_request(&seller.secret_key, &request.id)
            .expect(200)
            .clone();
        assert_eq!(view["amount_refunded"], "0.00", "{status}: {view}");
        assert_eq!(
            view["refunds"].as_array().map_or(0, Vec::len),
            0,
            "{status}: {view}"
        );
        // The same key answers the same refusal, and PayPal is not asked again.
        let again = refund();
        assert_eq!(again.status, 402, "{status}: {again}");
        assert_eq!(again.header("idempotent-replayed"), Some("true"), "{again}");
        assert_eq!(refund_calls().len(), n + 1);
    }

    // Nothing went back, so the whole amount is still there to refund.
    let refund = edge.refund(
        &seller.secret_key,
        &request.id,
        None,
        "requested_by_customer",
    );
    let created = refund.expect(201).clone();
    assert_eq!(created["status"], "succeeded", "{refund}");
    assert_eq!(created["payment_request"]["amount_refunded"], "20.00");
    assert!(
        standin.violations().is_empty(),
        "{:#?}",
        standin.violations()
    );
}

#[test]
fn shipping_posts_the_tracker_and_the_payout_is_released_by_reference() {
    let standin = StandIn::start();
    let mut edge = live_edge(&standin);
    let seller = live_seller(&edge, "USD");
    let request = paid_by_card(&edge, &seller, "30.00");
    let capture = standin.capture_id(&request);
    // The tracker post fails once: the ship still stands, and the alarm posts it later.
    standin.control(
        "POST",
        "/faults",
        Some(json!({"op": "track", "mode": "server_error"})),
    );
    let shipped = edge.ship(&seller.secret_key, &request.id, "UPS", "1Z999AA10123456784");
    assert_eq!(
        shipped.expect(200)["fulfillment_status"],
        "shipped",
        "{shipped}"
    );
    let tracks = || {
        standin
            .calls_to("POST", "/v2/checkout/orders/")
            .into_iter()
            .filter(|c| c["path"].as_str().is_some_and(|p| p.ends_with("/track")))
            .collect::<Vec<_>>()
    };
    wait_or(
        "the tracker",
        || {
            tracks()
                .iter()
                .any(|c| c["status"] == 200 || c["status"] == 201)
        },
        || format!("{:#?}\n{}", tracks(), edge.log_tail(30)),
    );
    let track = standin
        .calls_to("POST", "/v2/checkout/orders/")
        .into_iter()
        .rfind(|c| c["path"].as_str().is_some_and(|p| p.ends_with("/track")))
        .unwrap();
    let body: Value = serde_json::from_str(track["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["capture_id"], capture.as_str());
    assert_eq!(body["tracking_number"], "1Z999AA10123456784");

    // Live sellers have no test clock: move the payout timer into the past in the stopped
    // edge's own storage, then wake the ledger.
    edge.stop();
    let file = ledger_file(&edge, &seller.id);
    let db = open(&file);
    db.execute("UPDATE timers SET due_at = 0 WHERE kind = 'payout'", [])
        .expect("timer");
    close(db);
    edge.restart();
    edge.get_request(&seller.secret_key, &request.id)
        .expect(200);
    wait_for("the payout", || {
        edge.get_request(&seller.secret_key, &request.id).json["payout"]["status"] == "paid_out"
    });
    let payouts = standin.calls_to("POST", "/v1/payments/referenced-payouts-items");
    assert_eq!(payouts.len(), 1, "{payouts:#?}");
    let body: Value = serde_json::from_str(payouts[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["reference_id"], capture.as_str());
    assert_eq!(body["reference_type"], "TRANSACTION_ID");
    assert!(
        standin.violations().is_empty(),
        "{:#?}",
        standin.violations()
    );
}

#[test]
fn webhooks_are_verified_and_applied_once() {
    let standin = StandIn::start();
    let edge = live_edge(&standin);
    let seller = live_seller(&edge, "USD");
    let request = edge.create_request(&seller.secret_key, "8.00", "USD");
    assert_eq!(
        edge.pay(&request, &pay_body(PENDING), None).expect(200)["status"],
        "pending"
    );
    let capture = standin.capture_id(&request);

    // PayPal settles the held capture and tells the edge.
    let settled = standin.control(
        "POST",
        &format!("/captures/{capture}/settle"),
        Some(json!({"status": "COMPLETED", "notify": webhook_url(&edge)})),
    );
    let public = edge.get_public(&request).expect(200).clone();
    assert_eq!(public["status"], "paid", "settled: {settled}");

    // The same delivery again changes nothing.
    let sent = standin.control(
        "POST",
        "/webhooks/send",
        Some(json!({"url": webhook_url(&edge), "event_type": "PAYMENT.CAPTURE.COMPLETED", "capture_id": capture})),
    );
    assert_eq!(sent["status"], 200, "{sent}");
    let again = standin.control(
        "POST",
        "/webhooks/resend",
        Some(
            json!({"url": webhook_url(&edge), "event": sent["event"], "headers": sent["headers"]}),
        ),
    );
    assert_eq!(again["status"], 200, "{again}");
    let view = edge
        .get_request(&seller.secret_key, &request.id)
        .expect(200)
        .clone();
    let paid_events = view["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "payment_request.paid")
        .count();
    assert_eq!(paid_events, 1);

    // A forged event (the body changed after signing) is refused.
    let mut forged = sent["event"].clone();
    forged["resource"]["amount"]["value"] = json!("800.00");
    let refused = standin.control(
        "POST",
        "/webhooks/resend",
        Some(json!({"url": webhook_url(&edge), "event": forged, "headers": sent["headers"]})),
    );
    assert_eq!(refused["status"], 400, "{refused}");
    // Nothing of ours: 200, ignored.
    let reply = edge
        .call("POST", "/v1/webhooks/paypal")
        .json(&json!({"id": "WH-1", "event_type": "PAYMENT.CAPTURE.COMPLETED", "resource": {"custom_id": "someone-else"}}))
        .send();
    assert_eq!(reply.status, 200, "{reply}");

    // A dispute opens a claim, which holds the payout.
    let dispute = standin.control(
        "POST",
        "/webhooks/send",
        Some(json!({"url": webhook_url(&edge), "event_type": "CUSTOMER.DISPUTE.CREATED", "capture_id": capture})),
    );
    assert_eq!(dispute["status"], 200, "{dispute}");
    let view = edge
        .get_request(&seller.secret_key, &request.id)
        .expect(200)
        .clone();
    assert_eq!(view["claim"]["status"], "open", "{view}");
}

#[test]
fn an_edge_killed_between_capture_and_record_pays_exactly_once() {
    let standin = StandIn::start();
    let mut edge = live_edge(&standin);
    let seller = live_seller(&edge, "USD");
    let request = edge.create_request(&seller.secret_key, "11.00", "USD");
    // PayPal takes 4 s to capture; the edge is killed while it waits.
    standin.control(
        "POST",
        "/faults",
        Some(json!({"op": "capture", "mode": "delay_ms:4000"})),
    );
    let key = unique("idem");
    let url = format!("{}/v1/payment_requests/{}/pay", edge.base_url(), request.id);
    let secret = request.client_secret.clone();
    let body = pay_body(VISA);
    let idem = key.clone();
    let buyer = thread::spawn(move || {
        ureq::post(&url)
            .set("authorization", &format!("Bearer {secret}"))
            .set("idempotency-key", &idem)
            .send_json(body)
            .map(|r| r.status())
            .map_err(|e| e.to_string())
    });
    wait_for("the capture call", || {
        !standin
            .calls_to("POST", "/v2/checkout/orders/")
            .iter()
            .all(|c| !c["path"].as_str().is_some_and(|p| p.ends_with("/capture")))
    });
    edge.stop();
    let _ = buyer.join();
    thread::sleep(Duration::from_secs(5)); // PayPal finishes the capture meanwhile
    assert_eq!(
        standin.captures_for(&request).len(),
        1,
        "PayPal captured once"
    );
    edge.restart();
    // The buyer's retry reconciles with PayPal's record: paid, no second capture.
    let retry = edge.pay(&request, &pay_body(VISA), Some(&key));
    assert_eq!(retry.expect(200)["status"], "paid", "{retry}");
    assert_eq!(standin.captures_for(&request).len(), 1);
    let view = edge
        .get_request(&seller.secret_key, &request.id)
        .expect(200)
        .clone();
    assert_eq!(view["status"], "paid");
    assert!(view["payment"]["id"].is_string());
}
