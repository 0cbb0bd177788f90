//! The local demo: a seeded seller and two open requests, and the demo chat page
//! (`index.html`) served at `http://localhost:PORT/` while the card's iframe comes from
//! `http://127.0.0.1:PORT`, two origins as on a real site. Exists only in the wrangler
//! environment `demo` (`wrangler dev --env demo`).

use crate::command::{send, Command};
use crate::crypto::Keys;
use crate::http::Outcome;
use crate::http::{json, Fail};
use crate::ids::SecretKey;
use crate::platform::create_seller;
use chatpay_core::routes::Operation as Op;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::{
    durable_object, DurableObject, Env, Method, Request, RequestInit, Response, Result, State,
};

const PAGE: &str = include_str!("../../index.html");
const SCRIPT: &str = include_str!("../../demo/chat.js");
const STYLE: &str = include_str!("../../demo/chat.css");

/// The `DEMO_MODE` var of the wrangler environment `demo`: a JSON object
/// `{"enabled": true}`. workers-rs cannot tell a secret from a string var, and `.dev.vars`
/// is the secrets channel, so a string `DEMO_MODE` (from a secret or a stray var) is
/// ignored; only `wrangler dev --env demo` turns the demo on.
#[derive(Deserialize)]
struct DemoMode {
    enabled: bool,
}

pub fn enabled(env: &Env) -> bool {
    env.object_var::<DemoMode>("DEMO_MODE")
        .is_ok_and(|mode| mode.enabled)
}

/// (`http://localhost:PORT`, `http://127.0.0.1:PORT`) from the request URL.
fn origins(req: &Request) -> Result<(String, String, String)> {
    let url = req.url()?;
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    Ok((
        url.host_str().unwrap_or_default().to_string(),
        format!("http://localhost{port}"),
        format!("http://127.0.0.1{port}"),
    ))
}

#[derive(Serialize, Deserialize, Clone)]
struct Seeded {
    requests: Vec<(String, String)>,
}

/// `POST /demo/seed`: a demo seller allowing the demo host, and two open requests.
/// The router has checked the admin key and that the demo is enabled.
pub async fn seed(req: &Request, env: &Env, keys: &Keys) -> Outcome {
    let (_, page_origin, edge_origin) = origins(req)?;
    let seller_body = json!({
        "display_name": "Clayworks Studio",
        "country": "US",
        "default_currency": "USD",
        "allowed_origins": [page_origin],
    });
    let mut created = create_seller(env, keys, seller_body, None).await?;
    let seller: Value = created.json().await?;
    let secret = seller["secret_key"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let key = SecretKey::parse(&secret, keys).ok_or_else(|| Fail::internal("seed key"))?;
    let mut requests = Vec::new();
    for (amount, currency, description) in [
        ("24.00", "USD", "Hand-thrown stoneware mug"),
        ("1200", "JPY", "Gift wrapping"),
    ] {
        let body = json!({"amount": amount, "currency": currency, "description": description,
                          "conversation_id": "demo-chat", "agent_id": "maya"});
        let c = Command::new(Op::CreateRequest, key.seller, keys)
            .key(crate::crypto::key_hash(&secret))
            .body(Some(body));
        let mut r = send(env, key.seller, c).await?;
        let v: Value = r.json().await?;
        requests.push((
            v["id"].as_str().unwrap_or_default().to_string(),
            v["client_secret"].as_str().unwrap_or_default().to_string(),
        ));
    }
    let state = Seeded {
        requests: requests.clone(),
    };
    let stub = env
        .durable_object("DEMO")?
        .id_from_name("demo")?
        .get_stub()?;
    let mut init = RequestInit::new();
    init.with_method(Method::Put).with_body(Some(
        serde_json::to_string(&state).unwrap_or_default().into(),
    ));
    stub.fetch_with_request(Request::new_with_init("https://demo/", &init)?)
        .await?;
    Ok(json(
        201,
        &json!({
            "seller_id": seller["id"],
            "secret_key": secret,
            "requests": requests.iter().map(|(id, cs)| json!({"id": id, "client_secret": cs})).collect::<Vec<_>>(),
            "demo_url": format!("{page_origin}/"),
            "edge_origin": edge_origin,
        }),
    ))
}

/// `GET /`: the demo chat page, filled with the latest seeded requests.
pub async fn page(req: &Request, env: &Env, _keys: &Keys) -> Outcome {
    let (host, page_origin, edge_origin) = origins(req)?;
    if host != "localhost" {
        // The page must be on another origin than the card's iframe, as on a real site.
        return Ok(Response::redirect(
            worker::Url::parse(&format!("{page_origin}/")).map_err(|_| Fail::internal("url"))?,
        )?);
    }
    let stub = env
        .durable_object("DEMO")?
        .id_from_name("demo")?
        .get_stub()?;
    let mut r = stub.fetch_with_str("https://demo/").await?;
    let state: Option<Seeded> = r.json().await?;
    let Some(state) = state.filter(|s| s.requests.len() >= 2) else {
        return Ok(crate::http::text_response(
            503,
            "<!doctype html><title>chatpay demo</title><p>No demo data yet. Run <code>scripts/demo.sh</code>, which seeds it.</p>".into(),
            "text/html; charset=utf-8",
        ));
    };
    let html = PAGE
        .replace("{{EDGE}}", &edge_origin)
        .replace("{{REQUEST_1}}", &state.requests[0].0)
        .replace("{{CLIENT_SECRET_1}}", &state.requests[0].1)
        .replace("{{REQUEST_2}}", &state.requests[1].0)
        .replace("{{CLIENT_SECRET_2}}", &state.requests[1].1);
    let mut response = crate::http::text_response(200, html, "text/html; charset=utf-8");
    // The card page's policy, plus the edge's origin for the loader, the card's frame and
    // ChatPay's mask module (fetched from the edge, compiled under 'wasm-unsafe-eval'):
    // nothing inline runs, nothing else loads, nobody frames the chat.
    response.headers_mut().set(
        "content-security-policy",
        &format!(
            "default-src 'none'; script-src 'self' {edge_origin} 'wasm-unsafe-eval'; style-src 'self'; frame-src {edge_origin}; \
             connect-src 'self' {edge_origin}; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        ),
    )?;
    response
        .headers_mut()
        .set("referrer-policy", "no-referrer")?;
    Ok(response)
}

/// `GET /demo/chat.js` and `/demo/chat.css`: the demo page's script and styles, as files so
/// the page needs no inline code.
pub fn asset(path: &str) -> Outcome {
    let (body, content_type) = if path.ends_with(".js") {
        (SCRIPT, "text/javascript; charset=utf-8")
    } else {
        (STYLE, "text/css; charset=utf-8")
    };
    Ok(crate::http::text_response(200, body.into(), content_type))
}

/// Remembers the latest demo seed (nothing else).
#[durable_object(fetch)]
pub struct DemoState {
    state: State,
}

impl DurableObject for DemoState {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let storage = self.state.storage();
        if req.method() == Method::Put {
            let seeded: Seeded = req.json().await?;
            storage.put("seeded", &seeded).await?;
            return Response::ok("{}");
        }
        let seeded: Option<Seeded> = storage.get("seeded").await?;
        Response::from_json(&seeded)
    }
}
