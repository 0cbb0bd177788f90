//! Webhooks through the front door (docs/API.md, "Webhooks"): endpoints managed with the
//! seller's secret key, deliveries to a real receiver (tests/webhooks/receiver.mjs) that
//! verifies every one with the official `standardwebhooks` library, a retry under the same
//! `webhook-id` after a 500 (the schedule is real time: the second attempt comes 5 s ±10%
//! after the first, so this waits), a 410 disabling the endpoint, a rolled secret signing
//! beside the new one, no card data in any payload and no secret in clear in storage.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chatpay_tests::cards::{all_test_pans, pay_body, VISA};
use chatpay_tests::edge::repo_root;
use chatpay_tests::scan::{files_under, find_bytes};
use chatpay_tests::{shared, unique, wait_for_other_tests, Edge};
use serde_json::{json, Value};

/// The receiver, kept for the whole test binary; it exits when its stdin closes.
struct Receiver {
    port: u16,
    _child: Mutex<Child>,
    _stdin: Mutex<ChildStdin>,
}

fn receiver() -> &'static Receiver {
    static RECEIVER: OnceLock<Receiver> = OnceLock::new();
    RECEIVER.get_or_init(|| {
        let root = repo_root();
        let mut child = Command::new("node")
            .arg(root.join("tests/webhooks/receiver.mjs"))
            .current_dir(&root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node runs tests/webhooks/receiver.mjs");
        let stdin = child.stdin.take().expect("stdin");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the receiver prints its port");
        let port = line.trim().parse().expect("a port");
        Receiver {
            port,
            _child: Mutex::new(child),
            _stdin: Mutex::new(stdin),
        }
    })
}

fn control_url(name: &str) -> String {
    format!("http://127.0.0.1:{}/control/{name}", receiver().port)
}

/// Tells the receiver how `name` verifies and answers.
fn configure(name: &str, setup: Value) {
    ureq::put(&control_url(name))
        .send_json(setup)
        .expect("configure the receiver");
}

/// What `name` received so far.
fn received(name: &str) -> Vec<Value> {
    ureq::get(&control_url(name))
        .call()
        .expect("read the receiver")
        .into_json::<Vec<Value>>()
        .expect("JSON")
}

/// Waits up to `seconds` until `name` received `count` deliveries.
fn wait_for(name: &str, count: usize, seconds: u64) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        let got = received(name);
        if got.len() >= count || Instant::now() > deadline {
            return got;
        }
        thread::sleep(Duration::from_millis(200));
    }
}

