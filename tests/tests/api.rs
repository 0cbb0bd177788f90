//! The edge API v1 through the front door, against one real `wrangler dev` shared by every
//! test in this file: the happy path, amounts, sandbox declines, a table of bad inputs,
//! cancel, idempotency and CORS. The last test (by name) scans persisted state and logs for
//! card numbers once the others are done.

use chatpay_tests::cards::{
    card, declining_cards, future_expiry, pay_body, pay_body_with, this_month, AMEX, BAD_LUHN,
    DISCOVER, MASTERCARD, OTHER_VISA, VISA,
};
use chatpay_tests::checks::{
    assert_error, assert_error_type, assert_json_content_type, assert_public_object,
    assert_rfc3339_utc, check_error, find_key,
};
use chatpay_tests::scan::assert_no_card_numbers;
use chatpay_tests::{shared, unique, wait_for_other_tests, Param, Reply};
use serde_json::{json, Value};

/// `text` with one character changed: a forged or mistyped key or id.
fn tweak(text: &str, at: usize) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let i = at.min(chars.len() - 1);
    chars[i] = if chars[i] == 'a' { 'b' } else { 'a' };
    chars.into_iter().collect()
}

fn str_of<'a>(v: &'a Value, what: &str, reply: &Reply) -> &'a str {
    v.as_str()
        .unwrap_or_else(|| panic!("{what} is not a string\n{reply}"))
}

#[test]
fn healthz_answers_200() {
    let edge = shared();
    let reply = edge.call("GET", "/healthz").send();
    reply.expect(200);
}

#[test]
fn happy_path_seller_request_pay_and_read_back() {
    let edge = shared();

    // The seller, as the platform creates it.
    let origin = format!("https://{}.example", unique("happy-"));
    let seller = edge.create_seller_with(json!({
        "display_name": "Clay & Co",
        "country": "US",
        "default_currency": "USD",
        "allowed_origins": [origin],
    }));
    let s = &seller.json;
    assert!(seller.id.starts_with("sel_"), "{s}");
    assert!(seller.secret_key.starts_with("sk_test_"), "{s}");
    assert_eq!(s["object"], "seller", "{s}");
    assert_eq!(s["display_name"], "Clay & Co", "{s}");
    assert_eq!(s["country"], "US", "{s}");
    assert_eq!(s["default_currency"], "USD", "{s}");
    assert_eq!(s["allowed_origins"], json!([origin]), "{s}");
    assert_eq!(s["livemode"], false, "{s}");
    assert_rfc3339_utc(&s["created_at"], "seller.created_at");

    // The request, as the seller's server creates it.
    let conversation = unique("conv-");
    let agent = unique("agent_");
    let request = edge.create_request_with(
        &seller.secret_key,
        json!({
            "amount": "12.50",
            "currency": "USD",
            "description": "Hand-thrown stoneware mug",
            "conversation_id": conversation,
            "agent_id": agent,
        }),
    );
    let r = &request.json;
    assert!(request.id.starts_with("pr_"), "{r}");
    assert!(request.client_secret.starts_with("cs_"), "{r}");
    assert_eq!(r["object"], "payment_request", "{r}");
    assert_eq!(r["status"], "requested", "{r}");
    assert_eq!(r["amount"], "12.50", "{r}");
    assert_eq!(r["currency"], "USD", "{r}");
    assert_eq!(r["description"], "Hand-thrown stoneware mug", "{r}");
    assert_eq!(r["seller"]["id"], seller.id.as_str(), "{r}");
    assert_eq!(r["seller"]["display_name"], "Clay & Co", "{r}");
    assert_eq!(r["conversation_id"], conversation.as_str(), "{r}");
    assert_eq!(r["agent_id"], agent.as_str(), "{r}");
    assert_eq!(r["livemode"], false, "{r}");
    assert_eq!(r["payment"], Value::Null, "{r}");
    assert_rfc3339_utc(&r["created_at"], "request.created_at");
    let secrets = [
        seller.id.as_str(),
        request.client_secret.as_str(),
        conversation.as_str(),
        agent.as_str(),
    ];

    // Before paying: both views say requested, with no payment.
    let full = edge.get_request(&seller.secret_key, &request.id);
    full.expect(200);
    assert_json_content_type(&full);
    assert_eq!(full.json["status"], "requested", "{full}");
    assert_eq!(full.json["payment"], Value::Null, "{full}");
    assert_eq!(full.json["livemode"], false, "{full}");

    let public = edge.get_public(&request);
    public.expect(200);
    assert_public_object(&public, &request.id, &secrets);
    assert_eq!(public.json["status"], "requested", "{public}");
    assert_eq!(public.json["amount"], "12.50", "{public}");
    assert_eq!(public.json["currency"], "USD", "{public}");
    assert_eq!(
        public.json["seller"]["display_name"], "Clay & Co",
        "{public}"
    );
    assert_eq!(public.json["payment"], Value::Null, "{public}");

    // The buyer pays.
    let mut body = pay_body(VISA);
    body["receipt_email"] = json!("ada@example.com");
    let paid = edge.pay(&request, &body, None);
    paid.expect(200);
    assert_public_object(&paid, &request.id, &secrets);
    let p = &paid.json;
    assert_eq!(p["status"], "paid", "{paid}");
    assert_eq!(p["amount"], "12.50", "{paid}");
    assert_eq!(p["currency"], "USD", "{paid}");
    assert_eq!(p["description"], "Hand-thrown stoneware mug", "{paid}");
    let payment_id = str_of(&p["payment"]["id"], "payment.id", &paid);
    assert!(payment_id.starts_with("pay_"), "{paid}");
    assert_eq!(p["payment"]["brand"], "visa", "{paid}");
    assert_eq!(p["payment"]["last4"], "4242", "{paid}");
    assert_rfc3339_utc(&p["payment"]["paid_at"], "payment.paid_at");
    assert!(!paid.text.contains(VISA), "the PAN is echoed\n{paid}");

    // The public object afterwards is the one the pay answered.
    let public = edge.get_public(&request);
    public.expect(200);
    assert_public_object(&public, &request.id, &secrets);
    assert_eq!(public.json, paid.json, "public GET after pay\n{public}");

    // The seller's view: the full record, with the method.
    let full = edge.get_request(&seller.secret_key, &request.id);
    full.expect(200);
    let f = &full.json;
    assert_eq!(f["id"], request.id.as_str(), "{full}");
    assert_eq!(f["object"], "payment_request", "{full}");
    assert_eq!(f["status"], "paid", "{full}");
    assert_eq!(f["amount"], "12.50", "{full}");
    assert_eq!(f["currency"], "USD", "{full}");
    assert_eq!(f["conversation_id"], conversation.as_str(), "{full}");
    assert_eq!(f["agent_id"], agent.as_str(), "{full}");
    assert_eq!(f["seller"]["id"], seller.id.as_str(), "{full}");
    assert_eq!(f["livemode"], false, "{full}");
    assert_rfc3339_utc(&f["created_at"], "full.created_at");
    assert_eq!(f["created_at"], r["created_at"], "{full}");
    assert_eq!(f["payment"]["id"], payment_id, "{full}");
    assert_eq!(f["payment"]["paid_at"], p["payment"]["paid_at"], "{full}");
    let method = &f["payment"]["method"];
    let (year, month) = future_expiry();
    assert_eq!(method["type"], "card", "{full}");
    assert_eq!(method["brand"], "visa", "{full}");
    assert_eq!(method["last4"], "4242", "{full}");
    assert_eq!(method["exp_month"], month, "{full}");
    assert_eq!(method["exp_year"], year, "{full}");
    assert!(
        !full.text.contains(VISA),
        "the PAN is in the record\n{full}"
    );
    for key in ["cvc", "number"] {
        assert!(find_key(f, key).is_empty(), "record holds `{key}`\n{full}");
    }
}

