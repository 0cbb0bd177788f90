//! The Worker's front door: routing, authentication and body checks. It verifies every id
//! and key by its MAC before routing, so garbage never wakes a Durable Object, then hands a
//! [`Command`] to the owning seller's ledger.

use crate::crypto::{ct_eq, key_hash, Keys};
use crate::http::{json, text_response, Fail};
use crate::idempotency::IdempotencyKey;
use crate::ids::{client_secret_valid, Mode, ObjectId, SecretKey, SellerRef};
use crate::ledger::{Command, Op, ORIGINS_HEADER};
use crate::{demo, frame};
use chatpay_core::accounts::Page;
use chatpay_core::api::{NewSeller, MAX_BODY_BYTES};
use chatpay_core::routes::{self, Handler};
use serde_json::Value;
use wasm_bindgen::JsValue;
use worker::{Env, Headers, Method, Request, RequestInit, Response};

pub type Outcome = Result<Response, Fail>;

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
    let method = req.method();
    let keys =
        Keys::from_env(env).map_err(|e| Fail::internal(format!("edge misconfigured: {e}")))?;

    if method == Method::Options {
        return preflight(&segments, env, &keys).await;
    }
    // Only routes in core's table exist; the OpenAPI document is checked against it.
    let candidates = routes::matching(&segments);
    if candidates.is_empty() {
        return Err(unrecognized(&path));
    }
    let Some((route, params)) = candidates
        .iter()
        .find(|(r, _)| r.method == method.to_string())
    else {
        let allowed: Vec<&str> = candidates
            .iter()
            .map(|(r, _)| r.method)
            .chain(["OPTIONS"])
            .collect();
        return Ok(method_not_allowed(&method, &allowed));
    };
    let id = params.first().copied().unwrap_or_default();
    match route.handler {
        Handler::Healthz => Ok(json(200, &serde_json::json!({"ok": true}))),
        Handler::DemoPage => demo::page(&req, env, &keys).await,
        Handler::DemoSeed => demo::seed(&req, env, &keys).await,
        Handler::Dashboard => frame::dashboard(env).await,
        Handler::Frame => frame::page(id, env, &keys).await,
        Handler::WidgetLoader => crate::loader::serve(&req, env).await,
        Handler::CreateSeller => create_seller(&mut req, env, &keys).await,
        Handler::ListRequests => {
            let (seller, hash) = seller_auth(&req, &keys)?;
            ledger(
                env,
                seller,
                Command::new(Op::List, seller, &keys)
                    .key(hash)
                    .query(query_pairs(&req)?),
            )
            .await
        }
        Handler::CreateRequest => {
            let (seller, hash) = seller_auth(&req, &keys)?;
            let body = read_json(&mut req, true).await?;
            let idem = idempotency(&req, &hash, &path)?;
            let c = Command::new(Op::CreateRequest, seller, &keys)
                .key(hash)
                .idempotency(idem)
                .body(body);
            ledger(env, seller, c).await
        }
        Handler::GetRequest => {
            let (seller, hash) = seller_auth(&req, &keys)?;
            let id = owned_request(id, seller, &keys)?;
            ledger(
                env,
                seller,
                Command::new(Op::GetRequest, seller, &keys)
                    .request(id)
                    .key(hash),
            )
            .await
        }
        Handler::GetPublic => {
            let request = buyer_auth(&req, id, &keys)?;
            let c = Command::new(Op::GetPublic, request.seller, &keys).request(request.id);
            ledger(env, request.seller, c).await
        }
        Handler::Pay | Handler::Decline | Handler::OpenClaim => {
            let (op, required) = match route.handler {
                Handler::Pay => (Op::Pay, true),
                Handler::Decline => (Op::Decline, false),
                _ => (Op::OpenClaim, true),
            };
            let request = buyer_auth(&req, id, &keys)?;
            let body = read_json(&mut req, required).await?;
            let idem = idempotency(&req, &key_hash(&bearer(&req)?), &path)?;
            let c = Command::new(op, request.seller, &keys)
                .request(request.id)
                .idempotency(idem)
                .body(body);
            ledger(env, request.seller, c).await
        }
        Handler::Cancel | Handler::Ship | Handler::Deliver | Handler::Refund => {
            let (op, required) = match route.handler {
                Handler::Cancel => (Op::Cancel, false),
                Handler::Ship => (Op::Ship, true),
                Handler::Deliver => (Op::Deliver, false),
                _ => (Op::Refund, true),
            };
            let (seller, hash) = seller_auth(&req, &keys)?;
            let id = owned_request(id, seller, &keys)?;
            let body = read_json(&mut req, required).await?;
            if let (false, Some(b)) = (required, &body) {
                // Bodiless actions accept `{}` and nothing else.
                chatpay_core::fields::Fields::new(b, "", &[])?;
            }
            let idem = idempotency(&req, &hash, &path)?;
            let c = Command::new(op, seller, &keys)
                .request(id)
                .key(hash)
                .idempotency(idem)
                .body(body);
            ledger(env, seller, c).await
        }
        Handler::RespondClaim | Handler::ResolveClaim => {
            let claim = ObjectId::parse("clm_", id, &keys).ok_or_else(|| Fail::missing("claim"))?;
            let token = bearer(&req)?;
            let resolve = route.handler == Handler::ResolveClaim;
            let op = if resolve {
                Op::ResolveClaim
            } else {
                Op::RespondClaim
            };
            let mut c = Command::new(op, claim.seller, &keys).target(claim.id.clone());
            if resolve && ct_eq(token.as_bytes(), keys.admin_key.as_bytes()) {
                c = c.admin();
            } else {
                let (seller, hash) = seller_auth(&req, &keys)?;
                if seller != claim.seller {
                    return Err(Fail::missing("claim"));
                }
                c = c.key(hash);
            }
            let body = read_json(&mut req, true).await?;
            let idem = idempotency(&req, &key_hash(&token), &path)?;
            ledger(env, claim.seller, c.idempotency(idem).body(body)).await
        }
        Handler::Timeline => {
            let (seller, hash) = seller_auth(&req, &keys)?;
            let c = Command::new(Op::Timeline, seller, &keys)
                .key(hash)
                .target(id.to_string());
            ledger(env, seller, c).await
        }
        Handler::Revenue => {
            let (seller, hash) = seller_auth(&req, &keys)?;
            let c = Command::new(Op::Revenue, seller, &keys)
                .key(hash)
                .query(query_pairs(&req)?);
            let mut response = ledger(env, seller, c).await?;
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
            Ok(text_response(
                200,
                crate::history::revenue_csv(&report),
                "text/csv; charset=utf-8",
            ))
        }
        Handler::GetSeller | Handler::ListKeys => {
            let op = match route.handler {
                Handler::GetSeller => Op::GetSeller,
                _ => Op::ListKeys,
            };
            let (seller, hash) = seller_auth(&req, &keys)?;
            ledger(env, seller, Command::new(op, seller, &keys).key(hash)).await
        }
        Handler::UpdateSeller | Handler::CreateAgent => {
            let op = match route.handler {
                Handler::UpdateSeller => Op::UpdateSeller,
                _ => Op::CreateAgent,
            };
            let (seller, hash) = seller_auth(&req, &keys)?;
            let body = read_json(&mut req, true).await?;
            let idem = idempotency(&req, &hash, &path)?;
            let c = Command::new(op, seller, &keys)
                .key(hash)
                .idempotency(idem)
                .body(body);
            ledger(env, seller, c).await
        }
        Handler::ListAgents => {
            let (seller, hash) = seller_auth(&req, &keys)?;
            let page = Page::parse(&query_pairs(&req)?)?;
            let c = Command::new(Op::ListAgents, seller, &keys)
                .key(hash)
                .body(serde_json::to_value(page).ok());
            ledger(env, seller, c).await
        }
        // Key answers hold a secret, which is never stored, so these record no Idempotency-Key.
        Handler::CreateKey => {
            let (seller, hash) = seller_auth(&req, &keys)?;
            let body = read_json(&mut req, true).await?;
            let c = Command::new(Op::CreateKey, seller, &keys)
                .key(hash)
                .body(body);
            ledger(env, seller, c).await
        }
        Handler::RevokeKey | Handler::RollKey => {
            let (seller, hash) = seller_auth(&req, &keys)?;
            let key_id = owned_object("key_", "API key", id, seller, &keys)?;
            let c = if route.handler == Handler::RevokeKey {
                Command::new(Op::RevokeKey, seller, &keys)
            } else {
                let body = read_json(&mut req, false).await?;
                Command::new(Op::RollKey, seller, &keys).body(body)
            };
            ledger(env, seller, c.key(hash).target(key_id)).await
        }
        Handler::AdvanceClock => {
            let (seller, hash) = seller_auth(&req, &keys)?;
            if seller.mode() != Mode::Test {
                return Err(Fail::missing("test helper"));
            }
            let body = read_json(&mut req, true).await?;
            let idem = idempotency(&req, &hash, &path)?;
            let c = Command::new(Op::AdvanceClock, seller, &keys)
                .key(hash)
                .idempotency(idem)
                .body(body);
            ledger(env, seller, c).await
        }
    }
}

