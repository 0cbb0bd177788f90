//! Live mode: a seller whose payments PayPal processes, against the PayPal stand-in
//! (`tests/paypal/`), through a real `wrangler dev` whose `PAYPAL_API_BASE` points at it.
//! Each test checks what the edge answered, what it sent PayPal (every POST carries a
//! `PayPal-Request-Id`; the stand-in records anything the documents do not allow), and how
//! many captures PayPal holds.

use chatpay_tests::cards::{card, pay_body, VISA};
use chatpay_tests::paypal::{live_edge, live_seller, StandIn, MERCHANT_ID};
use chatpay_tests::{shared, unique, Edge, PaymentRequest};
use serde_json::{json, Value};
use std::sync::{Mutex, MutexGuard, OnceLock};

const DECLINED: &str = "4000000000000002";
const INSUFFICIENT: &str = "4000000000009995";
const PENDING: &str = "4000000000000259";
const CHALLENGE: &str = "4000002760003184";

struct Live {
    standin: StandIn,
    edge: Edge,
}

/// One stand-in and one live-configured edge for the whole file. The tests take turns: the
/// stand-in's faults and token counts are global, so one test's fault must not hit another.
fn live() -> (MutexGuard<'static, ()>, &'static Live) {
    static TURN: Mutex<()> = Mutex::new(());
    let turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let live = shared_live();
    live.standin.control("DELETE", "/faults", None);
    (turn, live)
}

fn shared_live() -> &'static Live {
    static LIVE: OnceLock<Live> = OnceLock::new();
    LIVE.get_or_init(|| {
        let standin = StandIn::start();
        let edge = live_edge(&standin);
        Live { standin, edge }
    })
}

#[test]
fn live_mode_needs_paypals_settings_and_a_merchant_id() {
    let edge = shared();
    let reply = edge
        .call("POST", "/v1/sellers")
        .bearer(edge.admin_key())
        .json(
            &json!({"display_name": "Live", "country": "US", "default_currency": "USD",
                      "livemode": true, "paypal_merchant_id": MERCHANT_ID}),
        )
        .send();
    assert_eq!(reply.status, 400, "{reply}");
    assert_eq!(reply.code(), "live_mode_unavailable", "{reply}");

    let (_turn, l) = live();
    for (body, param) in [
        (
            json!({"display_name": "L", "country": "US", "default_currency": "USD", "livemode": true}),
            "paypal_merchant_id",
        ),
        (
            json!({"display_name": "L", "country": "US", "default_currency": "USD", "livemode": true, "paypal_merchant_id": "7DZ9A4T4S9CQO"}),
            "paypal_merchant_id",
        ),
        (
            json!({"display_name": "L", "country": "IN", "default_currency": "INR", "livemode": true, "paypal_merchant_id": MERCHANT_ID}),
            "default_currency",
        ),
    ] {
        let reply = l
            .edge
            .call("POST", "/v1/sellers")
            .bearer(l.edge.admin_key())
            .json(&body)
            .send();
        assert_eq!(reply.status, 400, "{reply}");
        assert_eq!(reply.json["error"]["param"], param, "{reply}");
    }
    let seller = live_seller(&l.edge, "USD");
    assert!(
        seller.secret_key.starts_with("sk_live_"),
        "{}",
        seller.secret_key
    );
    assert_eq!(seller.json["livemode"], true);
    assert_eq!(seller.json["paypal_merchant_id"], MERCHANT_ID);
}

#[test]
fn a_live_request_takes_only_paypals_currencies_and_amounts() {
    let (_turn, l) = live();
    let seller = live_seller(&l.edge, "USD");
    for (amount, currency, code, param) in [
        ("100", "INR", "currency_unsupported", "currency"),
        ("10.50", "HUF", "parameter_invalid", "amount"),
        ("10.50", "TWD", "parameter_invalid", "amount"),
    ] {
        let reply = l
            .edge
            .call("POST", "/v1/payment_requests")
            .bearer(&seller.secret_key)
            .json(&json!({"amount": amount, "currency": currency, "description": "x"}))
            .send();
        assert_eq!((reply.status, reply.code()), (400, code), "{reply}");
        assert_eq!(reply.json["error"]["param"], param, "{reply}");
    }
    let request = l.edge.create_request(&seller.secret_key, "10", "HUF");
    assert_eq!(request.json["amount"], "10.00");
    // PayPal's card pattern is 13 to 19 digits: a 12-digit Maestro is refused before any call.
    let mut body = pay_body("675964982643");
    body["method"]["number"] = json!("675964982643");
    let reply = l.edge.pay(&request, &body, None);
    assert_eq!(reply.status, 400, "{reply}");
    assert_eq!(reply.json["error"]["param"], "method.number", "{reply}");
}

