//! One seller's ledger: a SQLite-backed Durable Object holding that seller's profile, keys,
//! payment requests, payments, vault entries and idempotency records.
//!
//! The Worker authenticates ids and keys (MACs) and routes here; the ledger owns the state
//! and every state change. A transition's writes run with no `.await` between them, since
//! Durable Object SQLite refuses `BEGIN`; the object's input gate does the rest.

pub(crate) mod accounts;
pub(crate) mod agent_capture;
pub(crate) mod attempts;
pub(crate) mod charge;
pub(crate) mod claims;
pub(crate) mod context;
pub(crate) mod deliveries;
pub(crate) mod endpoints;
pub(crate) mod events;
pub(crate) mod fulfillment;
pub(crate) mod history;
pub(crate) mod keys;
pub(crate) mod live;
pub(crate) mod orders;
pub(crate) mod outbox;
pub(crate) mod pay;
pub(crate) mod payouts;
pub(crate) mod paypal;
pub(crate) mod processor_events;
pub(crate) mod reconcile;
pub(crate) mod redact;
pub(crate) mod refunds;
pub(crate) mod requests;
pub(crate) mod rows;
pub(crate) mod schema;
pub(crate) mod seller;
pub(crate) mod settings;
pub(crate) mod settle;
pub(crate) mod timers;
pub(crate) mod transitions;
pub(crate) mod vault;
pub(crate) mod views;

use crate::command::{Command, ORIGINS_HEADER};
use crate::connectors::AccessToken;
use crate::crypto::Keys;
use crate::http::{json, Fail};
use crate::permissions;
use crate::permissions::{Principal, Role};
use accounts::Accounts;
use chatpay_core::accounts::Page;
use chatpay_core::routes::Operation as Op;
use chatpay_core::Secret;
use context::Ledger;
use serde_json::json;
use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{HashMap, HashSet};
use worker::{
    durable_object, DurableObject, Env, Request, Response, Socket, State, WebSocket,
    WebSocketIncomingMessage,
};

// Bare: fetch, alarm, the hibernatable WebSocket handlers and `connect` (refused).
#[durable_object]
pub struct SellerLedger {
    state: State,
    env: Env,
    migrated: Cell<bool>,
    /// Whether vault entries may still be sealed under another key (see `vault`).
    resealing: Cell<bool>,
    /// Whether migration 5's second half may still be due (see `redact`).
    redacting: Cell<bool>,
    /// Requests whose pay is running in this instance. A `processing` request not in here
    /// was claimed by an instance that died mid-pay (a restart or eviction).
    in_flight: RefCell<HashSet<String>>,
    /// Agent capture: each collected card's CVC, by request id. Never written to storage (nor
    /// to a log or an idempotency record), so it is lost when the object restarts, and the
    /// reveal then answers `cvc: null`.
    collected_cvcs: RefCell<HashMap<String, Secret<String>>>,
    /// The keys, derived from the Worker's secrets once per object, not per command.
    keys: OnceCell<Keys>,
    /// PayPal's access token (live sellers), kept in memory only, until shortly before it
    /// expires.
    paypal_token: RefCell<Option<AccessToken>>,
}

impl DurableObject for SellerLedger {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            migrated: Cell::new(false),
            resealing: Cell::new(true),
            redacting: Cell::new(true),
            in_flight: RefCell::new(HashSet::new()),
            collected_cvcs: RefCell::new(HashMap::new()),
            keys: OnceCell::new(),
            paypal_token: RefCell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let command = crate::command::receive(&mut req).await?;
        let ledger = match self.ready("read").await {
            Ok(l) => l,
            Err(fail) => return Ok(fail.into_response()),
        };
        if command.op == Op::LiveFeed {
            live::broadcast(&self.state, &ledger);
            let answer = live::connect(&self.state, &ledger, &command);
            return Ok(answer.unwrap_or_else(Fail::into_response));
        }
        let (response, origins) = ledger.dispatch(command).await;
        live::broadcast(&self.state, &ledger);
        self.schedule_alarm(&ledger).await?;
        let mut response = response;
        if let Some(origins) = origins {
            response.headers_mut().set(ORIGINS_HEADER, &origins)?;
        }
        Ok(response)
    }

    async fn alarm(&self) -> worker::Result<Response> {
        let ledger = match self.ready("alarm").await {
            Ok(l) => l,
            Err(fail) => return Ok(fail.into_response()),
        };
        if let Ok(Some(seller)) = ledger.seller() {
            if let Err(fail) = ledger.drain_calls(&seller, None).await {
                worker::console_error!("processor calls: {}", fail.error.message);
            }
            ledger.deliver_due(&seller).await;
        }
        live::broadcast(&self.state, &ledger);
        self.schedule_alarm(&ledger).await?;
        Response::ok("{}")
    }

    /// The feed takes no messages but a keep-alive `ping`, answered `pong`.
    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        if matches!(&message, WebSocketIncomingMessage::String(text) if text == "ping") {
            ws.send_with_str("pong")?;
        }
        Ok(())
    }

    /// The client closed: finish the closing handshake.
    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> worker::Result<()> {
        let _ = ws.close(Some(1000), Some("closed"));
        Ok(())
    }

    /// The runtime drops an errored socket; nothing is kept per socket but its attachment.
    async fn websocket_error(&self, _ws: WebSocket, _error: worker::Error) -> worker::Result<()> {
        Ok(())
    }

    /// The ledger serves no raw TCP: a connection is closed at once.
    async fn connect(&self, _socket: Socket) -> worker::Result<()> {
        Ok(())
    }
}

