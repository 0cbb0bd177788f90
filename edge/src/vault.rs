//! The vault's stored entries (cards in `vault`, payout accounts in `bank_accounts`) and
//! their key rotation.
//!
//! Each entry names the key that sealed it (`key_id`, see `crypto::VaultKey`). To rotate,
//! the operator sets the new key as `VAULT_KEY` and the old one as `VAULT_KEY_PREVIOUS`
//! (SECURITY.md). Every ledger then seals its entries again under the new key, a batch at a
//! time as it wakes, so that once every ledger has woken the previous key can be removed.

use crate::crypto::Keys;
use crate::encoding::{hex_decode, hex_encode};
use crate::http::Fail;
use serde::Deserialize;
use worker::SqlStorage;

/// Entries sealed again per wake, so a ledger with many never stalls a request for long.
const BATCH: i64 = 100;

#[derive(Deserialize)]
struct Entry {
    id: String,
    sealed: String,
    key_id: Option<String>,
}

#[derive(Deserialize)]
struct SellerId {
    id: String,
}

/// Seals again, under the current key, up to [`BATCH`] entries per table that another key
/// sealed (or that predate key ids). Answers whether a full batch was done, so there may be
/// more: the caller runs it again on its next wake. An entry that opens under neither key
/// is logged (by table and id only) and left as it is.
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
    for (table, id_column) in [("vault", "token"), ("bank_accounts", "id")] {
        let entries: Vec<Entry> = sql
            .exec(
                &format!(
                    "SELECT {id_column} AS id, sealed, key_id FROM {table} WHERE key_id IS NULL OR key_id <> ? LIMIT ?"
                ),
                vec![current.into(), BATCH.into()],
            )?
            .to_array()?;
        let mut done = 0;
        for entry in &entries {
            let opened = hex_decode(&entry.sealed).and_then(|sealed| {
                keys.open(&seller.id, &entry.id, &sealed, entry.key_id.as_deref())
            });
            let Some((plaintext, _)) = opened else {
                worker::console_error!(
                    "vault: {table} entry {} opens under neither VAULT_KEY nor VAULT_KEY_PREVIOUS",
                    entry.id
                );
                continue;
            };
            let resealed = keys.seal(&seller.id, &entry.id, &plaintext);
            sql.exec(
                &format!("UPDATE {table} SET sealed = ?, key_id = ? WHERE {id_column} = ?"),
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
