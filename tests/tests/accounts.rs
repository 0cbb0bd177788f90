//! Sellers and agents through the front door (issue 3, sections 1 and 5): onboarding with a
//! payout bank account, reading and changing the seller's own account, agents, restricted
//! keys and their permissions, revoking and rolling keys, per-seller limits, and tenant
//! isolation. The last test (by name) scans persisted state and logs for the bank account
//! and card numbers once the others are done.

use chatpay_tests::banks::{
    grouped, IBAN_BAD_CHECKSUM, IBAN_BAD_LENGTH, IBAN_DE, IBAN_FR, IBAN_GB, ROUTING,
    ROUTING_BAD_CHECKSUM, US_ACCOUNT, US_ACCOUNT_2,
};
use chatpay_tests::checks::{assert_error, assert_error_type, assert_rfc3339_utc, check_error};
use chatpay_tests::scan::assert_no_card_numbers;
use chatpay_tests::{shared, unique, wait_for_other_tests, Param, Reply, Seller};
use serde_json::{json, Value};

/// `text` with one character changed: a forged or mistyped key or id.
fn tweak(text: &str, at: usize) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let i = at.min(chars.len() - 1);
    chars[i] = if chars[i] == 'a' { 'b' } else { 'a' };
    chars.into_iter().collect()
}

fn seller_body(extra: Value) -> Value {
    let tag = unique("");
    let mut body = json!({
        "display_name": format!("Shop {tag}"),
        "country": "DE",
        "default_currency": "EUR",
        "allowed_origins": [format!("https://shop-{tag}.example")],
    });
    for (k, v) in extra.as_object().expect("an object") {
        body[k] = v.clone();
    }
    body
}

/// No full account number, in any form the tests typed, anywhere in an answer.
#[track_caller]
fn assert_no_account_numbers(reply: &Reply) {
    for needle in chatpay_tests::banks::bank_account_needles() {
        assert!(
            !reply.text.contains(&needle),
            "the answer holds {needle}\n{reply}"
        );
    }
}

#[test]
fn onboarding_with_an_iban_returns_only_its_last4() {
    let edge = shared();
    let seller = edge.create_seller_with(seller_body(json!({
        "business_type": "company",
        "merchant_category": "5812",
        // Pasted as printed on a statement: grouped, lower case.
        "payout_bank_account": {"iban": grouped(IBAN_DE).to_lowercase()},
    })));
    let s = &seller.json;
    assert_eq!(s["business_type"], "company", "{s}");
    assert_eq!(s["merchant_category"], "5812", "{s}");
    let bank = &s["payout_bank_account"];
    assert!(bank["id"].as_str().unwrap_or("").starts_with("ba_"), "{s}");
    assert_eq!(bank["object"], "bank_account", "{s}");
    assert_eq!(bank["type"], "iban", "{s}");
    assert_eq!(bank["country"], "DE", "{s}");
    assert_eq!(bank["last4"], "3000", "{s}");
    let keys: Vec<&String> = bank.as_object().expect("an object").keys().collect();
    assert_eq!(
        keys,
        ["country", "id", "last4", "object", "type"],
        "only these are shown\n{s}"
    );
    assert!(!s.to_string().contains("0532013000"), "{s}");

    let read = edge.get_seller(&seller.secret_key);
    read.expect(200);
    assert_no_account_numbers(&read);
    assert_eq!(read.json["id"], seller.id.as_str(), "{read}");
    assert_eq!(read.json["payout_bank_account"], *bank, "{read}");
    assert!(read.json.get("secret_key").is_none(), "{read}");
}

#[test]
fn onboarding_with_a_us_account_returns_only_its_last4() {
    let edge = shared();
    let seller = edge.create_seller_with(seller_body(json!({
        "country": "US",
        "default_currency": "USD",
        "business_type": "individual",
        "payout_bank_account": {"country": "US", "routing_number": ROUTING,
                                "account_number": US_ACCOUNT},
    })));
    let bank = &seller.json["payout_bank_account"];
    assert_eq!(bank["type"], "us_account", "{bank}");
    assert_eq!(bank["country"], "US", "{bank}");
    assert_eq!(bank["last4"], "6789", "{bank}");
    assert!(!seller.json.to_string().contains(US_ACCOUNT));
    let read = edge.get_seller(&seller.secret_key);
    read.expect(200);
    assert_no_account_numbers(&read);
    assert_eq!(read.json["payout_bank_account"], *bank, "{read}");
}

#[test]
fn v1_sellers_without_the_new_fields_work_unchanged() {
    let edge = shared();
    let seller = edge.create_seller();
    assert!(seller.secret_key.starts_with("sk_test_"));
    let s = &seller.json;
    assert_eq!(s["business_type"], Value::Null, "{s}");
    assert_eq!(s["merchant_category"], Value::Null, "{s}");
    assert_eq!(s["payout_bank_account"], Value::Null, "{s}");
    assert_eq!(s["limits"], json!({}), "{s}");
    edge.create_request(&seller.secret_key, "12.00", "USD");
}