impl SellerLedger {
    /// The ledger for one command or alarm, with migrations, the second half of migration 5
    /// and every due timer done, so expiry holds on every read.
    async fn ready(&self, via: &'static str) -> Result<Ledger<'_>, Fail> {
        let mut ledger = self.ledger(via)?;
        self.finish_redaction(&ledger).await?;
        if !self.migrated.get() {
            // A code migration ended the first pass; the rest runs now that its second
            // half has committed.
            ledger = self.ledger(via)?;
        }
        ledger.run_due_timers()?;
        Ok(ledger)
    }

    fn keys(&self) -> Result<&Keys, Fail> {
        if let Some(keys) = self.keys.get() {
            return Ok(keys);
        }
        let _ = self.keys.set(Keys::from_env(&self.env)?);
        self.keys
            .get()
            .ok_or_else(|| Fail::internal("keys were not kept"))
    }

    fn ledger(&self, via: &'static str) -> Result<Ledger<'_>, Fail> {
        let keys = self.keys()?;
        let sql = self.state.storage().sql();
        if !self.migrated.get() {
            let newest = schema::migrate_atomically(&self.state, &sql, keys)?;
            self.migrated.set(newest);
        }
        // Only on the newest schema: a code migration (5) ends its transaction early, and the
        // tables resealed (webhook endpoints, from 8) may not exist until the next wake.
        if self.resealing.get() && self.migrated.get() {
            self.resealing.set(vault::reseal_batch(&sql, keys)?);
        }
        let offset = settings::clock_offset(&sql)?;
        Ok(Ledger {
            sql,
            keys,
            env: &self.env,
            in_flight: &self.in_flight,
            cvcs: &self.collected_cvcs,
            paypal_token: &self.paypal_token,
            offset: Cell::new(offset),
            via: Cell::new(via),
        })
    }

    /// Migration 5's second half (`redact::finish`) must run in a transaction of its own,
    /// after the migration's has committed: wait for that commit, then run it.
    async fn finish_redaction(&self, ledger: &Ledger<'_>) -> Result<(), Fail> {
        if !self.redacting.get() {
            return Ok(());
        }
        if redact::pending(&ledger.sql)? {
            self.state.storage().sync().await?;
            let sql = ledger.sql.clone();
            schema::atomically(&self.state, move || redact::finish(&sql))?;
        }
        self.redacting.set(false);
        Ok(())
    }

    /// One alarm per object: set it to the earliest pending timer or processor call (in real
    /// time, so minus the test clock's offset), or clear it.
    async fn schedule_alarm(&self, ledger: &Ledger<'_>) -> worker::Result<()> {
        let storage = self.state.storage();
        let timer = ledger
            .next_timer_due()
            .map_err(|_| worker::Error::RustError("timers".into()))?;
        let call = ledger
            .next_call_due()
            .map_err(|_| worker::Error::RustError("processor calls".into()))?;
        let earliest = match (timer, call) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // A delivery just queued is due now: the alarm fires at once, off the answer's path.
        let earliest = ledger.with_deliveries_due(earliest)?;
        match earliest {
            Some(due) => {
                let real_ms = (due - ledger.offset.get()) * 1000;
                let delay = (real_ms - worker::Date::now().as_millis() as i64).max(0);
                storage.set_alarm(delay).await
            }
            None => storage.delete_alarm().await,
        }
    }
}

type Reply = (Response, Option<String>);

impl Ledger<'_> {
    async fn dispatch(&self, command: Command) -> Reply {
        if command.op == Op::CreateSeller {
            return (
                self.init_seller(&command)
                    .unwrap_or_else(Fail::into_response),
                None,
            );
        }
        let seller = match self.seller() {
            Ok(Some(s)) => s,
            Ok(None) => return (Fail::missing("seller").into_response(), None),
            Err(e) => return (Fail::from(e).into_response(), None),
        };
        let origins = Some(seller.origins().join(" "));
        let now = self.clock();
        let accounts = Accounts::new(&self.sql, self.keys, &seller.id, seller.livemode != 0, now);
        let mut command = command;
        let principal = match self.authorize(&mut command, now) {
            Ok(p) => p,
            Err(f) => return (f.into_response(), origins),
        };
        let request_id = command.request_id.as_deref();
        let target = command.target.as_deref();
        // Who acts, for the event log.
        let actor = principal
            .as_ref()
            .map_or_else(|| "seller".to_string(), Principal::actor);
        let only_agent = principal.as_ref().and_then(Principal::only_agent);
        let result = match command.op {
            Op::CreateSeller => unreachable!("handled above"),
            Op::CreateRequest => {
                self.idempotent(&command, |body| {
                    accounts.check_limits(body, &self.limits())?;
                    self.create_request(&seller, body)
                })
                .await
            }
            Op::GetRequest => self
                .request_json(&seller, command.request_id.as_deref(), true)
                .map(|v| json(200, &v)),
            Op::GetPublic => self
                .public(&seller, command.request_id.as_deref())
                .map(|v| json(200, &v)),
            Op::Pay => self.pay(&seller, &command).await,
            Op::CreatePayPalOrder => self.create_paypal_order(&seller, &command).await,
            Op::PayPalReturn => self.paypal_return(&seller, &command).await,
            Op::SandboxPage => self.sandbox_page(&seller, &command),
            Op::SandboxAct => self.sandbox_act(&seller, &command),
            Op::PayPalWebhook => self.paypal_webhook(&seller, &command).await,
            Op::Cancel => {
                self.idempotent(&command, |_| {
                    self.cancel(&seller, command.request_id.as_deref(), &actor)
                })
                .await
            }
            Op::Frame => self
                .load_request(command.request_id.as_deref())
                .map(|_| json(200, &json!({}))),
            Op::AllowedOrigins => Ok(json(200, &json!({}))),
            Op::Decline => {
                self.idempotent(&command, |b| self.decline(&seller, request_id, b))
                    .await
            }
            Op::Ship => {
                let shipped = self
                    .idempotent(&command, |b| self.ship(&seller, request_id, b, &actor))
                    .await;
                if seller.livemode != 0 {
                    // The tracker goes to PayPal now; whatever it answers, the ship stands.
                    let _ = self.drain_calls(&seller, None).await;
                }
                shipped
            }
            Op::Deliver => {
                self.idempotent(&command, |_| self.deliver(&seller, request_id, &actor))
                    .await
            }
            Op::Refund if seller.livemode != 0 => self.refund_live(&seller, &command, &actor).await,
            Op::Refund => {
                self.idempotent(&command, |b| self.refund(&seller, request_id, b, &actor))
                    .await
            }
            Op::OpenClaim => {
                self.idempotent(&command, |b| self.open_claim(request_id, b))
                    .await
            }
            Op::RespondClaim => {
                self.idempotent(&command, |b| self.respond_claim(target, b, &actor))
                    .await
            }
            Op::ResolveClaim => {
                // The platform decides claims; a seller may decide its own only in test mode.
                if !command.admin && seller.livemode != 0 {
                    Err(Fail::new(
                        403,
                        "permission_error",
                        "permission_denied",
                        "Only the platform resolves claims in live mode.",
                    ))
                } else {
                    let actor = if command.admin { "platform" } else { "seller" };
                    self.idempotent(&command, |b| self.resolve_claim(target, b, actor))
                        .await
                }
            }
            Op::ListRequests => self
                .list(&seller, &command.query, only_agent)
                .map(|v| json(200, &v)),
            Op::Timeline => target
                .ok_or_else(|| Fail::missing("conversation"))
                .and_then(|c| self.conversation_events(c, &command.query, only_agent))
                .map(|v| json(200, &v)),
            Op::ListEvents => self
                .request_events(request_id, &command.query)
                .map(|v| json(200, &v)),
            Op::Unlock => {
                self.idempotent(&command, |_| self.unlock(&seller, request_id, &actor))
                    .await
            }
            Op::ResetKeys => self.reset_keys(&command, &accounts),
            Op::Revenue => self.revenue(&command.query).map(|v| json(200, &v)),
            Op::AdvanceClock => {
                self.idempotent(&command, |b| self.advance_clock(&seller, b))
                    .await
            }
            Op::GetSeller => self.seller_view(&accounts).map(|v| json(200, &v)),
            Op::CreateLiveTicket => self.create_ticket(&seller, &command, principal.as_ref()),
            Op::Progress => self.progress(&seller, request_id, command.body.as_ref()),
            // Never under an Idempotency-Key: the answer holds the card.
            Op::RevealCard => self.reveal(&seller, request_id, principal.as_ref()),
            Op::MarkProcessed => {
                self.idempotent(&command, |_| {
                    self.mark_processed(&seller, request_id, principal.as_ref(), &actor)
                })
                .await
            }
            Op::UpdateSeller => {
                self.idempotent(&command, |body| {
                    accounts.update_seller(body, &self.limits())?;
                    Ok((200, crate::http::value(&self.seller_view(&accounts)?)))
                })
                .await
            }
            Op::CreateAgent => {
                self.idempotent(&command, |body| accounts.create_agent(body))
                    .await
            }
            Op::ListAgents => Page::parse(&command.query)
                .map_err(Fail::from)
                .and_then(|page| accounts.list_agents(&page))
                .map(|v| json(200, &v)),
            Op::CreateKey => accounts
                .create_key(command.body.as_ref())
                .map(|v| json(201, &v)),
            Op::ListKeys => accounts.list_keys().map(|v| json(200, &v)),
            // Answered from the body alone, once the key is known: nothing is written.
            Op::Mask => chatpay_core::api::mask_text::MaskText::parse(
                command.body.as_ref().unwrap_or(&serde_json::Value::Null),
            )
            .map(|m| json(200, &m.answer(seller.livemode != 0)))
            .map_err(Fail::from),
            Op::RevokeKey => accounts.revoke_key(target).map(|v| json(200, &v)),
            Op::RollKey => accounts
                .roll_key(target, command.body.as_ref())
                .map(|v| json(200, &v)),
            Op::CreateWebhookEndpoint
            | Op::ListWebhookEndpoints
            | Op::GetWebhookEndpoint
            | Op::UpdateWebhookEndpoint
            | Op::DeleteWebhookEndpoint
            | Op::RollWebhookSecret
            | Op::ListWebhookDeliveries => self.endpoint_command(&seller, &command).await,
            // Pages, assets and the platform's seller creation never reach a ledger this way.
            Op::Healthz
            | Op::DemoPage
            | Op::DemoSeed
            | Op::DemoAsset
            | Op::Dashboard
            | Op::ChallengeReturn
            | Op::SandboxWallet
            | Op::WalletToken
            | Op::WidgetLoader
            | Op::LiveFeed
            | Op::HostedPage => Err(Fail::internal("not a ledger operation")),
        };
        (result.unwrap_or_else(Fail::into_response), origins)
    }

    /// The key's principal, checked against the op (its rights, and whether it is a rolled
    /// secret) and, for a restricted key, against the request the command names. A
    /// restricted key's new requests are bound to its agent.
    fn authorize(&self, command: &mut Command, now: i64) -> Result<Option<Principal>, Fail> {
        let Some(hash) = &command.key_hash else {
            return Ok(None);
        };
        let principal = self
            .principal(hash, now)?
            .ok_or_else(Fail::bad_credentials)?;
        let route = command
            .op
            .route()
            .ok_or_else(|| Fail::internal("an operation without a route"))?;
        permissions::check(route, &principal)?;
        if let (Role::Agent { agent_id, all }, Some(id)) =
            (&principal.role, command.request_id.as_deref())
        {
            let row = self.load_request(Some(id))?;
            if row.agent_id.as_deref() != Some(agent_id.as_str()) {
                // A key limited to its agent cannot tell another agent's request from a
                // missing one; a key that sees all may still not unlock another's.
                if !*all {
                    return Err(Fail::missing("payment request"));
                }
                if matches!(command.op, Op::Unlock | Op::RevealCard | Op::MarkProcessed) {
                    return Err(permissions::denied(
                        "Only the seller's key or the request's own agent can do that.",
                    ));
                }
            }
        }
        if command.op == Op::CreateRequest {
            command.body = keys::bind_agent(Some(&principal), command.body.take())?;
        }
        Ok(Some(principal))
    }

    /// Whose live key has this hash, as of `now` (the ledger's clock): `None` for an unknown,
    /// revoked or expired key.
    fn principal(&self, hash: &str, now: i64) -> worker::Result<Option<Principal>> {
        keys::principal(&self.sql, hash, now)
    }
}
