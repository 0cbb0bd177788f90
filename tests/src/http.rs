//! Raw HTTP against the edge: any method, path, headers and body, with every status
//! (4xx and 5xx included) returned as data rather than as an error.

use std::fmt;

use serde_json::Value;

/// One request being built. `send()` performs it.
pub struct Call<'a> {
    agent: &'a ureq::Agent,
    base: String,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl<'a> Call<'a> {
    pub(crate) fn new(agent: &'a ureq::Agent, base: String, method: &str, path: &str) -> Self {
        Call {
            agent,
            base,
            method: method.to_owned(),
            path: path.to_owned(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("Authorization", &format!("Bearer {token}"))
    }

    pub fn idempotency_key(self, key: &str) -> Self {
        self.header("Idempotency-Key", key)
    }

    pub fn origin(self, origin: &str) -> Self {
        self.header("Origin", origin)
    }

    /// A JSON body with `Content-Type: application/json`.
    pub fn json(self, body: &Value) -> Self {
        self.raw(Some("application/json"), body.to_string())
    }

    /// Any bytes, with the given content type or none at all.
    pub fn raw(mut self, content_type: Option<&str>, body: impl Into<Vec<u8>>) -> Self {
        if let Some(ct) = content_type {
            self.headers
                .push(("Content-Type".to_owned(), ct.to_owned()));
        }
        self.body = Some(body.into());
        self
    }

    pub fn send(self) -> Reply {
        let url = format!("{}{}", self.base, self.path);
        let what = self.describe();
        let mut req = self.agent.request(&self.method, &url);
        for (name, value) in &self.headers {
            req = req.set(name, value);
        }
        let sends_body = matches!(self.method.as_str(), "POST" | "PUT" | "PATCH");
        let result = match (&self.body, sends_body) {
            (Some(body), _) => req.send_bytes(body),
            // An explicit `Content-Length: 0`, as browsers send for an empty POST.
            (None, true) => req.send_bytes(&[]),
            (None, false) => req.call(),
        };
        let resp = match result {
            Ok(resp) | Err(ureq::Error::Status(_, resp)) => resp,
            Err(e) => panic!("{what}: no HTTP answer: {e}"),
        };
        let status = resp.status();
        let headers = resp
            .headers_names()
            .into_iter()
            .flat_map(|name| {
                resp.all(&name)
                    .into_iter()
                    .map(|v| (name.to_ascii_lowercase(), v.to_owned()))
                    .collect::<Vec<_>>()
            })
            .collect();
        let text = resp
            .into_string()
            .unwrap_or_else(|e| panic!("{what}: reading the body failed: {e}"));
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            what,
            status,
            headers,
            text,
            json,
        }
    }

    /// `POST /v1/x {"a":1}` (headers and a body preview), for failure messages.
    fn describe(&self) -> String {
        let mut out = format!("{} {}", self.method, clip(&self.path, 200));
        for (name, value) in &self.headers {
            out.push_str(&format!("\n    {name}: {}", clip(value, 120)));
        }
        if let Some(body) = &self.body {
            out.push_str(&format!(
                "\n    body ({} bytes): {}",
                body.len(),
                clip(&String::from_utf8_lossy(body), 400)
            ));
        }
        out
    }
}

/// An answer: status, headers (names lower-cased) and body, as text and parsed JSON
/// (`Value::Null` when the body is not JSON).
#[derive(Clone, Debug)]
pub struct Reply {
    pub what: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub text: String,
    pub json: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body, once the status is the expected one; otherwise a panic that shows both.
    pub fn expect(&self, status: u16) -> &Value {
        assert!(self.status == status, "expected {status}, got:\n{self}");
        &self.json
    }

    /// `error.code`, or "" when the body is not an error.
    pub fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("")
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "  request:  {}\n  response: {} {}",
            self.what,
            self.status,
            clip(&self.text, 1500)
        )
    }
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let head: String = text.chars().take(max).collect();
        format!("{head}... ({} chars)", text.chars().count())
    }
}
