//! Assertions on the shapes the API promises: the error body, times, amounts and what the
//! public object must never hold. Each `check_*` returns a description of what is wrong,
//! so a table test can report every mismatch at once; each `assert_*` panics with it.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::http::Reply;

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// What `error.param` must be.
#[derive(Clone, Copy, Debug)]
pub enum Param {
    /// `null`: no field is at fault.
    Null,
    /// This dotted field path.
    Is(&'static str),
    /// Present (a string or null), value unspecified by the contract.
    Any,
}

/// The error body `{"error": {"type", "code", "message", "param"}}` with all four keys,
/// `type`/`code`/`message` non-empty strings and `param` a string or null.
pub fn check_error_shape(reply: &Reply) -> Result<(), String> {
    let Some(top) = reply.json.as_object() else {
        return Err("body is not a JSON object".into());
    };
    let Some(error) = top.get("error").and_then(Value::as_object) else {
        return Err("body has no `error` object".into());
    };
    for key in ["type", "code", "message", "param"] {
        if !error.contains_key(key) {
            return Err(format!("`error.{key}` is absent"));
        }
    }
    for key in ["type", "code", "message"] {
        if error[key].as_str().is_none_or(str::is_empty) {
            return Err(format!("`error.{key}` is not a non-empty string"));
        }
    }
    if !(error["param"].is_null() || error["param"].is_string()) {
        return Err("`error.param` is neither a string nor null".into());
    }
    let content_type = reply.header("content-type").unwrap_or("");
    if !content_type.starts_with("application/json") {
        return Err(format!(
            "error Content-Type is {content_type:?}, not application/json"
        ));
    }
    Ok(())
}

/// Status, shape, code (one of `codes`) and param.
pub fn check_error(reply: &Reply, status: u16, codes: &[&str], param: Param) -> Result<(), String> {
    if reply.status >= 500 {
        return Err(format!("server error {} (expected {status})", reply.status));
    }
    if reply.status != status {
        return Err(format!("status {} (expected {status})", reply.status));
    }
    check_error_shape(reply)?;
    let code = reply.code();
    if !codes.contains(&code) {
        return Err(format!("code {code:?} (expected one of {codes:?})"));
    }
    let actual = &reply.json["error"]["param"];
    match param {
        Param::Null if !actual.is_null() => Err(format!("param {actual} (expected null)")),
        Param::Is(p) if actual.as_str() != Some(p) => {
            Err(format!("param {actual} (expected {p:?})"))
        }
        _ => Ok(()),
    }
}

#[track_caller]
pub fn assert_error(reply: &Reply, status: u16, code: &str, param: Param) {
    if let Err(why) = check_error(reply, status, &[code], param) {
        panic!("{why}\n{reply}");
    }
}

/// The error `type` for a code family.
#[track_caller]
pub fn assert_error_type(reply: &Reply, kind: &str) {
    assert_eq!(
        reply.json["error"]["type"].as_str(),
        Some(kind),
        "error.type\n{reply}"
    );
}

/// `YYYY-MM-DDTHH:MM:SS[.fff]Z`, within a day of this machine's clock (the edge runs here).
pub fn check_rfc3339_utc(value: &Value) -> Result<(), String> {
    let Some(text) = value.as_str() else {
        return Err(format!("{value} is not a string"));
    };
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range.clone())
            .filter(|s| s.iter().all(u8::is_ascii_digit))
            .map(|s| {
                std::str::from_utf8(s)
                    .unwrap_or("0")
                    .parse::<i64>()
                    .unwrap_or(0)
            })
    };
    let seps_ok = b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[b.len() - 1] == b'Z';
    let frac_ok = b.len() == 20
        || (b.len() > 21 && b[19] == b'.' && b[20..b.len() - 1].iter().all(u8::is_ascii_digit));
    let parts = (
        digits(0..4),
        digits(5..7),
        digits(8..10),
        digits(11..13),
        digits(14..16),
        digits(17..19),
    );
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s)) = parts else {
        return Err(format!("{text:?} is not RFC 3339 UTC"));
    };
    if !seps_ok
        || !frac_ok
        || !(1..=12).contains(&mo)
        || !(1..=31).contains(&d)
        || h > 23
        || mi > 59
        || s > 60
    {
        return Err(format!(
            "{text:?} is not RFC 3339 UTC (YYYY-MM-DDTHH:MM:SSZ)"
        ));
    }
    let at = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s;
    if (at - unix_now()).abs() > 86_400 {
        return Err(format!("{text:?} is more than a day away from now"));
    }
    Ok(())
}

