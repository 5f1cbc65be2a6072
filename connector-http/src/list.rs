//! The one generic list stream. A connector's object modules declare [`StreamDecl`]s; this
//! module reads them, through the account's [`Client`] and its [`Dialect`](crate::Dialect).
//!
//! The SDK's incremental strategies ([`IncrementalStrategy`]), all with state
//! `{"cursor": "<RFC 3339 UTC>"}`:
//!
//! * `SortedFeed` (the API orders by the cursor both ways). Without a bookmark the first sync
//!   walks *oldest first*, and the state advances after every page: a crash loses nothing and
//!   the next run only reads what is left. With a bookmark it walks *newest first* and stops at
//!   the first record older than the bookmark, so an incremental sync costs
//!   ceil(changes / page size) + 1 requests; because a newest-first walk cannot move its
//!   bookmark part-way, its intermediate checkpoints keep the old bookmark and the final one
//!   advances it.
//! * `ServerFilter` (the API filters by the cursor, e.g. `<cursor>[gte]=`: [`Dialect::since_param`](crate::Dialect::since_param)): `bookmark - lookback`, oldest first,
//!   state advancing every page.
//! * `ClientFilter` (the API can neither filter nor order by the cursor): every page is read
//!   and only records at or after the bookmark are emitted; the state advances when the walk
//!   ends.
//!
//! Records equal to the bookmark are emitted again (at-least-once; records are keyed), so ties
//! split across pages are never lost. Every page is followed by a state checkpoint.
//!
//! Walks that are not finished also checkpoint *where* they are, so a read that fails or is
//! killed part-way resumes the same walk instead of starting it over (a newest-first walk that
//! had to restart at the top after every failure could never finish through a flaky network):
//!
//! ```json
//! {"cursor": "2024-11-14T14:18:25.095107Z",
//!  "resume": {"ascending": false, "partition": 0, "page": "WyJuZXh0IiwgMjksIDkyOV0=", "max": "2024-11-20T08:00:00Z"}}
//! ```
//!
//! `page` is the API's opaque page cursor (`null`: the partition's first page), `max` the
//! highest cursor value the walk has emitted so far, `ascending` whether it is a first sync's
//! oldest-first walk. APIs (Gorgias among them) document page cursors as short-lived, so when the API refuses a
//! stored one (400, 410, 422) the read logs a warning and starts the walk over from `cursor`:
//! nothing is lost, some pages are read again. Hosts treat the state as opaque; `cursor` alone
//! is the bookmark.
//!
//! What a hostile or broken server can send, and what the walk does with it:
//!
//! * **A record dated in the future** (9999, or a clock gone wrong): emitted, but it does not
//!   move the bookmark past now + [`FUTURE_SKEW_SECS`], with a warning; otherwise every later
//!   incremental sync would start after it and read nothing. A bookmark (saved state or
//!   `start_date`) already in the future is warned about at the start.
//! * **A page cursor longer than [`MAX_PAGE_CURSOR_BYTES`]**: it could never be sent back (URI
//!   limits), so the walk stops with an error instead of checkpointing it; a saved state whose
//!   `resume.page` is that long restarts the walk from the bookmark.
//! * **A list item that is not a JSON object** (`1`, `"x"`, `null`, `[]`): skipped with a
//!   warning (the protocol's records are objects; it is not a record).
//! * **Fresh cursors with empty pages, forever**: the SDK's paginator stops after
//!   `MAX_EMPTY_PAGES` in a row; the parent list of view items stops at [`MAX_PARENTS`].
//!
//! A stream over an add-on the account may lack declares which answers mean "not enabled"
//! ([`Unavailable`]); such an answer to a partition's first page reads as an empty partition
//! with a warning, and every other error still fails the read.

use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};
use connector_sdk::cursor::{format_datetime, parse_datetime};
use connector_sdk::paginate::{Page, paginate};
use connector_sdk::{
    Error, Incremental, IncrementalStrategy, Message, ReadRequest, Record, Result, StateCheckpoint,
    Stream, StreamDescriptor, SyncMode,
};
use futures::stream::BoxStream;
use futures::{FutureExt as _, StreamExt as _};
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::client::{Client, Method, RetryPolicy};
use crate::datetimes::DatetimeFields;
use crate::page::{Scalar, field, with_field};

/// How far past now a record's cursor may lie and still move the bookmark (clock skew between
/// the server and this machine).
pub const FUTURE_SKEW_SECS: i64 = 300;

/// The longest page cursor the walk follows or checkpoints. Gorgias's cursors, for one, are base64 of a
/// short JSON list (under 200 bytes); one far longer could not be sent back in a URL.
pub const MAX_PAGE_CURSOR_BYTES: usize = 4096;

/// The most parent records (views) whose children are read.
pub const MAX_PARENTS: usize = 10_000;

/// How a stream is read.
#[derive(Debug, Clone)]
pub enum ReadKind {
    /// One object at `path` (e.g. an account).
    Single,
    /// Every page, every time (full refresh only).
    Full {
        /// `order_by` to send, if any.
        order_by: Option<&'static str>,
    },
    /// A list read incrementally, by one of the SDK's strategies.
    Incremental(IncrementalRead),
    /// The items of every parent record (e.g. the items of every view); adds `key` to each
    /// record.
    Children {
        /// The parent list path, e.g. `/api/views`.
        parent_path: &'static str,
        /// The child path with `{id}`, e.g. `/api/views/{id}/items`.
        child_path: &'static str,
        /// The field added to each record with the parent id, e.g. `view_id`.
        key: &'static str,
        /// Only parents whose field has this value (or lacks the field) are read, e.g.
        /// `("type", "ticket-list")`; `None`: every parent.
        only: Option<(&'static str, &'static str)>,
    },
}

