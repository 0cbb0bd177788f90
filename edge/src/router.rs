//! The Worker's front door: a short pipeline that reads the route's row in core's table.
//! It finds the row, then authenticates the caller and its path id (MACs, so garbage never
//! wakes a Durable Object), reads the body and the `Idempotency-Key` as the row says, and
//! hands one [`Command`] to the owning seller's ledger. Pages and assets, and answers that
//! are not JSON, go to their own handlers with the original request.

use crate::auth::{self, Caller};
use crate::command::{send, Command, ORIGINS_HEADER};
use crate::crypto::Keys;
#[cfg(feature = "demo")]
use crate::demo;
use crate::http::{json, text_response, Fail, Outcome};
use crate::idempotency;
use crate::ids::ObjectId;
use crate::inbound::{bodiless, query_pairs, read_json};
use crate::{frame, loader, platform, returns};
use chatpay_core::mask::mask_card_numbers;
use chatpay_core::routes::{self, Answer, Body, Credential, Operation, PathId, Route};
use serde_json::Value;
use worker::{Env, Headers, Request, Response};

pub async fn handle(req: Request, env: Env) -> Response {
    let origin = req.headers().get("origin").ok().flatten();
    let mut response = match route(req, &env).await {
        Ok(r) => r,
        Err(f) => f.into_response(),
    };
    finish_cors(&mut response, origin.as_deref());
    response
}

/// Turns the ledger's allowed-origins header into CORS headers and strips it.
fn finish_cors(response: &mut Response, origin: Option<&str>) {
    let headers = response.headers_mut();
    let allowed = headers.get(ORIGINS_HEADER).ok().flatten();
    let _ = headers.delete(ORIGINS_HEADER);
    if let (Some(allowed), Some(origin)) = (allowed, origin) {
        if allowed.split(' ').any(|o| o == origin) {
            let _ = headers.set("access-control-allow-origin", origin);
            let _ = headers.set("access-control-expose-headers", "idempotent-replayed");
        }
        let _ = headers.set("vary", "Origin");
    }
}

