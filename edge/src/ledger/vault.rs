//! The card vault: approved cards sealed under the vault key, and resealing under a new key.

use super::context::Ledger;
use super::rows::SellerRow;
use crate::crypto::{Keys, VAULT_FORMAT};
use crate::encoding::{hex_decode, hex_encode};
use crate::http::Fail;
use serde::Deserialize;
use serde_json::json;
use worker::SqlStorage;

/// Entries sealed again per wake, so a ledger with many never stalls a request for long.
pub(crate) const BATCH: i64 = 100;

#[derive(Deserialize)]
pub(crate) struct Entry {
    pub(crate) id: String,
    pub(crate) sealed: String,
    pub(crate) key_id: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct SellerId {
    pub(crate) id: String,
}

/// A sealed column and the key-id column beside it, in a table of sealed things.
struct Sealed {
    table: &'static str,
    id_column: &'static str,
    sealed_column: &'static str,
    key_column: &'static str,
    /// The name the entry was sealed under (its AAD), from its id.
    name: fn(&str) -> String,
}

impl Sealed {
    /// A row's one sealed value, named by its own id.
    const fn under_id(table: &'static str, id_column: &'static str) -> Sealed {
        Sealed {
            table,
            id_column,
            sealed_column: "sealed",
            key_column: "key_id",
            name: str::to_owned,
        }
    }
}

/// Everything sealed under the vault key: cards, bank accounts, and each webhook
/// endpoint's signing secret and, during a roll, its previous one.
const SEALED: [Sealed; 4] = [
    Sealed::under_id("vault", "token"),
    Sealed::under_id("bank_accounts", "id"),
    Sealed::under_id("webhook_endpoints", "id"),
    Sealed {
        table: "webhook_endpoints",
        id_column: "id",
        sealed_column: "previous_sealed",
        key_column: "previous_key_id",
        name: super::endpoints::previous_name,
    },
];

/// Seals again, under the current key, up to [`BATCH`] entries per sealed column that
/// another key sealed (or that predate key ids). Answers whether a full batch was done, so
/// there may be more: the caller runs it again on its next wake. An entry that opens under
/// neither key is logged (by table and id only) and left as it is.
pub fn reseal_batch(sql: &SqlStorage, keys: &Keys) -> Result<bool, Fail> {
    let Some(seller) = sql
        .exec("SELECT id FROM seller", None)?
        .to_array::<SellerId>()?
        .into_iter()
        .next()
    else {
        return Ok(false);
    };
    let current = keys.vault_key_id();
    let mut more = false;
    for column in &SEALED {
        let Sealed {
            table,
            id_column,
            sealed_column,
            key_column,
            name,
        } = column;
        let entries: Vec<Entry> = sql
            .exec(
                &format!(
                    "SELECT {id_column} AS id, {sealed_column} AS sealed, {key_column} AS key_id FROM {table} \
                     WHERE {sealed_column} IS NOT NULL AND ({key_column} IS NULL OR {key_column} <> ?) LIMIT ?"
                ),
                vec![current.into(), BATCH.into()],
            )?
            .to_array()?;
        let mut done = 0;
        for entry in &entries {
            let aad = name(&entry.id);
            let opened = hex_decode(&entry.sealed)
                .and_then(|sealed| keys.open(&seller.id, &aad, &sealed, entry.key_id.as_deref()));
            let Some((plaintext, _)) = opened else {
                worker::console_error!(
                    "vault: {table}.{sealed_column} of {} opens under neither VAULT_KEY nor VAULT_KEY_PREVIOUS",
                    entry.id
                );
                continue;
            };
            let resealed = keys.seal(&seller.id, &aad, &plaintext);
            sql.exec(
                &format!(
                    "UPDATE {table} SET {sealed_column} = ?, {key_column} = ? WHERE {id_column} = ?"
                ),
                vec![
                    hex_encode(&resealed).into(),
                    current.into(),
                    entry.id.clone().into(),
                ],
            )?;
            done += 1;
        }
        more |= done == BATCH;
    }
    Ok(more)
}

impl Ledger<'_> {
    /// Seals an approved card in the vault under the current vault key.
    pub(crate) fn vault_card(
        &self,
        seller: &SellerRow,
        token: &str,
        card: &chatpay_core::api::CardInput,
        fingerprint: &str,
        now: i64,
    ) -> Result<(), Fail> {
        let plaintext = json!({
            "number": card.number.expose_digits(),
            "exp_month": card.expiry.month,
            "exp_year": card.expiry.year,
        });
        self.seal_card(seller, token, card, fingerprint, now, &plaintext)
    }

    /// Seals `plaintext` (what is kept of `card`) as vault entry `token` under the current
    /// vault key, with the card's brand, last 4, expiry and fingerprint beside it in the clear.
    pub(crate) fn seal_card(
        &self,
        seller: &SellerRow,
        token: &str,
        card: &chatpay_core::api::CardInput,
        fingerprint: &str,
        now: i64,
        plaintext: &serde_json::Value,
    ) -> Result<(), Fail> {
        let sealed = self
            .keys
            .seal(&seller.id, token, plaintext.to_string().as_bytes());
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
}
