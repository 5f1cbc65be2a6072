//! `incremental::*::<stream>` (streams declaring incremental): a read from the final state yields
//! only what changed since (plus records within the declared lookback); every changed record comes
//! back; a state from the far future yields nothing; resuming from any state, or after an
//! interrupted read, loses nothing.

use std::collections::{HashMap, HashSet};

use connector_sdk::ReadRequest;
use serde_json::Value;

use crate::failure::{Failure, Outcome, ensure, fail};
use crate::harness::{ChangeKind, Harness};
use crate::support::{self, Item, Position, Session};
use crate::{Check, Plan};
use connector_sdk::SyncMode;

/// How many intermediate states [`resume_from_every_state`] resumes from at most (evenly spread).
pub const MAX_RESUMES: usize = 25;

fn lost(missing: &HashSet<String>) -> String {
    let mut some: Vec<&String> = missing.iter().collect();
    some.sort();
    some.truncate(5);
    format!("{} record(s) lost, e.g. {some:?}", missing.len())
}

async fn from_final_state(h: &dyn Harness, stream: &str, change: bool) -> Outcome {
    let session = Session::start(h).await?;
    let d = session.stream(stream)?;
    let Some(inc) = d.incremental.clone() else {
        fail!("stream `{stream}` does not declare incremental");
    };
    let connector = session.connect()?;
    let first = session
        .read(connector.as_ref(), stream, ReadRequest::incremental(None))
        .await?;
    let Some(state) = first.final_state().cloned() else {
        fail!("stream `{stream}`: an incremental read emitted no state");
    };
    let field = d.cursor_field.as_deref();
    let at = support::position(&state, field)
        .map_err(|e| Failure::new(format!("stream `{stream}`: the final state: {e}")))?;
    let changed_by_backend = if change {
        let Some(kind) = ChangeKind::for_stream(&d) else {
            fail!("stream `{stream}` does not declare incremental");
        };
        let n = session.backend.change(stream, kind).await.map_err(|e| {
            Failure::new(format!(
                "stream `{stream}`: Backend::change({kind:?}) failed: {e} (Capabilities::changes_records promises every incremental stream can be changed)"
            ))
        })?;
        ensure!(
            n > 0,
            "stream `{stream}`: Backend::change changed no record"
        );
        n
    } else {
        0
    };
    let second = session
        .read(
            connector.as_ref(),
            stream,
            ReadRequest::incremental(Some(state.clone())),
        )
        .await?;
    let before: HashMap<String, &Value> = first
        .records()
        .into_iter()
        .filter_map(|r| support::key_of(r, &d.primary_key).ok().map(|k| (k, r)))
        .collect();
    let mut changed = HashSet::new();
    let mut p = Vec::new();
    for (i, r) in second.records().into_iter().enumerate() {
        let key = match support::key_of(r, &d.primary_key) {
            Ok(k) => k,
            Err(e) => {
                p.push(format!("record #{i} {e}"));
                continue;
            }
        };
        if before.get(&key).is_none_or(|old| *old != r) {
            changed.insert(key);
            continue;
        }
        match (&at, support::record_cursor(r, &d)) {
            (_, Err(e)) => p.push(format!("record #{i} (key {key}) {e}")),
            (_, Ok(None)) => {}
            (Position::Start, Ok(Some(_))) => p.push(format!(
                "record #{i} (key {key}) came back unchanged: the final state {state} has no cursor although the first read yielded records"
            )),
            (Position::At(s), Ok(Some(c))) => match support::within(&c, s, inc.lookback_secs) {
                Ok(true) => {}
                Ok(false) => p.push(format!(
                    "record #{i} (key {key}) came back unchanged with cursor {}, before the state {} minus the declared lookback of {}s",
                    support::show(&c),
                    support::show(s),
                    inc.lookback_secs
                )),
                Err(e) => p.push(format!("record #{i} (key {key}): {e}")),
            },
        }
    }
    if changed.len() < changed_by_backend {
        p.push(format!(
            "the backend changed {changed_by_backend} record(s) but only {} came back changed",
            changed.len()
        ));
    }
    for (i, s) in second.states().into_iter().enumerate() {
        match support::position(s, field).and_then(|pos| support::compare(&pos, &at)) {
            Ok(std::cmp::Ordering::Less) => p.push(format!(
                "state #{i} {s} of the second read is before the state it started from {state}"
            )),
            Ok(_) => {}
            Err(e) => p.push(format!("state #{i} of the second read: {e}")),
        }
    }
    Failure::from_problems(
        format!(
            "stream `{stream}`: a read from the final state {state} {}",
            if change {
                "after changes does not yield exactly what changed"
            } else {
                "yields records that did not change"
            }
        ),
        p,
    )
}