async fn route(mut req: Request, env: &Env) -> Outcome {
    let url = req
        .url()
        .map_err(|_| Fail::invalid("invalid_url", "The URL could not be parsed."))?;
    let path = url.path().to_owned();
    let segments: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    // The raw method: workers-rs reads a method it does not know (`QUERY`) as GET.
    let method = req.inner().method();
    let keys = Keys::from_env(env)?;

    if method == "OPTIONS" {
        return preflight(&segments, env, &keys).await;
    }
    // Only routes in core's table exist; the OpenAPI document is checked against it.
    let candidates = routes::matching(&segments);
    if candidates.is_empty() {
        return Err(unrecognized(&path));
    }
    let Some((route, params)) = candidates.iter().find(|(r, _)| r.method == method) else {
        let allowed: Vec<&str> = candidates
            .iter()
            .map(|(r, _)| r.method)
            .chain(["OPTIONS"])
            .collect();
        return Ok(method_not_allowed(&method, &allowed));
    };
    if route.demo_only && !demo_enabled(env) {
        return Err(Fail::new(
            404,
            "invalid_request_error",
            "resource_missing",
            "Unrecognized request URL.",
        ));
    }
    let param = params.first().copied();
    match route.operation {
        Operation::Healthz => return Ok(json(200, &serde_json::json!({"ok": true}))),
        #[cfg(feature = "demo")]
        Operation::DemoPage => return demo::page(&req, env, &keys).await,
        #[cfg(feature = "demo")]
        Operation::DemoAsset => return demo::asset(&path),
        Operation::Dashboard => return frame::dashboard(env).await,
        Operation::Frame => return frame::page(param.unwrap_or_default(), env, &keys).await,
        Operation::HostedPage => return frame::hosted(param.unwrap_or_default(), env, &keys).await,
        Operation::WidgetLoader => return loader::serve(&req, env).await,
        Operation::PayPalWebhook => return crate::webhooks::paypal(&mut req, env, &keys).await,
        Operation::SandboxWallet => return crate::wallet::serve(&url, &method),
        Operation::PayPalReturn
        | Operation::ChallengeReturn
        | Operation::SandboxPage
        | Operation::SandboxAct => {
            return returns::serve(
                route.operation,
                &mut req,
                &url,
                param.unwrap_or_default(),
                env,
                &keys,
            )
            .await
        }
        _ => {}
    }

    if route.answer == Answer::Upgrade && !upgrade_asked(&req) {
        return Err(Fail::new(
            426,
            "invalid_request_error",
            "upgrade_required",
            "The live feed is a WebSocket: connect with `Upgrade: websocket`.",
        ));
    }
    let caller = auth::authenticate(route, &req, param, &keys)?;
    if route.operation == Operation::WalletToken {
        let request = ObjectId::parse("pr_", param.unwrap_or_default(), &keys)
            .ok_or_else(|| Fail::missing("payment request"))?;
        return crate::wallet::mint(
            &request,
            &keys,
            (worker::Date::now().as_millis() / 1000) as i64,
        );
    }
    if route.operation == Operation::Pay {
        pay_rate_limit(env, caller.object.as_deref().unwrap_or_default()).await?;
    }
    let body = read_body(route, &mut req).await?;
    // Idempotency scopes name the route pattern and the id, never the path as spelled.
    let idempotency = if route.idempotent {
        idempotency::from_header(
            &req,
            &keys,
            &caller.token_hash,
            &format!("{} {}", route.method, route.path),
            param.unwrap_or_default(),
            route.credential == Credential::ClientSecret,
        )?
    } else {
        None
    };
    match route.operation {
        Operation::CreateSeller => {
            let body = body.unwrap_or(Value::Null);
            return platform::create_seller(env, &keys, body, idempotency).await;
        }
        #[cfg(feature = "demo")]
        Operation::DemoSeed => return demo::seed(&req, env, &keys).await,
        _ => {}
    }

    let Some(seller) = caller.seller else {
        return Err(Fail::internal("a ledger call without a seller"));
    };
    let command = command(route, caller, &keys, seller)
        .idempotency(idempotency)
        .body(body)
        .origin(url.origin().ascii_serialization())
        .query(if route.method == "GET" {
            query_pairs(&url)
        } else {
            Vec::new()
        });
    let response = send(env, seller, command).await?;
    if route.answer == Answer::Csv {
        return csv_if_asked(&req, response).await;
    }
    Ok(response)
}

/// Whether the caller asks for a WebSocket.
fn upgrade_asked(req: &Request) -> bool {
    req.headers()
        .get("upgrade")
        .ok()
        .flatten()
        .is_some_and(|u| u.eq_ignore_ascii_case("websocket"))
}

/// Demo routes exist only in the demo build (`--features demo`, `edge/build-demo`), and there
/// only when the environment's `DEMO_MODE` turns them on.
#[cfg(feature = "demo")]
fn demo_enabled(env: &Env) -> bool {
    demo::enabled(env)
}

#[cfg(not(feature = "demo"))]
fn demo_enabled(_env: &Env) -> bool {
    false
}

/// The command for an authenticated call: the path's object goes where its kind belongs.
fn command(route: &Route, caller: Caller, keys: &Keys, seller: crate::ids::SellerRef) -> Command {
    let mut command = Command::new(route.operation, seller, keys);
    if let Some(object) = caller.object {
        command = match route.id {
            PathId::Minted("pr_") => command.request(object),
            _ => command.target(object),
        };
    }
    if let Some(hash) = caller.key_hash {
        command = command.key(hash);
    }
    if caller.admin {
        command = command.admin();
    }
    command
}

/// The body as the row says. A `GET` or `DELETE` body is never read.
async fn read_body(route: &Route, req: &mut Request) -> Result<Option<Value>, Fail> {
    match route.body {
        _ if matches!(route.method, "GET" | "DELETE") => Ok(None),
        Body::Required => read_json(req, true).await,
        Body::Optional => read_json(req, false).await,
        Body::Forbidden => bodiless(read_json(req, false).await?),
        Body::Raw => Err(Fail::internal("a raw body goes to its own handler")),
    }
}

