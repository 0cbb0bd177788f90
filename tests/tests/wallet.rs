//! Test mode's sandbox wallet, without a browser: its web payment app's files as Chromium
//! reads them, and its tokens (signed by the edge, bound to one request, used once). The
//! Payment Request API itself is driven in Chromium by `tests/e2e/`.

use chatpay_tests::{shared, PaymentRequest, Reply, SharedEdge};
use serde_json::{json, Value};

/// Asks for a wallet token for `request`, with the client secret `secret`.
fn ask_token(edge: &SharedEdge, request: &PaymentRequest, secret: &str) -> Reply {
    edge.call(
        "POST",
        &format!("/v1/payment_requests/{}/wallet_token", request.id),
    )
    .bearer(secret)
    .send()
}

fn token(edge: &SharedEdge, request: &PaymentRequest) -> String {
    ask_token(edge, request, &request.client_secret).expect(201)["token"]
        .as_str()
        .expect("token")
        .to_owned()
}

fn wallet(token: &str) -> Value {
    json!({"method": {"type": "wallet", "wallet": "sandbox", "token": token}})
}

#[test]
fn the_sandbox_wallet_is_a_web_payment_app() {
    let edge = shared();
    let head = edge.call("HEAD", "/sandbox/wallet/pay").send();
    assert_eq!(head.status, 200);
    let link = head.header("link").expect("a Link header").to_owned();
    assert!(
        link.contains("/sandbox/wallet/payment-manifest.json")
            && link.contains("rel=\"payment-method-manifest\""),
        "{link}"
    );
    let manifest = edge
        .call("GET", "/sandbox/wallet/payment-manifest.json")
        .send();
    let manifest = manifest.expect(200).clone();
    let app = manifest["default_applications"][0].as_str().unwrap();
    assert!(app.ends_with("/sandbox/wallet/manifest.json"));
    assert_eq!(manifest["supported_origins"][0], edge.base_url());
    let app = edge
        .call("GET", "/sandbox/wallet/manifest.json")
        .send()
        .expect(200)
        .clone();
    assert_eq!(app["serviceworker"]["src"], "/sandbox/wallet/sw.js");
    let icon = edge.call("GET", "/sandbox/wallet/icon.png").send();
    assert_eq!(icon.header("content-type"), Some("image/png"));
    assert!(
        icon.text.contains("PNG") && icon.text.len() > 50,
        "a real PNG"
    );
}

/// `token` with its last character changed (to another one, whatever it was).
fn forge(token: &str) -> String {
    let (head, last) = token.split_at(token.len() - 1);
    format!("{head}{}", if last == "0" { "1" } else { "0" })
}

#[test]
fn a_wallet_token_pays_its_own_request_once() {
    let edge = shared();
    let seller = edge.create_seller();
    let request = edge.create_request(&seller.secret_key, "15.00", "USD");
    let other = edge.create_request(&seller.secret_key, "15.00", "USD");
    let t = token(&edge, &request);
    // Another request's token, a forged one and a malformed one are refused.
    for (bad, why) in [
        (token(&edge, &other), "another request's"),
        (forge(&t), "forged"),
        ("wt_x".to_owned(), "malformed"),
    ] {
        let reply = edge.pay(&request, &wallet(&bad), None);
        assert_eq!(reply.status, 400, "{why}: {reply}");
        assert_eq!(reply.json["error"]["param"], "method.token", "{reply}");
    }
    let paid = edge.pay(&request, &wallet(&t), None);
    let public = paid.expect(200).clone();
    assert_eq!(public["status"], "paid", "{paid}");
    assert_eq!(public["payment"]["method_type"], "wallet");
    let view = edge
        .get_request(&seller.secret_key, &request.id)
        .expect(200)
        .clone();
    assert_eq!(
        view["payment"]["method"],
        json!({"type": "wallet", "wallet": "sandbox", "brand": null, "last4": null})
    );
    // Replayed on another payable request: refused, whatever the request.
    let replay = edge.pay(&other, &wallet(&t), None);
    assert_eq!(replay.status, 400, "{replay}");
    let replay = edge.pay(&request, &wallet(&t), None);
    assert_eq!(replay.status, 400, "{replay}");
    // No token for a request without its client secret.
    let reply = ask_token(&edge, &request, &other.client_secret);
    assert_eq!(reply.status, 401, "{reply}");
}
