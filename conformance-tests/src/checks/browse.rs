//! `browse::*` (streams that have a paged list action `list_<stream>`): one page at a time
//! gives what the stream reads.
//!
//! A paged list action is a read action named `list_<stream>` whose input has `limit` and
//! `cursor` and requires nothing else. Walking it with a small `limit` (passing each page's
//! `next_cursor` back as `cursor` until it is null) must: give outputs valid against the action's
//! output schema, at most `limit` records per page, records valid against the stream's record
//! schema, no record twice, and the same set of keys as a full refresh of the stream (only a
//! subset of them for a stream the harness names in [`Harness::partial_lists`]). And every
//! `order_by` value it declares must be accepted.

use std::collections::HashSet;

use connector_sdk::validate::violations;
use connector_sdk::{ActionDescriptor, ActionEffect, ConnectorExt, ConnectorSpec, ReadRequest};
use serde_json::{Value, json};

use crate::failure::{Failure, Outcome, fail};
use crate::harness::Harness;
use crate::support::{Session, key_of, keys};
use crate::{Check, Plan};

/// The page size of the walk: small, so that paging is exercised.
pub const PAGE: u64 = 3;

/// The most pages one walk follows before it is called endless.
pub const MAX_PAGES: usize = 2_000;

/// The paged list action of `stream`, if the spec declares one.
pub fn list_action<'a>(spec: &'a ConnectorSpec, stream: &str) -> Option<&'a ActionDescriptor> {
    let a = spec.action(&format!("list_{stream}"))?;
    let props = a.input_schema.get("properties")?;
    let required_none = a
        .input_schema
        .get("required")
        .and_then(Value::as_array)
        .is_none_or(|r| r.is_empty());
    (a.effect == ActionEffect::Read
        && props.get("limit").is_some()
        && props.get("cursor").is_some()
        && required_none)
        .then_some(a)
}

/// `browse::pages_match_the_stream::<stream>`.
pub async fn pages_match_the_stream(h: &dyn Harness, stream: &str) -> Outcome {
    let session = Session::start(h).await?;
    let d = session.stream(stream)?;
    let Some(action) = list_action(session.spec(), stream) else {
        fail!("the spec declares no paged list action `list_{stream}`");
    };
    let connector = session.connect()?;
    let full = session
        .read(&*connector, stream, ReadRequest::full_refresh())
        .await?;
    let want = keys(full.records(), &d.primary_key);
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    for page in 0.. {
        if page == MAX_PAGES {
            fail!("`{}` gave {MAX_PAGES} pages and still a next_cursor: is it endless?", action.name);
        }
        let mut input = json!({"limit": PAGE});
        if let Some(c) = &cursor {
            input["cursor"] = json!(c);
        }
        let out = connector
            .run_action(&action.name, input.clone())
            .await
            .map_err(|e| {
                Failure::new(format!(
                    "`{}` page {page} ({input}) failed with {} error: {e}",
                    action.name,
                    e.kind()
                ))
            })?;
        for v in violations(&action.output_schema, &out).map_err(Failure::new)? {
            problems.push(format!("page {page}: output {}: {}", v.path, v.reason));
        }
        let data = out["data"].as_array().cloned().unwrap_or_default();
        if data.len() as u64 > PAGE {
            problems.push(format!(
                "page {page}: {} records on a page of limit {PAGE}",
                data.len()
            ));
        }
        for r in &data {
            for v in violations(&d.schema, r).map_err(Failure::new)? {
                problems.push(format!("page {page}: record {}: {}", v.path, v.reason));
            }
            match key_of(r, &d.primary_key) {
                Ok(k) if !seen.insert(k.clone()) => {
                    problems.push(format!("page {page}: record {k} came on an earlier page too"))
                }
                Ok(_) => {}
                Err(e) => problems.push(format!("page {page}: a record {e}")),
            }
        }
        match out.get("next_cursor").and_then(Value::as_str) {
            Some(next) if cursor.as_deref() == Some(next) => {
                fail!("`{}` page {page} gave back the cursor it was asked for", action.name)
            }
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    let partial = h.partial_lists().contains_key(stream);
    let missing: Vec<&String> = match partial {
        true => Vec::new(),
        false => want.difference(&seen).take(5).collect(),
    };
    let extra: Vec<&String> = seen.difference(&want).take(5).collect();
    if !missing.is_empty() {
        problems.push(format!(
            "{} record(s) the stream reads never came page by page, e.g. {missing:?}",
            want.difference(&seen).count()
        ));
    }
    if !extra.is_empty() {
        problems.push(format!(
            "{} record(s) came page by page that the stream does not read, e.g. {extra:?}",
            seen.difference(&want).count()
        ));
    }
    Failure::from_problems(
        format!("`{}` does not page through what stream `{stream}` reads", action.name),
        problems,
    )
}

/// The `order_by` values a paged list action declares.
fn order_values(action: &ActionDescriptor) -> Vec<String> {
    action.input_schema["properties"]["order_by"]["enum"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// `browse::orders_accepted::<stream>`: the backend accepts every `order_by` value the list
/// action declares (one page each), and the pages validate against the output schema.
pub async fn orders_accepted(h: &dyn Harness, stream: &str) -> Outcome {
    let session = Session::start(h).await?;
    let Some(action) = list_action(session.spec(), stream) else {
        fail!("the spec declares no paged list action `list_{stream}`");
    };
    let connector = session.connect()?;
    let mut problems = Vec::new();
    for order in order_values(action) {
        let input = json!({"limit": PAGE, "order_by": order});
        match connector.run_action(&action.name, input).await {
            Err(e) => problems.push(format!("order_by {order}: {} error: {e}", e.kind())),
            Ok(out) => {
                for v in violations(&action.output_schema, &out).map_err(Failure::new)? {
                    problems.push(format!("order_by {order}: output {}: {}", v.path, v.reason));
                }
            }
        }
    }
    Failure::from_problems(
        format!("`{}` declares orders the backend refuses", action.name),
        problems,
    )
}

/// The family name.
pub const FAMILY: &str = "browse";

/// The `browse::*` checks per stream with a paged list action: `pages_match_the_stream`, and
/// `orders_accepted` when it declares `order_by` values.
pub fn register(plan: &Plan) -> Vec<Check> {
    let mut out = Vec::new();
    for s in &plan.spec.streams {
        let Some(action) = list_action(&plan.spec, &s.name) else {
            continue;
        };
        out.push(about!(FAMILY, "pages_match_the_stream", pages_match_the_stream, &s.name));
        if !order_values(action).is_empty() {
            out.push(about!(FAMILY, "orders_accepted", orders_accepted, &s.name));
        }
    }
    out
}