fn unrecognized(path: &str) -> Fail {
    Fail::new(
        404,
        "invalid_request_error",
        "resource_missing",
        format!("Unrecognized request URL ({path})."),
    )
}

fn method_not_allowed(method: &Method, allowed: &[&str]) -> Response {
    let mut response = Fail::new(
        405,
        "invalid_request_error",
        "method_not_allowed",
        format!(
            "{method} is not allowed here. Allowed: {}.",
            allowed.join(", ")
        ),
    )
    .into_response();
    let _ = response.headers_mut().set("allow", &allowed.join(", "));
    response
}

/// Sends a command to the seller's ledger (one Durable Object per seller and mode).
pub async fn ledger(env: &Env, seller: SellerRef, command: Command) -> Outcome {
    let stub = env
        .durable_object("LEDGER")?
        .id_from_name(&seller.object_name())?
        .get_stub()?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_body(Some(JsValue::from_str(
            &serde_json::to_string(&command).map_err(|_| Fail::internal("encode"))?,
        )));
    let mut response = stub
        .fetch_with_request(Request::new_with_init("https://ledger/", &init)?)
        .await?;
    // Re-wrap: a fetched response's headers are immutable.
    let status = response.status_code();
    let replayed = response.headers().get("idempotent-replayed").ok().flatten();
    let origins = response.headers().get(ORIGINS_HEADER).ok().flatten();
    let mut out = text_response(status, response.text().await?, "application/json");
    let headers = out.headers_mut();
    if let Some(r) = replayed {
        headers.set("idempotent-replayed", &r)?;
    }
    if let Some(o) = origins {
        headers.set(ORIGINS_HEADER, &o)?;
    }
    Ok(out)
}

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

