//! Ids and keys that carry their own routing and proof of origin.
//!
//! Every id embeds the seller it belongs to (10 bytes: a mode byte, test or live, and 9
//! random bytes) and a MAC tag under `ID_KEY`. The Worker checks the tag before routing,
//! so a forged or mistyped id is a 404 (a forged key a 401) without waking any Durable
//! Object, and it routes to the owning seller's object with no global lookup.

use crate::crypto::{ct_eq, random_bytes, Keys};
use crate::encoding::{base32, base32_decode};

const SELLER_LEN: usize = 10;
const TAG_LEN: usize = 6;
const KEY_TAG_LEN: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Test,
    Live,
}

impl Mode {
    pub fn livemode(self) -> bool {
        self == Mode::Live
    }
}

/// The seller part of every id: mode byte + 9 random bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SellerRef([u8; SELLER_LEN]);

impl SellerRef {
    pub fn generate(mode: Mode) -> SellerRef {
        let mut b = [0u8; SELLER_LEN];
        random_bytes(&mut b[1..]);
        b[0] = u8::from(mode == Mode::Live);
        SellerRef(b)
    }

    /// A seller ref derived from a secret seed (for idempotent seller creation).
    pub fn derive(mode: Mode, seed: &[u8; 32]) -> SellerRef {
        let mut b = [0u8; SELLER_LEN];
        b[1..].copy_from_slice(&seed[..SELLER_LEN - 1]);
        b[0] = u8::from(mode == Mode::Live);
        SellerRef(b)
    }

    pub fn mode(self) -> Mode {
        if self.0[0] == 1 {
            Mode::Live
        } else {
            Mode::Test
        }
    }

    /// The public seller id, `sel_...`.
    pub fn id(self, keys: &Keys) -> String {
        encode("sel_", &self.0, keys)
    }

    /// The Durable Object name: one object per seller and mode.
    pub fn object_name(self) -> String {
        base32(&self.0)
    }

    /// Parses and verifies a public seller id.
    pub fn from_id(text: &str, keys: &Keys) -> Option<SellerRef> {
        SellerRef::from_bytes(&decode("sel_", text, keys, SELLER_LEN, TAG_LEN)?)
    }

    fn from_bytes(b: &[u8]) -> Option<SellerRef> {
        let arr: [u8; SELLER_LEN] = b.get(..SELLER_LEN)?.try_into().ok()?;
        (arr[0] <= 1).then_some(SellerRef(arr))
    }
}

fn tag(keys: &Keys, prefix: &str, payload: &[u8], len: usize) -> Vec<u8> {
    keys.id_mac(prefix.as_bytes(), payload)[..len].to_vec()
}

fn encode(prefix: &str, payload: &[u8], keys: &Keys) -> String {
    let t = tag(keys, prefix, payload, TAG_LEN);
    format!("{prefix}{}", base32(&[payload, &t].concat()))
}

/// Checks prefix, encoding and tag; returns the payload.
fn decode(
    prefix: &str,
    text: &str,
    keys: &Keys,
    payload_len: usize,
    tag_len: usize,
) -> Option<Vec<u8>> {
    let bytes = base32_decode(text.strip_prefix(prefix)?)?;
    if bytes.len() != payload_len + tag_len {
        return None;
    }
    let (payload, t) = bytes.split_at(payload_len);
    ct_eq(t, &tag(keys, prefix, payload, tag_len)).then(|| payload.to_vec())
}

/// An object id owned by a seller: `pr_`, `pay_`, `tok_`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectId {
    pub seller: SellerRef,
    pub id: String,
}

const OBJECT_RANDOM: usize = 8;

impl ObjectId {
    pub fn generate(prefix: &str, seller: SellerRef, keys: &Keys) -> ObjectId {
        let mut payload = [0u8; SELLER_LEN + OBJECT_RANDOM];
        payload[..SELLER_LEN].copy_from_slice(&seller.0);
        random_bytes(&mut payload[SELLER_LEN..]);
        ObjectId {
            seller,
            id: encode(prefix, &payload, keys),
        }
    }

    pub fn parse(prefix: &str, text: &str, keys: &Keys) -> Option<ObjectId> {
        let payload = decode(prefix, text, keys, SELLER_LEN + OBJECT_RANDOM, TAG_LEN)?;
        Some(ObjectId {
            seller: SellerRef::from_bytes(&payload)?,
            id: text.to_owned(),
        })
    }
}

/// The buyer's credential for one request: a MAC of the request id, so the Worker can
/// check it without storage, and it never needs to be stored.
pub fn client_secret(request_id: &str, keys: &Keys) -> String {
    format!(
        "cs_{}",
        base32(&keys.id_mac(b"client_secret", request_id.as_bytes())[..20])
    )
}

pub fn client_secret_valid(request_id: &str, secret: &str, keys: &Keys) -> bool {
    ct_eq(
        secret.as_bytes(),
        client_secret(request_id, keys).as_bytes(),
    )
}

/// What a key may do: a seller's secret key (`sk_`) does everything the seller may; a
/// restricted key (`rk_`) is bound to one agent and limited by `permissions`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Secret,
    Restricted,
}

impl KeyKind {
    /// The stored form (`api_keys.kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Secret => "secret",
            KeyKind::Restricted => "restricted",
        }
    }
}

/// An API key: `sk_test_` / `sk_live_` (secret) or `rk_test_` / `rk_live_` (restricted) +
/// seller ref + 16 random bytes + tag. The tag covers the prefix, so a key's kind cannot be
/// changed by editing it. Which kind a key is, and whose, the ledger reads from its hash.
pub struct SecretKey {
    pub seller: SellerRef,
}

const KEY_RANDOM: usize = 16;

impl SecretKey {
    fn prefix(kind: KeyKind, mode: Mode) -> &'static str {
        match (kind, mode) {
            (KeyKind::Secret, Mode::Test) => "sk_test_",
            (KeyKind::Secret, Mode::Live) => "sk_live_",
            (KeyKind::Restricted, Mode::Test) => "rk_test_",
            (KeyKind::Restricted, Mode::Live) => "rk_live_",
        }
    }

    /// A new, random secret key.
    pub fn generate(seller: SellerRef, keys: &Keys) -> String {
        Self::generate_kind(KeyKind::Secret, seller, keys)
    }

    pub fn generate_kind(kind: KeyKind, seller: SellerRef, keys: &Keys) -> String {
        let mut payload = [0u8; SELLER_LEN + KEY_RANDOM];
        payload[..SELLER_LEN].copy_from_slice(&seller.0);
        random_bytes(&mut payload[SELLER_LEN..]);
        let prefix = Self::prefix(kind, seller.mode());
        let t = tag(keys, prefix, &payload, KEY_TAG_LEN);
        format!("{prefix}{}", base32(&[payload.as_slice(), &t].concat()))
    }

    /// Verifies the tag: a key that fails is forged or mistyped.
    pub fn parse(text: &str, keys: &Keys) -> Option<SecretKey> {
        let (kind, mode) = [KeyKind::Secret, KeyKind::Restricted]
            .into_iter()
            .flat_map(|k| [(k, Mode::Test), (k, Mode::Live)])
            .find(|&(k, m)| text.starts_with(Self::prefix(k, m)))?;
        let payload = decode(
            Self::prefix(kind, mode),
            text,
            keys,
            SELLER_LEN + KEY_RANDOM,
            KEY_TAG_LEN,
        )?;
        let seller = SellerRef::from_bytes(&payload)?;
        (seller.mode() == mode).then_some(SecretKey { seller })
    }
}