/// An incremental list: the SDK's [`IncrementalStrategy`] (the one enum of strategies, also
/// what the descriptor declares), its cursor field, and the `order_by` values that implement
/// it on this API.
#[derive(Debug, Clone)]
pub struct IncrementalRead {
    /// The strategy.
    pub strategy: IncrementalStrategy,
    /// The cursor field (a datetime).
    pub cursor: &'static str,
    /// `order_by` oldest first, e.g. `updated_datetime:asc` (sent on full refreshes too).
    pub asc: Option<&'static str>,
    /// `order_by` newest first ([`IncrementalStrategy::SortedFeed`] with a bookmark).
    pub desc: Option<&'static str>,
    /// Seconds re-read before the bookmark ([`IncrementalStrategy::ServerFilter`]).
    pub lookback_secs: u64,
    /// Whether changes to existing records move the cursor.
    pub captures_updates: bool,
    /// The field that stands in for the cursor when a record's cursor is null
    /// ([`IncrementalStrategy::ClientFilter`]).
    pub fallback: Option<&'static str>,
    /// What a user should know (the descriptor's note).
    pub note: String,
}

impl IncrementalRead {
    /// [`IncrementalStrategy::SortedFeed`]: the API orders by `cursor` both ways. Without a
    /// bookmark the walk goes oldest first (`asc`), with one newest first (`desc`) and stops at
    /// the first record older than the bookmark. Says it does not capture updates of synced
    /// records (a creation time); call [`IncrementalRead::captures_updates`] for a cursor that
    /// every change moves.
    pub fn sorted_feed(cursor: &'static str, asc: &'static str, desc: &'static str) -> Self {
        IncrementalRead {
            strategy: IncrementalStrategy::SortedFeed,
            cursor,
            asc: Some(asc),
            desc: Some(desc),
            lookback_secs: 0,
            captures_updates: false,
            fallback: None,
            note: format!("Ordered by {cursor}."),
        }
    }

    /// [`IncrementalStrategy::ServerFilter`]: the API filters by `<cursor>[gte]=`; the walk goes
    /// oldest first (`asc`) and re-reads `lookback_secs` before the bookmark. Append-only.
    pub fn server_filter(cursor: &'static str, asc: &'static str, lookback_secs: u64) -> Self {
        IncrementalRead {
            strategy: IncrementalStrategy::ServerFilter,
            cursor,
            asc: Some(asc),
            desc: None,
            lookback_secs,
            captures_updates: false,
            fallback: None,
            note: format!(
                "Append-only; the API filters by {cursor}; {lookback_secs} s are re-read to catch late writes."
            ),
        }
    }

    /// [`IncrementalStrategy::ClientFilter`]: the API can neither filter nor order by
    /// `cursor`, so every page is read and records at or after the bookmark are emitted.
    pub fn client_filter(cursor: &'static str) -> Self {
        IncrementalRead {
            strategy: IncrementalStrategy::ClientFilter,
            cursor,
            asc: None,
            desc: None,
            lookback_secs: 0,
            captures_updates: true,
            fallback: None,
            note: format!(
                "The API cannot order or filter by {cursor}: every sync reads the list and emits what changed."
            ),
        }
    }

    /// Sets whether changes to existing records move the cursor.
    pub fn captures_updates(mut self, captures: bool) -> Self {
        self.captures_updates = captures;
        self
    }

    /// Sets the note users read.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = note.into();
        self
    }

    /// Sets the field read when the cursor is null.
    pub fn fallback(mut self, field: &'static str) -> Self {
        self.fallback = Some(field);
        self
    }

    /// Sets the `order_by` sent (a client-filtered list may still have a stable order).
    pub fn order_by(mut self, order_by: &'static str) -> Self {
        self.asc = Some(order_by);
        self
    }

    /// The SDK descriptor's part.
    pub fn descriptor(&self) -> Incremental {
        Incremental {
            strategy: self.strategy,
            lookback_secs: self.lookback_secs,
            captures_updates: self.captures_updates,
            note: self.note.clone(),
            cursor_fallback: self.fallback.map(str::to_string),
        }
    }
}

impl From<IncrementalRead> for ReadKind {
    fn from(read: IncrementalRead) -> Self {
        ReadKind::Incremental(read)
    }
}

/// Answers of a list that mean the account lacks the feature behind it (an add-on it has not
/// enabled, e.g. a phone module): the stream then reads as empty, with a warning naming the
/// answer and [`Unavailable::hint`], instead of failing. Declared per stream
/// ([`StreamDecl::unavailable`]), so no other stream ever hides such an answer.
///
/// Only the first page of a partition counts (a refusal after a page cursor is the cursor's,
/// see the module docs), and only errors of the client's generic status mapping: a 403
/// ([`Error::PermissionDenied`]), a 404 naming the list's own path ([`Error::NotFound`]), other
/// 4xx ([`Error::Upstream`]). A dialect's own errors (a 404 page that means "no such account"
/// names the account, not the path), 401, 408, 429 and 5xx are never read as "not enabled".
#[derive(Debug, Clone, Copy)]
pub struct Unavailable {
    /// The feature, for the warning, e.g. `Voice`.
    pub feature: &'static str,
    /// The statuses that mean the feature is not enabled, e.g. `&[403, 404]`.
    pub statuses: &'static [u16],
    /// Whether an answer with one of those statuses is about something else (e.g. a 403 naming
    /// a missing OAuth scope): it then fails the read as usual.
    pub other_cause: fn(&Error) -> bool,
    /// What else such an answer may mean, and what to do then (appended to the warning).
    pub hint: &'static str,
}

