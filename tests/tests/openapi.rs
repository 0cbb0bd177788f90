//! The OpenAPI document (`docs/openapi.json`) against the running edge: the edge serves it
//! at `GET /openapi.json` (the build copies it to `dist/public/openapi.json`, a static
//! asset), and every (method, path) it documents is a route the edge knows.
//!
//! This file checks one direction only: documented ⇒ routed. The reverse (a route the edge
//! has that the document lacks) is checked by a unit test against the router's route table
//! in `edge/`, which can see every route without guessing URLs.

use std::collections::BTreeSet;
use std::path::PathBuf;

use chatpay_tests::{shared, Reply};
use serde_json::Value;

/// The methods an OpenAPI path item may hold operations under.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Operations carrying this extension arrive with the accounts work (issue 3, section 1).
/// Until that is merged the edge answers them with the router's catch-all 404, which is
/// tolerated for them and for nothing else.
const SINCE_ACCOUNTS: &str = "accounts";

fn document() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Follows a local `$ref` (`#/components/...`) once; other values come back as they are.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(pointer) => doc
            .pointer(pointer.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("unresolved $ref {pointer}")),
        None => value,
    }
}

/// A well-formed placeholder for a path parameter: `pr_aaaa...` for a pattern such as
/// `^pr_[a-z2-7]+$` (it fails the id's MAC, so the edge answers 404 `resource_missing` from
/// the route itself, or 401 first), and a plain external id otherwise.
fn placeholder(doc: &Value, parameter: &Value) -> String {
    let schema = resolve(doc, &parameter["schema"]);
    let pattern = schema["pattern"].as_str().unwrap_or("");
    match pattern
        .strip_prefix('^')
        .and_then(|p| p.strip_suffix("[a-z2-7]+$"))
    {
        Some(prefix) => format!("{prefix}{}", "a".repeat(26)),
        None => "openapi-probe".to_owned(),
    }
}

struct Operation {
    method: String,
    template: String,
    url: String,
    since: Option<String>,
}

/// Every operation in the document, with its path parameters filled in.
fn operations(doc: &Value) -> Vec<Operation> {
    let paths = doc["paths"].as_object().expect("`paths` is an object");
    let mut out = Vec::new();
    for (template, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let parameters = item["parameters"]
                .as_array()
                .into_iter()
                .chain(op["parameters"].as_array())
                .flatten()
                .map(|p| resolve(doc, p))
                .filter(|p| p["in"] == "path");
            let mut url = template.clone();
            for p in parameters {
                let name = p["name"].as_str().expect("a path parameter has a name");
                url = url.replace(&format!("{{{name}}}"), &placeholder(doc, p));
            }
            assert!(
                !url.contains('{'),
                "{method} {template}: a path parameter is not declared"
            );
            out.push(Operation {
                method: method.to_ascii_uppercase(),
                template: template.clone(),
                url,
                since: op["x-chatpay-since"].as_str().map(str::to_owned),
            });
        }
    }
    out
}

/// The router's catch-all: `404 resource_missing "Unrecognized request URL (...)."`.
fn unrecognized(reply: &Reply) -> bool {
    reply.status == 404
        && reply.json["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Unrecognized request URL"))
}

#[test]
fn the_document_is_openapi_3_1_with_unique_operation_ids() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let ops = operations(&doc);
    assert!(ops.len() >= 20, "only {} operations documented", ops.len());
    let mut ids = BTreeSet::new();
    for op in &ops {
        let item = &doc["paths"][&op.template][op.method.to_ascii_lowercase()];
        let id = item["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{} {} has no operationId", op.method, op.template));
        assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
        // Every documented error answer is the shared Error shape.
        for (status, response) in item["responses"].as_object().expect("responses") {
            if status.starts_with('4') || status.starts_with('5') {
                let response = resolve(&doc, response);
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/Error",
                    "{} {} {status}",
                    op.method,
                    op.template
                );
            }
        }
    }
}

#[test]
fn openapi_json_is_served_and_equals_docs_openapi_json() {
    let edge = shared();
    let reply = edge.call("GET", "/openapi.json").send();
    assert!(
        !unrecognized(&reply),
        "GET /openapi.json is not served: the build must copy docs/openapi.json to \
         dist/public/openapi.json\n{reply}"
    );
    assert_eq!(reply.status, 200, "{reply}");
    let content_type = reply.header("content-type").unwrap_or("");
    assert!(
        content_type.starts_with("application/json"),
        "content-type {content_type:?}\n{reply}"
    );
    let served: Value = serde_json::from_str(&reply.text)
        .unwrap_or_else(|e| panic!("GET /openapi.json is not JSON: {e}\n{reply}"));
    assert!(
        served == document(),
        "GET /openapi.json differs from docs/openapi.json: rebuild (scripts/build-widget.sh)"
    );
}

#[test]
fn every_documented_operation_is_routed() {
    let edge = shared();
    let doc = document();
    let mut failures = Vec::new();
    let mut pending = Vec::new();
    for op in operations(&doc) {
        // No credential and no body: each route answers from its own checks (401, 404 for
        // a placeholder id, 400 for a missing body, 200 for public pages), never from the
        // router's fallbacks.
        let reply = edge.call(&op.method, &op.url).send();
        let what = format!(
            "{} {} (as {} {})",
            op.method, op.template, op.method, op.url
        );
        if unrecognized(&reply) {
            if op.since.as_deref() == Some(SINCE_ACCOUNTS) {
                pending.push(what);
            } else {
                failures.push(format!("{what}: not routed\n{reply}"));
            }
        } else if reply.status == 405 {
            failures.push(format!("{what}: method not allowed\n{reply}"));
        }
    }
    if !pending.is_empty() {
        eprintln!(
            "documented but not yet routed (x-chatpay-since: {SINCE_ACCOUNTS}):\n  {}",
            pending.join("\n  ")
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
