//! A strict reader for JSON request bodies: unknown keys, wrong types and missing fields
//! become errors that name the field (`param`), so every 400 points at what to fix.

use crate::mask::mask_card_numbers;
use serde_json::{Map, Value};

/// A field-level rejection: the API's `code`, a human `message` and the dotted `param` path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub code: &'static str,
    pub message: String,
    pub param: String,
}

impl FieldError {
    pub fn new(code: &'static str, param: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            code,
            message: message.into(),
            param: param.into(),
        }
    }

    pub fn invalid(param: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new("parameter_invalid", param, message)
    }

    /// `parameter_unknown` for a name the caller made up (a body key or a query name). The
    /// name is echoed so the caller sees the typo, but with card numbers masked: a PAN
    /// pasted as a key must not come back in a response or land in a log.
    pub fn unknown(param: &str) -> Self {
        let param = mask_card_numbers(param);
        Self::new(
            "parameter_unknown",
            param.as_ref(),
            format!("Received unknown parameter `{param}`."),
        )
    }
}

/// `body[name]` unless it is absent or null: optional fields treat both as "not given".
pub fn present<'a>(body: &'a Value, name: &str) -> Option<&'a Value> {
    body.get(name).filter(|v| !v.is_null())
}

/// The fields of one JSON object, read one at a time by name.
pub struct Fields<'a> {
    map: &'a Map<String, Value>,
    prefix: String,
}

impl<'a> Fields<'a> {
    /// `allowed` lists every key the object may carry; any other key is `parameter_unknown`.
    pub fn new(value: &'a Value, prefix: &str, allowed: &[&str]) -> Result<Fields<'a>, FieldError> {
        let param = if prefix.is_empty() { "body" } else { prefix };
        let map = value.as_object().ok_or_else(|| {
            FieldError::new(
                "parameter_invalid_type",
                param,
                format!("`{param}` must be a JSON object."),
            )
        })?;
        let fields = Fields {
            map,
            prefix: prefix.to_owned(),
        };
        // Report unknown keys in a stable (sorted) order.
        let mut keys: Vec<&String> = map.keys().collect();
        keys.sort();
        if let Some(unknown) = keys.into_iter().find(|k| !allowed.contains(&k.as_str())) {
            return Err(FieldError::unknown(&fields.path(unknown)));
        }
        Ok(fields)
    }

    pub fn path(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.prefix)
        }
    }

    fn get(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    /// Whether the field is present and not null (an optional nested object, say).
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    fn wrong_type(&self, name: &str, kind: &str) -> FieldError {
        let param = self.path(name);
        FieldError::new(
            "parameter_invalid_type",
            param.clone(),
            format!("`{param}` must be {kind}."),
        )
    }

    pub fn missing(&self, name: &str) -> FieldError {
        let param = self.path(name);
        FieldError::new(
            "parameter_missing",
            param.clone(),
            format!("Missing required parameter `{param}`."),
        )
    }

    pub fn opt_str(&self, name: &str) -> Result<Option<&'a str>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.wrong_type(name, "a string")),
        }
    }

    pub fn str(&self, name: &str) -> Result<&'a str, FieldError> {
        self.opt_str(name)?.ok_or_else(|| self.missing(name))
    }

    pub fn int(&self, name: &str) -> Result<i64, FieldError> {
        match self.get(name) {
            None => Err(self.missing(name)),
            Some(Value::Number(n)) => n
                .as_i64()
                .ok_or_else(|| self.wrong_type(name, "an integer")),
            Some(_) => Err(self.wrong_type(name, "an integer")),
        }
    }

    pub fn opt_int(&self, name: &str) -> Result<Option<i64>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            Some(_) => self.int(name).map(Some),
        }
    }

    pub fn opt_bool(&self, name: &str) -> Result<Option<bool>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.wrong_type(name, "a boolean")),
        }
    }

    pub fn opt_str_array(&self, name: &str) -> Result<Option<Vec<&'a str>>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_str()
                        .ok_or_else(|| self.wrong_type(&format!("{name}.{i}"), "a string"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(self.wrong_type(name, "an array of strings")),
        }
    }

    /// A nested object, read with its own allowed keys; its params are `name.key`.
    pub fn object(&self, name: &str, allowed: &[&str]) -> Result<Fields<'a>, FieldError> {
        let value = self.get(name).ok_or_else(|| self.missing(name))?;
        Fields::new(value, &self.path(name), allowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_the_field_at_fault() {
        let v = json!({"a": "x", "n": 3, "o": {"k": 1}});
        let f = Fields::new(&v, "", &["a", "n", "o"]).unwrap();
        assert_eq!(f.str("a").unwrap(), "x");
        assert_eq!(f.str("n").unwrap_err().param, "n");
        assert_eq!(f.str("n").unwrap_err().code, "parameter_invalid_type");
        assert_eq!(f.str("zz").unwrap_err().code, "parameter_missing");
        assert_eq!(f.int("n").unwrap(), 3);
        let err = f.object("o", &["j"]).err().unwrap();
        assert_eq!((err.code, err.param.as_str()), ("parameter_unknown", "o.k"));
        let err = Fields::new(&v, "", &["a"]).err().unwrap();
        assert_eq!((err.code, err.param.as_str()), ("parameter_unknown", "n"));
        assert_eq!(
            Fields::new(&json!([1]), "", &[]).err().unwrap().param,
            "body"
        );
    }

    #[test]
    fn an_unknown_key_holding_a_card_number_is_masked() {
        let v = json!({"4242 4242 4242 4242": 1});
        let err = Fields::new(&v, "", &[]).err().unwrap();
        assert_eq!(err.code, "parameter_unknown");
        assert_eq!(err.param, "•••• •••• •••• 4242");
        assert_eq!(
            err.message,
            "Received unknown parameter `•••• •••• •••• 4242`."
        );
        let nested = json!({"4242424242424242": 1});
        let err = Fields::new(&nested, "shipping", &[]).err().unwrap();
        assert_eq!(err.param, "shipping.••••••••••••4242");
        assert!(!format!("{err:?}").contains("424242424242"), "{err:?}");
        // Other unknown names still come back as typed.
        let err = Fields::new(&json!({"amuont": 1}), "", &[]).err().unwrap();
        assert_eq!(err.param, "amuont");
    }
}