/// A seller's secret key: MAC-checked here, checked against the ledger's key hashes there.
fn seller_auth(req: &Request, keys: &Keys) -> Result<(SellerRef, String), Fail> {
    let token = bearer(req)?;
    let key = SecretKey::parse(&token, keys).ok_or_else(Fail::bad_credentials)?;
    Ok((key.seller, key_hash(&token)))
}

pub fn admin_auth(req: &Request, keys: &Keys) -> Result<(), Fail> {
    let token = bearer(req)?;
    if ct_eq(token.as_bytes(), keys.admin_key.as_bytes()) {
        Ok(())
    } else {
        Err(Fail::bad_credentials())
    }
}

/// A request id that must belong to the authenticated seller. Another seller's id is the
/// same 404 as an unknown one, so ids cannot be probed.
/// The query string as ordered (name, value) pairs, decoded.
fn query_pairs(req: &Request) -> Result<Vec<(String, String)>, Fail> {
    let url = req
        .url()
        .map_err(|_| Fail::invalid("invalid_url", "The URL could not be parsed."))?;
    Ok(url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect())
}

fn owned_request(id: &str, seller: SellerRef, keys: &Keys) -> Result<String, Fail> {
    match ObjectId::parse("pr_", id, keys) {
        Some(parsed) if parsed.seller == seller => Ok(parsed.id),
        _ => Err(Fail::missing("payment request")),
    }
}