#[test]
fn bad_onboarding_is_400_naming_the_field() {
    let edge = shared();
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"payout_bank_account": {"iban": IBAN_BAD_CHECKSUM}}),
            "parameter_invalid",
            "payout_bank_account.iban",
        ),
        (
            json!({"payout_bank_account": {"iban": IBAN_BAD_LENGTH}}),
            "parameter_invalid",
            "payout_bank_account.iban",
        ),
        (
            json!({"payout_bank_account": {"country": "US", "routing_number": ROUTING_BAD_CHECKSUM,
                                           "account_number": US_ACCOUNT}}),
            "parameter_invalid",
            "payout_bank_account.routing_number",
        ),
        (
            json!({"payout_bank_account": {"country": "US", "routing_number": ROUTING,
                                           "account_number": "12"}}),
            "parameter_invalid",
            "payout_bank_account.account_number",
        ),
        (
            json!({"payout_bank_account": {"country": "GB", "routing_number": ROUTING,
                                           "account_number": US_ACCOUNT}}),
            "parameter_invalid",
            "payout_bank_account.country",
        ),
        (
            json!({"payout_bank_account": {"iban": IBAN_DE, "bic": "COBADEFFXXX"}}),
            "parameter_unknown",
            "payout_bank_account.bic",
        ),
        (
            json!({"payout_bank_account": IBAN_DE}),
            "parameter_invalid_type",
            "payout_bank_account",
        ),
        (
            json!({"business_type": "partnership"}),
            "parameter_invalid",
            "business_type",
        ),
        (
            json!({"merchant_category": "58120"}),
            "parameter_invalid",
            "merchant_category",
        ),
    ];
    let mut wrong = Vec::new();
    for (extra, code, param) in cases {
        let reply = edge
            .call("POST", "/v1/sellers")
            .bearer(edge.admin_key())
            .json(&seller_body(extra.clone()))
            .send();
        if let Err(why) = check_error(&reply, 400, &[code], Param::Is(param)) {
            wrong.push(format!("{extra}: {why}\n{reply}"));
        }
        for needle in chatpay_tests::banks::bank_account_needles() {
            if reply.text.contains(&needle) {
                wrong.push(format!("{extra}: the error echoes {needle}\n{reply}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn get_and_patch_the_sellers_own_account() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = &seller.secret_key;

    let read = edge.get_seller(key);
    let before = read.expect(200).clone();
    assert_eq!(before["object"], "seller", "{read}");
    assert_eq!(before["id"], seller.id.as_str(), "{read}");
    assert_rfc3339_utc(&before["created_at"], "seller.created_at");

    // Partial: only what is named changes.
    let patched = edge.patch_seller(
        key,
        &json!({"display_name": "Renamed Studio", "business_type": "non_profit",
                "payout_bank_account": {"iban": IBAN_GB}}),
    );
    let after = patched.expect(200).clone();
    assert_no_account_numbers(&patched);
    assert_eq!(after["display_name"], "Renamed Studio", "{patched}");
    assert_eq!(after["business_type"], "non_profit", "{patched}");
    assert_eq!(after["payout_bank_account"]["last4"], "5432", "{patched}");
    assert_eq!(after["payout_bank_account"]["country"], "GB", "{patched}");
    for same in [
        "allowed_origins",
        "country",
        "default_currency",
        "created_at",
        "id",
    ] {
        assert_eq!(after[same], before[same], "{same}\n{patched}");
    }
    let read = edge.get_seller(key);
    assert_eq!(read.expect(200), &after, "{read}");

    // The new name is what buyers see.
    let request = edge.create_request(key, "5.00", "USD");
    let public = edge.get_public(&request);
    assert_eq!(public.json["seller"]["display_name"], "Renamed Studio");

    // Origins and the payout account can change again; the account is replaced.
    let origin = format!("https://{}.example", unique("new-"));
    let patched = edge.patch_seller(
        key,
        &json!({"allowed_origins": [origin], "merchant_category": "5999",
                "payout_bank_account": {"country": "US", "routing_number": ROUTING,
                                        "account_number": US_ACCOUNT_2}}),
    );
    let after = patched.expect(200).clone();
    assert_eq!(after["allowed_origins"], json!([origin]), "{patched}");
    assert_eq!(after["merchant_category"], "5999", "{patched}");
    assert_eq!(after["payout_bank_account"]["last4"], "1012", "{patched}");
    assert_eq!(
        after["payout_bank_account"]["type"], "us_account",
        "{patched}"
    );
    assert_eq!(after["business_type"], "non_profit", "{patched}");
    let cors = edge
        .call("GET", &format!("/v1/payment_requests/{}", request.id))
        .bearer(key)
        .origin(&origin)
        .send();
    assert_eq!(
        cors.header("access-control-allow-origin"),
        Some(origin.as_str()),
        "{cors}"
    );

    // Strict and all-or-nothing: a bad field changes nothing, even beside a good one.
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"country": "FR"}), "parameter_unknown", "country"),
        (
            json!({"secret_key": "x"}),
            "parameter_unknown",
            "secret_key",
        ),
        (
            json!({"display_name": "Never", "merchant_category": "12"}),
            "parameter_invalid",
            "merchant_category",
        ),
        (
            json!({"display_name": "Never", "allowed_origins": ["https://x.example/path"]}),
            "parameter_invalid",
            "allowed_origins.0",
        ),
        (
            json!({"display_name": "Never", "payout_bank_account": {"iban": IBAN_BAD_CHECKSUM}}),
            "parameter_invalid",
            "payout_bank_account.iban",
        ),
        (
            json!({"display_name": "Never", "limits": {"USD": {"max_per_request": "1.001"}}}),
            "parameter_invalid",
            "limits.USD.max_per_request",
        ),
        (
            json!({"display_name": ""}),
            "parameter_invalid",
            "display_name",
        ),
        (json!([1]), "parameter_invalid_type", "body"),
    ];
    for (body, code, param) in cases {
        let reply = edge.patch_seller(key, &body);
        assert_error(&reply, 400, code, Param::Is(param));
        assert_no_account_numbers(&reply);
    }
    let read = edge.get_seller(key);
    assert_eq!(
        read.expect(200),
        &after,
        "a refused PATCH changed something\n{read}"
    );

    let empty = edge.call("PATCH", "/v1/seller").bearer(key).send();
    assert_error(&empty, 400, "parameter_missing", Param::Any);
    let nothing = edge.patch_seller(key, &json!({}));
    assert_eq!(nothing.expect(200), &after, "{nothing}");
    let delete = edge.call("DELETE", "/v1/seller").bearer(key).send();
    assert_eq!(delete.status, 405, "{delete}");
    let anonymous = edge.call("GET", "/v1/seller").send();
    assert_error(&anonymous, 401, "authentication_required", Param::Null);
    let forged = edge.get_seller(&tweak(key, 20));
    assert_error(&forged, 401, "invalid_credentials", Param::Null);
}

