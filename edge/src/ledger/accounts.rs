//! The seller's own account inside its ledger: business profile and payout bank account,
//! per-currency limits, agents, and API keys (restricted keys, revocation, rolling).
//!
//! Like the rest of the ledger, each operation's writes run with no `.await` between them.
//! The bank account number is sealed in the vault (AES-256-GCM, AAD = seller id + `ba_` id);
//! only its kind, country and last 4 characters are stored beside it or ever returned. The
//! current time comes in from the ledger's one clock, so a test clock moves limits and key
//! expiry too.

use crate::crypto::{random_bytes, Keys, VAULT_FORMAT};
use crate::encoding::base32;
use crate::encoding::hex_encode;
use crate::http::Fail;
use crate::ids::{KeyKind, ObjectId, SecretKey, SellerRef};
use crate::permissions::{denied, Principal, Role};
use chatpay_core::accounts::{
    CurrencyLimits, KeyScope, NewAgent, NewApiKey, Page, RollKey, SellerProfile, SellerUpdate,
};
use chatpay_core::api::NewPaymentRequest;
use chatpay_core::bank::BankAccount;
use chatpay_core::time::rfc3339;
use chatpay_core::{Amount, AmountLimits, Currency};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use worker::{Result, SqlStorage};

/// The rolling window of `max_rolling_168h`.
pub const ROLLING_WINDOW_SECONDS: i64 = 168 * 3600;

/// Statuses that no longer hold a place under the rolling limit.
const RELEASED_STATUSES: &str = "('canceled','declined','expired')";

pub struct Accounts<'a> {
    sql: &'a SqlStorage,
    keys: &'a Keys,
    seller_id: &'a str,
    livemode: bool,
    now: i64,
}

#[derive(Deserialize)]
struct KeyRow {
    kind: String,
    agent_id: Option<String>,
    scope: Option<String>,
    newest: i64,
}

#[derive(Deserialize)]
struct KeySummary {
    id: String,
    kind: String,
    agent_id: Option<String>,
    scope: Option<String>,
    created_at: i64,
    revoked_at: Option<i64>,
}

#[derive(Deserialize)]
struct KeyId {
    id: String,
}

#[derive(Deserialize)]
struct ProfileRow {
    business_type: Option<String>,
    merchant_category: Option<String>,
    bank_account_id: Option<String>,
}

#[derive(Deserialize)]
struct BankRow {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    country: String,
    last4: String,
}

#[derive(Deserialize)]
struct LimitRow {
    currency: String,
    max_per_request_minor: Option<i64>,
    max_rolling_168h_minor: Option<i64>,
}

#[derive(Deserialize)]
struct AgentRow {
    id: String,
    name: String,
    created_at: i64,
}

#[derive(Deserialize)]
struct Total {
    total: Option<i64>,
}

#[derive(Deserialize)]
struct Hash {
    key_hash: String,
}

/// A request created with a restricted key belongs to that key's agent: the body gets the
/// agent's id, and naming another agent is refused.
pub fn bind_agent(
    principal: Option<&Principal>,
    body: Option<Value>,
) -> std::result::Result<Option<Value>, Fail> {
    let Some(Principal {
        role: Role::Agent { agent_id, .. },
        ..
    }) = principal
    else {
        return Ok(body);
    };
    let Some(mut body) = body else {
        return Ok(None);
    };
    if let Some(map) = body.as_object_mut() {
        match map.get("agent_id") {
            None | Some(Value::Null) => {
                map.insert("agent_id".into(), Value::String(agent_id.clone()));
            }
            Some(Value::String(named)) if named == agent_id => {}
            Some(_) => {
                return Err(denied(
                    "A restricted key creates requests for its own agent only: leave `agent_id` out or name the key's agent.",
                )
                .param("agent_id"))
            }
        }
    }
    Ok(Some(body))
}

/// Whose live key has this hash at `now`: revoked keys and rolled secrets past their
/// overlap are nobody's. A secret is its key's newest when no later secret was issued for
/// the same key id (by a roll or a reset); a key from before key ids has only one.
pub fn principal(sql: &SqlStorage, hash: &str, now: i64) -> Result<Option<Principal>> {
    let row = sql
        .exec(
            "SELECT kind, agent_id, scope,
                    (id IS NULL OR rowid = (SELECT MAX(k.rowid) FROM api_keys k WHERE k.id = api_keys.id)) AS newest
             FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
            vec![hash.into(), now.into()],
        )?
        .to_array::<KeyRow>()?
        .into_iter()
        .next();
    Ok(row.and_then(|r| {
        let role = match (r.kind.as_str(), r.agent_id) {
            ("secret", _) => Role::Seller,
            ("restricted", Some(agent_id)) => Role::Agent {
                agent_id,
                all: r.scope.as_deref() == Some(KeyScope::All.as_str()),
            },
            _ => return None,
        };
        Some(Principal {
            role,
            newest: r.newest != 0,
        })
    }))
}

