//! A seller's own account, as the API takes it: business profile, payout account, limits,
//! agents and restricted keys. Bodies are parsed into domain values here, so the edge writes
//! only what is already valid.

use crate::api::{parse_external_id, parse_origin};
use crate::bank::BankAccount;
use crate::currency::Currency;
use crate::fields::{FieldError, Fields};
use crate::mask::mask_card_numbers;
use crate::money::{Amount, AmountError, AmountLimits};
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

fn present<'a>(body: &'a Value, name: &str) -> Option<&'a Value> {
    body.get(name).filter(|v| !v.is_null())
}

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

/// `PATCH /v1/seller`: every field optional; absent (or null) leaves it unchanged.
#[derive(Clone, Debug, Default)]
pub struct SellerUpdate {
    pub display_name: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    pub profile: SellerProfile,
    pub limits: Option<Vec<(Currency, Option<CurrencyLimits>)>>,
}

impl SellerUpdate {
    pub fn parse(body: &Value, platform: &AmountLimits) -> Result<SellerUpdate, FieldError> {
        let mut allowed = vec!["display_name", "allowed_origins", "limits"];
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
        Ok(SellerUpdate {
            display_name,
            allowed_origins,
            profile: SellerProfile::parse(&f, body)?,
            limits,
        })
    }
}

/// Up to 20 origins, each as [`parse_origin`] takes it; seller creation and update share it.
pub fn parse_origins(origins: &[&str]) -> Result<Vec<String>, FieldError> {
    if origins.len() > 20 {
        return Err(FieldError::invalid(
            "allowed_origins",
            "`allowed_origins` holds at most 20 origins.",
        ));
    }
    origins
        .iter()
        .enumerate()
        .map(|(i, o)| {
            parse_origin(o).ok_or_else(|| {
                FieldError::invalid(
                    format!("allowed_origins.{i}"),
                    "Each allowed origin is https://host[:port] in lower case, with no path, such as \"https://shop.example\"; plain http only for localhost, 127.0.0.1 or [::1].",
                )
            })
        })
        .collect()
}

/// `POST /v1/agents`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAgent {
    pub id: Option<String>,
    pub name: String,
}

impl NewAgent {
    pub fn parse(body: &Value) -> Result<NewAgent, FieldError> {
        let f = Fields::new(body, "", &["id", "name"])?;
        let name = f.str("name")?;
        if name.trim().is_empty() || name.chars().count() > 100 {
            return Err(FieldError::invalid(
                "name",
                "`name` must be 1 to 100 characters.",
            ));
        }
        Ok(NewAgent {
            id: parse_external_id(&f, "id")?,
            name: mask_card_numbers(name.trim()).into_owned(),
        })
    }
}

/// How far a restricted key reaches: `own`, its agent's own payment requests (the default),
/// or `all`, every request of the seller. The edge enforces what each allows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyScope {
    #[default]
    Own,
    All,
}

impl KeyScope {
    pub const ALL: [KeyScope; 2] = [KeyScope::Own, KeyScope::All];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyScope::Own => "own",
            KeyScope::All => "all",
        }
    }

    pub fn parse(text: &str) -> Option<KeyScope> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// `POST /v1/keys`: a restricted key for one registered agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewApiKey {
    pub agent_id: String,
    pub scope: KeyScope,
}

impl NewApiKey {
    pub fn parse(body: &Value) -> Result<NewApiKey, FieldError> {
        let f = Fields::new(body, "", &["agent_id", "scope"])?;
        let agent_id = parse_external_id(&f, "agent_id")?.ok_or_else(|| f.missing("agent_id"))?;
        let scope = match f.opt_str("scope")? {
            None => KeyScope::default(),
            Some(text) => KeyScope::parse(text).ok_or_else(|| {
                FieldError::invalid("scope", "`scope` is `own` (the default) or `all`.")
            })?,
        };
        Ok(NewApiKey { agent_id, scope })
    }
}

/// The longest a rolled secret keeps working beside its successor.
pub const MAX_ROLL_OVERLAP_HOURS: i64 = 24;

/// `POST /v1/keys/{id}/roll`: `{overlap_hours?}` (0 to 24, default 0), or no body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RollKey {
    pub overlap_hours: i64,
}

impl RollKey {
    pub fn parse(body: Option<&Value>) -> Result<RollKey, FieldError> {
        let Some(body) = body else {
            return Ok(RollKey { overlap_hours: 0 });
        };
        let f = Fields::new(body, "", &["overlap_hours"])?;
        let overlap_hours = match present(body, "overlap_hours") {
            None => 0,
            Some(_) => f.int("overlap_hours")?,
        };
        if !(0..=MAX_ROLL_OVERLAP_HOURS).contains(&overlap_hours) {
            return Err(FieldError::invalid(
                "overlap_hours",
                format!("`overlap_hours` is a whole number from 0 to {MAX_ROLL_OVERLAP_HOURS}."),
            ));
        }
        Ok(RollKey { overlap_hours })
    }
}

