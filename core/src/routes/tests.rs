use super::*;
use std::collections::BTreeSet;

#[test]
fn matching_routes_and_params() {
    let m = matching(&["v1", "payment_requests", "pr_x", "pay"]);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].0.operation, Operation::Pay);
    assert_eq!(m[0].1, vec!["pr_x"]);
    assert_eq!(matching(&["v1", "payment_requests"]).len(), 2);
    assert!(matching(&["v1", "nope"]).is_empty());
    assert_eq!(matching(&[])[0].0.operation, Operation::DemoPage);
}

#[test]
fn no_duplicate_routes() {
    let mut seen = BTreeSet::new();
    for r in ROUTES {
        assert!(
            seen.insert((r.method, r.path)),
            "{} {} twice",
            r.method,
            r.path
        );
    }
}

#[test]
fn rows_are_consistent() {
    for r in ROUTES {
        let what = format!("{} {}", r.method, r.path);
        let writes = matches!(r.method, "POST" | "PATCH");
        assert_eq!(
            r.path.contains('{'),
            r.id != PathId::None,
            "{what}: path id"
        );
        if !writes {
            assert_eq!(
                r.body,
                Body::Forbidden,
                "{what}: only POST and PATCH take a body"
            );
            assert!(
                !r.idempotent,
                "{what}: only POST and PATCH take an Idempotency-Key"
            );
        }
        if r.control_plane {
            assert!(
                r.credential.takes_seller_key(),
                "{what}: control plane needs a key"
            );
        }
        if r.answer == Answer::Upgrade {
            assert_eq!(r.method, "GET", "{what}: an upgrade is a GET");
        }
    }
    // Every operation but the preflight's has a route.
    assert!(Operation::Pay.route().is_some());
    assert!(Operation::AllowedOrigins.route().is_none());
}

/// Restricted keys reach the conversation's work and nothing else.
#[test]
fn agents_reach_conversations_only() {
    let agents: BTreeSet<&str> = ROUTES
        .iter()
        .filter(|r| r.credential.admits_agents())
        .map(|r| r.path)
        .collect();
    assert!(agents.contains("/v1/payment_requests/{id}/ship"));
    assert!(agents.contains("/v1/conversations/{id}/timeline"));
    for path in [
        "/v1/payment_requests/{id}/refunds",
        "/v1/keys",
        "/v1/reports/revenue",
    ] {
        assert!(!agents.contains(path), "{path}");
    }
}

/// The OpenAPI document and this table describe the same API: a route the document
/// lacks, or a documented route that does not exist, fails here.
#[test]
fn openapi_document_lists_exactly_the_routes() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
    let text = std::fs::read_to_string(path).expect("docs/openapi.json exists");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("docs/openapi.json is JSON");
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "OpenAPI 3.1"
    );
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "head", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let mut served: BTreeSet<(String, String)> = ROUTES
        .iter()
        .filter(|r| !r.demo_only)
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    served.extend(
        STATIC_FILES
            .iter()
            .map(|p| ("GET".to_string(), p.to_string())),
    );
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let missing: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "routes the OpenAPI document lacks: {undocumented:?}"
    );
    assert!(
        missing.is_empty(),
        "documented routes that do not exist: {missing:?}"
    );
}
