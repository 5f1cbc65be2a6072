//! `read::*::<stream>`: one read of the stream (incremental from the start where supported,
//! else full refresh) on a fresh backend: it yields records, each valid against the declared
//! schema (formats enforced), keyed by a present and unique primary key, with a cursor that
//! parses; states never move backwards and one follows the last record.

use std::cmp::Ordering;
use std::collections::HashMap;

use connector_sdk::cursor::CursorValue;
use connector_sdk::validate::check_record;

use crate::failure::{Failure, Outcome, ensure, fail};
use crate::harness::Harness;
use crate::support::{self, Item, Position, Read, Session};
use crate::{Check, Plan};
use connector_sdk::SyncMode;

async fn default_read(h: &dyn Harness, stream: &str) -> Result<(Session, Read), Failure> {
    let session = Session::start(h).await?;
    let d = session.stream(stream)?;
    let connector = session.connect()?;
    let read = session
        .read(connector.as_ref(), stream, support::default_request(&d))
        .await?;
    Ok((session, read))
}

/// `read::non_empty::<stream>`: the read yields at least one record (registered unless the
/// stream is declared possibly empty).
pub async fn non_empty(h: &dyn Harness, stream: &str) -> Outcome {
    let (_, read) = default_read(h, stream).await?;
    ensure!(
        !read.records().is_empty(),
        "stream `{stream}` yielded no record; seed the backend, or declare why it may be empty (StreamDescriptor::may_be_empty or Harness::empty_streams)"
    );
    Ok(())
}

/// `read::records_match_schema::<stream>`: every record validates against the stream's schema
/// (`connector_sdk::validate::check_record`, formats enforced).
pub async fn records_match_schema(h: &dyn Harness, stream: &str) -> Outcome {
    let (session, read) = default_read(h, stream).await?;
    let d = session.stream(stream)?;
    let mut p = Vec::new();
    for (i, r) in read.records().into_iter().enumerate() {
        if let Err(violations) = check_record(&d, r) {
            let at = support::key_of(r, &d.primary_key).unwrap_or_else(|_| "?".into());
            for v in violations {
                p.push(format!("record #{i} (key {at}): {}: {}", v.path, v.reason));
            }
        }
    }
    Failure::from_problems(
        format!("stream `{stream}`: records violate the declared schema"),
        p,
    )
}

/// `read::primary_keys_unique::<stream>`: every record has every primary key field, not null,
/// and no two records share a key tuple (compared as JSON values: `1` and `"1"` differ).
pub async fn primary_keys_unique(h: &dyn Harness, stream: &str) -> Outcome {
    let (session, read) = default_read(h, stream).await?;
    let d = session.stream(stream)?;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut p = Vec::new();
    for (i, r) in read.records().into_iter().enumerate() {
        match support::key_of(r, &d.primary_key) {
            Err(e) => p.push(format!("record #{i} {e}")),
            Ok(k) => {
                if let Some(first) = seen.insert(k.clone(), i) {
                    p.push(format!(
                        "records #{first} and #{i} share the primary key {k}"
                    ));
                }
            }
        }
    }
    Failure::from_problems(
        format!(
            "stream `{stream}`: primary keys {:?} are missing or repeat",
            d.primary_key
        ),
        p,
    )
}

/// `read::cursor_values_valid::<stream>`: every record's cursor field is present, not null (or,
/// where the stream declares a `cursor_fallback`, null with the fallback holding the value), a
/// cursor value (a datetime where the schema says `format: date-time`), all of one kind.
pub async fn cursor_values_valid(h: &dyn Harness, stream: &str) -> Outcome {
    let (session, read) = default_read(h, stream).await?;
    let d = session.stream(stream)?;
    let mut p = Vec::new();
    let mut kind: Option<CursorValue> = None;
    for (i, r) in read.records().into_iter().enumerate() {
        match support::record_cursor(r, &d) {
            Err(e) => p.push(format!("record #{i} {e}")),
            Ok(None) => {}
            Ok(Some(c)) => match &kind {
                None => kind = Some(c),
                Some(k) => {
                    if k.compare(&c).is_none() {
                        p.push(format!(
                            "record #{i}: cursor {} is not of the kind of the first record's ({})",
                            support::show(&c),
                            support::show(k)
                        ));
                    }
                }
            },
        }
    }
    Failure::from_problems(format!("stream `{stream}`: cursor values are not valid"), p)
}

/// `read::states_never_go_backwards::<stream>`: in an incremental read, each state's cursor
/// (under `cursor` or the cursor field) parses, and is never before the previous state's.
pub async fn states_never_go_backwards(h: &dyn Harness, stream: &str) -> Outcome {
    let (session, read) = default_read(h, stream).await?;
    let d = session.stream(stream)?;
    let field = d.cursor_field.as_deref();
    let mut last = Position::Start;
    let mut p = Vec::new();
    for (i, s) in read.states().into_iter().enumerate() {
        match support::position(s, field) {
            Err(e) => p.push(format!("state #{i}: {e}")),
            Ok(pos) => {
                match support::compare(&pos, &last) {
                    Ok(Ordering::Less) => p.push(format!(
                        "state #{i} {s} moves backwards from the previous state"
                    )),
                    Ok(_) => {}
                    Err(e) => p.push(format!("state #{i}: {e}")),
                }
                last = pos;
            }
        }
    }
    Failure::from_problems(format!("stream `{stream}`: states move backwards"), p)
}

/// `read::state_follows_last_record::<stream>`: when the read yields records, a state
/// checkpoint comes after the last one (so a host that saves it loses nothing).
pub async fn state_follows_last_record(h: &dyn Harness, stream: &str) -> Outcome {
    let (_, read) = default_read(h, stream).await?;
    let last_record = read
        .items
        .iter()
        .rposition(|i| matches!(i, Item::Record(_)));
    let last_state = read.items.iter().rposition(|i| matches!(i, Item::State(_)));
    match (last_record, last_state) {
        (None, _) => Ok(()),
        (Some(r), Some(s)) if s > r => Ok(()),
        (Some(r), _) => fail!(
            "stream `{stream}`: no state follows the last record (#{} of {} items); a host resuming from the last state would read it again",
            r,
            read.items.len()
        ),
    }
}

/// The family name.
pub const FAMILY: &str = "read";

/// The `read::*` checks, per stream: `non_empty` unless the stream may be empty,
/// `cursor_values_valid` when it has a cursor, `states_never_go_backwards` when incremental.
pub fn register(plan: &Plan) -> Vec<Check> {
    let mut out = Vec::new();
    for s in &plan.spec.streams {
        let n = &s.name;
        if s.may_be_empty.is_none() && !plan.empty_streams.contains_key(n) {
            out.push(about!(FAMILY, "non_empty", non_empty, n));
        }
        out.push(about!(
            FAMILY,
            "records_match_schema",
            records_match_schema,
            n
        ));
        out.push(about!(
            FAMILY,
            "primary_keys_unique",
            primary_keys_unique,
            n
        ));
        if s.cursor_field.is_some() {
            out.push(about!(
                FAMILY,
                "cursor_values_valid",
                cursor_values_valid,
                n
            ));
        }
        if s.supports(SyncMode::Incremental) {
            out.push(about!(
                FAMILY,
                "states_never_go_backwards",
                states_never_go_backwards,
                n
            ));
        }
        out.push(about!(
            FAMILY,
            "state_follows_last_record",
            state_follows_last_record,
            n
        ));
    }
    out
}
