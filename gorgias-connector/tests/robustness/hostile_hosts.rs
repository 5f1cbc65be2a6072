//! No config can point the connector (and its credentials) at another host: hostile
//! subdomains and base URLs are refused through the whole `DefinitionExt::connect` path
//! (schema, then the config's own rules), naming the field, and no request is sent.

use connector_sdk::{DefinitionExt, Error};
use gorgias_connector::config::{loopback_base_url, normalise_subdomain};
use gorgias_sandbox::{Sandbox, SandboxOptions};
use serde_json::{Value, json};

use crate::{config, definition, fast_retry, requests_seen};

/// Subdomains that name another host, smuggle a port, user, path or header, or are not a
/// plain ASCII label.
const HOSTILE_SUBDOMAINS: &[&str] = &[
    // other hosts
    "evil.com",
    "acme.evil.com",
    "acme.gorgias.com.evil.com",
    "evil.com/acme.gorgias.com",
    "acme.gorgias.co",
    "gorgias.com",
    ".gorgias.com",
    "https://evil.com",
    "https://evil.com/acme",
    "http://acme.gorgias.com.evil.com/",
    "//evil.com",
    "https:/evil.com",
    "HTTPS://EVIL.COM",
    // userinfo
    "https://acme.gorgias.com@evil.com",
    "https://evil.com@acme.gorgias.com",
    "https://user:pass@acme.gorgias.com",
    "user@acme",
    "acme@evil.com",
    "https://acme.gorgias.com\\@evil.com",
    // ports
    "https://acme.gorgias.com:444",
    "https://acme.gorgias.com:443",
    "acme:443",
    "acme.gorgias.com:80",
    // paths, queries, fragments, backslashes
    "acme/../../evil",
    "../acme",
    "acme/x",
    "acme?x=evil.com",
    "acme#evil.com",
    "acme\\evil.com",
    // IP literals
    "127.0.0.1",
    "10.0.0.1",
    "169.254.169.254",
    "[::1]",
    "http://169.254.169.254",
    "https://[::1]/",
    // unicode and homographs
    "ácme",
    "\u{430}cme",
    "acme\u{200b}",
    "\u{ff41}\u{ff43}\u{ff4d}\u{ff45}",
    "acme\u{3002}gorgias\u{3002}com",
    "https://acme.gorg\u{131}as.com",
    // percent-encoding
    "acme%2eevil%2ecom",
    "https://acme%2egorgias%2ecom",
    "https://acme.gorgias.com%2f@evil.com",
    "acme%00",
    "acme%0d%0a",
    // IDN / punycode
    "xn--cme-9la",
    "xn--80ak6aa92e",
    "https://xn--cme-9la.gorgias.com",
    "https://acme.xn--gorgas-9ua.com",
    "xn--80ak6aa92e.com",
    // trailing and doubled dots
    "acme.",
    ".acme",
    "acme.gorgias.com.",
    "https://acme.gorgias.com./",
    "acme..gorgias.com",
    // whitespace and CRLF
    "ac me",
    "acme evil.com",
    "acme\tevil",
    "acme\u{a0}x",
    "acme\r\nHost: evil.com",
    "acme\r\n",
    "\nacme",
    // schemes
    "javascript:alert(1)",
    "file:///etc/passwd",
    "ftp://acme.gorgias.com",
    "ws://acme.gorgias.com",
    // empty and malformed labels
    "",
    " ",
    "-",
    "--",
    "-acme",
    "acme-",
    "ab--cd",
];

