//! Every route the edge serves, in one table. The Worker matches requests against it (so a
//! route cannot exist without being listed here), and a test compares it with the OpenAPI
//! document (so no route goes undocumented, and no documented route is missing).

/// What a route does; the Worker dispatches on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handler {
    Healthz,
    DemoPage,
    DemoSeed,
    DemoAsset,
    Dashboard,
    Frame,
    WidgetLoader,
    CreateSeller,
    CreateRequest,
    ListRequests,
    GetRequest,
    GetPublic,
    Pay,
    Cancel,
    Decline,
    Ship,
    Deliver,
    Refund,
    OpenClaim,
    RespondClaim,
    ResolveClaim,
    Timeline,
    Revenue,
    AdvanceClock,
    GetSeller,
    UpdateSeller,
    CreateAgent,
    ListAgents,
    CreateKey,
    ListKeys,
    RevokeKey,
    RollKey,
    ResetKeys,
    ListEvents,
    Unlock,
}

pub struct Route {
    pub method: &'static str,
    /// `/v1/payment_requests/{id}/pay`: `{...}` matches one path segment.
    pub path: &'static str,
    pub handler: Handler,
    /// Local-demo routes (present only in the wrangler environment `demo`), not part of the API.
    pub demo_only: bool,
}

const fn api(method: &'static str, path: &'static str, handler: Handler) -> Route {
    Route {
        method,
        path,
        handler,
        demo_only: false,
    }
}

const fn demo(method: &'static str, path: &'static str, handler: Handler) -> Route {
    Route {
        method,
        path,
        handler,
        demo_only: true,
    }
}

pub const ROUTES: &[Route] = &[
    api("GET", "/healthz", Handler::Healthz),
    demo("GET", "/", Handler::DemoPage),
    demo("GET", "/index.html", Handler::DemoPage),
    demo("POST", "/demo/seed", Handler::DemoSeed),
    demo("GET", "/demo/chat.js", Handler::DemoAsset),
    demo("GET", "/demo/chat.css", Handler::DemoAsset),
    api("GET", "/dashboard", Handler::Dashboard),
    api("GET", "/v1/frame/{id}", Handler::Frame),
    api("GET", "/v1/widget.js", Handler::WidgetLoader),
    api("POST", "/v1/sellers", Handler::CreateSeller),
    api("POST", "/v1/sellers/{id}/reset_keys", Handler::ResetKeys),
    api("POST", "/v1/payment_requests", Handler::CreateRequest),
    api("GET", "/v1/payment_requests", Handler::ListRequests),
    api("GET", "/v1/payment_requests/{id}", Handler::GetRequest),
    api(
        "GET",
        "/v1/payment_requests/{id}/public",
        Handler::GetPublic,
    ),
    api(
        "GET",
        "/v1/payment_requests/{id}/events",
        Handler::ListEvents,
    ),
    api("POST", "/v1/payment_requests/{id}/pay", Handler::Pay),
    api("POST", "/v1/payment_requests/{id}/unlock", Handler::Unlock),
    api("POST", "/v1/payment_requests/{id}/cancel", Handler::Cancel),
    api(
        "POST",
        "/v1/payment_requests/{id}/decline",
        Handler::Decline,
    ),
    api("POST", "/v1/payment_requests/{id}/ship", Handler::Ship),
    api(
        "POST",
        "/v1/payment_requests/{id}/deliver",
        Handler::Deliver,
    ),
    api("POST", "/v1/payment_requests/{id}/refunds", Handler::Refund),
    api(
        "POST",
        "/v1/payment_requests/{id}/claims",
        Handler::OpenClaim,
    ),
    api("POST", "/v1/claims/{id}/respond", Handler::RespondClaim),
    api("POST", "/v1/claims/{id}/resolve", Handler::ResolveClaim),
    api("GET", "/v1/conversations/{id}/timeline", Handler::Timeline),
    api("GET", "/v1/reports/revenue", Handler::Revenue),
    api(
        "POST",
        "/v1/test_helpers/advance_clock",
        Handler::AdvanceClock,
    ),
    api("GET", "/v1/seller", Handler::GetSeller),
    api("PATCH", "/v1/seller", Handler::UpdateSeller),
    api("POST", "/v1/agents", Handler::CreateAgent),
    api("GET", "/v1/agents", Handler::ListAgents),
    api("POST", "/v1/keys", Handler::CreateKey),
    api("GET", "/v1/keys", Handler::ListKeys),
    api("DELETE", "/v1/keys/{id}", Handler::RevokeKey),
    api("POST", "/v1/keys/{id}/roll", Handler::RollKey),
];

/// Files served as static assets, not by the Worker's code; documented all the same.
pub const STATIC_FILES: &[&str] = &["/openapi.json"];

fn matches<'a>(pattern: &str, segments: &[&'a str]) -> Option<Vec<&'a str>> {
    let parts: Vec<&str> = pattern
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut params = Vec::new();
    for (part, segment) in parts.iter().zip(segments) {
        if part.starts_with('{') {
            params.push(*segment);
        } else if part != segment {
            return None;
        }
    }
    Some(params)
}

/// Every route whose path matches, whatever its method, with the path parameters.
pub fn matching<'a>(segments: &[&'a str]) -> Vec<(&'static Route, Vec<&'a str>)> {
    ROUTES
        .iter()
        .filter_map(|r| matches(r.path, segments).map(|p| (r, p)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn matching_routes_and_params() {
        let m = matching(&["v1", "payment_requests", "pr_x", "pay"]);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].0.handler, Handler::Pay);
        assert_eq!(m[0].1, vec!["pr_x"]);
        assert_eq!(matching(&["v1", "payment_requests"]).len(), 2);
        assert!(matching(&["v1", "nope"]).is_empty());
        assert_eq!(matching(&[])[0].0.handler, Handler::DemoPage);
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

    /// The OpenAPI document and this table describe the same API: a route the document
    /// lacks, or a documented route that does not exist, fails here.
    #[test]
    fn openapi_document_lists_exactly_the_routes() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
        let text = std::fs::read_to_string(path).expect("docs/openapi.json exists");
        let doc: serde_json::Value =
            serde_json::from_str(&text).expect("docs/openapi.json is JSON");
        assert!(
            doc["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1")),
            "OpenAPI 3.1"
        );
        let mut documented = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in ["get", "post", "put", "patch", "delete"] {
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
}
