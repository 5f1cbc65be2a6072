//! A minimal connector that needs no network: a library of books held in memory.
//!
//! A test double, not an example to copy (the example connector is `books-connector`, built on
//! `connector-http`): hosts and the conformance suite test themselves against it, because it
//! can be broken on purpose and changed between reads without a server. It implements the whole
//! contract (config with a secret, one incremental stream that checkpoints after every page,
//! three actions with validated input). Enabled by the `testing` feature. The [`MemoryBackend`] plays the service: it counts requests and
//! can be changed between reads.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use futures::stream::BoxStream;
use schemars::JsonSchema;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::connector::{Action, Connector, Definition, ReadRequest, Stream};
use crate::cursor::{CursorValue, format_datetime, parse_datetime};
use crate::error::{Error, Result};
use crate::message::{Message, Record, StateCheckpoint};
use crate::paginate::{Page, paginate};
use crate::schema::schema_for;
use crate::spec::*;
use crate::validate::{ValidConfig, ValidInput};

/// A book, as the example service stores it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Book {
    /// Unique id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Author.
    pub author: String,
    /// Last change, RFC 3339.
    pub updated_at: String,
}

#[derive(Debug)]
struct Inner {
    books: Vec<Book>,
    next_id: i64,
    clock: i64,
    requests: u64,
}

/// The in-memory service behind the example connector. Clones share the same data.
#[derive(Clone)]
pub struct MemoryBackend {
    inner: Arc<Mutex<Inner>>,
    token: Arc<SecretString>,
}

impl std::fmt::Debug for MemoryBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryBackend").finish_non_exhaustive()
    }
}

const EPOCH: i64 = 1_700_000_000;

