//! PayPal's HTTP: the OAuth2 token (cached in the seller object's memory), the headers every
//! call carries, the timeout, one retry after a 401, and how every operation maps a refusal
//! ([`Answer::failure`], [`done_failed`]).
//!
//! A timeout, a network error or a 5xx is [`Failure::Unavailable`]: the call may or may not
//! have happened, and a retry under the same `PayPal-Request-Id` finds out. Any other answer
//! is handed back with its status for the operation to map.

use super::super::connector::{Done, Failure};
use super::config::{AccessToken, PayPalConfig};
use super::errors::{code, ErrorBody};
use chatpay_core::secret::Secret;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;
use worker::{AbortController, Fetch, Headers, Request, RequestInit};

/// How long one HTTP exchange (request and whole answer) may take.
const TIMEOUT: Duration = Duration::from_secs(20);

/// PayPal's limit on `PayPal-Request-Id` in Orders v2 and Payments v2.
const MAX_REQUEST_ID: usize = 108;

#[derive(Clone, Copy)]
pub enum Method {
    Get,
    Post,
}

/// One call to PayPal. `body` is the JSON to send; it may hold a card, so it is only ever
/// handed to `fetch`, never logged or kept.
pub struct Call<'a> {
    /// The operation's name, for the log.
    pub operation: &'static str,
    pub method: Method,
    /// From the API base, starting with `/`.
    pub path: String,
    pub body: Option<String>,
    /// `PayPal-Request-Id`, on every POST.
    pub request_id: Option<&'a str>,
    /// `Prefer: return=representation` (Orders v2 calls): the whole order comes back.
    pub representation: bool,
}

/// A status PayPal answered with (2xx or 4xx) and its body.
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as `T`, or `None` when PayPal sent something else.
    pub fn parse<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_str(&self.body).ok()
    }

    /// A refusal in our terms: a 409 (an earlier call under this key still running) may yet
    /// happen, so it is `Unavailable`; any other 4xx is `Rejected` with PayPal's codes.
    pub fn failure(&self) -> Failure {
        if self.status == 409 {
            Failure::Unavailable
        } else {
            self.error().rejected()
        }
    }

    /// The answer when PayPal took the call (2xx), else its refusal as [`Answer::failure`].
    pub fn accepted(self) -> Result<Answer, Failure> {
        if self.is_success() {
            Ok(self)
        } else {
            Err(self.failure())
        }
    }

    /// PayPal's error body (empty when the body is not one).
    pub fn error(&self) -> ErrorBody {
        self.parse().unwrap_or_default()
    }
}

/// A request body as JSON; one that cannot be written is refused before anything is sent.
pub fn to_json<T: Serialize>(value: &T) -> Result<String, Failure> {
    serde_json::to_string(value).map_err(|_| Failure::Rejected {
        message: "The PayPal request could not be written.".into(),
    })
}

/// A failed queued call (tracker, payout) as the alarm sees it: worth retrying only when
/// PayPal may not have answered.
pub fn done_failed(failure: Failure) -> Done {
    match failure {
        Failure::Unavailable => Done::Failed {
            retry: true,
            message: "PayPal is unavailable.".into(),
        },
        Failure::Rejected { message } => Done::Failed {
            retry: false,
            message,
        },
    }
}

/// `PayPal-Request-Id` for one operation on one of our ids: `att_x-capture`. Operations on
/// one order get different keys, so PayPal never answers one with another's stored reply.
pub fn request_id(key: &str, operation: &str) -> Result<String, Failure> {
    let id = format!("{key}-{operation}");
    if key.is_empty() || id.len() > MAX_REQUEST_ID {
        return Err(Failure::Rejected {
            message: "The idempotency key is too long for PayPal.".into(),
        });
    }
    Ok(id)
}

/// A path segment for a PayPal id (order, capture): PayPal's ids are letters and digits,
/// and anything else must not reach the URL.
pub fn path_id(id: &str) -> Result<&str, Failure> {
    if !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(id)
    } else {
        Err(Failure::Rejected {
            message: "Not a PayPal id.".into(),
        })
    }
}

/// When to stop using a token that lives `expires_in` seconds: 60 seconds or a tenth of its
/// life before it expires, whichever is earlier, so no call starts with a token about to lapse.
pub fn refresh_at_ms(now_ms: f64, expires_in_s: u64) -> f64 {
    let life_ms = expires_in_s as f64 * 1000.0;
    let margin_ms = (life_ms / 10.0).max(60_000.0);
    now_ms + (life_ms - margin_ms).max(0.0)
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding, for HTTP Basic.
pub fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The token endpoint's answer. No `Debug`: it holds the token.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: u64,
}

