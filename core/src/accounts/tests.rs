//! Account bodies: partial and strict updates, agents, keys and rolls, masking, paging.

use super::*;
use crate::currency::Currency;
use crate::fields::FieldError;
use crate::money::AmountLimits;
use serde_json::{json, Value};

fn update(v: Value) -> Result<SellerUpdate, FieldError> {
    SellerUpdate::parse(&v, &AmountLimits::default())
}

#[test]
fn update_is_partial_and_strict() {
    let empty = update(json!({})).unwrap();
    assert!(empty.display_name.is_none() && empty.limits.is_none());
    let u = update(
        json!({"business_type": "non_profit", "merchant_category": "5812",
                          "limits": {"USD": {"max_per_request": "500.00"}, "JPY": null}}),
    )
    .unwrap();
    assert_eq!(u.profile.business_type, Some(BusinessType::NonProfit));
    assert_eq!(u.profile.merchant_category.unwrap().as_str(), "5812");
    let limits = u.limits.unwrap();
    assert_eq!(limits[0], (Currency::parse("JPY").unwrap(), None));
    assert_eq!(
        limits[1]
            .1
            .unwrap()
            .max_per_request
            .unwrap()
            .to_decimal_string(),
        "500.00"
    );
    assert!(limits[1].1.unwrap().max_rolling_168h.is_none());

    let cases: &[(Value, &str, &str)] = &[
        (json!({"country": "FR"}), "parameter_unknown", "country"),
        (
            json!({"business_type": "llc"}),
            "parameter_invalid",
            "business_type",
        ),
        (
            json!({"merchant_category": "581"}),
            "parameter_invalid",
            "merchant_category",
        ),
        (
            json!({"merchant_category": 5812}),
            "parameter_invalid_type",
            "merchant_category",
        ),
        (
            json!({"display_name": " "}),
            "parameter_invalid",
            "display_name",
        ),
        (
            json!({"allowed_origins": ["https://a.example/"]}),
            "parameter_invalid",
            "allowed_origins.0",
        ),
        (
            json!({"limits": {"usd": {}}}),
            "currency_unsupported",
            "limits.usd",
        ),
        (
            json!({"limits": {"USD": {"max_per_request": "5.001"}}}),
            "parameter_invalid",
            "limits.USD.max_per_request",
        ),
        (
            json!({"limits": {"USD": {"max_rolling_168h": "1000000.00"}}}),
            "amount_too_large",
            "limits.USD.max_rolling_168h",
        ),
        (
            json!({"limits": {"USD": {"max_per_request": "0"}}}),
            "amount_too_small",
            "limits.USD.max_per_request",
        ),
        (
            json!({"limits": {"USD": {"max": "1"}}}),
            "parameter_unknown",
            "limits.USD.max",
        ),
        (json!({"limits": []}), "parameter_invalid_type", "limits"),
        (
            json!({"payout_bank_account": {"iban": "DE00370400440532013000"}}),
            "parameter_invalid",
            "payout_bank_account.iban",
        ),
    ];
    for (body, code, param) in cases {
        let err = update(body.clone()).unwrap_err();
        assert_eq!((err.code, err.param.as_str()), (*code, *param), "{body}");
    }
}

#[test]
fn agents_keys_and_rolls() {
    assert_eq!(
        NewAgent::parse(&json!({"name": " Maya "})).unwrap(),
        NewAgent {
            id: None,
            name: "Maya".into()
        }
    );
    assert_eq!(
        NewAgent::parse(&json!({"id": "a b", "name": "x"}))
            .unwrap_err()
            .param,
        "id"
    );
    assert_eq!(
        NewAgent::parse(&json!({"id": "maya"})).unwrap_err().param,
        "name"
    );
    assert_eq!(
        NewApiKey::parse(&json!({})).unwrap_err().code,
        "parameter_missing"
    );
    assert_eq!(RollKey::parse(None).unwrap().overlap_hours, 0);
    assert_eq!(
        RollKey::parse(Some(&json!({"overlap_hours": 24})))
            .unwrap()
            .overlap_hours,
        24
    );
    for bad in [
        json!({"overlap_hours": 25}),
        json!({"overlap_hours": -1}),
        json!({"overlap_hours": 1.5}),
    ] {
        assert_eq!(
            RollKey::parse(Some(&bad)).unwrap_err().param,
            "overlap_hours",
            "{bad}"
        );
    }
}

