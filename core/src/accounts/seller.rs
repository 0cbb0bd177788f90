//! `PATCH /v1/seller`: the seller's own changes to its account.

use crate::accounts::limits::{parse_limits, CurrencyLimits};
use crate::accounts::profile::{SellerProfile, PROFILE_FIELDS};
use crate::agent_capture::AgentCaptureUpdate;
use crate::currency::Currency;
use crate::fields::{present, FieldError, Fields};
use crate::mask::mask_card_numbers;
use crate::money::AmountLimits;
use crate::origins::parse_origins;
use serde_json::Value;

/// `PATCH /v1/seller`: every field optional; absent (or null) leaves it unchanged.
#[derive(Clone, Debug, Default)]
pub struct SellerUpdate {
    pub display_name: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    pub profile: SellerProfile,
    pub limits: Option<Vec<(Currency, Option<CurrencyLimits>)>>,
    /// A new PayPal merchant id (live sellers).
    pub paypal_merchant_id: Option<String>,
    /// Agent capture (issue 9): whether agents may reveal collected cards, and how long.
    pub agent_capture: Option<AgentCaptureUpdate>,
}

impl SellerUpdate {
    pub fn parse(body: &Value, platform: &AmountLimits) -> Result<SellerUpdate, FieldError> {
        let mut allowed = vec![
            "display_name",
            "allowed_origins",
            "limits",
            "paypal_merchant_id",
            "agent_capture",
        ];
        allowed.extend(PROFILE_FIELDS);
        let f = Fields::new(body, "", &allowed)?;
        let display_name = match f.opt_str("display_name")? {
            None => None,
            Some(name) if name.trim().is_empty() || name.chars().count() > 100 => {
                return Err(FieldError::invalid(
                    "display_name",
                    "`display_name` must be 1 to 100 characters.",
                ))
            }
            Some(name) => Some(mask_card_numbers(name.trim()).into_owned()),
        };
        let allowed_origins = match f.opt_str_array("allowed_origins")? {
            None => None,
            Some(origins) => Some(parse_origins(&origins)?),
        };
        let limits = match present(body, "limits") {
            None => None,
            Some(v) => Some(parse_limits(v, platform)?),
        };
        let paypal_merchant_id = f.opt_str("paypal_merchant_id")?;
        if let Some(id) = paypal_merchant_id {
            crate::live::check_merchant_id(id)?;
        }
        Ok(SellerUpdate {
            paypal_merchant_id: paypal_merchant_id.map(str::to_owned),
            display_name,
            allowed_origins,
            profile: SellerProfile::parse(&f, body)?,
            limits,
            agent_capture: AgentCaptureUpdate::parse(body)?,
        })
    }
}
