//! Pages a buyer's popup lands on, outside the card: PayPal's return page (it captures),
//! the page a 3-D Secure challenge ends on, and test mode's sandbox pages standing in for
//! PayPal's approval page and a bank's challenge. Each return page tells the card through
//! `postMessage` to the edge's own origin (the card's), then closes itself.

use crate::command::{send, Command};
use crate::crypto::{random_bytes, Keys};
use crate::encoding::hex_encode;
use crate::http::{html_page, Fail, Outcome};
use crate::ids::{Mode, ObjectId};
use chatpay_core::routes::Operation;
use serde_json::{json, Value};
use worker::{Env, Headers, Request, Response, Url};

/// Escapes text for HTML.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A small page with its own inline script allowed by nonce, never cached or framed.
fn page(title: &str, body: &str, script: Option<&str>) -> Outcome {
    let mut nonce = [0u8; 16];
    random_bytes(&mut nonce);
    let nonce = hex_encode(&nonce);
    let script = script
        .map(|s| format!("<script nonce=\"{nonce}\">{s}</script>"))
        .unwrap_or_default();
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style nonce=\"{nonce}\">\
         body{{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;background:#f6f7f9;color:#1a1d21}}\
         main{{background:#fff;border-radius:14px;box-shadow:0 2px 12px #0002;padding:28px;max-width:360px;width:calc(100% - 40px)}}\
         h1{{font-size:20px;margin:0 0 6px}}p{{margin:0 0 18px;color:#4a5058}}.badge{{display:inline-block;font-size:12px;font-weight:600;background:#fff3c4;color:#6b4e00;border-radius:6px;padding:2px 8px;margin-bottom:12px}}\
         form{{display:flex;gap:10px}}button{{flex:1;font:inherit;font-weight:600;border:0;border-radius:10px;padding:12px;cursor:pointer}}\
         .go{{background:#0a66ff;color:#fff}}.no{{background:#e9ecf0;color:#1a1d21}}\
         @media (prefers-color-scheme:dark){{body{{background:#111417;color:#e8eaed}}main{{background:#1c2024}}p{{color:#aab0b8}}.no{{background:#2a2f35;color:#e8eaed}}}}\
         </style></head><body><main>{body}</main>{script}</body></html>"
    );
    html_page(
        html,
        &format!(
            "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        ),
    )
}

/// A page that posts `message` to the card (the opener, on our own origin) and closes.
fn tell_card(origin: &str, title: &str, text: &str, message: &Value) -> Outcome {
    let script = format!(
        "(function(){{var m={message};try{{if(window.opener)window.opener.postMessage(m,{origin});}}catch(e){{}}\
         setTimeout(function(){{window.close();}},150);}})();",
        message = message,
        origin = Value::String(origin.to_owned()),
    );
    page(
        title,
        &format!("<h1>{}</h1><p>{}</p>", esc(title), esc(text)),
        Some(&script),
    )
}

fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The pages' entry, from the router (no credential: the id's MAC routes the call).
pub async fn serve(
    op: Operation,
    req: &mut Request,
    url: &Url,
    param: &str,
    env: &Env,
    keys: &Keys,
) -> Outcome {
    let origin = url.origin().ascii_serialization();
    match op {
        Operation::PayPalReturn => paypal_return(url, param, &origin, env, keys).await,
        Operation::ChallengeReturn => {
            ObjectId::parse("pr_", param, keys).ok_or_else(|| Fail::missing("payment request"))?;
            let attempt = query(url, "attempt").unwrap_or_default();
            let canceled = query(url, "canceled").is_some();
            tell_card(
                &origin,
                "Back to your payment",
                "You can close this window.",
                &json!({"chatpay": 1, "type": "3ds", "request_id": param, "attempt": attempt,
                        "outcome": if canceled { "canceled" } else { "done" }}),
            )
        }
        Operation::SandboxPage => sandbox_page(url, param, env, keys).await,
        Operation::SandboxAct => sandbox_act(req, url, param, &origin, env, keys).await,
        _ => Err(Fail::internal("not a page")),
    }
}

