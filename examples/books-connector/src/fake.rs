//! A tiny fake Books API (feature `fake`): what the connector is tested against and what the
//! binary's `--fake` flag reads from. It shares no code with the connector.
//!
//! Seeded, deterministic data ([`BOOKS`] books, [`AUTHORS`] authors); bearer auth ([`TOKEN`],
//! 401 otherwise); `GET /v1/books` and `GET /v1/authors` with `limit` (1..=100), an opaque
//! `page_token`, `order_by` (`updated_at:asc|desc` for books, `created_at:asc|desc` for authors)
//! and `created_at[gte]=` for authors; `GET/PUT/DELETE /v1/books/{id}`, `POST /v1/books`,
//! `GET /v1/authors/{id}`, `GET /v1/library`; any other path is `404 no_such_library`. A leaky
//! bucket of 20 requests per 2 s answers 429 with `Retry-After` beyond it, and every admitted
//! response reports `X-RateLimit-Used: used/20`. It counts requests, logs when they arrived and
//! counts 429s, and [`Fake::touch_books`] / [`Fake::insert_authors`] change records between
//! reads.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Json, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

/// The instant `unix_secs` seconds after the epoch (the seeded data's fixed dates; infallible).
fn at(unix_secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(unix_secs * 1_000_000_000)
}

/// The token the fake accepts.
pub const TOKEN: &str = "books-fake-token-CANARY-5e1d";
/// How many books a fresh fake holds (ids 1 to 57).
pub const BOOKS: usize = 57;
/// How many authors a fresh fake holds (ids 1 to 12).
pub const AUTHORS: usize = 12;
const CAPACITY: f64 = 20.0;
const LEAK_PER_SEC: f64 = 10.0;

#[derive(Debug)]
struct Db {
    books: Vec<Value>,
    authors: Vec<Value>,
    next_book: i64,
    clock: DateTime<Utc>,
    level: f64,
    leaked_at: Instant,
    requests: u64,
    log: Vec<Duration>,
    limited: u64,
    misbehave: Option<Misbehave>,
}

/// A way the fake can misbehave on purpose, from the next request on ([`Fake::misbehave`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Misbehave {
    /// Every JSON body is pretty-printed (newlines inside records).
    PrettyPrint,
    /// The first record of a page (or a single object) gets a field `forged` whose value, this
    /// JSON text, stands on a line of its own.
    ForgeLine(String),
    /// Every request is answered 400 with its headers (credentials included) in the message.
    EchoHeaders,
}

type Shared = Arc<(Mutex<Db>, Instant)>;

fn lock(s: &Shared) -> MutexGuard<'_, Db> {
    s.0.lock().unwrap_or_else(|p| p.into_inner())
}

fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Db {
    fn seeded() -> Db {
        const NAMES: &str = "Ada Quill,Bram Oakes,Cleo Marsh,Dov Reyes,Edda Lind,Femi Adebayo,Greta Holm,Hiro Tanaka,Ines Duarte,Jonas Berg,Kira Novak,Lev Orlov";
        const WORDS: [&str; 8] = [
            "Silent", "Paper", "Northern", "Lost", "Glass", "Winter", "Iron", "Hidden",
        ];
        const THINGS: [&str; 8] = [
            "Garden", "River", "Letters", "Atlas", "Harbour", "Clock", "Orchard", "Lantern",
        ];
        let day = chrono::Duration::days(1);
        let a0 = at(1_672_617_600) /* 2023-01-02 */;
        let authors = (0..AUTHORS)
            .map(|i| {
                let born = (i % 5 != 4).then(|| 1900 + (i * 7) % 100);
                json!({"id": i + 1, "name": NAMES.split(',').nth(i), "born": born, "created_at": ts(a0 + day * (11 * i as i32))})
            })
            .collect();
        let b0 = at(1_704_067_200) /* 2024-01-01 */;
        let tie = at(1_709_251_200) /* 2024-03-01 */;
        let books = (0..BOOKS)
            .map(|i| {
                let created = b0 + chrono::Duration::hours(13 * i as i64);
                // Every ninth book shares one updated_at, so ties straddle pages.
                let updated = if i % 9 == 0 {
                    tie
                } else {
                    created + day * ((i * 7 % 11) as i32)
                };
                json!({
                    "id": i + 1,
                    "title": format!("The {} {}", WORDS[i % 8], THINGS[(i / 8) % 8]),
                    "author_id": (i % 10 != 9).then_some(i % AUTHORS + 1),
                    "isbn": format!("978{:010}", 1_000_003 * (i + 1)),
                    "published_year": 1950 + (i * 3) % 70,
                    "available": i % 3 != 0,
                    "created_at": ts(created),
                    "updated_at": ts(updated),
                })
            })
            .collect();
        Db {
            books,
            authors,
            next_book: BOOKS as i64 + 1,
            clock: at(1_735_689_600), /* 2025-01-01 */
            level: 0.0,
            leaked_at: Instant::now(),
            requests: 0,
            log: Vec::new(),
            limited: 0,
            misbehave: None,
        }
    }

    /// The fake's clock: one second later at every write.
    fn tick(&mut self) -> String {
        self.clock += chrono::Duration::seconds(1);
        ts(self.clock)
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response()
}

fn bad(code: &str, message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, code, message)
}