/// Base URLs that are not this machine, or carry what a base URL must not.
const HOSTILE_BASE_URLS: &[&str] = &[
    "http://evil.com",
    "https://acme.gorgias.com",
    "http://10.0.0.1:8089",
    "http://192.168.1.1",
    "http://169.254.169.254",
    "http://0.0.0.0:8089",
    "http://[::]:8089",
    "http://[::ffff:10.0.0.1]",
    "http://[::ffff:127.0.0.1]",
    "http://127.0.0.1@evil.com",
    "http://evil.com@127.0.0.1",
    "http://user:pw@127.0.0.1:1",
    "http://127.0.0.1.nip.io",
    "http://localhost.evil.com",
    "http://localhost.",
    "http://evil.com#@127.0.0.1",
    "http://evil.com?@127.0.0.1",
    "http://evil%2ecom",
    "http://127.0.0.1/api",
    "http://127.0.0.1:1/x?y",
    "http://127.0.0.1:1/#frag",
    "http://l\u{43e}calhost",
    "http://xn--lcalhost-9qi",
    "http://127.0.0.1\r\nHost: evil.com",
    "http://127.0.0.1 evil.com",
    "file:///etc/passwd",
    "ftp://127.0.0.1",
    "javascript:alert(1)",
    "data:text/plain,x",
    "unix:/var/run/docker.sock",
    "http+unix://%2Fvar%2Frun%2Fdocker.sock",
    "127.0.0.1:8089",
    "//127.0.0.1",
    "not a url",
    "",
];

fn refused_for(field: &str, result: Result<Box<dyn connector_sdk::Connector>, Error>) -> String {
    match result {
        Ok(_) => "accepted".into(),
        Err(Error::InvalidConfig { path, .. }) if path == field => String::new(),
        Err(e) => format!("refused for another reason: {e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_subdomains_and_base_urls_are_refused_without_a_request() {
    let sandbox = Sandbox::start(SandboxOptions::default().seed(9).without_rate_limit())
        .await
        .expect("sandbox starts");
    let definition = definition(fast_retry(0));
    let good = config(&sandbox, 0, json!({}));
    definition.connect(&good).expect("the base config is valid");
    let before = requests_seen(&sandbox);
    let mut problems = Vec::new();
    for sub in HOSTILE_SUBDOMAINS {
        // With the sandbox as base URL and without any base URL.
        let mut with_base = good.clone();
        with_base["subdomain"] = json!(sub);
        let mut without: Value = with_base.clone();
        if let Some(o) = without.as_object_mut() {
            o.remove("base_url");
        }
        for cfg in [with_base, without] {
            let why = refused_for("subdomain", definition.connect(&cfg));
            if !why.is_empty() {
                problems.push(format!("subdomain {sub:?}: {why}"));
            }
        }
        // Surrounding whitespace is trimmed by normalisation (the schema refuses it first).
        if sub.trim() == *sub && normalise_subdomain(sub).is_ok() {
            problems.push(format!("subdomain {sub:?}: normalise_subdomain accepts it"));
        }
    }
    for base in HOSTILE_BASE_URLS {
        let mut cfg = good.clone();
        cfg["base_url"] = json!(base);
        let why = refused_for("base_url", definition.connect(&cfg));
        // An empty base_url means "no override" (the real host of the subdomain): allowed.
        if !why.is_empty() && !base.is_empty() {
            problems.push(format!("base_url {base:?}: {why}"));
        }
        if loopback_base_url(base).is_ok() {
            problems.push(format!("base_url {base:?}: loopback_base_url accepts it"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(
        requests_seen(&sandbox),
        before,
        "a refused config sent a request"
    );
    eprintln!(
        "hostile hosts: {} subdomains and {} base URLs refused",
        HOSTILE_SUBDOMAINS.len(),
        HOSTILE_BASE_URLS.len()
    );
}

/// The benign forms a user pastes all normalise to the bare subdomain.
#[test]
fn pasted_addresses_normalise_to_the_subdomain() {
    for input in [
        "acme",
        "ACME",
        "acme.gorgias.com",
        "Acme.Gorgias.Com",
        "https://acme.gorgias.com",
        "https://acme.gorgias.com/",
        "https://acme.gorgias.com/app/tickets?x=1#y",
        "http://acme.gorgias.com",
    ] {
        assert_eq!(normalise_subdomain(input).expect(input), "acme", "{input}");
    }
}
