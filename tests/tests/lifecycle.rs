//! The order lifecycle through the front door (docs/API.md, "Orders after the card"):
//! every transition of status, fulfillment, refunds, payouts and claims, the timers (expiry,
//! payout, the 30-day unshipped rule) driven by the per-seller test clock, a table of illegal
//! transitions, payouts around weekends, and one alarm that really fires under wrangler dev.
//!
//! Every test that moves the clock has a seller of its own: the clock is per seller.

use std::thread;
use std::time::Duration;

use chatpay_tests::cards::{pay_body, VISA};
use chatpay_tests::checks::{assert_error, assert_public_object, Param};
use chatpay_tests::orders::{
    add_business_days, event_like, events_like, format_minor, next_midnight, text, to_minor, unix,
    weekday, DAY, WEEKDAYS,
};
use chatpay_tests::{shared, unique, Edge, PaymentRequest, Reply, SharedEdge};
use serde_json::{json, Value};

const SEVEN_DAYS: i64 = 7 * DAY;
const THIRTY_DAYS: i64 = 30 * DAY;

fn order(description: &str) -> Value {
    json!({
        "amount": "10.00",
        "currency": "USD",
        "description": description,
        "conversation_id": unique("conv-"),
    })
}

/// 409 `illegal_transition` (on pay and cancel, their v1 codes) naming the
/// current `status`, and, where another dimension is at fault, that dimension's value in
/// the message.
fn check_illegal(
    reply: &Reply,
    status: &str,
    codes: &[&str],
    in_message: Option<&str>,
) -> Result<(), String> {
    if reply.status != 409 {
        return Err(format!("status {} (expected 409)", reply.status));
    }
    if !codes.contains(&reply.code()) {
        return Err(format!(
            "code {:?} (expected one of {codes:?})",
            reply.code()
        ));
    }
    if reply.json["error"]["status"] != status {
        return Err(format!(
            "error.status is {} (expected {status:?})",
            reply.json["error"]["status"]
        ));
    }
    if let Some(word) = in_message {
        let message = reply.json["error"]["message"].as_str().unwrap_or("");
        if !message.contains(word) {
            return Err(format!("error.message {message:?} does not name {word:?}"));
        }
    }
    Ok(())
}

#[track_caller]
fn assert_event(event: &Value, actor: &str) {
    assert_eq!(event["actor"], actor, "event actor: {event}");
    assert!(
        event["id"].is_string() && event["created_at"].is_string(),
        "event lacks id or created_at: {event}"
    );
}

fn seller_with_request(edge: &SharedEdge) -> (String, PaymentRequest) {
    let seller = edge.create_seller();
    let request = edge.create_request_with(&seller.secret_key, order("Raku tea bowl"));
    (seller.secret_key, request)
}

#[test]
fn paid_order_ships_delivers_and_is_paid_out_once_due() {
    let edge = shared();
    let (key, request) = seller_with_request(&edge);
    let fresh = edge.read(&key, &request.id);
    assert_eq!(fresh["fulfillment_status"], "unfulfilled", "{fresh}");
    assert_eq!(fresh["refund_status"], "none", "{fresh}");
    assert_eq!(fresh["payout"], Value::Null, "{fresh}");
    assert_eq!(fresh["claim"], Value::Null, "{fresh}");
    assert_eq!(fresh["shipment"], Value::Null, "{fresh}");

    let paid = edge.pay(&request, &pay_body(VISA), None);
    paid.expect(200);
    let full = edge.read(&key, &request.id);
    assert_eq!(full["status"], "paid", "{full}");
    assert_eq!(full["fulfillment_status"], "unfulfilled", "{full}");
    assert_eq!(full["amount_refunded"], "0.00", "{full}");
    assert_event(event_like(&full, "paid"), "buyer");

    let shipped = edge.ship(&key, &request.id, "UPS", "1Z999AA10123456784");
    let s = shipped.expect(200);
    assert_eq!(s["id"], request.id.as_str(), "{shipped}");
    assert_eq!(s["status"], "paid", "{shipped}");
    assert_eq!(s["fulfillment_status"], "shipped", "{shipped}");
    assert_eq!(s["shipment"]["carrier"], "UPS", "{shipped}");
    assert_eq!(
        s["shipment"]["tracking_number"], "1Z999AA10123456784",
        "{shipped}"
    );
    assert_eq!(s["shipment"]["delivered_at"], Value::Null, "{shipped}");
    let shipped_at = unix(&s["shipment"]["shipped_at"], &shipped);
    assert_eq!(s["payout"]["status"], "pending", "{shipped}");
    assert_eq!(s["payout"]["paid_out_at"], Value::Null, "{shipped}");
    let due_at = unix(&s["payout"]["due_at"], &shipped);
    assert_eq!(
        due_at,
        add_business_days(shipped_at, 3),
        "payout.due_at is not 3 business days after shipped_at\n{shipped}"
    );

    // The buyer's card follows the order, and still holds nothing of the seller's.
    let public = edge.get_public(&request);
    assert_public_object(&public, &request.id, &[&request.client_secret]);
    assert_eq!(public.json["refund_status"], "none", "{public}");
    assert_eq!(public.json["claim"], Value::Null, "{public}");
    assert!(public.json["expires_at"].is_string(), "{public}");
    assert_eq!(public.json["fulfillment_status"], "shipped", "{public}");
    assert_eq!(
        public.json["shipment"]["tracking_number"], "1Z999AA10123456784",
        "{public}"
    );

    let delivered = edge.deliver(&key, &request.id);
    let d = delivered.expect(200);
    assert_eq!(d["fulfillment_status"], "delivered", "{delivered}");
    assert!(
        unix(&d["shipment"]["delivered_at"], &delivered) >= shipped_at,
        "{delivered}"
    );
    assert_eq!(d["shipment"]["carrier"], "UPS", "{delivered}");

    // Not yet due: still pending a minute before.
    let now = edge.seller_now(&key);
    edge.advance(&key, due_at - 60 - now);
    let before = edge.read(&key, &request.id);
    assert_eq!(
        before["payout"]["status"], "pending",
        "a minute before due_at\n{before}"
    );

    let after_due = edge.advance(&key, 120);
    let after = edge.read(&key, &request.id);
    assert_eq!(
        after["payout"]["status"], "paid_out",
        "a minute after due_at\n{after}"
    );
    let paid_out_at = unix(&after["payout"]["paid_out_at"], &after);
    assert!(
        (due_at..=after_due).contains(&paid_out_at),
        "paid_out_at {paid_out_at} outside [due_at {due_at}, now {after_due}]\n{after}"
    );
    assert_eq!(after["status"], "paid", "{after}");
    assert_event(event_like(&after, "shipped"), "seller");
    assert_event(event_like(&after, "delivered"), "seller");
    let payout = event_like(&after, "paid_out");
    assert_event(payout, "system");
    assert_eq!(
        payout["data"]["via"], "advance_clock",
        "payout event: {payout}"
    );
}

