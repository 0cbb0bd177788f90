//! The Worker's secrets and the primitives built on them: MACs for ids and keys, the vault's
//! AES-256-GCM with per-seller HKDF keys, keyed card fingerprints and request-body MACs.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use worker::Env;

type HmacSha256 = Hmac<Sha256>;

/// The vault key version written with every new entry; bump it when `VAULT_KEY` rotates
/// (old entries keep naming the version that sealed them).
pub const VAULT_KEY_VERSION: i64 = 1;

/// Secrets from the Worker's environment (`wrangler secret put` in production,
/// `edge/.dev.vars` locally).
pub struct Keys {
    id_key: [u8; 32],
    vault_key: [u8; 32],
    fingerprint_key: [u8; 32],
    pub admin_key: String,
}

fn hex32(env: &Env, name: &str) -> Result<[u8; 32], String> {
    let text = env
        .secret(name)
        .map(|s| s.to_string())
        .map_err(|_| format!("secret {name} is not set"))?;
    let bytes = hex_decode(text.trim()).ok_or_else(|| format!("secret {name} is not hex"))?;
    bytes
        .try_into()
        .map_err(|_| format!("secret {name} must be 32 bytes (64 hex characters)"))
}

impl Keys {
    pub fn from_env(env: &Env) -> Result<Keys, String> {
        let admin_key = env
            .secret("PLATFORM_ADMIN_KEY")
            .map(|s| s.to_string())
            .map_err(|_| "secret PLATFORM_ADMIN_KEY is not set".to_string())?;
        if admin_key.len() < 32 {
            return Err("secret PLATFORM_ADMIN_KEY must be at least 32 characters".into());
        }
        Ok(Keys {
            id_key: hex32(env, "ID_KEY")?,
            vault_key: hex32(env, "VAULT_KEY")?,
            fingerprint_key: hex32(env, "FINGERPRINT_KEY")?,
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
        crate::ids::base32(&mac[..16])
    }

    /// MAC of a request body's canonical JSON, for idempotency comparison. The raw body may
    /// hold a PAN, so only this MAC is stored.
    pub fn body_mac(&self, canonical: &[u8]) -> String {
        hex_encode(&self.id_mac(b"idempotency-body", canonical))
    }

    fn seller_vault_cipher(&self, seller_id: &str) -> Aes256Gcm {
        let hk = Hkdf::<Sha256>::new(Some(b"chatpay vault v1"), &self.vault_key);
        let mut okm = [0u8; 32];
        hk.expand(seller_id.as_bytes(), &mut okm)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        Aes256Gcm::new(&okm.into())
    }

    /// AES-256-GCM with a fresh 96-bit nonce stored in front of the ciphertext.
    /// AAD binds the entry to its seller and token, so entries cannot be swapped.
    pub fn seal(&self, seller_id: &str, token: &str, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        random_bytes(&mut nonce);
        let aad = vault_aad(seller_id, token);
        let sealed = self
            .seller_vault_cipher(seller_id)
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

    #[allow(dead_code)] // for charging a saved token; kept beside `seal` so the pair stays in step
    pub fn open(&self, seller_id: &str, token: &str, sealed: &[u8]) -> Option<Vec<u8>> {
        let (nonce, ciphertext) = sealed.split_at_checked(12)?;
        let aad = vault_aad(seller_id, token);
        self.seller_vault_cipher(seller_id)
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .ok()
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

/// Constant-time equality for secrets of public length.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// SHA-256 of an API key: what the ledger stores instead of the key.
pub fn key_hash(secret: &str) -> String {
    hex_encode(&Sha256::digest(secret.as_bytes()))
}

pub fn random_bytes(buf: &mut [u8]) {
    getrandom::getrandom(buf).expect("crypto.getRandomValues is available in workerd");
}

pub fn hex_encode(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 15)] as char);
    }
    s
}

pub fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}