impl Unavailable {
    /// The status of `e` when it is the generic mapping's answer to a request for `path` and
    /// one of [`Unavailable::statuses`], not about something else.
    fn matches(&self, e: &Error, path: &str) -> Option<u16> {
        let status = match e {
            Error::PermissionDenied { .. } => 403,
            // The generic mapping names the URL path it requested (the base's path first).
            Error::NotFound { what, .. } if what.ends_with(path) => 404,
            Error::Conflict { .. } => 409,
            Error::Upstream { status, .. }
                if (400..=499).contains(status) && !matches!(status, 401 | 408 | 429) =>
            {
                *status
            }
            _ => return None,
        };
        (self.statuses.contains(&status) && !(self.other_cause)(e)).then_some(status)
    }
}

/// A stream declared by an object module.
#[derive(Debug, Clone)]
pub struct StreamDecl {
    /// Stream name (snake_case).
    pub name: &'static str,
    /// What the records are.
    pub description: &'static str,
    /// The list path, e.g. `/api/tickets`.
    pub path: &'static str,
    /// The record schema.
    pub schema: Value,
    /// Primary key fields.
    pub primary_key: &'static [&'static str],
    /// How it is read.
    pub read: ReadKind,
    /// Query parameter sets; the stream reads the list once per set (e.g. custom fields of
    /// `object_type=Ticket` then `Customer`). Empty: one read with no extra parameters.
    pub partitions: Vec<Vec<(&'static str, &'static str)>>,
    /// Set when the stream may be empty on a real account, with the reason.
    pub may_be_empty: Option<&'static str>,
    /// The OAuth scopes reading it needs (see [`StreamDescriptor::scopes`]).
    pub scopes: Vec<String>,
    /// What the stream's paged list action (`list_<stream>`, see [`crate::browse`]) accepts
    /// beyond `limit` and `cursor`.
    pub browse: Browse,
    /// Answers that mean the account lacks the feature behind the list: read as empty, with a
    /// warning ([`Unavailable`]). `None`: every error fails the read.
    pub unavailable: Option<Unavailable>,
    /// The record schema's datetime fields, worked out once per process (the declaration is
    /// shared by every account) from the descriptor's schema.
    datetimes: OnceLock<Arc<DatetimeFields>>,
}

/// The parameters of a stream's list endpoint a caller may set on one page: the `order_by`
/// values it really supports and its filters (a partitioned stream declares its partition keys
/// among them, e.g. `object_type`; see [`crate::browse`]).
#[derive(Debug, Clone, Default)]
pub struct Browse {
    /// Accepted `order_by` values (e.g. `updated_datetime:desc`); empty: the API's order only.
    pub order_by: Vec<&'static str>,
    /// Filters sent as query parameters: name, input schema and description.
    pub filters: Vec<(&'static str, Value, &'static str)>,
    /// The filters the endpoint requires (e.g. `object_type` of custom fields).
    pub required: Vec<&'static str>,
}

impl Browse {
    /// Accepted `order_by` values.
    pub fn order_by(mut self, values: &[&'static str]) -> Self {
        self.order_by = values.to_vec();
        self
    }

    /// Adds a filter sent as the query parameter `name`.
    pub fn filter(mut self, name: &'static str, schema: Value, description: &'static str) -> Self {
        self.filters.push((name, schema, description));
        self
    }

    /// Adds a filter the endpoint requires.
    pub fn require(mut self, name: &'static str, schema: Value, description: &'static str) -> Self {
        self.required.push(name);
        self.filter(name, schema, description)
    }
}

impl StreamDecl {
    /// A stream with no partitions that is never expected to be empty.
    pub fn new(
        name: &'static str,
        description: &'static str,
        path: &'static str,
        schema: Value,
        primary_key: &'static [&'static str],
        read: ReadKind,
    ) -> Self {
        StreamDecl {
            name,
            description,
            path,
            schema,
            primary_key,
            read,
            partitions: Vec::new(),
            may_be_empty: None,
            scopes: Vec::new(),
            browse: Browse::default(),
            unavailable: None,
            datetimes: OnceLock::new(),
        }
    }

