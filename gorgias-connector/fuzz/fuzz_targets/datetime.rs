//! `connector_sdk::cursor::parse_datetime` must never panic, and whatever it accepts must
//! survive a format / parse round trip unchanged (states store what it returns).
#![no_main]

use connector_sdk::cursor::{format_datetime, parse_datetime};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(t) = parse_datetime(text) {
        let stored = format_datetime(t);
        let back = parse_datetime(&stored).expect("a formatted datetime parses again");
        // Formatting keeps microseconds: the round trip is exact at that precision.
        assert_eq!(format_datetime(back), stored);
    }
});
