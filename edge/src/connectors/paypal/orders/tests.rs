use super::*;
use crate::connectors::ReturnUrls;
use chatpay_core::{Amount, Currency};
use serde_json::{json, Value};

fn urls() -> ReturnUrls {
    ReturnUrls {
        return_url: "https://pay.example/return/att_x".into(),
        cancel_url: "https://pay.example/cancel/att_x".into(),
    }
}

fn call<'a>(
    description: &'a str,
    payee: Option<&'a str>,
    approval: Option<Approval<'a>>,
) -> OrderCall<'a> {
    OrderCall {
        request_id: "pr_abc",
        description,
        amount: Amount::from_minor(1050, Currency::parse("USD").unwrap()),
        payee,
        key: "att_x",
        approval,
    }
}

fn body(order: &OrderCall<'_>) -> Value {
    serde_json::to_value(order_request(order).ok().unwrap()).unwrap()
}

#[test]
fn a_card_order_names_our_request_and_no_payment_source() {
    let order = call("Blue mug", None, None);
    assert_eq!(
        body(&order),
        json!({
            "intent": "CAPTURE",
            "purchase_units": [{
                "reference_id": "pr_abc",
                "custom_id": "pr_abc",
                "description": "Blue mug",
                "amount": {"currency_code": "USD", "value": "10.50"},
            }],
        })
    );
}

#[test]
fn a_platform_order_names_the_payee_and_delays_disbursement() {
    let order = call("Blue mug", Some("7Z9KCMXXX4TQN"), None);
    let unit = &body(&order)["purchase_units"][0];
    assert_eq!(unit["payee"], json!({"merchant_id": "7Z9KCMXXX4TQN"}));
    assert_eq!(
        unit["payment_instruction"],
        json!({"disbursement_mode": "DELAYED"})
    );
}

#[test]
fn a_paypal_button_order_carries_its_experience_context() {
    let approval = Approval {
        urls: urls(),
        locale: Some("en-us"),
        shipping: true,
    };
    let order = call("Blue mug", None, Some(approval));
    assert_eq!(
        body(&order)["payment_source"],
        json!({"paypal": {"experience_context": {
            "return_url": "https://pay.example/return/att_x",
            "cancel_url": "https://pay.example/cancel/att_x",
            "user_action": "PAY_NOW",
            "shipping_preference": "GET_FROM_FILE",
            "locale": "en-US",
        }}})
    );
    let approval = Approval {
        urls: urls(),
        locale: Some("fil"),
        shipping: false,
    };
    let order = call("Blue mug", None, Some(approval));
    let context = &body(&order)["payment_source"]["paypal"]["experience_context"];
    assert_eq!(context["shipping_preference"], "NO_SHIPPING");
    assert!(context.get("locale").is_none());
}

#[test]
fn descriptions_are_cut_to_127_on_a_char_boundary() {
    let long = "é".repeat(200);
    let order = call(&long, None, None);
    let description = body(&order)["purchase_units"][0]["description"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(description.chars().count(), 127);
    let emoji = "😀".repeat(100);
    let cut = truncate(&emoji, 127).unwrap();
    assert_eq!(cut.chars().count(), 63);
    assert!(cut.encode_utf16().count() <= 127);
    assert_eq!(truncate("  ", 127), None);
    assert_eq!(truncate(" Mug ", 127), Some("Mug"));
    let blank = call("   ", None, None);
    assert!(body(&blank)["purchase_units"][0]
        .get("description")
        .is_none());
}

#[test]
fn fractional_whole_unit_amounts_are_refused_before_sending() {
    let mut order = call("Mug", None, None);
    order.amount = Amount::from_minor(150_050, Currency::parse("HUF").unwrap());
    assert!(matches!(
        order_request(&order),
        Err(Failure::Rejected { .. })
    ));
}

#[test]
fn locales_follow_paypals_pattern() {
    assert_eq!(paypal_locale("en").as_deref(), Some("en"));
    assert_eq!(paypal_locale("en-US").as_deref(), Some("en-US"));
    assert_eq!(paypal_locale("en_gb").as_deref(), Some("en-GB"));
    assert_eq!(paypal_locale("zh-hant-tw").as_deref(), Some("zh-Hant-TW"));
    assert_eq!(paypal_locale("es-419").as_deref(), Some("es-419"));
    assert_eq!(paypal_locale("sr-Latn").as_deref(), Some("sr-Latn"));
    for bad in [
        "",
        "fil",
        "e",
        "en-",
        "en-USA",
        "en-US-u-ca",
        "en-1234",
        "12",
        "en-U1",
    ] {
        assert_eq!(paypal_locale(bad), None, "{bad}");
    }
}

fn card<'a>(name: &'a str, postal_code: &'a str) -> Card<'a> {
    Card {
        number: "4111111111111111",
        expiry: Expiry {
            month: 3,
            year: 2030,
        },
        security_code: "123",
        name,
        postal_code,
    }
}

fn confirm_body(card: Card<'_>, country: &str) -> Value {
    let urls = urls();
    let body = ConfirmRequest {
        payment_source: CardSource {
            card: card_request(card, country, &urls),
        },
    };
    serde_json::to_value(body).unwrap()
}

#[test]
fn a_card_confirmation_sends_the_card_in_the_clear_only_in_its_body() {
    let body = confirm_body(card("Ada Buyer", "94107"), "US");
    assert_eq!(
        body,
        json!({"payment_source": {"card": {
            "number": "4111111111111111",
            "expiry": "2030-03",
            "security_code": "123",
            "name": "Ada Buyer",
            "billing_address": {"postal_code": "94107", "country_code": "US"},
            "experience_context": {
                "return_url": "https://pay.example/return/att_x",
                "cancel_url": "https://pay.example/cancel/att_x",
            },
        }}})
    );
    assert!(body["payment_source"]["card"].get("attributes").is_none());
}

#[test]
fn an_empty_name_and_postal_code_are_left_out() {
    let body = confirm_body(card("", " "), "GB");
    let card = &body["payment_source"]["card"];
    assert!(card.get("name").is_none());
    assert_eq!(card["billing_address"], json!({"country_code": "GB"}));
}
