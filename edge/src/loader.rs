//! `GET /v1/widget.js`: the loader a chat page embeds, with the edge's origin written into it.
//! The loader must not work out where it came from by looking at the page, where markup in a
//! chat message can forge the answer (`<img name="currentScript">`), so the Worker that
//! serves it states its own origin.

use crate::http::Fail;
use crate::http::Outcome;
use worker::{Env, Headers, Request, Response};

/// The string literal the built loader holds for the origin (`widget/loader/widget.js`;
/// `scripts/build-widget.sh` checks that minifying kept it).
const ORIGIN_PLACEHOLDER: &str = r#""__CHATPAY_EDGE_ORIGIN__""#;

pub async fn serve(req: &Request, env: &Env) -> Outcome {
    let url = req
        .url()
        .map_err(|_| Fail::invalid("invalid_url", "The URL could not be parsed."))?;
    let mut file = env
        .assets("ASSETS")?
        .fetch("https://assets.local/v1/widget.js", None)
        .await?;
    if file.status_code() != 200 {
        return Err(Fail::internal(
            "The widget is not built: dist/public/v1/widget.js is missing.",
        ));
    }
    let script = file.text().await?;
    if !script.contains(ORIGIN_PLACEHOLDER) {
        return Err(Fail::internal(
            "dist/public/v1/widget.js has no origin placeholder: rebuild it with scripts/build-widget.sh.",
        ));
    }
    // A JSON string is a JS string literal: the origin cannot break out of it.
    let origin = serde_json::to_string(&url.origin().ascii_serialization())
        .map_err(|_| Fail::internal("encode origin"))?;
    let headers = Headers::new();
    headers.set("content-type", "text/javascript; charset=utf-8")?;
    // The loader keeps its name for years of pasted tags: cache it briefly.
    headers.set(
        "cache-control",
        "public, max-age=300, stale-while-revalidate=3600",
    )?;
    headers.set("x-content-type-options", "nosniff")?;
    headers.set("cross-origin-resource-policy", "cross-origin")?;
    headers.set("access-control-allow-origin", "*")?;
    Ok(Response::ok(script.replace(ORIGIN_PLACEHOLDER, &origin))?.with_headers(headers))
}