#[test]
fn agents_are_created_with_or_without_an_id_and_listed() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = &seller.secret_key;

    let named = edge.create_agent(key, &json!({"id": "maya", "name": "Maya"}));
    let maya = named.expect(201).clone();
    assert_eq!(maya["id"], "maya", "{named}");
    assert_eq!(maya["object"], "agent", "{named}");
    assert_eq!(maya["name"], "Maya", "{named}");
    assert_eq!(maya["livemode"], false, "{named}");
    assert_rfc3339_utc(&maya["created_at"], "agent.created_at");

    let generated = edge.create_agent(key, &json!({"name": "Night shift"}));
    let night = generated.expect(201).clone();
    let night_id = night["id"].as_str().unwrap_or("");
    assert!(night_id.starts_with("agt_"), "{generated}");

    let duplicate = edge.create_agent(key, &json!({"id": "maya", "name": "Other"}));
    assert_error(&duplicate, 409, "resource_already_exists", Param::Is("id"));
    for (body, code, param) in [
        (
            json!({"id": "has space", "name": "x"}),
            "parameter_invalid",
            "id",
        ),
        (
            json!({"id": "x".repeat(129), "name": "x"}),
            "parameter_invalid",
            "id",
        ),
        (json!({"id": "ok"}), "parameter_missing", "name"),
        (
            json!({"name": "x", "role": "admin"}),
            "parameter_unknown",
            "role",
        ),
    ] {
        assert_error(&edge.create_agent(key, &body), 400, code, Param::Is(param));
    }

    let list = edge.call("GET", "/v1/agents").bearer(key).send();
    let body = list.expect(200);
    assert_eq!(body["object"], "list", "{list}");
    assert_eq!(body["has_more"], false, "{list}");
    assert_eq!(body["data"], json!([night, maya]), "in id order\n{list}");

    // One at a time, with the cursor.
    let first = edge.call("GET", "/v1/agents?limit=1").bearer(key).send();
    assert_eq!(first.expect(200)["data"], json!([night]), "{first}");
    assert_eq!(first.json["has_more"], true, "{first}");
    let second = edge
        .call(
            "GET",
            &format!("/v1/agents?limit=1&starting_after={night_id}"),
        )
        .bearer(key)
        .send();
    assert_eq!(second.expect(200)["data"], json!([maya]), "{second}");
    assert_eq!(second.json["has_more"], false, "{second}");
    let bad = edge.call("GET", "/v1/agents?limit=0").bearer(key).send();
    assert_error(&bad, 400, "parameter_invalid", Param::Is("limit"));
    let unknown = edge.call("GET", "/v1/agents?sort=name").bearer(key).send();
    assert_error(&unknown, 400, "parameter_unknown", Param::Is("sort"));

    // A request may still name an unregistered agent.
    let request = edge.create_request_with(
        key,
        json!({"amount": "1.00", "currency": "USD", "description": "x", "agent_id": "not-registered"}),
    );
    assert_eq!(request.json["agent_id"], "not-registered");
}