#[track_caller]
pub fn assert_rfc3339_utc(value: &Value, what: &str) {
    if let Err(why) = check_rfc3339_utc(value) {
        panic!("{what}: {why}");
    }
}

/// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Every key path in `value` (recursively) named `key`.
pub fn find_key(value: &Value, key: &str) -> Vec<String> {
    fn walk(value: &Value, key: &str, path: &str, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let here = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    if k == key {
                        out.push(here.clone());
                    }
                    walk(v, key, &here, out);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, key, &format!("{path}.{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, key, "", &mut out);
    out
}

/// What a buyer may see: the public object's fields, and none of `secrets` (the seller id,
/// the client secret, the agent and conversation ids) anywhere in the body.
#[track_caller]
pub fn assert_public_object(reply: &Reply, request_id: &str, secrets: &[&str]) {
    let body = &reply.json;
    assert_eq!(body["id"].as_str(), Some(request_id), "id\n{reply}");
    for key in ["agent_id", "conversation_id", "client_secret", "secret_key"] {
        let found = find_key(body, key);
        assert!(found.is_empty(), "public object holds {found:?}\n{reply}");
    }
    assert!(
        body["seller"].get("id").is_none(),
        "public object holds seller.id\n{reply}"
    );
    assert!(
        body["seller"]["display_name"].is_string(),
        "public object lacks seller.display_name\n{reply}"
    );
    for secret in secrets {
        assert!(
            !reply.text.contains(secret),
            "public object contains {secret:?}\n{reply}"
        );
    }
    assert_eq!(body["livemode"], Value::Bool(false), "livemode\n{reply}");
    assert_rfc3339_utc(&body["created_at"], "created_at");
    assert!(body["amount"].is_string(), "amount is a string\n{reply}");
    assert!(body["currency"].is_string(), "currency\n{reply}");
    assert!(body["description"].is_string(), "description\n{reply}");
    assert!(
        matches!(
            body["status"].as_str(),
            Some("requested" | "paid" | "canceled")
        ),
        "status\n{reply}"
    );
    assert_json_content_type(reply);
}

#[track_caller]
pub fn assert_json_content_type(reply: &Reply) {
    let ct = reply.header("content-type").unwrap_or("");
    assert!(
        ct.starts_with("application/json"),
        "Content-Type {ct:?} is not JSON\n{reply}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc3339_accepts_utc_now_and_rejects_others() {
        let now = chatpay_core::time::rfc3339(unix_now());
        assert!(check_rfc3339_utc(&json!(now)).is_ok(), "{now}");
        let with_millis = format!("{}.123Z", &now[..19]);
        assert!(check_rfc3339_utc(&json!(with_millis)).is_ok());
        let offset = format!("{}+00:00", &now[..19]);
        assert!(check_rfc3339_utc(&json!(offset)).is_err());
        assert!(check_rfc3339_utc(&json!("2001-01-01T00:00:00Z")).is_err());
        assert!(check_rfc3339_utc(&json!(1_700_000_000)).is_err());
        assert!(check_rfc3339_utc(&json!("2026-13-01T00:00:00Z")).is_err());
    }

    #[test]
    fn days_from_civil_matches_core() {
        for t in [0i64, 951_782_400, 1_795_607_220, 4_102_444_799] {
            let s = chatpay_core::time::rfc3339(t);
            let y: i64 = s[0..4].parse().unwrap();
            let m: i64 = s[5..7].parse().unwrap();
            let d: i64 = s[8..10].parse().unwrap();
            assert_eq!(days_from_civil(y, m, d), t.div_euclid(86_400), "{s}");
        }
    }

    #[test]
    fn find_key_walks_nested_values() {
        let v = json!({"a": {"agent_id": 1}, "b": [{"agent_id": 2}]});
        assert_eq!(find_key(&v, "agent_id"), vec!["a.agent_id", "b.0.agent_id"]);
    }
}
