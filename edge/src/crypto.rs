//! The Worker's secrets and the primitives built on them: MACs for ids and keys, the vault's
//! AES-256-GCM with per-seller HKDF keys, keyed card fingerprints and request-body MACs.

use crate::encoding::{hex_decode, hex_encode};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use worker::Env;

type HmacSha256 = Hmac<Sha256>;

/// The vault's entry format, stored with every entry: AES-256-GCM under a per-seller HKDF
/// key, nonce first. Which key sealed an entry is its `key_id` (see [`VaultKey::id`]).
pub const VAULT_FORMAT: i64 = 1;

/// One vault key and its public name: the first 8 bytes of an HMAC of a fixed label under
/// the key, so an entry names the key that sealed it without revealing anything about it.
#[derive(Clone)]
pub struct VaultKey {
    key: [u8; 32],
    id: String,
}

impl VaultKey {
    fn new(key: [u8; 32]) -> VaultKey {
        let id = hex_encode(&hmac(&key, &[b"chatpay vault key id"])[..8]);
        VaultKey { key, id }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    fn cipher(&self, seller_id: &str) -> Aes256Gcm {
        let hk = Hkdf::<Sha256>::new(Some(b"chatpay vault v1"), &self.key);
        let mut okm = [0u8; 32];
        hk.expand(seller_id.as_bytes(), &mut okm)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        Aes256Gcm::new(&okm.into())
    }
}

/// Secrets from the Worker's environment (`wrangler secret put` in production,
/// `edge/.dev.vars` locally).
#[derive(Clone)]
pub struct Keys {
    id_key: [u8; 32],
    vault: VaultKey,
    /// `VAULT_KEY_PREVIOUS`, during a rotation: it still opens entries, which are then
    /// sealed again under `VAULT_KEY`.
    vault_previous: Option<VaultKey>,
    fingerprint_key: [u8; 32],
    pub admin_key: String,
}

/// Why the edge's secrets are unusable. The detail goes to the log only: callers get the
/// generic 500, so nobody learns which secret is missing.
pub struct Misconfigured(pub String);

fn secret_text(env: &Env, name: &str) -> Option<String> {
    env.secret(name).ok().map(|s| s.to_string())
}

/// A 32-byte key given as exactly 64 hex digits, nothing else (no sign, no spaces, no
/// prefix), and not one repeated byte (`00...`, `ff...`), which is a placeholder, not a key.
fn parse_key(name: &str, text: &str) -> Result<[u8; 32], Misconfigured> {
    let bytes = hex_decode(text).ok_or_else(|| {
        Misconfigured(format!(
            "secret {name} must be exactly 64 hex digits (32 bytes)"
        ))
    })?;
    let key: [u8; 32] = bytes.try_into().map_err(|_| {
        Misconfigured(format!(
            "secret {name} must be exactly 64 hex digits (32 bytes)"
        ))
    })?;
    if key.iter().all(|&b| b == key[0]) {
        return Err(Misconfigured(format!(
            "secret {name} is one byte repeated; generate it with `openssl rand -hex 32`"
        )));
    }
    Ok(key)
}

fn required_key(env: &Env, name: &str) -> Result<[u8; 32], Misconfigured> {
    let text =
        secret_text(env, name).ok_or_else(|| Misconfigured(format!("secret {name} is not set")))?;
    parse_key(name, &text)
}

impl Keys {
    pub fn from_env(env: &Env) -> Result<Keys, Misconfigured> {
        let admin_key = secret_text(env, "PLATFORM_ADMIN_KEY")
            .ok_or_else(|| Misconfigured("secret PLATFORM_ADMIN_KEY is not set".into()))?;
        let repeated = |text: &str| text.chars().all(|c| text.starts_with(c));
        if admin_key.len() < 32 || repeated(&admin_key) {
            return Err(Misconfigured(
                "secret PLATFORM_ADMIN_KEY must be at least 32 random characters".into(),
            ));
        }
        let id_key = required_key(env, "ID_KEY")?;
        let vault_key = required_key(env, "VAULT_KEY")?;
        let fingerprint_key = required_key(env, "FINGERPRINT_KEY")?;
        let vault_previous = match secret_text(env, "VAULT_KEY_PREVIOUS") {
            Some(text) if !text.is_empty() => Some(parse_key("VAULT_KEY_PREVIOUS", &text)?),
            _ => None,
        };
        // One key doing two jobs would let one leak break both (and a copied line in a
        // secrets file is an easy mistake), so every key must differ from every other.
        let named: Vec<(&str, &[u8; 32])> = [
            ("ID_KEY", Some(&id_key)),
            ("VAULT_KEY", Some(&vault_key)),
            ("FINGERPRINT_KEY", Some(&fingerprint_key)),
            ("VAULT_KEY_PREVIOUS", vault_previous.as_ref()),
        ]
        .into_iter()
        .filter_map(|(n, k)| k.map(|k| (n, k)))
        .collect();
        for (i, (a, ka)) in named.iter().enumerate() {
            for (b, kb) in &named[i + 1..] {
                if ct_eq(*ka, *kb) {
                    return Err(Misconfigured(format!(
                        "secrets {a} and {b} are the same key; each must be its own"
                    )));
                }
            }
        }
        Ok(Keys {
            id_key,
            vault: VaultKey::new(vault_key),
            vault_previous: vault_previous.map(VaultKey::new),
            fingerprint_key,
            admin_key,
        })
    }