/// Every op a restricted key may run works; every other one is 403 permission_denied.
#[test]
fn restricted_keys_run_conversations_and_nothing_else() {
    let edge = shared();
    let seller = edge.create_seller();
    let sk = &seller.secret_key;
    // `scope: "all"`: this test is about what a key may do, not whose requests it reaches.
    let (key_id, rk) = edge.scoped_key(sk, "maya", "all");
    assert!(rk.starts_with("rk_test_"), "{rk}");
    assert!(key_id.starts_with("key_"), "{key_id}");

    // Allowed: create (bound to the key's agent), read, cancel.
    let created = edge.create_request(&rk, "8.00", "USD");
    assert_eq!(created.json["agent_id"], "maya", "{}", created.json);
    let same_agent = edge.create_request_with(
        &rk,
        json!({"amount": "1.00", "currency": "USD", "description": "x", "agent_id": "maya"}),
    );
    assert_eq!(same_agent.json["agent_id"], "maya");
    let read = edge.get_request(&rk, &created.id);
    assert_eq!(read.expect(200)["id"], created.id.as_str(), "{read}");
    let by_seller = edge.create_request(sk, "2.00", "USD");
    edge.get_request(&rk, &by_seller.id).expect(200);
    let canceled = edge.cancel(&rk, &created.id);
    assert_eq!(canceled.expect(200)["status"], "canceled", "{canceled}");
    let sellers_view = edge.get_request(sk, &created.id);
    assert_eq!(sellers_view.json["status"], "canceled", "{sellers_view}");
    let idempotent = edge
        .call("POST", "/v1/payment_requests")
        .bearer(&rk)
        .idempotency_key(&unique("rk-"))
        .json(&json!({"amount": "3.00", "currency": "USD", "description": "x"}))
        .send();
    assert_eq!(idempotent.expect(201)["agent_id"], "maya", "{idempotent}");

    // Another agent's id in the body is refused, and creates nothing.
    let other = edge
        .call("POST", "/v1/payment_requests")
        .bearer(&rk)
        .json(&json!({"amount": "1.00", "currency": "USD", "description": "x", "agent_id": "sam"}))
        .send();
    assert_error(&other, 403, "permission_denied", Param::Is("agent_id"));
    assert_error_type(&other, "permission_error");

    // Denied: the seller's account, agents and keys.
    let roll = format!("/v1/keys/{key_id}/roll");
    let revoke = format!("/v1/keys/{key_id}");
    let denied: Vec<(&str, &str, Option<Value>)> = vec![
        ("GET", "/v1/seller", None),
        (
            "PATCH",
            "/v1/seller",
            Some(json!({"display_name": "Mine now"})),
        ),
        ("GET", "/v1/agents", None),
        ("POST", "/v1/agents", Some(json!({"name": "Sam"}))),
        ("GET", "/v1/keys", None),
        ("POST", "/v1/keys", Some(json!({"agent_id": "maya"}))),
        ("POST", &roll, Some(json!({"overlap_hours": 0}))),
        ("DELETE", &revoke, None),
    ];
    for (method, path, body) in denied {
        let mut call = edge.call(method, path).bearer(&rk);
        if let Some(b) = &body {
            call = call.json(b);
        }
        let reply = call.send();
        assert_error(&reply, 403, "permission_denied", Param::Any);
        assert_error_type(&reply, "permission_error");
    }
    // Nothing the denied calls tried happened.
    let account = edge.get_seller(sk);
    assert_eq!(account.json["display_name"], seller.display_name.as_str());
    let keys = edge.list_keys(sk);
    assert_eq!(
        keys.json["data"].as_array().map(Vec::len),
        Some(2),
        "{keys}"
    );
    edge.get_request(&rk, &by_seller.id).expect(200);

    // A forged restricted key, or a secret key dressed as one, is 401 before any storage.
    for forged in [
        tweak(&rk, 30),
        rk.replacen("rk_", "sk_", 1),
        rk.replacen("_test_", "_live_", 1),
    ] {
        let reply = edge.get_request(&forged, &by_seller.id);
        assert_error(&reply, 401, "invalid_credentials", Param::Null);
    }
}

#[test]
fn keys_are_listed_without_secrets() {
    let edge = shared();
    let seller = edge.create_seller();
    let sk = &seller.secret_key;
    let (key_id, rk) = edge.restricted_key(sk, "lee");
    let list = edge.list_keys(sk);
    let body = list.expect(200);
    assert_eq!(body["object"], "list", "{list}");
    assert_eq!(body["has_more"], false, "{list}");
    let data = body["data"].as_array().expect("data");
    assert_eq!(data.len(), 2, "{list}");
    assert_eq!(data[0]["kind"], "secret", "{list}");
    assert_eq!(data[0]["agent_id"], Value::Null, "{list}");
    assert!(
        data[0]["id"].as_str().unwrap_or("").starts_with("key_"),
        "{list}"
    );
    assert_eq!(data[1]["id"], key_id.as_str(), "{list}");
    assert_eq!(data[1]["object"], "api_key", "{list}");
    assert_eq!(data[1]["kind"], "restricted", "{list}");
    assert_eq!(data[1]["agent_id"], "lee", "{list}");
    assert_eq!(data[1]["revoked_at"], Value::Null, "{list}");
    assert_rfc3339_utc(&data[1]["created_at"], "key.created_at");
    assert!(
        !list.text.contains(&rk) && !list.text.contains(sk.as_str()),
        "{list}"
    );
    assert!(!list.text.contains("secret_key"), "{list}");
    // The seller's own key id is stable.
    let again = edge.list_keys(sk);
    assert_eq!(again.json["data"][0]["id"], data[0]["id"], "{again}");

    // A key needs a registered agent of this seller.
    let unknown = edge.create_key(sk, "nobody");
    assert_error(&unknown, 400, "resource_missing", Param::Is("agent_id"));
    let missing = edge
        .call("POST", "/v1/keys")
        .bearer(sk)
        .json(&json!({}))
        .send();
    assert_error(&missing, 400, "parameter_missing", Param::Is("agent_id"));
}

