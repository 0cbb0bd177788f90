//! JSON responses and the one error shape: `{"error": {type, code, message, param}}`.

use chatpay_core::api::{ApiError, ErrorBody};
use chatpay_core::fields::FieldError;
use serde::Serialize;
use worker::{Headers, Response};

/// What a handler answers: a response, or a failure to turn into the error shape.
pub type Outcome = Result<Response, Fail>;

/// A failed API call, on its way to becoming a 4xx (or, for our own faults, a 500).
#[derive(Debug)]
pub struct Fail {
    pub http: u16,
    pub error: ApiError,
    /// Seconds for a `Retry-After` header (429s).
    pub retry_after: Option<u32>,
}

impl Fail {
    pub fn new(http: u16, kind: &str, code: &str, message: impl Into<String>) -> Fail {
        Fail {
            http,
            retry_after: None,
            error: ApiError {
                kind: kind.into(),
                code: code.into(),
                message: message.into(),
                param: None,
                decline_code: None,
                status: None,
            },
        }
    }

    /// The failure as an answer to record and send: its status and the one error shape.
    pub fn into_answer(self) -> (u16, serde_json::Value) {
        (self.http, value(&ErrorBody { error: self.error }))
    }

    pub fn param(mut self, param: impl Into<String>) -> Fail {
        self.error.param = Some(param.into());
        self
    }

    pub fn invalid(code: &str, message: impl Into<String>) -> Fail {
        Fail::new(400, "invalid_request_error", code, message)
    }

    pub fn auth_required() -> Fail {
        Fail::new(
            401,
            "authentication_error",
            "authentication_required",
            "No credential was provided. Send `Authorization: Bearer <key>`.",
        )
    }

    pub fn bad_credentials() -> Fail {
        Fail::new(
            401,
            "authentication_error",
            "invalid_credentials",
            "The credential provided is not valid.",
        )
    }

    pub fn missing(what: &str) -> Fail {
        Fail::new(
            404,
            "invalid_request_error",
            "resource_missing",
            format!("No such {what}."),
        )
    }

    pub fn not_payable(status: &str) -> Fail {
        let mut f = Fail::new(
            409,
            "invalid_request_error",
            "request_not_payable",
            format!("This payment request is {status} and can no longer be paid."),
        );
        f.error.status = Some(status.into());
        f
    }

    pub fn conflict(code: &str, status: &str, message: impl Into<String>) -> Fail {
        let mut f = Fail::new(409, "invalid_request_error", code, message);
        f.error.status = Some(status.into());
        f
    }

    pub fn idempotency_key_reused() -> Fail {
        Fail::new(
            422,
            "idempotency_error",
            "idempotency_key_reused",
            "This Idempotency-Key was already used with a different request body. Use a new key for a new request.",
        )
    }

    pub fn internal(message: impl Into<String>) -> Fail {
        Fail::new(500, "api_error", "internal_error", message)
    }

    /// 429 `rate_limited`: try again after `seconds`.
    pub fn rate_limited(message: impl Into<String>, seconds: u32) -> Fail {
        let mut f = Fail::new(429, "rate_limit_error", "rate_limited", message);
        f.retry_after = Some(seconds);
        f
    }

    pub fn into_response(self) -> Response {
        let mut response = json(self.http, &ErrorBody { error: self.error });
        if let Some(seconds) = self.retry_after {
            let _ = response
                .headers_mut()
                .set("retry-after", &seconds.to_string());
        }
        response
    }
}

impl From<FieldError> for Fail {
    fn from(e: FieldError) -> Fail {
        Fail::invalid(e.code, e.message).param(e.param)
    }
}

impl From<crate::crypto::Misconfigured> for Fail {
    fn from(e: crate::crypto::Misconfigured) -> Fail {
        // Which secret is wrong is for the operator's log, never for an unauthenticated caller.
        worker::console_error!("edge misconfigured: {}", e.0);
        Fail::internal("An internal error occurred.")
    }
}

impl From<worker::Error> for Fail {
    fn from(e: worker::Error) -> Fail {
        // Storage or runtime faults: ours, not the caller's. The message stays generic;
        // the detail goes to the log (it never holds request bodies).
        worker::console_error!("internal error: {e}");
        Fail::internal("An internal error occurred. The request can be retried safely with the same Idempotency-Key.")
    }
}

/// A view as the JSON value handlers answer with (an idempotency record stores the value).
pub fn value<T: Serialize>(view: &T) -> serde_json::Value {
    serde_json::to_value(view).unwrap_or(serde_json::Value::Null)
}

pub fn json<T: Serialize>(status: u16, body: &T) -> Response {
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".into());
    text_response(status, text, "application/json")
}

pub fn text_response(status: u16, body: String, content_type: &str) -> Response {
    let headers = Headers::new();
    let _ = headers.set("content-type", content_type);
    let _ = headers.set("cache-control", "no-store");
    let _ = headers.set("x-content-type-options", "nosniff");
    Response::ok(body)
        .map(|r| r.with_status(status).with_headers(headers))
        .unwrap_or_else(|_| Response::empty().expect("an empty response can always be built"))
}

/// An HTML page we serve ourselves (the card's frame, a popup's return page): never cached,
/// never sniffed, no referrer, under its own content security policy.
pub fn html_page(html: String, content_security_policy: &str) -> Outcome {
    let headers = Headers::new();
    headers.set("content-type", "text/html; charset=utf-8")?;
    headers.set("cache-control", "no-store")?;
    headers.set("referrer-policy", "no-referrer")?;
    headers.set("x-content-type-options", "nosniff")?;
    headers.set("content-security-policy", content_security_policy)?;
    Ok(Response::ok(html)?.with_headers(headers))
}