#[test]
fn a_live_card_pays_through_one_order_with_the_seller_as_payee() {
    let (_turn, l) = live();
    let seller = live_seller(&l.edge, "USD");
    let request = l.edge.create_request(&seller.secret_key, "24.00", "USD");
    let reply = l.edge.pay(&request, &pay_body(VISA), Some(&unique("idem")));
    let paid = reply.expect(200);
    assert_eq!(paid["status"], "paid", "{reply}");
    assert_eq!(paid["payment"]["method_type"], "card");
    assert_eq!(paid["payment"]["last4"], "4242");

    let order = l.standin.order_of(&request);
    let unit = &order["purchase_units"][0];
    assert_eq!(order["intent"], "CAPTURE");
    assert_eq!(
        unit["amount"],
        json!({"currency_code": "USD", "value": "24.00"})
    );
    assert_eq!(unit["reference_id"], request.id.as_str());
    assert_eq!(unit["custom_id"], request.id.as_str());
    assert_eq!(unit["payee"]["merchant_id"], MERCHANT_ID);
    assert_eq!(unit["payment_instruction"]["disbursement_mode"], "DELAYED");
    assert!(
        order.get("payment_source").is_none(),
        "the order is created with no source"
    );
    let captures = l.standin.captures_for(&request);
    assert_eq!(captures.len(), 1, "{captures:#?}");
    assert_eq!(captures[0]["status"], "COMPLETED");
    // The seller's view names the card, never more.
    let view = l
        .edge
        .get_request(&seller.secret_key, &request.id)
        .expect(200)
        .clone();
    assert_eq!(view["payment"]["method"]["type"], "card");
    assert_eq!(view["livemode"], true);
    l.standin.assert_clean();
}

#[test]
fn a_capture_paypal_declines_is_a_402_though_the_order_completed() {
    let (_turn, l) = live();
    let seller = live_seller(&l.edge, "USD");
    for (number, decline) in [
        (DECLINED, "generic_decline"),
        (INSUFFICIENT, "insufficient_funds"),
    ] {
        let request = l.edge.create_request(&seller.secret_key, "5.00", "USD");
        let reply = l.edge.pay(&request, &pay_body(number), None);
        assert_eq!(reply.status, 402, "{reply}");
        assert_eq!(reply.json["error"]["decline_code"], decline, "{reply}");
        let public = l.edge.get_public(&request).expect(200).clone();
        assert_eq!(public["status"], "requested");
        assert!(public["payment"].is_null());
        // The buyer pays again with another card: one more order, one completed capture.
        let reply = l.edge.pay(&request, &pay_body(VISA), None);
        assert_eq!(reply.expect(200)["status"], "paid", "{reply}");
        let completed: Vec<Value> = l
            .standin
            .captures_for(&request)
            .into_iter()
            .filter(|c| c["status"] == "COMPLETED")
            .collect();
        assert_eq!(completed.len(), 1);
    }
    l.standin.assert_clean();
}

#[test]
fn a_pending_capture_holds_the_request_until_paypal_settles_it() {
    let (_turn, l) = live();
    let seller = live_seller(&l.edge, "USD");
    let request = l.edge.create_request(&seller.secret_key, "7.00", "USD");
    let reply = l.edge.pay(&request, &pay_body(PENDING), None);
    assert_eq!(reply.expect(200)["status"], "pending", "{reply}");
    let ship = l
        .edge
        .ship(&seller.secret_key, &request.id, "UPS", "1Z999AA10123456784");
    assert_eq!(ship.status, 409, "ship is refused while pending: {ship}");
    let again = l.edge.pay(&request, &pay_body(VISA), None);
    assert_eq!(again.status, 409, "{again}");
    assert_eq!(l.standin.captures_for(&request).len(), 1);
    l.standin.assert_clean();
}

