//! Every view against the edge's JSON (read, then written back byte for byte) and against
//! its schema in `docs/openapi.json` (the same field names; what the document does not
//! require may be missing), so a view, the edge and the document cannot drift apart.

use super::samples;
use super::*;
use crate::api::errors::{ApiError, ErrorBody};
use crate::api::wire::Wire;
use crate::orders::shipping::Shipping;
use crate::state::{Actions, Claim as ClaimStatus, Fulfillment, Payout as PayoutStatus};
use crate::state::{Refund as RefundStatus, Status};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Reads `sample` as a `T` and writes it back.
fn through<T: Serialize + DeserializeOwned>(sample: &Value) -> Result<Value, serde_json::Error> {
    serde_json::to_value(serde_json::from_value::<T>(sample.clone())?)
}

/// Reads `sample` as a `T`, checking that writing it back gives the very same JSON.
fn round_trip<T: Serialize + DeserializeOwned>(sample: &Value) -> T {
    let view: T =
        serde_json::from_value(sample.clone()).unwrap_or_else(|e| panic!("{e}: {sample:#}"));
    let written = serde_json::to_value(&view).unwrap();
    assert_eq!(written, *sample);
    // The text too: the edge writes a `Value`, whose keys serde_json keeps sorted.
    assert_eq!(written.to_string(), sample.to_string());
    view
}

#[test]
fn every_view_reads_and_writes_the_edge_json() {
    let r: PaymentRequest = round_trip(&samples::payment_request());
    assert_eq!(r.status, Wire::Known(Status::Paid));
    assert_eq!(r.fulfillment_status, Wire::Known(Fulfillment::Shipped));
    assert_eq!(r.refund_status, Wire::Known(RefundStatus::Partial));
    let payout = r.payout.as_ref().unwrap();
    assert_eq!(payout.status, Wire::Known(PayoutStatus::Held));
    assert_eq!(payout.amount, None);
    assert_eq!(
        r.claim.as_ref().unwrap().status.known(),
        Some(ClaimStatus::SellerResponded)
    );
    let events = r.events.as_ref().unwrap();
    assert_eq!(
        events[0].kind,
        Wire::Known(EventType::PaymentRequestShipped)
    );
    assert_eq!(r.shipping.as_ref().unwrap().line2, None);

    let open: PaymentRequest = round_trip(&samples::open_payment_request());
    assert_eq!(open.status.known(), Some(Status::Requested));
    assert!(open.card_attempts.locked && open.events.is_none());

    let public: PublicPaymentRequest = round_trip(&samples::public_payment_request());
    assert_eq!(public.payment.unwrap().last4.as_deref(), Some("4242"));
    assert_eq!(
        public.claim.unwrap().status.known(),
        Some(ClaimStatus::Open)
    );

    let refund: Refund = round_trip(&samples::refund());
    assert_eq!(refund.payment_request.refunds[0].id, refund.id);
    let claim: Claim = round_trip(&samples::claim());
    assert_eq!(claim.outcome, None);
    let event: Event = round_trip(&samples::event());
    assert_eq!(event.agent_id.as_deref(), Some("maya"));
    let seller: Seller = round_trip(&samples::seller());
    assert_eq!(
        seller.limits["EUR"].max_per_request.as_deref(),
        Some("500.00")
    );
    assert_eq!(seller.payout_bank_account.unwrap().last4, "3000");
    let agent: Agent = round_trip(&samples::agent());
    assert_eq!(agent.id, "maya");
    let key: ApiKey = round_trip(&samples::api_key());
    assert_eq!(key.scope.as_str(), "own");
    let list: List<PaymentRequest> = round_trip(&samples::request_list());
    assert!(list.has_more && list.data.len() == 2);
    let report: RevenueReport = round_trip(&samples::revenue_report());
    assert_eq!(report.rows[0].average, None);
    let clock: TestClock = round_trip(&samples::test_clock());
    assert_eq!(clock.timers_run, 2);
    let conflict: ErrorBody = round_trip(&samples::conflict());
    assert_eq!(conflict.error.status.as_deref(), Some("paid"));
    let _: ErrorBody = round_trip(&samples::decline());
}

