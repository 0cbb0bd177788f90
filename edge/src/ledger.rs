//! One seller's ledger: a SQLite-backed Durable Object holding that seller's profile, keys,
//! payment requests, payments, vault entries and idempotency records.
//!
//! The Worker authenticates ids and keys (MACs) and routes here; the ledger owns the state
//! and every state change. A transition's writes run with no `.await` between them, since
//! Durable Object SQLite refuses `BEGIN`; the object's input gate does the rest.

use crate::accounts::{self, Accounts};
use crate::command::{Command, ORIGINS_HEADER};
use crate::crypto::{Keys, VAULT_FORMAT};
use crate::encoding::hex_encode;
use crate::http::{json, Fail};
use crate::idempotency;
use crate::ids::{client_secret, ObjectId, SellerRef};
use crate::permissions::{self, Principal, Role};
use crate::processor::{Authorization, Outcome, Processor, Sandbox};
use crate::schema;
use chatpay_core::accounts::Page;
use chatpay_core::api::{
    NewPaymentRequest, NewSeller, PayRequest, PublicPayment, PublicPaymentRequest, PublicSeller,
};
use chatpay_core::routes::Operation as Op;
use chatpay_core::state::{Event, Fulfillment, Payout, Refund, Status};
use chatpay_core::time::{rfc3339, year_month};
use chatpay_core::{Amount, AmountLimits, Currency};
use serde::Deserialize;
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, SqlStorage, State};

/// Declines on one request before it takes no more card attempts (until unlocked).
pub const MAX_DECLINES: i64 = 5;
/// Different cards declined on one request before it takes no more attempts.
pub const MAX_CARDS: i64 = 3;

#[durable_object(alarm)]
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
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let command: Command = req.json().await?;
        let ledger = match self.ledger("read") {
            Ok(l) => l,
            Err(fail) => return Ok(fail.into_response()),
        };
        if let Err(fail) = self.finish_redaction(&ledger).await {
            return Ok(fail.into_response());
        }
        // Timers that fell due run before anything reads, so expiry holds on every read.
        if let Err(fail) = ledger.run_due_timers() {
            return Ok(fail.into_response());
        }
        let (response, origins) = ledger.dispatch(command).await;
        self.schedule_alarm(&ledger).await?;
        let mut response = response;
        if let Some(origins) = origins {
            response.headers_mut().set(ORIGINS_HEADER, &origins)?;
        }
        Ok(response)
    }

    async fn alarm(&self) -> Result<Response> {
        let ledger = match self.ledger("alarm") {
            Ok(l) => l,
            Err(fail) => return Ok(fail.into_response()),
        };
        if let Err(fail) = self.finish_redaction(&ledger).await {
            return Ok(fail.into_response());
        }
        if let Err(fail) = ledger.run_due_timers() {
            return Ok(fail.into_response());
        }
        self.schedule_alarm(&ledger).await?;
        Response::ok("{}")
    }
}

impl SellerLedger {
    fn ledger(&self, via: &'static str) -> std::result::Result<Ledger<'_>, Fail> {
        let keys = Keys::from_env(&self.env)?;
        let sql = self.state.storage().sql();
        if !self.migrated.get() {
            schema::migrate_atomically(&self.state, &sql, &keys)?;
            self.migrated.set(true);
        }
        if self.resealing.get() {
            self.resealing.set(crate::vault::reseal_batch(&sql, &keys)?);
        }
        let offset = crate::lifecycle::clock_offset(&sql)?;
        Ok(Ledger {
            sql,
            keys,
            env: &self.env,
            in_flight: &self.in_flight,
            offset: Cell::new(offset),
            via: Cell::new(via),
        })
    }

    /// Migration 5's second half (`redact::finish`) must run in a transaction of its own,
    /// after the migration's has committed: wait for that commit, then run it.
    async fn finish_redaction(&self, ledger: &Ledger<'_>) -> std::result::Result<(), Fail> {
        if !self.redacting.get() {
            return Ok(());
        }
        if crate::redact::pending(&ledger.sql)? {
            self.state.storage().sync().await?;
            let sql = ledger.sql.clone();
            schema::atomically(&self.state, move || crate::redact::finish(&sql))?;
        }
        self.redacting.set(false);
        Ok(())
    }

    /// One alarm per object: set it to the earliest pending timer (in real time, so minus the
    /// test clock's offset), or clear it.
    async fn schedule_alarm(&self, ledger: &Ledger<'_>) -> Result<()> {
        let storage = self.state.storage();
        match ledger
            .next_timer_due()
            .map_err(|_| worker::Error::RustError("timers".into()))?
        {
            Some(due) => {
                let real_ms = (due - ledger.offset.get()) * 1000;
                let delay = (real_ms - worker::Date::now().as_millis() as i64).max(0);
                storage.set_alarm(delay).await
            }
            None => storage.delete_alarm().await,
        }
    }
}

/// Real time. The ledger's own clock (`Ledger::clock`) adds the test clock's offset.
pub(crate) fn real_seconds() -> i64 {
    (worker::Date::now().as_millis() / 1000) as i64
}

#[derive(Deserialize)]
pub(crate) struct SellerRow {
    pub(crate) id: String,
    pub(crate) display_name: String,
    country: String,
    default_currency: String,
    allowed_origins: String,
    pub(crate) livemode: i64,
    created_at: i64,
    init_mac: String,
}

impl SellerRow {
    fn origins(&self) -> Vec<String> {
        serde_json::from_str(&self.allowed_origins).unwrap_or_default()
    }

    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "seller",
            "display_name": self.display_name,
            "country": self.country,
            "default_currency": self.default_currency,
            "allowed_origins": self.origins(),
            "created_at": rfc3339(self.created_at),
            "livemode": self.livemode != 0,
        })
    }
}

