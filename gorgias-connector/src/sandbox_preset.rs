//! The `--sandbox` flag: an embedded [`gorgias_sandbox`] server and a config that points at it.
//!
//! The sandbox enforces Gorgias's leaky bucket (40 requests per window for API keys) over a
//! window scaled down to one second, and the config it hands out says so
//! (`rate_limit_window_secs: 1`, accepted with a loopback base_url only), so the binary's own
//! definition paces itself to it: the demo shows real pacing (and no 429) without waiting twenty
//! seconds per forty requests.

use std::sync::Arc;
use std::time::Duration;

use connector_host::{Preset, PresetConfig};
use connector_sdk::Error;
use futures::FutureExt as _;
use serde_json::json;

/// The rate-limit window of the embedded sandbox.
pub const WINDOW: Duration = Duration::from_secs(1);

/// Starts the sandbox and returns the config that reaches it (API key auth).
pub async fn start() -> Result<PresetConfig, Error> {
    let options = gorgias_sandbox::SandboxOptions::default().rate_limit_window(WINDOW);
    let handle = gorgias_sandbox::Sandbox::start(options)
        .await
        .map_err(|e| Error::transport(format!("cannot start the embedded sandbox: {e}"), false))?;
    let account = handle.accounts().into_iter().next().ok_or_else(|| {
        Error::invalid_response("a sandbox account", "the sandbox has no account")
    })?;
    let config = json!({
        "subdomain": account.subdomain,
        "auth": {"type": "basic", "email": account.email, "api_key": account.api_key},
        "base_url": handle.base_url(),
        "rate_limit_window_secs": WINDOW.as_secs(),
    });
    let banner = format!(
        "using the embedded Gorgias sandbox at {} (account {}, rate limit 40 requests per {:?})",
        handle.base_url(),
        account.subdomain,
        WINDOW
    );
    Ok(PresetConfig {
        config,
        guard: Box::new(handle),
        banner,
    })
}

/// The `--sandbox` preset for the host.
pub fn preset() -> Preset {
    Preset {
        flag: "sandbox",
        help: "Use an embedded Gorgias sandbox with seeded data instead of --config (no account needed)",
        provide: Arc::new(|| start().boxed()),
    }
}