fn no_such(what: &str, id: i64) -> Response {
    let (code, message) = (format!("no_such_{what}"), format!("No {what} {id}."));
    error(StatusCode::NOT_FOUND, &code, &message)
}

/// Bearer auth, the request counters and the leaky bucket, before every handler.
async fn gate(State(s): State<Shared>, request: Request, next: Next) -> Response {
    let (used, misbehave) = {
        let mut db = lock(&s);
        db.requests += 1;
        let auth = request.headers().get(header::AUTHORIZATION);
        if auth.and_then(|v| v.to_str().ok()) != Some(&format!("Bearer {TOKEN}")) {
            return error(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Missing or unknown token.",
            );
        }
        db.log.push(s.1.elapsed());
        let now = Instant::now();
        let leaked = now.duration_since(db.leaked_at).as_secs_f64() * LEAK_PER_SEC;
        db.level = (db.level - leaked).max(0.0);
        db.leaked_at = now;
        if db.level + 1.0 > CAPACITY {
            db.limited += 1;
            let wait = ((db.level + 1.0 - CAPACITY) / LEAK_PER_SEC).ceil().max(1.0);
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "Slow down.");
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait as u64));
            return r;
        }
        db.level += 1.0;
        (db.level.ceil() as u64, db.misbehave.clone())
    };
    if misbehave == Some(Misbehave::EchoHeaders) {
        let echo = format!("{:?}", request.headers());
        return error(StatusCode::BAD_REQUEST, "bad_request", &echo);
    }
    let mut response = next.run(request).await;
    if let Some(m) = misbehave {
        let (mut parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        let text = match (serde_json::from_slice::<Value>(&bytes), m) {
            (Ok(v), Misbehave::PrettyPrint) => serde_json::to_string_pretty(&v).unwrap_or_default(),
            (Ok(v), Misbehave::ForgeLine(line)) => {
                let compact = v.to_string();
                let at = ["{\"items\":[{", "{"]
                    .iter()
                    .find(|p| compact.len() > p.len() + 1 && compact.starts_with(**p));
                match at {
                    Some(p) => format!("{p}\"forged\":\n{line}\n,{}", &compact[p.len()..]),
                    None => compact,
                }
            }
            _ => String::from_utf8_lossy(&bytes).into_owned(),
        };
        parts.headers.remove(header::CONTENT_LENGTH);
        response = Response::from_parts(parts, axum::body::Body::from(text));
    }
    // Digits and a slash: always a valid header value.
    if let Ok(usage) = HeaderValue::from_str(&format!("{used}/{CAPACITY}")) {
        response.headers_mut().insert("x-ratelimit-used", usage);
    }
    response
}