#[derive(Deserialize)]
pub(crate) struct RequestRow {
    pub(crate) id: String,
    pub(crate) status: String,
    pub(crate) amount_minor: i64,
    pub(crate) currency: String,
    pub(crate) description: String,
    pub(crate) conversation_id: Option<String>,
    pub(crate) agent_id: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) canceled_at: Option<i64>,
    pub(crate) expires_at: Option<i64>,
    pub(crate) declined_at: Option<i64>,
    pub(crate) paid_at: Option<i64>,
    pub(crate) collect_shipping: i64,
    pub(crate) fulfillment_status: String,
    pub(crate) carrier: Option<String>,
    pub(crate) tracking_number: Option<String>,
    pub(crate) shipped_at: Option<i64>,
    pub(crate) delivered_at: Option<i64>,
    pub(crate) refunded_minor: i64,
    pub(crate) payout_status: Option<String>,
    pub(crate) payout_due_at: Option<i64>,
    pub(crate) paid_out_at: Option<i64>,
    pub(crate) payout_amount_minor: Option<i64>,
}

impl RequestRow {
    pub(crate) fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Requested)
    }

    pub(crate) fn fulfillment(&self) -> Fulfillment {
        Fulfillment::parse(&self.fulfillment_status).unwrap_or(Fulfillment::Unfulfilled)
    }

    pub(crate) fn payout(&self) -> Option<Payout> {
        self.payout_status.as_deref().and_then(Payout::parse)
    }

    pub(crate) fn currency(&self) -> Currency {
        Currency::parse_stored(&self.currency)
            .expect("stored currencies were validated, or were withdrawn since")
    }

    pub(crate) fn amount(&self) -> Amount {
        Amount::from_minor(self.amount_minor as u64, self.currency())
    }

    pub(crate) fn money(&self, minor: i64) -> String {
        Amount::from_minor(minor.max(0) as u64, self.currency()).to_decimal_string()
    }

    pub(crate) fn refund_status(&self) -> Refund {
        Refund::of(self.refunded_minor as u64, self.amount_minor as u64)
    }

    fn shipment(&self) -> Value {
        match self.shipped_at {
            None => Value::Null,
            Some(at) => json!({
                "carrier": self.carrier,
                "tracking_number": self.tracking_number,
                "shipped_at": rfc3339(at),
                "delivered_at": self.delivered_at.map(rfc3339),
            }),
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct PaymentRow {
    id: String,
    amount_minor: i64,
    currency: String,
    receipt_email: Option<String>,
    paid_at: i64,
    shipping: Option<String>,
    brand: String,
    last4: String,
    exp_month: i64,
    exp_year: i64,
    fingerprint: String,
}

pub(crate) const REQUEST_COLUMNS: &str = "id, status, amount_minor, currency, description, conversation_id, agent_id, created_at, \
     canceled_at, expires_at, declined_at, paid_at, collect_shipping, fulfillment_status, carrier, tracking_number, \
     shipped_at, delivered_at, refunded_minor, payout_status, payout_due_at, paid_out_at, payout_amount_minor";

pub(crate) struct Ledger<'a> {
    pub(crate) sql: SqlStorage,
    pub(crate) keys: Keys,
    pub(crate) env: &'a Env,
    in_flight: &'a RefCell<HashSet<String>>,
    /// Seconds the seller's test clock runs ahead of real time.
    pub(crate) offset: Cell<i64>,
    /// What is running timers now: `read`, `alarm` or `advance_clock` (recorded in events).
    pub(crate) via: Cell<&'static str>,
}

type Reply = (Response, Option<String>);

impl Ledger<'_> {
    /// The seller's clock: real time plus the test clock's offset (zero in live mode).
    pub(crate) fn clock(&self) -> i64 {
        real_seconds() + self.offset.get()
    }

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
        let accounts = Accounts::new(&self.sql, &self.keys, &seller.id, seller.livemode != 0, now);
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
                self.idempotent(&command, |b| self.ship(&seller, request_id, b, &actor))
                    .await
            }
            Op::Deliver => {
                self.idempotent(&command, |_| self.deliver(&seller, request_id, &actor))
                    .await
            }
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
            Op::UpdateSeller => {
                self.idempotent(&command, |body| {
                    accounts.update_seller(body, &self.limits())?;
                    Ok((200, self.seller_view(&accounts)?))
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
            Op::RevokeKey => accounts.revoke_key(target).map(|v| json(200, &v)),
            Op::RollKey => accounts
                .roll_key(target, command.body.as_ref())
                .map(|v| json(200, &v)),
            // Pages, assets and the platform's seller creation never reach a ledger this way.
            Op::Healthz
            | Op::DemoPage
            | Op::DemoSeed
            | Op::DemoAsset
            | Op::Dashboard
            | Op::WidgetLoader => Err(Fail::internal("not a ledger operation")),
        };
        (result.unwrap_or_else(Fail::into_response), origins)
    }

    /// The key's principal, checked against the op (its rights, and whether it is a rolled
    /// secret) and, for a restricted key, against the request the command names. A
    /// restricted key's new requests are bound to its agent.
    fn authorize(
        &self,
        command: &mut Command,
        now: i64,
    ) -> std::result::Result<Option<Principal>, Fail> {
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
                if command.op == Op::Unlock {
                    return Err(permissions::denied(
                        "Only the seller's key or the request's own agent can unlock it.",
                    ));
                }
            }
        }
        if command.op == Op::CreateRequest {
            command.body = accounts::bind_agent(Some(&principal), command.body.take())?;
        }
        Ok(Some(principal))
    }

    /// `POST /v1/sellers/{id}/reset_keys` (platform admin): every secret of every key stops
    /// at once, and the seller's secret key gets one new secret, shown in this answer only.
    fn reset_keys(
        &self,
        command: &Command,
        accounts: &Accounts,
    ) -> std::result::Result<Response, Fail> {
        if !command.admin {
            return Err(permissions::denied(
                "Only the platform resets a seller's keys.",
            ));
        }
        let secret = accounts.reset_keys()?;
        self.event("", "seller.keys_reset", "platform", json!({}), self.clock())?;
        let mut object = self.seller_view(accounts)?;
        object["secret_key"] = Value::String(secret);
        Ok(json(200, &object))
    }

    pub(crate) fn seller(&self) -> Result<Option<SellerRow>> {
        Ok(self
            .sql
            .exec(
                "SELECT id, display_name, country, default_currency, allowed_origins, livemode, created_at, init_mac FROM seller",
                None,
            )?
            .to_array::<SellerRow>()?
            .into_iter()
            .next())
    }

    /// Whose live key has this hash, as of `now` (the ledger's clock): `None` for an unknown,
    /// revoked or expired key.
    fn principal(&self, hash: &str, now: i64) -> Result<Option<Principal>> {
        accounts::principal(&self.sql, hash, now)
    }

    /// The seller object with its profile, payout account (last 4 only) and limits.
    fn seller_view(&self, accounts: &Accounts) -> std::result::Result<Value, Fail> {
        let seller = self
            .seller()?
            .ok_or_else(|| Fail::internal("seller vanished"))?;
        accounts.seller_json(seller.to_json())
    }

    /// Creates the seller once. Replaying the same creation (same body) answers 200 with the
    /// seller object and `Idempotent-Replayed: true`, never the secret key again (an operator
    /// who lost the first answer resets the keys); a different body for an existing seller is
    /// an idempotency conflict.
    fn init_seller(&self, command: &Command) -> std::result::Result<Response, Fail> {
        let body = command.body.clone().unwrap_or(Value::Null);
        let new = NewSeller::parse(&body)?;
        let mac = self
            .keys
            .body_mac(idempotency::canonical_json(&body).as_bytes());
        if let Some(existing) = self.seller()? {
            if existing.init_mac != mac {
                return Err(Fail::idempotency_key_reused());
            }
            let accounts = Accounts::new(
                &self.sql,
                &self.keys,
                &existing.id,
                existing.livemode != 0,
                self.clock(),
            );
            let mut response = json(200, &accounts.seller_json(existing.to_json())?);
            response.headers_mut().set("idempotent-replayed", "true")?;
            return Ok(response);
        }
        let key_hash = command
            .key_hash
            .clone()
            .ok_or_else(|| Fail::internal("missing key hash"))?;
        let now = self.clock();
        let livemode = SellerRef::from_id(&command.seller_id, &self.keys)
            .ok_or_else(|| Fail::internal("bad seller id"))?
            .mode()
            .livemode();
        let origins = serde_json::to_string(&new.allowed_origins).unwrap_or_else(|_| "[]".into());
        self.sql.exec(
            "INSERT INTO seller (id, display_name, country, default_currency, allowed_origins, livemode, created_at, init_mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                command.seller_id.clone().into(),
                new.display_name.into(),
                new.country.into(),
                new.default_currency.code().into(),
                origins.into(),
                i64::from(livemode).into(),
                now.into(),
                mac.into(),
            ],
        )?;
        self.sql.exec(
            "INSERT INTO api_keys (key_hash, kind, created_at) VALUES (?, 'secret', ?)",
            vec![key_hash.into(), now.into()],
        )?;
        let accounts = Accounts::new(&self.sql, &self.keys, &command.seller_id, livemode, now);
        accounts.save_profile(&new.profile)?;
        Ok(json(201, &self.seller_view(&accounts)?))
    }

    /// Runs `op` under the command's Idempotency-Key, if any: replays a finished first
    /// response, refuses a key in use or reused with another body, records the result when
    /// [`idempotency::stores`] keeps it. A buyer's key is treated as absent (nothing stored)
    /// once its client secret holds [`idempotency::MAX_BUYER_RECORDS`] records, and on a
    /// request that can no longer move (canceled, declined, expired).
    pub(crate) async fn idempotent<F>(
        &self,
        command: &Command,
        op: F,
    ) -> std::result::Result<Response, Fail>
    where
        F: FnOnce(&Value) -> std::result::Result<(u16, Value), Fail>,
    {
        let body = command.body.clone().unwrap_or(Value::Null);
        let run = |op: F| -> std::result::Result<Response, Fail> {
            let (status, value) = op(&body)?;
            Ok(json(status, &value))
        };
        let Some(idem) = &command.idempotency else {
            return run(op);
        };
        let now = self.clock();
        let mac = self
            .keys
            .body_mac(idempotency::canonical_json(&body).as_bytes());
        if let Some(replay) = idempotency::lookup(&self.sql, idem, &mac, now)? {
            return Ok(replayed(replay));
        }
        if idem.buyer
            && (self.request_settled(command)? || !idempotency::has_room(&self.sql, idem, now)?)
        {
            return run(op);
        }
        let (status, value) = match op(&body) {
            Ok(ok) => ok,
            Err(fail) if !idempotency::stores(idem, fail.http) => return Err(fail),
            Err(fail) => (
                fail.http,
                serde_json::to_value(chatpay_core::api::ErrorBody { error: fail.error })
                    .unwrap_or(Value::Null),
            ),
        };
        idempotency::begin(&self.sql, idem, &mac, now)?;
        idempotency::finish(&self.sql, idem, status, &value.to_string())?;
        Ok(json(status, &value))
    }

    /// Whether the command's request can no longer move (canceled, declined or expired), so
    /// a buyer's call on it leaves nothing behind. A missing request counts as settled.
    fn request_settled(&self, command: &Command) -> std::result::Result<bool, Fail> {
        match self.load_request(command.request_id.as_deref()) {
            Ok(row) => Ok(matches!(
                row.status(),
                Status::Canceled | Status::Declined | Status::Expired
            )),
            Err(f) if f.http == 404 => Ok(true),
            Err(f) => Err(f),
        }
    }

    /// `SANDBOX_LATENCY_MS` (default 20): the sandbox's simulated processor round trip.
    fn sandbox_latency_ms(&self) -> u64 {
        self.env
            .var("SANDBOX_LATENCY_MS")
            .ok()
            .and_then(|v| v.to_string().parse().ok())
            .unwrap_or(20)
    }

    fn limits(&self) -> AmountLimits {
        self.env
            .var("AMOUNT_LIMITS")
            .ok()
            .and_then(|v| AmountLimits::parse(&v.to_string()).ok())
            .unwrap_or_default()
    }

    fn create_request(
        &self,
        seller: &SellerRow,
        body: &Value,
    ) -> std::result::Result<(u16, Value), Fail> {
        let new = NewPaymentRequest::parse(body, &self.limits())?;
        let seller_ref = SellerRef::from_id(&seller.id, &self.keys)
            .ok_or_else(|| Fail::internal("bad seller id"))?;
        let id = ObjectId::generate("pr_", seller_ref, &self.keys).id;
        let now = self.clock();
        self.sql.exec(
            "INSERT INTO payment_requests (id, status, amount_minor, currency, description, conversation_id, agent_id, created_at, expires_at, collect_shipping) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                id.clone().into(),
                Status::Requested.as_str().into(),
                (new.amount.minor() as i64).into(),
                new.amount.currency().code().into(),
                new.description.into(),
                new.conversation_id.into(),
                new.agent_id.clone().into(),
                now.into(),
                (now + new.expires_in).into(),
                i64::from(new.collect_shipping).into(),
            ],
        )?;
        self.add_timer(&id, crate::lifecycle::Timer::Expire, now + new.expires_in)?;
        let actor = new
            .agent_id
            .map_or_else(|| "seller".to_string(), |a| format!("agent:{a}"));
        self.event(&id, "payment_request.created", &actor, json!({}), now)?;
        Ok((201, self.request_json(seller, Some(&id), false)?))
    }

    pub(crate) fn load_request(&self, id: Option<&str>) -> std::result::Result<RequestRow, Fail> {
        let id = id.ok_or_else(|| Fail::missing("payment request"))?;
        self.sql
            .exec(
                &format!("SELECT {REQUEST_COLUMNS} FROM payment_requests WHERE id = ?"),
                vec![id.into()],
            )?
            .to_array::<RequestRow>()?
            .into_iter()
            .next()
            .ok_or_else(|| Fail::missing("payment request"))
    }

    pub(crate) fn payment_for(&self, request_id: &str) -> Result<Option<PaymentRow>> {
        Ok(self
            .sql
            .exec(
                "SELECT p.id, p.amount_minor, p.currency, p.receipt_email, p.paid_at, p.shipping, v.brand, v.last4, v.exp_month, v.exp_year, v.fingerprint
                 FROM payments p JOIN vault v ON v.token = p.token WHERE p.request_id = ?",
                vec![request_id.into()],
            )?
            .to_array::<PaymentRow>()?
            .into_iter()
            .next())
    }

    /// The seller's full view of a request.
    /// The seller's full view of a request; `with_events` adds its event timeline.
    pub(crate) fn request_json(
        &self,
        seller: &SellerRow,
        id: Option<&str>,
        with_events: bool,
    ) -> std::result::Result<Value, Fail> {
        let row = self.load_request(id)?;
        self.request_value(seller, &row, with_events)
    }

    pub(crate) fn request_value(
        &self,
        seller: &SellerRow,
        row: &RequestRow,
        with_events: bool,
    ) -> std::result::Result<Value, Fail> {
        let payment = self.payment_for(&row.id)?;
        let shipping = payment
            .as_ref()
            .and_then(|p| p.shipping.as_deref())
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
            .unwrap_or(Value::Null);
        let payment = payment.map(|p| {
            json!({
                "id": p.id,
                "object": "payment",
                "amount": row.money(p.amount_minor),
                "currency": p.currency,
                "method": {
                    "type": "card",
                    "brand": p.brand,
                    "last4": p.last4,
                    "exp_month": p.exp_month,
                    "exp_year": p.exp_year,
                    "fingerprint": p.fingerprint,
                },
                "receipt_email": p.receipt_email,
                "paid_at": rfc3339(p.paid_at),
            })
        });
        let mut value = json!({
            "id": row.id,
            "object": "payment_request",
            "client_secret": client_secret(&row.id, &self.keys),
            "status": row.status().public_str(),
            "amount": row.amount().to_decimal_string(),
            "currency": row.currency,
            "description": row.description,
            "seller": {"id": seller.id, "display_name": seller.display_name},
            "conversation_id": row.conversation_id,
            "agent_id": row.agent_id,
            "created_at": rfc3339(row.created_at),
            "expires_at": row.expires_at.map(rfc3339),
            "canceled_at": row.canceled_at.map(rfc3339),
            "declined_at": row.declined_at.map(rfc3339),
            "livemode": seller.livemode != 0,
            "collect_shipping": row.collect_shipping != 0,
            "payment": payment,
            "shipping": shipping,
            "fulfillment_status": row.fulfillment().as_str(),
            "shipment": row.shipment(),
            "refund_status": row.refund_status().as_str(),
            "amount_refunded": row.money(row.refunded_minor),
            "refunds": self.refunds_json(row)?,
            "payout": row.payout().map(|p| json!({
                "status": p.as_str(),
                "due_at": row.payout_due_at.map(rfc3339),
                "paid_out_at": row.paid_out_at.map(rfc3339),
                "amount": row.payout_amount_minor.map(|m| row.money(m)),
            })),
            "claim": self.claim_for(&row.id)?.map(|c| c.to_json()),
            "card_attempts": self.attempts_json(&row.id)?,
        });
        if with_events {
            let (events, has_more) = self.newest_events(&row.id)?;
            value["events"] = Value::Array(events);
            value["events_has_more"] = Value::Bool(has_more);
        }
        Ok(value)
    }

    /// `card_attempts`: declines since the last unlock, and whether `pay` refuses more.
    fn attempts_json(&self, request_id: &str) -> std::result::Result<Value, Fail> {
        let a = self.attempts(request_id)?;
        Ok(json!({"declined": a.declines, "cards_declined": a.cards, "locked": a.locked()}))
    }

    /// The buyer's view: no agent, no conversation, no seller id, no client secret.
    pub(crate) fn public(
        &self,
        seller: &SellerRow,
        id: Option<&str>,
    ) -> std::result::Result<Value, Fail> {
        let row = self.load_request(id)?;
        let payment = self.payment_for(&row.id)?.map(|p| PublicPayment {
            id: p.id,
            brand: p.brand,
            last4: p.last4,
            paid_at: rfc3339(p.paid_at),
        });
        let base = PublicPaymentRequest {
            id: row.id.clone(),
            object: "payment_request".into(),
            status: row.status().public_str().into(),
            amount: row.amount().to_decimal_string(),
            currency: row.currency.clone(),
            description: row.description.clone(),
            seller: PublicSeller {
                display_name: seller.display_name.clone(),
            },
            created_at: rfc3339(row.created_at),
            livemode: seller.livemode != 0,
            payment,
        };
        let mut value = serde_json::to_value(base).map_err(|_| Fail::internal("encode"))?;
        value["expires_at"] = json!(row.expires_at.map(rfc3339));
        value["collect_shipping"] = json!(row.collect_shipping != 0);
        value["fulfillment_status"] = json!(row.fulfillment().as_str());
        value["shipment"] = row.shipment();
        value["refund_status"] = json!(row.refund_status().as_str());
        value["amount_refunded"] = json!(row.money(row.refunded_minor));
        value["claim"] = self
            .claim_for(&row.id)?
            .map(|c| json!({"id": c.id, "reason": c.reason, "status": c.status}))
            .unwrap_or(Value::Null);
        Ok(value)
    }

    pub(crate) fn event(
        &self,
        request_id: &str,
        kind: &str,
        actor: &str,
        data: Value,
        now: i64,
    ) -> Result<()> {
        self.sql.exec(
            "INSERT INTO events (request_id, type, actor, data, created_at) VALUES (?, ?, ?, ?, ?)",
            vec![
                request_id.into(),
                kind.into(),
                actor.into(),
                data.to_string().into(),
                now.into(),
            ],
        )?;
        Ok(())
    }

    fn cancel(
        &self,
        seller: &SellerRow,
        id: Option<&str>,
        actor: &str,
    ) -> std::result::Result<(u16, Value), Fail> {
        let row = self.load_request(id)?;
        let status = row.status();
        if status.apply(Event::Cancel).is_err() {
            let message = if status == Status::Processing {
                "A payment for this request is in progress, so it cannot be canceled.".to_string()
            } else {
                format!(
                    "This payment request is {} and cannot be canceled.",
                    status.as_str()
                )
            };
            return Err(Fail::conflict(
                "request_not_cancelable",
                status.public_str(),
                message,
            ));
        }
        let now = self.clock();
        self.set_status(&row.id, status, Event::Cancel)?;
        self.sql.exec(
            "UPDATE payment_requests SET canceled_at = ? WHERE id = ?",
            vec![now.into(), row.id.clone().into()],
        )?;
        self.event(&row.id, "payment_request.canceled", actor, json!({}), now)?;
        Ok((200, self.request_json(seller, Some(&row.id), true)?))
    }

    /// Pays a request at most once. Claims it (`processing`) and the idempotency key before
    /// the first `.await`, so concurrent pays and retries see the claim and are refused.
    async fn pay(
        &self,
        seller: &SellerRow,
        command: &Command,
    ) -> std::result::Result<Response, Fail> {
        let row = self.load_request(command.request_id.as_deref())?;
        let body = command.body.clone().unwrap_or(Value::Null);
        let now = self.clock();
        let mac = self
            .keys
            .body_mac(idempotency::canonical_json(&body).as_bytes());
        if let Some(idem) = &command.idempotency {
            if let Some(replay) = idempotency::lookup(&self.sql, idem, &mac, now)? {
                return Ok(replayed(replay));
            }
        }
        let pay = PayRequest::parse(&body, year_month(now))?;
        if row.collect_shipping != 0 && pay.shipping.is_none() {
            return Err(Fail::invalid(
                "parameter_missing",
                "This request needs a shipping address: `shipping`.",
            )
            .param("shipping"));
        }
        let status = self.recover_abandoned(&row, now)?;
        if status.apply(Event::BeginPay).is_err() {
            return Err(if status == Status::Processing {
                Fail::conflict(
                    "request_not_payable",
                    status.public_str(),
                    "A payment for this request is already in progress.",
                )
            } else {
                Fail::not_payable(status.as_str())
            });
        }
        self.check_attempts(&row)?;
        // Past its record budget a buyer's key is treated as absent: the pay still runs.
        let idem = match &command.idempotency {
            Some(idem) if idempotency::has_room(&self.sql, idem, now)? => Some(idem),
            _ => None,
        };

        // --- synchronous claim: no .await until the processor call ---
        self.in_flight.borrow_mut().insert(row.id.clone());
        let _release = InFlight(self.in_flight, row.id.clone());
        let processing = self.set_status(&row.id, status, Event::BeginPay)?;
        if let Some(idem) = idem {
            idempotency::begin(&self.sql, idem, &mac, now)?;
        }
        let seller_ref = SellerRef::from_id(&seller.id, &self.keys)
            .ok_or_else(|| Fail::internal("bad seller id"))?;
        let token = ObjectId::generate("tok_", seller_ref, &self.keys).id;
        let card = &pay.card;
        let fingerprint = self
            .keys
            .fingerprint(&seller.id, card.number.expose_digits());
        // --- end of claim ---

        let amount = row.amount();
        let outcome = if seller.livemode != 0 {
            Outcome::Declined(crate::processor::Decline::ProcessingError)
        } else {
            Sandbox {
                latency_ms: self.sandbox_latency_ms(),
            }
            .authorize(Authorization {
                card,
                amount,
                reference: &token,
            })
            .await
        };

        let now = self.clock();
        let (http, value) = match outcome {
            Outcome::Approved { processor_ref } => {
                // Only an approved card is kept (sealed): a declined attempt leaves nothing.
                self.vault_card(seller, &token, card, &fingerprint, now)?;
                let payment_id = ObjectId::generate("pay_", seller_ref, &self.keys).id;
                self.sql.exec(
                    "INSERT INTO payments (id, request_id, token, amount_minor, currency, receipt_email, processor_ref, paid_at, shipping) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    vec![
                        payment_id.clone().into(),
                        row.id.clone().into(),
                        token.clone().into(),
                        (amount.minor() as i64).into(),
                        amount.currency().code().into(),
                        pay.receipt_email.clone().into(),
                        processor_ref.into(),
                        now.into(),
                        pay.shipping.as_ref().map(|s| json!(s).to_string()).into(),
                    ],
                )?;
                self.set_status(&row.id, processing, Event::Approve)?;
                self.sql.exec(
                    "UPDATE payment_requests SET payment_id = ?, paid_at = ? WHERE id = ?",
                    vec![payment_id.clone().into(), now.into(), row.id.clone().into()],
                )?;
                self.add_timer(
                    &row.id,
                    crate::lifecycle::Timer::Unshipped,
                    now + crate::lifecycle::UNSHIPPED_CANCEL_AFTER,
                )?;
                self.attempt(&row.id, &token, &fingerprint, "approved", None, now)?;
                self.event(
                    &row.id,
                    "payment_request.paid",
                    "buyer",
                    json!({"payment_id": payment_id}),
                    now,
                )?;
                (
                    200,
                    serde_json::to_value(self.public(seller, Some(&row.id))?)
                        .unwrap_or(Value::Null),
                )
            }
            Outcome::Declined(decline) => {
                self.set_status(&row.id, processing, Event::CardDeclined)?;
                self.attempt(
                    &row.id,
                    &token,
                    &fingerprint,
                    "declined",
                    Some(decline.decline_code()),
                    now,
                )?;
                self.event(
                    &row.id,
                    "payment_request.payment_failed",
                    "buyer",
                    json!({"decline_code": decline.decline_code()}),
                    now,
                )?;
                let mut fail =
                    Fail::new(402, "card_error", decline.error_code(), decline.message());
                fail.error.param = decline.param().map(str::to_owned);
                fail.error.decline_code = Some(decline.decline_code().into());
                (
                    402,
                    serde_json::to_value(chatpay_core::api::ErrorBody { error: fail.error })
                        .unwrap_or(Value::Null),
                )
            }
        };
        if let Some(idem) = idem {
            idempotency::finish(&self.sql, idem, http, &value.to_string())?;
        }
        Ok(json(http, &value))
    }

    /// Seals an approved card in the vault under the current vault key.
    fn vault_card(
        &self,
        seller: &SellerRow,
        token: &str,
        card: &chatpay_core::api::CardInput,
        fingerprint: &str,
        now: i64,
    ) -> std::result::Result<(), Fail> {
        let plaintext = json!({
            "number": card.number.expose_digits(),
            "exp_month": card.expiry.month,
            "exp_year": card.expiry.year,
        })
        .to_string();
        let sealed = self.keys.seal(&seller.id, token, plaintext.as_bytes());
        self.sql.exec(
            "INSERT INTO vault (token, key_version, key_id, sealed, brand, last4, exp_month, exp_year, fingerprint, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                token.into(),
                VAULT_FORMAT.into(),
                self.keys.vault_key_id().into(),
                hex_encode(&sealed).into(),
                card.number.brand().as_str().into(),
                card.number.last4().into(),
                i64::from(card.expiry.month).into(),
                i64::from(card.expiry.year).into(),
                fingerprint.into(),
                now.into(),
            ],
        )?;
        Ok(())
    }

    /// Card testing stops here: after [`MAX_DECLINES`] declines, or declines of
    /// [`MAX_CARDS`] different cards, on one request, it takes no more attempts until the
    /// seller (or the request's agent) unlocks it.
    fn check_attempts(&self, row: &RequestRow) -> std::result::Result<(), Fail> {
        if !self.attempts(&row.id)?.locked() {
            return Ok(());
        }
        let mut fail = Fail::new(
            409,
            "card_error",
            "too_many_attempts",
            "This payment request cannot take more card attempts. Ask the seller for help.",
        );
        fail.error.status = Some(row.status().public_str().into());
        Err(fail)
    }

    /// The declines that count against a request (since its last unlock).
    fn attempts(&self, request_id: &str) -> Result<Attempts> {
        Ok(self
            .sql
            .exec(
                "SELECT COUNT(*) AS declines, COUNT(DISTINCT fingerprint) AS cards FROM payment_attempts WHERE request_id = ? AND outcome = 'declined' AND cleared = 0",
                vec![request_id.into()],
            )?
            .to_array::<Attempts>()?
            .into_iter()
            .next()
            .unwrap_or_default())
    }

    /// `POST /v1/payment_requests/{id}/unlock`: the request takes card attempts again.
    fn unlock(
        &self,
        seller: &SellerRow,
        id: Option<&str>,
        actor: &str,
    ) -> std::result::Result<(u16, Value), Fail> {
        let row = self.load_request(id)?;
        let now = self.clock();
        self.sql.exec(
            "UPDATE payment_attempts SET cleared = 1 WHERE request_id = ? AND cleared = 0",
            vec![row.id.clone().into()],
        )?;
        self.event(&row.id, "payment_request.unlocked", actor, json!({}), now)?;
        Ok((200, self.request_json(seller, Some(&row.id), false)?))
    }

    /// A `processing` request that no pay in this instance is working on was claimed by an
    /// instance that stopped mid-pay. The sandbox authorizes synchronously and records the
    /// payment in the same write block as `paid`, so no payment was made: release the claim.
    /// (A live processor would first look its attempt up by reference.)
    fn recover_abandoned(&self, row: &RequestRow, now: i64) -> std::result::Result<Status, Fail> {
        let status = row.status();
        if status != Status::Processing || self.in_flight.borrow().contains(&row.id) {
            return Ok(status);
        }
        let released = self.set_status(&row.id, status, Event::Release)?;
        self.event(
            &row.id,
            "payment_request.claim_released",
            "system",
            json!({}),
            now,
        )?;
        Ok(released)
    }

    /// Moves a request along core's transition table, guarded by the status it was read in.
    /// An illegal move is a 409 carrying the current status, and changes nothing.
    pub(crate) fn set_status(
        &self,
        id: &str,
        from: Status,
        event: Event,
    ) -> std::result::Result<Status, Fail> {
        let to = from.apply(event).map_err(|illegal| {
            Fail::conflict(
                "illegal_transition",
                from.public_str(),
                format!(
                    "A payment request that is {} cannot take {:?}.",
                    from.public_str(),
                    illegal.event
                ),
            )
        })?;
        self.sql.exec(
            "UPDATE payment_requests SET status = ? WHERE id = ? AND status = ?",
            vec![to.as_str().into(), id.into(), from.as_str().into()],
        )?;
        Ok(to)
    }

    fn attempt(
        &self,
        request_id: &str,
        token: &str,
        fingerprint: &str,
        outcome: &str,
        decline: Option<&str>,
        now: i64,
    ) -> Result<()> {
        self.sql.exec(
            "INSERT INTO payment_attempts (request_id, token, fingerprint, outcome, decline_code, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            vec![request_id.into(), token.into(), fingerprint.into(), outcome.into(), decline.into(), now.into()],
        )?;
        Ok(())
    }
}

/// Declined card attempts on one request since its last unlock.
#[derive(Deserialize, Default)]
struct Attempts {
    declines: i64,
    cards: i64,
}

impl Attempts {
    fn locked(&self) -> bool {
        self.declines >= MAX_DECLINES || self.cards >= MAX_CARDS
    }
}

/// Clears a request's in-flight mark when its pay ends, however it ends.
struct InFlight<'a>(&'a RefCell<HashSet<String>>, String);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.borrow_mut().remove(&self.1);
    }
}

fn replayed(replay: idempotency::Replay) -> Response {
    let mut response = crate::http::text_response(replay.http, replay.body, "application/json");
    let _ = response.headers_mut().set("idempotent-replayed", "true");
    response
}