#[test]
fn buyer_declines_with_the_client_secret() {
    let edge = shared();
    let (key, request) = seller_with_request(&edge);
    let declined = edge.decline(&request);
    let d = declined.expect(200);
    assert_eq!(d["status"], "declined", "{declined}");
    assert!(
        d.get("client_secret").is_none(),
        "the public object holds the secret\n{declined}"
    );
    let full = edge.read(&key, &request.id);
    assert_eq!(full["status"], "declined", "{full}");
    unix(&full["declined_at"], &full);
    assert_event(event_like(&full, "declined"), "buyer");
    let public = edge.get_public(&request);
    assert_eq!(public.json["status"], "declined", "{public}");

    // The seller key is not the buyer's credential.
    let by_seller = edge
        .call(
            "POST",
            &format!("/v1/payment_requests/{}/decline", request.id),
        )
        .bearer(&key)
        .send();
    assert!(
        matches!(by_seller.status, 401 | 403),
        "decline with the seller key\n{by_seller}"
    );
}

#[test]
fn seller_cancel_is_recorded_with_the_seller_as_actor() {
    let edge = shared();
    let (key, request) = seller_with_request(&edge);
    edge.cancel(&key, &request.id).expect(200);
    let full = edge.read(&key, &request.id);
    assert_eq!(full["status"], "canceled", "{full}");
    assert_event(event_like(&full, "canceled"), "seller");
}

/// The request expires once `expires_at` passes: on read, in the public view and in the
/// listing, recorded by the system.
#[track_caller]
fn assert_expired(edge: &Edge, key: &str, request: &PaymentRequest, conversation: &str) {
    let full = edge.read(key, &request.id);
    assert_eq!(full["status"], "expired", "{full}");
    let event = event_like(&full, "expired");
    assert_event(event, "system");
    assert!(
        matches!(
            event["data"]["via"].as_str(),
            Some("alarm" | "read" | "advance_clock")
        ),
        "expiry event's data.via: {event}"
    );
    let public = edge.get_public(request);
    assert_eq!(public.json["status"], "expired", "{public}");
    let listed = edge.list_requests(
        key,
        &format!("conversation_id={conversation}&status=expired"),
    );
    let ids: Vec<&str> = listed.expect(200)["data"]
        .as_array()
        .map(|d| d.iter().filter_map(|r| r["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        ids,
        vec![request.id.as_str()],
        "listing of expired\n{listed}"
    );
}

#[test]
fn requests_expire_after_seven_days_by_default() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key;
    let conversation = unique("conv-");
    let request = edge.create_request_with(
        &key,
        json!({"amount": "4.00", "currency": "USD", "description": "Coaster",
               "conversation_id": conversation}),
    );
    let created = unix(&request.json["created_at"], &request.json);
    let expires_at = unix(&request.json["expires_at"], &request.json);
    assert_eq!(
        expires_at - created,
        SEVEN_DAYS,
        "default expiry\n{}",
        request.json
    );

    let now = edge.seller_now(&key);
    edge.advance(&key, expires_at - 60 - now);
    let before = edge.read(&key, &request.id);
    assert_eq!(
        before["status"], "requested",
        "a minute before expires_at\n{before}"
    );
    edge.advance(&key, 120);
    assert_expired(&edge, &key, &request, &conversation);
}

#[test]
fn expires_in_sets_the_expiry_per_request() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key;
    let conversation = unique("conv-");
    let body = |expires_in: Option<i64>| {
        let mut b = json!({"amount": "4.00", "currency": "USD", "description": "Coaster",
                           "conversation_id": conversation});
        if let Some(s) = expires_in {
            b["expires_in"] = json!(s);
        }
        b
    };
    let short = edge.create_request_with(&key, body(Some(3600)));
    let default = edge.create_request_with(&key, body(None));
    let created = unix(&short.json["created_at"], &short.json);
    assert_eq!(
        unix(&short.json["expires_at"], &short.json) - created,
        3600,
        "expires_in 3600\n{}",
        short.json
    );
    for bad in [json!(0), json!(2_592_001), json!("60")] {
        let mut b = body(None);
        b["expires_in"] = bad;
        let reply = edge
            .call("POST", "/v1/payment_requests")
            .bearer(&key)
            .json(&b)
            .send();
        assert_eq!(reply.status, 400, "{reply}");
    }

    edge.advance(&key, 3500);
    assert_eq!(edge.read(&key, &short.id)["status"], "requested");
    edge.advance(&key, 200);
    assert_expired(&edge, &key, &short, &conversation);
    let other = edge.read(&key, &default.id);
    assert_eq!(other["status"], "requested", "the 7-day request\n{other}");
}

