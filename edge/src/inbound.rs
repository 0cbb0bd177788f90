//! Reading what a caller sent: its bearer token, JSON body and query string.

use crate::http::Fail;
use chatpay_core::api::MAX_BODY_BYTES;
use serde_json::Value;
use worker::{Request, Url};

pub fn bearer(req: &Request) -> Result<String, Fail> {
    let header = req
        .headers()
        .get("authorization")
        .ok()
        .flatten()
        .ok_or_else(Fail::auth_required)?;
    let token = header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(Fail::bad_credentials)?;
    Ok(token.to_owned())
}

/// The query string as ordered (name, value) pairs, decoded.
pub fn query_pairs(url: &Url) -> Vec<(String, String)> {
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A bodiless action takes no body or `{}`, nothing else.
pub fn bodiless(body: Option<Value>) -> Result<Option<Value>, Fail> {
    if let Some(b) = &body {
        chatpay_core::fields::Fields::new(b, "", &[])?;
    }
    Ok(body)
}

/// Reads a JSON body: at most 64 KB, `Content-Type: application/json`, well-formed.
pub async fn read_json(req: &mut Request, required: bool) -> Result<Option<Value>, Fail> {
    let too_large = || {
        Fail::new(
            413,
            "invalid_request_error",
            "body_too_large",
            format!(
                "Request bodies are limited to {} KB.",
                MAX_BODY_BYTES / 1024
            ),
        )
    };
    let declared = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let bytes = req
        .bytes()
        .await
        .map_err(|_| Fail::invalid("invalid_body", "The request body could not be read."))?;
    if bytes.len() > MAX_BODY_BYTES {
        return Err(too_large());
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return if required {
            Err(Fail::invalid(
                "parameter_missing",
                "A JSON request body is required.",
            ))
        } else {
            Ok(None)
        };
    }
    let content_type = req
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_default();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence != "application/json" {
        return Err(Fail::new(
            415,
            "invalid_request_error",
            "unsupported_media_type",
            "Send the request body as JSON with `Content-Type: application/json`.",
        ));
    }
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| Fail::invalid("invalid_json", format!("The body is not valid JSON: {e}.")))
}