#[test]
fn a_revoked_key_is_401_at_once() {
    let edge = shared();
    let seller = edge.create_seller();
    let sk = &seller.secret_key;
    let (key_id, rk) = edge.restricted_key(sk, "ana");
    let request = edge.create_request(&rk, "4.00", "USD");

    let revoked = edge.revoke_key(sk, &key_id);
    let body = revoked.expect(200).clone();
    assert_eq!(body["id"], key_id.as_str(), "{revoked}");
    assert_rfc3339_utc(&body["revoked_at"], "key.revoked_at");
    let reply = edge.get_request(&rk, &request.id);
    assert_error(&reply, 401, "invalid_credentials", Param::Null);
    // Again: the same answer. Rolling it: refused.
    assert_eq!(edge.revoke_key(sk, &key_id).expect(200), &body);
    assert_error(
        &edge.roll_key(sk, &key_id, 0),
        409,
        "key_revoked",
        Param::Null,
    );
    let list = edge.list_keys(sk);
    assert_eq!(
        list.json["data"][1]["revoked_at"], body["revoked_at"],
        "{list}"
    );

    // The seller's secret key is rolled, never revoked: that would lock the seller out.
    let own = list.json["data"][0]["id"]
        .as_str()
        .expect("own key id")
        .to_owned();
    let refused = edge.revoke_key(sk, &own);
    assert_error(&refused, 409, "key_not_revocable", Param::Null);
    edge.get_request(sk, &request.id).expect(200);

    let forged = edge.revoke_key(sk, &tweak(&key_id, 10));
    assert_error(&forged, 404, "resource_missing", Param::Null);
    let not_an_id = edge.revoke_key(sk, "key_nothing");
    assert_error(&not_an_id, 404, "resource_missing", Param::Null);
}

#[test]
fn rolling_a_key_keeps_the_old_secret_for_the_overlap() {
    let edge = shared();
    let seller = edge.create_seller();
    let sk = &seller.secret_key;
    let request = edge.create_request(sk, "4.00", "USD");

    // Overlap 0: the old secret is dead at once, the new one works.
    // `scope: "all"`: the seller's request is read through the agent's key.
    let (key_id, old) = edge.scoped_key(sk, "kai", "all");
    let rolled = edge.roll_key(sk, &key_id, 0);
    let body = rolled.expect(200).clone();
    assert_eq!(body["id"], key_id.as_str(), "same key id\n{rolled}");
    assert_eq!(body["agent_id"], "kai", "{rolled}");
    let new = body["secret_key"].as_str().expect("secret_key").to_owned();
    assert!(new.starts_with("rk_test_") && new != old, "{rolled}");
    assert_error(
        &edge.get_request(&old, &request.id),
        401,
        "invalid_credentials",
        Param::Null,
    );
    edge.get_request(&new, &request.id).expect(200);
    let created = edge.create_request(&new, "1.00", "USD");
    assert_eq!(created.json["agent_id"], "kai");

    // Overlap 2 hours: both work right after the roll; no body means overlap 0.
    let rolled = edge.roll_key(sk, &key_id, 2);
    let body = rolled.expect(200).clone();
    assert_rfc3339_utc(
        &body["previous_secret_expires_at"],
        "previous_secret_expires_at",
    );
    let newer = body["secret_key"].as_str().expect("secret_key").to_owned();
    edge.get_request(&new, &request.id).expect(200);
    edge.get_request(&newer, &request.id).expect(200);
    let rolled = edge
        .call("POST", &format!("/v1/keys/{key_id}/roll"))
        .bearer(sk)
        .send();
    let newest = rolled.expect(200)["secret_key"]
        .as_str()
        .expect("secret_key")
        .to_owned();
    // A roll with no overlap ends every older secret, the one still in its overlap too.
    for gone in [&new, &newer] {
        assert_error(
            &edge.get_request(gone, &request.id),
            401,
            "invalid_credentials",
            Param::Null,
        );
    }
    edge.get_request(&newest, &request.id).expect(200);
    let list = edge.list_keys(sk);
    assert_eq!(
        list.json["data"].as_array().map(Vec::len),
        Some(2),
        "one id per key\n{list}"
    );

    for bad in [
        json!({"overlap_hours": 25}),
        json!({"overlap_hours": -1}),
        json!({"overlap_hours": "1"}),
        json!({"hours": 1}),
    ] {
        let reply = edge
            .call("POST", &format!("/v1/keys/{key_id}/roll"))
            .bearer(sk)
            .json(&bad)
            .send();
        assert_eq!(reply.status, 400, "{bad}\n{reply}");
        edge.get_request(&newest, &request.id).expect(200);
    }

    // The seller's own secret key rolls too, with an overlap so the old one still works.
    let own = list.json["data"][0]["id"]
        .as_str()
        .expect("own key id")
        .to_owned();
    let rolled = edge.roll_key(sk, &own, 1);
    let new_sk = rolled.expect(200)["secret_key"]
        .as_str()
        .expect("secret_key")
        .to_owned();
    assert!(new_sk.starts_with("sk_test_"), "{rolled}");
    edge.get_request(sk, &request.id).expect(200);
    edge.get_request(&new_sk, &request.id).expect(200);
    // Then with none: the old secret key is done.
    let rolled = edge.roll_key(&new_sk, &own, 0);
    let final_sk = rolled.expect(200)["secret_key"]
        .as_str()
        .expect("secret_key")
        .to_owned();
    for gone in [sk.as_str(), new_sk.as_str()] {
        assert_error(
            &edge.get_request(gone, &request.id),
            401,
            "invalid_credentials",
            Param::Null,
        );
    }
    edge.get_seller(&final_sk).expect(200);
}