/// Every secret shown, for the final scan of storage.
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// A seller with an endpoint at the receiver's `name`: (secret key, endpoint, secret).
fn endpoint(edge: &Edge, name: &str, events: Value) -> (String, Value, String) {
    let seller = edge.create_seller();
    let reply = edge
        .call("POST", "/v1/webhook_endpoints")
        .bearer(&seller.secret_key)
        .json(&json!({
            "url": format!("http://127.0.0.1:{}/hook/{name}", receiver().port),
            "events": events,
            "description": "tests",
        }))
        .send();
    let object = reply.expect(201).clone();
    let secret = object["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("whsec_"), "{object}");
    SECRETS.lock().unwrap().push(secret.clone());
    configure(name, json!({"secrets": [secret]}));
    (seller.secret_key, object, secret)
}

fn new_request(edge: &Edge, key: &str) -> chatpay_tests::PaymentRequest {
    edge.create_request_with(
        key,
        json!({"amount": "12.00", "currency": "USD", "description": unique("hooks ")}),
    )
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn endpoints_are_the_secret_keys_and_checked() {
    let edge = shared();
    let seller = edge.create_seller();
    let sk = &seller.secret_key;
    let (_, rk) = edge.scoped_key(sk, "maya", "all");
    let post = |key: &str, body: Value| {
        edge.call("POST", "/v1/webhook_endpoints")
            .bearer(key)
            .json(&body)
            .send()
    };
    let good = json!({"url": "https://hooks.example.com/in"});
    assert_eq!(post(&rk, good.clone()).status, 403);
    assert_eq!(
        edge.call("GET", "/v1/webhook_endpoints")
            .bearer(&rk)
            .send()
            .status,
        403
    );
    for url in [
        "https://10.0.0.1/h",
        "https://169.254.169.254/",
        "https://db.internal/",
        "https://[::1]/",
        "ftp://example.com/",
        "not a url",
    ] {
        let reply = post(sk, json!({"url": url}));
        assert_eq!(reply.status, 400, "{url}: {reply}");
        assert_eq!(reply.json["error"]["param"], "url", "{url}: {reply}");
    }
    let reply = post(
        sk,
        json!({"url": "https://hooks.example.com/in", "events": ["payment_request.paid", "payment_request.exploded"]}),
    );
    assert_eq!(reply.status, 400, "{reply}");
    assert_eq!(reply.json["error"]["param"], "events", "{reply}");

    let created = post(
        sk,
        json!({"url": "https://hooks.example.com/in", "events": ["payment_request.paid", "buyer.entering_details"]}),
    );
    let object = created.expect(201).clone();
    SECRETS
        .lock()
        .unwrap()
        .push(object["secret"].as_str().unwrap().to_owned());
    let id = object["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("we_"), "{object}");
    assert_eq!(object["object"], "webhook_endpoint");
    assert_eq!(object["status"], "enabled");
    assert_eq!(object["livemode"], false);
    let path = format!("/v1/webhook_endpoints/{id}");
    let got = edge.call("GET", &path).bearer(sk).send();
    assert!(got.expect(200).get("secret").is_none(), "{got}");
    let list = edge.call("GET", "/v1/webhook_endpoints").bearer(sk).send();
    assert_eq!(list.expect(200)["data"][0]["id"], id.as_str());
    let patched = edge
        .call("PATCH", &path)
        .bearer(sk)
        .json(&json!({"status": "disabled", "description": "off"}))
        .send();
    assert_eq!(patched.expect(200)["status"], "disabled");
    assert_eq!(patched.json["description"], "off");
    // Another seller's endpoint id is the same 404 as a made-up one.
    let other = edge.create_seller();
    assert_eq!(
        edge.call("GET", &path)
            .bearer(&other.secret_key)
            .send()
            .status,
        404
    );
    let deleted = edge.call("DELETE", &path).bearer(sk).send();
    assert_eq!(deleted.expect(200)["deleted"], true);
    assert_eq!(edge.call("GET", &path).bearer(sk).send().status, 404);
}

#[test]
fn deliveries_verify_and_carry_no_card_data() {
    let edge = shared();
    let (sk, object, _) = endpoint(&edge, "paid", json!(["*"]));
    let request = new_request(&edge, &sk);
    edge.pay(&request, &pay_body(VISA), None).expect(200);
    let deadline = Instant::now() + Duration::from_secs(30);
    let got = loop {
        let got = received("paid");
        let paid = got.iter().any(|r| {
            r["body"]
                .as_str()
                .unwrap_or("")
                .contains("payment_request.paid")
        });
        if paid || Instant::now() > deadline {
            break got;
        }
        thread::sleep(Duration::from_millis(200));
    };
    assert!(got.len() >= 2, "created and paid: {got:#?}");
    let pans = all_test_pans();
    for record in &got {
        assert_eq!(record["verified"], json!([true]), "{record:#}");
        let id = record["id"].as_str().unwrap();
        assert!(id.starts_with("msg_") && !id.contains('.'), "{id}");
        let at: i64 = record["timestamp"].as_str().unwrap().parse().unwrap();
        assert!((at - now()).abs() < 120, "real time: {at}");
        let body = record["body"].as_str().unwrap();
        for pan in &pans {
            assert!(!body.contains(pan), "a PAN in a delivery: {body}");
        }
        let body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["data"]["object"], "event", "{body:#}");
        assert_eq!(body["type"], body["data"]["type"]);
        assert_eq!(body["timestamp"], body["data"]["created_at"]);
        assert_eq!(body["data"]["request_id"], request.id.as_str());
    }
    let ids: Vec<&str> = got.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] != w[1]),
        "one id per event: {ids:?}"
    );
    let deliveries = edge
        .call(
            "GET",
            &format!(
                "/v1/webhook_endpoints/{}/deliveries",
                object["id"].as_str().unwrap()
            ),
        )
        .bearer(&sk)
        .send();
    let data = deliveries.expect(200)["data"].as_array().unwrap().clone();
    assert!(!data.is_empty(), "{deliveries}");
    for d in &data {
        assert_eq!(d["object"], "webhook_delivery");
        assert_eq!(d["status_code"], 200, "{d}");
        assert_eq!(d["error"], Value::Null);
        assert_eq!(d["livemode"], false);
        assert!(ids.contains(&d["webhook_id"].as_str().unwrap()), "{d}");
    }
}