/// One page of `items` (already filtered) for `limit`, `page_token` and `order_by` on `field`.
fn page(mut items: Vec<Value>, q: &HashMap<String, String>, field: &str) -> Response {
    let limit = match q.get("limit").map(|l| l.parse::<usize>()) {
        None => 50,
        Some(Ok(l)) if (1..=100).contains(&l) => l,
        _ => {
            return bad("invalid_limit", "limit must be 1 to 100.");
        }
    };
    let offset = match q
        .get("page_token")
        .map(|t| t.strip_prefix("pg_").map(str::parse::<usize>))
    {
        None => 0,
        Some(Some(Ok(o))) => o,
        _ => {
            return bad("invalid_page_token", "Unknown page_token.");
        }
    };
    let key = |v: &Value| {
        (
            v[field].as_str().unwrap_or_default().to_string(),
            v["id"].as_i64(),
        )
    };
    match q.get("order_by").map(String::as_str) {
        None => items.sort_by_key(|v| v["id"].as_i64()),
        Some(o) if o == format!("{field}:asc") => items.sort_by_key(key),
        Some(o) if o == format!("{field}:desc") => {
            items.sort_by_key(key);
            items.reverse();
        }
        Some(_) => {
            return bad("invalid_order_by", "Cannot order by that.");
        }
    }
    let end = (offset + limit).min(items.len());
    let next = (end < items.len()).then(|| format!("pg_{end}"));
    let items = items.get(offset..end).unwrap_or_default();
    Json(json!({"items": items, "next": next})).into_response()
}

async fn list_books(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let books = lock(&s).books.clone();
    page(books, &q, "updated_at")
}

async fn list_authors(
    State(s): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut authors = lock(&s).authors.clone();
    if let Some(gte) = q.get("created_at[gte]") {
        let Ok(from) = DateTime::parse_from_rfc3339(gte) else {
            return bad("invalid_filter", "created_at[gte] must be RFC 3339.");
        };
        authors.retain(|a| {
            DateTime::parse_from_rfc3339(a["created_at"].as_str().unwrap_or_default())
                .is_ok_and(|c| c >= from)
        });
    }
    page(authors, &q, "created_at")
}

fn find(items: &[Value], id: i64) -> Option<usize> {
    items.iter().position(|v| v["id"].as_i64() == Some(id))
}

/// One book or author by id.
fn one(items: &[Value], what: &str, id: i64) -> Response {
    match find(items, id) {
        Some(i) => Json(items[i].clone()).into_response(),
        None => no_such(what, id),
    }
}

async fn get_book(State(s): State<Shared>, Path(id): Path<i64>) -> Response {
    one(&lock(&s).books, "book", id)
}

async fn get_author(State(s): State<Shared>, Path(id): Path<i64>) -> Response {
    one(&lock(&s).authors, "author", id)
}

/// Copies the writable fields of `body` into `book`.
fn write_fields(book: &mut Map<String, Value>, body: &Value) {
    for f in ["title", "author_id", "isbn", "published_year", "available"] {
        if let Some(v) = body.get(f) {
            book.insert(f.into(), v.clone());
        }
    }
}

async fn create_book(State(s): State<Shared>, Json(body): Json<Value>) -> Response {
    if body["title"].as_str().is_none_or(str::is_empty) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_book",
            "A book needs a title.",
        );
    }
    let mut db = lock(&s);
    let now = db.tick();
    let mut book = Map::new();
    book.insert("id".into(), json!(db.next_book));
    for f in ["title", "author_id", "isbn", "published_year"] {
        book.insert(f.into(), Value::Null);
    }
    book.insert("available".into(), json!(true));
    write_fields(&mut book, &body);
    book.insert("created_at".into(), json!(now));
    book.insert("updated_at".into(), json!(now));
    db.next_book += 1;
    db.books.push(Value::Object(book.clone()));
    (StatusCode::CREATED, Json(Value::Object(book))).into_response()
}

