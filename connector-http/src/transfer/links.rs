//! The pure decisions of a download: where its redirects may lead ([`redirect_allowed`]), and
//! how a resource URL's path fills the action's path template ([`url_captures`], `fill`).

use connector_sdk::{Error, Result};

use super::{RedirectAllow, invalid};
use crate::client::is_loopback;

/// Whether a redirect from `request` (the URL the API was asked) to `target` may be followed:
/// `Ok` or the reason it may not, naming the target's host.
pub fn redirect_allowed(
    allow: &RedirectAllow,
    request: &url::Url,
    target: &url::Url,
) -> std::result::Result<(), String> {
    let host = target.host_str().unwrap_or("(no host)").to_string();
    if !target.username().is_empty() || target.password().is_some() {
        return Err(format!(
            "the link to {host} carries a user name or password"
        ));
    }
    if allow.loopback_base && is_loopback(request) && target.origin() == request.origin() {
        return Ok(());
    }
    let domain = match target.host() {
        Some(url::Host::Domain(d)) => d.to_ascii_lowercase(),
        Some(_) => {
            return Err(format!(
                "{host} is an IP address, not one of the file hosts this action downloads from ({})",
                allow.hosts.join(", ")
            ));
        }
        None => return Err("the link has no host".into()),
    };
    let listed = allow.hosts.iter().any(|h| {
        let h = h.to_ascii_lowercase();
        match h.strip_prefix('.') {
            Some(parent) => domain
                .strip_suffix(parent)
                .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
            None => domain == h,
        }
    });
    if !listed {
        return Err(format!(
            "{host} is not one of the file hosts this action downloads from ({})",
            allow.hosts.join(", ")
        ));
    }
    if target.scheme() != "https" {
        return Err(format!(
            "the link to {host} is {}, not https",
            target.scheme()
        ));
    }
    if target.port().is_some() {
        return Err(format!("the link to {host} names a port"));
    }
    Ok(())
}

/// Where a link points, without user info, query or fragment (they may carry a signature).
pub(super) use crate::client::shown;

/// Whether a path segment is `.` or `..`, also percent-encoded.
fn is_dot_segment(seg: &str) -> bool {
    let lower = seg.to_ascii_lowercase().replace("%2e", ".");
    lower == "." || lower == ".."
}

/// A path segment as sent: as written when it is valid in a path, other characters
/// percent-encoded (spaces, non-ASCII); `None` for what must not be taken (empty, dot
/// segments, encoded slashes or backslashes, control characters, broken escapes).
fn path_segment(seg: &str) -> Option<String> {
    if seg.is_empty() || is_dot_segment(seg) {
        return None;
    }
    let bytes = seg.as_bytes();
    let mut out = String::with_capacity(seg.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = seg.get(i + 1..i + 3)?;
            let v = u8::from_str_radix(hex, 16).ok()?;
            if v == b'/' || v == b'\\' || v < 0x20 || v == 0x7f {
                return None;
            }
            out.push_str(&seg[i..i + 3]);
            i += 3;
            continue;
        }
        if b < 0x20 || b == 0x7f || b == b'\\' {
            return None;
        }
        let plain = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b);
        if plain {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
        i += 1;
    }
    Some(out)
}