#[test]
fn amounts_carry_exactly_the_currency_exponent() {
    let edge = shared();
    let seller = edge.create_seller();
    let cases = [
        ("12.5", "USD", "12.50"),
        ("12.50", "USD", "12.50"),
        ("7", "USD", "7.00"),
        ("0.01", "EUR", "0.01"),
        ("1200", "JPY", "1200"),
        ("1", "KRW", "1"),
        ("1.25", "KWD", "1.250"),
        ("1.250", "KWD", "1.250"),
        ("0.5", "BHD", "0.500"),
        ("0.001", "KWD", "0.001"),
        ("999999.99", "USD", "999999.99"),
    ];
    let mut wrong = Vec::new();
    for (amount, currency, expected) in cases {
        let request = edge.create_request(&seller.secret_key, amount, currency);
        let full = edge.get_request(&seller.secret_key, &request.id);
        let public = edge.get_public(&request);
        for (view, body) in [
            ("create", &request.json),
            ("seller GET", &full.json),
            ("public GET", &public.json),
        ] {
            if body["amount"] != expected || body["currency"] != currency {
                wrong.push(format!(
                    "{amount} {currency}: {view} says {} {} (expected {expected})",
                    body["amount"], body["currency"]
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // A paid JPY request keeps its whole-number amount.
    let request = edge.create_request(&seller.secret_key, "1200", "JPY");
    let paid = edge.pay_with(&request, MASTERCARD);
    paid.expect(200);
    assert_eq!(paid.json["amount"], "1200", "{paid}");
    assert_eq!(paid.json["payment"]["brand"], "mastercard", "{paid}");
    assert_eq!(paid.json["payment"]["last4"], "4444", "{paid}");
}

#[test]
fn approved_test_cards_report_brand_and_last4() {
    let edge = shared();
    let seller = edge.create_seller();
    let mut fingerprints = Vec::new();
    for (number, brand, last4) in [
        (VISA, "visa", "4242"),
        (MASTERCARD, "mastercard", "4444"),
        (AMEX, "amex", "0005"),
        (OTHER_VISA, "visa", "5556"),
        (DISCOVER, "discover", "1117"),
    ] {
        let request = edge.create_request(&seller.secret_key, "20.00", "USD");
        let paid = edge.pay_with(&request, number);
        paid.expect(200);
        assert_eq!(paid.json["status"], "paid", "{paid}");
        assert_eq!(paid.json["payment"]["brand"], brand, "{paid}");
        assert_eq!(paid.json["payment"]["last4"], last4, "{paid}");
        let full = edge.get_request(&seller.secret_key, &request.id);
        full.expect(200);
        assert_eq!(full.json["payment"]["method"]["brand"], brand, "{full}");
        assert_eq!(full.json["payment"]["method"]["last4"], last4, "{full}");
        fingerprints.push(full.json["payment"]["method"]["fingerprint"].clone());
    }
    // docs/API.md: the fingerprint is the same for the same card at the same seller.
    let request = edge.create_request(&seller.secret_key, "20.00", "USD");
    edge.pay_with(&request, VISA).expect(200);
    let full = edge.get_request(&seller.secret_key, &request.id);
    let fingerprint = &full.json["payment"]["method"]["fingerprint"];
    assert!(fingerprint.is_string(), "{full}");
    assert_eq!(
        fingerprint, &fingerprints[0],
        "same card, same seller\n{full}"
    );
    for (i, f) in fingerprints.iter().enumerate().skip(1) {
        assert_ne!(
            f, &fingerprints[0],
            "card {i} shares the Visa's fingerprint"
        );
    }
}

#[test]
fn each_sandbox_decline_is_402_and_the_request_stays_payable() {
    let edge = shared();
    let seller = edge.create_seller();
    let cards = declining_cards();
    assert_eq!(cards.len(), 5, "the sandbox table changed: {cards:?}");
    for (number, decline_code) in cards {
        let code = match decline_code {
            "generic_decline" | "insufficient_funds" => "card_declined",
            other => other,
        };
        let request = edge.create_request(&seller.secret_key, "9.99", "USD");
        let declined = edge.pay_with(&request, number);
        assert_error(&declined, 402, code, Param::Any);
        assert_error_type(&declined, "card_error");
        assert_eq!(
            declined.json["error"]["decline_code"], decline_code,
            "decline_code for {number}\n{declined}"
        );
        assert!(!declined.text.contains(number), "PAN echoed\n{declined}");

        let public = edge.get_public(&request);
        public.expect(200);
        assert_eq!(
            public.json["status"], "requested",
            "after {number}\n{public}"
        );
        assert_eq!(
            public.json["payment"],
            Value::Null,
            "after {number}\n{public}"
        );
        let full = edge.get_request(&seller.secret_key, &request.id);
        assert_eq!(full.json["status"], "requested", "after {number}\n{full}");
        assert_eq!(full.json["payment"], Value::Null, "after {number}\n{full}");

        let paid = edge.pay_with(&request, VISA);
        paid.expect(200);
        assert_eq!(paid.json["status"], "paid", "retry after {number}\n{paid}");
    }
}

#[test]
fn accepted_input_variants() {
    let edge = shared();
    let seller = edge.create_seller();

    // A charset parameter on the JSON media type.
    let reply = edge
        .call("POST", "/v1/payment_requests")
        .bearer(&seller.secret_key)
        .raw(
            Some("application/json; charset=utf-8"),
            json!({"amount": "3.00", "currency": "USD", "description": "Tea"}).to_string(),
        )
        .send();
    reply.expect(201);

    // 128 URL-safe characters is the longest caller-chosen id.
    let long_id = "a-_.~".repeat(25) + "xyz";
    assert_eq!(long_id.len(), 128);
    let request = edge.create_request_with(
        &seller.secret_key,
        json!({"amount": "1.00", "currency": "USD", "description": "Long ids",
               "agent_id": long_id, "conversation_id": long_id}),
    );
    assert_eq!(request.json["agent_id"], long_id.as_str());

    // A card that expires at the end of this month is still good; spaces in the number too.
    let (year, month) = this_month();
    let mut body = pay_body_with("4242 4242 4242 4242", "exp_month", json!(month));
    body["method"]["exp_year"] = json!(year);
    let paid = edge.pay(&request, &body, None);
    paid.expect(200);
    assert_eq!(paid.json["payment"]["last4"], "4242", "{paid}");
}

/// Per case: name, the reply, expected status, accepted codes and param.
type Case = (&'static str, Reply, u16, &'static [&'static str], Param);

#[test]
fn bad_inputs_get_a_4xx_with_the_error_shape() {
    let edge = shared();
    let a = edge.create_seller();
    let b = edge.create_seller();
    let ra = edge.create_request(&a.secret_key, "12.50", "USD");
    let ra2 = edge.create_request(&a.secret_key, "5.00", "USD");
    let rb = edge.create_request(&b.secret_key, "8.00", "USD");

    let ra_path = format!("/v1/payment_requests/{}", ra.id);
    let pay_path = format!("{ra_path}/pay");
    let public_path = format!("{ra_path}/public");
    let good_request = json!({"amount": "12.50", "currency": "USD", "description": "Mug"});
    let request_with = |key: &str, value: Value| {
        let mut body = good_request.clone();
        body[key] = value;
        body
    };
    let create = |body: &Value| {
        edge.call("POST", "/v1/payment_requests")
            .bearer(&a.secret_key)
            .json(body)
            .send()
    };
    let create_raw = |content_type: Option<&str>, body: &[u8]| {
        edge.call("POST", "/v1/payment_requests")
            .bearer(&a.secret_key)
            .raw(content_type, body.to_vec())
            .send()
    };
    // `pay` answers 10 calls a minute per request, so each bad body goes to a request of
    // its own: what is under test is the answer to the body, not the rate limit.
    let fresh = || edge.create_request(&a.secret_key, "12.50", "USD");
    let pay = |body: &Value| {
        let r = fresh();
        edge.call("POST", &format!("/v1/payment_requests/{}/pay", r.id))
            .bearer(&r.client_secret)
            .json(body)
            .send()
    };
    let pay_raw = |content_type: Option<&str>, body: &[u8]| {
        let r = fresh();
        edge.call("POST", &format!("/v1/payment_requests/{}/pay", r.id))
            .bearer(&r.client_secret)
            .raw(content_type, body.to_vec())
            .send()
    };
    let pay_keyed = |key: &str| {
        let r = fresh();
        edge.call("POST", &format!("/v1/payment_requests/{}/pay", r.id))
            .bearer(&r.client_secret)
            .idempotency_key(key)
            .json(&pay_body(VISA))
            .send()
    };
    let with_method = |key: &str, value: Value| pay_body_with(VISA, key, value);
    let (now_year, now_month) = this_month();
    let last_month = if now_month == 1 {
        (now_year - 1, 12)
    } else {
        (now_year, now_month - 1)
    };
    let mut past = pay_body_with(VISA, "exp_month", json!(last_month.1));
    past["method"]["exp_year"] = json!(last_month.0);
    // A body of exactly `len` bytes: valid JSON, description padded.
    let sized = |len: usize| {
        let head = r#"{"amount":"1.00","currency":"USD","description":""#;
        let tail = r#""}"#;
        format!("{head}{}{tail}", "x".repeat(len - head.len() - tail.len()))
    };
    let nested = format!("{}{}", "[".repeat(5000), "]".repeat(5000));

    const INVALID: &[&str] = &["parameter_invalid"];
    const JSON: &[&str] = &["invalid_json"];
    const TYPE: &[&str] = &["parameter_invalid_type"];
    const MISSING: &[&str] = &["parameter_missing"];
    const UNKNOWN: &[&str] = &["parameter_unknown"];
    const CURRENCY: &[&str] = &["currency_unsupported"];
    const TOO_LARGE: &[&str] = &["amount_too_large"];
    const TOO_SMALL: &[&str] = &["amount_too_small"];
    const NO_AUTH: &[&str] = &["authentication_required"];
    const BAD_AUTH: &[&str] = &["invalid_credentials"];
    const MISSING_RESOURCE: &[&str] = &["resource_missing"];
    const METHOD: &[&str] = &["method_not_allowed"];
    const TOO_BIG: &[&str] = &["body_too_large"];
    const MEDIA: &[&str] = &["unsupported_media_type"];
    const NUMBER: &[&str] = &["invalid_number"];
    const MONTH: &[&str] = &["invalid_expiry_month"];
    const YEAR: &[&str] = &["invalid_expiry_year"];
    const CVC: &[&str] = &["invalid_cvc"];
    use Param::{Is, Null};

    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        // Bodies that are not the JSON object asked for.
        ("malformed JSON", create_raw(Some("application/json"), br#"{"amount": "12.50","#), 400, JSON, Null),
        ("empty body", create_raw(Some("application/json"), b""), 400, &["invalid_json", "parameter_missing"], Null),
        ("trailing garbage", create_raw(Some("application/json"), br#"{"amount":"1.00"} x"#), 400, JSON, Null),
        ("invalid UTF-8", create_raw(Some("application/json"), b"{\"description\": \"\xff\xfe\"}"), 400, JSON, Null),
        ("nesting 5000 deep", create_raw(Some("application/json"), nested.as_bytes()), 400, JSON, Null),
        ("JSON array body", create(&json!([1, 2])), 400, TYPE, Is("body")),
        ("JSON string body", create(&json!("12.50 USD")), 400, TYPE, Is("body")),
        ("body over 64 KB", create_raw(Some("application/json"), sized(64 * 1024 + 1).as_bytes()), 413, TOO_BIG, Null),
        ("body of exactly 64 KB is read", create_raw(Some("application/json"), sized(64 * 1024).as_bytes()), 400, INVALID, Is("description")),
        ("pay body over 64 KB", pay(&with_method("name", json!("n".repeat(70_000)))), 413, TOO_BIG, Null),
        ("text/plain", create_raw(Some("text/plain"), good_request.to_string().as_bytes()), 415, MEDIA, Null),
        ("no content type", create_raw(None, good_request.to_string().as_bytes()), 415, MEDIA, Null),
        ("form encoded", create_raw(Some("application/x-www-form-urlencoded"), b"amount=12.50&currency=USD"), 415, MEDIA, Null),
        ("pay as text/plain", pay_raw(Some("text/plain"), pay_body(VISA).to_string().as_bytes()), 415, MEDIA, Null),
        // Amounts.
        ("amount as number", create(&request_with("amount", json!(12.5))), 400, TYPE, Is("amount")),
        ("amount null", create(&request_with("amount", Value::Null)), 400, MISSING, Is("amount")),
        ("amount missing", create(&json!({"currency": "USD", "description": "Mug"})), 400, MISSING, Is("amount")),
        ("negative amount", create(&request_with("amount", json!("-1.00"))), 400, INVALID, Is("amount")),
        ("plus sign", create(&request_with("amount", json!("+1.00"))), 400, INVALID, Is("amount")),
        ("USD 12.345", create(&request_with("amount", json!("12.345"))), 400, INVALID, Is("amount")),
        ("JPY 1.5", create(&json!({"amount": "1.5", "currency": "JPY", "description": "Mug"})), 400, INVALID, Is("amount")),
        ("KWD 1.2345", create(&json!({"amount": "1.2345", "currency": "KWD", "description": "Mug"})), 400, INVALID, Is("amount")),
        ("amount 1e3", create(&request_with("amount", json!("1e3"))), 400, INVALID, Is("amount")),
        ("amount ' 1'", create(&request_with("amount", json!(" 1"))), 400, INVALID, Is("amount")),
        ("amount '1,00'", create(&request_with("amount", json!("1,00"))), 400, INVALID, Is("amount")),
        ("leading zero", create(&request_with("amount", json!("01.00"))), 400, INVALID, Is("amount")),
        ("trailing dot", create(&request_with("amount", json!("12."))), 400, INVALID, Is("amount")),
        ("leading dot", create(&request_with("amount", json!(".5"))), 400, INVALID, Is("amount")),
        ("empty amount", create(&request_with("amount", json!(""))), 400, INVALID, Is("amount")),
        ("NaN", create(&request_with("amount", json!("NaN"))), 400, INVALID, Is("amount")),
        ("full-width digits", create(&request_with("amount", json!("１２"))), 400, INVALID, Is("amount")),
        ("zero", create(&request_with("amount", json!("0"))), 400, TOO_SMALL, Is("amount")),
        ("zero with decimals", create(&request_with("amount", json!("0.00"))), 400, TOO_SMALL, Is("amount")),
        ("USD over the default 999,999.99", create(&request_with("amount", json!("1000000.00"))), 400, TOO_LARGE, Is("amount")),
        ("JPY over the default 99,999,999", create(&json!({"amount": "100000000", "currency": "JPY", "description": "Mug"})), 400, TOO_LARGE, Is("amount")),
        ("2^53 cents", create(&request_with("amount", json!("90071992547409.92"))), 400, TOO_LARGE, Is("amount")),
        ("2^53 yen", create(&json!({"amount": "9007199254740992", "currency": "JPY", "description": "Mug"})), 400, TOO_LARGE, Is("amount")),
        ("24 digits", create(&request_with("amount", json!("100000000000000000000000"))), 400, &["amount_too_large", "parameter_invalid"], Is("amount")),
        // Currencies.
        ("unknown currency", create(&request_with("currency", json!("XYZ"))), 400, CURRENCY, Is("currency")),
        ("lowercase currency", create(&request_with("currency", json!("usd"))), 400, CURRENCY, Is("currency")),
        ("gold is no currency", create(&request_with("currency", json!("XAU"))), 400, CURRENCY, Is("currency")),
        ("numeric currency", create(&request_with("currency", json!(840))), 400, TYPE, Is("currency")),
        ("currency missing", create(&json!({"amount": "1.00", "description": "Mug"})), 400, MISSING, Is("currency")),
        // Other request fields.
        ("empty description", create(&request_with("description", json!(""))), 400, INVALID, Is("description")),
        ("blank description", create(&request_with("description", json!("   "))), 400, INVALID, Is("description")),
        ("description missing", create(&json!({"amount": "1.00", "currency": "USD"})), 400, MISSING, Is("description")),
        ("description 501 chars", create(&request_with("description", json!("d".repeat(501)))), 400, INVALID, Is("description")),
        ("agent_id with a space and !", create(&request_with("agent_id", json!("bad id!"))), 400, INVALID, Is("agent_id")),
        ("agent_id 129 chars", create(&request_with("agent_id", json!("a".repeat(129)))), 400, INVALID, Is("agent_id")),
        ("agent_id empty", create(&request_with("agent_id", json!(""))), 400, INVALID, Is("agent_id")),
        ("agent_id as number", create(&request_with("agent_id", json!(7))), 400, TYPE, Is("agent_id")),
        ("conversation_id with a slash", create(&request_with("conversation_id", json!("a/b"))), 400, INVALID, Is("conversation_id")),
        ("unknown field", create(&request_with("amout", json!("12.50"))), 400, UNKNOWN, Is("amout")),
        // Credentials on seller routes.
        ("no Authorization", edge.call("POST", "/v1/payment_requests").json(&good_request).send(), 401, NO_AUTH, Null),
        ("malformed key", edge.call("POST", "/v1/payment_requests").bearer("nope").json(&good_request).send(), 401, BAD_AUTH, Null),
        ("forged key", edge.call("POST", "/v1/payment_requests").bearer(&tweak(&a.secret_key, 99)).json(&good_request).send(), 401, BAD_AUTH, Null),
        ("mistyped key", edge.call("POST", "/v1/payment_requests").bearer(&tweak(&a.secret_key, 12)).json(&good_request).send(), 401, BAD_AUTH, Null),
        ("random sk_test_ key", edge.call("POST", "/v1/payment_requests").bearer(&format!("sk_test_{}", unique(""))).json(&good_request).send(), 401, BAD_AUTH, Null),
        ("Basic scheme", edge.call("POST", "/v1/payment_requests").header("Authorization", &format!("Basic {}", a.secret_key)).json(&good_request).send(), 401, &["authentication_required", "invalid_credentials"], Null),
        ("client secret on create", edge.call("POST", "/v1/payment_requests").bearer(&ra.client_secret).json(&good_request).send(), 401, BAD_AUTH, Null),
        ("client secret on seller GET", edge.call("GET", &ra_path).bearer(&ra.client_secret).send(), 401, BAD_AUTH, Null),
        ("client secret on cancel", edge.call("POST", &format!("{ra_path}/cancel")).bearer(&ra.client_secret).send(), 401, BAD_AUTH, Null),
        ("admin key on seller GET", edge.call("GET", &ra_path).bearer(edge.admin_key()).send(), 401, BAD_AUTH, Null),
        ("no auth on seller GET", edge.call("GET", &ra_path).send(), 401, NO_AUTH, Null),
        ("another seller's key on GET", edge.get_request(&b.secret_key, &ra.id), 404, MISSING_RESOURCE, Null),
        ("another seller's key on cancel", edge.cancel(&b.secret_key, &ra.id), 404, MISSING_RESOURCE, Null),
        ("forged request id", edge.get_request(&a.secret_key, &format!("pr_{}", unique(""))), 404, MISSING_RESOURCE, Null),
        ("mistyped request id", edge.get_request(&a.secret_key, &tweak(&ra.id, ra.id.len() / 2)), 404, MISSING_RESOURCE, Null),
        ("id with a tweaked tag", edge.get_request(&a.secret_key, &tweak(&ra.id, 999)), 404, MISSING_RESOURCE, Null),
        ("payment id as request id", edge.get_request(&a.secret_key, &format!("pay_{}", &ra.id[3..])), 404, MISSING_RESOURCE, Null),
        ("2000-char id", edge.get_request(&a.secret_key, &format!("pr_{}", "a".repeat(2000))), 404, MISSING_RESOURCE, Null),
        // Credentials on buyer routes.
        ("no auth on pay", edge.call("POST", &pay_path).json(&pay_body(VISA)).send(), 401, NO_AUTH, Null),
        ("seller key on pay", edge.call("POST", &pay_path).bearer(&a.secret_key).json(&pay_body(VISA)).send(), 401, BAD_AUTH, Null),
        ("wrong client secret", edge.call("POST", &pay_path).bearer(&tweak(&ra.client_secret, 99)).json(&pay_body(VISA)).send(), 401, BAD_AUTH, Null),
        ("another request's client secret", edge.call("POST", &pay_path).bearer(&ra2.client_secret).json(&pay_body(VISA)).send(), 401, BAD_AUTH, Null),
        ("another seller's client secret", edge.call("POST", &pay_path).bearer(&rb.client_secret).json(&pay_body(VISA)).send(), 401, BAD_AUTH, Null),
        ("seller key on public GET", edge.call("GET", &public_path).bearer(&a.secret_key).send(), 401, BAD_AUTH, Null),
        ("no auth on public GET", edge.call("GET", &public_path).send(), 401, NO_AUTH, Null),
        ("Idempotency-Key of 256 chars", pay_keyed(&"k".repeat(256)), 400, &["idempotency_key_invalid"], Param::Any),
        ("Idempotency-Key with a space", pay_keyed("two words"), 400, &["idempotency_key_invalid"], Param::Any),
        ("forged id on pay", edge.call("POST", &format!("/v1/payment_requests/pr_{}/pay", unique(""))).bearer(&ra.client_secret).json(&pay_body(VISA)).send(), 404, MISSING_RESOURCE, Null),
        // Pay bodies.
        ("malformed JSON on pay", pay_raw(Some("application/json"), br#"{"method": {"#), 400, JSON, Null),
        ("pay body is an array", pay(&json!([pay_body(VISA)])), 400, TYPE, Is("body")),
        ("method missing", pay(&json!({})), 400, MISSING, Is("method")),
        ("method is a string", pay(&json!({"method": "card"})), 400, TYPE, Is("method")),
        ("unknown top-level field", pay(&json!({"method": card(VISA), "amount": "1.00"})), 400, UNKNOWN, Is("amount")),
        ("unknown method field", pay(&with_method("cvv", json!("123"))), 400, UNKNOWN, Is("method.cvv")),
        ("method type unknown", pay(&with_method("type", json!("bitcoin"))), 400, &["payment_method_unsupported"], Is("method.type")),
        ("paypal with card fields", pay(&with_method("type", json!("paypal"))), 400, UNKNOWN, Is("method.cvc")),
        ("bad Luhn", pay(&pay_body(BAD_LUHN)), 400, NUMBER, Is("method.number")),
        ("number as number", pay(&with_method("number", json!(4242424242424242u64))), 400, TYPE, Is("method.number")),
        ("number with letters", pay(&with_method("number", json!("4242abcd42424242"))), 400, NUMBER, Is("method.number")),
        ("number too short", pay(&with_method("number", json!("4242"))), 400, NUMBER, Is("method.number")),
        ("number missing", pay(&json!({"method": {"type": "card", "exp_month": 12, "exp_year": future_expiry().0, "cvc": "123", "name": "A", "postal_code": "1"}})), 400, &["parameter_missing", "invalid_number"], Is("method.number")),
        ("expiry 12/2020", pay(&with_method("exp_year", json!(2020))), 400, YEAR, Is("method.exp_year")),
        ("expiry last month", pay(&past), 400, YEAR, Is("method.exp_year")),
        ("exp_month 13", pay(&with_method("exp_month", json!(13))), 400, MONTH, Is("method.exp_month")),
        ("exp_month 0", pay(&with_method("exp_month", json!(0))), 400, MONTH, Is("method.exp_month")),
        ("exp_month 1.5", pay(&with_method("exp_month", json!(1.5))), 400, TYPE, Is("method.exp_month")),
        ("exp_month as string", pay(&with_method("exp_month", json!("12"))), 400, TYPE, Is("method.exp_month")),
        ("exp_year as string", pay(&with_method("exp_year", json!(future_expiry().0.to_string()))), 400, TYPE, Is("method.exp_year")),
        ("2-digit exp_year", pay(&with_method("exp_year", json!(30))), 400, YEAR, Is("method.exp_year")),
        ("cvc as number", pay(&with_method("cvc", json!(123))), 400, TYPE, Is("method.cvc")),
        ("Visa with a 4-digit cvc", pay(&with_method("cvc", json!("1234"))), 400, CVC, Is("method.cvc")),
        ("Amex with a 3-digit cvc", pay(&pay_body_with(AMEX, "cvc", json!("123"))), 400, CVC, Is("method.cvc")),
        ("cvc with a letter", pay(&with_method("cvc", json!("12a"))), 400, CVC, Is("method.cvc")),
        ("empty name", pay(&with_method("name", json!(""))), 400, INVALID, Is("method.name")),
        ("postal code with markup", pay(&with_method("postal_code", json!("<b>1</b>"))), 400, INVALID, Is("method.postal_code")),
        ("bad receipt_email", pay(&json!({"method": card(VISA), "receipt_email": "not-an-email"})), 400, INVALID, Is("receipt_email")),
        // Routes and methods.
        ("unknown route", edge.call("GET", "/v1/nothing").bearer(&a.secret_key).send(), 404, MISSING_RESOURCE, Null),
        ("unknown route outside /v1", edge.call("GET", "/nope").send(), 404, MISSING_RESOURCE, Null),
        ("unknown sub-resource", edge.call("POST", &format!("{ra_path}/refund")).bearer(&a.secret_key).send(), 404, MISSING_RESOURCE, Null),
        ("DELETE a request", edge.call("DELETE", &ra_path).bearer(&a.secret_key).send(), 405, METHOD, Null),
        ("PUT the collection", edge.call("PUT", "/v1/payment_requests").bearer(&a.secret_key).json(&good_request).send(), 405, METHOD, Null),
        ("GET on pay", edge.call("GET", &pay_path).bearer(&ra.client_secret).send(), 405, METHOD, Null),
        ("GET the sellers", edge.call("GET", "/v1/sellers").bearer(edge.admin_key()).send(), 405, METHOD, Null),
        // Sellers.
        ("seller key on POST /v1/sellers", edge.call("POST", "/v1/sellers").bearer(&a.secret_key).json(&json!({"display_name": "X", "country": "US", "default_currency": "USD", "allowed_origins": []})).send(), 401, BAD_AUTH, Null),
        ("no auth on POST /v1/sellers", edge.call("POST", "/v1/sellers").json(&json!({"display_name": "X", "country": "US", "default_currency": "USD", "allowed_origins": []})).send(), 401, NO_AUTH, Null),
        ("forged admin key", edge.call("POST", "/v1/sellers").bearer(&tweak(edge.admin_key(), 5)).json(&json!({"display_name": "X", "country": "US", "default_currency": "USD", "allowed_origins": []})).send(), 401, BAD_AUTH, Null),
        ("origin with a path", edge.call("POST", "/v1/sellers").bearer(edge.admin_key()).json(&json!({"display_name": "X", "country": "US", "default_currency": "USD", "allowed_origins": ["https://shop.example/"]})).send(), 400, INVALID, Is("allowed_origins.0")),
        ("country not alpha-2", edge.call("POST", "/v1/sellers").bearer(edge.admin_key()).json(&json!({"display_name": "X", "country": "usa", "default_currency": "USD", "allowed_origins": []})).send(), 400, INVALID, Is("country")),
        ("seller currency lowercase", edge.call("POST", "/v1/sellers").bearer(edge.admin_key()).json(&json!({"display_name": "X", "country": "US", "default_currency": "usd", "allowed_origins": []})).send(), 400, CURRENCY, Is("default_currency")),
        ("unknown seller field", edge.call("POST", "/v1/sellers").bearer(edge.admin_key()).json(&json!({"display_name": "X", "country": "US", "default_currency": "USD", "allowed_origins": [], "plan": "pro"})).send(), 400, UNKNOWN, Is("plan")),
    ];
    assert!(cases.len() >= 30);

    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(name, reply, status, codes, param)| {
            check_error(reply, *status, codes, *param)
                .err()
                .map(|why| format!("[{name}] {why}\n{reply}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} bad inputs were not answered as expected:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );

    // docs/API.md: a 405 names the allowed methods.
    let (_, delete, ..) = cases
        .iter()
        .find(|c| c.0 == "DELETE a request")
        .expect("case exists");
    let allow = delete.header("allow").unwrap_or("");
    assert!(allow.contains("GET"), "405 without `Allow: GET`\n{delete}");

    // None of that touched the requests: still open, and payable.
    for (key, request) in [
        (&a.secret_key, &ra),
        (&a.secret_key, &ra2),
        (&b.secret_key, &rb),
    ] {
        let full = edge.get_request(key, &request.id);
        assert_eq!(full.json["status"], "requested", "{full}");
        edge.pay_with(request, VISA).expect(200);
    }
}

#[test]
fn cancel_then_pay_and_cancel_again_are_409() {
    let edge = shared();
    let seller = edge.create_seller();
    let request = edge.create_request(&seller.secret_key, "4.00", "USD");

    let canceled = edge.cancel(&seller.secret_key, &request.id);
    canceled.expect(200);
    assert_eq!(canceled.json["id"], request.id.as_str(), "{canceled}");
    assert_eq!(canceled.json["status"], "canceled", "{canceled}");
    assert_eq!(canceled.json["livemode"], false, "{canceled}");

    let again = edge.cancel(&seller.secret_key, &request.id);
    assert_error(&again, 409, "request_not_cancelable", Param::Null);
    assert_eq!(again.json["error"]["status"], "canceled", "{again}");

    let pay = edge.pay_with(&request, VISA);
    assert_error(&pay, 409, "request_not_payable", Param::Null);
    assert_eq!(pay.json["error"]["status"], "canceled", "{pay}");

    let public = edge.get_public(&request);
    public.expect(200);
    assert_eq!(public.json["status"], "canceled", "{public}");
    assert_eq!(public.json["payment"], Value::Null, "{public}");
    let full = edge.get_request(&seller.secret_key, &request.id);
    assert_eq!(full.json["status"], "canceled", "{full}");
    assert_eq!(full.json["payment"], Value::Null, "{full}");

    // docs/API.md: a cancel takes no body or `{}`.
    let other = edge.create_request(&seller.secret_key, "4.00", "USD");
    let canceled = edge
        .call("POST", &format!("/v1/payment_requests/{}/cancel", other.id))
        .bearer(&seller.secret_key)
        .json(&json!({}))
        .send();
    canceled.expect(200);
    assert_eq!(canceled.json["status"], "canceled", "{canceled}");
}

#[test]
fn pay_and_cancel_on_a_paid_request_are_409_with_status_paid() {
    let edge = shared();
    let seller = edge.create_seller();
    let request = edge.create_request(&seller.secret_key, "4.00", "USD");
    let first = edge.pay_with(&request, VISA);
    first.expect(200);

    let second = edge.pay_with(&request, MASTERCARD);
    assert_error(&second, 409, "request_not_payable", Param::Null);
    assert_eq!(second.json["error"]["status"], "paid", "{second}");

    let cancel = edge.cancel(&seller.secret_key, &request.id);
    assert_error(&cancel, 409, "request_not_cancelable", Param::Null);
    assert_eq!(cancel.json["error"]["status"], "paid", "{cancel}");

    let full = edge.get_request(&seller.secret_key, &request.id);
    assert_eq!(full.json["status"], "paid", "{full}");
    assert_eq!(
        full.json["payment"]["id"], first.json["payment"]["id"],
        "{full}"
    );
    assert_eq!(full.json["payment"]["method"]["brand"], "visa", "{full}");
}

#[test]
fn idempotent_replay_returns_the_first_response() {
    let edge = shared();
    let seller = edge.create_seller();
    let request = edge.create_request(&seller.secret_key, "15.00", "USD");
    let key = unique("idem-");
    let body = pay_body(VISA);

    let first = edge.pay(&request, &body, Some(&key));
    first.expect(200);
    let replay = edge.pay(&request, &body, Some(&key));
    replay.expect(200);
    assert_eq!(replay.json, first.json, "replay differs\n{replay}");
    assert_eq!(
        replay.header("idempotent-replayed"),
        Some("true"),
        "docs/API.md: replays carry `Idempotent-Replayed: true`\n{replay}"
    );
    assert_eq!(first.header("idempotent-replayed"), None, "{first}");

    // Without the key, the same body is a new attempt on a paid request.
    let fresh = edge.pay(&request, &body, None);
    assert_error(&fresh, 409, "request_not_payable", Param::Null);

    let full = edge.get_request(&seller.secret_key, &request.id);
    assert_eq!(
        full.json["payment"]["id"], first.json["payment"]["id"],
        "{full}"
    );
}

#[test]
fn idempotent_replay_covers_a_decline() {
    let edge = shared();
    let seller = edge.create_seller();
    let request = edge.create_request(&seller.secret_key, "15.00", "USD");
    let (declining, decline_code) = declining_cards()[0];
    let key = unique("idem-");
    let declined_body = pay_body(declining);

    let first = edge.pay(&request, &declined_body, Some(&key));
    assert_error(&first, 402, first.code(), Param::Any);
    assert_eq!(first.json["error"]["decline_code"], decline_code, "{first}");
    let replay = edge.pay(&request, &declined_body, Some(&key));
    assert_eq!(replay.status, 402, "{replay}");
    assert_eq!(replay.json, first.json, "replay differs\n{replay}");
    assert_eq!(
        replay.header("idempotent-replayed"),
        Some("true"),
        "{replay}"
    );

    // A new attempt (new key, good card) pays; the old key still replays its 402.
    let paid = edge.pay(&request, &pay_body(VISA), Some(&unique("idem-")));
    paid.expect(200);
    let late = edge.pay(&request, &declined_body, Some(&key));
    assert_eq!(
        late.status, 402,
        "a stored 402 must replay even once paid\n{late}"
    );
    assert_eq!(late.json, first.json, "{late}");
}

#[test]
fn idempotency_key_reused_with_a_different_body_is_422() {
    let edge = shared();
    let seller = edge.create_seller();

    // After a success: a different card under the same key.
    let request = edge.create_request(&seller.secret_key, "15.00", "USD");
    let key = unique("idem-");
    let first = edge.pay(&request, &pay_body(VISA), Some(&key));
    first.expect(200);
    let reused = edge.pay(&request, &pay_body(MASTERCARD), Some(&key));
    assert_error(&reused, 422, "idempotency_key_reused", Param::Null);
    assert_error_type(&reused, "idempotency_error");
    let renamed = edge.pay(
        &request,
        &pay_body_with(VISA, "name", json!("Bob Buyer")),
        Some(&key),
    );
    assert_error(&renamed, 422, "idempotency_key_reused", Param::Null);

    // After a decline: a good card under the declined key must not pay.
    let request = edge.create_request(&seller.secret_key, "15.00", "USD");
    let key = unique("idem-");
    let (declining, _) = declining_cards()[1];
    let first = edge.pay(&request, &pay_body(declining), Some(&key));
    assert_eq!(first.status, 402, "{first}");
    let reused = edge.pay(&request, &pay_body(VISA), Some(&key));
    assert_error(&reused, 422, "idempotency_key_reused", Param::Null);
    let full = edge.get_request(&seller.secret_key, &request.id);
    assert_eq!(full.json["status"], "requested", "{full}");
    assert_eq!(full.json["payment"], Value::Null, "{full}");
}

#[test]
fn idempotency_does_not_record_validation_failures() {
    let edge = shared();
    let seller = edge.create_seller();
    let request = edge.create_request(&seller.secret_key, "15.00", "USD");
    let key = unique("idem-");
    let invalid = edge.pay(&request, &pay_body(BAD_LUHN), Some(&key));
    assert_error(&invalid, 400, "invalid_number", Param::Is("method.number"));
    // docs/API.md: a 400 is not recorded, so the corrected body under the same key pays.
    let paid = edge.pay(&request, &pay_body(VISA), Some(&key));
    paid.expect(200);
    assert_eq!(paid.json["status"], "paid", "{paid}");
}

#[test]
fn idempotency_compares_canonical_json() {
    let edge = shared();
    let seller = edge.create_seller();
    let request = edge.create_request(&seller.secret_key, "15.00", "USD");
    let key = unique("idem-");
    let first = edge.pay(&request, &pay_body(VISA), Some(&key));
    first.expect(200);

    // The same object with keys in another order and other whitespace.
    let (year, month) = future_expiry();
    let reordered = format!(
        "{{ \"method\" : {{\n \"postal_code\":\"94107\", \"name\":\"Ada Buyer\", \"cvc\":\"123\",\
         \"exp_year\":{year}, \"exp_month\":{month}, \"number\":\"{VISA}\", \"type\":\"card\" }} }}"
    );
    assert_eq!(
        serde_json::from_str::<Value>(&reordered).expect("valid JSON"),
        pay_body(VISA)
    );
    let replay = edge
        .call("POST", &format!("/v1/payment_requests/{}/pay", request.id))
        .bearer(&request.client_secret)
        .idempotency_key(&key)
        .raw(Some("application/json"), reordered)
        .send();
    replay.expect(200);
    assert_eq!(replay.json, first.json, "{replay}");
}

#[test]
fn idempotency_keys_are_scoped_per_credential_and_path() {
    let edge = shared();
    let a = edge.create_seller();
    let b = edge.create_seller();
    let key = unique("shared-key-");
    let body = pay_body(VISA);

    // One key on two requests (two client secrets, two paths): two payments.
    let x = edge.create_request(&a.secret_key, "1.00", "USD");
    let y = edge.create_request(&b.secret_key, "1.00", "USD");
    let z = edge.create_request(&a.secret_key, "1.00", "USD");
    let paid_x = edge.pay(&x, &body, Some(&key));
    paid_x.expect(200);
    let paid_y = edge.pay(&y, &body, Some(&key));
    paid_y.expect(200);
    let paid_z = edge.pay(&z, &body, Some(&key));
    paid_z.expect(200);
    assert_eq!(paid_y.json["id"], y.id.as_str(), "{paid_y}");
    assert_eq!(paid_z.json["id"], z.id.as_str(), "{paid_z}");
    let ids = [&paid_x, &paid_y, &paid_z].map(|r| r.json["payment"]["id"].clone());
    assert!(
        ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2],
        "payments share an id: {ids:?}"
    );

    // The same key on the seller's cancel of another request is its own operation.
    let w = edge.create_request(&a.secret_key, "1.00", "USD");
    let declined = edge.pay(&w, &pay_body(declining_cards()[0].0), Some(&key));
    assert_eq!(declined.status, 402, "{declined}");
    let canceled = edge
        .call("POST", &format!("/v1/payment_requests/{}/cancel", w.id))
        .bearer(&a.secret_key)
        .idempotency_key(&key)
        .send();
    canceled.expect(200);
    assert_eq!(canceled.json["status"], "canceled", "{canceled}");
}

#[test]
fn options_preflight_is_204() {
    let edge = shared();
    let seller = edge.create_seller();
    let request = edge.create_request(&seller.secret_key, "2.00", "USD");
    let origin = &seller.allowed_origins[0];
    for (path, method, headers) in [
        (
            format!("/v1/payment_requests/{}", request.id),
            "GET",
            "authorization",
        ),
        (
            format!("/v1/payment_requests/{}/public", request.id),
            "GET",
            "authorization",
        ),
        (
            format!("/v1/payment_requests/{}/pay", request.id),
            "POST",
            "authorization, content-type, idempotency-key",
        ),
        (
            format!("/v1/payment_requests/{}/cancel", request.id),
            "POST",
            "authorization",
        ),
        (
            "/v1/payment_requests".to_owned(),
            "POST",
            "authorization, content-type",
        ),
    ] {
        let reply = edge
            .call("OPTIONS", &path)
            .origin(origin)
            .header("Access-Control-Request-Method", method)
            .header("Access-Control-Request-Headers", headers)
            .send();
        assert_eq!(reply.status, 204, "preflight\n{reply}");
        assert!(reply.text.is_empty(), "a 204 has no body\n{reply}");
    }
}

#[test]
fn cors_allows_only_the_sellers_own_origins() {
    let edge = shared();
    let a = edge.create_seller();
    let b = edge.create_seller();
    let ra = edge.create_request(&a.secret_key, "2.00", "USD");
    let rb = edge.create_request(&b.secret_key, "2.00", "USD");
    let (oa, ob) = (&a.allowed_origins[0], &b.allowed_origins[0]);
    let evil = "https://evil.example";
    let allows =
        |reply: &Reply, origin: &str| reply.header("access-control-allow-origin") == Some(origin);
    let allows_any = |reply: &Reply| reply.header("access-control-allow-origin") == Some("*");

    // Preflights: A's origin on A's routes is allowed, with the method and headers asked.
    let pay_path = format!("/v1/payment_requests/{}/pay", ra.id);
    let preflight = |path: &str, origin: &str| {
        edge.call("OPTIONS", path)
            .origin(origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type, idempotency-key",
            )
            .send()
    };
    let ok = preflight(&pay_path, oa);
    assert_eq!(ok.status, 204, "{ok}");
    assert!(allows(&ok, oa), "A's origin on A's pay route\n{ok}");
    let methods = ok
        .header("access-control-allow-methods")
        .unwrap_or("")
        .to_ascii_uppercase();
    assert!(methods.contains("POST"), "Allow-Methods lacks POST\n{ok}");
    let headers = ok
        .header("access-control-allow-headers")
        .unwrap_or("")
        .to_ascii_lowercase();
    for h in ["authorization", "content-type", "idempotency-key"] {
        assert!(headers.contains(h), "Allow-Headers lacks {h}\n{ok}");
    }
    for origin in [ob.as_str(), evil] {
        let denied = preflight(&pay_path, origin);
        assert_eq!(denied.status, 204, "{denied}");
        assert!(
            !allows(&denied, origin) && !allows_any(&denied),
            "{origin} allowed on A's route\n{denied}"
        );
    }

    // Actual answers carry the header only for the owner's origins.
    let public_a = |origin: &str| {
        edge.call("GET", &format!("/v1/payment_requests/{}/public", ra.id))
            .bearer(&ra.client_secret)
            .origin(origin)
            .send()
    };
    let seller_a = |origin: &str| {
        edge.call("GET", &format!("/v1/payment_requests/{}", ra.id))
            .bearer(&a.secret_key)
            .origin(origin)
            .send()
    };
    for reply in [public_a(oa), seller_a(oa)] {
        reply.expect(200);
        assert!(allows(&reply, oa), "A's origin on A's request\n{reply}");
    }
    for origin in [ob.as_str(), evil] {
        for reply in [public_a(origin), seller_a(origin)] {
            reply.expect(200);
            assert!(
                !allows(&reply, origin) && !allows_any(&reply),
                "{origin} allowed on A's request\n{reply}"
            );
        }
    }
    let b_with_a_origin = edge
        .call("GET", &format!("/v1/payment_requests/{}/public", rb.id))
        .bearer(&rb.client_secret)
        .origin(oa)
        .send();
    b_with_a_origin.expect(200);
    assert!(
        !allows(&b_with_a_origin, oa),
        "A's origin on B's request\n{b_with_a_origin}"
    );
    assert!(
        allows(
            &edge
                .call("GET", &format!("/v1/payment_requests/{}/public", rb.id))
                .bearer(&rb.client_secret)
                .origin(ob)
                .send(),
            ob
        ),
        "B's origin on B's request"
    );
}

#[test]
fn frame_page_is_framable_only_by_the_sellers_origins() {
    let edge = shared();
    let tag = unique("");
    let origins = [
        format!("https://shop-{tag}.example"),
        format!("http://localhost:{}", 40000 + tag.len()),
    ];
    let seller = edge.create_seller_with(json!({
        "display_name": "Framed", "country": "DE", "default_currency": "EUR",
        "allowed_origins": origins,
    }));
    let request = edge.create_request(&seller.secret_key, "12.50", "EUR");

    let frame = edge
        .call("GET", &format!("/v1/frame/{}", request.id))
        .send();
    frame.expect(200);
    let ct = frame.header("content-type").unwrap_or("");
    assert!(ct.starts_with("text/html"), "Content-Type {ct:?}\n{frame}");
    let cache = frame.header("cache-control").unwrap_or("");
    assert!(
        cache.contains("no-store"),
        "Cache-Control {cache:?}\n{frame}"
    );
    let csp = frame.header("content-security-policy").unwrap_or("");
    let ancestors: Vec<&str> = csp
        .split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix("frame-ancestors "))
        .map(|list| list.split_whitespace().collect())
        .unwrap_or_default();
    assert_eq!(ancestors, origins, "frame-ancestors in {csp:?}");
    assert!(csp.contains("default-src 'none'"), "CSP {csp:?}");
    assert!(
        frame.text.contains("chatpay-allowed-origins")
            && frame
                .text
                .contains(&format!("{} {}", origins[0], origins[1])),
        "the meta tag lacks the allowed origins\n{frame}"
    );
    for secret in [&request.client_secret, &seller.secret_key, &seller.id] {
        assert!(
            !frame.text.contains(secret.as_str()),
            "frame holds {secret}"
        );
    }

    // A forged id gets no page; the raw template may not be framed at all.
    let forged = edge
        .call("GET", &format!("/v1/frame/pr_{}", unique("")))
        .send();
    assert_eq!(forged.status, 404, "{forged}");
    let template = edge.call("GET", "/v1/frame.html").send();
    if template.status == 200 {
        let csp = template.header("content-security-policy").unwrap_or("");
        assert!(csp.contains("frame-ancestors 'none'"), "{template}");
    }
}

/// Named to start last: pays with every test card itself (approvals, declines, replays,
/// 400s, 409s and 422s), waits for the other tests, then scans state and logs.
#[test]
fn zz_no_card_number_in_persisted_state_or_logs() {
    let edge = shared();
    let seller = edge.create_seller();
    let marker = unique("leak-scan-marker-");
    let new_request = || {
        edge.create_request_with(
            &seller.secret_key,
            json!({"amount": "3.00", "currency": "USD", "description": marker}),
        )
    };
    for (number, decline, _) in chatpay_core::test_cards::TABLE {
        let request = new_request();
        let key = unique("scan-");
        let first = edge.pay(&request, &pay_body(number), Some(&key));
        let expected = if decline.is_empty() { 200 } else { 402 };
        assert_eq!(first.status, expected, "{first}");
        assert_eq!(
            edge.pay(&request, &pay_body(number), Some(&key)).status,
            expected
        );
        assert_eq!(
            edge.pay(&request, &pay_body(OTHER_VISA), Some(&key)).status,
            422
        );
        if !decline.is_empty() {
            edge.pay_with(&request, DISCOVER).expect(200);
        }
        assert_eq!(edge.pay_with(&request, number).status, 409);
    }
    assert_eq!(edge.pay_with(&new_request(), BAD_LUHN).status, 400);
    let canceled = new_request();
    edge.cancel(&seller.secret_key, &canceled.id).expect(200);
    assert_eq!(edge.pay_with(&canceled, VISA).status, 409);

    wait_for_other_tests();
    assert_no_card_numbers(&edge, &marker);
}