#[test]
fn key_scope() {
    let key = |v: Value| NewApiKey::parse(&v);
    assert_eq!(
        key(json!({"agent_id": "maya"})).unwrap(),
        NewApiKey {
            agent_id: "maya".into(),
            scope: KeyScope::Own
        }
    );
    assert_eq!(
        key(json!({"agent_id": "maya", "scope": null}))
            .unwrap()
            .scope,
        KeyScope::Own
    );
    assert_eq!(
        key(json!({"agent_id": "maya", "scope": "own"}))
            .unwrap()
            .scope,
        KeyScope::Own
    );
    assert_eq!(
        key(json!({"agent_id": "maya", "scope": "all"}))
            .unwrap()
            .scope,
        KeyScope::All
    );
    for bad in ["ALL", "", "mine", "own "] {
        let err = key(json!({"agent_id": "maya", "scope": bad})).unwrap_err();
        assert_eq!(
            (err.code, err.param.as_str()),
            ("parameter_invalid", "scope"),
            "{bad}"
        );
    }
    for scope in KeyScope::ALL {
        assert_eq!(KeyScope::parse(scope.as_str()), Some(scope));
    }
    assert_eq!(KeyScope::default().as_str(), "own");
}

#[test]
fn card_numbers_in_agents_and_seller_names() {
    let agent =
        NewAgent::parse(&json!({"id": "maya", "name": "Maya 4242 4242 4242 4242"})).unwrap();
    assert_eq!(agent.name, "Maya •••• •••• •••• 4242");
    for id in ["chat-4242424242424242", "4242-4242-4242-4242"] {
        let err = NewAgent::parse(&json!({"id": id, "name": "Maya"})).unwrap_err();
        assert_eq!((err.code, err.param.as_str()), ("parameter_invalid", "id"));
        assert!(!format!("{err:?}").contains("4242424242"), "{err:?}");
        assert!(!format!("{err:?}").contains("4242-4242"), "{err:?}");
        let err = NewApiKey::parse(&json!({ "agent_id": id })).unwrap_err();
        assert_eq!(
            (err.code, err.param.as_str()),
            ("parameter_invalid", "agent_id")
        );
        assert!(!format!("{err:?}").contains("4242424242"), "{err:?}");
    }
    assert!(NewAgent::parse(&json!({"id": "a4242424242424242", "name": "Maya"})).is_ok());

    let u = update(json!({"display_name": " 5555555555554444 "})).unwrap();
    assert_eq!(u.display_name.as_deref(), Some("••••••••••••4444"));
    // Masked after the 100-char check, which counts what was typed.
    let long = format!("{}4242424242424242", "x ".repeat(42));
    assert_eq!(long.chars().count(), 100);
    assert_eq!(
        update(json!({ "display_name": long }))
            .unwrap()
            .display_name
            .unwrap()
            .chars()
            .count(),
        100
    );
}

#[test]
fn unknown_names_holding_card_numbers_are_masked() {
    let err = update(json!({"limits": {"4242424242424242": null}})).unwrap_err();
    assert_eq!(
        (err.code, err.param.as_str()),
        ("currency_unsupported", "limits.••••••••••••4242")
    );
    assert!(!err.message.contains("424242424242"), "{err:?}");
    let err = update(json!({"4242 4242 4242 4242": 1})).unwrap_err();
    assert_eq!(err.param, "•••• •••• •••• 4242");
    let err = Page::parse(&[("5555555555554444".to_owned(), "1".to_owned())]).unwrap_err();
    assert_eq!(
        (err.code, err.param.as_str()),
        ("parameter_unknown", "••••••••••••4444")
    );
    assert!(!err.message.contains("555555555555"), "{err:?}");
}

#[test]
fn origins_over_http_only_for_loopback() {
    assert!(
        update(json!({"allowed_origins": ["http://localhost:8787", "http://[::1]:8787"]})).is_ok()
    );
    let err =
        update(json!({"allowed_origins": ["https://a.example", "http://a.example"]})).unwrap_err();
    assert_eq!(err.param, "allowed_origins.1");
}

#[test]
fn pages() {
    let q = |pairs: &[(&str, &str)]| {
        Page::parse(
            &pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(q(&[]).unwrap().limit, 20);
    assert_eq!(
        q(&[("limit", "100"), ("starting_after", "x")])
            .unwrap()
            .starting_after
            .as_deref(),
        Some("x")
    );
    assert_eq!(q(&[("limit", "101")]).unwrap_err().param, "limit");
    assert_eq!(q(&[("sort", "x")]).unwrap_err().code, "parameter_unknown");
}
