//! How the edge takes its configuration (issue 6): secrets are read strictly and a bad one
//! is logged, never told to callers; the demo exists only in the wrangler environment
//! `demo`, never because of a secret; and the vault key rotates, entries being sealed again
//! under the new key. Each test starts its own `wrangler dev` (several configurations).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use chatpay_tests::banks::IBAN_DE;
use chatpay_tests::cards::VISA;
use chatpay_tests::checks::assert_error;
use chatpay_tests::edge::random_hex;
use chatpay_tests::storage::{close, ledger_file, open};
use chatpay_tests::{Edge, Param, Secrets, Setup};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

/// The answer every caller gets when the edge's secrets are unusable.
#[track_caller]
fn assert_generic_500(edge: &Edge, path: &str) {
    let reply = edge.call("GET", path).send();
    assert_eq!(reply.status, 500, "{reply}");
    if let Err(why) = chatpay_tests::checks::check_error_shape(&reply) {
        panic!("{why}\n{reply}");
    }
    assert_eq!(reply.code(), "internal_error", "{reply}");
    assert_eq!(reply.json["error"]["type"], "api_error", "{reply}");
    let message = reply.json["error"]["message"].as_str().unwrap_or_default();
    for secret in [
        "VAULT_KEY",
        "ID_KEY",
        "FINGERPRINT_KEY",
        "PLATFORM_ADMIN_KEY",
        "secret",
    ] {
        assert!(
            !message.contains(secret),
            "the answer names a secret: {reply}"
        );
    }
}

#[test]
fn malformed_secrets_are_refused_logged_and_never_named_to_callers() {
    let mut edge = Edge::start();
    edge.call("GET", "/healthz").send().expect(200);
    let good = edge.secrets().clone();
    let cases: Vec<(&str, Secrets, &str)> = vec![
        (
            "a plus sign reads as a hex digit to from_str_radix",
            Secrets {
                vault_key: "+0".repeat(32),
                ..good.clone()
            },
            "VAULT_KEY must be exactly 64 hex digits",
        ),
        (
            "a space inside",
            Secrets {
                id_key: format!("{} {}", &good.id_key[..31], &good.id_key[32..]),
                ..good.clone()
            },
            "ID_KEY must be exactly 64 hex digits",
        ),
        (
            "one byte repeated",
            Secrets {
                fingerprint_key: "ab".repeat(32),
                ..good.clone()
            },
            "FINGERPRINT_KEY is one byte repeated",
        ),
        (
            "two jobs, one key",
            Secrets {
                fingerprint_key: good.vault_key.clone(),
                ..good.clone()
            },
            "VAULT_KEY and FINGERPRINT_KEY are the same key",
        ),
        (
            "the previous vault key is the current one",
            Secrets {
                vault_key_previous: Some(good.vault_key.to_uppercase()),
                ..good.clone()
            },
            "VAULT_KEY and VAULT_KEY_PREVIOUS are the same key",
        ),
        (
            "a missing secret",
            Secrets {
                id_key: String::new(),
                ..good.clone()
            },
            "ID_KEY",
        ),
    ];
    for (what, secrets, logged) in cases {
        let before = std::fs::read_to_string(edge.log_path())
            .unwrap_or_default()
            .len();
        edge.restart_with(secrets, false);
        assert_generic_500(&edge, "/healthz");
        assert_generic_500(&edge, "/v1/seller");
        // wrangler writes the Worker's log lines a moment after the answer: wait for them.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let mut log = String::new();
        while std::time::Instant::now() < deadline {
            log = std::fs::read_to_string(edge.log_path()).unwrap_or_default();
            if log[before..].contains(logged) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        assert!(
            log[before..].contains(logged),
            "{what}: the log should say {logged:?}; it ends:\n{}",
            edge.log_tail(30)
        );
    }
    edge.restart_with(good, true);
    edge.call("GET", "/healthz").send().expect(200);
}

#[test]
fn the_demo_exists_only_in_the_demo_environment() {
    // The production configuration, with a string DEMO_MODE in the secrets channel: no demo.
    let mut secrets = Secrets::random();
    secrets.extra.push("DEMO_MODE=true".into());
    let production = Edge::start_with(Setup {
        demo: false,
        secrets,
        healthy: true,
    });
    for (method, path) in [
        ("GET", "/"),
        ("GET", "/index.html"),
        ("POST", "/demo/seed"),
        ("GET", "/demo/chat.js"),
        ("GET", "/demo/chat.css"),
    ] {
        let reply = production
            .call(method, path)
            .bearer(production.admin_key())
            .send();
        assert_error(&reply, 404, "resource_missing", Param::Null);
    }
    // The API itself works there.
    production.create_seller();
    drop(production);

    // The demo environment: the page, under a CSP as strict as the card's.
    let demo = Edge::start();
    let seeded = demo
        .call("POST", "/demo/seed")
        .bearer(demo.admin_key())
        .send();
    seeded.expect(201);
    let page = demo
        .call("GET", "/")
        .header("Host", &format!("localhost:{}", demo.port()))
        .send();
    assert_eq!(page.status, 200, "{page}");
    let csp = page.header("content-security-policy").unwrap_or_default();
    let edge_origin = format!("http://127.0.0.1:{}", demo.port());
    for directive in [
        "default-src 'none'".to_string(),
        format!("script-src 'self' {edge_origin}"),
        "style-src 'self'".to_string(),
        format!("frame-src {edge_origin}"),
        "base-uri 'none'".to_string(),
        "frame-ancestors 'none'".to_string(),
    ] {
        assert!(csp.contains(&directive), "{directive:?} in {csp:?}");
    }
    assert!(!page.text.contains("<style"), "no inline style");
    assert!(
        !page.text.replace("<script src=", "").contains("<script"),
        "no inline script"
    );
    for (path, kind) in [
        ("/demo/chat.js", "text/javascript"),
        ("/demo/chat.css", "text/css"),
    ] {
        let asset = demo.call("GET", path).send();
        assert_eq!(asset.status, 200, "{asset}");
        assert!(
            asset
                .header("content-type")
                .unwrap_or_default()
                .starts_with(kind),
            "{asset}"
        );
    }
}

type HmacSha256 = Hmac<Sha256>;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

/// What the vault stores as the name of `key` (hex): the first 8 bytes of an HMAC of a
/// fixed label under it.
fn key_id(key_hex: &str) -> String {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(&unhex(key_hex)).expect("key");
    mac.update(b"chatpay vault key id");
    hex(&mac.finalize().into_bytes()[..8])
}

/// Opens a sealed entry from outside: AES-256-GCM under the seller's HKDF key, nonce first,
/// AAD `seller|id`. `None` when `key_hex` did not seal it.
fn open_entry(key_hex: &str, seller_id: &str, id: &str, sealed_hex: &str) -> Option<Vec<u8>> {
    let hk = Hkdf::<Sha256>::new(Some(b"chatpay vault v1"), &unhex(key_hex));
    let mut okm = [0u8; 32];
    hk.expand(seller_id.as_bytes(), &mut okm).expect("hkdf");
    let sealed = unhex(sealed_hex);
    let (nonce, ciphertext) = sealed.split_at(12);
    let aad = format!("{seller_id}|{id}");
    Aes256Gcm::new(&okm.into())
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: aad.as_bytes(),
            },
        )
        .ok()
}