#[test]
fn three_d_secure_captures_only_when_liability_shifts() {
    let (_turn, l) = live();
    let seller = live_seller(&l.edge, "EUR");
    for (shift, outcome) in [("POSSIBLE", 200), ("NO", 402)] {
        let request = l.edge.create_request(&seller.secret_key, "12.00", "EUR");
        let reply = l.edge.pay(&request, &pay_body(CHALLENGE), None);
        let public = reply.expect(200).clone();
        assert_eq!(public["status"], "requested", "{reply}");
        let action = &public["next_action"];
        assert_eq!(action["type"], "redirect", "{reply}");
        let attempt = action["attempt"].as_str().expect("attempt").to_owned();
        assert!(action["url"].as_str().unwrap().starts_with(&l.standin.url));
        // The seller sees it too.
        let view = l
            .edge
            .get_request(&seller.secret_key, &request.id)
            .expect(200)
            .clone();
        assert_eq!(view["next_action"]["attempt"], attempt.as_str());
        // The bank's challenge, as the buyer would finish it.
        let order_id = order_id_of(&l.standin, &request);
        l.standin.control(
            "POST",
            &format!("/orders/{order_id}/authenticate"),
            Some(json!({"liability_shift": shift})),
        );
        let reply = l.edge.pay(
            &request,
            &json!({"method": {"type": "card_action", "attempt": attempt}}),
            None,
        );
        assert_eq!(reply.status, outcome, "{shift}: {reply}");
        if outcome == 402 {
            assert_eq!(reply.code(), "authentication_failed", "{reply}");
            assert!(l.standin.captures_for(&request).is_empty());
        } else {
            assert_eq!(reply.json["status"], "paid");
            assert_eq!(l.standin.captures_for(&request).len(), 1);
        }
        // The attempt is spent either way.
        let again = l.edge.pay(
            &request,
            &json!({"method": {"type": "card_action", "attempt": attempt}}),
            None,
        );
        assert_ne!(again.status, 200, "{again}");
    }
    l.standin.assert_clean();
}

/// The id of the newest order the edge confirmed for `request` (from the confirm call's
/// path, checked against the stand-in's record of the order).
fn order_id_of(standin: &StandIn, request: &PaymentRequest) -> String {
    standin
        .requests()
        .into_iter()
        .rev()
        .filter_map(|c| {
            let path = c["path"].as_str()?;
            let rest = path.strip_prefix("/v2/checkout/orders/")?;
            let id = rest.strip_suffix("/confirm-payment-source")?;
            Some(id.to_owned())
        })
        .find(|id| {
            standin.control("GET", &format!("/orders/{id}"), None)["purchase_units"][0]["custom_id"]
                == request.id.as_str()
        })
        .expect("the request's order")
}

#[test]
fn jpy_goes_to_paypal_without_decimals() {
    let (_turn, l) = live();
    let seller = live_seller(&l.edge, "JPY");
    let request = l.edge.create_request(&seller.secret_key, "1200", "JPY");
    l.edge.pay(&request, &pay_body(VISA), None).expect(200);
    let order = l.standin.order_of(&request);
    assert_eq!(
        order["purchase_units"][0]["amount"],
        json!({"currency_code": "JPY", "value": "1200"})
    );
    l.standin.assert_clean();
}

#[test]
fn the_access_token_is_cached_and_refreshed_once_on_a_401() {
    let (_turn, l) = live();
    let seller = live_seller(&l.edge, "USD");
    // Warm the seller's object so its token is cached.
    let first = l.edge.create_request(&seller.secret_key, "1.00", "USD");
    l.edge.pay(&first, &pay_body(VISA), None).expect(200);
    let tokens = || l.standin.calls_to("POST", "/v1/oauth2/token").len();
    let before = tokens();
    for _ in 0..2 {
        let request = l.edge.create_request(&seller.secret_key, "1.00", "USD");
        l.edge.pay(&request, &pay_body(VISA), None).expect(200);
    }
    assert_eq!(
        tokens(),
        before,
        "the token is reused, not fetched per call"
    );
    // PayPal revokes it: the next call gets a 401, the edge fetches one new token and
    // retries that call once.
    l.standin.control("POST", "/tokens/revoke", Some(json!({})));
    let request = l.edge.create_request(&seller.secret_key, "1.00", "USD");
    l.edge.pay(&request, &pay_body(VISA), None).expect(200);
    assert_eq!(tokens(), before + 1);
    // Credentials never travel anywhere but the token call's Basic header.
    for call in l.standin.requests() {
        let text = call.to_string();
        assert!(
            !text.contains(chatpay_tests::paypal::CLIENT_SECRET)
                || call["path"] == "/v1/oauth2/token"
        );
    }
    l.standin.assert_clean();
}