#[test]
fn partial_and_full_refunds_are_exact_in_minor_units() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key;
    // (currency, amount, a partial refund, the rest)
    for (currency, amount, part, rest) in [
        ("USD", "10.00", "3.33", "6.67"),
        ("JPY", "1000", "333", "667"),
        ("KWD", "1.250", "0.001", "1.249"),
    ] {
        let request = edge.create_paid(
            &key,
            json!({"amount": amount, "currency": currency, "description": "Refund test"}),
        );
        let first = edge.refund(&key, &request.id, Some(part), "requested_by_customer");
        let r = first.expect(201);
        assert!(
            text(&r["id"], "refund id", &first).starts_with("re_"),
            "{first}"
        );
        assert_eq!(r["object"], "refund", "{first}");
        assert_eq!(r["amount"], part, "{first}");
        assert_eq!(r["currency"], currency, "{first}");
        assert_eq!(r["reason"], "requested_by_customer", "{first}");
        let pr = &r["payment_request"];
        assert_eq!(pr["refund_status"], "partial", "{first}");
        assert_eq!(pr["amount_refunded"], part, "{first}");
        assert_eq!(pr["status"], "paid", "{first}");

        // Over the rest: refused, nothing changed.
        let before = edge.read(&key, &request.id);
        let exp = chatpay_tests::orders::exponent(currency);
        let over = format_minor(to_minor(rest, exp).unwrap() + 1, exp);
        let too_much = edge.refund(&key, &request.id, Some(&over), "other");
        if let Err(why) = check_illegal(&too_much, "paid", &["illegal_transition"], None) {
            panic!("refund of {over} {currency} over the rest {rest}: {why}\n{too_much}");
        }
        assert_eq!(
            edge.read(&key, &request.id),
            before,
            "a refused refund changed the request"
        );

        // No amount: the rest.
        let second = edge.refund(&key, &request.id, None, "other");
        let r2 = second.expect(201);
        assert_eq!(r2["amount"], rest, "{second}");
        let full = edge.read(&key, &request.id);
        assert_eq!(full["refund_status"], "full", "{full}");
        assert_eq!(full["amount_refunded"], amount, "{full}");
        assert_eq!(full["status"], "paid", "{full}");
        let refunds = full["refunds"].as_array().cloned().unwrap_or_default();
        // The contract does not order `refunds`; compare them as a set.
        let mut amounts: Vec<&str> = refunds
            .iter()
            .filter_map(|r| r["amount"].as_str())
            .collect();
        amounts.sort_unstable();
        let mut want = vec![part, rest];
        want.sort_unstable();
        assert_eq!(amounts, want, "refunds\n{full}");
        for refund in &refunds {
            assert_eq!(refund["actor"], "seller", "{refund}");
        }
        assert_eq!(
            events_like(&full, "refund").len(),
            2,
            "refund events\n{full}"
        );

        // Fully refunded: nothing more, not even the smallest unit.
        let smallest = format_minor(1, exp);
        let again = edge.refund(&key, &request.id, Some(&smallest), "other");
        if let Err(why) = check_illegal(&again, "paid", &["illegal_transition"], None) {
            panic!("refund after a full refund: {why}\n{again}");
        }
    }
}

#[test]
fn refund_amounts_must_fit_the_currency() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key;
    let jpy = edge.create_paid(
        &key,
        json!({"amount": "1000", "currency": "JPY", "description": "Yen"}),
    );
    let usd = edge.create_paid(
        &key,
        json!({"amount": "10.00", "currency": "USD", "description": "Dollars"}),
    );
    for (request, amount) in [(&jpy, "1.5"), (&usd, "0.001"), (&usd, "0"), (&usd, "-1.00")] {
        let before = edge.read(&key, &request.id);
        let reply = edge.refund(&key, &request.id, Some(amount), "other");
        assert_eq!(reply.status, 400, "refund {amount}\n{reply}");
        assert_eq!(reply.json["error"]["param"], "amount", "{reply}");
        assert_eq!(
            edge.read(&key, &request.id),
            before,
            "a refused refund changed the request"
        );
    }
    let bad_reason = edge.refund(&key, &usd.id, Some("1.00"), "because");
    assert_eq!(bad_reason.status, 400, "{bad_reason}");
}

/// Pays, ships and opens a claim; returns the request and the claim id.
fn shipped_with_claim(edge: &Edge, key: &str, reason: &str) -> (PaymentRequest, String) {
    let request = edge.create_paid(key, order("Claimed vase"));
    edge.ship(key, &request.id, "DHL", "JD014600006123456789")
        .expect(200);
    let opened = edge.open_claim(&request, reason);
    let c = opened.expect(201);
    let claim_id = text(&c["id"], "claim id", &opened).to_owned();
    assert!(claim_id.starts_with("clm_"), "{opened}");
    assert_eq!(c["object"], "claim", "{opened}");
    assert_eq!(c["request_id"], request.id.as_str(), "{opened}");
    assert_eq!(c["reason"], reason, "{opened}");
    assert_eq!(c["status"], "open", "{opened}");
    unix(&c["opened_at"], &opened);
    (request, claim_id)
}