/// `incremental::only_changes_after_state::<stream>`: with no change in between, a read from the
/// final state of a first read yields no record, except unchanged ones whose cursor is within the
/// declared lookback of the state; its states do not move back.
pub async fn only_changes_after_state(h: &dyn Harness, stream: &str) -> Outcome {
    from_final_state(h, stream, false).await
}

/// `incremental::changed_records_come_back::<stream>` (every incremental stream, when the
/// harness declares `changes_records`): after `Backend::change` with the [`ChangeKind`] the
/// descriptor calls for, a read from the previous final state yields every changed record, and no
/// unchanged one beyond the declared lookback.
pub async fn changed_records_come_back(h: &dyn Harness, stream: &str) -> Outcome {
    from_final_state(h, stream, true).await
}

/// `incremental::future_state_yields_nothing::<stream>`: a state far in the future (in the shape
/// of the stream's own state) yields no record, no error, and no state before it.
pub async fn future_state_yields_nothing(h: &dyn Harness, stream: &str) -> Outcome {
    let session = Session::start(h).await?;
    let d = session.stream(stream)?;
    let connector = session.connect()?;
    let first = session
        .read(connector.as_ref(), stream, ReadRequest::incremental(None))
        .await?;
    let future = support::future_state(first.final_state(), &d);
    let read = session
        .read(
            connector.as_ref(),
            stream,
            ReadRequest::incremental(Some(future.clone())),
        )
        .await?;
    let n = read.records().len();
    ensure!(
        n == 0,
        "stream `{stream}`: a read from the far-future state {future} yielded {n} record(s); the stream does not honour its state"
    );
    let field = d.cursor_field.as_deref();
    let at = support::position(&future, field).map_err(Failure::new)?;
    for s in read.states() {
        let pos = support::position(s, field)
            .map_err(|e| Failure::new(format!("stream `{stream}`: {e}")))?;
        if support::compare(&pos, &at).map_err(Failure::new)? == std::cmp::Ordering::Less {
            fail!(
                "stream `{stream}`: a read from the far-future state {future} emitted the earlier state {s}"
            );
        }
    }
    Ok(())
}

/// `incremental::resume_from_every_state::<stream>`: a read resumed from each state of a first
/// read (at most [`MAX_RESUMES`], evenly spread) yields every record the first read emitted
/// after that state.
pub async fn resume_from_every_state(h: &dyn Harness, stream: &str) -> Outcome {
    let session = Session::start(h).await?;
    let d = session.stream(stream)?;
    let connector = session.connect()?;
    let first = session
        .read(connector.as_ref(), stream, ReadRequest::incremental(None))
        .await?;
    let states: Vec<(usize, &Value)> = first
        .items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| match item {
            Item::State(s) => Some((i, s)),
            Item::Record(_) => None,
        })
        .collect();
    let picked: Vec<usize> = if states.len() <= MAX_RESUMES {
        (0..states.len()).collect()
    } else {
        let mut v: Vec<usize> = (0..MAX_RESUMES)
            .map(|j| j * (states.len() - 1) / (MAX_RESUMES - 1))
            .collect();
        v.dedup();
        v
    };
    let mut p = Vec::new();
    for j in picked {
        let (at, state) = states[j];
        let after: Vec<&Value> = first.items[at..]
            .iter()
            .filter_map(|i| match i {
                Item::Record(r) => Some(r),
                Item::State(_) => None,
            })
            .collect();
        let expected = support::keys(after, &d.primary_key);
        let resumed = session
            .read(
                connector.as_ref(),
                stream,
                ReadRequest::incremental(Some(state.clone())),
            )
            .await?;
        let got = support::keys(resumed.records(), &d.primary_key);
        let missing: HashSet<String> = expected.difference(&got).cloned().collect();
        if !missing.is_empty() {
            p.push(format!(
                "resuming from state #{j} {state}: {}",
                lost(&missing)
            ));
        }
    }
    Failure::from_problems(
        format!("stream `{stream}`: resuming from a state loses records"),
        p,
    )
}

