//! `gorgias_connector::page::{parse_page, field, with_field}` must never panic on any body:
//! a page is whatever the network delivered (truncated, malformed, hostile).
#![no_main]

use gorgias_connector::page::{field, parse_page, with_field};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(page) = parse_page(data) else {
        return;
    };
    for record in &page.records {
        for name in ["id", "updated_datetime", "created_datetime", ""] {
            let _ = field(record, name);
        }
        if let Ok(with) = with_field(record, "view_id", 7) {
            // What with_field returns is always valid JSON.
            serde_json::from_str::<serde_json::Value>(with.get()).expect("valid JSON");
        }
    }
});
