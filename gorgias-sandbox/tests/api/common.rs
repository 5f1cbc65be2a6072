//! Shared helpers: a lazily started read-only sandbox, an HTTP client and a page walker.

use gorgias_sandbox::{AccountCredentials, DataSizes, Sandbox, SandboxHandle, SandboxOptions};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Sizes small enough for fast tests, large enough for several pages.
pub fn small() -> DataSizes {
    DataSizes {
        tickets: 120,
        customers: 80,
        events: 150,
        satisfaction_surveys: 25,
        ..DataSizes::default()
    }
}

/// A sandbox shared by read-only tests, running on its own runtime thread.
pub fn shared() -> &'static SandboxHandle {
    static CELL: OnceLock<SandboxHandle> = OnceLock::new();
    CELL.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let opts = SandboxOptions::default()
                    .seed(11)
                    .sizes(small())
                    .without_rate_limit();
                let sb = Sandbox::start(opts).await.unwrap();
                tx.send(sb.clone()).unwrap();
                std::future::pending::<()>().await;
            });
        });
        rx.recv().unwrap()
    })
}

/// Starts a private sandbox.
pub async fn start(opts: SandboxOptions) -> SandboxHandle {
    Sandbox::start(opts).await.unwrap()
}

/// A client, one per test thread (its pooled connections live on that test's runtime).
pub fn client() -> reqwest::Client {
    thread_local! {
        static CLIENT: reqwest::Client = reqwest::Client::builder().build().unwrap();
    }
    CLIENT.with(Clone::clone)
}

/// A response, read fully.
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    pub fn error_fields(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.json()["error"]["data"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        keys.sort();
        keys
    }
}

/// Sends a request with Basic auth.
pub async fn call(
    sb: &SandboxHandle,
    creds: &AccountCredentials,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Resp {
    send(sb, Some(&creds.basic_header()), method, path, body).await
}

/// Sends a request with an explicit `Authorization` header (or none).
pub async fn send(
    sb: &SandboxHandle,
    auth: Option<&str>,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Resp {
    let url = format!("{}{}", sb.base_url(), path);
    let mut req = client().request(method.parse().unwrap(), url);
    if let Some(a) = auth {
        req = req.header("Authorization", a);
    }
    if let Some(b) = body {
        req = req
            .header("Content-Type", "application/json")
            .body(b.to_string());
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    Resp {
        status,
        headers,
        text: r.text().await.unwrap_or_default(),
    }
}

/// GET with Basic auth, expecting 200 JSON.
pub async fn get(sb: &SandboxHandle, creds: &AccountCredentials, path: &str) -> Value {
    let r = call(sb, creds, "GET", path, None).await;
    assert_eq!(r.status, 200, "GET {path}: {}", r.text);
    r.json()
}

/// The `uri` Gorgias echoes for a request: the path, `?` and the query re-encoded
/// (`/api/tickets?`, `...?order_by=updated_datetime%3Aasc&limit=100`; recorded: Nango tests
/// list-tickets, macros).
pub fn echoed(path_and_query: &str) -> String {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let pairs = url::form_urlencoded::parse(query.as_bytes());
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(&k, &v);
    }
    format!("{path}?{}", s.finish())
}

/// The `cursor` carried by a view-items `meta.next_items` link.
pub fn items_cursor(link: &str) -> Option<String> {
    let (_, query) = link.split_once('?')?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "cursor")
        .map(|(_, v)| v.into_owned())
}

/// Walks every page of a list (the query must not contain `cursor`), checking the envelope:
/// cursor lists `{object, uri, data, meta{prev_cursor, next_cursor}}`, view items `{data,
/// meta{next_items, prev_items, current_cursor}}` (recorded: Nango test list-view-items).
pub async fn walk(
    sb: &SandboxHandle,
    creds: &AccountCredentials,
    path_and_query: &str,
) -> Vec<Value> {
    let sep = if path_and_query.contains('?') {
        '&'
    } else {
        '?'
    };
    let items = path_and_query
        .split('?')
        .next()
        .unwrap_or("")
        .ends_with("/items");
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    let mut seen = HashSet::new();
    for page in 0..10_000 {
        let url = match &cursor {
            Some(c) => format!("{path_and_query}{sep}cursor={}", urlencode(c)),
            None => path_and_query.to_owned(),
        };
        let v = get(sb, creds, &url).await;
        let next = if items {
            assert!(
                v.get("object").is_none() && v.get("uri").is_none(),
                "{url}: {v}"
            );
            let meta = &v["meta"];
            if page == 0 {
                assert!(meta["prev_items"].is_null() && meta["current_cursor"].is_null());
            } else {
                assert!(meta["prev_items"].is_string(), "later pages link back");
                assert_eq!(meta["current_cursor"].as_str(), cursor.as_deref());
            }
            meta["next_items"]
                .as_str()
                .map(|l| items_cursor(l).expect("cursor in next_items"))
        } else {
            assert_eq!(v["object"], "list", "{url}");
            assert_eq!(v["uri"].as_str(), Some(echoed(&url).as_str()));
            if page == 0 {
                assert!(
                    v["meta"]["prev_cursor"].is_null(),
                    "first page has no prev_cursor"
                );
            } else {
                assert!(
                    v["meta"]["prev_cursor"].is_string(),
                    "later pages have a prev_cursor"
                );
            }
            v["meta"]["next_cursor"].as_str().map(str::to_owned)
        };
        out.extend(v["data"].as_array().unwrap().iter().cloned());
        match next {
            Some(c) => {
                assert!(seen.insert(c.clone()), "cursor loop at {url}");
                cursor = Some(c);
            }
            None => return out,
        }
    }
    panic!("too many pages for {path_and_query}");
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Ids of records.
pub fn ids(records: &[Value]) -> Vec<i64> {
    records.iter().map(|r| r["id"].as_i64().unwrap()).collect()
}