/// (sealed name, key_id, sealed) of every webhook secret of a stopped edge's ledger: the
/// current one under the endpoint's id, the previous one (during a roll) under `id/previous`.
fn webhook_secrets(edge: &Edge, seller_id: &str) -> Vec<(String, Option<String>, String)> {
    let db = open(&ledger_file(edge, seller_id));
    let rows: Vec<(String, Option<String>, String)> = db
        .prepare(
            "SELECT id, key_id, sealed FROM webhook_endpoints UNION ALL \
             SELECT id || '/previous', previous_key_id, previous_sealed FROM webhook_endpoints \
             WHERE previous_sealed IS NOT NULL",
        )
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .expect("webhook secrets");
    close(db);
    rows
}

/// (id, key_id, sealed) of every vault and bank account entry of a stopped edge's ledger.
fn entries(edge: &Edge, seller_id: &str) -> Vec<(String, Option<String>, String)> {
    let db = open(&ledger_file(edge, seller_id));
    let mut out = Vec::new();
    for sql in [
        "SELECT token, key_id, sealed FROM vault",
        "SELECT id, key_id, sealed FROM bank_accounts",
    ] {
        let rows: Vec<(String, Option<String>, String)> = db
            .prepare(sql)
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect()
            })
            .expect("entries");
        out.extend(rows);
    }
    close(db);
    out
}