/// The token endpoint's refusal (`invalid_client`, ...): RFC 6749's `error` code only.
#[derive(Deserialize)]
struct TokenRefusal {
    error: Option<String>,
}

pub struct Client<'a> {
    config: PayPalConfig,
    token: &'a RefCell<Option<AccessToken>>,
}

impl<'a> Client<'a> {
    pub fn new(config: PayPalConfig, token: &'a RefCell<Option<AccessToken>>) -> Client<'a> {
        Client { config, token }
    }

    pub fn webhook_id(&self) -> &str {
        &self.config.webhook_id
    }

    /// Sends `call`; after a 401 it drops the cached token, fetches a new one and sends the
    /// same call (same `PayPal-Request-Id`) once more.
    pub async fn send(&self, call: &Call<'_>) -> Result<Answer, Failure> {
        let token = self.access_token().await?;
        let answer = self.exchange(call, &token).await?;
        if answer.status != 401 {
            return Ok(answer);
        }
        self.token.borrow_mut().take();
        let token = self.access_token().await?;
        self.exchange(call, &token).await
    }

    /// The cached token while it is fresh, else a new one from `/v1/oauth2/token`.
    async fn access_token(&self) -> Result<Secret<String>, Failure> {
        let now = worker::Date::now().as_millis() as f64;
        if let Some(cached) = self.token.borrow().as_ref() {
            if now < cached.refresh_at_ms {
                return Ok(cached.token.clone());
            }
        }
        let credentials = format!(
            "{}:{}",
            self.config.client_id.expose(),
            self.config.client_secret.expose()
        );
        let headers = Headers::new();
        set(
            &headers,
            "Authorization",
            &format!("Basic {}", base64(credentials.as_bytes())),
        )?;
        set(
            &headers,
            "Content-Type",
            "application/x-www-form-urlencoded",
        )?;
        set(&headers, "Accept", "application/json")?;
        let url = format!("{}/v1/oauth2/token", self.config.api_base);
        let answer = fetch(
            "oauth2_token",
            &url,
            worker::Method::Post,
            headers,
            Some("grant_type=client_credentials"),
        )
        .await?;
        if !answer.is_success() {
            let code = answer
                .parse::<TokenRefusal>()
                .and_then(|r| r.error)
                .map(|e| code(&e).to_ascii_lowercase())
                .unwrap_or_else(|| answer.status.to_string());
            return Err(Failure::Rejected {
                message: format!("PayPal refused the platform's credentials ({code})."),
            });
        }
        let granted: TokenAnswer = answer.parse().ok_or(Failure::Unavailable)?;
        let token = Secret::new(granted.access_token);
        let now = worker::Date::now().as_millis() as f64;
        *self.token.borrow_mut() = Some(AccessToken {
            token: token.clone(),
            refresh_at_ms: refresh_at_ms(now, granted.expires_in),
        });
        Ok(token)
    }

    async fn exchange(&self, call: &Call<'_>, token: &Secret<String>) -> Result<Answer, Failure> {
        let headers = Headers::new();
        set(
            &headers,
            "Authorization",
            &format!("Bearer {}", token.expose()),
        )?;
        set(&headers, "Accept", "application/json")?;
        if call.body.is_some() {
            set(&headers, "Content-Type", "application/json")?;
        }
        if let Some(id) = call.request_id {
            set(&headers, "PayPal-Request-Id", id)?;
        }
        if call.representation {
            set(&headers, "Prefer", "return=representation")?;
        }
        let method = match call.method {
            Method::Get => worker::Method::Get,
            Method::Post => worker::Method::Post,
        };
        let url = format!("{}{}", self.config.api_base, call.path);
        fetch(call.operation, &url, method, headers, call.body.as_deref()).await
    }
}

fn set(headers: &Headers, name: &str, value: &str) -> Result<(), Failure> {
    // A header value PayPal would refuse (a stray newline in a setting): nothing was sent.
    headers.set(name, value).map_err(|_| Failure::Rejected {
        message: format!("A {name} header could not be built."),
    })
}

/// One HTTP exchange within [`TIMEOUT`]. 5xx, timeouts and network errors are
/// `Unavailable`; anything else comes back as an [`Answer`].
async fn fetch(
    operation: &'static str,
    url: &str,
    method: worker::Method,
    headers: Headers,
    body: Option<&str>,
) -> Result<Answer, Failure> {
    let mut init = RequestInit::new();
    init.with_method(method)
        .with_headers(headers)
        .with_body(body.map(wasm_bindgen::JsValue::from_str));
    let request = Request::new_with_init(url, &init).map_err(|_| Failure::Rejected {
        message: "The PayPal request could not be built.".into(),
    })?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let exchange = async {
        let mut response = Fetch::Request(request).send_with_signal(&signal).await?;
        let status = response.status_code();
        let debug_id = response.headers().get("paypal-debug-id").ok().flatten();
        let body = response.text().await?;
        Ok::<_, worker::Error>((status, debug_id, body))
    };
    let (status, debug_id, body) = match within(TIMEOUT, exchange).await {
        Some(Ok(answer)) => answer,
        Some(Err(_)) => {
            worker::console_error!("paypal {operation}: network error");
            return Err(Failure::Unavailable);
        }
        None => {
            controller.abort();
            worker::console_error!("paypal {operation}: timed out");
            return Err(Failure::Unavailable);
        }
    };
    // PayPal's debug id is what its support asks for; nothing else of the answer is logged.
    let debug_id: String = debug_id
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(64)
        .collect();
    if status >= 500 {
        worker::console_error!("paypal {operation}: HTTP {status} debug_id {debug_id}");
        return Err(Failure::Unavailable);
    }
    if status >= 300 {
        worker::console_warn!("paypal {operation}: HTTP {status} debug_id {debug_id}");
    }
    Ok(Answer { status, body })
}

/// `future`'s output, or `None` once `limit` has passed (the future is then dropped).
pub(crate) async fn within<F: Future>(limit: Duration, future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut delay = pin!(worker::Delay::from(limit));
    std::future::poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        match delay.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
            ("id:se/cr+et?", "aWQ6c2UvY3IrZXQ/"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain}");
        }
    }

    #[test]
    fn tokens_refresh_before_they_expire() {
        // PayPal's usual 9 hours: a tenth (54 minutes) early.
        assert_eq!(refresh_at_ms(1_000.0, 32_400), 1_000.0 + 29_160_000.0);
        // Short-lived: at least a minute early.
        assert_eq!(refresh_at_ms(0.0, 300), 240_000.0);
        // Shorter than the margin: stale at once, so the next call fetches another.
        assert_eq!(refresh_at_ms(5.0, 30), 5.0);
        assert_eq!(refresh_at_ms(5.0, 0), 5.0);
    }

    #[test]
    fn request_ids_differ_per_operation_and_respect_the_limit() {
        assert_eq!(request_id("att_x", "create").unwrap(), "att_x-create");
        assert_ne!(
            request_id("att_x", "confirm").unwrap(),
            request_id("att_x", "capture").unwrap()
        );
        let long = "k".repeat(100);
        assert!(request_id(&long, "create").is_ok());
        assert!(request_id(&long, "capture-x").is_err());
        assert!(request_id("", "create").is_err());
    }

    #[test]
    fn path_ids_are_letters_and_digits() {
        assert!(path_id("5O190127TN364715T").is_ok());
        for bad in ["", "../v1/x", "A B", "A?b=1", "A/B", &"A".repeat(65)] {
            assert!(path_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_unanswered_calls_are_retried() {
        assert!(matches!(
            done_failed(Failure::Unavailable),
            Done::Failed { retry: true, .. }
        ));
        assert!(matches!(
            done_failed(Failure::Rejected { message: "no".into() }),
            Done::Failed { retry: false, message } if message == "no"
        ));
    }

    #[test]
    fn only_2xx_answers_are_accepted() {
        let refused = Answer {
            status: 422,
            body: r#"{"name":"UNPROCESSABLE_ENTITY"}"#.into(),
        };
        assert_eq!(
            refused.accepted().err(),
            Some(Failure::Rejected {
                message: "PayPal refused the call: UNPROCESSABLE_ENTITY.".into()
            })
        );
        let running = Answer {
            status: 409,
            body: String::new(),
        };
        assert_eq!(running.accepted().err(), Some(Failure::Unavailable));
        let taken = Answer {
            status: 201,
            body: "{}".into(),
        };
        assert!(taken.accepted().is_ok());
    }

    #[test]
    fn unreadable_errors_still_make_a_message() {
        let answer = Answer {
            status: 400,
            body: "<html>bad gateway</html>".into(),
        };
        assert_eq!(answer.error().message(), "PayPal refused the call.");
        assert!(!answer.is_success());
        assert!(Answer {
            status: 201,
            body: String::new()
        }
        .is_success());
    }
}