/// `limit` and `starting_after` of a list call.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Page {
    pub limit: usize,
    pub starting_after: Option<String>,
}

impl Page {
    pub const DEFAULT_LIMIT: usize = 20;
    pub const MAX_LIMIT: usize = 100;

    /// From URL query pairs; any other parameter is `parameter_unknown`.
    pub fn parse(query: &[(String, String)]) -> Result<Page, FieldError> {
        let mut page = Page {
            limit: Self::DEFAULT_LIMIT,
            starting_after: None,
        };
        for (name, value) in query {
            match name.as_str() {
                "limit" => {
                    page.limit = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=Self::MAX_LIMIT).contains(n))
                        .ok_or_else(|| {
                            FieldError::invalid(
                                "limit",
                                format!("`limit` is a whole number from 1 to {}.", Self::MAX_LIMIT),
                            )
                        })?;
                }
                "starting_after" if !value.is_empty() => {
                    page.starting_after = Some(value.clone());
                }
                other => return Err(FieldError::unknown(other)),
            }
        }
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn update(v: Value) -> Result<SellerUpdate, FieldError> {
        SellerUpdate::parse(&v, &AmountLimits::default())
    }

    #[test]
    fn update_is_partial_and_strict() {
        let empty = update(json!({})).unwrap();
        assert!(empty.display_name.is_none() && empty.limits.is_none());
        let u = update(
            json!({"business_type": "non_profit", "merchant_category": "5812",
                              "limits": {"USD": {"max_per_request": "500.00"}, "JPY": null}}),
        )
        .unwrap();
        assert_eq!(u.profile.business_type, Some(BusinessType::NonProfit));
        assert_eq!(u.profile.merchant_category.unwrap().as_str(), "5812");
        let limits = u.limits.unwrap();
        assert_eq!(limits[0], (Currency::parse("JPY").unwrap(), None));
        assert_eq!(
            limits[1]
                .1
                .unwrap()
                .max_per_request
                .unwrap()
                .to_decimal_string(),
            "500.00"
        );
        assert!(limits[1].1.unwrap().max_rolling_168h.is_none());

        let cases: &[(Value, &str, &str)] = &[
            (json!({"country": "FR"}), "parameter_unknown", "country"),
            (
                json!({"business_type": "llc"}),
                "parameter_invalid",
                "business_type",
            ),
            (
                json!({"merchant_category": "581"}),
                "parameter_invalid",
                "merchant_category",
            ),
            (
                json!({"merchant_category": 5812}),
                "parameter_invalid_type",
                "merchant_category",
            ),
            (
                json!({"display_name": " "}),
                "parameter_invalid",
                "display_name",
            ),
            (
                json!({"allowed_origins": ["https://a.example/"]}),
                "parameter_invalid",
                "allowed_origins.0",
            ),
            (
                json!({"limits": {"usd": {}}}),
                "currency_unsupported",
                "limits.usd",
            ),
            (
                json!({"limits": {"USD": {"max_per_request": "5.001"}}}),
                "parameter_invalid",
                "limits.USD.max_per_request",
            ),
            (
                json!({"limits": {"USD": {"max_rolling_168h": "1000000.00"}}}),
                "amount_too_large",
                "limits.USD.max_rolling_168h",
            ),
            (
                json!({"limits": {"USD": {"max_per_request": "0"}}}),
                "amount_too_small",
                "limits.USD.max_per_request",
            ),
            (
                json!({"limits": {"USD": {"max": "1"}}}),
                "parameter_unknown",
                "limits.USD.max",
            ),
            (json!({"limits": []}), "parameter_invalid_type", "limits"),
            (
                json!({"payout_bank_account": {"iban": "DE00370400440532013000"}}),
                "parameter_invalid",
                "payout_bank_account.iban",
            ),
        ];
        for (body, code, param) in cases {
            let err = update(body.clone()).unwrap_err();
            assert_eq!((err.code, err.param.as_str()), (*code, *param), "{body}");
        }
    }

    #[test]
    fn agents_keys_and_rolls() {
        assert_eq!(
            NewAgent::parse(&json!({"name": " Maya "})).unwrap(),
            NewAgent {
                id: None,
                name: "Maya".into()
            }
        );
        assert_eq!(
            NewAgent::parse(&json!({"id": "a b", "name": "x"}))
                .unwrap_err()
                .param,
            "id"
        );
        assert_eq!(
            NewAgent::parse(&json!({"id": "maya"})).unwrap_err().param,
            "name"
        );
        assert_eq!(
            NewApiKey::parse(&json!({})).unwrap_err().code,
            "parameter_missing"
        );
        assert_eq!(RollKey::parse(None).unwrap().overlap_hours, 0);
        assert_eq!(
            RollKey::parse(Some(&json!({"overlap_hours": 24})))
                .unwrap()
                .overlap_hours,
            24
        );
        for bad in [
            json!({"overlap_hours": 25}),
            json!({"overlap_hours": -1}),
            json!({"overlap_hours": 1.5}),
        ] {
            assert_eq!(
                RollKey::parse(Some(&bad)).unwrap_err().param,
                "overlap_hours",
                "{bad}"
            );
        }
    }

    #[test]
    fn key_scope() {
        let key = |v: Value| NewApiKey::parse(&v);
        assert_eq!(
            key(json!({"agent_id": "maya"})).unwrap(),
            NewApiKey {
                agent_id: "maya".into(),
                scope: KeyScope::Own
            }
        );
        assert_eq!(
            key(json!({"agent_id": "maya", "scope": null}))
                .unwrap()
                .scope,
            KeyScope::Own
        );
        assert_eq!(
            key(json!({"agent_id": "maya", "scope": "own"}))
                .unwrap()
                .scope,
            KeyScope::Own
        );
        assert_eq!(
            key(json!({"agent_id": "maya", "scope": "all"}))
                .unwrap()
                .scope,
            KeyScope::All
        );
        for bad in ["ALL", "", "mine", "own "] {
            let err = key(json!({"agent_id": "maya", "scope": bad})).unwrap_err();
            assert_eq!(
                (err.code, err.param.as_str()),
                ("parameter_invalid", "scope"),
                "{bad}"
            );
        }
        for scope in KeyScope::ALL {
            assert_eq!(KeyScope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(KeyScope::default().as_str(), "own");
    }

    #[test]
    fn card_numbers_in_agents_and_seller_names() {
        let agent =
            NewAgent::parse(&json!({"id": "maya", "name": "Maya 4242 4242 4242 4242"})).unwrap();
        assert_eq!(agent.name, "Maya •••• •••• •••• 4242");
        for id in ["chat-4242424242424242", "4242-4242-4242-4242"] {
            let err = NewAgent::parse(&json!({"id": id, "name": "Maya"})).unwrap_err();
            assert_eq!((err.code, err.param.as_str()), ("parameter_invalid", "id"));
            assert!(!format!("{err:?}").contains("4242424242"), "{err:?}");
            assert!(!format!("{err:?}").contains("4242-4242"), "{err:?}");
            let err = NewApiKey::parse(&json!({ "agent_id": id })).unwrap_err();
            assert_eq!(
                (err.code, err.param.as_str()),
                ("parameter_invalid", "agent_id")
            );
            assert!(!format!("{err:?}").contains("4242424242"), "{err:?}");
        }
        assert!(NewAgent::parse(&json!({"id": "a4242424242424242", "name": "Maya"})).is_ok());

        let u = update(json!({"display_name": " 5555555555554444 "})).unwrap();
        assert_eq!(u.display_name.as_deref(), Some("••••••••••••4444"));
        // Masked after the 100-char check, which counts what was typed.
        let long = format!("{}4242424242424242", "x ".repeat(42));
        assert_eq!(long.chars().count(), 100);
        assert_eq!(
            update(json!({ "display_name": long }))
                .unwrap()
                .display_name
                .unwrap()
                .chars()
                .count(),
            100
        );
    }

    #[test]
    fn unknown_names_holding_card_numbers_are_masked() {
        let err = update(json!({"limits": {"4242424242424242": null}})).unwrap_err();
        assert_eq!(
            (err.code, err.param.as_str()),
            ("currency_unsupported", "limits.••••••••••••4242")
        );
        assert!(!err.message.contains("424242424242"), "{err:?}");
        let err = update(json!({"4242 4242 4242 4242": 1})).unwrap_err();
        assert_eq!(err.param, "•••• •••• •••• 4242");
        let err = Page::parse(&[("5555555555554444".to_owned(), "1".to_owned())]).unwrap_err();
        assert_eq!(
            (err.code, err.param.as_str()),
            ("parameter_unknown", "••••••••••••4444")
        );
        assert!(!err.message.contains("555555555555"), "{err:?}");
    }

    #[test]
    fn origins_over_http_only_for_loopback() {
        assert!(
            update(json!({"allowed_origins": ["http://localhost:8787", "http://[::1]:8787"]}))
                .is_ok()
        );
        let err = update(json!({"allowed_origins": ["https://a.example", "http://a.example"]}))
            .unwrap_err();
        assert_eq!(err.param, "allowed_origins.1");
    }

    #[test]
    fn pages() {
        let q = |pairs: &[(&str, &str)]| {
            Page::parse(
                &pairs
                    .iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(q(&[]).unwrap().limit, 20);
        assert_eq!(
            q(&[("limit", "100"), ("starting_after", "x")])
                .unwrap()
                .starting_after
                .as_deref(),
            Some("x")
        );
        assert_eq!(q(&[("limit", "101")]).unwrap_err().param, "limit");
        assert_eq!(q(&[("sort", "x")]).unwrap_err().code, "parameter_unknown");
    }
}
