//! Properties (proptest, fixed seeds): the parsers that see network and user input never
//! panic, datetimes round-trip in every form Gorgias sends, and normalisation only ever yields
//! a plain subdomain label.

use std::sync::LazyLock;

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use connector_http::page::{Scalar, field};
use connector_sdk::cursor::{format_datetime, parse_datetime};
use connector_sdk::{DefinitionExt, Error};
use gorgias_connector::GorgiasDefinition;
use gorgias_connector::config::{loopback_base_url, normalise_subdomain};
use gorgias_connector::dialect::parse_page;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use serde_json::{Value, json};

fn cfg(seed: u64, cases: u32) -> Config {
    Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        ..Config::default()
    }
}

static DEFINITION: LazyLock<GorgiasDefinition> = LazyLock::new(|| {
    GorgiasDefinition::with_options(gorgias_connector::ClientOptions {
        pacing: gorgias_connector::Pacing::Off,
        retry: crate::fast_retry(0),
    })
});

/// Strings that look like datetimes, mangled.
fn datetime_like() -> impl Strategy<Value = String> {
    "[0-9]{0,5}-?[0-9]{0,3}-?[0-9]{0,3}[T t]?[0-9]{0,3}:?[0-9]{0,3}:?[0-9]{0,3}[.,]?[0-9]{0,12}[Zz+-]?[0-9:]{0,6}"
}

/// A datetime written the way some Gorgias endpoint might write it, and the instant it means
/// at the precision written.
fn written_datetime() -> impl Strategy<Value = (String, DateTime<Utc>)> {
    (
        0i64..4_102_444_800, // 1970 .. 2100
        0u32..1_000_000_000,
        0usize..=9, // fraction digits
        prop_oneof![Just('T'), Just(' ')],
        -23i32..=23,
        prop_oneof![Just(0i32), Just(30), Just(45)],
        0u8..5, // offset style
    )
        .prop_map(|(secs, nanos, digits, sep, oh, om, style)| {
            let cut = 10u32.pow(9 - digits as u32);
            let nanos = nanos / cut * cut;
            let utc = Utc.timestamp_opt(secs, nanos).single().expect("in range");
            let offset_secs = if style == 0 || style == 4 {
                0
            } else {
                oh * 3600 + oh.signum() * om * 60
            };
            let offset = FixedOffset::east_opt(offset_secs).expect("valid offset");
            let local = utc.with_timezone(&offset);
            let mut text = local.format("%Y-%m-%d").to_string();
            text.push(sep);
            text.push_str(&local.format("%H:%M:%S").to_string());
            if digits > 0 {
                let frac = format!("{:09}", local.timestamp_subsec_nanos());
                text.push('.');
                text.push_str(&frac[..digits]);
            }
            let (sign, abs) = if offset_secs < 0 {
                ('-', -offset_secs)
            } else {
                ('+', offset_secs)
            };
            let (h, m) = (abs / 3600, abs % 3600 / 60);
            match style {
                0 => text.push('Z'),
                1 => text.push_str(&format!("{sign}{h:02}:{m:02}")),
                2 => text.push_str(&format!("{sign}{h:02}{m:02}")),
                3 if m == 0 => text.push_str(&format!("{sign}{h:02}")),
                3 => text.push_str(&format!("{sign}{h:02}:{m:02}")),
                _ => {} // no offset: UTC
            }
            (text, utc)
        })
}

proptest! {
    #![proptest_config(cfg(0x5EED_0001, 2048))]

    #[test]
    fn parse_datetime_never_panics(s in any::<String>()) {
        let _ = parse_datetime(&s);
    }

    #[test]
    fn parse_datetime_never_panics_on_near_misses(s in datetime_like()) {
        if let Some(t) = parse_datetime(&s) {
            // Whatever it accepts is stored and read back unchanged.
            let stored = format_datetime(t);
            prop_assert_eq!(parse_datetime(&stored).map(format_datetime), Some(stored));
        }
    }

    #[test]
    fn datetimes_round_trip_in_every_written_form((text, want) in written_datetime()) {
        let got = parse_datetime(&text);
        prop_assert_eq!(got, Some(want), "{}", text);
        let stored = format_datetime(want);
        let back = parse_datetime(&stored).expect("stored form parses");
        // States keep microseconds.
        prop_assert!((back - want).abs() < Duration::microseconds(1), "{} -> {}", text, stored);
    }
}

/// Arbitrary JSON values (bounded).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("updated_datetime"),
            Just("id"),
            Just("data"),
            Just("meta"),
            Just("next_cursor"),
            Just("2024-01-01T00:00:00"),
            Just("basic"),
            Just("bearer"),
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("data".to_string()),
                        Just("meta".to_string()),
                        Just("id".to_string()),
                        Just("next_cursor".to_string()),
                        Just("next_items".to_string()),
                        Just("updated_datetime".to_string()),
                        Just("subdomain".to_string()),
                        Just("auth".to_string()),
                        Just("type".to_string()),
                        Just("base_url".to_string()),
                        "[a-z_]{1,8}",
                    ],
                    inner,
                ),
                0..6,
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A real-shaped page whose records carry an id and a cursor.
fn page_body() -> impl Strategy<Value = (Vec<u8>, usize)> {
    (
        prop::collection::vec((any::<i64>(), json_value()), 0..20),
        proptest::option::of("[A-Za-z0-9=]{1,20}"),
        any::<bool>(),
    )
        .prop_map(|(records, next, bare)| {
            let data: Vec<Value> = records
                .iter()
                .map(|(id, extra)| json!({"id": id, "extra": extra, "updated_datetime": "2024-01-01T00:00:00"}))
                .collect();
            let n = data.len();
            let body = if bare {
                Value::Array(data)
            } else {
                json!({"object": "list", "uri": "/api/x", "data": data, "meta": {"prev_cursor": null, "next_cursor": next}})
            };
            (serde_json::to_vec(&body).expect("serialises"), n)
        })
}