    /// Declares the OAuth scopes reading the stream needs.
    pub fn scopes(mut self, scopes: &[&str]) -> Self {
        self.scopes = scopes.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Declares what the stream's paged list action accepts.
    pub fn browse(mut self, browse: Browse) -> Self {
        self.browse = browse;
        self
    }

    /// The SDK descriptor this declaration stands for.
    pub fn descriptor(&self) -> StreamDescriptor {
        let mut d = StreamDescriptor::new(
            self.name,
            self.description,
            self.schema.clone(),
            self.primary_key,
        );
        d.may_be_empty = self.may_be_empty.map(str::to_string);
        d.scopes = self.scopes.clone();
        match &self.read {
            ReadKind::Incremental(read) => d.incremental(read.cursor, read.descriptor()),
            ReadKind::Single | ReadKind::Full { .. } | ReadKind::Children { .. } => d,
        }
    }
}

/// A declared stream bound to an account's client.
#[derive(Debug)]
pub struct ListStream {
    decl: Arc<StreamDecl>,
    descriptor: Arc<StreamDescriptor>,
    client: Arc<Client>,
    page_size: u32,
    start_date: Option<DateTime<Utc>>,
    datetimes: Arc<DatetimeFields>,
}

impl ListStream {
    /// Binds a declaration and its descriptor (both built once per process) to `client`.
    pub fn new(
        decl: Arc<StreamDecl>,
        descriptor: Arc<StreamDescriptor>,
        client: Arc<Client>,
        page_size: u32,
        start_date: Option<DateTime<Utc>>,
    ) -> Self {
        let datetimes = decl
            .datetimes
            .get_or_init(|| Arc::new(DatetimeFields::of(&descriptor.schema)))
            .clone();
        ListStream {
            decl,
            descriptor,
            client,
            page_size,
            start_date,
            datetimes,
        }
    }
}

#[derive(Debug, Clone)]
struct Segment {
    path: String,
    query: Vec<(String, String)>,
    inject: Option<(&'static str, i64)>,
}

#[derive(Debug, Clone, Copy)]
enum Filter {
    All,
    AtLeast(DateTime<Utc>),
    StopBelow(DateTime<Utc>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum StateMode {
    Empty,
    Advance,
    AtEnd,
}

struct Walk {
    client: Arc<Client>,
    stream: Arc<str>,
    segments: Vec<Segment>,
    page_size: u32,
    single: bool,
    cursor_field: Option<&'static str>,
    /// Read when the cursor field is null (see [`IncrementalRead::fallback`]).
    cursor_fallback: Option<&'static str>,
    filter: Filter,
    state_mode: StateMode,
    bookmark: Option<DateTime<Utc>>,
    incoming: Value,
    max_seen: Mutex<Option<DateTime<Utc>>>,
    /// Whether unfinished checkpoints carry a `resume` (and whether the walk is ascending).
    resumable: Option<bool>,
    /// The first page to fetch: (partition, page cursor).
    start: (usize, Option<String>),
    /// Cursors beyond this do not move the bookmark (now + skew, when the walk began).
    ceiling: DateTime<Utc>,
    /// Whether the future-record warning was given (once per walk).
    warned_future: std::sync::atomic::AtomicBool,
    /// The previous page's fingerprint (see [`fingerprint`]).
    last_page: Mutex<Option<u64>>,
    /// Answers read as "the feature is not enabled": an empty partition.
    unavailable: Option<Unavailable>,
    /// The record's declared datetimes, rewritten into RFC 3339 where the API sent other forms.
    datetimes: Arc<DatetimeFields>,
}

/// A cheap fingerprint of a page: its partition, its size and its first and last records' bytes.
/// Two pages in a row with the same fingerprint under different cursors are the same page
/// handed out again: a walk that would never end.
fn fingerprint(partition: usize, records: &[Box<RawValue>]) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let (first, last) = (records.first()?, records.last()?);
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (partition, records.len(), first.get(), last.get()).hash(&mut h);
    Some(h.finish())
}

/// A warning for the operator, as a stream message.
fn warning(text: String) -> Message {
    tracing::warn!("{text}");
    Message::Log(connector_sdk::LogMessage {
        level: connector_sdk::LogLevel::Warn,
        message: text,
    })
}

/// What kind of JSON value a raw item is, for messages.
fn json_kind(raw: &RawValue) -> &'static str {
    match raw.get().trim_start().as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "a list",
        Some(b'"') => "a string",
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        _ => "a number",
    }
}

/// Whether a page cursor can be sent back: short enough for a URL, no control characters.
fn sendable_cursor(cursor: &str) -> bool {
    cursor.len() <= MAX_PAGE_CURSOR_BYTES && !cursor.chars().any(char::is_control)
}

/// A next-page cursor `whose` walk may follow and checkpoint, or the error that stops the walk
/// before it.
fn sendable(cursor: &str, whose: &str) -> Result<()> {
    if sendable_cursor(cursor) {
        return Ok(());
    }
    Err(Error::invalid_response(
        format!("a page cursor of at most {MAX_PAGE_CURSOR_BYTES} bytes"),
        format!(
            "{whose}: the API returned a next-page cursor of {} bytes, which could not be sent back; the walk stops before it and the last state is kept",
            cursor.len()
        ),
    ))
}

fn bookmark_of(stream: &str, state: Option<&Value>) -> Result<Option<DateTime<Utc>>> {
    let Some(state) = state else { return Ok(None) };
    match state.get("cursor") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => parse_datetime(s)
            .map(Some)
            .ok_or_else(|| Error::InvalidState {
                stream: stream.to_string(),
                reason: "`cursor` is not a datetime".into(),
            }),
        Some(_) => Err(Error::InvalidState {
            stream: stream.to_string(),
            reason: "`cursor` must be a datetime string".into(),
        }),
    }
}

/// Where an unfinished walk stopped (the `resume` object of a state).
#[derive(Debug, Clone, PartialEq)]
struct Resume {
    ascending: bool,
    partition: usize,
    page: Option<String>,
    max: Option<DateTime<Utc>>,
}

impl Resume {
    fn to_json(&self) -> Value {
        json!({
            "ascending": self.ascending,
            "partition": self.partition,
            "page": self.page,
            "max": self.max.map(format_datetime),
        })
    }
}

/// The `resume` object of `state`, if any; a malformed one is an error that says how to fix it.
fn resume_of(stream: &str, state: Option<&Value>) -> Result<Option<Resume>> {
    let Some(r) = state.and_then(|s| s.get("resume")) else {
        return Ok(None);
    };
    if r.is_null() {
        return Ok(None);
    }
    let bad = |what: &str| Error::InvalidState {
        stream: stream.to_string(),
        reason: format!(
            "`resume.{what}` is malformed; remove `resume` to restart the walk from `cursor`"
        ),
    };
    let ascending = r
        .get("ascending")
        .and_then(Value::as_bool)
        .ok_or_else(|| bad("ascending"))?;
    let partition = r
        .get("partition")
        .and_then(Value::as_u64)
        .and_then(|p| usize::try_from(p).ok())
        .ok_or_else(|| bad("partition"))?;
    let page = match r.get("page") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) if !p.is_empty() => Some(p.clone()),
        Some(_) => return Err(bad("page")),
    };
    let max = match r.get("max") {
        None | Some(Value::Null) => None,
        Some(Value::String(m)) => Some(parse_datetime(m).ok_or_else(|| bad("max"))?),
        Some(_) => return Err(bad("max")),
    };
    Ok(Some(Resume {
        ascending,
        partition,
        page,
        max,
    }))
}