fn set_limits(edge: &chatpay_tests::Edge, seller: &Seller, limits: Value) -> Value {
    let reply = edge.patch_seller(&seller.secret_key, &json!({ "limits": limits }));
    reply.expect(200)["limits"].clone()
}

fn try_create(edge: &chatpay_tests::Edge, key: &str, amount: &str, currency: &str) -> Reply {
    edge.call("POST", "/v1/payment_requests")
        .bearer(key)
        .json(&json!({"amount": amount, "currency": currency, "description": "Limited"}))
        .send()
}

#[test]
fn limits_per_request_and_per_rolling_168_hours() {
    let edge = shared();
    let seller = edge.create_seller();
    let sk = &seller.secret_key;
    let limits = set_limits(
        &edge,
        &seller,
        json!({"USD": {"max_per_request": "500", "max_rolling_168h": "2000.00"},
               "JPY": {"max_per_request": "10000"}}),
    );
    assert_eq!(
        limits,
        json!({"JPY": {"max_per_request": "10000", "max_rolling_168h": null},
               "USD": {"max_per_request": "500.00", "max_rolling_168h": "2000.00"}})
    );
    assert_eq!(edge.get_seller(sk).json["limits"], limits);

    // Per request.
    let over = try_create(&edge, sk, "500.01", "USD");
    assert_error(&over, 422, "limit_exceeded", Param::Is("amount"));
    assert_error(
        &try_create(&edge, sk, "10001", "JPY"),
        422,
        "limit_exceeded",
        Param::Is("amount"),
    );
    edge.create_request(sk, "10000", "JPY");
    // Other currencies are not limited.
    edge.create_request(sk, "9000.00", "EUR");

    // Rolling: 4 × 500 fills the window; a cent more is refused, also for an agent's key.
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(edge.create_request(sk, "500.00", "USD").id);
    }
    let full = try_create(&edge, sk, "0.01", "USD");
    assert_error(&full, 422, "limit_exceeded", Param::Is("amount"));
    let (_, rk) = edge.restricted_key(sk, "limited-agent");
    assert_error(
        &try_create(&edge, &rk, "0.01", "USD"),
        422,
        "limit_exceeded",
        Param::Is("amount"),
    );

    // A paid request still counts; a canceled one frees its place.
    let paid = chatpay_tests::PaymentRequest {
        id: ids[0].clone(),
        client_secret: edge.get_request(sk, &ids[0]).json["client_secret"]
            .as_str()
            .expect("client_secret")
            .to_owned(),
        json: Value::Null,
    };
    edge.pay_with(&paid, chatpay_tests::cards::VISA).expect(200);
    assert_eq!(try_create(&edge, sk, "0.01", "USD").status, 422);
    edge.cancel(sk, &ids[1]).expect(200);
    edge.create_request(sk, "300.00", "USD");
    edge.create_request(&rk, "200.00", "USD");
    assert_eq!(try_create(&edge, sk, "0.01", "USD").status, 422);

    // A refusal with an Idempotency-Key replays as the same 422.
    let idem = unique("limit-");
    let body = json!({"amount": "1.00", "currency": "USD", "description": "Limited"});
    let first = edge
        .call("POST", "/v1/payment_requests")
        .bearer(sk)
        .idempotency_key(&idem)
        .json(&body)
        .send();
    assert_error(&first, 422, "limit_exceeded", Param::Is("amount"));
    let again = edge
        .call("POST", "/v1/payment_requests")
        .bearer(sk)
        .idempotency_key(&idem)
        .json(&body)
        .send();
    assert_error(&again, 422, "limit_exceeded", Param::Is("amount"));
    assert_eq!(again.header("idempotent-replayed"), Some("true"), "{again}");

    // Raising or removing the limit lets requests through again.
    set_limits(
        &edge,
        &seller,
        json!({"USD": {"max_rolling_168h": "2500.00"}}),
    );
    edge.create_request(sk, "500.00", "USD");
    assert_eq!(try_create(&edge, sk, "0.01", "USD").status, 422);
    let limits = set_limits(&edge, &seller, json!({"USD": null}));
    assert_eq!(
        limits,
        json!({"JPY": {"max_per_request": "10000", "max_rolling_168h": null}})
    );
    edge.create_request(sk, "900.00", "USD");

    // Limits take the currency's exact format and at most the platform maximum.
    for (limits, code, param) in [
        (
            json!({"USD": {"max_per_request": "5.001"}}),
            "parameter_invalid",
            "limits.USD.max_per_request",
        ),
        (
            json!({"JPY": {"max_per_request": "10.5"}}),
            "parameter_invalid",
            "limits.JPY.max_per_request",
        ),
        (
            json!({"USD": {"max_rolling_168h": "1000000.00"}}),
            "amount_too_large",
            "limits.USD.max_rolling_168h",
        ),
        (
            json!({"USD": {"max_per_request": "0"}}),
            "amount_too_small",
            "limits.USD.max_per_request",
        ),
        (
            json!({"USD": {"max_per_request": 500}}),
            "parameter_invalid_type",
            "limits.USD.max_per_request",
        ),
        (
            json!({"XYZ": {"max_per_request": "1"}}),
            "currency_unsupported",
            "limits.XYZ",
        ),
    ] {
        let reply = edge.patch_seller(sk, &json!({ "limits": limits }));
        assert_error(&reply, 400, code, Param::Is(param));
    }
}

