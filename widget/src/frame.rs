//! What the iframe knows about itself: which request it shows, the buyer's client secret and
//! the parent page it may talk to. All of it is read once, at start, from the frame's URL
//! (`/v1/frame/{id}#client_secret=...&origin=...`) and from the meta tag the edge fills in.

use chatpay_core::Secret;
use wasm_bindgen::JsValue;

/// The frame's fixed context, shared by the API client and the parent messenger.
#[derive(Clone, Debug)]
pub struct Frame {
    /// Our own origin (the edge): API calls are same-origin.
    pub origin: String,
    pub request_id: String,
    /// `None` when the fragment carried no secret, e.g. after a reload of the frame alone.
    pub client_secret: Option<Secret<String>>,
    /// The embedding page, only when it is one of the seller's allowed origins.
    pub parent_origin: Option<String>,
}

impl Frame {
    /// Reads the location and strips the fragment from the address bar and history, so the
    /// secret does not linger where other code or a bug report could pick it up.
    pub fn from_location() -> Frame {
        let window = web_sys::window().expect("a window");
        let location = window.location();
        let origin = location.origin().unwrap_or_default();
        let path = location.pathname().unwrap_or_default();
        let hash = location.hash().unwrap_or_default();

        let request_id = request_id_from_path(&path).unwrap_or_default();
        let mut client_secret = None;
        let mut claimed_parent = None;
        for (key, value) in fragment_pairs(&hash) {
            match key.as_str() {
                "client_secret" if !value.is_empty() => client_secret = Some(Secret::new(value)),
                "origin" => claimed_parent = Some(value),
                _ => {}
            }
        }
        if !hash.is_empty() {
            if let Ok(history) = window.history() {
                let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&path));
            }
        }

        let allowed = allowed_origins(&window);
        let parent_origin =
            claimed_parent.filter(|o| allowed.split_ascii_whitespace().any(|a| a == o));
        Frame {
            origin,
            request_id,
            client_secret,
            parent_origin,
        }
    }
}

impl Frame {
    /// Whether the card may send a window of its own to `url` (PayPal, the bank's check):
    /// a web page on HTTPS or on our own origin, never a `javascript:` one.
    pub fn may_open(&self, url: &str) -> bool {
        url.starts_with("https://")
            || url
                .strip_prefix(self.origin.as_str())
                .is_some_and(|path| path.starts_with('/'))
    }
}

/// `/v1/frame/pr_abc` (the iframe) and `/v1/pay/pr_abc` (the hosted page) give `pr_abc`;
/// ids are URL-safe, anything else is refused here so it never reaches an API path.
fn request_id_from_path(path: &str) -> Option<String> {
    let id = path
        .strip_prefix("/v1/frame/")
        .or_else(|| path.strip_prefix("/v1/pay/"))?;
    let ok = !id.is_empty()
        && id.len() <= 255
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    ok.then(|| id.to_owned())
}

/// `#a=1&b=x%3Ay` as decoded pairs.
fn fragment_pairs(hash: &str) -> Vec<(String, String)> {
    hash.trim_start_matches('#')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn decode(text: &str) -> String {
    js_sys::decode_uri_component(text)
        .map(String::from)
        .unwrap_or_default()
}

/// The space-separated list the edge writes into `<meta name="chatpay-allowed-origins">`.
fn allowed_origins(window: &web_sys::Window) -> String {
    window
        .document()
        .and_then(|d| {
            d.query_selector("meta[name=chatpay-allowed-origins]")
                .ok()
                .flatten()
        })
        .and_then(|meta| meta.get_attribute("content"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_open_web_pages_only() {
        let frame = Frame {
            origin: "http://127.0.0.1:8787".into(),
            request_id: "pr_a".into(),
            client_secret: None,
            parent_origin: None,
        };
        assert!(frame.may_open("https://www.sandbox.paypal.com/checkoutnow?token=5O1"));
        assert!(frame.may_open("http://127.0.0.1:8787/sandbox/3ds/att_1"));
        assert!(!frame.may_open("http://127.0.0.1:87870/x"));
        assert!(!frame.may_open("http://127.0.0.1:8787"));
        assert!(!frame.may_open("javascript:alert(1)"));
        assert!(!frame.may_open("http://evil.example/"));
    }

    #[test]
    fn request_ids_are_url_safe() {
        assert_eq!(
            request_id_from_path("/v1/frame/pr_abc-1").as_deref(),
            Some("pr_abc-1")
        );
        assert_eq!(request_id_from_path("/v1/frame/"), None);
        assert_eq!(request_id_from_path("/v1/frame/pr_a/../x"), None);
        assert_eq!(request_id_from_path("/v2/frame/pr_a"), None);
        assert_eq!(
            request_id_from_path("/v1/pay/pr_b").as_deref(),
            Some("pr_b")
        );
        assert_eq!(request_id_from_path("/v1/pay/"), None);
    }
}