#[test]
fn claim_holds_the_payout_and_a_refund_resolution_refunds_the_rest() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key;
    let (request, claim_id) = shipped_with_claim(&edge, &key, "damaged");
    let held = edge.read(&key, &request.id);
    assert_eq!(held["payout"]["status"], "held", "{held}");
    assert_eq!(held["claim"]["status"], "open", "{held}");
    assert_eq!(held["claim"]["id"], claim_id.as_str(), "{held}");
    assert_event(event_like(&held, "claim"), "buyer");
    let public = edge.get_public(&request);
    assert_eq!(public.json["claim"]["status"], "open", "{public}");

    // A partial refund while the claim is open; the resolution refunds the rest.
    edge.refund(&key, &request.id, Some("2.00"), "requested_by_customer")
        .expect(201);

    let responded = edge.respond_claim(&key, &claim_id);
    let r = responded.expect(200);
    assert_eq!(r["status"], "seller_responded", "{responded}");
    assert!(r["response"].is_string(), "{responded}");
    unix(&r["responded_at"], &responded);

    // Held stays held past the due date.
    let due_at = unix(&held["payout"]["due_at"], &held);
    let now = edge.seller_now(&key);
    edge.advance(&key, due_at + 3600 - now);
    let still = edge.read(&key, &request.id);
    assert_eq!(
        still["payout"]["status"], "held",
        "past due_at with the claim open\n{still}"
    );

    let resolved = edge.resolve_claim(&key, &claim_id, "refund");
    let c = resolved.expect(200);
    assert_eq!(c["status"], "resolved_refund", "{resolved}");
    assert_eq!(c["outcome"], "refund", "{resolved}");
    unix(&c["resolved_at"], &resolved);
    let full = edge.read(&key, &request.id);
    assert_eq!(full["claim"]["status"], "resolved_refund", "{full}");
    assert_eq!(full["refund_status"], "full", "{full}");
    assert_eq!(full["amount_refunded"], "10.00", "{full}");
    let mut amounts: Vec<&str> = full["refunds"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["amount"].as_str()).collect())
        .unwrap_or_default();
    amounts.sort_unstable();
    assert_eq!(amounts, vec!["2.00", "8.00"], "refunds\n{full}");
    assert_ne!(
        full["payout"]["status"], "held",
        "the claim is closed\n{full}"
    );
}

#[test]
fn rejected_claim_releases_the_payout() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key;
    let (request, claim_id) = shipped_with_claim(&edge, &key, "item_not_received");
    let held = edge.read(&key, &request.id);
    assert_eq!(held["payout"]["status"], "held", "{held}");
    let due_at = unix(&held["payout"]["due_at"], &held);

    // The platform's decision, with the admin key.
    let resolved = edge.resolve_claim(edge.admin_key(), &claim_id, "reject");
    let c = resolved.expect(200);
    assert_eq!(c["status"], "rejected", "{resolved}");
    assert_eq!(c["outcome"], "reject", "{resolved}");
    let released = edge.read(&key, &request.id);
    assert_eq!(released["payout"]["status"], "pending", "{released}");
    assert_eq!(released["refund_status"], "none", "{released}");
    assert_eq!(released["claim"]["status"], "rejected", "{released}");

    let now = edge.seller_now(&key);
    edge.advance(&key, due_at + 60 - now);
    let paid_out = edge.read(&key, &request.id);
    assert_eq!(paid_out["payout"]["status"], "paid_out", "{paid_out}");
}

#[test]
fn claims_open_only_within_thirty_days_of_payment() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key;
    let early = edge.create_paid(&key, order("Early claim"));
    let late = edge.create_paid(&key, order("Late claim"));
    let paid_at = unix(&late.json["payment"]["paid_at"], &late.json);
    // Shipped, so the unshipped rule leaves them alone.
    for r in [&early, &late] {
        edge.ship(&key, &r.id, "USPS", "9400100000000000000000")
            .expect(200);
    }
    edge.advance(&key, 29 * DAY);
    edge.open_claim(&early, "not_as_described").expect(201);

    let now = edge.seller_now(&key);
    edge.advance(&key, paid_at + THIRTY_DAYS + 60 - now);
    let before = edge.read(&key, &late.id);
    let refused = edge.open_claim(&late, "not_as_described");
    if let Err(why) = check_illegal(&refused, "paid", &["illegal_transition"], None) {
        panic!("claim 30 days after payment: {why}\n{refused}");
    }
    assert_eq!(
        edge.read(&key, &late.id),
        before,
        "a refused claim changed the request"
    );
}

#[test]
fn unshipped_orders_are_canceled_and_refunded_after_thirty_days() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key;
    let unshipped = edge.create_paid(
        &key,
        json!({"amount": "1.250", "currency": "KWD", "description": "Never shipped"}),
    );
    let shipped = edge.create_paid(&key, order("Shipped in time"));
    edge.ship(&key, &shipped.id, "UPS", "1Z0000000000000001")
        .expect(200);
    let paid_at = unix(&unshipped.json["payment"]["paid_at"], &unshipped.json);

    let now = edge.seller_now(&key);
    edge.advance(&key, paid_at + THIRTY_DAYS - 60 - now);
    let before = edge.read(&key, &unshipped.id);
    assert_eq!(
        before["status"], "paid",
        "a minute before 30 days\n{before}"
    );

    edge.advance(&key, 120);
    let after = edge.read(&key, &unshipped.id);
    assert_eq!(after["status"], "canceled", "30 days unshipped\n{after}");
    unix(&after["canceled_at"], &after);
    assert_eq!(after["refund_status"], "full", "{after}");
    assert_eq!(after["amount_refunded"], "1.250", "{after}");
    assert_eq!(after["fulfillment_status"], "unfulfilled", "{after}");
    let refunds = after["refunds"].as_array().cloned().unwrap_or_default();
    assert_eq!(refunds.len(), 1, "{after}");
    assert_eq!(refunds[0]["amount"], "1.250", "{after}");
    assert_eq!(refunds[0]["actor"], "system", "{after}");
    let cancel = event_like(&after, "canceled");
    assert_event(cancel, "system");
    assert_eq!(cancel["data"]["via"], "advance_clock", "{cancel}");
    assert!(
        events_like(&after, "refund")
            .iter()
            .all(|e| e["actor"] == "system"),
        "refund events\n{after}"
    );

    // Canceled by the system: nothing more to ship or refund.
    for (what, reply) in [
        (
            "ship",
            edge.ship(&key, &unshipped.id, "UPS", "1Z0000000000000010"),
        ),
        (
            "refund",
            edge.refund(&key, &unshipped.id, Some("0.001"), "other"),
        ),
    ] {
        if let Err(why) = check_illegal(&reply, "canceled", &["illegal_transition"], None) {
            panic!("{what} after the unshipped rule: {why}\n{reply}");
        }
    }
    assert_eq!(
        edge.read(&key, &unshipped.id),
        after,
        "a refused call changed the request"
    );

    let other = edge.read(&key, &shipped.id);
    assert_eq!(other["status"], "paid", "the shipped order\n{other}");
    assert_eq!(other["refund_status"], "none", "the shipped order\n{other}");
}