/// The raw path of a URL (`https://host/a/b?q`) or bare path (`/a/b`), without query or
/// fragment, as written (no normalisation, so dot segments stay visible).
fn raw_path(input: &str) -> Option<&str> {
    let s = input.trim();
    let rest = if s.starts_with('/') && !s.starts_with("//") {
        s
    } else {
        let after = if let Some(r) = s.strip_prefix("//") {
            r
        } else {
            let (scheme, r) = s.split_once("://")?;
            if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
                return None;
            }
            r
        };
        let start = after.find(['/', '?', '#']).unwrap_or(after.len());
        if after[..start].is_empty() {
            return None;
        }
        &after[start..]
    };
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// The placeholders of the first of `patterns` that the path of `url` (a URL or a bare path)
/// matches, each with its segment as sent (as written where valid in a path, spaces and
/// non-ASCII percent-encoded; dot segments, encoded slashes and control characters refused);
/// the error says what was expected, naming `field`.
pub fn url_captures(
    action: &str,
    field: &str,
    url: &str,
    patterns: &[&str],
) -> Result<Vec<(String, String)>> {
    let expected = || {
        format!(
            "must be a link (or its path) of the form {}; give the file's url as the service sent it",
            patterns.join(" or ")
        )
    };
    let path = raw_path(url).ok_or_else(|| invalid(action, field, expected()))?;
    let path = path.strip_suffix('/').unwrap_or(path);
    let raw: Vec<&str> = path.split('/').skip(1).collect();
    if raw.iter().any(|s| is_dot_segment(s)) {
        return Err(invalid(
            action,
            field,
            "contains a . or .. segment; give the file's url as the service sent it",
        ));
    }
    let segments: Vec<Option<String>> = raw.iter().map(|s| path_segment(s)).collect();
    for pattern in patterns {
        let parts: Vec<&str> = pattern.split('/').skip(1).collect();
        if parts.len() != segments.len() {
            continue;
        }
        let mut captures = Vec::new();
        let matched = parts.iter().zip(&segments).all(|(p, s)| {
            let Some(s) = s else { return false };
            match p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) => {
                    captures.push((name.to_string(), s.clone()));
                    true
                }
                None => p == s,
            }
        });
        if matched {
            return Ok(captures);
        }
    }
    if segments.iter().any(Option::is_none) {
        return Err(invalid(
            action,
            field,
            "has an empty segment, an encoded slash or backslash, or a control character in its path; give the file's url as the service sent it",
        ));
    }
    Err(invalid(action, field, expected()))
}

