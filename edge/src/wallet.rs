//! Test mode's sandbox wallet: a real web payment app (Payment Handler API) that Chromium
//! installs on the fly, served by the edge. Its payment method identifier answers `HEAD`
//! with a `Link` to the payment method manifest, which names the web app manifest, which
//! names the service worker. The worker answers a `paymentrequest` at once with a token the
//! edge signs (`POST /v1/payment_requests/{id}/wallet_token`): bound to one request, valid
//! for 10 minutes, and used once (`wallet_tokens`).

use crate::crypto::{ct_eq, random_bytes, Keys};
use crate::encoding::{base32, hex_encode};
use crate::http::{json, Fail, Outcome};
use crate::ids::{Mode, ObjectId};
use serde_json::json;
use worker::{Headers, Response, Url};

/// How long a wallet token is good for, in seconds.
const TOKEN_LIFETIME: i64 = 600;

const ICON: &[u8] = include_bytes!("../assets/wallet-icon.png");

/// The service worker: answers the card's payment request with a token for its request.
const SERVICE_WORKER: &str = r#"self.addEventListener('paymentrequest', (event) => {
  const data = (event.methodData[0] || {}).data || {};
  event.respondWith((async () => {
    const r = await fetch('/v1/payment_requests/' + encodeURIComponent(data.request_id) + '/wallet_token', {
      method: 'POST', headers: {authorization: 'Bearer ' + data.client_secret},
    });
    if (!r.ok) return {methodName: event.methodData[0].supportedMethods, details: {error: 'token_refused'}};
    const t = await r.json();
    return {methodName: event.methodData[0].supportedMethods, details: {token: t.token}};
  })());
});
self.addEventListener('abortpayment', (event) => event.respondWith(true));
self.addEventListener('canmakepayment', (event) => event.respondWith(true));
"#;

fn asset(body: Vec<u8>, content_type: &str) -> Outcome {
    let headers = Headers::new();
    headers.set("content-type", content_type)?;
    headers.set("cache-control", "no-store")?;
    headers.set("x-content-type-options", "nosniff")?;
    Ok(Response::from_bytes(body)?.with_headers(headers))
}

/// The sandbox wallet's files, by path.
pub fn serve(url: &Url, method: &str) -> Outcome {
    let origin = url.origin().ascii_serialization();
    match url.path() {
        "/sandbox/wallet/pay" => {
            let mut response = asset(
                if method == "HEAD" {
                    Vec::new()
                } else {
                    b"chatpay sandbox wallet".to_vec()
                },
                "text/plain; charset=utf-8",
            )?;
            response.headers_mut().set(
                "link",
                &format!("<{origin}/sandbox/wallet/payment-manifest.json>; rel=\"payment-method-manifest\""),
            )?;
            Ok(response)
        }
        "/sandbox/wallet/payment-manifest.json" => asset(
            json!({
                "default_applications": [format!("{origin}/sandbox/wallet/manifest.json")],
                "supported_origins": [origin],
            })
            .to_string()
            .into_bytes(),
            "application/json",
        ),
        "/sandbox/wallet/manifest.json" => asset(
            json!({
                "name": "chatpay sandbox wallet",
                "short_name": "Sandbox wallet",
                "icons": [{"src": "/sandbox/wallet/icon.png", "sizes": "48x48", "type": "image/png"}],
                "serviceworker": {"src": "/sandbox/wallet/sw.js", "scope": "/sandbox/wallet/", "use_cache": false},
            })
            .to_string()
            .into_bytes(),
            "application/manifest+json",
        ),
        "/sandbox/wallet/sw.js" => asset(SERVICE_WORKER.as_bytes().to_vec(), "text/javascript"),
        "/sandbox/wallet/icon.png" => asset(ICON.to_vec(), "image/png"),
        _ => Err(Fail::missing("sandbox wallet file")),
    }
}

fn mac(keys: &Keys, request_id: &str, nonce: &str, expires: i64) -> String {
    hex_encode(&keys.id_mac(
        b"sandbox-wallet-token",
        format!("{request_id}\0{nonce}\0{expires}").as_bytes(),
    ))
}

/// `POST /v1/payment_requests/{id}/wallet_token` (client secret, test mode): a token for
/// one pay of this request.
pub fn mint(request: &ObjectId, keys: &Keys, now: i64) -> Outcome {
    if request.seller.mode() != Mode::Test {
        return Err(Fail::missing("payment request"));
    }
    let mut nonce = [0u8; 16];
    random_bytes(&mut nonce);
    let nonce = base32(&nonce);
    let expires = now + TOKEN_LIFETIME;
    let token = format!(
        "wt_{nonce}.{expires}.{}",
        mac(keys, &request.id, &nonce, expires)
    );
    Ok(json(
        201,
        &json!({"object": "wallet_token", "token": token, "expires_at": chatpay_core::time::rfc3339(expires)}),
    ))
}

/// Checks a token for `request_id`: answers its nonce, which the ledger records so the
/// token is used once.
pub fn verify(token: &str, request_id: &str, keys: &Keys, now: i64) -> Result<String, Fail> {
    let refused = || {
        Fail::invalid(
            "parameter_invalid",
            "This wallet token is not valid for this payment request.",
        )
        .param("method.token")
    };
    let rest = token.strip_prefix("wt_").ok_or_else(refused)?;
    let mut parts = rest.split('.');
    let (Some(nonce), Some(expires), Some(given), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(refused());
    };
    let expires: i64 = expires.parse().map_err(|_| refused())?;
    if !ct_eq(
        mac(keys, request_id, nonce, expires).as_bytes(),
        given.as_bytes(),
    ) {
        return Err(refused());
    }
    if now > expires {
        return Err(Fail::invalid(
            "parameter_invalid",
            "This wallet token has expired: pay again.",
        )
        .param("method.token"));
    }
    Ok(nonce.to_owned())
}
