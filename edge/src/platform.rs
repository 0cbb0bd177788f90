//! The platform operator's own call: `POST /v1/sellers` creates a seller and its first key.

use crate::command::{send, Command};
use crate::connectors;
use crate::crypto::{key_hash, Keys};
use crate::http::{json, Fail, Outcome};
use crate::idempotency::IdempotencyKey;
use crate::ids::{Mode, SecretKey, SellerRef};
use chatpay_core::api::{views, NewSeller};
use chatpay_core::routes::Operation;
use serde_json::Value;
use worker::Env;

/// 201 with the seller and its secret key, shown once. With an Idempotency-Key the seller's
/// id is derived from it, so a retry lands on the same ledger, which answers the seller
/// without its secret key.
pub async fn create_seller(
    env: &Env,
    keys: &Keys,
    body: Value,
    idempotency: Option<IdempotencyKey>,
) -> Outcome {
    let new = NewSeller::parse(&body)?;
    let mode = if new.livemode { Mode::Live } else { Mode::Test };
    if new.livemode && !connectors::live_available(env) {
        return Err(Fail::invalid(
            "live_mode_unavailable",
            "Live mode needs PayPal: set the Worker secrets PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET and PAYPAL_WEBHOOK_ID and the var PAYPAL_API_BASE.",
        )
        .param("livemode"));
    }
    if new.livemode {
        chatpay_core::live::check_currency(new.default_currency)
            .map_err(|e| Fail::from(e).param("default_currency"))?;
    }
    let seller = match idempotency {
        Some(idem) => SellerRef::derive(
            mode,
            &keys.id_mac(b"seller-idempotency", idem.key.as_bytes()),
        ),
        None => SellerRef::generate(mode),
    };
    let secret = SecretKey::generate(seller, keys);
    let c = Command::new(Operation::CreateSeller, seller, keys)
        .key(key_hash(&secret))
        .body(Some(body));
    let mut response = send(env, seller, c).await?;
    if response.status_code() != 201 {
        return Ok(response);
    }
    let mut object: views::Seller = response.json().await?;
    object.secret_key = Some(secret);
    Ok(json(201, &object))
}