proptest! {
    #![proptest_config(cfg(0x5EED_0002, 1024))]

    #[test]
    fn parse_page_never_panics_on_bytes(body in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(page) = parse_page(&body) {
            for r in &page.records {
                let _ = field(r, "updated_datetime");
            }
        }
    }

    #[test]
    fn parse_page_never_panics_on_json(value in json_value()) {
        let body = serde_json::to_vec(&value).expect("serialises");
        if let Ok(page) = parse_page(&body) {
            for r in &page.records {
                let _ = field(r, "id");
            }
        }
    }

    #[test]
    fn pages_keep_every_record_and_cut_pages_fail((body, n) in page_body(), cut in any::<prop::sample::Index>()) {
        let page = parse_page(&body).expect("a well-formed page parses");
        prop_assert_eq!(page.records.len(), n);
        for r in &page.records {
            prop_assert!(matches!(field(r, "id"), Ok(Scalar::Int(_))));
            prop_assert_eq!(field(r, "updated_datetime").ok(), Some(Scalar::Str("2024-01-01T00:00:00".into())));
        }
        // Any strict prefix of a page is refused (a truncated body is never a short page).
        let at = cut.index(body.len());
        prop_assert!(parse_page(&body[..at]).is_err(), "prefix of {} bytes accepted", at);
    }
}

/// Strings built from the pieces hostile subdomains are made of.
fn subdomain_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("acme"),
        Just("ACME"),
        Just("-"),
        Just("."),
        Just("gorgias"),
        Just(".gorgias.com"),
        Just("https://"),
        Just("http://"),
        Just("/"),
        Just(":443"),
        Just("@"),
        Just("evil.com"),
        Just("%2e"),
        Just("xn--"),
        Just(" "),
        Just("\r\n"),
        Just("\t"),
        Just("?"),
        Just("#"),
        Just("\\"),
        Just("á"),
        Just("\u{430}"),
        Just("0"),
        Just("9"),
        Just("a"),
        Just("z"),
        Just("\u{ff0e}"),
        Just("\u{3002}"),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|p| p.concat())
}

fn label_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

proptest! {
    #![proptest_config(cfg(0x5EED_0003, 2048))]

    #[test]
    fn normalised_subdomains_are_plain_labels(s in prop_oneof![any::<String>(), subdomain_like()]) {
        match normalise_subdomain(&s) {
            Ok(label) => prop_assert!(label_ok(&label), "{:?} -> {:?}", s, label),
            Err(Error::InvalidConfig { path, .. }) => prop_assert_eq!(path, "subdomain"),
            Err(e) => prop_assert!(false, "unexpected error {}", e),
        }
    }

    #[test]
    fn accepted_base_urls_are_loopback(s in prop_oneof![
        any::<String>(),
        "(https?|ftp)://[a-z0-9.:@\\[\\]%/?#-]{0,30}",
        "http://127\\.[0-9.]{0,10}(:[0-9]{1,5})?/?",
    ]) {
        if let Ok(url) = loopback_base_url(&s) {
            let loopback = match url.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(d)) => d == "localhost",
                None => false,
            };
            prop_assert!(loopback, "{:?} -> {}", s, url);
            prop_assert!(url.username().is_empty() && url.password().is_none());
            prop_assert_eq!(url.path(), "/");
        }
    }
}

proptest! {
    #![proptest_config(cfg(0x5EED_0004, 512))]

    #[test]
    fn connect_never_panics_on_any_document(doc in json_value()) {
        if let Err(e) = DEFINITION.connect(&doc) {
            prop_assert!(matches!(e, Error::InvalidConfig { .. }), "{}", e);
        }
    }

    #[test]
    fn connect_never_panics_on_any_field_value(
        field in prop_oneof![Just("subdomain"), Just("base_url"), Just("start_date"), Just("page_size"), Just("request_timeout_secs"), Just("auth")],
        value in json_value(),
        text in prop_oneof![any::<String>(), subdomain_like()],
        as_text in any::<bool>(),
    ) {
        let mut doc = json!({
            "subdomain": "acme",
            "auth": {"type": "basic", "email": "agent@acme.com", "api_key": "k"},
        });
        doc[field] = if as_text { json!(text) } else { value };
        match DEFINITION.connect(&doc) {
            Ok(_) => {}
            Err(Error::InvalidConfig { path, .. }) => {
                prop_assert!(path.starts_with(field) || path == "(root)", "{} named for {}", path, field)
            }
            Err(e) => prop_assert!(false, "unexpected error {}", e),
        }
    }
}

/// The pacing override of the binary (`GORGIAS_PACING`) reads every documented form and
/// nothing else.
#[test]
fn pacing_env_values() {
    use gorgias_connector::Pacing;
    use std::time::Duration as D;
    for (text, want) in [
        ("", Some(Pacing::Declared)),
        ("declared", Some(Pacing::Declared)),
        (" OFF ", Some(Pacing::Off)),
        ("10s", Some(Pacing::Window(D::from_secs(10)))),
        ("2000ms", Some(Pacing::Window(D::from_millis(2000)))),
        ("0s", None),
        ("fast", None),
        ("-5s", None),
        ("10", None),
        ("1.5s", None),
        // Would overflow milliseconds, or the pacer's clock: refused, not a panic.
        ("18446744073709552s", None),
        ("18446744073709551s", None),
        ("3601s", None),
        ("3600s", Some(Pacing::Window(D::from_secs(3600)))),
    ] {
        assert_eq!(Pacing::parse(text), want, "{text:?}");
    }
}