#[test]
fn a_500_is_retried_under_the_same_id() {
    let edge = shared();
    let (sk, object, _) = endpoint(&edge, "flaky", json!(["payment_request.created"]));
    configure("flaky", json!({"fail_first": 1}));
    new_request(&edge, &sk);
    // The second attempt is due 5 s (±10%) after the first, in real time.
    let got = wait_for("flaky", 2, 30);
    assert_eq!(got.len(), 2, "{got:#?}");
    assert_eq!(got[0]["status"], 500);
    assert_eq!(got[1]["status"], 200);
    assert_eq!(got[0]["id"], got[1]["id"]);
    assert_eq!(got[0]["body"], got[1]["body"]);
    assert_eq!(got[1]["verified"], json!([true]));
    let deliveries = edge
        .call(
            "GET",
            &format!(
                "/v1/webhook_endpoints/{}/deliveries",
                object["id"].as_str().unwrap()
            ),
        )
        .bearer(&sk)
        .send();
    let data = &deliveries.expect(200)["data"];
    assert_eq!(data[0]["attempt"], 2, "newest first: {data:#}");
    assert_eq!(data[0]["status_code"], 200);
    assert_eq!(data[1]["attempt"], 1);
    assert_eq!(data[1]["status_code"], 500);
    assert!(data[1]["error"].is_string());
}

#[test]
fn a_410_disables_the_endpoint() {
    let edge = shared();
    let (sk, object, _) = endpoint(&edge, "gone", json!(["payment_request.created"]));
    configure("gone", json!({"answer": 410}));
    new_request(&edge, &sk);
    assert_eq!(wait_for("gone", 1, 30).len(), 1);
    let path = format!("/v1/webhook_endpoints/{}", object["id"].as_str().unwrap());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = edge.call("GET", &path).bearer(&sk).send();
        if got.expect(200)["status"] == "disabled" {
            break;
        }
        assert!(Instant::now() < deadline, "still enabled: {got}");
        thread::sleep(Duration::from_millis(200));
    }
    new_request(&edge, &sk);
    thread::sleep(Duration::from_secs(2));
    assert_eq!(
        received("gone").len(),
        1,
        "a disabled endpoint gets nothing"
    );
}

#[test]
fn a_rolled_secret_signs_beside_the_new_one() {
    let edge = shared();
    let (sk, object, old) = endpoint(&edge, "rolled", json!(["payment_request.created"]));
    let rolled = edge
        .call(
            "POST",
            &format!(
                "/v1/webhook_endpoints/{}/roll_secret",
                object["id"].as_str().unwrap()
            ),
        )
        .bearer(&sk)
        .send();
    let new = rolled.expect(200)["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    SECRETS.lock().unwrap().push(new.clone());
    configure("rolled", json!({"secrets": [old, new]}));
    new_request(&edge, &sk);
    let got = wait_for("rolled", 1, 30);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0]["verified"], json!([true, true]), "{:#}", got[0]);
    let signature = got[0]["signature"].as_str().unwrap();
    assert_eq!(signature.split(' ').count(), 2, "{signature}");
}

/// Last (libtest starts tests in name order): no secret shown lies in clear in storage.
#[test]
fn zz_no_webhook_secret_in_clear() {
    let edge = shared();
    wait_for_other_tests();
    let secrets = SECRETS.lock().unwrap().clone();
    assert!(!secrets.is_empty());
    let needles: Vec<String> = secrets
        .iter()
        .flat_map(|s| [s.clone(), s.trim_start_matches("whsec_").to_owned()])
        .collect();
    let mut files = files_under(&edge.persist_dir());
    files.push(edge.log_path());
    let hits = find_bytes(&files, &needles);
    assert!(hits.is_empty(), "webhook secrets in clear: {hits:#?}");
}