#[test]
fn illegal_transitions_answer_409_and_change_nothing() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key.as_str();
    let new = |d: &str| edge.create_request_with(key, order(d));

    let requested = new("Still requested");
    let paid = edge.create_paid(key, order("Paid, unshipped"));
    let partly = edge.create_paid(key, order("Partly refunded"));
    edge.refund(key, &partly.id, Some("4.00"), "other")
        .expect(201);
    let declined = new("Declined");
    edge.decline(&declined).expect(200);
    let canceled = new("Canceled");
    edge.cancel(key, &canceled.id).expect(200);
    let claimed = edge.create_paid(key, order("Claimed twice"));
    edge.open_claim(&claimed, "damaged").expect(201);
    let resolved = edge.create_paid(key, order("Claim resolved"));
    let resolved_claim = edge.open_claim(&resolved, "damaged");
    let resolved_id = text(
        &resolved_claim.expect(201)["id"],
        "claim id",
        &resolved_claim,
    )
    .to_owned();
    edge.resolve_claim(key, &resolved_id, "reject").expect(200);
    let expiring = edge.create_request_with(
        key,
        json!({"amount": "10.00", "currency": "USD", "description": "Expired", "expires_in": 60}),
    );
    edge.advance(key, 120);
    assert_eq!(edge.read(key, &expiring.id)["status"], "expired");

    let pay = |r: &PaymentRequest| edge.pay(r, &pay_body(VISA), None);
    let ship = |id: &str| edge.ship(key, id, "UPS", "1Z0000000000000002");
    const ILLEGAL: &[&str] = &["illegal_transition"];
    // pay and cancel keep their v1 codes.
    const NOT_PAYABLE: &[&str] = &["request_not_payable"];
    const NOT_CANCELABLE: &[&str] = &["request_not_cancelable"];

    // (what, the request whose state must not change, the call, codes, status in the error,
    // a word the message must name)
    type Case<'a> = (
        &'a str,
        &'a PaymentRequest,
        Box<dyn Fn() -> Reply + 'a>,
        &'a [&'a str],
        &'a str,
        Option<&'a str>,
    );
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        ("ship before paid", &requested, Box::new(|| ship(&requested.id)), ILLEGAL, "requested", None),
        ("deliver before paid", &requested, Box::new(|| edge.deliver(key, &requested.id)), ILLEGAL, "requested", None),
        ("refund before paid", &requested, Box::new(|| edge.refund(key, &requested.id, None, "other")), ILLEGAL, "requested", None),
        ("claim on an unpaid request", &requested, Box::new(|| edge.open_claim(&requested, "damaged")), ILLEGAL, "requested", None),
        ("deliver before ship", &paid, Box::new(|| edge.deliver(key, &paid.id)), ILLEGAL, "paid", Some("unfulfilled")),
        ("decline after pay", &paid, Box::new(|| edge.decline(&paid)), ILLEGAL, "paid", None),
        ("cancel after pay", &paid, Box::new(|| edge.cancel(key, &paid.id)), NOT_CANCELABLE, "paid", None),
        ("refund over the rest", &partly, Box::new(|| edge.refund(key, &partly.id, Some("6.01"), "other")), ILLEGAL, "paid", None),
        ("cancel after decline", &declined, Box::new(|| edge.cancel(key, &declined.id)), NOT_CANCELABLE, "declined", None),
        ("pay after decline", &declined, Box::new(|| pay(&declined)), NOT_PAYABLE, "declined", None),
        ("decline twice", &declined, Box::new(|| edge.decline(&declined)), ILLEGAL, "declined", None),
        ("decline after cancel", &canceled, Box::new(|| edge.decline(&canceled)), ILLEGAL, "canceled", None),
        ("ship after cancel", &canceled, Box::new(|| ship(&canceled.id)), ILLEGAL, "canceled", None),
        ("pay after expire", &expiring, Box::new(|| pay(&expiring)), NOT_PAYABLE, "expired", None),
        ("cancel after expire", &expiring, Box::new(|| edge.cancel(key, &expiring.id)), NOT_CANCELABLE, "expired", None),
        ("decline after expire", &expiring, Box::new(|| edge.decline(&expiring)), ILLEGAL, "expired", None),
        ("claim twice", &claimed, Box::new(|| edge.open_claim(&claimed, "damaged")), ILLEGAL, "paid", Some("open")),
        ("respond to a resolved claim", &resolved, Box::new(|| edge.respond_claim(key, &resolved_id)), ILLEGAL, "paid", Some("rejected")),
        ("resolve twice", &resolved, Box::new(|| edge.resolve_claim(key, &resolved_id, "refund")), ILLEGAL, "paid", Some("rejected")),
    ];

    let mut failures = Vec::new();
    for (what, request, call, codes, status, word) in &cases {
        let before = edge.read(key, &request.id);
        let reply = call();
        if let Err(why) = check_illegal(&reply, status, codes, *word) {
            failures.push(format!("{what}: {why}\n{reply}"));
        }
        let after = edge.read(key, &request.id);
        if after != before {
            failures.push(format!(
                "{what}: the request changed\n  before: {before}\n  after:  {after}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn payouts_fall_due_three_business_days_after_shipping_skipping_weekends() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key;

    // Start at the next Monday, 10:00 UTC, then ship once on each day of the week.
    let now = edge.seller_now(&key);
    let mut midnight = next_midnight(now);
    while weekday(midnight) != 0 {
        midnight += DAY;
    }
    let mut shipped = Vec::new();
    for day in 0..7 {
        let at = midnight + day * DAY + 10 * 3600;
        edge.advance_to(&key, at);
        let request = edge.create_paid(
            &key,
            order(&format!("Shipped on {}", WEEKDAYS[day as usize])),
        );
        let reply = edge.ship(&key, &request.id, "UPS", "1Z0000000000000003");
        let body = reply.expect(200);
        let shipped_at = unix(&body["shipment"]["shipped_at"], &reply);
        let due_at = unix(&body["payout"]["due_at"], &reply);
        let expected = add_business_days(shipped_at, 3);
        assert_eq!(
            due_at,
            expected,
            "shipped {} {}: due_at {} ({}), expected {} ({})\n{reply}",
            WEEKDAYS[weekday(shipped_at) as usize],
            chatpay_tests::orders::rfc3339(shipped_at),
            chatpay_tests::orders::rfc3339(due_at),
            WEEKDAYS[weekday(due_at) as usize],
            chatpay_tests::orders::rfc3339(expected),
            WEEKDAYS[weekday(expected) as usize],
        );
        assert!(weekday(due_at) < 5, "due on a weekend\n{reply}");
        shipped.push((request.id, due_at));
    }

    let last_due = shipped
        .iter()
        .map(|(_, due)| *due)
        .max()
        .unwrap_or_default();
    edge.advance_to(&key, last_due + 60);
    for (id, due_at) in &shipped {
        let full = edge.read(&key, id);
        assert_eq!(full["payout"]["status"], "paid_out", "{full}");
        let paid_out_at = unix(&full["payout"]["paid_out_at"], &full);
        assert!(paid_out_at >= *due_at, "paid out before due\n{full}");
    }
}

#[test]
fn an_alarm_really_fires_under_wrangler_dev() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key;
    let request = edge.create_request_with(
        &key,
        json!({"amount": "3.00", "currency": "USD", "description": "Alarm", "expires_in": 2}),
    );
    // No read of the request before the alarm is due: a read would expire it itself. This
    // sleep is the only one in the suite, the contract being that a real alarm fires.
    thread::sleep(Duration::from_secs(6));
    let full = edge.read(&key, &request.id);
    assert_eq!(full["status"], "expired", "{full}");
    let event = event_like(&full, "expired");
    assert_event(event, "system");
    assert_eq!(
        event["data"]["via"], "alarm",
        "6 s after a 2 s expiry, the expiry should have run from the alarm\n{event}"
    );
}

#[test]
fn advance_clock_takes_one_second_to_one_year_and_only_a_seller_key() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key.as_str();
    for seconds in [
        json!(0),
        json!(31_536_001),
        json!(-5),
        json!("60"),
        json!(1.5),
    ] {
        let reply = edge
            .call("POST", "/v1/test_helpers/advance_clock")
            .bearer(key)
            .json(&json!({ "seconds": seconds }))
            .send();
        assert_eq!(reply.status, 400, "seconds {seconds}\n{reply}");
        assert_eq!(reply.json["error"]["param"], "seconds", "{reply}");
    }
    let request = edge.create_request_with(key, order("Clock"));
    let no_key = edge
        .call("POST", "/v1/test_helpers/advance_clock")
        .json(&json!({"seconds": 60}))
        .send();
    assert_error(&no_key, 401, "authentication_required", Param::Null);
    let client_secret = edge
        .call("POST", "/v1/test_helpers/advance_clock")
        .bearer(&request.client_secret)
        .json(&json!({"seconds": 60}))
        .send();
    assert!(matches!(client_secret.status, 401 | 403), "{client_secret}");

    let before = edge.seller_now(key);
    let reply = edge.advance_clock(key, 31_536_000);
    let body = reply.expect(200);
    assert_eq!(body["advanced_by"], 31_536_000, "{reply}");
    let now = unix(&body["now"], &reply);
    assert!(
        now - before >= 31_536_000,
        "the clock moved {} s\n{reply}",
        now - before
    );
    // The request's expiry fell due in that year: at least one timer ran, from the helper.
    let ran = body["timers_run"]
        .as_u64()
        .or_else(|| body["timers_run"].as_array().map(|a| a.len() as u64));
    assert!(ran.is_some_and(|n| n >= 1), "timers_run\n{reply}");
    let expired = edge.read(key, &request.id);
    assert_eq!(expired["status"], "expired", "{expired}");
    let event = event_like(&expired, "expired");
    assert_eq!(event["data"]["via"], "advance_clock", "{event}");
}

#[test]
fn a_refund_after_payout_is_deducted_from_the_next_payout_in_that_currency() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key.as_str();
    let first = edge.create_paid(key, order("Paid out, then refunded"));
    let ship = |r: &PaymentRequest| {
        let reply = edge.ship(key, &r.id, "UPS", "1Z0000000000000009");
        unix(&reply.expect(200)["payout"]["due_at"], &reply)
    };
    let first_due = ship(&first);
    edge.advance_to(key, first_due + 60);
    let paid_out = edge.read(key, &first.id);
    assert_eq!(paid_out["payout"]["status"], "paid_out", "{paid_out}");
    assert_eq!(paid_out["payout"]["amount"], "10.00", "{paid_out}");

    let refund = edge.refund(key, &first.id, Some("3.00"), "requested_by_customer");
    refund.expect(201);
    let refunded = edge.read(key, &first.id);
    assert_eq!(refunded["payout"]["status"], "paid_out", "{refunded}");
    assert_eq!(refunded["refund_status"], "partial", "{refunded}");

    // The next USD payout carries the 3.00 owed; a JPY payout owes nothing.
    let usd = edge.create_paid(
        key,
        json!({"amount": "20.00", "currency": "USD", "description": "Next payout"}),
    );
    let jpy = edge.create_paid(
        key,
        json!({"amount": "2000", "currency": "JPY", "description": "Other currency"}),
    );
    let due = ship(&usd).max(ship(&jpy));
    edge.advance_to(key, due + 60);
    for (request, amount, deducted) in [(&usd, "17.00", "3.00"), (&jpy, "2000", "0")] {
        let full = edge.read(key, &request.id);
        assert_eq!(full["payout"]["status"], "paid_out", "{full}");
        assert_eq!(full["payout"]["amount"], amount, "payout.amount\n{full}");
        let event = event_like(&full, "paid_out");
        assert_event(event, "system");
        assert_eq!(event["data"]["deducted"], deducted, "deducted\n{event}");
        assert_eq!(event["data"]["amount"], amount, "paid out\n{event}");
    }
}