#[test]
fn secrets_and_events_are_left_out_when_absent() {
    let mut seller = samples::seller();
    seller.as_object_mut().unwrap().remove("secret_key");
    round_trip::<Seller>(&seller);
    let mut key = samples::api_key();
    key.as_object_mut().unwrap().remove("secret_key");
    key.as_object_mut()
        .unwrap()
        .remove("previous_secret_expires_at");
    round_trip::<ApiKey>(&key);
    let events = json!({"object": "list", "data": [samples::event()], "has_more": false});
    round_trip::<List<Event>>(&events);
}

#[test]
fn the_event_names_its_conversation_and_agent_or_null() {
    let mut sample = samples::event();
    sample["conversation_id"] = Value::Null;
    sample["agent_id"] = Value::Null;
    let event: Event = round_trip(&sample);
    assert_eq!((event.conversation_id, event.agent_id), (None, None));
    // Today's edge leaves both out; they read as null.
    let mut today = samples::event();
    today.as_object_mut().unwrap().remove("conversation_id");
    today.as_object_mut().unwrap().remove("agent_id");
    let event: Event = serde_json::from_value(today).unwrap();
    let written = serde_json::to_value(&event).unwrap();
    assert_eq!(written["conversation_id"], Value::Null);
    assert_eq!(written["agent_id"], Value::Null);
}

#[test]
fn values_newer_than_this_build_read_as_unknown_and_write_back() {
    let mut sample = samples::payment_request();
    sample["status"] = json!("on_hold");
    sample["fulfillment_status"] = json!("returned");
    sample["refund_status"] = json!("disputed");
    sample["payout"]["status"] = json!("reversed");
    sample["claim"]["status"] = json!("escalated");
    sample["events"][0]["type"] = json!("payment_request.disputed");
    let r: PaymentRequest = round_trip(&sample);
    assert_eq!(r.status, Wire::Unknown("on_hold".into()));
    assert_eq!(r.fulfillment_status, Wire::Unknown("returned".into()));
    assert_eq!(r.refund_status, Wire::Unknown("disputed".into()));
    assert_eq!(
        r.payout.as_ref().unwrap().status,
        Wire::Unknown("reversed".into())
    );
    assert_eq!(
        r.claim.as_ref().unwrap().status,
        Wire::Unknown("escalated".into())
    );
    let kind = &r.events.as_ref().unwrap()[0].kind;
    assert_eq!(*kind, Wire::Unknown("payment_request.disputed".into()));
    // Nothing that depends on an unknown value is offered.
    assert_eq!(r.actions(), Actions::default());

    let mut key = samples::api_key();
    key["scope"] = json!("team");
    assert_eq!(
        round_trip::<ApiKey>(&key).scope,
        Wire::Unknown("team".into())
    );
    let mut seller = samples::seller();
    seller["business_type"] = json!("cooperative");
    let seller: Seller = round_trip(&seller);
    assert_eq!(
        seller.business_type,
        Some(Wire::Unknown("cooperative".into()))
    );
}

#[test]
fn the_views_say_what_may_happen_next() {
    let paid: PaymentRequest = serde_json::from_value(samples::payment_request()).unwrap();
    let a = paid.actions();
    assert!(a.deliver && a.refund && a.resolve);
    assert!(!a.ship && !a.cancel && !a.pay && !a.claim && !a.respond && !a.unlock);

    let locked: PaymentRequest = serde_json::from_value(samples::open_payment_request()).unwrap();
    let a = locked.actions();
    assert!(a.cancel && a.unlock && a.decline && !a.pay && !a.ship && !a.refund);

    let mut open = samples::public_payment_request();
    open["claim"] = Value::Null;
    let public: PublicPaymentRequest = serde_json::from_value(open).unwrap();
    let a = public.actions();
    assert!(a.claim && a.refund && !a.pay && !a.deliver);
    let mut unpaid = samples::public_payment_request();
    unpaid["status"] = json!("requested");
    unpaid["payment"] = Value::Null;
    let a = serde_json::from_value::<PublicPaymentRequest>(unpaid)
        .unwrap()
        .actions();
    // The buyer's view has no attempt count: pay is offered, and the edge says if locked.
    assert!(a.pay && a.decline && !a.unlock && !a.claim);
}

