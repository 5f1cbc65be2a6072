//! Making text from outside safe to print: configured secrets removed, control characters
//! neutralised. One [`Redactor`] per connection; connectors run every piece of upstream text
//! through it before it becomes an [`Error`](crate::Error), and the host runs everything it
//! prints through it once more.
//!
//! A server that echoes request headers hands the connector its own credentials back: in an
//! error body, in a redirect's `Location`. Its text may also carry terminal escapes, carriage
//! returns or newlines that would forge lines on an operator's terminal ("check succeeded").
//! [`Redactor::scrub`] replaces every secret (raw, base64, URL-safe base64 and percent-encoded
//! forms) with `[redacted]` and every control character with a visible `\u{..}` escape.

use std::borrow::Cow;

use base64::Engine as _;

use crate::spec::{AuthKind, ConnectorSpec};

/// What replaces a secret in scrubbed text.
pub const REDACTED: &str = "[redacted]";

/// Removes known secrets from text and neutralises control characters.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Every form of every secret, longest first (so a secret inside a longer form is not
    /// half-replaced).
    forms: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("forms", &self.forms.len())
            .finish()
    }
}

/// The forms a secret travels in: as is, base64 (standard and URL-safe, with and without
/// padding) and percent-encoded.
fn forms_of(secret: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let bytes = secret.as_bytes();
    let mut out = vec![
        secret.to_string(),
        STANDARD.encode(bytes),
        STANDARD_NO_PAD.encode(bytes),
        URL_SAFE.encode(bytes),
        URL_SAFE_NO_PAD.encode(bytes),
    ];
    let percent: String = bytes
        .iter()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(*b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    out.push(percent);
    out
}

impl Redactor {
    /// A redactor that only neutralises control characters.
    pub fn none() -> Self {
        Self::default()
    }

    /// A redactor for these secrets (empty strings are ignored) and their encoded forms.
    pub fn new<I, S>(secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut r = Self::default();
        for s in secrets {
            r.add(s.as_ref());
        }
        r
    }

    /// Adds a secret (and its encoded forms).
    pub fn add(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        for form in forms_of(secret) {
            if !form.is_empty() && !self.forms.contains(&form) {
                self.forms.push(form);
            }
        }
        self.forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    }

    /// The secrets of a config document: the string values at every secret field the spec's
    /// auth kinds declare (dotted paths such as `auth.api_key`), and, for HTTP Basic kinds, the
    /// `user:secret` pairs the wire carries base64-encoded.
    pub fn from_config(spec: &ConnectorSpec, config: &serde_json::Value) -> Self {
        Self::from_auth_kinds(&spec.auth_kinds, config)
    }

    /// [`Redactor::from_config`] from the auth kinds alone (what a host keeps to scrub the
    /// secrets of an updated config, see [`crate::control`]).
    pub fn from_auth_kinds(kinds: &[AuthKind], config: &serde_json::Value) -> Self {
        let mut r = Self::default();
        let strings = string_values(config);
        for kind in kinds {
            for path in &kind.secret_fields {
                let pointer = format!("/{}", path.replace('.', "/"));
                let Some(secret) = config.pointer(&pointer).and_then(|v| v.as_str()) else {
                    continue;
                };
                r.add(secret);
                if kind.scheme == crate::AuthScheme::Basic {
                    for user in strings.iter().filter(|s| s.as_str() != secret) {
                        r.add(&format!("{user}:{secret}"));
                    }
                }
            }
        }
        r
    }

    /// Merges another redactor's secrets into this one.
    pub fn extend(&mut self, other: &Redactor) {
        for form in &other.forms {
            if !self.forms.contains(form) {
                self.forms.push(form.clone());
            }
        }
        self.forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    }

    /// `text` without secrets (control characters kept: for data, not for logs).
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out: Cow<'a, str> = Cow::Borrowed(text);
        for form in &self.forms {
            if out.contains(form.as_str()) {
                out = Cow::Owned(out.replace(form.as_str(), REDACTED));
            }
        }
        out
    }

    /// `text` without secrets and with control characters escaped: what logs and errors print.
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let out = self.redact(text);
        match sanitize(&out) {
            Cow::Borrowed(_) => out,
            Cow::Owned(s) => Cow::Owned(s),
        }
    }

    /// Removes secrets from every string (keys included) of a JSON document.
    pub fn redact_value(&self, value: &mut serde_json::Value) {
        if self.forms.is_empty() {
            return;
        }
        match value {
            serde_json::Value::String(s) => {
                if let Cow::Owned(r) = self.redact(s) {
                    *s = r;
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.redact_value(v)),
            serde_json::Value::Object(map) => {
                let leaky: Vec<String> = map.keys().filter(|k| self.leaks(k)).cloned().collect();
                for k in leaky {
                    if let Some(v) = map.remove(&k) {
                        map.insert(self.redact(&k).into_owned(), v);
                    }
                }
                map.values_mut().for_each(|v| self.redact_value(v));
            }
            _ => {}
        }
    }

    /// Whether `text` holds any form of a secret.
    pub fn leaks(&self, text: &str) -> bool {
        self.forms.iter().any(|f| text.contains(f.as_str()))
    }

    /// The error with every message scrubbed.
    pub fn scrub_error(&self, error: crate::Error) -> crate::Error {
        error.map_text(|t| self.scrub(t).into_owned())
    }
}

fn string_values(v: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) if !s.is_empty() => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            serde_json::Value::Object(m) => m.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(v, &mut out);
    out
}

/// Whether a character must not reach a terminal or a log line as is: C0 and C1 controls
/// (escape, carriage return, newline, tab, ...), DEL, the Unicode line and paragraph
/// separators, and the bidirectional overrides that reorder what a reader sees.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every unsafe character written as a visible `\u{..}` escape.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// At most `max` characters of `text` (never cut inside a character), with `…` when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((at, _)) => format!("{}…", &text[..at]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_every_form_are_replaced() {
        let r = Redactor::new(["s3cr3t/key+1"]);
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        for text in [
            "key s3cr3t/key+1 here".to_string(),
            format!("Basic {}", STANDARD.encode("s3cr3t/key+1")),
            format!("t={}", URL_SAFE_NO_PAD.encode("s3cr3t/key+1")),
            "q=s3cr3t%2Fkey%2B1".to_string(),
        ] {
            let out = r.scrub(&text);
            assert!(out.contains(REDACTED), "{text} -> {out}");
            assert!(!r.leaks(&out), "{out}");
        }
        assert_eq!(r.scrub("nothing here"), "nothing here");
    }

    #[test]
    fn control_characters_are_made_visible() {
        assert_eq!(
            sanitize("a\x1b[2Kcheck succeeded\r\nb"),
            "a\\u{1b}[2Kcheck succeeded\\u{d}\\u{a}b"
        );
        assert_eq!(sanitize("x\u{202E}y\u{2028}"), "x\\u{202e}y\\u{2028}");
        assert!(matches!(sanitize("plain é ü 日本"), Cow::Borrowed(_)));
    }

    #[test]
    fn excerpts_never_cut_a_character() {
        assert_eq!(excerpt("日本語のテキスト", 3), "日本語…");
        assert_eq!(excerpt("abc", 3), "abc");
        assert_eq!(excerpt("", 3), "");
    }
}
