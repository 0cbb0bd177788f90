//! The seller ledger's SQLite schema, migrated by versioned code. Each migration runs once,
//! in order; `schema_version` records how far this object's database has come.

use crate::crypto::Keys;
use crate::http::Fail;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use worker::{SqlStorage, State};

/// One step of the schema's history: SQL statements, or code for what SQL cannot do.
enum Migration {
    Sql(&'static str),
    Code(fn(&SqlStorage, &Keys) -> Result<(), Fail>),
}

use Migration::{Code, Sql};

const MIGRATIONS: &[Migration] = &[
    // 1: sellers, keys, requests, payments, vault, idempotency, events.
    Sql("CREATE TABLE seller (
        id TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        country TEXT NOT NULL,
        default_currency TEXT NOT NULL,
        allowed_origins TEXT NOT NULL,
        livemode INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        init_mac TEXT NOT NULL
    );
    CREATE TABLE api_keys (
        key_hash TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
    );
    CREATE TABLE payment_requests (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        amount_minor INTEGER NOT NULL,
        currency TEXT NOT NULL,
        description TEXT NOT NULL,
        conversation_id TEXT,
        agent_id TEXT,
        created_at INTEGER NOT NULL,
        payment_id TEXT,
        canceled_at INTEGER
    );
    CREATE INDEX payment_requests_created ON payment_requests (created_at DESC, id DESC);
    CREATE TABLE vault (
        token TEXT PRIMARY KEY,
        key_version INTEGER NOT NULL,
        sealed TEXT NOT NULL,
        brand TEXT NOT NULL,
        last4 TEXT NOT NULL,
        exp_month INTEGER NOT NULL,
        exp_year INTEGER NOT NULL,
        fingerprint TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE payments (
        id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL UNIQUE REFERENCES payment_requests (id),
        token TEXT NOT NULL REFERENCES vault (token),
        amount_minor INTEGER NOT NULL,
        currency TEXT NOT NULL,
        receipt_email TEXT,
        processor_ref TEXT NOT NULL,
        paid_at INTEGER NOT NULL
    );
    CREATE TABLE payment_attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        request_id TEXT NOT NULL,
        token TEXT NOT NULL,
        outcome TEXT NOT NULL,
        decline_code TEXT,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE idempotency (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        body_mac TEXT NOT NULL,
        http_status INTEGER NOT NULL,
        response TEXT,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (scope, key)
    );
    CREATE INDEX idempotency_created ON idempotency (created_at);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        request_id TEXT NOT NULL,
        type TEXT NOT NULL,
        actor TEXT NOT NULL,
        data TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX events_request ON events (request_id, id);"),
    // 2: the order lifecycle: expiry, shipping, refunds, payouts, claims, timers, test clock.
    Sql("ALTER TABLE payment_requests ADD COLUMN expires_at INTEGER;
    ALTER TABLE payment_requests ADD COLUMN declined_at INTEGER;
    ALTER TABLE payment_requests ADD COLUMN paid_at INTEGER;
    ALTER TABLE payment_requests ADD COLUMN collect_shipping INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE payment_requests ADD COLUMN fulfillment_status TEXT NOT NULL DEFAULT 'unfulfilled';
    ALTER TABLE payment_requests ADD COLUMN carrier TEXT;
    ALTER TABLE payment_requests ADD COLUMN tracking_number TEXT;
    ALTER TABLE payment_requests ADD COLUMN shipped_at INTEGER;
    ALTER TABLE payment_requests ADD COLUMN delivered_at INTEGER;
    ALTER TABLE payment_requests ADD COLUMN refunded_minor INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE payment_requests ADD COLUMN payout_status TEXT;
    ALTER TABLE payment_requests ADD COLUMN payout_due_at INTEGER;
    ALTER TABLE payment_requests ADD COLUMN paid_out_at INTEGER;
    ALTER TABLE payment_requests ADD COLUMN payout_amount_minor INTEGER;
    UPDATE payment_requests SET paid_at = (SELECT p.paid_at FROM payments p WHERE p.request_id = payment_requests.id);
    UPDATE payment_requests SET expires_at = created_at + 604800;
    CREATE INDEX payment_requests_paid ON payment_requests (paid_at);
    CREATE INDEX payment_requests_conversation ON payment_requests (conversation_id, created_at);
    ALTER TABLE payments ADD COLUMN shipping TEXT;
    CREATE TABLE refunds (
        id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL REFERENCES payment_requests (id),
        amount_minor INTEGER NOT NULL,
        currency TEXT NOT NULL,
        reason TEXT NOT NULL,
        actor TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        after_payout INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX refunds_request ON refunds (request_id, created_at);
    CREATE INDEX refunds_created ON refunds (created_at);
    CREATE TABLE claims (
        id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL UNIQUE REFERENCES payment_requests (id),
        reason TEXT NOT NULL,
        description TEXT,
        status TEXT NOT NULL,
        opened_at INTEGER NOT NULL,
        response TEXT,
        responded_at INTEGER,
        resolved_at INTEGER,
        outcome TEXT
    );
    CREATE TABLE timers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        request_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        due_at INTEGER NOT NULL,
        done INTEGER NOT NULL DEFAULT 0,
        UNIQUE (request_id, kind)
    );
    CREATE INDEX timers_due ON timers (done, due_at);
    INSERT INTO timers (request_id, kind, due_at) SELECT id, 'expire', expires_at FROM payment_requests WHERE status = 'requested';
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)"),
    // 3: sellers and agents (issue 3, sections 1 and 5): the business profile and payout
    // account, per-currency limits, agents, and key ids for restricted and rolled keys.
    // Only new tables and added columns, so it runs after any other migration.
    Sql("CREATE TABLE seller_profile (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        business_type TEXT,
        merchant_category TEXT,
        bank_account_id TEXT
    );
    CREATE TABLE bank_accounts (
        id TEXT PRIMARY KEY,
        key_version INTEGER NOT NULL,
        sealed TEXT NOT NULL,
        type TEXT NOT NULL,
        country TEXT NOT NULL,
        last4 TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE seller_limits (
        currency TEXT PRIMARY KEY,
        max_per_request_minor INTEGER,
        max_rolling_168h_minor INTEGER
    );
    CREATE TABLE agents (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    ALTER TABLE api_keys ADD COLUMN id TEXT;
    ALTER TABLE api_keys ADD COLUMN agent_id TEXT;
    ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
    CREATE INDEX api_keys_id ON api_keys (id);"),
    // 4: issue 6 (the review's fixes). Idempotency records name their credential, so a
    // client secret's records can be counted; restricted keys get a scope (null = own);
    // card attempts keep the card's fingerprint and whether an unlock cleared them; vault
    // entries name the key that sealed them (null = sealed before key ids: the key of the
    // day, found by trying). Declined attempts no longer keep a sealed card: drop those.
    Sql("ALTER TABLE idempotency ADD COLUMN credential TEXT;
    CREATE INDEX idempotency_credential ON idempotency (credential, created_at);
    ALTER TABLE api_keys ADD COLUMN scope TEXT;
    ALTER TABLE payment_attempts ADD COLUMN fingerprint TEXT;
    ALTER TABLE payment_attempts ADD COLUMN cleared INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX payment_attempts_request ON payment_attempts (request_id, cleared);
    ALTER TABLE vault ADD COLUMN key_id TEXT;
    ALTER TABLE bank_accounts ADD COLUMN key_id TEXT;
    UPDATE payment_attempts SET fingerprint = (SELECT v.fingerprint FROM vault v WHERE v.token = payment_attempts.token);
    DELETE FROM vault WHERE token NOT IN (SELECT token FROM payments)"),
    // 5: card numbers typed into free text before masking existed, and idempotency keys
    // stored as typed (see `redact`).
    Code(super::redact::run),
    // 6: issue 8. A payment is by card, PayPal or a wallet: only a card has a vault token,
    // so `payments` is rebuilt with `token` nullable and the method's fields. Each pay
    // attempt is an order at the processor (`processor_orders`), persisted between the
    // calls so a crash can be reconciled; the sandbox keeps its simulated orders; PayPal
    // webhooks are applied once (`processor_events`); live sellers name their PayPal
    // merchant; a wallet token is used once.
    Sql("CREATE TABLE payments_v6 (
        id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL UNIQUE REFERENCES payment_requests (id),
        token TEXT REFERENCES vault (token),
        amount_minor INTEGER NOT NULL,
        currency TEXT NOT NULL,
        receipt_email TEXT,
        processor_ref TEXT NOT NULL,
        paid_at INTEGER NOT NULL,
        shipping TEXT,
        method TEXT NOT NULL DEFAULT 'card',
        order_ref TEXT,
        payer_email_masked TEXT,
        payer_id TEXT,
        wallet TEXT
    );
    INSERT INTO payments_v6 (id, request_id, token, amount_minor, currency, receipt_email, processor_ref, paid_at, shipping)
        SELECT id, request_id, token, amount_minor, currency, receipt_email, processor_ref, paid_at, shipping FROM payments;
    DROP TABLE payments;
    ALTER TABLE payments_v6 RENAME TO payments;
    CREATE TABLE processor_orders (
        attempt_id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL,
        method TEXT NOT NULL,
        order_ref TEXT,
        stage TEXT NOT NULL,
        capture_ref TEXT,
        action_url TEXT,
        token TEXT,
        fingerprint TEXT,
        wallet TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX processor_orders_request ON processor_orders (request_id, created_at);
    CREATE INDEX processor_orders_ref ON processor_orders (order_ref);
    CREATE TABLE sandbox_orders (
        order_ref TEXT PRIMARY KEY,
        request_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        state TEXT NOT NULL,
        decline_code TEXT,
        liability TEXT,
        capture_ref TEXT,
        shipping INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE processor_events (
        id TEXT PRIMARY KEY,
        event_type TEXT NOT NULL,
        request_id TEXT,
        received_at INTEGER NOT NULL
    );
    CREATE TABLE wallet_tokens (
        nonce TEXT PRIMARY KEY,
        request_id TEXT NOT NULL,
        used_at INTEGER NOT NULL
    );
    ALTER TABLE seller ADD COLUMN paypal_merchant_id TEXT;
    ALTER TABLE refunds ADD COLUMN status TEXT NOT NULL DEFAULT 'succeeded';
    ALTER TABLE refunds ADD COLUMN processor_ref TEXT;
    ALTER TABLE payment_requests ADD COLUMN payout_failure TEXT;
    CREATE TABLE processor_calls (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        request_id TEXT NOT NULL,
        amount_minor INTEGER,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        first_at INTEGER NOT NULL,
        next_at INTEGER NOT NULL,
        processor_ref TEXT,
        last_error TEXT
    );
    CREATE INDEX processor_calls_due ON processor_calls (status, next_at)"),
    // 7: issue 9. Live-feed tickets, single use, kept as hashes until spent or expired.
    Sql("CREATE TABLE live_tickets (
        ticket_hash TEXT PRIMARY KEY,
        key_hash TEXT NOT NULL,
        conversation_id TEXT,
        request_id TEXT,
        expires_at INTEGER NOT NULL
    )"),
    // 8: issue 9. Webhook endpoints: each secret sealed like a vault entry (the previous one,
    // during a roll, under its own AAD); the delivery queue, one row per event and endpoint,
    // due in real time; and every attempt made, the newest 1,000 per endpoint kept.
    Sql("CREATE TABLE webhook_endpoints (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        description TEXT,
        status TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        sealed TEXT NOT NULL,
        key_id TEXT,
        previous_sealed TEXT,
        previous_key_id TEXT,
        previous_until INTEGER
    );
    CREATE TABLE webhook_queue (
        endpoint_id TEXT NOT NULL,
        event_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at INTEGER NOT NULL,
        PRIMARY KEY (endpoint_id, event_id)
    );
    CREATE INDEX webhook_queue_due ON webhook_queue (status, next_at);
    CREATE TABLE webhook_attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        endpoint_id TEXT NOT NULL,
        event_id INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        status_code INTEGER,
        error TEXT,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id)"),
    // 9: issue 9, agent capture. How the request is captured; while collected, the vault
    // token of its sealed card and the end of the agent's reveal window; and the card's
    // brand, last 4, expiry and fingerprint (never the number), kept for the payment's view
    // once the vault entry is deleted. The CVC has no column: it lives in memory only.
    Sql("ALTER TABLE payment_requests ADD COLUMN capture TEXT NOT NULL DEFAULT 'processor';
    ALTER TABLE payment_requests ADD COLUMN capture_token TEXT;
    ALTER TABLE payment_requests ADD COLUMN captured_card TEXT;
    ALTER TABLE payment_requests ADD COLUMN reveal_until INTEGER"),
];

#[derive(serde::Deserialize)]
struct Version {
    version: i64,
}

/// Brings this object's database up to the newest schema, in one storage transaction
/// (`transactionSync`): a migration that fails partway leaves the database as it was, and
/// no other event sees it half-migrated. A code migration ends its transaction: what it
/// leaves for a later one (migration 5's zero fill) must commit before the next migration
/// reuses freed pages. Answers whether the schema is now the newest.
pub fn migrate_atomically(state: &State, sql: &SqlStorage, keys: &Keys) -> Result<bool, Fail> {
    let (sql, keys) = (sql.clone(), keys.clone());
    let done = Rc::new(std::cell::Cell::new(false));
    let kept = done.clone();
    atomically(state, move || {
        kept.set(migrate(&sql, &keys)?);
        Ok(())
    })?;
    Ok(done.get())
}

/// Runs `work` in one storage transaction (`transactionSync`): all of its writes commit, or
/// none (an error rolls them back).
pub fn atomically<F>(state: &State, work: F) -> Result<(), Fail>
where
    F: FnOnce() -> Result<(), Fail> + 'static,
{
    let storage: JsValue = state
        .as_raw()
        .storage()
        .map_err(|_| Fail::internal("no storage"))?
        .into();
    let transaction: js_sys::Function = js_sys::Reflect::get(&storage, &"transactionSync".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| Fail::internal("storage.transactionSync is missing"))?;
    let failure: Rc<RefCell<Option<Fail>>> = Rc::new(RefCell::new(None));
    let kept = failure.clone();
    let run = Closure::once(move || -> Result<(), JsValue> {
        work().map_err(|fail| {
            let detail = JsValue::from_str(&fail.error.message);
            *kept.borrow_mut() = Some(fail);
            // Throwing rolls the transaction back.
            detail
        })
    });
    let outcome = transaction.call1(&storage, run.as_ref());
    if let Some(fail) = failure.borrow_mut().take() {
        return Err(fail);
    }
    outcome.map(drop).map_err(|e| {
        worker::console_error!("storage transaction failed: {e:?}");
        Fail::internal("An internal error occurred.")
    })
}

fn migrate(sql: &SqlStorage, keys: &Keys) -> Result<bool, Fail> {
    sql.exec(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
        None,
    )?;
    let current = sql
        .exec("SELECT version FROM schema_version", None)?
        .to_array::<Version>()?
        .first()
        .map_or(0, |v| v.version);
    for (i, migration) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        match migration {
            Sql(statements) => {
                for statement in statements
                    .split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                {
                    sql.exec(statement, None)?;
                }
            }
            Code(step) => step(sql, keys)?,
        }
        let version = i as i64 + 1;
        sql.exec("DELETE FROM schema_version", None)?;
        sql.exec(
            "INSERT INTO schema_version (version) VALUES (?)",
            vec![version.into()],
        )?;
        if matches!(migration, Code(_)) && version < MIGRATIONS.len() as i64 {
            return Ok(false);
        }
    }
    Ok(true)
}
