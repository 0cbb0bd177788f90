//! `POST /v1/payment_requests/{id}/reveal`: a collected card, in the clear, for the agent
//! that requested it (agent capture, issue 9). The one answer of the API that carries a card
//! number; the edge sends it with `Cache-Control: no-store` and keeps no copy of it.

use crate::api::views::constant::CardRevealObject;
use crate::secret::Secret;
use serde::{Serialize, Serializer};

/// The card as the buyer gave it. Serializing writes the clear values (this object exists to
/// be sent); `Debug` keeps them masked, so a stray `{:?}` still cannot leak them.
#[derive(Debug, Serialize)]
pub struct CardReveal {
    pub object: CardRevealObject,
    #[serde(serialize_with = "exposed")]
    pub number: Secret<String>,
    pub exp_month: u32,
    pub exp_year: u32,
    /// Kept only in the ledger's memory: null once the object restarted.
    #[serde(serialize_with = "exposed_opt")]
    pub cvc: Option<Secret<String>>,
    #[serde(serialize_with = "exposed")]
    pub name: Secret<String>,
    #[serde(serialize_with = "exposed")]
    pub postal_code: Secret<String>,
    /// When the window closes and the card is deleted.
    pub expires_at: String,
    pub livemode: bool,
}

fn exposed<S: Serializer>(secret: &Secret<String>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose())
}

fn exposed_opt<S: Serializer>(
    secret: &Option<Secret<String>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(s) => serializer.serialize_str(s.expose()),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reveal_writes_the_card_and_debug_masks_it() {
        let reveal = CardReveal {
            object: CardRevealObject,
            number: Secret::new("4242424242424242".into()),
            exp_month: 12,
            exp_year: 2030,
            cvc: None,
            name: Secret::new("Ada".into()),
            postal_code: Secret::new("94107".into()),
            expires_at: "2030-01-01T00:00:00Z".into(),
            livemode: false,
        };
        let json = serde_json::to_value(&reveal).unwrap();
        assert_eq!(json["object"], "card_reveal");
        assert_eq!(json["number"], "4242424242424242");
        assert!(json["cvc"].is_null());
        assert!(!format!("{reveal:?}").contains("4242424242"));
    }
}
