//! Every route the edge serves, in one table. Each row says what the route does and how the
//! Worker must treat the call before the operation runs: who may call it, what its path id
//! is, whether it takes a body and an `Idempotency-Key`, and what it answers. The Worker reads
//! the row (`edge/src/router.rs`), the ledger checks key rights against it
//! (`edge/src/permissions.rs`), and a test compares it with the OpenAPI document, so a route
//! cannot exist, be authorized or be documented anywhere else.

use serde::{Deserialize, Serialize};

/// What a call does: one name from the route to the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Healthz,
    DemoPage,
    DemoSeed,
    DemoAsset,
    Dashboard,
    Frame,
    WidgetLoader,
    CreateSeller,
    ResetKeys,
    CreateRequest,
    ListRequests,
    GetRequest,
    GetPublic,
    ListEvents,
    Pay,
    Unlock,
    Cancel,
    Decline,
    Ship,
    Deliver,
    Refund,
    OpenClaim,
    RespondClaim,
    ResolveClaim,
    Timeline,
    Revenue,
    AdvanceClock,
    GetSeller,
    UpdateSeller,
    CreateAgent,
    ListAgents,
    CreateKey,
    ListKeys,
    RevokeKey,
    RollKey,
    /// `POST .../paypal`: a PayPal order the buyer approves in a popup.
    CreatePayPalOrder,
    /// The page PayPal sends the buyer back to: it captures and tells the card.
    PayPalReturn,
    /// The page a 3-D Secure challenge ends on: it tells the card.
    ChallengeReturn,
    /// Test mode's stand-ins for PayPal's approval page and a bank's challenge.
    SandboxPage,
    SandboxAct,
    /// PayPal's webhook deliveries, for the whole platform.
    PayPalWebhook,
    /// Test mode's sandbox wallet: a web payment app's files.
    SandboxWallet,
    /// A sandbox wallet token for one pay of a request.
    WalletToken,
    /// A chat backend's text with its card numbers masked; stores nothing.
    Mask,
    /// Not a route: a CORS preflight asks the request's ledger for the seller's origins.
    AllowedOrigins,
    /// `POST /v1/live/tickets`: a single-use ticket for the live feed.
    CreateLiveTicket,
    /// `GET /v1/live?ticket=...`: the live feed, a WebSocket.
    LiveFeed,
    /// `POST .../progress`: the buyer's card reports how far the buyer has come.
    Progress,
    /// `GET /v1/pay/{id}`: the card as a page of its own, for chats without scripts.
    HostedPage,
    /// Webhook endpoints (issue 9): Standard Webhooks deliveries of the seller's events.
    CreateWebhookEndpoint,
    ListWebhookEndpoints,
    GetWebhookEndpoint,
    UpdateWebhookEndpoint,
    DeleteWebhookEndpoint,
    RollWebhookSecret,
    ListWebhookDeliveries,
    /// Agent capture (issue 9): the requesting agent reads the collected card, in its window.
    RevealCard,
    /// Agent capture: the card was charged outside chatpay; the vault entry is deleted.
    MarkProcessed,
}

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    /// Anyone.
    None,
    /// The platform's admin key.
    Admin,
    /// The platform's admin key, or the seller's secret key in test mode.
    AdminOrTestSeller,
    /// The seller's secret key, in test mode only (a live seller's call is 404).
    TestSeller,
    /// The seller's secret key; restricted (agent) keys are refused.
    Seller,
    /// The seller's secret key or a restricted key, which reaches only its agent's requests
    /// unless created with `scope: "all"`.
    SellerOrAgent,
    /// The payment request's client secret (the buyer).
    ClientSecret,
    /// A single-use live-feed ticket (issue 9).
    LiveTicket,
    /// PayPal's webhook signature over the raw body (issue 8).
    PayPalSignature,
}

impl Credential {
    /// Whether a restricted key may make the call.
    pub fn admits_agents(self) -> bool {
        self == Credential::SellerOrAgent
    }

    /// Whether the credential is a seller's API key (some credentials also take it).
    pub fn takes_seller_key(self) -> bool {
        matches!(
            self,
            Credential::AdminOrTestSeller
                | Credential::TestSeller
                | Credential::Seller
                | Credential::SellerOrAgent
        )
    }
}

