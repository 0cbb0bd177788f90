use super::*;
use serde_json::json;

fn order(value: serde_json::Value) -> Order {
    serde_json::from_value(value).unwrap()
}

fn with_capture(status: &str, code: Option<&str>) -> Order {
    let mut capture = json!({"id": "CAP1", "status": status});
    if let Some(code) = code {
        capture["processor_response"] = json!({"response_code": code, "avs_code": "Y"});
    }
    order(json!({
        "id": "ORDER1",
        "status": "COMPLETED",
        "purchase_units": [{"payments": {"captures": [capture]}}],
    }))
}

#[test]
fn every_order_status_maps_and_unknown_ones_are_unavailable() {
    let state = |status: &str| order(json!({"id": "O", "status": status})).state();
    assert!(matches!(state("CREATED"), OrderState::Created));
    assert!(matches!(state("SAVED"), OrderState::Created));
    assert!(matches!(
        state("PAYER_ACTION_REQUIRED"),
        OrderState::ActionRequired
    ));
    assert!(matches!(state("VOIDED"), OrderState::Voided));
    assert!(matches!(
        state("APPROVED"),
        OrderState::Approved {
            authenticated: None,
            ..
        }
    ));
    assert!(matches!(state("SOMETHING_NEW"), OrderState::Unavailable));
    assert!(matches!(
        order(json!({"id": "O"})).state(),
        OrderState::Unavailable
    ));
    // Completed but with no capture in the answer: nothing to conclude from.
    assert!(matches!(state("COMPLETED"), OrderState::Unavailable));
}

#[test]
fn a_completed_order_reports_its_capture_not_its_own_status() {
    assert!(matches!(
        with_capture("DECLINED", Some("0051")).state(),
        OrderState::Captured(Captured::Declined(Decline::InsufficientFunds))
    ));
    match with_capture("COMPLETED", None).state() {
        OrderState::Captured(Captured::Completed { capture_ref, .. }) => {
            assert_eq!(capture_ref, "CAP1")
        }
        _ => panic!("expected a completed capture"),
    }
}

#[test]
fn every_capture_status_maps() {
    let captured = |status: &str| with_capture(status, None).captured();
    for done in ["COMPLETED", "PARTIALLY_REFUNDED", "REFUNDED"] {
        assert!(
            matches!(captured(done), Captured::Completed { .. }),
            "{done}"
        );
    }
    assert!(matches!(
        captured("PENDING"),
        Captured::Pending { capture_ref } if capture_ref == "CAP1"
    ));
    assert!(matches!(
        captured("DECLINED"),
        Captured::Declined(Decline::Generic)
    ));
    assert!(matches!(
        captured("FAILED"),
        Captured::Declined(Decline::ProcessingError)
    ));
    assert!(matches!(
        captured("NEW_STATUS"),
        Captured::Failed(Failure::Rejected { .. })
    ));
    assert!(matches!(
        order(json!({"status": "COMPLETED"})).captured(),
        Captured::Failed(Failure::Unavailable)
    ));
}

#[test]
fn processor_codes_map_to_declines() {
    let declined = |code: &str| with_capture("DECLINED", Some(code)).captured();
    let is = |c: Captured, d: Decline| matches!(c, Captured::Declined(x) if x == d);
    assert!(is(declined("0051"), Decline::InsufficientFunds));
    assert!(is(declined("5120"), Decline::InsufficientFunds));
    assert!(is(declined("5400"), Decline::ExpiredCard));
    assert!(is(declined("54"), Decline::ExpiredCard));
    assert!(is(declined("00N7"), Decline::IncorrectCvc));
    assert!(is(declined("N7"), Decline::IncorrectCvc));
    assert!(is(declined("5100"), Decline::Generic));
    assert!(is(declined("9500"), Decline::Generic));
    // A failed capture with a specific code says so; without one it is a processing error.
    assert!(is(
        with_capture("FAILED", Some("5400")).captured(),
        Decline::ExpiredCard
    ));
    assert!(is(
        with_capture("FAILED", Some("5100")).captured(),
        Decline::ProcessingError
    ));
    assert_eq!(decline_for_code(None), None);
}

#[test]
fn a_completed_capture_wins_over_an_earlier_declined_one() {
    let o = order(json!({
        "status": "COMPLETED",
        "purchase_units": [{"payments": {"captures": [
            {"id": "C1", "status": "DECLINED"},
            {"id": "C2", "status": "COMPLETED"},
        ]}}],
    }));
    assert!(matches!(o.captured(), Captured::Completed { capture_ref, .. } if capture_ref == "C2"));
}