/// Whether `e` is the API refusing a stored page cursor (expired or unknown).
///
/// The status Gorgias gives an expired cursor is UNCONFIRMED (never recorded; its docs only say
/// cursors are short-lived), so every plausible refusal counts: 400 (invalid parameter), 404
/// (no such position), 410 (gone) and 422 (unprocessable). The cost of a wrong guess is small:
/// the walk restarts from the bookmark, and a refusal that was not about the cursor fails the
/// fresh walk too, with its own message.
fn cursor_refused(e: &Error) -> bool {
    matches!(
        e,
        Error::Upstream {
            status: 400 | 404 | 410 | 422,
            ..
        } | Error::NotFound { .. }
    )
}

impl Walk {
    fn state(&self, next: Option<&(usize, Option<String>)>) -> Value {
        let last = next.is_none();
        let max = *self.max_seen.lock().unwrap_or_else(|p| p.into_inner());
        let best = match (self.bookmark, max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let advanced = || {
            best.map(|t| json!({"cursor": format_datetime(t)}))
                .unwrap_or_else(|| self.incoming.clone())
        };
        let mut state = match self.state_mode {
            StateMode::Empty => return json!({}),
            StateMode::Advance => advanced(),
            StateMode::AtEnd if last => advanced(),
            StateMode::AtEnd => self.incoming.clone(),
        };
        if let (Some(ascending), Some((partition, page)), Value::Object(map)) =
            (self.resumable, next, &mut state)
        {
            let resume = Resume {
                ascending,
                partition: *partition,
                page: page.clone(),
                // An ascending walk's bookmark is already its maximum.
                max: if ascending { None } else { max },
            };
            // The position stays under `cursor` (`null`: from the start), as the SDK requires.
            map.entry("cursor").or_insert(Value::Null);
            map.insert("resume".into(), resume.to_json());
        }
        state
    }

    /// The page that stands for partition `index` of a list whose feature the account lacks
    /// (see [`Unavailable`]): a warning naming the answer, no records, and the checkpoint that
    /// moves on to the next partition.
    fn not_enabled(
        &self,
        index: usize,
        u: &Unavailable,
        status: u16,
        e: &Error,
    ) -> Page<(usize, Option<String>)> {
        let path = &self.segments[index].path;
        let note = warning(format!(
            "stream `{}`: {} answered {status} on {path} ({e}); read as an account without {}: no records. {}",
            self.stream,
            self.client.dialect().service(),
            u.feature,
            u.hint
        ));
        let next = (index + 1 < self.segments.len()).then_some((index + 1, None));
        let state = Message::State(StateCheckpoint {
            stream: self.stream.clone(),
            state: self.state(next.as_ref()),
        });
        Page::new(vec![note, state], next, 0)
    }

    async fn page(
        self: Arc<Self>,
        at: (usize, Option<String>),
    ) -> Result<Page<(usize, Option<String>)>> {
        let (index, cursor) = at;
        let segment = &self.segments[index];
        let mut query = segment.query.clone();
        let dialect = self.client.dialect();
        if !self.single {
            query.push((dialect.limit_param().into(), self.page_size.to_string()));
        }
        if let Some(c) = &cursor {
            query.extend(dialect.cursor_params(c));
        }
        let single = self.single;
        let answer = self
            .client
            .send(
                Method::Get,
                &segment.path,
                &query,
                None,
                RetryPolicy::Idempotent,
                |r| {
                    if single {
                        let raw: Box<RawValue> = serde_json::from_slice(&r.body)
                            .map_err(|e| Error::invalid_response("a JSON object", e.to_string()))?;
                        if !raw.get().starts_with('{') {
                            return Err(Error::invalid_response(
                                "a JSON object",
                                format!("the API answered {}", json_kind(&raw)),
                            ));
                        }
                        return Ok((vec![raw], None));
                    }
                    let page = dialect.parse_page(&r.body)?;
                    let owned: Vec<Box<RawValue>> =
                        page.records.into_iter().map(|r| r.to_owned()).collect();
                    Ok((owned, page.next_cursor))
                },
            )
            .await;
        let (records, next) = match answer {
            Ok(page) => page,
            Err(e) => match self.unavailable.filter(|_| cursor.is_none()) {
                Some(u) => match u.matches(&e, &segment.path) {
                    Some(status) => return Ok(self.not_enabled(index, &u, status, &e)),
                    None => return Err(e),
                },
                None => return Err(e),
            },
        };
        let received = records.len();
        let print = fingerprint(index, &records);
        {
            let mut last = self.last_page.lock().unwrap_or_else(|p| p.into_inner());
            // A repeated cursor is the paginator's to report (a loop); a repeated page under a
            // fresh cursor is this check's.
            if print.is_some() && *last == print && next.is_some() && next != cursor {
                return Err(Error::invalid_response(
                    "a new page for a new cursor",
                    format!(
                        "stream `{}`: the API returned the same page again under a new cursor (an endless walk); the read stops here, and what was read before is kept",
                        self.stream
                    ),
                ));
            }
            *last = print;
        }
        let mut messages = Vec::with_capacity(records.len() + 1);
        let mut stop = false;
        let mut page_max: Option<DateTime<Utc>> = None;
        let mut not_objects: Vec<&'static str> = Vec::new();
        for raw in records {
            if !raw.get().starts_with('{') {
                not_objects.push(json_kind(&raw));
                continue;
            }
            let datetime = |f: &str| -> Result<Option<DateTime<Utc>>> {
                Ok(match field(&raw, f)? {
                    Scalar::Str(s) => parse_datetime(&s),
                    _ => None,
                })
            };
            let t = match (self.cursor_field, self.cursor_fallback) {
                (Some(f), fallback) => match (datetime(f)?, fallback) {
                    (None, Some(g)) => datetime(g)?,
                    (t, _) => t,
                },
                (None, _) => None,
            };
            match (self.filter, t) {
                (Filter::AtLeast(b), Some(t)) if t < b => continue,
                (Filter::StopBelow(b), Some(t)) if t < b => {
                    stop = true;
                    break;
                }
                _ => {}
            }
            if let Some(t) = t {
                if t > self.ceiling {
                    if !self
                        .warned_future
                        .swap(true, std::sync::atomic::Ordering::Relaxed)
                    {
                        messages.push(warning(format!(
                            "stream `{}`: a record's {} ({}) lies in the future; it is emitted, but the bookmark does not move past now, or later syncs would skip everything before it",
                            self.stream,
                            self.cursor_field.unwrap_or("cursor"),
                            format_datetime(t)
                        )));
                    }
                } else {
                    page_max = Some(page_max.map_or(t, |m: DateTime<Utc>| m.max(t)));
                }
            }
            let data = match segment.inject {
                Some((key, value)) => with_field(&raw, key, value)?,
                None => raw,
            };
            let data = self.datetimes.normalise_raw(data);
            messages.push(Message::Record(Record {
                stream: self.stream.clone(),
                data,
            }));
        }
        if !not_objects.is_empty() {
            not_objects.dedup();
            messages.push(warning(format!(
                "stream `{}`: skipped list items that are not JSON objects ({}); lists hold objects, so a proxy or the API sent something else: report it if it repeats",
                self.stream,
                not_objects.join(", ")
            )));
        }
        if let Some(p) = page_max {
            let mut max = self.max_seen.lock().unwrap_or_else(|p| p.into_inner());
            *max = Some(max.map_or(p, |m| m.max(p)));
        }
        if let Some(n) = next.as_deref()
            && !stop
        {
            sendable(n, &format!("stream `{}`", self.stream))?;
        }
        let next = if stop {
            None
        } else if let Some(n) = next {
            Some((index, Some(n)))
        } else if index + 1 < self.segments.len() {
            Some((index + 1, None))
        } else {
            None
        };
        messages.push(Message::State(StateCheckpoint {
            stream: self.stream.clone(),
            state: self.state(next.as_ref()),
        }));
        Ok(Page::new(messages, next, received))
    }

    fn run(self) -> BoxStream<'static, Result<Message>> {
        if self.segments.is_empty() {
            let last = Message::State(StateCheckpoint {
                stream: self.stream.clone(),
                state: self.state(None),
            });
            return futures::stream::iter([Ok(last)]).boxed();
        }
        let start = self.start.clone();
        let walk = Arc::new(self);
        paginate(start, move |at| walk.clone().page(at))
    }
}

