//! Webhook deliveries checked by PayPal itself: `POST /v1/notifications/verify-webhook-signature`.
//!
//! PayPal signs the body it sent, byte for byte, so the body goes back to it verbatim: the
//! request JSON is written around the raw body rather than re-serialized from a parse,
//! which could reorder keys or re-escape strings.
//!
//! Its `PayPal-Request-Id` is a digest of the whole request, never of the delivery's
//! transmission id alone: a key shared by a genuine delivery and a forged body reusing its
//! headers would let PayPal replay the genuine `SUCCESS` for the forgery.

use super::super::connector::{Delivery, Verified};
use super::client::{Call, Client, Method};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Everything but `webhook_event`, which is spliced in as raw JSON.
#[derive(Serialize)]
struct VerifyHead<'a> {
    auth_algo: &'a str,
    cert_url: &'a str,
    transmission_id: &'a str,
    transmission_sig: &'a str,
    transmission_time: &'a str,
    webhook_id: &'a str,
}

#[derive(Deserialize)]
struct VerifyAnswer {
    #[serde(default)]
    verification_status: Option<VerificationStatus>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum VerificationStatus {
    Success,
    Failure,
    #[serde(other)]
    Unknown,
}

fn header<'a>(delivery: &Delivery<'a>, name: &str) -> Option<&'a str> {
    delivery
        .headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// Whether `body` is exactly one JSON object (with surrounding whitespace at most).
fn is_json_object(body: &str) -> bool {
    body.trim_start().starts_with('{') && serde_json::from_str::<IgnoredAny>(body).is_ok()
}

/// The verification request for a delivery, or `None` when it lacks a `paypal-*` header or
/// its body is not a JSON object (then it is not PayPal's, and nothing is sent).
pub fn verify_body(delivery: &Delivery<'_>, webhook_id: &str) -> Option<String> {
    let head = VerifyHead {
        auth_algo: header(delivery, "paypal-auth-algo")?,
        cert_url: header(delivery, "paypal-cert-url")?,
        transmission_id: header(delivery, "paypal-transmission-id")?,
        transmission_sig: header(delivery, "paypal-transmission-sig")?,
        transmission_time: header(delivery, "paypal-transmission-time")?,
        webhook_id,
    };
    if !is_json_object(delivery.body) {
        return None;
    }
    let mut json = serde_json::to_string(&head).ok()?;
    // `{...}` → `{...,"webhook_event":<body>}`
    json.pop();
    json.push_str(",\"webhook_event\":");
    json.push_str(delivery.body);
    json.push('}');
    Some(json)
}

/// `verify-` and the SHA-256 of the request: equal only for byte-equal requests, whose
/// answer is the same anyway.
pub fn verify_request_id(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    let mut id = String::with_capacity(7 + 64);
    id.push_str("verify-");
    for byte in digest {
        id.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        id.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    id
}

fn verified(answer: &VerifyAnswer) -> Verified {
    match answer
        .verification_status
        .unwrap_or(VerificationStatus::Unknown)
    {
        VerificationStatus::Success => Verified::Genuine,
        VerificationStatus::Failure | VerificationStatus::Unknown => Verified::Refused,
    }
}

pub async fn verify(client: &Client<'_>, delivery: Delivery<'_>) -> Verified {
    let Some(body) = verify_body(&delivery, client.webhook_id()) else {
        return Verified::Refused;
    };
    let key = verify_request_id(&body);
    let call = Call {
        operation: "verify_webhook",
        method: Method::Post,
        path: "/v1/notifications/verify-webhook-signature".into(),
        body: Some(body),
        request_id: Some(&key),
        representation: false,
    };
    match client.send(&call).await {
        Ok(answer) if answer.is_success() => answer
            .parse::<VerifyAnswer>()
            .map_or(Verified::Refused, |a| verified(&a)),
        _ => Verified::Refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn headers() -> Vec<(String, String)> {
        [
            ("paypal-auth-algo", "SHA256withRSA"),
            (
                "paypal-cert-url",
                "https://api.paypal.com/v1/notifications/certs/CERT-360caa42",
            ),
            (
                "paypal-transmission-id",
                "69cd13f0-d67a-11e5-baa3-778b53f4ae55",
            ),
            ("paypal-transmission-sig", "c2lnbmF0dXJl=="),
            ("paypal-transmission-time", "2026-02-18T20:01:35Z"),
            ("content-type", "application/json"),
        ]
        .into_iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
    }

    #[test]
    fn the_raw_body_is_spliced_in_verbatim() {
        // Key order, spacing and escapes that a parse and re-serialize would change.
        let body = "{\"z\":1,  \"a\":\"caf\\u00e9 \\/ 1.0\",\"resource\":{\"amount\":1.50}}";
        let headers = headers();
        let delivery = Delivery {
            body,
            headers: &headers,
        };
        let json = verify_body(&delivery, "1JE4291016473214C").unwrap();
        assert!(json.ends_with(&format!(",\"webhook_event\":{body}}}")));
        let parsed: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["auth_algo"], "SHA256withRSA");
        assert_eq!(parsed["webhook_id"], "1JE4291016473214C");
        assert_eq!(
            parsed["transmission_id"],
            "69cd13f0-d67a-11e5-baa3-778b53f4ae55"
        );
        assert_eq!(parsed["webhook_event"]["a"], "café / 1.0");
    }

    #[test]
    fn header_values_are_escaped_not_spliced() {
        let mut headers = headers();
        headers[4].1 = "\",\"webhook_id\":\"EVIL".into();
        let delivery = Delivery {
            body: "{}",
            headers: &headers,
        };
        let parsed: Value = serde_json::from_str(&verify_body(&delivery, "MINE").unwrap()).unwrap();
        assert_eq!(parsed["webhook_id"], "MINE");
    }

    #[test]
    fn a_body_that_is_not_one_json_object_is_refused() {
        let headers = headers();
        for body in [
            "",
            "[]",
            "\"x\"",
            "{",
            "{} {}",
            "{}, \"webhook_id\": \"x\"",
            "{\"a\":1}}",
            "null",
        ] {
            let delivery = Delivery {
                body,
                headers: &headers,
            };
            assert_eq!(verify_body(&delivery, "W"), None, "{body:?}");
        }
        let padded = Delivery {
            body: " {\"a\":1}\n",
            headers: &headers,
        };
        assert!(verify_body(&padded, "W").is_some());
    }

    #[test]
    fn every_paypal_header_is_required() {
        for missing in 0..5 {
            let mut headers = headers();
            headers.remove(missing);
            let delivery = Delivery {
                body: "{}",
                headers: &headers,
            };
            assert_eq!(verify_body(&delivery, "W"), None, "{missing}");
        }
    }

    #[test]
    fn the_request_id_is_a_digest_of_the_whole_request() {
        let id = verify_request_id("{}");
        assert_eq!(
            id,
            "verify-44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        assert!(id.len() <= 108);
        assert_ne!(id, verify_request_id("{ }"));
    }

    #[test]
    fn only_success_is_genuine() {
        let status = |json: &str| verified(&serde_json::from_str(json).unwrap());
        assert!(matches!(
            status(r#"{"verification_status":"SUCCESS"}"#),
            Verified::Genuine
        ));
        for refused in [
            r#"{"verification_status":"FAILURE"}"#,
            r#"{"verification_status":"success"}"#,
            r#"{"verification_status":"MAYBE"}"#,
            r#"{}"#,
        ] {
            assert!(matches!(status(refused), Verified::Refused), "{refused}");
        }
    }
}