/// The route's path parameter, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathId {
    None,
    /// An id the edge minted: its prefix, MAC-checked and naming its seller (`pr_`, `clm_`,
    /// `key_`, `sel_`). A forged or foreign id is 404 with [`PathId::noun`].
    Minted(&'static str),
    /// A conversation id, chosen by the chat platform: any text, never checked by MAC.
    Conversation,
}

impl PathId {
    /// What a 404 calls a missing object of this kind.
    pub fn noun(self) -> &'static str {
        match self {
            PathId::Minted("pr_") => "payment request",
            PathId::Minted("clm_") => "claim",
            PathId::Minted("key_") => "API key",
            PathId::Minted("sel_") => "seller",
            PathId::Minted("att_") => "payment attempt",
            PathId::Minted("we_") => "webhook endpoint",
            PathId::Conversation => "conversation",
            _ => "object",
        }
    }
}

/// The request body a route takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    /// A JSON object; an empty body is 400 `parameter_missing`.
    Required,
    /// A JSON object, or nothing.
    Optional,
    /// Nothing, or `{}`. A `GET` or `DELETE` body is never read.
    Forbidden,
    /// The exact bytes, handed to the handler unparsed (signed webhooks, issue 8).
    Raw,
}

/// What a route answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Json,
    /// JSON, or CSV when the caller accepts `text/csv`.
    Csv,
    Html,
    /// A static file (script, style sheet).
    Asset,
    /// `101 Switching Protocols` to a WebSocket, passed back untouched (issue 9).
    Upgrade,
}

pub struct Route {
    pub method: &'static str,
    /// `/v1/payment_requests/{id}/pay`: `{...}` matches one path segment.
    pub path: &'static str,
    pub operation: Operation,
    pub credential: Credential,
    /// Control plane: refused to a secret kept alive only by a roll's overlap (it may finish
    /// the day's orders, never change keys, agents or the account).
    pub control_plane: bool,
    pub id: PathId,
    pub body: Body,
    /// Whether an `Idempotency-Key` is honoured (answers holding a secret are never stored,
    /// so those routes take none).
    pub idempotent: bool,
    pub answer: Answer,
    /// Local-demo routes (present only in the wrangler environment `demo`), not in the API.
    pub demo_only: bool,
}

impl Route {
    const fn new(
        method: &'static str,
        path: &'static str,
        operation: Operation,
        credential: Credential,
    ) -> Route {
        Route {
            method,
            path,
            operation,
            credential,
            control_plane: false,
            id: PathId::None,
            body: Body::Forbidden,
            idempotent: false,
            answer: Answer::Json,
            demo_only: false,
        }
    }
    const fn id(mut self, prefix: &'static str) -> Route {
        self.id = PathId::Minted(prefix);
        self
    }
    const fn conversation(mut self) -> Route {
        self.id = PathId::Conversation;
        self
    }
    const fn body(mut self, body: Body) -> Route {
        self.body = body;
        self
    }
    const fn idempotent(mut self) -> Route {
        self.idempotent = true;
        self
    }
    const fn control(mut self) -> Route {
        self.control_plane = true;
        self
    }
    const fn answers(mut self, answer: Answer) -> Route {
        self.answer = answer;
        self
    }
    const fn demo(mut self) -> Route {
        self.demo_only = true;
        self
    }
}

const fn get(path: &'static str, op: Operation, credential: Credential) -> Route {
    Route::new("GET", path, op, credential)
}
const fn post(path: &'static str, op: Operation, credential: Credential) -> Route {
    Route::new("POST", path, op, credential)
}

use Body::{Optional, Raw, Required};
use Credential::{
    Admin, AdminOrTestSeller, ClientSecret, None as Anyone, Seller, SellerOrAgent, TestSeller,
};
use Operation as Op;

