//! The buyer's delivery address, checked per country where the postal format is known.

use crate::fields::{FieldError, Fields};
use crate::orders::text::{masked, opt_text, text};
use serde::{Deserialize, Serialize};

/// A delivery address, checked per country where the format is known.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Shipping {
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: String,
    pub state: Option<String>,
    pub country: String,
}

/// Postal code patterns: each char `9` is a digit, `A` a letter, others literal. Countries
/// not listed accept 2 to 10 letters, digits, spaces and hyphens.
fn postal_ok(country: &str, code: &str) -> bool {
    let fits = |pattern: &str| {
        pattern.len() == code.len()
            && pattern.bytes().zip(code.bytes()).all(|(p, c)| match p {
                b'9' => c.is_ascii_digit(),
                b'A' => c.is_ascii_uppercase(),
                other => other == c,
            })
    };
    match country {
        "US" => fits("99999") || fits("99999-9999"),
        "CA" => fits("A9A 9A9"),
        "DE" | "FR" => fits("99999"),
        "NL" => fits("9999 AA"),
        "JP" => fits("999-9999"),
        "AU" => fits("9999"),
        "GB" => {
            let compact: String = code.chars().filter(|c| *c != ' ').collect();
            (5..=7).contains(&compact.len())
                && code
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == ' ')
                && compact[compact.len() - 3..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit())
        }
        _ => {
            (2..=10).contains(&code.len())
                && code
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        }
    }
}

impl Shipping {
    pub fn parse(f: &Fields) -> Result<Shipping, FieldError> {
        let s = f.object(
            "shipping",
            &[
                "name",
                "line1",
                "line2",
                "city",
                "postal_code",
                "state",
                "country",
            ],
        )?;
        let country = s.str("country")?;
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(FieldError::invalid(
                "shipping.country",
                "`shipping.country` must be an ISO 3166-1 alpha-2 code such as \"US\".",
            ));
        }
        let postal_code = text(&s, "postal_code", 16)?;
        if !postal_ok(country, postal_code) {
            return Err(FieldError::invalid(
                "shipping.postal_code",
                format!("`shipping.postal_code` is not a valid postal code for {country}."),
            ));
        }
        let state = opt_text(&s, "state", 64)?;
        if state.is_none() && matches!(country, "US" | "CA" | "AU") {
            return Err(s.missing("state"));
        }
        Ok(Shipping {
            name: masked(text(&s, "name", 200)?),
            line1: masked(text(&s, "line1", 200)?),
            line2: opt_text(&s, "line2", 200)?.map(masked),
            city: masked(text(&s, "city", 100)?),
            postal_code: masked(postal_code),
            state: state.map(masked),
            country: country.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn shipping_per_country() {
        let parse = |v: Value| {
            let body = json!({ "shipping": v });
            let f = Fields::new(&body, "", &["shipping"]).unwrap();
            Shipping::parse(&f)
        };
        let us = json!({"name": "Sam", "line1": "1 Main St", "city": "Austin", "postal_code": "78701", "state": "TX", "country": "US"});
        assert!(parse(us.clone()).is_ok());
        let mut bad = us.clone();
        bad["postal_code"] = json!("7870");
        assert_eq!(parse(bad).unwrap_err().param, "shipping.postal_code");
        let mut no_state = us;
        no_state["state"] = Value::Null;
        assert_eq!(parse(no_state).unwrap_err().param, "shipping.state");
        assert!(parse(json!({"name": "A", "line1": "B", "city": "Köln", "postal_code": "50667", "country": "DE"})).is_ok());
        assert!(parse(json!({"name": "A", "line1": "B", "city": "London", "postal_code": "SW1A 1AA", "country": "GB"})).is_ok());
        assert!(parse(json!({"name": "A", "line1": "B", "city": "Tokyo", "postal_code": "100-0001", "country": "JP"})).is_ok());
        assert!(parse(json!({"name": "A", "line1": "B", "city": "Tokyo", "postal_code": "1000001", "country": "JP"})).is_err());
    }

    #[test]
    fn card_numbers_in_the_address_are_masked() {
        let body = json!({ "shipping": {
            "name": "Sam 4242424242424242",
            "line1": "1 Main St 5555 5555 5555 4444",
            "line2": "Apt 4242-4242-4242-4242",
            "city": "Austin 378282246310005",
            "postal_code": "78701",
            "state": "TX 6759649826438453",
            "country": "US",
        }});
        let f = Fields::new(&body, "", &["shipping"]).unwrap();
        let s = Shipping::parse(&f).unwrap();
        assert_eq!(s.name, "Sam ••••••••••••4242");
        assert_eq!(s.line1, "1 Main St •••• •••• •••• 4444");
        assert_eq!(s.line2.as_deref(), Some("Apt ••••-••••-••••-4242"));
        assert_eq!(s.city, "Austin •••••••••••0005");
        assert_eq!(s.postal_code, "78701");
        assert_eq!(s.state.as_deref(), Some("TX ••••••••••••8453"));
    }
}