impl MemoryBackend {
    /// A library of `books` books that accepts `token`.
    pub fn new(books: usize, token: &str) -> Self {
        let backend = MemoryBackend {
            inner: Arc::new(Mutex::new(Inner {
                books: Vec::new(),
                next_id: 1,
                clock: EPOCH,
                requests: 0,
            })),
            token: Arc::new(SecretString::from(token.to_string())),
        };
        for i in 0..books {
            backend.insert(&format!("Book {i}"), "Anonymous");
        }
        backend.lock().requests = 0;
        backend
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn tick(inner: &mut Inner) -> String {
        inner.clock += 1;
        let t = chrono::DateTime::from_timestamp(inner.clock, 0).unwrap_or_default();
        format_datetime(t)
    }

    /// Requests served so far.
    pub fn requests(&self) -> u64 {
        self.lock().requests
    }

    /// Adds a book; returns it.
    pub fn insert(&self, title: &str, author: &str) -> Book {
        let mut inner = self.lock();
        inner.requests += 1;
        let updated_at = Self::tick(&mut inner);
        let book = Book {
            id: inner.next_id,
            title: title.to_string(),
            author: author.to_string(),
            updated_at,
        };
        inner.next_id += 1;
        inner.books.push(book.clone());
        book
    }

    /// Changes the `n` oldest-changed books; returns their ids.
    pub fn touch(&self, n: usize) -> Vec<i64> {
        let mut inner = self.lock();
        let mut order: Vec<usize> = (0..inner.books.len()).collect();
        order.sort_by(|a, b| inner.books[*a].updated_at.cmp(&inner.books[*b].updated_at));
        let mut ids = Vec::new();
        for i in order.into_iter().take(n) {
            let t = Self::tick(&mut inner);
            inner.books[i].updated_at = t;
            inner.books[i].title.push('*');
            ids.push(inner.books[i].id);
        }
        ids
    }

    fn authorise(&self, token: &SecretString) -> Result<()> {
        let mut inner = self.lock();
        inner.requests += 1;
        if token.expose_secret() == self.token.expose_secret() {
            Ok(())
        } else {
            Err(Error::AuthRejected {
                message: "the token is not valid for this library".into(),
            })
        }
    }

    /// Books changed after `after`, oldest change first, `limit` from `offset`.
    fn page(
        &self,
        token: &SecretString,
        after: Option<&CursorValue>,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<Book>, bool)> {
        self.authorise(token)?;
        let inner = self.lock();
        let mut books: Vec<&Book> = inner
            .books
            .iter()
            .filter(|b| match (after, parse_datetime(&b.updated_at)) {
                (Some(CursorValue::Time(t)), Some(u)) => u > *t,
                _ => true,
            })
            .collect();
        books.sort_by(|a, b| (&a.updated_at, a.id).cmp(&(&b.updated_at, b.id)));
        let more = books.len() > offset + limit;
        Ok((
            books
                .into_iter()
                .skip(offset)
                .take(limit)
                .cloned()
                .collect(),
            more,
        ))
    }
}

/// # Example connector config
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemoryConfig {
    /// # Token
    /// The library's access token.
    #[schemars(with = "String", length(min = 1), extend("writeOnly" = true, "airbyte_secret" = true))]
    pub token: SecretString,
    /// # Page size
    /// Books per request.
    #[serde(default = "default_page_size")]
    #[schemars(range(min = 1, max = 50), example = 10)]
    pub page_size: u32,
}

impl std::fmt::Debug for MemoryConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryConfig")
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

fn default_page_size() -> u32 {
    10
}

/// The definition of the example connector over one backend.
#[derive(Debug)]
pub struct MemoryDefinition {
    spec: ConnectorSpec,
    backend: MemoryBackend,
}

fn titled(mut schema: Value, title: &str) -> Value {
    schema["title"] = json!(title);
    schema
}

fn book_schema() -> Value {
    json!({
        "$schema": crate::schema::DRAFT,
        "title": "Book",
        "type": "object",
        "required": ["id", "title", "author", "updated_at"],
        "properties": {
            "id": {"type": "integer", "description": "Unique id."},
            "title": {"type": "string"},
            "author": {"type": "string"},
            "updated_at": {"type": "string", "format": "date-time", "description": "Last change."}
        },
        "additionalProperties": true
    })
}

/// # Get a book
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct BookId {
    /// # Book id
    #[schemars(range(min = 1))]
    id: i64,
}

/// # Add a book
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct NewBook {
    /// # Title
    #[schemars(length(min = 1, max = 200))]
    title: String,
    /// # Author
    #[schemars(length(min = 1, max = 200))]
    author: String,
}

/// # List books
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ListBooks {
    /// # Limit
    /// Books on the page.
    #[schemars(range(min = 1, max = 50))]
    limit: Option<u32>,
    /// # Cursor
    /// The previous page's next_cursor.
    #[schemars(length(min = 1, max = 20))]
    cursor: Option<String>,
}

/// # Books
#[derive(Serialize, JsonSchema)]
struct BookPage {
    /// The books of the page.
    data: Vec<Book>,
    /// Pass as `cursor` for the next page; null on the last.
    next_cursor: Option<String>,
}

/// # Deleted
#[derive(Serialize, JsonSchema)]
struct Deleted {
    /// The id that was removed.
    deleted: i64,
}

impl MemoryDefinition {
    /// The example connector over `backend`.
    pub fn new(backend: MemoryBackend) -> Self {
        let spec = ConnectorSpec {
            name: "example_library".into(),
            title: "Example library".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            documentation_url: "https://docs.rs/connector-sdk/latest/connector_sdk/testing/".into(),
            config_schema: schema_for::<MemoryConfig>(),
            auth_kinds: vec![AuthKind {
                scheme: AuthScheme::Bearer,
                config_type: "token".into(),
                title: "Token".into(),
                description: "The library's access token.".into(),
                secret_fields: vec!["token".into()],
            }],
            polling: PollingMode {
                kind: ChangeDetection::Polled,
                recommended_interval_secs: 60,
                note: "In memory: poll as often as you like.".into(),
            },
            rate_limits: vec![RateLimit {
                auth_scheme: None,
                requests: 1000,
                window_ms: 1000,
                scope: RateLimitScope::Account,
                usage_header: None,
                retry_after_header: None,
                note: "Nominal: the in-memory backend does not enforce it.".into(),
            }],
            supports_two_way_sync: false,
            supports_events: false,
            streams: vec![
                StreamDescriptor::new(
                    "books",
                    "Every book, oldest change first.",
                    book_schema(),
                    &["id"],
                )
                .incremental(
                    "updated_at",
                    Incremental {
                        strategy: IncrementalStrategy::ServerFilter,
                        lookback_secs: 0,
                        captures_updates: true,
                        note: "The backend filters by updated_at.".into(),
                        cursor_fallback: None,
                    },
                ),
            ],
            actions: vec![
                ActionDescriptor::new(
                    "get_book",
                    "Get a book",
                    "Returns one book by id.",
                    ActionEffect::Read,
                    schema_for::<BookId>(),
                    book_schema(),
                ),
                ActionDescriptor::new(
                    "add_book",
                    "Add a book",
                    "Adds a book and returns it.",
                    ActionEffect::Create,
                    schema_for::<NewBook>(),
                    book_schema(),
                ),
                ActionDescriptor::new(
                    "delete_book",
                    "Delete a book",
                    "Removes a book for good.",
                    ActionEffect::Delete,
                    titled(schema_for::<BookId>(), "Delete a book"),
                    schema_for::<Deleted>(),
                ),
                ActionDescriptor::new(
                    "list_books",
                    "List books",
                    "Returns one page of books, oldest change first, and the cursor of the next.",
                    ActionEffect::Read,
                    schema_for::<ListBooks>(),
                    schema_for::<BookPage>(),
                ),
            ],
        };
        MemoryDefinition { spec, backend }
    }
}

impl Definition for MemoryDefinition {
    fn spec(&self) -> &ConnectorSpec {
        &self.spec
    }