/// Two sellers: each one's key ids, agents and keys are invisible to the other.
#[test]
fn tenant_isolation_for_accounts_agents_and_keys() {
    let edge = shared();
    let a = edge.create_seller();
    let b = edge.create_seller();
    let (a_key_id, a_rk) = edge.scoped_key(&a.secret_key, "shared-name", "all");
    let a_request = edge.create_request(&a.secret_key, "3.00", "USD");
    let b_request = edge.create_request(&b.secret_key, "3.00", "USD");

    // B's key on A's key id: 404, and A's key still works.
    assert_error(
        &edge.revoke_key(&b.secret_key, &a_key_id),
        404,
        "resource_missing",
        Param::Null,
    );
    assert_error(
        &edge.roll_key(&b.secret_key, &a_key_id, 0),
        404,
        "resource_missing",
        Param::Null,
    );
    edge.get_request(&a_rk, &a_request.id).expect(200);

    // B sees only its own account, agents and keys.
    let seller = edge.get_seller(&b.secret_key);
    assert_eq!(seller.expect(200)["id"], b.id.as_str(), "{seller}");
    let agents = edge.call("GET", "/v1/agents").bearer(&b.secret_key).send();
    assert_eq!(agents.expect(200)["data"], json!([]), "{agents}");
    let keys = edge.list_keys(&b.secret_key);
    assert_eq!(
        keys.json["data"].as_array().map(Vec::len),
        Some(1),
        "{keys}"
    );
    assert!(!keys.text.contains(&a_key_id), "{keys}");
    // A's agent is not B's: no key for it, but B may register the same id.
    assert_error(
        &edge.create_key(&b.secret_key, "shared-name"),
        400,
        "resource_missing",
        Param::Is("agent_id"),
    );
    let (_, b_rk) = edge.scoped_key(&b.secret_key, "shared-name", "all");

    // Each restricted key reaches only its own seller's requests.
    assert_error(
        &edge.get_request(&a_rk, &b_request.id),
        404,
        "resource_missing",
        Param::Null,
    );
    assert_error(
        &edge.cancel(&a_rk, &b_request.id),
        404,
        "resource_missing",
        Param::Null,
    );
    assert_error(
        &edge.get_request(&b_rk, &a_request.id),
        404,
        "resource_missing",
        Param::Null,
    );
    edge.get_request(&b_rk, &b_request.id).expect(200);

    // A's limits do not bind B.
    edge.patch_seller(
        &a.secret_key,
        &json!({"limits": {"USD": {"max_per_request": "1.00"}}}),
    )
    .expect(200);
    edge.create_request(&b.secret_key, "50.00", "USD");
    assert_eq!(try_create(&edge, &a.secret_key, "50.00", "USD").status, 422);
}