#[test]
fn the_vault_key_rotates_and_entries_are_sealed_again() {
    let mut edge = Edge::start();
    let old_key = edge.secrets().vault_key.clone();
    let seller = edge.create_seller_with(json!({
        "display_name": "Rotating Studio", "country": "DE", "default_currency": "EUR",
        "allowed_origins": ["https://rotating.example"],
        "payout_bank_account": {"iban": IBAN_DE},
    }));
    let request = edge.create_request(&seller.secret_key, "8.00", "EUR");
    // A declined attempt first: it must leave no sealed card behind.
    assert_eq!(edge.pay_with(&request, "4000000000000002").status, 402);
    edge.pay_with(&request, VISA).expect(200);
    // A webhook endpoint, its secret rolled: a current and a previous secret, both sealed.
    let endpoint = edge
        .call("POST", "/v1/webhook_endpoints")
        .bearer(&seller.secret_key)
        .json(&json!({"url": "https://hooks.rotating.example/chatpay"}))
        .send();
    let endpoint_id = endpoint.expect(201)["id"].as_str().expect("id").to_owned();
    let rolled = edge
        .call(
            "POST",
            &format!("/v1/webhook_endpoints/{endpoint_id}/roll_secret"),
        )
        .bearer(&seller.secret_key)
        .send();
    let secret = rolled.expect(200)["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let first_secret = endpoint.expect(201)["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    edge.stop();
    let webhook_before = webhook_secrets(&edge, &seller.id);
    assert_eq!(webhook_before.len(), 2, "{webhook_before:?}");
    for (name, named, sealed) in &webhook_before {
        assert_eq!(named.as_deref(), Some(key_id(&old_key).as_str()), "{name}");
        assert!(
            open_entry(&old_key, &seller.id, name, sealed).is_some(),
            "{name}"
        );
    }

    // Sealed under the first key, and naming it: the approved card and the bank account,
    // and nothing of the declined card.
    let before = entries(&edge, &seller.id);
    assert_eq!(before.len(), 2, "a card and a bank account: {before:?}");
    for (id, named, sealed) in &before {
        assert_eq!(named.as_deref(), Some(key_id(&old_key).as_str()), "{id}");
        assert!(
            open_entry(&old_key, &seller.id, id, sealed).is_some(),
            "{id}"
        );
    }

    // Rotate: a new VAULT_KEY, the old one as VAULT_KEY_PREVIOUS. The ledger seals its
    // entries again when it wakes.
    let new_key = random_hex(32);
    let mut rotating = edge.secrets().clone();
    rotating.vault_key = new_key.clone();
    rotating.vault_key_previous = Some(old_key.clone());
    edge.restart_with(rotating.clone(), true);
    edge.get_seller(&seller.secret_key).expect(200);
    edge.stop();
    let after = entries(&edge, &seller.id);
    assert_eq!(after.len(), 2);
    for (id, named, sealed) in &after {
        assert_eq!(named.as_deref(), Some(key_id(&new_key).as_str()), "{id}");
        assert!(
            open_entry(&old_key, &seller.id, id, sealed).is_none(),
            "{id} still old"
        );
        let plain = open_entry(&new_key, &seller.id, id, sealed).expect("opens under the new key");
        let value: Value = serde_json::from_slice(&plain).expect("JSON inside");
        let text = value.to_string();
        assert!(
            text.contains(VISA) || text.contains(IBAN_DE),
            "{id} holds what was sealed"
        );
    }
    // The webhook secrets too, each under its own name: the current and the previous one.
    for (name, named, sealed) in webhook_secrets(&edge, &seller.id) {
        assert_eq!(named.as_deref(), Some(key_id(&new_key).as_str()), "{name}");
        assert!(
            open_entry(&old_key, &seller.id, &name, &sealed).is_none(),
            "{name} still old"
        );
        let plain =
            open_entry(&new_key, &seller.id, &name, &sealed).expect("opens under the new key");
        let want = if name.ends_with("/previous") {
            &first_secret
        } else {
            &secret
        };
        assert_eq!(String::from_utf8(plain).expect("text"), *want, "{name}");
    }

    // The previous key can go: the ledger works with the new key alone.
    let mut done = rotating;
    done.vault_key_previous = None;
    edge.restart_with(done, true);
    edge.get_seller(&seller.secret_key).expect(200);
    edge.read(&seller.secret_key, &request.id);
    let next = edge.create_request(&seller.secret_key, "2.00", "EUR");
    edge.pay_with(&next, VISA).expect(200);
}

/// A stored request whose status no longer parses (a bad migration, a hand edit) fails
/// closed: every read and the buyer's pay answer 500 `api_error`, the log names the row,
/// and nothing is paid. Before issue 7 it read as `requested`, and so as payable.
#[test]
fn a_request_row_that_does_not_parse_fails_closed() {
    let mut edge = Edge::start();
    let seller = edge.create_seller();
    let request = edge.create_request(&seller.secret_key, "5.00", "USD");
    edge.stop();
    let db = open(&ledger_file(&edge, &seller.id));
    db.execute(
        "UPDATE payment_requests SET status = 'on_hold' WHERE id = ?1",
        [&request.id],
    )
    .expect("corrupt the status");
    close(db);
    edge.restart();

    let seller_view = edge
        .call("GET", &format!("/v1/payment_requests/{}", request.id))
        .bearer(&seller.secret_key)
        .send();
    assert_eq!(seller_view.status, 500, "{seller_view}");
    assert_eq!(
        seller_view.json["error"]["type"], "api_error",
        "{seller_view}"
    );
    let paid = edge.pay_with(&request, VISA);
    assert_eq!(paid.status, 500, "{paid}");
    assert_eq!(paid.json["error"]["type"], "api_error", "{paid}");
    // wrangler writes the Worker's log lines a moment after the answer: wait for them.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let logged = || {
        std::fs::read_to_string(edge.log_path())
            .unwrap_or_default()
            .contains("has an unreadable status")
    };
    while !logged() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(
        logged(),
        "the log names the unreadable row; it ends:\n{}",
        edge.log_tail(30)
    );

    edge.stop();
    let db = open(&ledger_file(&edge, &seller.id));
    let payments: i64 = db
        .query_row("SELECT COUNT(*) FROM payments", [], |row| row.get(0))
        .expect("count payments");
    close(db);
    assert_eq!(payments, 0, "nothing was paid");
}