    fn build(&self, config: ValidConfig) -> Result<Box<dyn Connector>> {
        let config: MemoryConfig = config.parse()?;
        let token = Arc::new(config.token);
        let streams: Vec<Arc<dyn Stream>> = vec![Arc::new(BooksStream {
            descriptor: self.spec.streams[0].clone(),
            backend: self.backend.clone(),
            token: token.clone(),
            page_size: config.page_size as usize,
        })];
        let actions: Vec<Arc<dyn Action>> = self
            .spec
            .actions
            .iter()
            .map(|d| {
                Arc::new(BookAction {
                    descriptor: d.clone(),
                    backend: self.backend.clone(),
                    token: token.clone(),
                }) as Arc<dyn Action>
            })
            .collect();
        Ok(Box::new(ExampleConnector {
            spec: self.spec.clone(),
            backend: self.backend.clone(),
            token,
            streams,
            actions,
        }))
    }
}

struct ExampleConnector {
    spec: ConnectorSpec,
    backend: MemoryBackend,
    token: Arc<SecretString>,
    streams: Vec<Arc<dyn Stream>>,
    actions: Vec<Arc<dyn Action>>,
}

#[async_trait]
impl Connector for ExampleConnector {
    fn spec(&self) -> &ConnectorSpec {
        &self.spec
    }

    async fn check(&self) -> Result<()> {
        self.backend.authorise(&self.token)
    }

    fn streams(&self) -> Vec<Arc<dyn Stream>> {
        self.streams.clone()
    }

    fn actions(&self) -> Vec<Arc<dyn Action>> {
        self.actions.clone()
    }
}

struct BooksStream {
    descriptor: StreamDescriptor,
    backend: MemoryBackend,
    token: Arc<SecretString>,
    page_size: usize,
}

impl Stream for BooksStream {
    fn descriptor(&self) -> &StreamDescriptor {
        &self.descriptor
    }

    fn read(&self, request: ReadRequest) -> BoxStream<'static, Result<Message>> {
        // Full refresh ignores the state (ReadRequest's contract): read everything.
        let request = ReadRequest {
            state: request
                .state
                .filter(|_| request.sync_mode == SyncMode::Incremental),
            ..request
        };
        let after = request
            .state
            .as_ref()
            .and_then(|s| s.get("cursor"))
            .and_then(CursorValue::from_json);
        let (backend, token, limit) = (self.backend.clone(), self.token.clone(), self.page_size);
        let stream: Arc<str> = self.descriptor.name.as_str().into();
        let start_state = request.state.clone();
        paginate(0usize, move |offset| {
            let (backend, token, after, stream, start_state) = (
                backend.clone(),
                token.clone(),
                after.clone(),
                stream.clone(),
                start_state.clone(),
            );
            async move {
                let (books, more) = backend.page(&token, after.as_ref(), offset, limit)?;
                let received = books.len();
                let mut messages: Vec<Message> = books
                    .iter()
                    .map(|b| Message::Record(Record::from_value(stream.clone(), &json!(b))))
                    .collect();
                let state = match books.last() {
                    Some(b) => json!({ "cursor": b.updated_at }),
                    None => start_state.unwrap_or_else(|| json!({})),
                };
                messages.push(Message::State(StateCheckpoint { stream, state }));
                Ok(Page::new(
                    messages,
                    more.then_some(offset + limit),
                    received,
                ))
            }
        })
    }
}

struct BookAction {
    descriptor: ActionDescriptor,
    backend: MemoryBackend,
    token: Arc<SecretString>,
}

#[async_trait]
impl Action for BookAction {
    fn descriptor(&self) -> &ActionDescriptor {
        &self.descriptor
    }

    async fn run(&self, input: ValidInput) -> Result<Value> {
        self.backend.authorise(&self.token)?;
        let name = self.descriptor.name.as_str();
        let find = |id: i64| -> Result<usize> {
            self.backend
                .lock()
                .books
                .iter()
                .position(|b| b.id == id)
                .ok_or_else(|| Error::NotFound {
                    what: format!("book {id}"),
                    message: "no book has this id".into(),
                })
        };
        match name {
            "list_books" => {
                let ListBooks { limit, cursor } = input.parse(name)?;
                let offset = match cursor {
                    None => 0,
                    Some(c) => c.parse::<usize>().map_err(|_| Error::InvalidInput {
                        action: name.into(),
                        path: "cursor".into(),
                        reason: "is not a cursor this connector gave; pass a next_cursor back as it came".into(),
                    })?,
                };
                let limit = limit.unwrap_or(default_page_size()) as usize;
                let (data, more) = self.backend.page(&self.token, None, offset, limit)?;
                let next_cursor = more.then(|| (offset + limit).to_string());
                Ok(json!(BookPage { data, next_cursor }))
            }
            "get_book" => {
                let BookId { id } = input.parse(name)?;
                let i = find(id)?;
                Ok(json!(self.backend.lock().books[i]))
            }
            "add_book" => {
                let NewBook { title, author } = input.parse(name)?;
                Ok(json!(self.backend.insert(&title, &author)))
            }
            "delete_book" => {
                let BookId { id } = input.parse(name)?;
                let i = find(id)?;
                self.backend.lock().books.remove(i);
                Ok(json!(Deleted { deleted: id }))
            }
            other => Err(Error::Unknown {
                kind: "action",
                name: other.to_string(),
                known: "list_books, get_book, add_book, delete_book".into(),
            }),
        }
    }
}
