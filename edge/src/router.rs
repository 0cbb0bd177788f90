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
use chatpay_core::mask::mask_card_numbers;
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
    let id = params.first().copied().unwrap_or_default();
    // Idempotency scopes name the route pattern and the id, never the path as spelled.
    let at = Scope {
        method: route.method,
        path: route.path,
        id,
        keys: &keys,
    };
    match route.handler {
        Handler::Healthz => Ok(json(200, &serde_json::json!({"ok": true}))),
        Handler::DemoPage => demo::page(&req, env, &keys).await,
        Handler::DemoSeed => demo::seed(&req, env, &keys).await,
        Handler::DemoAsset => demo::asset(&path, env),
        Handler::Dashboard => frame::dashboard(env).await,
        Handler::Frame => frame::page(id, env, &keys).await,
        Handler::WidgetLoader => crate::loader::serve(&req, env).await,
        Handler::CreateSeller => create_seller(&mut req, env, &keys).await,
        Handler::ResetKeys => {
            admin_auth(&req, &keys)?;
            let seller = SellerRef::from_id(id, &keys).ok_or_else(|| Fail::missing("seller"))?;
            bodiless(read_json(&mut req, false).await?)?;
            let c = Command::new(Op::ResetKeys, seller, &keys).admin();
            ledger(env, seller, c).await
        }
        Handler::ListEvents => {
            let (seller, hash) = seller_auth(&req, &keys)?;
            let id = owned_request(id, seller, &keys)?;
            let c = Command::new(Op::ListEvents, seller, &keys)
                .request(id)
                .key(hash)
                .query(query_pairs(&req)?);
            ledger(env, seller, c).await
        }
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
            let idem = at.idempotency(&req, &hash, false)?;
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
            if op == Op::Pay {
                pay_rate_limit(env, &request.id).await?;
            }
            let body = read_json(&mut req, required).await?;
            let idem = at.idempotency(&req, &key_hash(&bearer(&req)?), true)?;
            let c = Command::new(op, request.seller, &keys)
                .request(request.id)
                .idempotency(idem)
                .body(body);
            ledger(env, request.seller, c).await
        }
        Handler::Cancel | Handler::Ship | Handler::Deliver | Handler::Refund | Handler::Unlock => {
            let (op, required) = match route.handler {
                Handler::Cancel => (Op::Cancel, false),
                Handler::Ship => (Op::Ship, true),
                Handler::Deliver => (Op::Deliver, false),
                Handler::Unlock => (Op::Unlock, false),
                _ => (Op::Refund, true),
            };
            let (seller, hash) = seller_auth(&req, &keys)?;
            let id = owned_request(id, seller, &keys)?;
            let body = read_json(&mut req, required).await?;
            let body = if required { body } else { bodiless(body)? };
            let idem = at.idempotency(&req, &hash, false)?;
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
            let idem = at.idempotency(&req, &key_hash(&token), false)?;
            ledger(env, claim.seller, c.idempotency(idem).body(body)).await
        }
        Handler::Timeline => {
            let (seller, hash) = seller_auth(&req, &keys)?;
            let c = Command::new(Op::Timeline, seller, &keys)
                .key(hash)
                .target(id.to_string())
                .query(query_pairs(&req)?);
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
            let mut csv = text_response(
                200,
                crate::history::revenue_csv(&report),
                "text/csv; charset=utf-8",
            );
            csv.headers_mut().set(
                "content-disposition",
                "attachment; filename=\"revenue.csv\"",
            )?;
            Ok(csv)
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
            let idem = at.idempotency(&req, &hash, false)?;
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
            let idem = at.idempotency(&req, &hash, false)?;
            let c = Command::new(Op::AdvanceClock, seller, &keys)
                .key(hash)
                .idempotency(idem)
                .body(body);
            ledger(env, seller, c).await
        }
    }
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

/// Where a call lands, for its idempotency scope: the route pattern and the path's id.
struct Scope<'a> {
    method: &'static str,
    path: &'static str,
    id: &'a str,
    keys: &'a Keys,
}

impl Scope<'_> {
    /// The call's `Idempotency-Key`, if any, as the MAC the ledger stores. Any key of 1 to
    /// 255 visible ASCII characters is taken, whatever it holds: only its MAC is kept.
    fn idempotency(
        &self,
        req: &Request,
        credential_hash: &str,
        buyer: bool,
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
        Ok(Some(IdempotencyKey::new(
            self.keys,
            credential_hash,
            &format!("{} {}", self.method, self.path),
            self.id,
            &key,
            buyer,
        )))
    }
}

/// A bodiless action takes no body or `{}`, nothing else.
fn bodiless(body: Option<Value>) -> Result<Option<Value>, Fail> {
    if let Some(b) = &body {
        chatpay_core::fields::Fields::new(b, "", &[])?;
    }
    Ok(body)
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

/// `POST /v1/sellers` (platform admin): 201 with the seller and its secret key, shown once.
pub async fn create_seller(req: &mut Request, env: &Env, keys: &Keys) -> Outcome {
    admin_auth(req, keys)?;
    let body = read_json(req, true).await?.unwrap_or(Value::Null);
    NewSeller::parse(&body)?;
    // With an Idempotency-Key the seller's id is derived from it, so a retry lands on the
    // same ledger, which answers the seller without its secret key.
    let scope = Scope {
        method: "POST",
        path: "/v1/sellers",
        id: "",
        keys,
    };
    let seed = scope
        .idempotency(req, &key_hash(&keys.admin_key), false)?
        .map(|idem| keys.id_mac(b"seller-idempotency", idem.key.as_bytes()));
    let seller = match &seed {
        Some(s) => SellerRef::derive(Mode::Test, s),
        None => SellerRef::generate(Mode::Test),
    };
    let secret = SecretKey::generate(seller, keys);
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