fn segments(
    dialect: &dyn crate::Dialect,
    path: &str,
    order_by: Option<&str>,
    partitions: &[Vec<(&'static str, &'static str)>],
    extra: &[(String, String)],
) -> Vec<Segment> {
    let mut base: Vec<(String, String)> = extra.to_vec();
    if let Some(o) = order_by {
        base.push((dialect.order_param().into(), o.into()));
    }
    if partitions.is_empty() {
        return vec![Segment {
            path: path.into(),
            query: base,
            inject: None,
        }];
    }
    partitions
        .iter()
        .map(|p| {
            let mut q: Vec<(String, String)> = p
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            q.extend(base.iter().cloned());
            Segment {
                path: path.into(),
                query: q,
                inject: None,
            }
        })
        .collect()
}

impl ListStream {
    /// The walk a read does: `state` without its `resume`, and where to resume, if anywhere.
    fn walk(
        &self,
        incremental: bool,
        state: Option<Value>,
        resume: Option<Resume>,
    ) -> BoxStream<'static, Result<Message>> {
        let name: Arc<str> = self.decl.name.into();
        let state_bookmark = if incremental {
            match bookmark_of(&name, state.as_ref()) {
                Ok(b) => b,
                Err(e) => return futures::stream::iter([Err(e)]).boxed(),
            }
        } else {
            None
        };
        let bookmark = if incremental {
            state_bookmark.or(self.start_date)
        } else {
            None
        };
        let from_state = state_bookmark.is_some();
        let incoming = state.filter(|_| incremental).unwrap_or_else(|| json!({}));
        let d = &self.decl;
        let mut walk = Walk {
            client: self.client.clone(),
            stream: name,
            segments: Vec::new(),
            page_size: self.page_size,
            single: false,
            cursor_field: None,
            cursor_fallback: None,
            filter: Filter::All,
            state_mode: StateMode::Empty,
            bookmark,
            incoming,
            max_seen: Mutex::new(None),
            resumable: None,
            start: (0, None),
            ceiling: Utc::now() + chrono::Duration::seconds(FUTURE_SKEW_SECS),
            warned_future: std::sync::atomic::AtomicBool::new(false),
            last_page: Mutex::new(None),
            unavailable: d.unavailable,
            datetimes: self.datetimes.clone(),
        };
        let mut notes = Vec::new();
        if let Some(b) = bookmark
            && b > walk.ceiling
        {
            let from = if from_state {
                "saved state's cursor"
            } else {
                "start_date"
            };
            notes.push(warning(format!(
                "stream `{}`: the {from} {} lies in the future, so nothing older can be read; drop the stream's state (or fix start_date) to resync it",
                walk.stream,
                format_datetime(b)
            )));
        }
        match (&d.read, incremental) {
            (ReadKind::Single, _) => {
                walk.single = true;
                walk.segments = segments(self.client.dialect(), d.path, None, &[], &[]);
            }
            (ReadKind::Full { order_by }, _) => {
                walk.segments =
                    segments(self.client.dialect(), d.path, *order_by, &d.partitions, &[])
            }
            (ReadKind::Incremental(read), false) => {
                walk.segments =
                    segments(self.client.dialect(), d.path, read.asc, &d.partitions, &[])
            }
            (ReadKind::Incremental(read), true) => {
                walk.cursor_field = Some(read.cursor);
                match read.strategy {
                    IncrementalStrategy::SortedFeed => {
                        // A first sync's oldest-first walk stays one when it is resumed.
                        let ascending = resume.as_ref().map_or(bookmark.is_none(), |r| r.ascending);
                        match bookmark.filter(|_| !ascending) {
                            None => {
                                walk.state_mode = StateMode::Advance;
                                walk.resumable = Some(true);
                                walk.segments = segments(
                                    self.client.dialect(),
                                    d.path,
                                    read.asc,
                                    &d.partitions,
                                    &[],
                                );
                            }
                            Some(b) => {
                                walk.filter = Filter::StopBelow(b);
                                walk.state_mode = StateMode::AtEnd;
                                walk.resumable = Some(false);
                                walk.segments = segments(
                                    self.client.dialect(),
                                    d.path,
                                    read.desc,
                                    &d.partitions,
                                    &[],
                                );
                            }
                        }
                    }
                    IncrementalStrategy::ServerFilter => {
                        walk.state_mode = StateMode::Advance;
                        let mut extra = Vec::new();
                        if let Some(b) = bookmark {
                            let lookback = if from_state {
                                i64::try_from(read.lookback_secs).unwrap_or(i64::MAX)
                            } else {
                                0
                            };
                            let from = b - chrono::Duration::seconds(lookback);
                            let param = self.client.dialect().since_param(read.cursor);
                            extra.push((param, format_datetime(from)));
                            walk.filter = Filter::AtLeast(from);
                        }
                        walk.segments = segments(
                            self.client.dialect(),
                            d.path,
                            read.asc,
                            &d.partitions,
                            &extra,
                        );
                    }
                    IncrementalStrategy::ClientFilter => {
                        walk.cursor_fallback = read.fallback;
                        walk.state_mode = StateMode::AtEnd;
                        walk.resumable = Some(false);
                        if let Some(b) = bookmark {
                            walk.filter = Filter::AtLeast(b);
                        }
                        walk.segments =
                            segments(self.client.dialect(), d.path, read.asc, &d.partitions, &[]);
                    }
                }
            }
            (
                ReadKind::Children {
                    parent_path,
                    child_path,
                    key,
                    only,
                },
                _,
            ) => {
                let (client, parent_path, child_path, key, only, page_size) = (
                    self.client.clone(),
                    *parent_path,
                    *child_path,
                    *key,
                    *only,
                    self.page_size,
                );
                return futures::stream::once(async move {
                    let ids = parent_ids(&client, parent_path, only, page_size).await?;
                    walk.segments = ids
                        .into_iter()
                        .map(|id| Segment {
                            path: child_path.replace("{id}", &id.to_string()),
                            query: Vec::new(),
                            inject: Some((key, id)),
                        })
                        .collect();
                    Ok::<_, Error>(walk.run())
                })
                .map(|r| match r {
                    Ok(s) => s,
                    Err(e) => futures::stream::iter([Err(e)]).boxed(),
                })
                .flatten()
                .boxed();
            }
        }
        if let Some(r) = resume {
            // A feed's descending resume without a bookmark plans an ascending walk: no fit.
            let fits = walk.resumable == Some(r.ascending) && r.partition < walk.segments.len();
            if !fits {
                let e = Error::InvalidState {
                    stream: self.decl.name.to_string(),
                    reason: "`resume` does not fit this stream's read; remove `resume` to restart the walk from `cursor`".into(),
                };
                return futures::stream::iter([Err(e)]).boxed();
            }
            walk.start = (r.partition, r.page);
            walk.max_seen = Mutex::new(r.max);
        }
        futures::stream::iter(notes.into_iter().map(Ok))
            .chain(walk.run())
            .boxed()
    }
}