#[test]
fn a_capture_whose_answer_is_lost_is_reconciled_to_one_payment() {
    let (_turn, l) = live();
    let seller = live_seller(&l.edge, "USD");
    let request = l.edge.create_request(&seller.secret_key, "9.00", "USD");
    // PayPal captures, then the connection drops before the answer.
    l.standin.control(
        "POST",
        "/faults",
        Some(json!({"op": "capture", "mode": "drop_after"})),
    );
    let key = unique("idem");
    let reply = l.edge.pay(&request, &pay_body(VISA), Some(&key));
    assert_eq!(reply.status, 502, "{reply}");
    assert_eq!(reply.code(), "processor_unavailable", "{reply}");
    assert_eq!(
        l.standin.captures_for(&request).len(),
        1,
        "PayPal did capture"
    );
    // The buyer's retry with the same key gets the reconciled answer: paid, once.
    let retry = l.edge.pay(&request, &pay_body(VISA), Some(&key));
    assert_eq!(retry.expect(200)["status"], "paid", "{retry}");
    assert_eq!(
        l.standin.captures_for(&request).len(),
        1,
        "no second capture"
    );
    let view = l
        .edge
        .get_request(&seller.secret_key, &request.id)
        .expect(200)
        .clone();
    assert_eq!(view["status"], "paid");

    // The create answer lost: nothing was confirmed, nothing charged, the request payable.
    let request = l.edge.create_request(&seller.secret_key, "9.00", "USD");
    l.standin.control(
        "POST",
        "/faults",
        Some(json!({"op": "create", "mode": "drop_before"})),
    );
    let reply = l.edge.pay(&request, &pay_body(VISA), None);
    assert_eq!(reply.status, 502, "{reply}");
    assert_eq!(
        l.edge.get_public(&request).expect(200)["status"],
        "requested"
    );
    l.edge.pay(&request, &pay_body(VISA), None).expect(200);
    assert_eq!(l.standin.captures_for(&request).len(), 1);
    let _ = card(VISA);
}

#[test]
fn nothing_the_connector_saw_is_kept_or_logged() {
    let (_turn, l) = live();
    let seller = live_seller(&l.edge, "USD");
    let marker = unique("leak-scan-marker");
    for number in [VISA, DECLINED, PENDING, CHALLENGE] {
        let request = l.edge.create_request_with(
            &seller.secret_key,
            json!({"amount": "3.00", "currency": "USD", "description": marker}),
        );
        let _ = l
            .edge
            .pay(&request, &pay_body(number), Some(&unique("idem")));
    }
    chatpay_tests::scan::assert_no_card_numbers(&l.edge, &marker);
    // Nor the live cards' numbers, PayPal's client secret, or any access token it issued.
    let mut needles: Vec<String> = [DECLINED, INSUFFICIENT, PENDING, CHALLENGE]
        .iter()
        .map(|n| n.to_string())
        .collect();
    needles.push(chatpay_tests::paypal::CLIENT_SECRET.to_owned());
    for call in l.standin.requests() {
        if let Some(token) = call["headers"]["authorization"]
            .as_str()
            .and_then(|a| a.strip_prefix("Bearer "))
        {
            if !needles.iter().any(|n| n == token) {
                needles.push(token.to_owned());
            }
        }
    }
    assert!(needles.len() > 5, "the stand-in issued tokens: {needles:?}");
    let mut files = chatpay_tests::scan::files_under(&l.edge.persist_dir());
    files.push(l.edge.log_path());
    let hits = chatpay_tests::scan::find_bytes(&files, &needles);
    assert!(
        hits.is_empty(),
        "found in the clear: {:?}",
        hits.iter()
            .map(|h| (
                &h.needle[..6.min(h.needle.len())],
                h.file.display().to_string()
            ))
            .collect::<Vec<_>>()
    );
}