// --- against the document ---------------------------------------------------------------

fn document() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
    let text = std::fs::read_to_string(path).expect("docs/openapi.json exists");
    serde_json::from_str(&text).expect("docs/openapi.json is JSON")
}

/// The schema at `pointer`, with `$ref`s followed and `allOf` parts merged: its property
/// names and its required names.
fn schema_fields(doc: &Value, pointer: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let schema = doc
        .pointer(pointer)
        .unwrap_or_else(|| panic!("no schema at {pointer}"));
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        return schema_fields(doc, target.trim_start_matches('#'));
    }
    let mut properties: BTreeSet<String> = schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let mut required: BTreeSet<String> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_str().map(str::to_owned))
        .collect();
    for (i, _) in schema["allOf"].as_array().into_iter().flatten().enumerate() {
        let (p, r) = schema_fields(doc, &format!("{pointer}/allOf/{i}"));
        properties.extend(p);
        required.extend(r);
    }
    (properties, required)
}

type Through = fn(&Value) -> Result<Value, serde_json::Error>;

/// Each view, the schema it answers to, and samples that together show every field.
fn cases() -> Vec<(&'static str, Through, Vec<Value>)> {
    let request = samples::payment_request();
    let public = samples::public_payment_request();
    vec![
        (
            "PaymentRequest",
            through::<PaymentRequest>,
            vec![request.clone(), samples::open_payment_request()],
        ),
        (
            "PublicPaymentRequest",
            through::<PublicPaymentRequest>,
            vec![public.clone()],
        ),
        (
            "PaymentRequest/properties/seller",
            through::<SellerSummary>,
            vec![request["seller"].clone()],
        ),
        (
            "PaymentRequest/properties/card_attempts",
            through::<CardAttempts>,
            vec![request["card_attempts"].clone()],
        ),
        (
            "PublicPaymentRequest/properties/seller",
            through::<PublicSeller>,
            vec![public["seller"].clone()],
        ),
        (
            "PublicPaymentRequest/properties/payment",
            through::<PublicPayment>,
            vec![
                public["payment"].clone(),
                json!({"id": "pay_mfrggzdfmztwq2lka2bq7wlw", "method_type": "paypal", "brand": null,
                       "last4": null, "payer_email_masked": "a•••@example.com",
                       "paid_at": "2026-11-25T11:05:00Z"}),
            ],
        ),
        (
            "PayPalDetails",
            through::<PaymentMethod>,
            vec![
                json!({"type": "paypal", "payer_email_masked": "a•••@example.com", "payer_id": "QYR5Z8XDVJNXQ"}),
            ],
        ),
        (
            "WalletDetails",
            through::<PaymentMethod>,
            vec![json!({"type": "wallet", "wallet": "sandbox", "brand": null, "last4": null})],
        ),
        (
            "NextAction",
            through::<NextAction>,
            vec![
                json!({"type": "redirect", "url": "https://pay.example/sandbox/3ds/att_x", "attempt": "att_mfrggzdf"}),
            ],
        ),
        (
            "PayPalOrder",
            through::<PayPalOrder>,
            vec![
                json!({"object": "paypal_order", "order_id": "5O190127TN364715T", "approve_url": "https://www.paypal.com/checkoutnow?token=5O190127TN364715T"}),
            ],
        ),
        (
            "Payment",
            through::<Payment>,
            vec![request["payment"].clone()],
        ),
        (
            "CardDetails",
            through::<CardDetails>,
            vec![
                request["payment"]["method"].clone(),
                json!({"type": "card", "brand": "amex", "last4": "0005", "exp_month": 12,
                       "exp_year": 2030, "fingerprint": "fp_3k5fe2kac4vvxq3a", "captured_by": "agent"}),
            ],
        ),
        (
            "ShippingAddress",
            through::<Shipping>,
            vec![request["shipping"].clone()],
        ),
        (
            "Shipment",
            through::<Shipment>,
            vec![request["shipment"].clone(), public["shipment"].clone()],
        ),
        ("Payout", through::<Payout>, vec![request["payout"].clone()]),
        (
            "RefundSummary",
            through::<RefundSummary>,
            vec![request["refunds"][0].clone()],
        ),
        ("Refund", through::<Refund>, vec![samples::refund()]),
        ("Claim", through::<Claim>, vec![samples::claim()]),
        (
            "PublicClaim",
            through::<PublicClaim>,
            vec![public["claim"].clone()],
        ),
        ("Event", through::<Event>, vec![samples::event()]),
        ("SellerAccount", through::<Seller>, vec![samples::seller()]),
        (
            "BankAccount",
            through::<BankAccount>,
            vec![samples::seller()["payout_bank_account"].clone()],
        ),
        (
            "CurrencyLimits",
            through::<CurrencyLimits>,
            vec![samples::seller()["limits"]["EUR"].clone()],
        ),
        ("Agent", through::<Agent>, vec![samples::agent()]),
        ("ApiKey", through::<ApiKey>, vec![samples::api_key()]),
        (
            "PaymentRequestList",
            through::<List<PaymentRequest>>,
            vec![samples::request_list()],
        ),
        (
            "EventList",
            through::<List<Event>>,
            vec![json!({"object": "list", "data": [samples::event()], "has_more": false})],
        ),
        (
            "AgentList",
            through::<List<Agent>>,
            vec![json!({"object": "list", "data": [samples::agent()], "has_more": false})],
        ),
        (
            "ApiKeyList",
            through::<List<ApiKey>>,
            vec![json!({"object": "list", "data": [samples::api_key()], "has_more": false})],
        ),
        (
            "RevenueReport",
            through::<RevenueReport>,
            vec![samples::revenue_report()],
        ),
        (
            "RevenueRow",
            through::<RevenueRow>,
            vec![samples::revenue_report()["rows"][1].clone()],
        ),
        (
            "TestClock",
            through::<TestClock>,
            vec![samples::test_clock()],
        ),
        ("Error", through::<ErrorBody>, vec![samples::conflict()]),
        (
            "Error/properties/error",
            through::<ApiError>,
            vec![
                samples::conflict()["error"].clone(),
                samples::decline()["error"].clone(),
            ],
        ),
    ]
}

