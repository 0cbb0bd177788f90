//! Webhook endpoints (issue 9): create, list, change, delete and roll the signing secret.
//! The secret (`whsec_` + base64 of 32 random bytes) is sealed like a vault entry and shown
//! only in the answers to create and roll; during a roll the previous secret keeps signing
//! beside the new one for [`ROLL_OVERLAP`] seconds.

use super::context::{real_seconds, Ledger};
use super::rows::SellerRow;
use crate::command::Command;
use crate::crypto::random_bytes;
use crate::encoding::{hex_decode, hex_encode};
use crate::http::{json, value, Fail};
use crate::ids::{ObjectId, SellerRef};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chatpay_core::api::views::List;
use chatpay_core::routes::Operation as Op;
use chatpay_core::time::rfc3339;
use chatpay_core::webhooks::{
    EndpointUpdate, NewEndpoint, WebhookDelivery, WebhookEndpoint, MAX_ENDPOINTS,
};
use serde::Deserialize;
use serde_json::Value;
use worker::Response;

/// How long a rolled secret keeps signing (real time).
pub(crate) const ROLL_OVERLAP: i64 = 24 * 3600;

/// Attempts kept per endpoint, newest first.
pub(crate) const ATTEMPTS_KEPT: i64 = 1000;

#[derive(Deserialize)]
pub(crate) struct EndpointRow {
    pub(crate) id: String,
    pub(crate) url: String,
    pub(crate) events: String,
    pub(crate) description: Option<String>,
    pub(crate) status: String,
    pub(crate) created_at: i64,
    pub(crate) sealed: String,
    pub(crate) key_id: Option<String>,
    pub(crate) previous_sealed: Option<String>,
    pub(crate) previous_key_id: Option<String>,
    pub(crate) previous_until: Option<i64>,
}

const ENDPOINT_COLUMNS: &str = "id, url, events, description, status, created_at, sealed, key_id, previous_sealed, previous_key_id, previous_until";

/// The AAD name of an endpoint's previous secret, so it never opens as the current one.
pub(crate) fn previous_name(id: &str) -> String {
    format!("{id}/previous")
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    random_bytes(&mut bytes);
    format!("whsec_{}", STANDARD.encode(bytes))
}

fn missing() -> Fail {
    Fail::missing("webhook endpoint")
}