/// Named to start last: onboards and patches with every bank account number the tests use
/// (valid and refused), waits for the other tests, then scans state and logs.
#[test]
fn zz_no_bank_or_card_number_in_persisted_state_or_logs() {
    let edge = shared();
    let marker = unique("leak-scan-marker-");
    let seller = edge.create_seller_with(seller_body(json!({
        "display_name": marker,
        "payout_bank_account": {"iban": IBAN_FR},
    })));
    for account in [
        json!({"iban": IBAN_DE}),
        json!({"iban": grouped(IBAN_GB)}),
        json!({"iban": IBAN_BAD_CHECKSUM}),
        json!({"iban": IBAN_BAD_LENGTH}),
        json!({"country": "US", "routing_number": ROUTING, "account_number": US_ACCOUNT}),
        json!({"country": "US", "routing_number": ROUTING_BAD_CHECKSUM, "account_number": US_ACCOUNT_2}),
    ] {
        let reply = edge.patch_seller(
            &seller.secret_key,
            &json!({ "payout_bank_account": account }),
        );
        assert!(matches!(reply.status, 200 | 400), "{reply}");
        assert_no_account_numbers(&reply);
    }
    let request = edge.create_request_with(
        &seller.secret_key,
        json!({"amount": "3.00", "currency": "EUR", "description": marker}),
    );
    edge.pay_with(&request, chatpay_tests::cards::VISA)
        .expect(200);

    wait_for_other_tests();
    assert_no_card_numbers(&edge, &marker);
}

/// The order lifecycle's ops through a restricted key: ship, deliver, list and timelines are
/// the agent's; refunds, claims, reports and the test clock are not.
#[test]
fn restricted_keys_ship_deliver_and_read_history_but_never_refund() {
    let edge = shared();
    let seller = edge.create_seller();
    let sk = &seller.secret_key;
    let (_, rk) = edge.restricted_key(sk, "ops-agent");
    let conversation = unique("conv-");
    let paid = edge.create_paid(
        &rk,
        json!({"amount": "20.00", "currency": "USD", "description": "Mug",
               "conversation_id": conversation}),
    );
    assert_eq!(paid.json["status"], "paid");

    let shipped = edge.ship(&rk, &paid.id, "UPS", "1Z999AA10123456784");
    assert_eq!(
        shipped.expect(200)["fulfillment_status"],
        "shipped",
        "{shipped}"
    );
    let delivered = edge.deliver(&rk, &paid.id);
    assert_eq!(
        delivered.expect(200)["fulfillment_status"],
        "delivered",
        "{delivered}"
    );
    let list = edge.list_requests(&rk, "");
    assert_eq!(
        list.expect(200)["data"][0]["id"],
        paid.id.as_str(),
        "{list}"
    );
    let timeline = edge.timeline(&rk, &conversation);
    let events = timeline.expect(200)["data"]
        .as_array()
        .expect("events")
        .clone();
    assert!(
        events.iter().any(|e| e["actor"] == "agent:ops-agent"),
        "the agent's actions are the agent's\n{timeline}"
    );

    let claim = edge.open_claim(&paid, "damaged");
    let claim_id = claim.expect(201)["id"]
        .as_str()
        .expect("claim id")
        .to_owned();
    for reply in [
        edge.refund(&rk, &paid.id, Some("1.00"), "requested_by_customer"),
        edge.respond_claim(&rk, &claim_id),
        edge.resolve_claim(&rk, &claim_id, "refund"),
        edge.call(
            "GET",
            "/v1/reports/revenue?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z&group_by=agent",
        )
        .bearer(&rk)
        .send(),
        edge.advance_clock(&rk, 60),
    ] {
        assert_error(&reply, 403, "permission_denied", Param::Any);
        assert_error_type(&reply, "permission_error");
    }
    let after = edge.read(sk, &paid.id);
    assert_eq!(after["refund_status"], "none", "{after}");
    assert_eq!(after["claim"]["status"], "open", "{after}");
}

/// With the seller's test clock: the rolling window really is 168 hours, and a rolled
/// secret really stops at the end of its overlap.
#[test]
fn the_rolling_window_and_key_overlaps_follow_the_sellers_clock() {
    let edge = shared();
    let seller = edge.create_seller();
    let sk = &seller.secret_key;
    set_limits(
        &edge,
        &seller,
        json!({"USD": {"max_rolling_168h": "100.00"}}),
    );
    // Paid requests never expire, so only the window can free their place.
    edge.create_paid(
        sk,
        json!({"amount": "60.00", "currency": "USD", "description": "A"}),
    );
    edge.advance(sk, 100 * 3600);
    edge.create_paid(
        sk,
        json!({"amount": "40.00", "currency": "USD", "description": "B"}),
    );
    assert_eq!(try_create(&edge, sk, "0.01", "USD").status, 422);
    // 168 hours after the first: its 60.00 leaves the window, the 40.00 stays.
    edge.advance(sk, 68 * 3600 + 1);
    edge.create_request(sk, "60.00", "USD");
    assert_eq!(try_create(&edge, sk, "0.01", "USD").status, 422);

    let (key_id, old) = edge.scoped_key(sk, "clocked", "all");
    let probe = edge.create_request(sk, "1.00", "EUR");
    let new = edge.roll_key(sk, &key_id, 2).expect(200)["secret_key"]
        .as_str()
        .expect("secret_key")
        .to_owned();
    edge.advance(sk, 2 * 3600 - 60);
    edge.get_request(&old, &probe.id).expect(200);
    edge.advance(sk, 61);
    assert_error(
        &edge.get_request(&old, &probe.id),
        401,
        "invalid_credentials",
        Param::Null,
    );
    edge.get_request(&new, &probe.id).expect(200);
}