/// `incremental::interrupted_read_resumes::<stream>`: a read dropped after k records (k = 1,
/// half, all but one) and resumed from its last emitted state (or from the start when it emitted
/// none) yields, together with what was emitted before the drop, every record of a full read.
pub async fn interrupted_read_resumes(h: &dyn Harness, stream: &str) -> Outcome {
    let session = Session::start(h).await?;
    let d = session.stream(stream)?;
    let connector = session.connect()?;
    let full = session
        .read(connector.as_ref(), stream, ReadRequest::incremental(None))
        .await?;
    let all = support::keys(full.records(), &d.primary_key);
    let n = full.records().len();
    let mut ks: Vec<usize> = [1, n / 2, n.saturating_sub(1)]
        .into_iter()
        .filter(|k| *k >= 1 && *k < n)
        .collect();
    ks.dedup();
    let mut p = Vec::new();
    for k in ks {
        let partial = support::read(
            connector.as_ref(),
            stream,
            ReadRequest::incremental(None),
            Some(k),
            session.max_records,
        )
        .await?;
        let last = partial.final_state().cloned();
        let resumed = session
            .read(
                connector.as_ref(),
                stream,
                ReadRequest::incremental(last.clone()),
            )
            .await?;
        let mut got = support::keys(partial.records(), &d.primary_key);
        got.extend(support::keys(resumed.records(), &d.primary_key));
        let missing: HashSet<String> = all.difference(&got).cloned().collect();
        if !missing.is_empty() {
            p.push(format!(
                "dropped after {k} record(s), resumed from {}: {}",
                last.map(|s| s.to_string())
                    .unwrap_or_else(|| "the start".into()),
                lost(&missing)
            ));
        }
    }
    Failure::from_problems(
        format!("stream `{stream}`: an interrupted read loses records"),
        p,
    )
}

/// The family name.
pub const FAMILY: &str = "incremental";

/// The `incremental::*` checks, per incremental stream; `changed_records_come_back` for every
/// one of them when the harness declares [`Capabilities::changes_records`](crate::Capabilities).
pub fn register(plan: &Plan) -> Vec<Check> {
    let mut out = Vec::new();
    for s in plan
        .spec
        .streams
        .iter()
        .filter(|s| s.supports(SyncMode::Incremental))
    {
        let n = &s.name;
        out.push(about!(
            FAMILY,
            "only_changes_after_state",
            only_changes_after_state,
            n
        ));
        if plan.capabilities.changes_records {
            out.push(about!(
                FAMILY,
                "changed_records_come_back",
                changed_records_come_back,
                n
            ));
        }
        out.push(about!(
            FAMILY,
            "future_state_yields_nothing",
            future_state_yields_nothing,
            n
        ));
        out.push(about!(
            FAMILY,
            "resume_from_every_state",
            resume_from_every_state,
            n
        ));
        out.push(about!(
            FAMILY,
            "interrupted_read_resumes",
            interrupted_read_resumes,
            n
        ));
    }
    out
}