/// The table. Agents (restricted keys) run conversations: they create, cancel, ship, deliver
/// and read requests and unlock their own requests' card attempts; money going back, claims,
/// reports, the test clock, keys, agents and the account stay with the seller.
#[rustfmt::skip]
pub const ROUTES: &[Route] = &[
    get("/healthz", Op::Healthz, Anyone),
    get("/", Op::DemoPage, Anyone).answers(Answer::Html).demo(),
    get("/index.html", Op::DemoPage, Anyone).answers(Answer::Html).demo(),
    post("/demo/seed", Op::DemoSeed, Admin).demo(),
    get("/demo/chat.js", Op::DemoAsset, Anyone).answers(Answer::Asset).demo(),
    get("/demo/chat.css", Op::DemoAsset, Anyone).answers(Answer::Asset).demo(),
    get("/dashboard", Op::Dashboard, Anyone).answers(Answer::Html),
    get("/v1/frame/{id}", Op::Frame, Anyone).id("pr_").answers(Answer::Html),
    get("/v1/widget.js", Op::WidgetLoader, Anyone).answers(Answer::Asset),
    post("/v1/sellers", Op::CreateSeller, Admin).body(Required).idempotent(),
    post("/v1/sellers/{id}/reset_keys", Op::ResetKeys, Admin).id("sel_"),
    post("/v1/payment_requests", Op::CreateRequest, SellerOrAgent).body(Required).idempotent(),
    get("/v1/payment_requests", Op::ListRequests, SellerOrAgent),
    get("/v1/payment_requests/{id}", Op::GetRequest, SellerOrAgent).id("pr_"),
    get("/v1/payment_requests/{id}/public", Op::GetPublic, ClientSecret).id("pr_"),
    get("/v1/payment_requests/{id}/events", Op::ListEvents, SellerOrAgent).id("pr_"),
    post("/v1/payment_requests/{id}/pay", Op::Pay, ClientSecret).id("pr_").body(Required).idempotent(),
    post("/v1/payment_requests/{id}/unlock", Op::Unlock, SellerOrAgent).id("pr_").idempotent(),
    post("/v1/payment_requests/{id}/cancel", Op::Cancel, SellerOrAgent).id("pr_").idempotent(),
    post("/v1/payment_requests/{id}/decline", Op::Decline, ClientSecret).id("pr_").body(Optional).idempotent(),
    post("/v1/payment_requests/{id}/ship", Op::Ship, SellerOrAgent).id("pr_").body(Required).idempotent(),
    post("/v1/payment_requests/{id}/deliver", Op::Deliver, SellerOrAgent).id("pr_").idempotent(),
    post("/v1/payment_requests/{id}/refunds", Op::Refund, Seller).id("pr_").body(Required).idempotent(),
    post("/v1/payment_requests/{id}/claims", Op::OpenClaim, ClientSecret).id("pr_").body(Required).idempotent(),
    post("/v1/claims/{id}/respond", Op::RespondClaim, Seller).id("clm_").body(Required).idempotent(),
    post("/v1/claims/{id}/resolve", Op::ResolveClaim, AdminOrTestSeller).id("clm_").body(Required).idempotent(),
    get("/v1/conversations/{id}/timeline", Op::Timeline, SellerOrAgent).conversation(),
    get("/v1/reports/revenue", Op::Revenue, Seller).answers(Answer::Csv),
    post("/v1/test_helpers/advance_clock", Op::AdvanceClock, TestSeller).body(Required).idempotent(),
    get("/v1/seller", Op::GetSeller, Seller).control(),
    Route::new("PATCH", "/v1/seller", Op::UpdateSeller, Seller).control().body(Required).idempotent(),
    post("/v1/agents", Op::CreateAgent, Seller).control().body(Required).idempotent(),
    get("/v1/agents", Op::ListAgents, Seller).control(),
    post("/v1/keys", Op::CreateKey, Seller).control().body(Required),
    get("/v1/keys", Op::ListKeys, Seller).control(),
    Route::new("DELETE", "/v1/keys/{id}", Op::RevokeKey, Seller).control().id("key_"),
    post("/v1/keys/{id}/roll", Op::RollKey, Seller).control().id("key_").body(Optional),
    post("/v1/payment_requests/{id}/paypal", Op::CreatePayPalOrder, ClientSecret).id("pr_").body(Optional).idempotent(),
    get("/v1/return/paypal/{id}", Op::PayPalReturn, Anyone).id("pr_").answers(Answer::Html),
    get("/v1/return/3ds/{id}", Op::ChallengeReturn, Anyone).id("pr_").answers(Answer::Html),
    get("/sandbox/paypal/approve/{id}", Op::SandboxPage, Anyone).id("att_").answers(Answer::Html),
    post("/sandbox/paypal/approve/{id}", Op::SandboxAct, Anyone).id("att_").body(Raw).answers(Answer::Html),
    get("/sandbox/3ds/{id}", Op::SandboxPage, Anyone).id("att_").answers(Answer::Html),
    post("/sandbox/3ds/{id}", Op::SandboxAct, Anyone).id("att_").body(Raw).answers(Answer::Html),
    post("/v1/webhooks/paypal", Op::PayPalWebhook, Credential::PayPalSignature).body(Raw),
    Route::new("HEAD", "/sandbox/wallet/pay", Op::SandboxWallet, Anyone).answers(Answer::Asset),
    get("/sandbox/wallet/pay", Op::SandboxWallet, Anyone).answers(Answer::Asset),
    get("/sandbox/wallet/payment-manifest.json", Op::SandboxWallet, Anyone).answers(Answer::Asset),
    get("/sandbox/wallet/manifest.json", Op::SandboxWallet, Anyone).answers(Answer::Asset),
    get("/sandbox/wallet/sw.js", Op::SandboxWallet, Anyone).answers(Answer::Asset),
    get("/sandbox/wallet/icon.png", Op::SandboxWallet, Anyone).answers(Answer::Asset),
    post("/v1/payment_requests/{id}/wallet_token", Op::WalletToken, ClientSecret).id("pr_"),
    post("/v1/live/tickets", Op::CreateLiveTicket, SellerOrAgent).body(Optional),
    get("/v1/live", Op::LiveFeed, Credential::LiveTicket).answers(Answer::Upgrade),
    post("/v1/payment_requests/{id}/progress", Op::Progress, ClientSecret).id("pr_").body(Required),
    get("/v1/pay/{id}", Op::HostedPage, Anyone).id("pr_").answers(Answer::Html),
    post("/v1/mask", Op::Mask, SellerOrAgent).body(Required),
    post("/v1/webhook_endpoints", Op::CreateWebhookEndpoint, Seller).control().body(Required),
    get("/v1/webhook_endpoints", Op::ListWebhookEndpoints, Seller).control(),
    get("/v1/webhook_endpoints/{id}", Op::GetWebhookEndpoint, Seller).control().id("we_"),
    Route::new("PATCH", "/v1/webhook_endpoints/{id}", Op::UpdateWebhookEndpoint, Seller).control().id("we_").body(Required).idempotent(),
    Route::new("DELETE", "/v1/webhook_endpoints/{id}", Op::DeleteWebhookEndpoint, Seller).control().id("we_"),
    post("/v1/webhook_endpoints/{id}/roll_secret", Op::RollWebhookSecret, Seller).control().id("we_"),
    get("/v1/webhook_endpoints/{id}/deliveries", Op::ListWebhookDeliveries, Seller).control().id("we_"),
    // The reveal answers a card number: no Idempotency-Key, so no record can hold it. The
    // ledger admits only the request's own agent (seller keys are refused there).
    post("/v1/payment_requests/{id}/reveal", Op::RevealCard, SellerOrAgent).id("pr_"),
    post("/v1/payment_requests/{id}/mark_processed", Op::MarkProcessed, SellerOrAgent).id("pr_").idempotent(),
];

/// Files served as static assets, not by the Worker's code; documented all the same.
pub const STATIC_FILES: &[&str] = &["/openapi.json"];

fn matches<'a>(pattern: &str, segments: &[&'a str]) -> Option<Vec<&'a str>> {
    let parts: Vec<&str> = pattern
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut params = Vec::new();
    for (part, segment) in parts.iter().zip(segments) {
        if part.starts_with('{') {
            params.push(*segment);
        } else if part != segment {
            return None;
        }
    }
    Some(params)
}

impl Operation {
    /// The operation's route (the first, for the demo page's two spellings); `None` for
    /// [`Operation::AllowedOrigins`].
    pub fn route(self) -> Option<&'static Route> {
        ROUTES.iter().find(|r| r.operation == self)
    }
}

/// Every route whose path matches, whatever its method, with the path parameters.
pub fn matching<'a>(segments: &[&'a str]) -> Vec<(&'static Route, Vec<&'a str>)> {
    ROUTES
        .iter()
        .filter_map(|r| matches(r.path, segments).map(|p| (r, p)))
        .collect()
}

#[cfg(test)]
mod tests;