impl Stream for ListStream {
    fn descriptor(&self) -> &StreamDescriptor {
        &self.descriptor
    }

    fn read(&self, request: ReadRequest) -> BoxStream<'static, Result<Message>> {
        let incremental = request.sync_mode == SyncMode::Incremental
            && self.descriptor.supports(SyncMode::Incremental);
        if !incremental {
            return self.walk(false, None, None);
        }
        let resume = match resume_of(self.decl.name, request.state.as_ref()) {
            Ok(Some(r)) => r,
            Ok(None) => return self.walk(true, request.state, None),
            Err(e) => return futures::stream::iter([Err(e)]).boxed(),
        };
        let mut state = request.state;
        if let Some(Value::Object(map)) = state.as_mut() {
            map.remove("resume");
        }
        if resume.page.as_deref().is_some_and(|p| !sendable_cursor(p)) {
            let note = warning(format!(
                "stream `{}`: the saved state's page cursor cannot be sent (over {MAX_PAGE_CURSOR_BYTES} bytes or with control characters); restarting the walk from the bookmark",
                self.decl.name
            ));
            return futures::stream::iter([Ok(note)])
                .chain(self.walk(true, state, None))
                .boxed();
        }
        // Both walks are lazy: the fresh one sends nothing unless the stored page is refused.
        let fresh = self.walk(true, state.clone(), None);
        let resumed = self.walk(true, state, Some(resume));
        let stream = self.decl.name;
        resumed
            .into_future()
            .map(move |(first, rest)| match first {
                Some(Err(e)) if cursor_refused(&e) => {
                    tracing::warn!(
                        stream,
                        error = %e,
                        "the stored page cursor was refused; restarting the walk from the bookmark"
                    );
                    fresh
                }
                first => futures::stream::iter(first).chain(rest).boxed(),
            })
            .flatten_stream()
            .boxed()
    }
}
/// Every id of a (small) parent list, e.g. every view.
async fn parent_ids(
    client: &Client,
    path: &str,
    only: Option<(&'static str, &'static str)>,
    page_size: u32,
) -> Result<Vec<i64>> {
    let mut ids = Vec::new();
    let mut listed = 0usize;
    let mut cursor: Option<String> = None;
    // The paginator's own bounds (no repeated cursor, no endless empty pages), naming the list.
    let mut guard = connector_sdk::paginate::WalkGuard::new();
    let named = |e: Error| match e {
        Error::InvalidResponse { expected, detail } => Error::InvalidResponse {
            expected,
            detail: format!("{path}: {detail}"),
        },
        other => other,
    };
    loop {
        let dialect = client.dialect();
        let mut query = vec![(dialect.limit_param().to_string(), page_size.to_string())];
        if let Some(c) = &cursor {
            guard.follow(c).map_err(named)?;
            query.extend(dialect.cursor_params(c));
        }
        let (page_ids, received, next) = client
            .send(
                Method::Get,
                path,
                &query,
                None,
                RetryPolicy::Idempotent,
                |r| {
                    let page = dialect.parse_page(&r.body)?;
                    let mut ids = Vec::with_capacity(page.records.len());
                    for raw in page.records.iter().filter(|r| r.get().starts_with('{')) {
                        if let Some((name, value)) = only
                            && let Scalar::Str(v) = field(raw, name)?
                            && v != value
                        {
                            continue;
                        }
                        match field(raw, "id")? {
                            Scalar::Int(i) => ids.push(i),
                            _ => {
                                return Err(Error::invalid_response(
                                    "records with an integer id",
                                    format!("a record of {path} has no integer id"),
                                ));
                            }
                        }
                    }
                    Ok((ids, page.records.len(), page.next_cursor))
                },
            )
            .await?;
        // Every listed parent counts, read or skipped: the walk itself is what is bounded.
        guard.page(received, next.is_some()).map_err(named)?;
        listed += received;
        ids.extend(page_ids);
        if listed > MAX_PARENTS {
            return Err(Error::invalid_response(
                format!("at most {MAX_PARENTS} records in {path}"),
                format!("the API listed more than {MAX_PARENTS} of them"),
            ));
        }
        match next {
            Some(n) => {
                sendable(&n, path)?;
                cursor = Some(n);
            }
            None => return Ok(ids),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every plausible form of "this cursor expired" restarts the walk; the rest do not.
    #[test]
    fn expired_cursor_statuses_are_recognised_in_every_plausible_form() {
        for refused in [
            Error::upstream(400, "Invalid cursor."),
            Error::upstream(410, "Cursor expired."),
            Error::upstream(422, "cursor: Not a valid cursor."),
            Error::upstream(404, "Not found."),
            Error::NotFound {
                what: "/api/tickets".into(),
                message: "Page not found.".into(),
            },
        ] {
            assert!(cursor_refused(&refused), "{refused}");
        }
        for other in [
            Error::upstream(503, "down"),
            Error::AuthRejected {
                message: "no".into(),
            },
            Error::transport("reset", false),
        ] {
            assert!(!cursor_refused(&other), "{other}");
        }
    }

    /// Only the declared statuses of the generic mapping, on the list's own path, read as "not
    /// enabled"; a dialect's 404 about the account, credentials, limits, server errors and
    /// answers the declaration says are about something else fail as usual.
    #[test]
    fn unavailable_features_are_recognised_only_by_the_declared_answers() {
        let u = Unavailable {
            feature: "Voice",
            statuses: &[403, 404],
            other_cause: |e| matches!(e, Error::PermissionDenied { message } if message.contains("scope")),
            hint: "",
        };
        let path = "/api/phone/voice-calls";
        let not_found = |what: &str| Error::NotFound {
            what: what.into(),
            message: "Resource not found.".into(),
        };
        let denied = |m: &str| Error::PermissionDenied { message: m.into() };
        assert_eq!(u.matches(&not_found(path), path), Some(404));
        assert_eq!(
            u.matches(&not_found(&format!("/prefix{path}")), path),
            Some(404)
        );
        assert_eq!(u.matches(&denied("Voice is not enabled."), path), Some(403));
        for other in [
            not_found("Gorgias account at subdomain acme"),
            not_found("/api/phone/voice-calls/12"),
            denied("You do not have enough permissions. Missing scope: voice:read."),
            Error::AuthRejected {
                message: "Unauthorized.".into(),
            },
            Error::upstream(400, "Invalid cursor."),
            Error::upstream(429, "slow down"),
            Error::upstream(503, "down"),
            Error::transport("reset", false),
        ] {
            assert_eq!(u.matches(&other, path), None, "{other}");
        }
        let with_400 = Unavailable {
            statuses: &[400],
            ..u
        };
        assert_eq!(
            with_400.matches(&Error::upstream(400, "x"), path),
            Some(400)
        );
        assert_eq!(with_400.matches(&Error::upstream(401, "x"), path), None);
    }

    #[test]
    fn cursors_that_cannot_be_sent_are_refused() {
        assert!(sendable_cursor("WyJuZXh0IiwgMjksIDkyOV0="));
        assert!(sendable_cursor(&"a".repeat(MAX_PAGE_CURSOR_BYTES)));
        assert!(!sendable_cursor(&"a".repeat(MAX_PAGE_CURSOR_BYTES + 1)));
        assert!(!sendable_cursor("abc\r\nHost: evil"));
    }
}