/// The revenue report as CSV when the caller accepts `text/csv`.
async fn csv_if_asked(req: &Request, mut response: Response) -> Outcome {
    let wants_csv = req
        .headers()
        .get("accept")
        .ok()
        .flatten()
        .is_some_and(|a| a.contains("text/csv"));
    if !wants_csv || response.status_code() != 200 {
        return Ok(response);
    }
    let report: Value = response.json().await?;
    let mut csv = text_response(
        200,
        crate::ledger::history::revenue_csv(&report),
        "text/csv; charset=utf-8",
    );
    csv.headers_mut().set(
        "content-disposition",
        "attachment; filename=\"revenue.csv\"",
    )?;
    Ok(csv)
}

/// The path is echoed to help a caller find a typo, with card numbers masked: a path is as
/// free as any text. Each segment is masked on its own, since the text rule leaves a number
/// touching `/` alone.
fn unrecognized(path: &str) -> Fail {
    let masked: Vec<String> = path
        .split('/')
        .map(|segment| mask_card_numbers(segment).into_owned())
        .collect();
    Fail::new(
        404,
        "invalid_request_error",
        "resource_missing",
        format!("Unrecognized request URL ({}).", masked.join("/")),
    )
}

fn method_not_allowed(method: &str, allowed: &[&str]) -> Response {
    let mut response = Fail::new(
        405,
        "invalid_request_error",
        "method_not_allowed",
        format!(
            "{} is not allowed here. Allowed: {}.",
            mask_card_numbers(method),
            allowed.join(", ")
        ),
    )
    .into_response();
    let _ = response.headers_mut().set("allow", &allowed.join(", "));
    response
}

/// Calls to `pay` allowed per request and minute (the `PAY_RATE_LIMITER` binding in
/// `wrangler.toml` holds the same numbers).
const PAY_CALLS_PER_MINUTE: u32 = 10;

/// `pay` answers at most [`PAY_CALLS_PER_MINUTE`] calls a minute per request, through the
/// Workers rate-limiting binding, before any Durable Object is woken. A missing or failing
/// binding is logged and lets the call through: the per-request attempt limit in the ledger
/// still stops card testing.
async fn pay_rate_limit(env: &Env, request_id: &str) -> Result<(), Fail> {
    let limiter = match env.rate_limiter("PAY_RATE_LIMITER") {
        Ok(l) => l,
        Err(_) => {
            worker::console_error!("PAY_RATE_LIMITER is not bound; pay is not rate limited");
            return Ok(());
        }
    };
    match limiter.limit(request_id.to_owned()).await {
        Ok(outcome) if !outcome.success => Err(Fail::rate_limited(
            format!(
                "Too many payment attempts: at most {PAY_CALLS_PER_MINUTE} a minute for one request. Try again in a minute."
            ),
            60,
        )),
        Ok(_) => Ok(()),
        Err(e) => {
            worker::console_error!("PAY_RATE_LIMITER failed: {e}");
            Ok(())
        }
    }
}

/// CORS preflight: 204 always; allowed origins only for a seller's own request routes.
async fn preflight(segments: &[&str], env: &Env, keys: &Keys) -> Outcome {
    let mut response = Response::empty()?.with_status(204);
    let headers = Headers::new();
    headers.set("access-control-allow-methods", "GET, POST, OPTIONS")?;
    headers.set(
        "access-control-allow-headers",
        "Authorization, Content-Type, Idempotency-Key",
    )?;
    headers.set("access-control-max-age", "600")?;
    if let ["v1", "payment_requests", id, ..] = segments {
        if let Some(request) = ObjectId::parse("pr_", id, keys) {
            let c = Command::new(Operation::AllowedOrigins, request.seller, keys);
            if let Ok(r) = send(env, request.seller, c).await {
                if let Some(o) = r.headers().get(ORIGINS_HEADER).ok().flatten() {
                    headers.set(ORIGINS_HEADER, &o)?;
                }
            }
        }
    }
    response = response.with_headers(headers);
    Ok(response)
}