    /// HMAC-SHA256 under the id key, domain-separated by `label`.
    pub fn id_mac(&self, label: &[u8], data: &[u8]) -> [u8; 32] {
        hmac(&self.id_key, &[label, b"\0", data])
    }

    /// Keyed fingerprint of a card number, scoped to one seller so that sellers cannot link
    /// each other's buyers.
    pub fn fingerprint(&self, seller_id: &str, pan: &str) -> String {
        let mac = hmac(
            &self.fingerprint_key,
            &[seller_id.as_bytes(), b"\0", pan.as_bytes()],
        );
        crate::encoding::base32(&mac[..16])
    }

    /// MAC of a request body's canonical JSON, for idempotency comparison. The raw body may
    /// hold a PAN, so only this MAC is stored.
    pub fn body_mac(&self, canonical: &[u8]) -> String {
        hex_encode(&self.id_mac(b"idempotency-body", canonical))
    }

    /// The id of the key new entries are sealed under.
    pub fn vault_key_id(&self) -> &str {
        self.vault.id()
    }

    /// AES-256-GCM under the current vault key, with a fresh 96-bit nonce stored in front of
    /// the ciphertext. AAD binds the entry to its seller and token, so entries cannot be
    /// swapped. Store [`Keys::vault_key_id`] beside it.
    pub fn seal(&self, seller_id: &str, token: &str, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        random_bytes(&mut nonce);
        let aad = vault_aad(seller_id, token);
        let sealed = self
            .vault
            .cipher(seller_id)
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .expect("AES-GCM encryption of a small message cannot fail");
        [nonce.as_slice(), &sealed].concat()
    }

    /// Opens an entry with the key named by `key_id` (the current or the previous key). An
    /// entry from before key ids (`None`) is tried under both. Answers the plaintext and
    /// whether it was sealed under the previous key, and so should be sealed again.
    pub fn open(
        &self,
        seller_id: &str,
        token: &str,
        sealed: &[u8],
        key_id: Option<&str>,
    ) -> Option<(Vec<u8>, bool)> {
        let (nonce, ciphertext) = sealed.split_at_checked(12)?;
        let aad = vault_aad(seller_id, token);
        let candidates = [
            (Some(&self.vault), false),
            (self.vault_previous.as_ref(), true),
        ];
        candidates.into_iter().find_map(|(key, previous)| {
            let key = key?;
            if key_id.is_some_and(|id| id != key.id()) {
                return None;
            }
            key.cipher(seller_id)
                .decrypt(
                    Nonce::from_slice(nonce),
                    Payload {
                        msg: ciphertext,
                        aad: &aad,
                    },
                )
                .ok()
                .map(|plain| (plain, previous))
        })
    }
}

fn vault_aad(seller_id: &str, token: &str) -> Vec<u8> {
    [seller_id.as_bytes(), b"|", token.as_bytes()].concat()
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// Constant-time equality for secrets of public length (`subtle`).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// SHA-256 of an API key: what the ledger stores instead of the key.
pub fn key_hash(secret: &str) -> String {
    hex_encode(&Sha256::digest(secret.as_bytes()))
}

pub fn random_bytes(buf: &mut [u8]) {
    getrandom::getrandom(buf).expect("crypto.getRandomValues is available in workerd");
}
