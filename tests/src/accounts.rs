//! The seller's own account as its server calls it: profile, agents and keys. Each helper
//! hands back the raw `Reply`; creation helpers that insist on success say so in their name.

use serde_json::Value;

use crate::edge::Edge;
use crate::http::Reply;

impl Edge {
    /// `GET /v1/seller`.
    pub fn get_seller(&self, key: &str) -> Reply {
        self.call("GET", "/v1/seller").bearer(key).send()
    }

    /// `PATCH /v1/seller` with a JSON body.
    pub fn patch_seller(&self, key: &str, body: &Value) -> Reply {
        self.call("PATCH", "/v1/seller")
            .bearer(key)
            .json(body)
            .send()
    }

    /// `POST /v1/agents`.
    pub fn create_agent(&self, key: &str, body: &Value) -> Reply {
        self.call("POST", "/v1/agents")
            .bearer(key)
            .json(body)
            .send()
    }

    /// `POST /v1/keys {agent_id}`.
    pub fn create_key(&self, key: &str, agent_id: &str) -> Reply {
        self.call("POST", "/v1/keys")
            .bearer(key)
            .json(&serde_json::json!({ "agent_id": agent_id }))
            .send()
    }

    /// `POST /v1/keys {agent_id, scope}`.
    pub fn create_scoped_key(&self, key: &str, agent_id: &str, scope: &str) -> Reply {
        self.call("POST", "/v1/keys")
            .bearer(key)
            .json(&serde_json::json!({ "agent_id": agent_id, "scope": scope }))
            .send()
    }

    /// Registers `agent_id` and makes a restricted key for it: (key id, `rk_test_...`). The
    /// key reaches its own agent's requests only (`scope: "own"`, the default).
    pub fn restricted_key(&self, seller_key: &str, agent_id: &str) -> (String, String) {
        self.scoped_key(seller_key, agent_id, "own")
    }

    /// As `restricted_key`, with the given `scope` (`own` or `all`).
    pub fn scoped_key(&self, seller_key: &str, agent_id: &str, scope: &str) -> (String, String) {
        self.create_agent(
            seller_key,
            &serde_json::json!({"id": agent_id, "name": "Agent"}),
        )
        .expect(201);
        let reply = self.create_scoped_key(seller_key, agent_id, scope);
        let body = reply.expect(201);
        let text = |k: &str| {
            body[k]
                .as_str()
                .unwrap_or_else(|| panic!("key lacks `{k}`\n{reply}"))
                .to_owned()
        };
        (text("id"), text("secret_key"))
    }

    /// `GET /v1/keys`.
    pub fn list_keys(&self, key: &str) -> Reply {
        self.call("GET", "/v1/keys").bearer(key).send()
    }

    /// `DELETE /v1/keys/{id}`.
    pub fn revoke_key(&self, key: &str, id: &str) -> Reply {
        self.call("DELETE", &format!("/v1/keys/{id}"))
            .bearer(key)
            .send()
    }

    /// `POST /v1/keys/{id}/roll` with `{overlap_hours}`.
    pub fn roll_key(&self, key: &str, id: &str, overlap_hours: i64) -> Reply {
        self.call("POST", &format!("/v1/keys/{id}/roll"))
            .bearer(key)
            .json(&serde_json::json!({ "overlap_hours": overlap_hours }))
            .send()
    }

    /// `POST /v1/sellers/{id}/reset_keys` with the given key (the platform admin key works).
    pub fn reset_keys(&self, key: &str, seller_id: &str) -> Reply {
        self.call("POST", &format!("/v1/sellers/{seller_id}/reset_keys"))
            .bearer(key)
            .send()
    }
}