#[test]
fn collect_shipping_requires_a_checked_address_at_pay() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key.as_str();
    let mut body = order("Shipped mug");
    body["collect_shipping"] = json!(true);
    let request = edge.create_request_with(key, body);
    assert_eq!(request.json["collect_shipping"], true, "{}", request.json);
    let public = edge.get_public(&request);
    assert_eq!(public.json["collect_shipping"], true, "{public}");

    let address = json!({"name": "Ada Buyer", "line1": "1 Market St", "city": "San Francisco",
                         "postal_code": "94107", "state": "CA", "country": "US"});
    let with = |changes: &[(&str, Value)]| {
        let mut a = address.clone();
        for (field, value) in changes {
            if value.is_null() {
                a.as_object_mut().map(|o| o.remove(*field));
            } else {
                a[*field] = value.clone();
            }
        }
        let mut pay = pay_body(VISA);
        pay["shipping"] = a;
        pay
    };
    #[rustfmt::skip]
    let refused: Vec<(&str, Value, &str)> = vec![
        ("no shipping", pay_body(VISA), "shipping"),
        ("US without state", with(&[("state", Value::Null)]), "shipping.state"),
        ("US postal code of letters", with(&[("postal_code", json!("ABCDE"))]), "shipping.postal_code"),
        ("CA postal code of digits", with(&[("country", json!("CA")), ("postal_code", json!("12345")), ("state", json!("ON"))]), "shipping.postal_code"),
        ("JP postal code without dash", with(&[("country", json!("JP")), ("postal_code", json!("1000001")), ("state", Value::Null)]), "shipping.postal_code"),
        ("AU without state", with(&[("country", json!("AU")), ("postal_code", json!("2000")), ("state", Value::Null)]), "shipping.state"),
        ("country not alpha-2", with(&[("country", json!("USA"))]), "shipping.country"),
        ("no line1", with(&[("line1", Value::Null)]), "shipping.line1"),
    ];
    let mut failures = Vec::new();
    for (what, pay, param) in &refused {
        let reply = edge.pay(&request, pay, None);
        if reply.status != 400 || reply.json["error"]["param"] != *param {
            failures.push(format!(
                "{what}: expected 400 with param {param:?}\n{reply}"
            ));
        }
    }
    let unpaid = edge.read(key, &request.id);
    assert_eq!(unpaid["status"], "requested", "{unpaid}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));

    let mut ok = with(&[("line2", json!("Suite 5"))]);
    ok["receipt_email"] = json!("ada@example.com");
    let paid = edge.pay(&request, &ok, None);
    paid.expect(200);
    let full = edge.read(key, &request.id);
    assert_eq!(full["status"], "paid", "{full}");
    for field in [
        "name",
        "line1",
        "line2",
        "city",
        "postal_code",
        "state",
        "country",
    ] {
        assert_eq!(
            full["shipping"][field], ok["shipping"][field],
            "shipping.{field}\n{full}"
        );
    }
    assert_eq!(
        full["payment"]["receipt_email"], "ada@example.com",
        "{full}"
    );
}

