//! The PayPal stand-in (`tests/paypal/standin.mjs`, written from PayPal's published API
//! documents) as a child process, and an edge whose live mode points at it.

use crate::api::{unique, PaymentRequest, Seller};
use crate::edge::{repo_root, Edge, Secrets, Setup};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const CLIENT_ID: &str = "standin-client";
pub const CLIENT_SECRET: &str = "standin-secret-7d1c";
pub const WEBHOOK_ID: &str = "WHSTANDIN";
/// A PayPal merchant id (13 characters from `2-9A-HJ-NP-Z`).
pub const MERCHANT_ID: &str = "7DZ9A4T4S9CQL";

pub struct StandIn {
    child: Child,
    pub url: String,
    agent: ureq::Agent,
}

impl StandIn {
    pub fn start() -> StandIn {
        let root = repo_root();
        // Its stdin stays open for as long as this process holds the child, so a stand-in
        // kept in a static, never dropped, still goes when the test binary exits.
        let spawn = |node: &std::path::Path| {
            Command::new(node)
                .arg(root.join("tests/paypal/standin.mjs"))
                .args(["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET])
                .args(["--webhook-id", WEBHOOK_ID])
                .env("STANDIN_EXIT_WITH_STDIN", "1")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
        };
        let mut child = spawn(&root.join("node_modules/.bin/node"))
            .or_else(|_| spawn(std::path::Path::new("node")))
            .expect("start the PayPal stand-in");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the stand-in's first line");
        let ready: Value = serde_json::from_str(&line).expect("{\"listening\": url}");
        let url = ready["listening"].as_str().expect("url").to_owned();
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(30))
            .redirects(0)
            .build();
        StandIn { child, url, agent }
    }

    /// A control call (`/__standin/...`).
    pub fn control(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let request = self
            .agent
            .request(method, &format!("{}/__standin{path}", self.url));
        let reply = match body {
            Some(body) => request.send_json(body),
            None => request.call(),
        };
        match reply {
            Ok(r) => r.into_json().unwrap_or(Value::Null),
            Err(ureq::Error::Status(_, r)) => r.into_json().unwrap_or(Value::Null),
            Err(e) => panic!("stand-in {path}: {e}"),
        }
    }

    /// Every call the edge made, oldest first.
    pub fn requests(&self) -> Vec<Value> {
        self.control("GET", "/requests", None)
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// What the edge sent that PayPal's documents do not allow.
    pub fn violations(&self) -> Vec<Value> {
        self.control("GET", "/violations", None)
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The calls to `path` (a prefix), oldest first.
    pub fn calls_to(&self, method: &str, path: &str) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| {
                r["method"] == method && r["path"].as_str().is_some_and(|p| p.starts_with(path))
            })
            .collect()
    }

    /// The captures PayPal holds for `request`, oldest first.
    pub fn captures_for(&self, request: &PaymentRequest) -> Vec<Value> {
        self.control("GET", "/captures", None)
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|c| c["custom_id"] == request.id.as_str())
            .collect()
    }

    /// The id of the (first) capture PayPal holds for `request`.
    pub fn capture_id(&self, request: &PaymentRequest) -> String {
        self.captures_for(request)
            .first()
            .and_then(|c| c["id"].as_str())
            .unwrap_or_else(|| panic!("no capture for {}", request.id))
            .to_owned()
    }

    /// The first order the edge created for `request`, as it sent it.
    pub fn order_of(&self, request: &PaymentRequest) -> Value {
        let create = self
            .calls_to("POST", "/v2/checkout/orders")
            .into_iter()
            .filter(|c| c["path"] == "/v2/checkout/orders")
            .find(|c| c["body"].as_str().is_some_and(|b| b.contains(&request.id)))
            .unwrap_or_else(|| panic!("no order created for {}", request.id));
        serde_json::from_str(create["body"].as_str().unwrap()).unwrap()
    }

    /// Nothing the edge sent broke PayPal's documents, and every POST but the OAuth call
    /// carried a `PayPal-Request-Id` PayPal takes (at most 108 characters).
    pub fn assert_clean(&self) {
        let violations = self.violations();
        assert!(
            violations.is_empty(),
            "the edge sent what PayPal's documents refuse: {violations:#?}"
        );
        for call in self.requests() {
            if call["method"] == "POST" && call["path"] != "/v1/oauth2/token" {
                let id = call["headers"]["paypal-request-id"].as_str().unwrap_or("");
                assert!(
                    !id.is_empty() && id.len() <= 108,
                    "POST {} without PayPal-Request-Id",
                    call["path"]
                );
            }
        }
    }

    /// PayPal's four settings, for an edge's env file.
    pub fn settings(&self) -> Vec<String> {
        vec![
            format!("PAYPAL_API_BASE={}", self.url),
            format!("PAYPAL_CLIENT_ID={CLIENT_ID}"),
            format!("PAYPAL_CLIENT_SECRET={CLIENT_SECRET}"),
            format!("PAYPAL_WEBHOOK_ID={WEBHOOK_ID}"),
        ]
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh edge whose live mode talks to `standin`.
pub fn live_edge(standin: &StandIn) -> Edge {
    let mut secrets = Secrets::random();
    secrets.extra = standin.settings();
    Edge::start_with(Setup {
        secrets,
        ..Setup::default()
    })
}

/// A new live seller in `currency`, paid out to [`MERCHANT_ID`].
pub fn live_seller(edge: &Edge, currency: &str) -> Seller {
    edge.create_seller_with(json!({
        "display_name": format!("Live {}", unique("")),
        "country": "US",
        "default_currency": currency,
        "allowed_origins": [],
        "livemode": true,
        "paypal_merchant_id": MERCHANT_ID,
    }))
}