impl Ledger<'_> {
    /// The webhook endpoint routes, for the ledger's dispatch.
    pub(crate) async fn endpoint_command(
        &self,
        seller: &SellerRow,
        command: &Command,
    ) -> Result<Response, Fail> {
        let target = command.target.as_deref();
        match command.op {
            Op::CreateWebhookEndpoint => self
                .create_endpoint(seller, command.body.as_ref())
                .map(|(status, v)| json(status, &v)),
            Op::ListWebhookEndpoints => self.list_endpoints(seller).map(|v| json(200, &v)),
            Op::GetWebhookEndpoint => self.get_endpoint(seller, target).map(|v| json(200, &v)),
            Op::UpdateWebhookEndpoint => {
                self.idempotent(command, |b| self.update_endpoint(seller, target, b))
                    .await
            }
            Op::DeleteWebhookEndpoint => self.delete_endpoint(target).map(|v| json(200, &v)),
            Op::RollWebhookSecret => self
                .roll_endpoint_secret(seller, target)
                .map(|v| json(200, &v)),
            Op::ListWebhookDeliveries => {
                self.list_deliveries(seller, target).map(|v| json(200, &v))
            }
            _ => Err(Fail::internal("not a webhook endpoint operation")),
        }
    }

    fn endpoint_view(&self, row: &EndpointRow, seller: &SellerRow) -> WebhookEndpoint {
        WebhookEndpoint {
            id: row.id.clone(),
            object: "webhook_endpoint",
            url: row.url.clone(),
            events: serde_json::from_str(&row.events).unwrap_or_default(),
            description: row.description.clone(),
            status: row.status.clone(),
            created_at: rfc3339(row.created_at),
            livemode: seller.livemode != 0,
            secret: None,
        }
    }

    pub(crate) fn load_endpoint(&self, id: Option<&str>) -> Result<EndpointRow, Fail> {
        let id = id.ok_or_else(missing)?;
        self.sql
            .exec(
                &format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = ?"),
                vec![id.into()],
            )?
            .to_array::<EndpointRow>()?
            .into_iter()
            .next()
            .ok_or_else(missing)
    }

    /// The secrets that sign now: the current one, and the previous one during a roll.
    pub(crate) fn signing_secrets(
        &self,
        seller: &SellerRow,
        row: &EndpointRow,
    ) -> Result<Vec<Vec<u8>>, Fail> {
        let open = |sealed: &str, name: &str, key_id: Option<&str>| -> Result<Vec<u8>, Fail> {
            let plain = hex_decode(sealed)
                .and_then(|s| self.keys.open(&seller.id, name, &s, key_id))
                .map(|(plain, _)| plain)
                .ok_or_else(|| Fail::internal("a webhook secret does not open"))?;
            let text = String::from_utf8(plain).map_err(|_| Fail::internal("webhook secret"))?;
            STANDARD
                .decode(text.trim_start_matches("whsec_"))
                .map_err(|_| Fail::internal("webhook secret"))
        };
        let mut secrets = vec![open(&row.sealed, &row.id, row.key_id.as_deref())?];
        if let (Some(previous), Some(until)) = (&row.previous_sealed, row.previous_until) {
            if real_seconds() < until {
                secrets.push(open(
                    previous,
                    &previous_name(&row.id),
                    row.previous_key_id.as_deref(),
                )?);
            }
        }
        Ok(secrets)
    }

    /// `POST /v1/webhook_endpoints`: 201 with the secret, shown this once.
    pub(crate) fn create_endpoint(
        &self,
        seller: &SellerRow,
        body: Option<&Value>,
    ) -> Result<(u16, Value), Fail> {
        let livemode = seller.livemode != 0;
        let new = NewEndpoint::parse(body.unwrap_or(&Value::Null), livemode)?;
        #[derive(Deserialize)]
        struct Count {
            n: i64,
        }
        let count = self
            .sql
            .exec("SELECT COUNT(*) AS n FROM webhook_endpoints", None)?
            .to_array::<Count>()?
            .first()
            .map_or(0, |c| c.n);
        if count as usize >= MAX_ENDPOINTS {
            return Err(Fail::invalid(
                "limit_exceeded",
                format!("A seller may have at most {MAX_ENDPOINTS} webhook endpoints."),
            ));
        }
        let seller_ref = SellerRef::from_id(&seller.id, self.keys)
            .ok_or_else(|| Fail::internal("bad seller id"))?;
        let id = ObjectId::generate("we_", seller_ref, self.keys).id;
        let secret = new_secret();
        let sealed = self.keys.seal(&seller.id, &id, secret.as_bytes());
        let events = serde_json::to_string(&new.events).unwrap_or_else(|_| "[\"*\"]".into());
        self.sql.exec(
            "INSERT INTO webhook_endpoints (id, url, events, description, status, created_at, sealed, key_id) VALUES (?, ?, ?, ?, 'enabled', ?, ?, ?)",
            vec![
                id.clone().into(),
                new.url.url.into(),
                events.into(),
                new.description.into(),
                self.clock().into(),
                hex_encode(&sealed).into(),
                self.keys.vault_key_id().into(),
            ],
        )?;
        let mut view = self.endpoint_view(&self.load_endpoint(Some(&id))?, seller);
        view.secret = Some(secret);
        Ok((201, value(&view)))
    }

    /// `GET /v1/webhook_endpoints`: every endpoint (at most [`MAX_ENDPOINTS`]), oldest first.
    pub(crate) fn list_endpoints(&self, seller: &SellerRow) -> Result<Value, Fail> {
        let rows: Vec<EndpointRow> = self
            .sql
            .exec(
                &format!(
                    "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY created_at, id"
                ),
                None,
            )?
            .to_array()?;
        Ok(value(&List {
            object: Default::default(),
            url: None,
            data: rows.iter().map(|r| self.endpoint_view(r, seller)).collect(),
            has_more: false,
        }))
    }

    pub(crate) fn get_endpoint(&self, seller: &SellerRow, id: Option<&str>) -> Result<Value, Fail> {
        Ok(value(&self.endpoint_view(&self.load_endpoint(id)?, seller)))
    }

    /// `PATCH /v1/webhook_endpoints/{id}`. Enabling an endpoint again does not resend what
    /// was given up or skipped while it was disabled.
    pub(crate) fn update_endpoint(
        &self,
        seller: &SellerRow,
        id: Option<&str>,
        body: &Value,
    ) -> Result<(u16, Value), Fail> {
        let row = self.load_endpoint(id)?;
        let update = EndpointUpdate::parse(body, seller.livemode != 0)?;
        let url = update.url.map_or(row.url.clone(), |u| u.url);
        let events = update.events.map_or(row.events.clone(), |e| {
            serde_json::to_string(&e).unwrap_or_default()
        });
        let description = update.description.or(row.description.clone());
        let status = match update.enabled {
            Some(true) => "enabled",
            Some(false) => "disabled",
            None => row.status.as_str(),
        };
        self.sql.exec(
            "UPDATE webhook_endpoints SET url = ?, events = ?, description = ?, status = ? WHERE id = ?",
            vec![
                url.into(),
                events.into(),
                description.into(),
                status.into(),
                row.id.clone().into(),
            ],
        )?;
        if status == "disabled" {
            self.drop_queue(&row.id)?;
        }
        Ok((200, self.get_endpoint(seller, Some(&row.id))?))
    }

    /// `DELETE /v1/webhook_endpoints/{id}`: the endpoint, its queue and its attempts go.
    pub(crate) fn delete_endpoint(&self, id: Option<&str>) -> Result<Value, Fail> {
        let row = self.load_endpoint(id)?;
        self.drop_queue(&row.id)?;
        self.sql.exec(
            "DELETE FROM webhook_attempts WHERE endpoint_id = ?",
            vec![row.id.clone().into()],
        )?;
        self.sql.exec(
            "DELETE FROM webhook_endpoints WHERE id = ?",
            vec![row.id.clone().into()],
        )?;
        Ok(serde_json::json!({"id": row.id, "object": "webhook_endpoint", "deleted": true}))
    }

    /// Deliveries still queued for an endpoint stop (it was disabled or deleted).
    pub(crate) fn drop_queue(&self, endpoint_id: &str) -> Result<(), Fail> {
        self.sql.exec(
            "DELETE FROM webhook_queue WHERE endpoint_id = ? AND status = 'queued'",
            vec![endpoint_id.into()],
        )?;
        Ok(())
    }

    /// `POST /v1/webhook_endpoints/{id}/roll_secret`: a new secret in the answer; the one it
    /// replaces signs beside it for [`ROLL_OVERLAP`] seconds.
    pub(crate) fn roll_endpoint_secret(
        &self,
        seller: &SellerRow,
        id: Option<&str>,
    ) -> Result<Value, Fail> {
        let row = self.load_endpoint(id)?;
        let current = hex_decode(&row.sealed)
            .and_then(|s| {
                self.keys
                    .open(&seller.id, &row.id, &s, row.key_id.as_deref())
            })
            .map(|(plain, _)| plain)
            .ok_or_else(|| Fail::internal("a webhook secret does not open"))?;
        let previous = self
            .keys
            .seal(&seller.id, &previous_name(&row.id), &current);
        let secret = new_secret();
        let sealed = self.keys.seal(&seller.id, &row.id, secret.as_bytes());
        let key_id = self.keys.vault_key_id();
        self.sql.exec(
            "UPDATE webhook_endpoints SET sealed = ?, key_id = ?, previous_sealed = ?, previous_key_id = ?, previous_until = ? WHERE id = ?",
            vec![
                hex_encode(&sealed).into(),
                key_id.into(),
                hex_encode(&previous).into(),
                key_id.into(),
                (real_seconds() + ROLL_OVERLAP).into(),
                row.id.clone().into(),
            ],
        )?;
        let mut view = self.endpoint_view(&self.load_endpoint(Some(&row.id))?, seller);
        view.secret = Some(secret);
        Ok(value(&view))
    }

    /// `GET /v1/webhook_endpoints/{id}/deliveries`: the newest [`ATTEMPTS_KEPT`] attempts,
    /// newest first.
    pub(crate) fn list_deliveries(
        &self,
        seller: &SellerRow,
        id: Option<&str>,
    ) -> Result<Value, Fail> {
        #[derive(Deserialize)]
        struct AttemptRow {
            id: i64,
            event_id: i64,
            attempt: i64,
            status_code: Option<i64>,
            error: Option<String>,
            created_at: i64,
        }
        let row = self.load_endpoint(id)?;
        let attempts: Vec<AttemptRow> = self
            .sql
            .exec(
                "SELECT id, event_id, attempt, status_code, error, created_at FROM webhook_attempts WHERE endpoint_id = ? ORDER BY id DESC LIMIT ?",
                vec![row.id.into(), ATTEMPTS_KEPT.into()],
            )?
            .to_array()?;
        let object = self.delivery_object(seller)?;
        let data: Vec<WebhookDelivery> = attempts
            .into_iter()
            .map(|a| WebhookDelivery {
                id: format!("whd_{}", a.id),
                object: "webhook_delivery",
                event_id: format!("evt_{}", a.event_id),
                webhook_id: message_id(&object, a.event_id),
                attempt: a.attempt,
                status_code: a.status_code.and_then(|c| u16::try_from(c).ok()),
                error: a.error,
                created_at: rfc3339(a.created_at),
                livemode: seller.livemode != 0,
            })
            .collect();
        Ok(value(&List {
            object: Default::default(),
            url: None,
            data,
            has_more: false,
        }))
    }

    /// The seller's Durable Object name, which makes message ids unique across sellers.
    pub(crate) fn delivery_object(&self, seller: &SellerRow) -> Result<String, Fail> {
        SellerRef::from_id(&seller.id, self.keys)
            .map(SellerRef::object_name)
            .ok_or_else(|| Fail::internal("bad seller id"))
    }
}

/// The `webhook-id` of an event's deliveries: the same on every attempt and to every
/// endpoint, unique across sellers, never holding a `.`.
pub(crate) fn message_id(object_name: &str, event_id: i64) -> String {
    format!("msg_{object_name}_{event_id}")
}
