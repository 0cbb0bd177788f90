//! Allowed origins: who may frame a seller's card and get CORS answers. `https://` only,
//! plain `http://` for loopback (development).

use crate::fields::FieldError;

/// Hosts that may be named over plain `http`: a browser counts loopback as a secure
/// context, so a seller can try the widget locally; anywhere else the page could be read
/// and changed on the way.
const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// `host` and the optional `:port` of an origin, with `[...]` kept whole for IPv6 literals.
fn split_host_port(rest: &str) -> Option<(&str, Option<&str>)> {
    if rest.starts_with('[') {
        let close = rest.find(']')?;
        let (host, tail) = rest.split_at(close + 1);
        return match tail {
            "" => Some((host, None)),
            _ => Some((host, Some(tail.strip_prefix(':')?))),
        };
    }
    Some(match rest.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    })
}

/// An origin as the browser sends it: `https://shop.example`, or over `http` only for
/// loopback, such as `http://localhost:8787` or `http://[::1]:8787`.
pub fn parse_origin(text: &str) -> Option<String> {
    let (scheme, rest) = text.split_once("://")?;
    let (host, port) = split_host_port(rest)?;
    let host_ok = match scheme {
        "https" => {
            !host.is_empty()
                && host.len() <= 253
                && host
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        }
        "http" => LOOPBACK_HOSTS.contains(&host),
        _ => false,
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    (host_ok && port_ok).then(|| text.to_owned())
}

/// Up to 20 origins, each as [`parse_origin`] takes it; seller creation and update share it.
pub fn parse_origins(origins: &[&str]) -> Result<Vec<String>, FieldError> {
    if origins.len() > 20 {
        return Err(FieldError::invalid(
            "allowed_origins",
            "`allowed_origins` holds at most 20 origins.",
        ));
    }
    origins
        .iter()
        .enumerate()
        .map(|(i, o)| {
            parse_origin(o).ok_or_else(|| {
                FieldError::invalid(
                    format!("allowed_origins.{i}"),
                    "Each allowed origin is https://host[:port] in lower case, with no path, such as \"https://shop.example\"; plain http only for localhost, 127.0.0.1 or [::1].",
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        for good in [
            "https://shop.example",
            "https://shop.example:8443",
            "http://localhost",
            "http://localhost:8787",
            "http://127.0.0.1:8787",
            "http://[::1]",
            "http://[::1]:8787",
        ] {
            assert_eq!(parse_origin(good).as_deref(), Some(good), "{good}");
        }
        for bad in [
            "https://shop.example/",
            "ftp://x",
            "https://",
            "https://Shop.example",
            "https://a:b",
            "*",
            // Plain http only for loopback.
            "http://shop.example",
            "http://localhost.shop.example",
            "http://127.0.0.2",
            "http://[::2]:8787",
            "http://LOCALHOST",
            "http://localhost:",
            "http://localhost:123456",
            "http://[::1]:",
            "http://[::1]8787",
            "http://[::1",
            "http://[::1]:87a",
            // Brackets stay an http loopback affair.
            "https://[::1]:8787",
        ] {
            assert!(parse_origin(bad).is_none(), "{bad}");
        }
    }
}
