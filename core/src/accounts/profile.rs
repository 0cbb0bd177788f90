//! The seller's business profile: business type, merchant category and payout account,
//! optional on creation and on update alike.

use crate::bank::BankAccount;
use crate::fields::{present, FieldError, Fields};
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BusinessType {
    Individual,
    Company,
    NonProfit,
}

impl BusinessType {
    pub const ALL: [BusinessType; 3] = [
        BusinessType::Individual,
        BusinessType::Company,
        BusinessType::NonProfit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BusinessType::Individual => "individual",
            BusinessType::Company => "company",
            BusinessType::NonProfit => "non_profit",
        }
    }

    pub fn parse(text: &str) -> Option<BusinessType> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// A merchant category code (ISO 18245): four digits, such as "5812" for restaurants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerchantCategory(String);

impl MerchantCategory {
    pub fn parse(text: &str) -> Option<MerchantCategory> {
        (text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| MerchantCategory(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The optional profile fields `POST /v1/sellers` and `PATCH /v1/seller` share.
#[derive(Clone, Debug, Default)]
pub struct SellerProfile {
    pub business_type: Option<BusinessType>,
    pub merchant_category: Option<MerchantCategory>,
    pub payout_bank_account: Option<BankAccount>,
}

/// Which keys of a seller body belong to [`SellerProfile`].
pub const PROFILE_FIELDS: [&str; 3] = ["business_type", "merchant_category", "payout_bank_account"];

impl SellerProfile {
    /// Reads the profile fields of `f`; absent or null fields stay `None`.
    pub fn parse(f: &Fields, body: &Value) -> Result<SellerProfile, FieldError> {
        let business_type = match f.opt_str("business_type")? {
            None => None,
            Some(t) => Some(BusinessType::parse(t).ok_or_else(|| {
                FieldError::invalid(
                    "business_type",
                    "`business_type` is `individual`, `company` or `non_profit`.",
                )
            })?),
        };
        let merchant_category = match f.opt_str("merchant_category")? {
            None => None,
            Some(m) => Some(MerchantCategory::parse(m).ok_or_else(|| {
                FieldError::invalid(
                    "merchant_category",
                    "`merchant_category` is a 4-digit merchant category code such as \"5812\".",
                )
            })?),
        };
        let payout_bank_account = match present(body, "payout_bank_account") {
            None => None,
            Some(v) => Some(BankAccount::parse(v, "payout_bank_account")?),
        };
        Ok(SellerProfile {
            business_type,
            merchant_category,
            payout_bank_account,
        })
    }
}
