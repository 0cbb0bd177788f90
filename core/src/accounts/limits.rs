//! Per-currency limits a seller sets on its own payment requests.

use crate::currency::Currency;
use crate::fields::{FieldError, Fields};
use crate::mask::mask_card_numbers;
use crate::money::{Amount, AmountError, AmountLimits};
use serde_json::Value;

/// One currency's limits; `None` means no limit beyond the platform's maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CurrencyLimits {
    pub max_per_request: Option<Amount>,
    pub max_rolling_168h: Option<Amount>,
}

/// `limits: {"USD": {max_per_request?, max_rolling_168h?} | null, ...}`. Each currency named
/// is replaced (null removes its limits); currencies not named stay as they are.
pub fn parse_limits(
    value: &Value,
    platform: &AmountLimits,
) -> Result<Vec<(Currency, Option<CurrencyLimits>)>, FieldError> {
    let map = value.as_object().ok_or_else(|| {
        FieldError::new(
            "parameter_invalid_type",
            "limits",
            "`limits` must be an object keyed by currency, such as {\"USD\": {\"max_per_request\": \"500.00\"}}.",
        )
    })?;
    let mut codes: Vec<&String> = map.keys().collect();
    codes.sort();
    let mut out = Vec::with_capacity(codes.len());
    for code in codes {
        let param = format!("limits.{code}");
        let currency = Currency::parse(code).ok_or_else(|| {
            // The key is the caller's own text, echoed so they see the typo: masked, in
            // case it is a card number.
            let param = mask_card_numbers(&param);
            FieldError::new(
                "currency_unsupported",
                param.as_ref(),
                format!(
                    "`{param}`: the key must be an ISO 4217 code in upper case, such as \"USD\"."
                ),
            )
        })?;
        let entry = &map[code.as_str()];
        if entry.is_null() {
            out.push((currency, None));
            continue;
        }
        let f = Fields::new(entry, &param, &["max_per_request", "max_rolling_168h"])?;
        let amount = |name: &str| -> Result<Option<Amount>, FieldError> {
            let Some(text) = f.opt_str(name)? else {
                return Ok(None);
            };
            Amount::parse(text, currency, platform)
                .map(Some)
                .map_err(|e| {
                    let code = match e {
                        AmountError::TooLarge { .. } => "amount_too_large",
                        AmountError::Zero => "amount_too_small",
                        AmountError::Format { .. } => "parameter_invalid",
                    };
                    FieldError::new(code, f.path(name), e.to_string())
                })
        };
        out.push((
            currency,
            Some(CurrencyLimits {
                max_per_request: amount("max_per_request")?,
                max_rolling_168h: amount("max_rolling_168h")?,
            }),
        ));
    }
    Ok(out)
}