async fn update_book(
    State(s): State<Shared>,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Response {
    let mut db = lock(&s);
    let Some(i) = find(&db.books, id) else {
        return no_such("book", id);
    };
    let now = db.tick();
    let Some(book) = db.books[i].as_object_mut() else {
        return no_such("book", id);
    };
    write_fields(book, &body);
    book.insert("updated_at".into(), json!(now));
    Json(db.books[i].clone()).into_response()
}

async fn delete_book(State(s): State<Shared>, Path(id): Path<i64>) -> Response {
    let mut db = lock(&s);
    match find(&db.books, id) {
        Some(i) => {
            db.books.remove(i);
            StatusCode::NO_CONTENT.into_response()
        }
        None => no_such("book", id),
    }
}

/// A running fake; dropping it stops the server.
#[derive(Debug)]
pub struct Fake {
    base_url: String,
    shared: Shared,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Fake {
    /// Starts a freshly seeded fake on a free loopback port (on the current tokio runtime).
    pub async fn start() -> std::io::Result<Fake> {
        let shared: Shared = Arc::new((Mutex::new(Db::seeded()), Instant::now()));
        let app = Router::new()
            .route(
                "/v1/library",
                get(|| async { Json(json!({"name": "The Fake Library"})) }),
            )
            .route("/v1/books", get(list_books).post(create_book))
            .route(
                "/v1/books/{id}",
                get(get_book).put(update_book).delete(delete_book),
            )
            .route("/v1/authors", get(list_authors))
            .route("/v1/authors/{id}", get(get_author))
            .fallback(|| async {
                error(
                    StatusCode::NOT_FOUND,
                    "no_such_library",
                    "No library at this address.",
                )
            })
            .layer(middleware::from_fn_with_state(shared.clone(), gate))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Fake {
            base_url,
            shared,
            server,
        })
    }

    /// Where the fake listens, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A config for the connector that reaches this fake with the accepted token.
    pub fn config(&self) -> Value {
        json!({"base_url": self.base_url, "auth": {"type": "bearer", "token": TOKEN}, "page_size": 10})
    }

    /// Requests received so far, rejected ones included.
    pub fn requests(&self) -> u64 {
        lock(&self.shared).requests
    }

    /// When each authenticated request arrived (since the fake started), oldest first.
    pub fn request_instants(&self) -> Vec<Duration> {
        lock(&self.shared).log.clone()
    }

    /// 429 answers sent so far.
    pub fn rate_limited(&self) -> u64 {
        lock(&self.shared).limited
    }

    /// Makes the fake misbehave from the next request on (`None`: behave again).
    pub fn misbehave(&self, how: Option<Misbehave>) {
        lock(&self.shared).misbehave = how;
    }

    /// Moves the `updated_at` of the first `n` books (by id) to the fake's clock; returns how
    /// many changed.
    pub fn touch_books(&self, n: usize) -> usize {
        let mut db = lock(&self.shared);
        let now = db.tick();
        let mut changed = 0;
        for book in db.books.iter_mut().take(n) {
            book["updated_at"] = json!(now);
            changed += 1;
        }
        changed
    }

    /// Adds `n` authors created at the fake's clock; returns their ids.
    pub fn insert_authors(&self, n: usize) -> Vec<i64> {
        let mut db = lock(&self.shared);
        (0..n)
            .map(|_| {
                let id = db.authors.len() as i64 + 1;
                let now = db.tick();
                db.authors.push(json!({"id": id, "name": format!("New Author {id}"), "born": null, "created_at": now}));
                id
            })
            .collect()
    }
}

/// The binary's `--fake` preset: starts a fake and reads from it.
pub fn preset() -> connector_host::Preset {
    use futures::FutureExt as _;
    let provide = || {
        async {
            let fake = Fake::start().await.map_err(|e| {
                connector_sdk::Error::transport(
                    format!("cannot start the fake Books API: {e}"),
                    false,
                )
            })?;
            Ok(connector_host::PresetConfig {
                config: fake.config(),
                banner: format!("using the fake Books API at {}", fake.base_url()),
                guard: Box::new(fake),
            })
        }
        .boxed()
    };
    connector_host::Preset {
        flag: "fake",
        help: "Use the crate's fake Books API (seeded data, no account needed) instead of --config",
        provide: Arc::new(provide),
    }
}