/// Fields the edge sends that the document does not (yet) list. Each entry is checked to be
/// still missing there, so it goes once the document catches up.
const UNDOCUMENTED: &[(&str, &str)] = &[];

#[test]
fn every_view_has_exactly_the_fields_of_its_schema() {
    let doc = document();
    for (schema, through, samples) in cases() {
        let (properties, _) = schema_fields(&doc, &format!("/components/schemas/{schema}"));
        let mut written = BTreeSet::new();
        for sample in &samples {
            let value = through(sample).unwrap_or_else(|e| panic!("{schema}: {e}"));
            written.extend(value.as_object().expect("an object").keys().cloned());
        }
        for (undocumented_in, field) in UNDOCUMENTED {
            if *undocumented_in == schema {
                assert!(
                    !properties.contains(*field),
                    "{schema} now lists {field}: drop it from UNDOCUMENTED"
                );
                written.remove(*field);
            }
        }
        assert_eq!(
            written, properties,
            "{schema}: the view's fields and the document's properties"
        );
    }
}

#[test]
fn what_the_document_does_not_require_may_be_left_out() {
    let doc = document();
    for (schema, through, samples) in cases() {
        let (properties, required) = schema_fields(&doc, &format!("/components/schemas/{schema}"));
        for sample in &samples {
            for field in properties.difference(&required) {
                let mut without = sample.clone();
                without.as_object_mut().unwrap().remove(field);
                assert!(
                    through(&without).is_ok(),
                    "{schema} without {field} must read"
                );
            }
        }
    }
}