#[test]
fn a_refund_retried_with_its_idempotency_key_refunds_once() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key.as_str();
    let request = edge.create_paid(key, order("Retried refund"));
    let path = format!("/v1/payment_requests/{}/refunds", request.id);
    let refund = |body: Value| {
        edge.call("POST", &path)
            .bearer(key)
            .idempotency_key("refund-once")
            .json(&body)
            .send()
    };
    let body = json!({"amount": "1.00", "reason": "duplicate"});
    let first = refund(body.clone());
    first.expect(201);
    let again = refund(body);
    again.expect(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"), "{again}");
    assert_eq!(again.json["id"], first.json["id"], "{again}");
    let other = refund(json!({"amount": "2.00", "reason": "duplicate"}));
    assert_error(&other, 422, "idempotency_key_reused", Param::Null);
    let full = edge.read(key, &request.id);
    assert_eq!(full["amount_refunded"], "1.00", "{full}");
    assert_eq!(full["refunds"].as_array().map(Vec::len), Some(1), "{full}");
}

#[test]
fn concurrent_refunds_never_exceed_what_was_paid() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key.as_str();
    let request = edge.create_paid(key, order("Raced refunds"));
    let barrier = std::sync::Barrier::new(20);
    let replies: Vec<Reply> = thread::scope(|s| {
        let handles: Vec<_> = (0..20)
            .map(|_| {
                let (barrier, edge, id) = (&barrier, &edge, &request.id);
                s.spawn(move || {
                    barrier.wait();
                    edge.refund(key, id, Some("1.00"), "other")
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("racer"))
            .collect()
    });
    let created = replies.iter().filter(|r| r.status == 201).count();
    for r in replies.iter().filter(|r| r.status != 201) {
        if let Err(why) = check_illegal(r, "paid", &["illegal_transition"], None) {
            panic!("a refused racer: {why}\n{r}");
        }
    }
    assert_eq!(created, 10, "10.00 paid, 20 racing refunds of 1.00");
    let full = edge.read(key, &request.id);
    assert_eq!(full["amount_refunded"], "10.00", "{full}");
    assert_eq!(full["refund_status"], "full", "{full}");
    assert_eq!(full["refunds"].as_array().map(Vec::len), Some(10), "{full}");
}

#[test]
fn timers_respect_what_happened_since_they_were_set() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key.as_str();
    let expiring = |d: &str| {
        let mut body = order(d);
        body["expires_in"] = json!(600);
        edge.create_request_with(key, body)
    };
    // Each has an expiry timer 10 minutes out, and moves before it falls due.
    let paid = expiring("Paid before expiry");
    edge.pay(&paid, &pay_body(VISA), None).expect(200);
    let canceled = expiring("Canceled before expiry");
    edge.cancel(key, &canceled.id).expect(200);
    let declined = expiring("Declined before expiry");
    edge.decline(&declined).expect(200);
    // Paid and unshipped, with refunds before the 30-day rule comes.
    let refunded = edge.create_paid(key, order("Fully refunded, unshipped"));
    edge.refund(key, &refunded.id, None, "requested_by_customer")
        .expect(201);
    let partly = edge.create_paid(key, order("Partly refunded, unshipped"));
    edge.refund(key, &partly.id, Some("4.00"), "requested_by_customer")
        .expect(201);
    let before: Vec<Value> = [&canceled, &declined]
        .iter()
        .map(|r| edge.read(key, &r.id))
        .collect();

    edge.advance(key, 1200);
    let still_paid = edge.read(key, &paid.id);
    assert_eq!(still_paid["status"], "paid", "{still_paid}");
    assert!(
        events_like(&still_paid, "expired").is_empty(),
        "{still_paid}"
    );
    for (request, was) in [&canceled, &declined].iter().zip(&before) {
        let now = edge.read(key, &request.id);
        assert_eq!(
            &now, was,
            "an expiry timer changed a request that had moved on"
        );
    }

    // One jump past 30 days: the rule cancels both, refunding only what is left.
    edge.advance(key, THIRTY_DAYS);
    for (request, system_refunds) in [(&refunded, 0), (&partly, 1)] {
        let full = edge.read(key, &request.id);
        assert_eq!(full["status"], "canceled", "{full}");
        assert_eq!(
            full["amount_refunded"], "10.00",
            "never more than paid\n{full}"
        );
        assert_eq!(full["refund_status"], "full", "{full}");
        let refunds = full["refunds"].as_array().cloned().unwrap_or_default();
        let by_system: Vec<&Value> = refunds.iter().filter(|r| r["actor"] == "system").collect();
        assert_eq!(by_system.len(), system_refunds, "system refunds\n{full}");
        if let Some(rest) = by_system.first() {
            assert_eq!(rest["amount"], "6.00", "the rest\n{full}");
        }
        assert!(
            refunds.iter().all(|r| r["amount"] != "0.00"),
            "a zero refund\n{full}"
        );
    }
}

#[test]
fn lifecycle_bodies_and_credentials_are_checked() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key.as_str();
    let request = edge.create_paid(key, order("Checked bodies"));
    let path = |rest: &str| format!("/v1/payment_requests/{}{rest}", request.id);
    let before = edge.read(key, &request.id);

    #[rustfmt::skip]
    let bad_bodies: Vec<(&str, Reply, &str)> = vec![
        ("ship without carrier", edge.call("POST", &path("/ship")).bearer(key).json(&json!({"tracking_number": "1Z"})).send(), "carrier"),
        ("ship without tracking_number", edge.call("POST", &path("/ship")).bearer(key).json(&json!({"carrier": "UPS"})).send(), "tracking_number"),
        ("refund without reason", edge.call("POST", &path("/refunds")).bearer(key).json(&json!({"amount": "1.00"})).send(), "reason"),
        ("claim with an unknown reason", edge.call("POST", &path("/claims")).bearer(&request.client_secret).json(&json!({"reason": "bored"})).send(), "reason"),
    ];
    let mut failures = Vec::new();
    for (what, reply, param) in &bad_bodies {
        if reply.status != 400 || reply.json["error"]["param"] != *param {
            failures.push(format!(
                "{what}: expected 400 with param {param:?}\n{reply}"
            ));
        }
    }
    // The buyer's secret is not the seller's key, and the reverse.
    #[rustfmt::skip]
    let wrong_credential: Vec<(&str, Reply)> = vec![
        ("ship with the client secret", edge.call("POST", &path("/ship")).bearer(&request.client_secret).json(&json!({"carrier": "UPS", "tracking_number": "1Z"})).send()),
        ("refund with the client secret", edge.call("POST", &path("/refunds")).bearer(&request.client_secret).json(&json!({"reason": "other"})).send()),
        ("claim with the seller key", edge.call("POST", &path("/claims")).bearer(key).json(&json!({"reason": "damaged"})).send()),
        ("advance_clock with the client secret", edge.call("POST", "/v1/test_helpers/advance_clock").bearer(&request.client_secret).json(&json!({"seconds": 60})).send()),
        ("list with the client secret", edge.call("GET", "/v1/payment_requests").bearer(&request.client_secret).send()),
        ("report with no key", edge.call("GET", "/v1/reports/revenue?group_by=day").send()),
    ];
    for (what, reply) in &wrong_credential {
        if !matches!(reply.status, 401 | 403) {
            failures.push(format!("{what}: expected 401 or 403\n{reply}"));
        }
    }
    assert_eq!(
        edge.read(key, &request.id),
        before,
        "a refused call changed the request"
    );

    // A claim answered by the buyer's secret or resolved by it is refused too.
    let opened = edge.open_claim(&request, "damaged");
    let claim_id = text(&opened.expect(201)["id"], "claim id", &opened).to_owned();
    for (what, reply) in [
        (
            "respond with the client secret",
            edge.respond_claim(&request.client_secret, &claim_id),
        ),
        (
            "resolve with the client secret",
            edge.resolve_claim(&request.client_secret, &claim_id, "refund"),
        ),
    ] {
        if !matches!(reply.status, 401 | 403) {
            failures.push(format!("{what}: expected 401 or 403\n{reply}"));
        }
    }
    let after = edge.read(key, &request.id);
    assert_eq!(after["claim"]["status"], "open", "{after}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
