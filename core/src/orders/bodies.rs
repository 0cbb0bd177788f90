//! The bodies of the order actions: ship, refund, open, answer and resolve a claim, decline,
//! and the test clock.

use crate::currency::Currency;
use crate::fields::{FieldError, Fields};
use crate::money::{Amount, AmountLimits};
use crate::orders::text::{masked, one_of, opt_text, text};
use serde_json::Value;

/// `POST .../ship`.
pub struct ShipBody {
    pub carrier: String,
    pub tracking_number: String,
}

impl ShipBody {
    pub fn parse(body: &Value) -> Result<ShipBody, FieldError> {
        let f = Fields::new(body, "", &["carrier", "tracking_number"])?;
        let tracking = text(&f, "tracking_number", 64)?;
        if !tracking
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ')
        {
            return Err(FieldError::invalid(
                "tracking_number",
                "`tracking_number` may contain letters, digits, spaces and hyphens.",
            ));
        }
        Ok(ShipBody {
            carrier: masked(text(&f, "carrier", 64)?),
            tracking_number: masked(tracking),
        })
    }
}

pub const REFUND_REASONS: &[&str] = &["requested_by_customer", "duplicate", "fraudulent", "other"];

/// `POST .../refunds`: no amount means the rest.
pub struct RefundBody {
    pub amount: Option<Amount>,
    pub reason: &'static str,
}

impl RefundBody {
    pub fn parse(body: &Value, currency: Currency) -> Result<RefundBody, FieldError> {
        let f = Fields::new(body, "", &["amount", "reason"])?;
        let amount = match f.opt_str("amount")? {
            None => None,
            Some(text) => Some(
                Amount::parse(text, currency, &AmountLimits::default())
                    .map_err(|e| FieldError::invalid("amount", e.to_string()))?,
            ),
        };
        Ok(RefundBody {
            amount,
            reason: one_of(&f, "reason", REFUND_REASONS)?,
        })
    }
}

pub const CLAIM_REASONS: &[&str] = &[
    "item_not_received",
    "damaged",
    "not_as_described",
    "unauthorized",
];

pub struct ClaimBody {
    pub reason: &'static str,
    pub description: Option<String>,
}

impl ClaimBody {
    pub fn parse(body: &Value) -> Result<ClaimBody, FieldError> {
        let f = Fields::new(body, "", &["reason", "description"])?;
        Ok(ClaimBody {
            reason: one_of(&f, "reason", CLAIM_REASONS)?,
            description: opt_text(&f, "description", 2000)?.map(masked),
        })
    }
}

pub fn parse_claim_response(body: &Value) -> Result<String, FieldError> {
    let f = Fields::new(body, "", &["message"])?;
    Ok(masked(text(&f, "message", 2000)?))
}

/// `refund` or `reject`.
pub fn parse_claim_outcome(body: &Value) -> Result<bool, FieldError> {
    let f = Fields::new(body, "", &["outcome"])?;
    Ok(one_of(&f, "outcome", &["refund", "reject"])? == "refund")
}

pub fn parse_decline(body: Option<&Value>) -> Result<Option<String>, FieldError> {
    let Some(body) = body else { return Ok(None) };
    let f = Fields::new(body, "", &["reason"])?;
    Ok(opt_text(&f, "reason", 500)?.map(masked))
}

/// `POST /v1/test_helpers/advance_clock`: at most a year at a time.
pub fn parse_advance(body: &Value) -> Result<i64, FieldError> {
    let f = Fields::new(body, "", &["seconds"])?;
    let seconds = f.int("seconds")?;
    if !(1..=31_536_000).contains(&seconds) {
        return Err(FieldError::invalid(
            "seconds",
            "`seconds` must be between 1 and 31536000.",
        ));
    }
    Ok(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn card_numbers_in_free_text_are_masked() {
        // Checked as typed, masked after: a tracking number of digits passes its
        // letters-digits-spaces check, then is stored masked.
        let ship = ShipBody::parse(
            &json!({"carrier": "UPS 4242424242424242", "tracking_number": "4242 4242 4242 4242"}),
        )
        .unwrap();
        assert_eq!(ship.carrier, "UPS ••••••••••••4242");
        assert_eq!(ship.tracking_number, "•••• •••• •••• 4242");
        let ship =
            ShipBody::parse(&json!({"carrier": "UPS", "tracking_number": "1Z999AA10123456784"}))
                .unwrap();
        assert_eq!(ship.tracking_number, "1Z999AA10123456784");

        let claim = ClaimBody::parse(
            &json!({"reason": "damaged", "description": "charged twice on 4242424242424242"}),
        )
        .unwrap();
        assert_eq!(
            claim.description.as_deref(),
            Some("charged twice on ••••••••••••4242")
        );
        assert_eq!(
            parse_claim_response(&json!({"message": "refund to 5555555555554444?"})).unwrap(),
            "refund to ••••••••••••4444?"
        );
        assert_eq!(
            parse_decline(Some(&json!({"reason": "use 4242 4242 4242 4242 instead"})))
                .unwrap()
                .as_deref(),
            Some("use •••• •••• •••• 4242 instead")
        );
        assert_eq!(parse_decline(None).unwrap(), None);
    }

    #[test]
    fn bodies() {
        let usd = Currency::parse("USD").unwrap();
        assert!(RefundBody::parse(&json!({"reason": "duplicate"}), usd)
            .unwrap()
            .amount
            .is_none());
        assert_eq!(
            RefundBody::parse(&json!({"amount": "1.234", "reason": "duplicate"}), usd)
                .err()
                .unwrap()
                .param,
            "amount"
        );
        assert_eq!(
            RefundBody::parse(&json!({"reason": "because"}), usd)
                .err()
                .unwrap()
                .param,
            "reason"
        );
        assert_eq!(
            ClaimBody::parse(&json!({"reason": "damaged", "x": 1}))
                .err()
                .unwrap()
                .code,
            "parameter_unknown"
        );
        assert!(parse_claim_outcome(&json!({"outcome": "refund"})).unwrap());
        assert_eq!(
            parse_advance(&json!({"seconds": 0})).unwrap_err().param,
            "seconds"
        );
        assert_eq!(
            ShipBody::parse(&json!({"carrier": "UPS"}))
                .err()
                .unwrap()
                .param,
            "tracking_number"
        );
    }
}