/// Fills `{name}` placeholders of `template` with `captures` (already encoded as sent).
pub(super) fn fill(template: &str, captures: &[(String, String)]) -> Result<String> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').map(|e| start + e).ok_or_else(|| {
            Error::internal(format!("the path template {template:?} has an unclosed {{"))
        })?;
        let name = &rest[start + 1..end];
        out.push_str(&rest[..start]);
        match captures.iter().find(|(n, _)| n == name) {
            Some((_, v)) => out.push_str(v),
            // Left for the input fields to fill.
            None => out.push_str(&rest[start..=end]),
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GORGIAS: RedirectAllow = RedirectAllow {
        hosts: &["uploads.example.io", ".files.example.com"],
        loopback_base: true,
    };

    /// The redirect rule as a table: (request URL, target, allowed).
    #[test]
    fn redirects_are_allowed_only_to_declared_hosts() {
        #[rustfmt::skip]
        let cases: &[(&str, &str, bool)] = &[
            ("https://acme.example.com/api/x", "https://uploads.example.io/a/b?sig=1", true),
            ("https://acme.example.com/api/x", "https://UPLOADS.example.io/a", true),
            ("https://acme.example.com/api/x", "https://eu.files.example.com/a", true),
            ("https://acme.example.com/api/x", "https://a.b.files.example.com/a", true),
            // the parent of a wildcard, and look-alikes
            ("https://acme.example.com/api/x", "https://files.example.com/a", false),
            ("https://acme.example.com/api/x", "https://evilfiles.example.com/a", false),
            ("https://acme.example.com/api/x", "https://uploads.example.io.evil.com/a", false),
            ("https://acme.example.com/api/x", "https://evil.com/uploads.example.io", false),
            ("https://acme.example.com/api/x", "https://uploads.example.io./a", false),
            // http, ports, user info, IPs
            ("https://acme.example.com/api/x", "http://uploads.example.io/a", false),
            ("https://acme.example.com/api/x", "https://uploads.example.io:8443/a", false),
            ("https://acme.example.com/api/x", "https://u:p@uploads.example.io/a", false),
            ("https://acme.example.com/api/x", "https://uploads.example.io@evil.com/a", false),
            ("https://acme.example.com/api/x", "https://127.0.0.1/a", false),
            ("https://acme.example.com/api/x", "https://[::1]/a", false),
            // the API's own host is not a file host
            ("https://acme.example.com/api/x", "https://acme.example.com/signed/a", false),
            // a loopback base: its own origin only
            ("http://127.0.0.1:8089/api/x", "http://127.0.0.1:8089/signed/a?s=1", true),
            ("http://127.0.0.1:8089/api/x", "http://127.0.0.1:8090/signed/a", false),
            ("http://127.0.0.1:8089/api/x", "http://localhost:8089/signed/a", false),
            ("http://127.0.0.1:8089/api/x", "https://127.0.0.1:8089/signed/a", false),
            ("http://localhost:8089/api/x", "http://localhost:8089/signed/a", true),
            ("http://127.0.0.1:8089/api/x", "http://10.0.0.1/a", false),
            ("http://127.0.0.1:8089/api/x", "https://uploads.example.io/a", true),
            // a non-loopback base's own origin is not followed
            ("http://10.0.0.1:8089/api/x", "http://10.0.0.1:8089/signed/a", false),
        ];
        for (request, target, want) in cases {
            let got = redirect_allowed(
                &GORGIAS,
                &request.parse().unwrap(),
                &target.parse().unwrap(),
            );
            assert_eq!(got.is_ok(), *want, "{request} -> {target}: {got:?}");
            if let Err(why) = got {
                let host = url::Url::parse(target).unwrap();
                assert!(
                    why.contains(host.host_str().unwrap_or("no host")),
                    "{target}: the reason names no host: {why}"
                );
            }
        }
        let strict = RedirectAllow {
            loopback_base: false,
            ..GORGIAS
        };
        assert!(
            redirect_allowed(
                &strict,
                &"http://127.0.0.1:1/api".parse().unwrap(),
                &"http://127.0.0.1:1/signed".parse().unwrap()
            )
            .is_err()
        );
    }

    const PATTERNS: &[&str] = &[
        "/api/{file_type}/download/{domain_hash}/{resource_name}",
        "/{file_type}/{domain_hash}/{resource_name}",
    ];

    /// URLs and bare paths to placeholders, as a table: taken literally (encoded as sent), the
    /// query dropped, dot segments and encoded slashes refused.
    #[test]
    fn url_paths_fill_the_template_literally() {
        #[rustfmt::skip]
        let ok: &[(&str, [&str; 3])] = &[
            ("https://acme.gorgias.com/api/attachment/download/Hna8kldnmlal/image.png", ["attachment", "Hna8kldnmlal", "image.png"]),
            ("/api/attachment/download/Hna8kldnmlal/image.png", ["attachment", "Hna8kldnmlal", "image.png"]),
            ("https://gorgias.io/attachments/abc123/file.png", ["attachments", "abc123", "file.png"]),
            ("HTTPS://host/api/attachment/download/h/a%20b.png?x=1#f", ["attachment", "h", "a%20b.png"]),
            ("//host/api/attachment/download/h/n/", ["attachment", "h", "n"]),
            ("/api/attachment/download/h/a b é.png", ["attachment", "h", "a%20b%20%C3%A9.png"]),
        ];
        for (url, want) in ok {
            let got =
                url_captures("a", "url", url, PATTERNS).unwrap_or_else(|e| panic!("{url}: {e}"));
            let values: Vec<&str> = got.iter().map(|(_, v)| v.as_str()).collect();
            assert_eq!(values, want, "{url}");
            let path = fill(PATTERNS[0], &got).unwrap();
            assert_eq!(
                path,
                format!("/api/{}/download/{}/{}", want[0], want[1], want[2])
            );
        }
        for bad in [
            "",
            "image.png",
            "ftp://host/api/attachment/download/h/n",
            "https:///api/attachment/download/h/n",
            "/api/attachment/download/h",
            "/api/attachment/upload/h/n",
            "/api/attachment/download/h/n/extra",
            "/api/attachment/download/../../account",
            "/api/attachment/download/h/%2e%2E",
            "/api/attachment/download/h%2F..%2Faccount/n",
            "/api/attachment/download/h/n%5c",
            "/api/attachment/download/h/n%0d%0a",
            "/api/attachment/download/h/n%zz",
            "/api/attachment/download//n",
            "/api/attachment/download/h/n\r\nHost: evil",
        ] {
            let e = url_captures("a", "url", bad, PATTERNS).expect_err(bad);
            let Error::InvalidInput { path, reason, .. } = &e else {
                panic!("{bad}: {e}")
            };
            assert_eq!(path, "url", "{bad}");
            assert!(
                reason.contains("url") || reason.contains("segment"),
                "{bad}: {reason}"
            );
        }
    }
}
