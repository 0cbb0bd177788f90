//! Which URLs a webhook endpoint may name: a pure rule, so the edge, the docs and the tests
//! agree on it. Deliveries leave the platform's network, so an endpoint may never point back
//! into a private network (loopback, RFC 1918, link-local, CGNAT, ULA, ...) nor at a name that
//! only resolves inside one. Test mode additionally allows `http://localhost` and
//! `http://127.0.0.1` on any port, so a developer can receive on their own machine; live
//! endpoints must be `https`.

use std::net::{Ipv4Addr, Ipv6Addr};

/// The longest URL accepted.
pub const MAX_URL_LEN: usize = 2048;

/// A URL an endpoint may name, with the parts delivery needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookUrl {
    /// The URL as given.
    pub url: String,
    /// The host, lowercased, without brackets.
    pub host: String,
}

/// Why a URL is refused: the message for the 400 on `url`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlRefused(pub &'static str);

/// A host as written in a URL.
enum Host {
    Name(String),
    V4(Ipv4Addr),
    V6(Ipv6Addr),
}

/// Splits `scheme://authority/rest` and reads the authority's host and port.
fn split(url: &str) -> Result<(String, Host, String), UrlRefused> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or(UrlRefused("`url` must be an absolute http(s) URL."))?;
    let scheme = scheme.to_ascii_lowercase();
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.contains('@') {
        return Err(UrlRefused("`url` may not carry a user name or password."));
    }
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (v6, after) = inner
            .split_once(']')
            .ok_or(UrlRefused("`url` has an unclosed IPv6 literal."))?;
        let ip: Ipv6Addr = v6
            .parse()
            .map_err(|_| UrlRefused("`url` has an invalid IPv6 literal."))?;
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or(UrlRefused("`url` has an invalid port."))?,
            ),
        };
        (Host::V6(ip), port)
    } else {
        let (name, port) = match authority.rsplit_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (authority, None),
        };
        (parse_name(name)?, port)
    };
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p));
        if !valid {
            return Err(UrlRefused("`url` has an invalid port."));
        }
    }
    Ok((scheme, host, rest[end..].to_owned()))
}

/// A DNS name or a dotted IPv4 literal. Anything a URL parser could read as a number in
/// another spelling (`127.1`, `0x7f.0.0.1`, `2130706433`) is refused rather than guessed at.
fn parse_name(name: &str) -> Result<Host, UrlRefused> {
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    if name.is_empty() || name.len() > 253 {
        return Err(UrlRefused("`url` has no valid host."));
    }
    let last = name.rsplit('.').next().unwrap_or_default();
    let numeric = last.bytes().all(|b| b.is_ascii_digit())
        || (last.starts_with("0x") && last[2..].bytes().all(|b| b.is_ascii_hexdigit()));
    if numeric {
        let ip: Ipv4Addr = name
            .parse()
            .map_err(|_| UrlRefused("`url` has an IPv4 address in a non-standard form."))?;
        return Ok(Host::V4(ip));
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if !name.split('.').all(label_ok) {
        return Err(UrlRefused("`url` has no valid host."));
    }
    Ok(Host::Name(name))
}

/// Whether an IPv4 address is public unicast (not private, loopback, link-local, CGNAT,
/// multicast, reserved, documentation or benchmarking space).
pub fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b))
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 168)
        || (a == 192 && b == 0 && (c == 0 || c == 2))
        || (a == 198 && (b == 18 || b == 19))
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || a >= 224)
}

/// Whether an IPv6 address is public unicast: global unicast (`2000::/3`) outside the
/// documentation prefix and 6to4 (which embeds an IPv4 address). Loopback, unspecified, ULA,
/// link-local, multicast and IPv4-mapped or -compatible addresses all fall outside it.
pub fn public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    (s[0] & 0xe000) == 0x2000 && !(s[0] == 0x2001 && s[1] == 0x0db8) && s[0] != 0x2002
}

/// A name that only resolves inside a private network.
fn private_name(name: &str) -> bool {
    name == "localhost"
        || [".localhost", ".local", ".internal"]
            .iter()
            .any(|suffix| name.ends_with(suffix))
}

