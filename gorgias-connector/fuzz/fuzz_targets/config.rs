//! `GorgiasDefinition::connect` must never panic, whatever the config document: raw JSON, or
//! a valid template whose subdomain, base URL, start date or credentials are fuzzed strings.
#![no_main]

use std::sync::LazyLock;

use connector_sdk::DefinitionExt;
use gorgias_connector::GorgiasDefinition;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

static DEFINITION: LazyLock<GorgiasDefinition> = LazyLock::new(GorgiasDefinition::new);

fn template() -> Value {
    json!({
        "subdomain": "acme",
        "auth": {"type": "basic", "email": "agent@acme.com", "api_key": "k"},
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest).into_owned();
    let config = match mode % 6 {
        0 => match serde_json::from_slice::<Value>(rest) {
            Ok(v) => v,
            Err(_) => return,
        },
        1 => {
            let mut c = template();
            c["subdomain"] = json!(text);
            c
        }
        2 => {
            let mut c = template();
            c["base_url"] = json!(text);
            c
        }
        3 => {
            let mut c = template();
            c["start_date"] = json!(text);
            c
        }
        4 => {
            let mut c = template();
            c["auth"]["api_key"] = json!(text);
            c["auth"]["email"] = json!(format!("{text}@x.io"));
            c
        }
        _ => json!({"subdomain": "acme", "auth": {"type": "bearer", "token": text}}),
    };
    if let Err(e) = DEFINITION.connect(&config) {
        // Errors render without panicking too.
        let _ = e.to_string();
    }
});