#[test]
fn payer_and_shipping_come_from_the_wallet_and_the_first_unit() {
    let o = order(json!({
        "status": "APPROVED",
        "payment_source": {"paypal": {"email_address": "buyer@example.com", "account_id": "QYR5Z8XDVJNXQ"}},
        "payer": {"email_address": "other@example.com", "payer_id": "QYR5Z8XDVJNXQ"},
        "purchase_units": [{"shipping": {
            "name": {"full_name": "Ada Lovelace"},
            "address": {
                "address_line_1": "1 Main St", "address_line_2": " ",
                "admin_area_2": "San Jose", "admin_area_1": "CA",
                "postal_code": "95131", "country_code": "US"
            }
        }}],
    }));
    assert_eq!(
        o.payer(),
        Payer {
            email: Some("buyer@example.com".into()),
            payer_id: Some("QYR5Z8XDVJNXQ".into()),
        }
    );
    assert_eq!(
        o.shipping(),
        Some(CollectedAddress {
            name: "Ada Lovelace".into(),
            line1: "1 Main St".into(),
            line2: None,
            city: "San Jose".into(),
            state: Some("CA".into()),
            postal_code: "95131".into(),
            country: "US".into(),
        })
    );
    let legacy = order(json!({"payer": {"email_address": "old@example.com", "payer_id": "P1"}}));
    assert_eq!(legacy.payer().email.as_deref(), Some("old@example.com"));
    assert_eq!(order(json!({})).shipping(), None);
    assert_eq!(order(json!({})).payer(), Payer::default());
}

#[test]
fn liability_shift_tells_whether_3ds_authenticated() {
    let shift = |value: serde_json::Value| {
        order(json!({
            "status": "APPROVED",
            "payment_source": {"card": {"last_digits": "1111", "authentication_result": {"liability_shift": value}}},
        }))
        .authenticated()
    };
    assert_eq!(shift(json!("POSSIBLE")), Some(true));
    assert_eq!(shift(json!("YES")), Some(true));
    assert_eq!(shift(json!("NO")), Some(false));
    assert_eq!(shift(json!("UNKNOWN")), Some(false));
    assert_eq!(shift(json!("MAYBE")), Some(false));
    assert_eq!(
        order(json!({"payment_source": {"card": {"last_digits": "1111"}}})).authenticated(),
        None
    );
    assert_eq!(order(json!({})).authenticated(), None);
}

#[test]
fn the_payer_action_link_is_preferred_and_must_be_a_web_address() {
    let links = |links: serde_json::Value| order(json!({"links": links})).payer_action_url();
    assert_eq!(
        links(json!([
            {"href": "https://api-m.paypal.com/v2/checkout/orders/O", "rel": "self"},
            {"href": "https://www.paypal.com/checkoutnow?token=O", "rel": "approve"},
            {"href": "https://www.paypal.com/checkoutnow?token=O&x", "rel": "payer-action"},
        ])),
        Some("https://www.paypal.com/checkoutnow?token=O&x".into())
    );
    assert_eq!(
        links(json!([{"href": "https://www.paypal.com/a", "rel": "approve"}])),
        Some("https://www.paypal.com/a".into())
    );
    assert_eq!(
        links(json!([{"href": "javascript:alert(1)", "rel": "payer-action"}])),
        None
    );
    assert_eq!(
        links(
            json!([{"href": "http://127.0.0.1:8790/checkoutnow?token=O", "rel": "payer-action"}])
        ),
        Some("http://127.0.0.1:8790/checkoutnow?token=O".into())
    );
    assert_eq!(links(json!([])), None);
}

#[test]
fn card_issues_are_declines_and_the_rest_are_not() {
    assert_eq!(
        decline_for_issue("CARD_EXPIRED"),
        Some(Decline::ExpiredCard)
    );
    assert_eq!(
        decline_for_issue("INVALID_SECURITY_CODE_LENGTH"),
        Some(Decline::IncorrectCvc)
    );
    assert_eq!(
        decline_for_issue("CARD_TYPE_NOT_SUPPORTED"),
        Some(Decline::Generic)
    );
    assert_eq!(
        decline_for_issue("INSTRUMENT_DECLINED"),
        Some(Decline::Generic)
    );
    for ours in [
        "ORDER_ALREADY_CAPTURED",
        "RETURN_URL_REQUIRED",
        "CARD_NUMBER_REQUIRED",
        "ORDER_NOT_APPROVED",
    ] {
        assert_eq!(decline_for_issue(ours), None, "{ours}");
    }
}

#[test]
fn every_order_status_answers_a_card_confirmation() {
    let confirmed = |status: &str, links: serde_json::Value| {
        order(json!({"id": "O", "status": status, "links": links})).confirmed()
    };
    let challenge = json!([{"href": "https://www.paypal.com/webapps/helios?action=verify", "rel": "payer-action"}]);
    assert!(matches!(
        confirmed("APPROVED", json!([])),
        Confirmed::Approved
    ));
    assert!(matches!(
        confirmed("PAYER_ACTION_REQUIRED", challenge),
        Confirmed::ActionRequired { url } if url.contains("helios")
    ));
    assert!(matches!(
        confirmed("PAYER_ACTION_REQUIRED", json!([])),
        Confirmed::Failed(Failure::Rejected { .. })
    ));
    assert!(matches!(
        confirmed("COMPLETED", json!([])),
        Confirmed::Approved
    ));
    for refused in ["CREATED", "SAVED", "VOIDED"] {
        assert!(
            matches!(
                confirmed(refused, json!([])),
                Confirmed::Failed(Failure::Rejected { .. })
            ),
            "{refused}"
        );
    }
    assert!(matches!(
        confirmed("NEW", json!([])),
        Confirmed::Failed(Failure::Unavailable)
    ));
}
