//! PayPal's settings from the Worker's environment, and the cached access token.

use chatpay_core::secret::Secret;
use worker::Env;

/// The Worker's PayPal settings: secrets `PAYPAL_CLIENT_ID`, `PAYPAL_CLIENT_SECRET`,
/// `PAYPAL_WEBHOOK_ID` and the var `PAYPAL_API_BASE` (no default).
pub struct PayPalConfig {
    pub api_base: String,
    pub client_id: Secret<String>,
    pub client_secret: Secret<String>,
    pub webhook_id: String,
}

impl PayPalConfig {
    /// All four settings, or `None`.
    pub fn from_env(env: &Env) -> Option<PayPalConfig> {
        let read = |name: &str| {
            env.secret(name)
                .map(|s| s.to_string())
                .or_else(|_| env.var(name).map(|v| v.to_string()))
                .ok()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        };
        Some(PayPalConfig {
            api_base: read("PAYPAL_API_BASE")?.trim_end_matches('/').to_owned(),
            client_id: Secret::new(read("PAYPAL_CLIENT_ID")?),
            client_secret: Secret::new(read("PAYPAL_CLIENT_SECRET")?),
            webhook_id: read("PAYPAL_WEBHOOK_ID")?,
        })
    }
}

/// An OAuth2 access token and when to stop using it (milliseconds since the epoch).
pub struct AccessToken {
    pub token: Secret<String>,
    pub refresh_at_ms: f64,
}
