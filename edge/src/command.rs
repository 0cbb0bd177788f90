//! What the Worker asks of a seller's ledger, and how the ask reaches it: one [`Command`]
//! per call, posted to the seller's Durable Object.

use crate::crypto::Keys;
use crate::encoding::{hex_decode, hex_encode};
use crate::http::{text_response, Fail, Outcome};
use crate::idempotency::IdempotencyKey;
use crate::ids::SellerRef;
use chatpay_core::routes::Operation;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wasm_bindgen::JsValue;
use worker::{Env, Method, Request, RequestInit};

#[derive(Clone, Serialize, Deserialize)]
pub struct Command {
    pub op: Operation,
    pub seller_id: String,
    #[serde(default)]
    pub request_id: Option<String>,
    /// SHA-256 of the seller key used, for seller-authenticated ops.
    #[serde(default)]
    pub key_hash: Option<String>,
    #[serde(default)]
    pub idempotency: Option<IdempotencyKey>,
    #[serde(default)]
    pub body: Option<Value>,
    /// Query-string pairs, in order (lists and reports).
    #[serde(default)]
    pub query: Vec<(String, String)>,
    /// A claim id (`clm_...`) for claim routes, a conversation id for timelines, or an API
    /// key id (`key_...`) for key routes.
    #[serde(default)]
    pub target: Option<String>,
    /// The platform admin key authenticated this command.
    #[serde(default)]
    pub admin: bool,
    /// The edge's origin as the caller reached it (`https://pay.example`), for the pages
    /// a processor sends the buyer back to.
    #[serde(default)]
    pub origin: Option<String>,
}

impl Command {
    pub fn new(op: Operation, seller: SellerRef, keys: &Keys) -> Command {
        Command {
            op,
            seller_id: seller.id(keys),
            request_id: None,
            key_hash: None,
            idempotency: None,
            body: None,
            query: Vec::new(),
            target: None,
            admin: false,
            origin: None,
        }
    }

    pub fn origin(mut self, origin: String) -> Command {
        self.origin = Some(origin);
        self
    }

    pub fn query(mut self, pairs: Vec<(String, String)>) -> Command {
        self.query = pairs;
        self
    }

    pub fn target(mut self, target: String) -> Command {
        self.target = Some(target);
        self
    }

    pub fn admin(mut self) -> Command {
        self.admin = true;
        self
    }

    pub fn request(mut self, id: String) -> Command {
        self.request_id = Some(id);
        self
    }

    /// The seller key's hash: the ledger checks it is one of the seller's live keys.
    pub fn key(mut self, hash: String) -> Command {
        self.key_hash = Some(hash);
        self
    }

    pub fn idempotency(mut self, idem: Option<IdempotencyKey>) -> Command {
        self.idempotency = idem;
        self
    }

    pub fn body(mut self, body: Option<Value>) -> Command {
        self.body = body;
        self
    }
}

/// The response header that carries the seller's allowed origins back to the Worker, which
/// turns it into CORS headers and strips it.
pub const ORIGINS_HEADER: &str = "x-chatpay-allowed-origins";

/// The header that carries an upgrade's command to the ledger.
pub const COMMAND_HEADER: &str = "x-chatpay-command";

/// The command a ledger was sent: in the body, or for an upgrade in [`COMMAND_HEADER`].
pub async fn receive(req: &mut Request) -> worker::Result<Command> {
    if let Some(hex) = req.headers().get(COMMAND_HEADER)? {
        let bytes = hex_decode(&hex).ok_or_else(|| worker::Error::RustError("command".into()))?;
        return serde_json::from_slice(&bytes).map_err(|e| worker::Error::RustError(e.to_string()));
    }
    req.json().await
}

/// Sends a command to the seller's ledger (one Durable Object per seller and mode).
pub async fn send(env: &Env, seller: SellerRef, command: Command) -> Outcome {
    let stub = env
        .durable_object("LEDGER")?
        .id_from_name(&seller.object_name())?
        .get_stub()?;
    let encoded = serde_json::to_string(&command).map_err(|_| Fail::internal("encode"))?;
    let mut init = RequestInit::new();
    if command.op == Operation::LiveFeed {
        // The runtime hands back a socket only to a GET that asks for one, and such a
        // request carries no body: the command rides in a header, hex-encoded.
        let headers = worker::Headers::new();
        headers.set("upgrade", "websocket")?;
        headers.set(COMMAND_HEADER, &hex_encode(encoded.as_bytes()))?;
        init.with_method(Method::Get).with_headers(headers);
    } else {
        init.with_method(Method::Post)
            .with_body(Some(JsValue::from_str(&encoded)));
    }
    let mut response = stub
        .fetch_with_request(Request::new_with_init("https://ledger/", &init)?)
        .await?;
    // A WebSocket upgrade carries its socket: it goes back as it came.
    if response.status_code() == 101 {
        return Ok(response);
    }
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