impl<'a> Accounts<'a> {
    pub fn new(
        sql: &'a SqlStorage,
        keys: &'a Keys,
        seller_id: &'a str,
        livemode: bool,
        now: i64,
    ) -> Accounts<'a> {
        Accounts {
            sql,
            keys,
            seller_id,
            livemode,
            now,
        }
    }

    fn seller_ref(&self) -> std::result::Result<SellerRef, Fail> {
        SellerRef::from_id(self.seller_id, self.keys).ok_or_else(|| Fail::internal("bad seller id"))
    }

    // --- the seller's profile ---

    /// Writes the profile fields given (at creation or by PATCH); absent ones stay.
    pub fn save_profile(&self, profile: &SellerProfile) -> std::result::Result<(), Fail> {
        self.sql.exec(
            "INSERT OR IGNORE INTO seller_profile (singleton) VALUES (1)",
            None,
        )?;
        if let Some(t) = profile.business_type {
            self.sql.exec(
                "UPDATE seller_profile SET business_type = ?",
                vec![t.as_str().into()],
            )?;
        }
        if let Some(m) = &profile.merchant_category {
            self.sql.exec(
                "UPDATE seller_profile SET merchant_category = ?",
                vec![m.as_str().into()],
            )?;
        }
        if let Some(account) = &profile.payout_bank_account {
            let id = self.seal_bank_account(account)?;
            self.sql.exec(
                "UPDATE seller_profile SET bank_account_id = ?",
                vec![id.into()],
            )?;
        }
        Ok(())
    }

    fn seal_bank_account(&self, account: &BankAccount) -> std::result::Result<String, Fail> {
        let id = ObjectId::generate("ba_", self.seller_ref()?, self.keys).id;
        let sealed = self.keys.seal(
            self.seller_id,
            &id,
            account.vault_plaintext().expose().as_bytes(),
        );
        self.sql.exec(
            "INSERT INTO bank_accounts (id, key_version, key_id, sealed, type, country, last4, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                id.clone().into(),
                VAULT_FORMAT.into(),
                self.keys.vault_key_id().into(),
                hex_encode(&sealed).into(),
                account.kind().into(),
                account.country().into(),
                account.last4().into(),
                self.now.into(),
            ],
        )?;
        Ok(id)
    }

    /// `PATCH /v1/seller`: parsed whole before the first write, so a bad field changes nothing.
    pub fn update_seller(
        &self,
        body: &Value,
        platform: &AmountLimits,
    ) -> std::result::Result<(), Fail> {
        let update = SellerUpdate::parse(body, platform)?;
        if let Some(name) = &update.display_name {
            self.sql.exec(
                "UPDATE seller SET display_name = ?",
                vec![name.clone().into()],
            )?;
        }
        if let Some(origins) = &update.allowed_origins {
            let text = serde_json::to_string(origins).unwrap_or_else(|_| "[]".into());
            self.sql
                .exec("UPDATE seller SET allowed_origins = ?", vec![text.into()])?;
        }
        self.save_profile(&update.profile)?;
        for (currency, limits) in update.limits.iter().flatten() {
            match limits {
                None => {
                    self.sql.exec(
                        "DELETE FROM seller_limits WHERE currency = ?",
                        vec![currency.code().into()],
                    )?;
                }
                Some(l) => {
                    let minor = |a: Option<Amount>| a.map(|a| a.minor() as i64);
                    self.sql.exec(
                        "INSERT OR REPLACE INTO seller_limits (currency, max_per_request_minor, max_rolling_168h_minor) VALUES (?, ?, ?)",
                        vec![
                            currency.code().into(),
                            minor(l.max_per_request).into(),
                            minor(l.max_rolling_168h).into(),
                        ],
                    )?;
                }
            }
        }
        Ok(())
    }

    /// The seller object (`base`, from the ledger) with the profile, payout account and limits.
    pub fn seller_json(&self, mut base: Value) -> std::result::Result<Value, Fail> {
        let profile = self
            .sql
            .exec(
                "SELECT business_type, merchant_category, bank_account_id FROM seller_profile",
                None,
            )?
            .to_array::<ProfileRow>()?
            .into_iter()
            .next();
        let (business_type, merchant_category, bank_id) = match profile {
            Some(p) => (p.business_type, p.merchant_category, p.bank_account_id),
            None => (None, None, None),
        };
        let bank = match bank_id {
            None => Value::Null,
            Some(id) => self
                .sql
                .exec(
                    "SELECT id, type, country, last4 FROM bank_accounts WHERE id = ?",
                    vec![id.into()],
                )?
                .to_array::<BankRow>()?
                .into_iter()
                .next()
                .map_or(Value::Null, |b| {
                    json!({"id": b.id, "object": "bank_account", "type": b.kind,
                           "country": b.country, "last4": b.last4})
                }),
        };
        let mut limits = Map::new();
        for (currency, l) in self.all_limits()? {
            let text = |a: Option<Amount>| a.map(Amount::to_decimal_string);
            limits.insert(
                currency.code().into(),
                json!({"max_per_request": text(l.max_per_request),
                       "max_rolling_168h": text(l.max_rolling_168h)}),
            );
        }
        if let Some(object) = base.as_object_mut() {
            object.insert("business_type".into(), business_type.into());
            object.insert("merchant_category".into(), merchant_category.into());
            object.insert("payout_bank_account".into(), bank);
            object.insert("limits".into(), Value::Object(limits));
        }
        Ok(base)
    }

    // --- limits ---

    fn all_limits(&self) -> Result<Vec<(Currency, CurrencyLimits)>> {
        Ok(self
            .sql
            .exec(
                "SELECT currency, max_per_request_minor, max_rolling_168h_minor FROM seller_limits ORDER BY currency",
                None,
            )?
            .to_array::<LimitRow>()?
            .into_iter()
            .filter_map(|r| {
                let currency = Currency::parse_stored(&r.currency)?;
                let amount = |m: Option<i64>| m.map(|m| Amount::from_minor(m as u64, currency));
                Some((
                    currency,
                    CurrencyLimits {
                        max_per_request: amount(r.max_per_request_minor),
                        max_rolling_168h: amount(r.max_rolling_168h_minor),
                    },
                ))
            })
            .collect())
    }

    /// The sum, in minor units, of this currency's requests created in the last 168 hours
    /// that still hold their place (not canceled, declined or expired).
    fn rolling_total(&self, currency: Currency) -> Result<u64> {
        let total = self
            .sql
            .exec(
                &format!(
                    "SELECT SUM(amount_minor) AS total FROM payment_requests WHERE currency = ? AND created_at > ? AND status NOT IN {RELEASED_STATUSES}"
                ),
                vec![
                    currency.code().into(),
                    (self.now - ROLLING_WINDOW_SECONDS).into(),
                ],
            )?
            .to_array::<Total>()?
            .into_iter()
            .next()
            .and_then(|t| t.total)
            .unwrap_or(0);
        Ok(total.max(0) as u64)
    }

    /// Refuses a new request past the seller's per-request or rolling limit. A body that does
    /// not parse passes here: the request's own parse reports it.
    pub fn check_limits(
        &self,
        body: &Value,
        platform: &AmountLimits,
    ) -> std::result::Result<(), Fail> {
        let Ok(new) = NewPaymentRequest::parse(body, platform) else {
            return Ok(());
        };
        let currency = new.amount.currency();
        let Some((_, limits)) = self.all_limits()?.into_iter().find(|(c, _)| *c == currency) else {
            return Ok(());
        };
        let exceeded = |message: String| {
            Fail::new(422, "invalid_request_error", "limit_exceeded", message).param("amount")
        };
        if let Some(max) = limits.max_per_request {
            if new.amount.minor() > max.minor() {
                return Err(exceeded(format!(
                    "The amount is over this seller's limit of {} {} per request.",
                    max.to_decimal_string(),
                    currency.code()
                )));
            }
        }
        if let Some(max) = limits.max_rolling_168h {
            let used = self.rolling_total(currency)?;
            if used + new.amount.minor() > max.minor() {
                let left = Amount::from_minor(max.minor().saturating_sub(used), currency);
                return Err(exceeded(format!(
                    "The amount is over this seller's limit of {} {} in any 168 hours; {} {} is left in the current window.",
                    max.to_decimal_string(),
                    currency.code(),
                    left.to_decimal_string(),
                    currency.code()
                )));
            }
        }
        Ok(())
    }

    // --- agents ---

    fn agent_json(&self, a: &AgentRow) -> Value {
        json!({"id": a.id, "object": "agent", "name": a.name,
               "created_at": rfc3339(a.created_at), "livemode": self.livemode})
    }

    fn agent_exists(&self, id: &str) -> Result<bool> {
        Ok(!self
            .sql
            .exec(
                "SELECT id, name, created_at FROM agents WHERE id = ?",
                vec![id.into()],
            )?
            .to_array::<AgentRow>()?
            .is_empty())
    }

    pub fn create_agent(&self, body: &Value) -> std::result::Result<(u16, Value), Fail> {
        let new = NewAgent::parse(body)?;
        let id = match new.id {
            Some(id) => id,
            None => {
                let mut b = [0u8; 10];
                random_bytes(&mut b);
                format!("agt_{}", base32(&b))
            }
        };
        if self.agent_exists(&id)? {
            let mut f = Fail::new(
                409,
                "invalid_request_error",
                "resource_already_exists",
                "An agent with this id already exists.",
            );
            f.error.param = Some("id".into());
            return Err(f);
        }
        self.sql.exec(
            "INSERT INTO agents (id, name, created_at) VALUES (?, ?, ?)",
            vec![id.clone().into(), new.name.clone().into(), self.now.into()],
        )?;
        let row = AgentRow {
            id,
            name: new.name,
            created_at: self.now,
        };
        Ok((201, self.agent_json(&row)))
    }

    /// Agents in id order, a page at a time.
    pub fn list_agents(&self, page: &Page) -> std::result::Result<Value, Fail> {
        let after = page.starting_after.clone().unwrap_or_default();
        let mut rows = self
            .sql
            .exec(
                "SELECT id, name, created_at FROM agents WHERE id > ? ORDER BY id LIMIT ?",
                vec![after.into(), (page.limit as i64 + 1).into()],
            )?
            .to_array::<AgentRow>()?;
        let has_more = rows.len() > page.limit;
        rows.truncate(page.limit);
        let data: Vec<Value> = rows.iter().map(|a| self.agent_json(a)).collect();
        Ok(json!({"object": "list", "data": data, "has_more": has_more}))
    }

    // --- keys ---

    /// Keys made before key ids existed (a seller's first secret key) get one now.
    fn ensure_key_ids(&self) -> std::result::Result<(), Fail> {
        let unnamed = self
            .sql
            .exec("SELECT key_hash FROM api_keys WHERE id IS NULL", None)?
            .to_array::<Hash>()?;
        for row in unnamed {
            let id = ObjectId::generate("key_", self.seller_ref()?, self.keys).id;
            self.sql.exec(
                "UPDATE api_keys SET id = ? WHERE key_hash = ?",
                vec![id.into(), row.key_hash.into()],
            )?;
        }
        Ok(())
    }

    /// One summary per key id: the seller's secret key first, then by creation.
    fn key_summaries(&self, id: Option<&str>) -> Result<Vec<KeySummary>> {
        let (filter, args) = match id {
            Some(id) => ("WHERE id = ?", vec![id.into()]),
            None => ("WHERE id IS NOT NULL", vec![]),
        };
        self.sql
            .exec(
                &format!(
                    "SELECT id, MIN(kind) AS kind, MIN(agent_id) AS agent_id, MIN(scope) AS scope, MIN(created_at) AS created_at,
                            CASE WHEN SUM(revoked_at IS NULL) > 0 THEN NULL ELSE MAX(revoked_at) END AS revoked_at
                     FROM api_keys {filter} GROUP BY id ORDER BY MIN(kind) <> 'secret', MIN(created_at), id"
                ),
                args,
            )?
            .to_array::<KeySummary>()
    }

    fn key(&self, id: Option<&str>) -> std::result::Result<KeySummary, Fail> {
        let id = id.ok_or_else(|| Fail::missing("API key"))?;
        self.ensure_key_ids()?;
        self.key_summaries(Some(id))?
            .into_iter()
            .next()
            .ok_or_else(|| Fail::missing("API key"))
    }

    fn key_json(&self, k: &KeySummary) -> Value {
        // The seller's secret key reaches everything; a restricted key from before scopes
        // reaches its own agent's requests.
        let scope = match (k.kind.as_str(), k.scope.as_deref()) {
            ("secret", _) => KeyScope::All.as_str(),
            (_, Some(s)) => s,
            (_, None) => KeyScope::Own.as_str(),
        };
        json!({
            "id": k.id,
            "object": "api_key",
            "kind": k.kind,
            "agent_id": k.agent_id,
            "scope": scope,
            "created_at": rfc3339(k.created_at),
            "revoked_at": k.revoked_at.map(rfc3339),
            "livemode": self.livemode,
        })
    }

    fn insert_secret(
        &self,
        id: &str,
        kind: KeyKind,
        agent_id: Option<&str>,
        scope: Option<&str>,
    ) -> std::result::Result<String, Fail> {
        let secret = SecretKey::generate_kind(kind, self.seller_ref()?, self.keys);
        self.sql.exec(
            "INSERT INTO api_keys (key_hash, kind, created_at, id, agent_id, scope) VALUES (?, ?, ?, ?, ?, ?)",
            vec![
                crate::crypto::key_hash(&secret).into(),
                kind.as_str().into(),
                self.now.into(),
                id.into(),
                agent_id.into(),
                scope.into(),
            ],
        )?;
        Ok(secret)
    }

    /// `POST /v1/keys`: a restricted key for a registered agent. The secret is in this answer
    /// only; the ledger keeps its hash.
    pub fn create_key(&self, body: Option<&Value>) -> std::result::Result<Value, Fail> {
        let new = NewApiKey::parse(body.unwrap_or(&Value::Null))?;
        if !self.agent_exists(&new.agent_id)? {
            return Err(Fail::invalid(
                "resource_missing",
                "No such agent: register it first with POST /v1/agents.",
            )
            .param("agent_id"));
        }
        let id = ObjectId::generate("key_", self.seller_ref()?, self.keys).id;
        let secret = self.insert_secret(
            &id,
            KeyKind::Restricted,
            Some(&new.agent_id),
            Some(new.scope.as_str()),
        )?;
        let mut object = self.key_json(&self.key(Some(&id))?);
        object["secret_key"] = Value::String(secret);
        Ok(object)
    }

    pub fn list_keys(&self) -> std::result::Result<Value, Fail> {
        self.ensure_key_ids()?;
        let data: Vec<Value> = self
            .key_summaries(None)?
            .iter()
            .map(|k| self.key_json(k))
            .collect();
        Ok(json!({"object": "list", "data": data, "has_more": false}))
    }

    /// `DELETE /v1/keys/{id}`: every secret of the key stops working at once. Revoking an
    /// already revoked key answers the same. The seller's secret key is rolled, not revoked,
    /// so a seller cannot lock itself out.
    pub fn revoke_key(&self, id: Option<&str>) -> std::result::Result<Value, Fail> {
        let key = self.key(id)?;
        if key.kind == KeyKind::Secret.as_str() {
            return Err(Fail::new(
                409,
                "invalid_request_error",
                "key_not_revocable",
                "The seller's secret key cannot be revoked; roll it instead.",
            ));
        }
        self.sql.exec(
            "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            vec![self.now.into(), key.id.clone().into()],
        )?;
        Ok(self.key_json(&self.key(Some(&key.id))?))
    }

    /// `POST /v1/sellers/{id}/reset_keys`: every secret of every key is revoked, and the
    /// seller's secret key (same `key_` id) gets one new secret, returned here only.
    pub fn reset_keys(&self) -> std::result::Result<String, Fail> {
        self.ensure_key_ids()?;
        let id = self
            .sql
            .exec(
                "SELECT id FROM api_keys WHERE kind = 'secret' ORDER BY rowid LIMIT 1",
                None,
            )?
            .to_array::<KeyId>()?
            .into_iter()
            .next()
            .map(|k| k.id)
            .ok_or_else(|| Fail::internal("the seller has no secret key"))?;
        self.sql.exec(
            "UPDATE api_keys SET revoked_at = ? WHERE revoked_at IS NULL",
            vec![self.now.into()],
        )?;
        self.insert_secret(&id, KeyKind::Secret, None, None)
    }

    /// `POST /v1/keys/{id}/roll`: a new secret for the same key id. Every older secret of the
    /// key works until `overlap_hours` from now (or its own earlier end), then answers 401.
    pub fn roll_key(
        &self,
        id: Option<&str>,
        body: Option<&Value>,
    ) -> std::result::Result<Value, Fail> {
        let roll = RollKey::parse(body)?;
        let key = self.key(id)?;
        if key.revoked_at.is_some() {
            return Err(Fail::new(
                409,
                "invalid_request_error",
                "key_revoked",
                "This key is revoked and cannot be rolled.",
            ));
        }
        let kind = if key.kind == KeyKind::Secret.as_str() {
            KeyKind::Secret
        } else {
            KeyKind::Restricted
        };
        let until = self.now + roll.overlap_hours * 3600;
        self.sql.exec(
            "UPDATE api_keys SET expires_at = MIN(COALESCE(expires_at, ?), ?) WHERE id = ? AND revoked_at IS NULL",
            vec![until.into(), until.into(), key.id.clone().into()],
        )?;
        let secret =
            self.insert_secret(&key.id, kind, key.agent_id.as_deref(), key.scope.as_deref())?;
        let mut object = self.key_json(&key);
        object["secret_key"] = Value::String(secret);
        object["previous_secret_expires_at"] = Value::String(rfc3339(until));
        Ok(object)
    }
}
