//! The edge's buyer-facing API, called same-origin with the client secret:
//! `GET /v1/payment_requests/{id}/public`, and `POST .../pay` (a card), `.../decline` and
//! `.../claims`. PayPal, the bank's check and the wallet call the edge from their flows
//! (crate::flows), whose answers are read here too.

use crate::frame::Frame;
use crate::reader::{api_error, public_request};
use chatpay_core::api::views::PublicPaymentRequest;
use chatpay_core::api::ApiError;
use gloo_net::http::{Request, Response};
use js_sys::{Reflect, JSON};
use std::sync::Arc;
use wasm_bindgen::{JsCast, JsValue};

/// How a call ended. `Network` means no answer arrived, so the attempt may or may not have
/// reached the server; the caller retries it under the same idempotency key.
#[derive(Clone, Debug)]
pub enum Failure {
    Api {
        status: u16,
        error: ApiError,
    },
    Network,
    /// The frame was opened without its client secret.
    NoSecret,
}

impl Failure {
    pub fn code(&self) -> &str {
        match self {
            Failure::Api { error, .. } => &error.code,
            Failure::Network => "network_error",
            Failure::NoSecret => "missing_client_secret",
        }
    }

    /// Whether the attempt's outcome is unknown, so it is retried as it was, under the same
    /// idempotency key: no answer came, or the processor did not answer the edge (which
    /// then reconciles the retry with the processor's record).
    pub fn may_retry(&self) -> bool {
        match self {
            Failure::Network => true,
            Failure::Api { error, .. } => error.code == "processor_unavailable",
            Failure::NoSecret => false,
        }
    }
}

/// The request on screen. Shared, never copied: every part of the card reads the one
/// answer, and the download carries no code to clone it.
pub type Shown = Arc<PublicPaymentRequest>;

/// Network failures are retried this many times, after these pauses (milliseconds).
const RETRY_PAUSES: [i32; 2] = [400, 1200];

pub async fn fetch_public(frame: &Frame) -> Result<Shown, Failure> {
    let url = request_url(frame, "public");
    let auth = bearer(frame)?;
    if let Some(response) = prefetched().await {
        return buyer_view(&read(response).await?);
    }
    let json = with_retries(|| Request::get(&url).header("Authorization", &auth).send()).await?;
    buyer_view(&json)
}

/// The answer to the same `GET .../public` that boot.js started while the wasm downloaded,
/// taken once (a reload of the card fetches again). `None` when there was none, or it never
/// got an answer: the caller then fetches with its retries.
async fn prefetched() -> Option<Response> {
    let global = js_sys::global();
    let name = JsValue::from_str("chatpayPublic");
    let promise = Reflect::get(&global, &name)
        .ok()?
        .dyn_into::<js_sys::Promise>()
        .ok()?;
    let _ = Reflect::delete_property(global.unchecked_ref::<js_sys::Object>(), &name);
    let answer = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    answer
        .dyn_into::<web_sys::Response>()
        .ok()
        .map(Response::from)
}

/// `body` is the JSON pay body; it holds the card and goes nowhere but this request.
pub async fn pay(frame: &Frame, idempotency_key: &str, body: &str) -> Result<Shown, Failure> {
    buyer_view(&post(frame, "pay", idempotency_key, body).await?)
}

/// The buyer says no: the answer is the public object, `declined`. The body is empty: the
/// card asks for no reason.
pub async fn decline(frame: &Frame, idempotency_key: &str) -> Result<Shown, Failure> {
    buyer_view(&post(frame, "decline", idempotency_key, "{}").await?)
}

/// Opens a claim. The answer is the claim alone; the caller reloads the request to show it
/// in place, so the card never mixes two answers.
pub async fn open_claim(frame: &Frame, idempotency_key: &str, body: &str) -> Result<(), Failure> {
    post(frame, "claims", idempotency_key, body).await.map(drop)
}

/// Tells the seller how far the buyer has come (`POST .../progress`): once, no retries and
/// no idempotency key, since the edge records each stage once anyway; any failure is ignored.
pub async fn progress(frame: &Frame, stage: &str) {
    let Ok(auth) = bearer(frame) else { return };
    let body = format!("{{\"stage\":\"{stage}\"}}");
    if let Ok(request) = Request::post(&request_url(frame, "progress"))
        .header("Authorization", &auth)
        .header("Content-Type", "application/json")
        .body(body)
    {
        let _ = request.send().await;
    }
}

fn request_url(frame: &Frame, action: &str) -> String {
    format!(
        "{}/v1/payment_requests/{}/{action}",
        frame.origin, frame.request_id
    )
}

async fn post(
    frame: &Frame,
    action: &str,
    idempotency_key: &str,
    body: &str,
) -> Result<JsValue, Failure> {
    let url = request_url(frame, action);
    let auth = bearer(frame)?;
    with_retries(|| async {
        Request::post(&url)
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", idempotency_key)
            .body(body)?
            .send()
            .await
    })
    .await
}

pub fn buyer_view(json: &JsValue) -> Result<Shown, Failure> {
    public_request(json)
        .map(Arc::new)
        .ok_or_else(|| Failure::Api {
            status: 200,
            error: unexpected("The payment server sent an answer we could not read."),
        })
}

pub fn bearer(frame: &Frame) -> Result<String, Failure> {
    frame
        .client_secret
        .as_ref()
        .map(|s| format!("Bearer {}", s.expose()))
        .ok_or(Failure::NoSecret)
}

async fn with_retries<F, Fut>(send: F) -> Result<JsValue, Failure>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<Response, gloo_net::Error>>,
{
    let mut pauses = RETRY_PAUSES.iter();
    loop {
        match send().await {
            Ok(response) => return read(response).await,
            Err(_) => match pauses.next() {
                Some(&ms) => sleep(ms).await,
                None => return Err(Failure::Network),
            },
        }
    }
}

async fn read(response: Response) -> Result<JsValue, Failure> {
    let status = response.status();
    let json = match response.text().await {
        Ok(text) => JSON::parse(&text).unwrap_or(JsValue::NULL),
        Err(_) => return Err(Failure::Network),
    };
    judge(status, json)
}

/// The answer's JSON when `status` is a success, else why the call failed.
pub fn judge(status: u16, json: JsValue) -> Result<JsValue, Failure> {
    if (200..300).contains(&status) {
        return Ok(json);
    }
    let error = Reflect::get(&json, &"error".into())
        .ok()
        .and_then(|e| api_error(&e))
        .unwrap_or_else(|| unexpected("The payment server had a problem. Please try again."));
    Err(Failure::Api { status, error })
}

fn unexpected(message: &str) -> ApiError {
    ApiError {
        kind: "api_error".into(),
        code: "unexpected_response".into(),
        message: message.into(),
        param: None,
        decline_code: None,
        status: None,
    }
}

pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A fresh idempotency key (one helper for the card and the dashboard).
pub use chatpay_intl::idempotency::new_idempotency_key;
