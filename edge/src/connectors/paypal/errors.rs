//! PayPal's error body: its `name` and each detail's `issue`, reduced to PayPal's code
//! alphabet so nothing else of an answer reaches a message.

use super::super::connector::Failure;
use serde::Deserialize;

/// PayPal's error answer. Only the error's `name` and each detail's `issue` are read: a
/// detail's `value` and `description` can echo what we sent (a card number), so they are
/// never deserialized.
#[derive(Default, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub details: Vec<ErrorDetail>,
}

#[derive(Deserialize)]
pub struct ErrorDetail {
    #[serde(default)]
    pub issue: Option<String>,
}

impl ErrorBody {
    /// The issues, each reduced to PayPal's code alphabet (`A-Z`, digits, `_`).
    pub fn issues(&self) -> impl Iterator<Item = String> + '_ {
        self.details
            .iter()
            .filter_map(|d| d.issue.as_deref())
            .map(code)
            .filter(|i| !i.is_empty())
    }

    pub fn has_issue(&self, wanted: &str) -> bool {
        self.issues().any(|i| i == wanted)
    }

    /// "PayPal refused the call: UNPROCESSABLE_ENTITY (CARD_EXPIRED)."
    pub fn message(&self) -> String {
        let name = self.name.as_deref().map(code).filter(|n| !n.is_empty());
        let issues: Vec<String> = self.issues().take(4).collect();
        let mut text = String::from("PayPal refused the call");
        if let Some(name) = name {
            text.push_str(": ");
            text.push_str(&name);
        }
        if !issues.is_empty() {
            text.push_str(" (");
            text.push_str(&issues.join(", "));
            text.push(')');
        }
        text.push('.');
        text
    }

    pub fn rejected(&self) -> Failure {
        Failure::Rejected {
            message: self.message(),
        }
    }
}

/// An error code as PayPal spells them, capped: nothing else of an answer reaches a message.
pub fn code(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(64)
        .collect::<String>()
        .to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_carry_names_and_issues_only() {
        let error: ErrorBody = serde_json::from_str(
            r#"{"name":"UNPROCESSABLE_ENTITY","message":"The requested action could not be performed","debug_id":"abc123","details":[{"field":"/payment_source/card/number","value":"4111111111111111","issue":"CARD_EXPIRED","description":"The card 4111111111111111 is expired"},{"issue":"x\n<script>"}]}"#,
        )
        .unwrap();
        assert!(error.has_issue("CARD_EXPIRED"));
        let message = error.message();
        assert_eq!(
            message,
            "PayPal refused the call: UNPROCESSABLE_ENTITY (CARD_EXPIRED, XSCRIPT)."
        );
        assert!(!message.contains("4111"));
        assert_eq!(
            error.rejected(),
            Failure::Rejected {
                message: message.clone()
            }
        );
    }
}
