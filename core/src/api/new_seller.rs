//! `POST /v1/sellers`: a new seller, as the platform creates it.

use crate::accounts::profile::SellerProfile;
use crate::api::text::{non_empty_text, parse_currency};
use crate::currency::Currency;
use crate::fields::{FieldError, Fields};
use crate::mask::mask_card_numbers;
use crate::origins::parse_origins;
use serde_json::Value;

#[derive(Clone, Debug)]
pub struct NewSeller {
    pub display_name: String,
    pub country: String,
    pub default_currency: Currency,
    pub allowed_origins: Vec<String>,
    /// Issue 3: business type, merchant category and payout bank account, all optional.
    pub profile: SellerProfile,
    /// A live seller moves real money through PayPal.
    pub livemode: bool,
    /// The live seller's PayPal merchant id, who PayPal pays out (required when live).
    pub paypal_merchant_id: Option<String>,
}

impl NewSeller {
    pub fn parse(body: &Value) -> Result<NewSeller, FieldError> {
        let f = Fields::new(
            body,
            "",
            &[
                "display_name",
                "country",
                "default_currency",
                "allowed_origins",
                "business_type",
                "merchant_category",
                "payout_bank_account",
                "livemode",
                "paypal_merchant_id",
            ],
        )?;
        let livemode = match crate::fields::present(body, "livemode") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(FieldError::invalid(
                    "livemode",
                    "`livemode` must be true or false.",
                ))
            }
        };
        let paypal_merchant_id = f.opt_str("paypal_merchant_id")?;
        if let Some(id) = paypal_merchant_id {
            crate::live::check_merchant_id(id)?;
        }
        if livemode && paypal_merchant_id.is_none() {
            return Err(f.missing("paypal_merchant_id"));
        }
        let display_name = mask_card_numbers(non_empty_text(&f, "display_name", 100)?.trim());
        let country = f.str("country")?;
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(FieldError::invalid(
                "country",
                "`country` must be an ISO 3166-1 alpha-2 code such as \"US\".",
            ));
        }
        let default_currency = parse_currency(&f, "default_currency")?;
        let origins = f.opt_str_array("allowed_origins")?.unwrap_or_default();
        let allowed_origins = parse_origins(&origins)?;
        Ok(NewSeller {
            display_name: display_name.into_owned(),
            country: country.to_owned(),
            default_currency,
            allowed_origins,
            profile: SellerProfile::parse(&f, body)?,
            livemode,
            paypal_merchant_id: paypal_merchant_id.map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_seller_name_is_masked() {
        let seller = NewSeller::parse(&json!({
            "display_name": " Shop 4242-4242-4242-4242 ",
            "country": "US",
            "default_currency": "USD",
            "allowed_origins": ["http://[::1]:8787"],
        }))
        .unwrap();
        assert_eq!(seller.display_name, "Shop ••••-••••-••••-4242");
        assert_eq!(seller.allowed_origins, ["http://[::1]:8787"]);
        let err = NewSeller::parse(&json!({
            "display_name": "Shop", "country": "US", "default_currency": "USD",
            "allowed_origins": ["http://shop.example"],
        }))
        .unwrap_err();
        assert_eq!(err.param, "allowed_origins.0");
    }
}
