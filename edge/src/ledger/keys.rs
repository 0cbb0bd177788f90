//! The seller's API keys: secret and restricted keys, whose key a call carries, revocation,
//! rolling (an overlap for the old secret) and the platform's reset.

use super::accounts::Accounts;
use crate::http::value;
use crate::http::Fail;
use crate::ids::{KeyKind, ObjectId, SecretKey};
use crate::permissions::{denied, Principal, Role};
use chatpay_core::accounts::{KeyScope, NewApiKey, RollKey};
use chatpay_core::api::views;
use chatpay_core::api::Wire;
use chatpay_core::time::rfc3339;
use serde::Deserialize;
use serde_json::Value;
use worker::{Result, SqlStorage};

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

impl Accounts<'_> {
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

    fn key_view(&self, k: &KeySummary) -> views::ApiKey {
        // The seller's secret key reaches everything; a restricted key from before scopes
        // reaches its own agent's requests.
        let scope = match (k.kind.as_str(), k.scope.as_deref()) {
            ("secret", _) => KeyScope::All.as_str(),
            (_, Some(s)) => s,
            (_, None) => KeyScope::Own.as_str(),
        };
        views::ApiKey {
            id: k.id.clone(),
            object: Default::default(),
            kind: k.kind.clone(),
            agent_id: k.agent_id.clone(),
            scope: Wire::read(scope),
            created_at: rfc3339(k.created_at),
            revoked_at: k.revoked_at.map(rfc3339),
            livemode: self.livemode,
            secret_key: None,
            previous_secret_expires_at: None,
        }
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
        let mut object = self.key_view(&self.key(Some(&id))?);
        object.secret_key = Some(secret);
        Ok(value(&object))
    }

    pub fn list_keys(&self) -> std::result::Result<Value, Fail> {
        self.ensure_key_ids()?;
        let data = self
            .key_summaries(None)?
            .iter()
            .map(|k| self.key_view(k))
            .collect();
        Ok(value(&views::List {
            object: Default::default(),
            url: None,
            data,
            has_more: false,
        }))
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
        Ok(value(&self.key_view(&self.key(Some(&key.id))?)))
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
        let mut object = self.key_view(&key);
        object.secret_key = Some(secret);
        object.previous_secret_expires_at = Some(rfc3339(until));
        Ok(value(&object))
    }
}