impl WebhookUrl {
    /// The URL if an endpoint in this mode may name it.
    pub fn parse(url: &str, livemode: bool) -> Result<WebhookUrl, UrlRefused> {
        if url.len() > MAX_URL_LEN {
            return Err(UrlRefused("`url` is longer than 2048 characters."));
        }
        if url.bytes().any(|b| !b.is_ascii_graphic()) {
            return Err(UrlRefused(
                "`url` may hold printable ASCII only (encode anything else).",
            ));
        }
        let (scheme, host, _) = split(url)?;
        let local_for_tests = !livemode
            && scheme == "http"
            && match &host {
                Host::Name(n) => n == "localhost",
                Host::V4(ip) => *ip == Ipv4Addr::LOCALHOST,
                Host::V6(_) => false,
            };
        match scheme.as_str() {
            "https" => {}
            "http" if !livemode => {}
            "http" => return Err(UrlRefused("A live endpoint's `url` must be https.")),
            _ => return Err(UrlRefused("`url` must be an http(s) URL.")),
        }
        let host = match host {
            _ if local_for_tests => {
                if let Host::V4(ip) = host {
                    ip.to_string()
                } else {
                    "localhost".to_owned()
                }
            }
            Host::Name(n) if private_name(&n) => {
                return Err(UrlRefused("`url` names a host inside a private network."))
            }
            Host::Name(n) => n,
            Host::V4(ip) if public_v4(ip) => ip.to_string(),
            Host::V6(ip) if public_v6(ip) => ip.to_string(),
            Host::V4(_) | Host::V6(_) => {
                return Err(UrlRefused(
                    "`url` names an IP address outside public unicast space.",
                ))
            }
        };
        Ok(WebhookUrl {
            url: url.to_owned(),
            host,
        })
    }
}

/// Whether delivery may fetch `host` under `WEBHOOK_HOSTS_ALLOWED` (a comma list; unset or
/// empty allows every host the URL rule let through).
pub fn host_allowed(allowed: Option<&str>, host: &str) -> bool {
    match allowed.map(str::trim).filter(|a| !a.is_empty()) {
        None => true,
        Some(list) => list
            .split(',')
            .map(str::trim)
            .any(|h| h.eq_ignore_ascii_case(host)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(url: &str, livemode: bool) -> String {
        WebhookUrl::parse(url, livemode)
            .unwrap_or_else(|e| panic!("{url}: {}", e.0))
            .host
    }

    fn refused(url: &str, livemode: bool) {
        assert!(WebhookUrl::parse(url, livemode).is_err(), "{url} accepted");
    }

    #[test]
    fn public_https_names_and_addresses_are_accepted() {
        assert_eq!(
            ok("https://hooks.example.com/in?x=1", true),
            "hooks.example.com"
        );
        assert_eq!(ok("https://Example.COM.:8443/", true), "example.com");
        assert_eq!(ok("https://8.8.8.8/hook", true), "8.8.8.8");
        assert_eq!(
            ok("https://[2606:4700::1111]:443/", true),
            "2606:4700::1111"
        );
        assert_eq!(ok("http://example.com/", false), "example.com");
    }

    #[test]
    fn live_endpoints_must_be_https() {
        refused("http://example.com/", true);
        refused("ftp://example.com/", false);
        refused("example.com/hook", false);
    }

    #[test]
    fn test_mode_allows_local_receivers_only_by_these_two_names() {
        assert_eq!(ok("http://localhost:8123/hook", false), "localhost");
        assert_eq!(ok("http://127.0.0.1:9/", false), "127.0.0.1");
        refused("http://localhost:8123/hook", true);
        refused("https://127.0.0.1/", true);
        refused("http://127.0.0.2/", false);
        refused("http://[::1]/", false);
    }

    #[test]
    fn private_space_is_refused() {
        for url in [
            "https://10.1.2.3/",
            "https://172.16.0.1/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://224.0.0.1/",
            "https://255.255.255.255/",
            "https://[::]/",
            "https://[::1]/",
            "https://[fd00::1]/",
            "https://[fe80::1]/",
            "https://[ff02::1]/",
            "https://[::ffff:8.8.8.8]/",
            "https://[::ffff:127.0.0.1]/",
            "https://printer.local/",
            "https://app.localhost/",
            "https://db.internal/",
            "https://localhost/",
        ] {
            refused(url, true);
            refused(url, false);
        }
    }

    #[test]
    fn odd_spellings_are_refused() {
        for url in [
            "https://127.1/",
            "https://2130706433/",
            "https://0x7f.0.0.1/",
            "https://user:pw@example.com/",
            "https://exa mple.com/",
            "https://ex%61mple.com/",
            "https://example.com:0/",
            "https://example.com:99999/",
            "https://[::1/",
            "https:///path",
            "https://-bad.com/",
        ] {
            refused(url, false);
        }
        refused(&format!("https://example.com/{}", "a".repeat(2048)), true);
    }

    #[test]
    fn the_host_list_limits_delivery() {
        assert!(host_allowed(None, "example.com"));
        assert!(host_allowed(Some(""), "example.com"));
        assert!(host_allowed(Some("127.0.0.1, localhost"), "localhost"));
        assert!(!host_allowed(Some("127.0.0.1,localhost"), "example.com"));
    }
}
