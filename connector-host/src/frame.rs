//! One message a line, whatever the upstream sent.
//!
//! Records pass through as the service's bytes ([`connector_sdk::Record`] holds raw JSON), and JSON
//! allows whitespace, newlines included, between tokens. A pretty-printing proxy would then
//! split a RECORD over several stdout lines, and a line inside a record could be a complete,
//! valid forged STATE. [`OneLine`] is the `serde_json` formatter every protocol line is written
//! with: compact, and every raw fragment that holds a line break (`\n`, `\r`) or a character
//! some line readers split on (U+0085, U+2028, U+2029) is re-written compactly, with those
//! characters escaped inside strings. Fragments without them (real Gorgias sends compact JSON)
//! are written as they are: one `memchr` scan is the whole cost of the fast path.

use std::io::{self, Write};

/// A compact `serde_json` formatter that keeps every message on one line (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct OneLine;

/// The escapes of the characters some readers take for line ends.
fn separator_escape(bytes: &[u8]) -> Option<&'static [u8]> {
    match bytes {
        [0xC2, 0x85, ..] => Some(b"\\u0085"),
        [0xE2, 0x80, 0xA8, ..] => Some(b"\\u2028"),
        [0xE2, 0x80, 0xA9, ..] => Some(b"\\u2029"),
        _ => None,
    }
}

/// Whether `text` holds a line break or a line separator anywhere.
pub fn breaks_lines(text: &[u8]) -> bool {
    if memchr::memchr2(b'\n', b'\r', text).is_some() {
        return true;
    }
    let mut rest = text;
    while let Some(i) = memchr::memchr2(0xC2, 0xE2, rest) {
        if separator_escape(&rest[i..]).is_some() {
            return true;
        }
        rest = &rest[i + 1..];
    }
    false
}

/// Writes valid JSON text compactly: whitespace between tokens dropped, line separators inside
/// strings escaped; everything else byte for byte.
pub fn write_compact<W: ?Sized + Write>(out: &mut W, json: &[u8]) -> io::Result<()> {
    write_one_line(out, json, false)
}

/// The one scanner behind [`write_compact`] and string fragments: `in_string` says whether the
/// text starts inside a JSON string (serde_json's string fragments hold no `"` or `\`, which it
/// writes as escapes, so they never leave it).
fn write_one_line<W: ?Sized + Write>(
    out: &mut W,
    json: &[u8],
    mut in_string: bool,
) -> io::Result<()> {
    let mut start = 0;
    let mut i = 0;
    while i < json.len() {
        let b = json[i];
        let skip = if in_string {
            match b {
                b'\\' => {
                    i += 2;
                    continue;
                }
                b'"' => {
                    in_string = false;
                    None
                }
                0xC2 | 0xE2 => separator_escape(&json[i..]),
                _ => None,
            }
            .map(|escape| (escape, if b == 0xC2 { 2 } else { 3 }))
        } else {
            match b {
                b'"' => {
                    in_string = true;
                    None
                }
                b' ' | b'\t' | b'\n' | b'\r' => Some((&b""[..], 1)),
                _ => None,
            }
        };
        match skip {
            Some((replacement, len)) => {
                out.write_all(&json[start..i])?;
                out.write_all(replacement)?;
                i += len;
                start = i;
            }
            None => i += 1,
        }
    }
    out.write_all(&json[start.min(json.len())..])
}

impl serde_json::ser::Formatter for OneLine {
    fn write_raw_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let bytes = fragment.as_bytes();
        if breaks_lines(bytes) {
            write_compact(writer, bytes)
        } else {
            writer.write_all(bytes)
        }
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // serde_json escapes control characters itself; only the separators are left.
        let bytes = fragment.as_bytes();
        if breaks_lines(bytes) {
            write_one_line(writer, bytes, true)
        } else {
            writer.write_all(bytes)
        }
    }
}

/// Serialises `value` as one line (no trailing newline) with [`OneLine`].
pub fn to_writer<W: Write, T: serde::Serialize + ?Sized>(
    out: &mut W,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, OneLine);
    value.serialize(&mut ser)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::value::RawValue;

    #[derive(serde::Serialize)]
    struct Wrapped<'a> {
        data: &'a RawValue,
    }

    fn line(raw: &str) -> String {
        let value = RawValue::from_string(raw.to_string()).expect("valid JSON");
        let mut out = Vec::new();
        to_writer(&mut out, &Wrapped { data: &value }).expect("serialises");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn compact_records_pass_byte_for_byte() {
        let raw = r#"{"b":1,"a":"x y","c":[1, 2],"é":"’"}"#;
        assert_eq!(line(raw), format!(r#"{{"data":{raw}}}"#));
    }

    #[test]
    fn pretty_records_become_one_line_with_the_same_value() {
        let raw =
            "{\n  \"id\": 1,\n  \"text\": \"a \\n b \\\" }\",\r\n  \"list\": [\n 1,\t2\n ]\n}";
        let out = line(raw);
        assert!(!out.contains('\n') && !out.contains('\r'), "{out}");
        assert_eq!(
            out,
            r#"{"data":{"id":1,"text":"a \n b \" }","list":[1,2]}}"#
        );
        let back: serde_json::Value = serde_json::from_str(&out).expect("parses");
        let want: serde_json::Value = serde_json::from_str(raw).expect("parses");
        assert_eq!(back["data"], want);
    }

    #[test]
    fn a_forged_line_inside_a_record_is_folded_in() {
        let raw = "{\"id\":1,\"x\":\n{\"type\":\"STATE\",\"state\":{}}\n}";
        assert_eq!(
            line(raw),
            r#"{"data":{"id":1,"x":{"type":"STATE","state":{}}}}"#
        );
    }

    #[test]
    fn line_separators_are_escaped_in_records_and_in_strings() {
        let raw = "{\"t\":\"a\u{2028}b\u{2029}c\u{85}d\"}";
        assert_eq!(line(raw), r#"{"data":{"t":"a\u2028b\u2029c\u0085d"}}"#);
        let mut out = Vec::new();
        to_writer(&mut out, &serde_json::json!({"m": "x\u{2028}y\n"})).expect("serialises");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            r#"{"m":"x\u2028y\n"}"#
        );
        assert!(!breaks_lines("a é ü ’ © 日本".as_bytes()));
    }
}
