//! The seller API, called same-origin with the seller's key: reads with `GET`, actions with
//! `POST` and a fresh `Idempotency-Key` per attempt.

use chatpay_core::api::{ApiError, ErrorBody};
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// How a call ended when it did not succeed.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    Api { status: u16, error: ApiError },
    Network,
}

impl Failure {
    pub fn message(&self) -> String {
        match self {
            Failure::Api { error, .. } if !error.message.is_empty() => error.message.clone(),
            Failure::Api { status, .. } => format!("The server answered {status}."),
            Failure::Network => "The server could not be reached. Check your connection.".into(),
        }
    }

    /// The request field the API blames, such as `tracking_number`.
    pub fn param(&self) -> Option<String> {
        match self {
            Failure::Api { error, .. } => error.param.clone(),
            Failure::Network => None,
        }
    }

    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Failure::Api { status: 401, .. })
    }
}

pub async fn get<T: DeserializeOwned>(key: &str, path: &str) -> Result<T, Failure> {
    let response = Request::get(path)
        .header("Authorization", &format!("Bearer {key}"))
        .send()
        .await
        .map_err(|_| Failure::Network)?;
    read(response).await
}

/// One action attempt. `idempotency_key` is fresh per attempt, so a second click is a new
/// action while a network retry of the browser stays the same one.
pub async fn post<T: DeserializeOwned>(
    key: &str,
    path: &str,
    body: Option<&Value>,
    idempotency_key: &str,
) -> Result<T, Failure> {
    let request = Request::post(path)
        .header("Authorization", &format!("Bearer {key}"))
        .header("Idempotency-Key", idempotency_key);
    send(request, body).await
}

/// A `POST` with no `Idempotency-Key`, for routes that record none: the answer holds a
/// secret (a revealed card) or is new each time (a live-feed ticket).
pub async fn post_unrecorded<T: DeserializeOwned>(
    key: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<T, Failure> {
    let request = Request::post(path).header("Authorization", &format!("Bearer {key}"));
    send(request, body).await
}

async fn send<T: DeserializeOwned>(
    request: gloo_net::http::RequestBuilder,
    body: Option<&Value>,
) -> Result<T, Failure> {
    let sent = match body {
        Some(body) => {
            request
                .header("Content-Type", "application/json")
                .body(body.to_string())
                .map_err(|_| Failure::Network)?
                .send()
                .await
        }
        None => request.send().await,
    };
    read(sent.map_err(|_| Failure::Network)?).await
}

async fn read<T: DeserializeOwned>(response: Response) -> Result<T, Failure> {
    let status = response.status();
    let text = response.text().await.map_err(|_| Failure::Network)?;
    if (200..300).contains(&status) {
        return serde_json::from_str(&text).map_err(|_| Failure::Api {
            status,
            error: unexpected("The server sent an answer the dashboard could not read."),
        });
    }
    let error = serde_json::from_str::<ErrorBody>(&text)
        .map(|e| e.error)
        .unwrap_or_else(|_| unexpected("The server had a problem. Please try again."));
    Err(Failure::Api { status, error })
}

fn unexpected(message: &str) -> ApiError {
    ApiError {
        kind: "api_error".into(),
        code: "unexpected_response".into(),
        message: message.into(),
        ..ApiError::default()
    }
}

/// `key=value` pairs as a query string, each part percent-encoded.
pub fn query(pairs: &[(&str, String)]) -> String {
    let encoded: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    if encoded.is_empty() {
        String::new()
    } else {
        format!("?{}", encoded.join("&"))
    }
}

fn encode(text: &str) -> String {
    js_sys::encode_uri_component(text).into()
}

/// A path segment from an id the API gave us, encoded in case it ever holds odd characters.
pub fn segment(id: &str) -> String {
    encode(id)
}

/// A fresh idempotency key (one helper for the card and the dashboard).
pub use chatpay_intl::idempotency::new_idempotency_key;