/// An object id (`key_...`) that must belong to the authenticated seller; 404 otherwise.
fn owned_object(
    prefix: &str,
    what: &str,
    id: &str,
    seller: SellerRef,
    keys: &Keys,
) -> Result<String, Fail> {
    match ObjectId::parse(prefix, id, keys) {
        Some(parsed) if parsed.seller == seller => Ok(parsed.id),
        _ => Err(Fail::missing(what)),
    }
}

/// The buyer's client secret for one request.
fn buyer_auth(req: &Request, id: &str, keys: &Keys) -> Result<ObjectId, Fail> {
    let request =
        ObjectId::parse("pr_", id, keys).ok_or_else(|| Fail::missing("payment request"))?;
    let token = bearer(req)?;
    if client_secret_valid(&request.id, &token, keys) {
        Ok(request)
    } else {
        Err(Fail::bad_credentials())
    }
}

fn idempotency(
    req: &Request,
    credential_hash: &str,
    path: &str,
) -> Result<Option<IdempotencyKey>, Fail> {
    let Some(key) = req.headers().get("idempotency-key").ok().flatten() else {
        return Ok(None);
    };
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Fail::invalid(
            "idempotency_key_invalid",
            "Idempotency-Key must be 1 to 255 visible ASCII characters.",
        )
        .param("Idempotency-Key"));
    }
    Ok(Some(IdempotencyKey {
        scope: format!("{credential_hash}:{path}"),
        key,
    }))
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
            let c = Command::new(Op::AllowedOrigins, request.seller, keys);
            if let Ok(r) = ledger(env, request.seller, c).await {
                if let Some(o) = r.headers().get(ORIGINS_HEADER).ok().flatten() {
                    headers.set(ORIGINS_HEADER, &o)?;
                }
            }
        }
    }
    response = response.with_headers(headers);
    Ok(response)
}

/// `POST /v1/sellers` (platform admin). With an Idempotency-Key, the seller id and key are
/// derived from it, so a retry lands on the same ledger, which replays or refuses.
pub async fn create_seller(req: &mut Request, env: &Env, keys: &Keys) -> Outcome {
    admin_auth(req, keys)?;
    let body = read_json(req, true).await?.unwrap_or(Value::Null);
    NewSeller::parse(&body)?;
    let seed = idempotency(req, &key_hash(&keys.admin_key), "/v1/sellers")?.map(|idem| {
        keys.id_mac(
            b"seller-idempotency",
            format!("{}|{}", idem.scope, idem.key).as_bytes(),
        )
    });
    let seller = match &seed {
        Some(s) => SellerRef::derive(Mode::Test, s),
        None => SellerRef::generate(Mode::Test),
    };
    let secret = SecretKey::generate(seller, seed.as_ref(), keys);
    let c = Command::new(Op::InitSeller, seller, keys)
        .key(key_hash(&secret))
        .body(Some(body));
    let mut response = ledger(env, seller, c).await?;
    if response.status_code() != 201 {
        return Ok(response);
    }
    let mut object: Value = response.json().await?;
    object["secret_key"] = Value::String(secret);
    Ok(json(201, &object))
}
