//! The seller's own record: its creation, once, and the platform's key reset.

use super::accounts::Accounts;
use super::context::Ledger;
use crate::command::Command;
use crate::http::{json, Fail};
use crate::ids::SellerRef;
use crate::{idempotency, permissions};
use chatpay_core::api::NewSeller;
use serde_json::{json, Value};
use worker::Response;

impl Ledger<'_> {
    /// `POST /v1/sellers/{id}/reset_keys` (platform admin): every secret of every key stops
    /// at once, and the seller's secret key gets one new secret, shown in this answer only.
    pub(crate) fn reset_keys(
        &self,
        command: &Command,
        accounts: &Accounts,
    ) -> Result<Response, Fail> {
        if !command.admin {
            return Err(permissions::denied(
                "Only the platform resets a seller's keys.",
            ));
        }
        let secret = accounts.reset_keys()?;
        self.event("", "seller.keys_reset", "platform", json!({}), self.clock())?;
        let mut object = self.seller_view(accounts)?;
        object.secret_key = Some(secret);
        Ok(json(200, &object))
    }

    /// Creates the seller once. Replaying the same creation (same body) answers 200 with the
    /// seller object and `Idempotent-Replayed: true`, never the secret key again (an operator
    /// who lost the first answer resets the keys); a different body for an existing seller is
    /// an idempotency conflict.
    pub(crate) fn init_seller(&self, command: &Command) -> Result<Response, Fail> {
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
                self.keys,
                &existing.id,
                existing.livemode != 0,
                self.clock(),
            );
            let mut response = json(200, &accounts.seller_view(&existing)?);
            response.headers_mut().set("idempotent-replayed", "true")?;
            return Ok(response);
        }
        let key_hash = command
            .key_hash
            .clone()
            .ok_or_else(|| Fail::internal("missing key hash"))?;
        let now = self.clock();
        let livemode = SellerRef::from_id(&command.seller_id, self.keys)
            .ok_or_else(|| Fail::internal("bad seller id"))?
            .mode()
            .livemode();
        let origins = serde_json::to_string(&new.allowed_origins).unwrap_or_else(|_| "[]".into());
        self.sql.exec(
            "INSERT INTO seller (id, display_name, country, default_currency, allowed_origins, livemode, created_at, init_mac, paypal_merchant_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                command.seller_id.clone().into(),
                new.display_name.into(),
                new.country.into(),
                new.default_currency.code().into(),
                origins.into(),
                i64::from(livemode).into(),
                now.into(),
                mac.into(),
                new.paypal_merchant_id.clone().into(),
            ],
        )?;
        self.sql.exec(
            "INSERT INTO api_keys (key_hash, kind, created_at) VALUES (?, 'secret', ?)",
            vec![key_hash.into(), now.into()],
        )?;
        let accounts = Accounts::new(&self.sql, self.keys, &command.seller_id, livemode, now);
        accounts.save_profile(&new.profile)?;
        Ok(json(201, &self.seller_view(&accounts)?))
    }
}