async fn paypal_return(url: &Url, param: &str, origin: &str, env: &Env, keys: &Keys) -> Outcome {
    let request =
        ObjectId::parse("pr_", param, keys).ok_or_else(|| Fail::missing("payment request"))?;
    let order_id = query(url, "token").ok_or_else(|| {
        Fail::invalid(
            "parameter_missing",
            "PayPal's return names its order in `token`.",
        )
        .param("token")
    })?;
    let canceled = query(url, "canceled").is_some();
    let command = Command::new(Operation::PayPalReturn, request.seller, keys)
        .request(request.id.clone())
        .origin(origin.to_owned())
        .body(Some(json!({"order_id": order_id, "canceled": canceled})));
    let mut response = send(env, request.seller, command).await?;
    if response.status_code() != 200 {
        return Ok(response);
    }
    let answer: Value = response.json().await?;
    let outcome = answer["outcome"].as_str().unwrap_or("failed");
    let (title, text) = match outcome {
        "paid" => (
            "Payment complete",
            "Your PayPal payment went through. You can close this window.",
        ),
        "pending" => (
            "Payment processing",
            "PayPal is processing your payment. You can close this window.",
        ),
        "canceled" => (
            "PayPal canceled",
            "Nothing was charged. You can close this window.",
        ),
        _ => (
            "Payment not completed",
            "PayPal could not complete the payment. You can close this window and try again.",
        ),
    };
    let mut message =
        json!({"chatpay": 1, "type": "paypal", "request_id": request.id, "outcome": outcome});
    if let Some(code) = answer["code"].as_str() {
        message["code"] = json!(code);
    }
    tell_card(origin, title, text, &message)
}

/// The attempt id of a sandbox page, in test mode only.
fn sandbox_attempt(param: &str, keys: &Keys) -> Result<ObjectId, Fail> {
    ObjectId::parse("att_", param, keys)
        .filter(|a| a.seller.mode() == Mode::Test)
        .ok_or_else(|| Fail::missing("sandbox order"))
}

async fn sandbox_page(url: &Url, param: &str, env: &Env, keys: &Keys) -> Outcome {
    let attempt = sandbox_attempt(param, keys)?;
    let command =
        Command::new(Operation::SandboxPage, attempt.seller, keys).target(attempt.id.clone());
    let mut response = send(env, attempt.seller, command).await?;
    if response.status_code() != 200 {
        return Ok(response);
    }
    let info: Value = response.json().await?;
    let text = |k: &str| esc(info[k].as_str().unwrap_or_default());
    let what = format!(
        "{} {} to {} for “{}”",
        text("amount"),
        text("currency"),
        text("seller"),
        text("description")
    );
    let action = esc(url.path());
    let (title, intro, yes, no) = if info["kind"] == "paypal" {
        (
            "PayPal (sandbox)",
            format!("Approve a payment of {what}."),
            ("approve", "Approve"),
            ("cancel", "Cancel"),
        )
    } else {
        (
            "Your bank (sandbox)",
            format!("Confirm it's you for a payment of {what}."),
            ("complete", "Complete"),
            ("fail", "Fail"),
        )
    };
    let body = if info["waiting"] == true {
        format!(
            "<span class=\"badge\">Test mode</span><h1>{title}</h1><p>{intro}</p>\
             <form method=\"post\" action=\"{action}\">\
             <button class=\"no\" name=\"action\" value=\"{}\">{}</button>\
             <button class=\"go\" name=\"action\" value=\"{}\">{}</button></form>",
            no.0, no.1, yes.0, yes.1
        )
    } else {
        format!("<span class=\"badge\">Test mode</span><h1>{title}</h1><p>This step is already done. You can close this window.</p>")
    };
    page(title, &body, None)
}

async fn sandbox_act(
    req: &mut Request,
    url: &Url,
    param: &str,
    origin: &str,
    env: &Env,
    keys: &Keys,
) -> Outcome {
    let attempt = sandbox_attempt(param, keys)?;
    let form = req.text().await.unwrap_or_default();
    let action = form
        .split('&')
        .find_map(|pair| pair.strip_prefix("action="))
        .unwrap_or_default()
        .to_owned();
    let command = Command::new(Operation::SandboxAct, attempt.seller, keys)
        .target(attempt.id.clone())
        .body(Some(json!({"action": action})));
    let mut response = send(env, attempt.seller, command).await?;
    if response.status_code() != 200 {
        return Ok(response);
    }
    let done: Value = response.json().await?;
    let request_id = done["request_id"].as_str().unwrap_or_default();
    // Where PayPal (or the bank) would send the buyer, with the same query it would add.
    let next = if done["kind"] == "paypal" {
        let base = format!("{origin}/v1/return/paypal/{request_id}");
        if action == "approve" {
            format!("{base}?token={}&PayerID=SANDBOXPAYER1", attempt.id)
        } else {
            format!("{base}?canceled=1&token={}", attempt.id)
        }
    } else {
        format!("{origin}/v1/return/3ds/{request_id}?attempt={}", attempt.id)
    };
    let _ = url;
    let headers = Headers::new();
    headers.set("location", &next)?;
    headers.set("cache-control", "no-store")?;
    Ok(Response::empty()?.with_status(303).with_headers(headers))
}
