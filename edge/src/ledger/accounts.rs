//! The seller's own account inside its ledger: business profile and payout bank account,
//! per-currency limits and agents. API keys are in `keys`.
//!
//! Like the rest of the ledger, each operation's writes run with no `.await` between them.
//! The bank account number is sealed in the vault (AES-256-GCM, AAD = seller id + `ba_` id);
//! only its kind, country and last 4 characters are stored beside it or ever returned. The
//! current time comes in from the ledger's one clock, so a test clock moves limits and key
//! expiry too.

use super::rows::SellerRow;
use crate::crypto::{random_bytes, Keys, VAULT_FORMAT};
use crate::encoding::base32;
use crate::encoding::hex_encode;
use crate::http::value;
use crate::http::Fail;
use crate::ids::{ObjectId, SellerRef};
use chatpay_core::accounts::{CurrencyLimits, NewAgent, Page, SellerProfile, SellerUpdate};
use chatpay_core::api::views;
use chatpay_core::api::NewPaymentRequest;
use chatpay_core::api::Wire;
use chatpay_core::bank::BankAccount;
use chatpay_core::time::rfc3339;
use chatpay_core::{Amount, AmountLimits, Currency};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use worker::{Result, SqlStorage};

/// The rolling window of `max_rolling_168h`.
pub const ROLLING_WINDOW_SECONDS: i64 = 168 * 3600;

/// Statuses that no longer hold a place under the rolling limit.
const RELEASED_STATUSES: &str = "('canceled','declined','expired')";

pub struct Accounts<'a> {
    pub(crate) sql: &'a SqlStorage,
    pub(crate) keys: &'a Keys,
    pub(crate) seller_id: &'a str,
    pub(crate) livemode: bool,
    pub(crate) now: i64,
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

    pub(crate) fn seller_ref(&self) -> std::result::Result<SellerRef, Fail> {
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
        if let Some(id) = &update.paypal_merchant_id {
            self.sql.exec(
                "UPDATE seller SET paypal_merchant_id = ?",
                vec![id.clone().into()],
            )?;
        }
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
        if let Some(agent_capture) = &update.agent_capture {
            super::agent_capture::update_agent_capture(self.sql, agent_capture)?;
        }
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

    /// The seller object: `seller`'s row with its profile, payout account (last 4 only) and
    /// limits.
    pub fn seller_view(&self, seller: &SellerRow) -> std::result::Result<views::Seller, Fail> {
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
        let payout_bank_account = match bank_id {
            None => None,
            Some(id) => self
                .sql
                .exec(
                    "SELECT id, type, country, last4 FROM bank_accounts WHERE id = ?",
                    vec![id.into()],
                )?
                .to_array::<BankRow>()?
                .into_iter()
                .next()
                .map(|b| views::BankAccount {
                    id: b.id,
                    object: Default::default(),
                    kind: b.kind,
                    country: b.country,
                    last4: b.last4,
                }),
        };
        let mut limits = BTreeMap::new();
        for (currency, l) in self.all_limits()? {
            let text = |a: Option<Amount>| a.map(Amount::to_decimal_string);
            limits.insert(
                currency.code().to_owned(),
                views::CurrencyLimits {
                    max_per_request: text(l.max_per_request),
                    max_rolling_168h: text(l.max_rolling_168h),
                },
            );
        }
        Ok(views::Seller {
            id: seller.id.clone(),
            object: Default::default(),
            display_name: seller.display_name.clone(),
            country: seller.country.clone(),
            default_currency: seller.default_currency.clone(),
            allowed_origins: seller.origins(),
            created_at: rfc3339(seller.created_at),
            livemode: seller.livemode != 0,
            paypal_merchant_id: seller.paypal_merchant_id.clone(),
            business_type: business_type.as_deref().map(Wire::read),
            merchant_category,
            payout_bank_account,
            limits,
            agent_capture: super::agent_capture::agent_capture(self.sql)?,
            secret_key: None,
        })
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
        value(&self.agent_view(a))
    }

    fn agent_view(&self, a: &AgentRow) -> views::Agent {
        views::Agent {
            id: a.id.clone(),
            object: Default::default(),
            name: a.name.clone(),
            created_at: rfc3339(a.created_at),
            livemode: self.livemode,
        }
    }

    pub(crate) fn agent_exists(&self, id: &str) -> Result<bool> {
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
        Ok(value(&views::List {
            object: Default::default(),
            url: None,
            data: rows.iter().map(|a| self.agent_view(a)).collect(),
            has_more,
        }))
    }

    // --- keys ---
}
