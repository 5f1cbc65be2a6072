//! Tests of the suite itself: each check catches the breakage it is about. Deliberately broken
//! connectors wrap the SDK's example connector; each test runs the matching check directly and
//! asserts that it fails with the right message, and that the unbroken example passes it.

use std::sync::Arc;

use async_trait::async_trait;
use conformance_tests::reference::{ReferenceHarness, TOKEN};
use conformance_tests::{Capabilities, Harness, Hostile, checks, run_check};
use connector_sdk::testing::MemoryBackend;
use connector_sdk::{
    Action, ActionDescriptor, ActionEffect, Connector, ConnectorSpec, Definition, DefinitionExt,
    Error, Message, ReadRequest, Record, Result, StateCheckpoint, Stream, StreamDescriptor,
    SyncMode, ValidConfig, ValidInput,
};
use futures::StreamExt as _;
use futures::stream::BoxStream;
use serde_json::{Value, json};

type SpecEdit = Arc<dyn Fn(&mut ConnectorSpec) + Send + Sync>;
type ReadEdit =
    Arc<dyn Fn(&dyn Stream, ReadRequest) -> BoxStream<'static, Result<Message>> + Send + Sync>;
type CheckEdit = Arc<dyn Fn(Result<()>, &str) -> Result<()> + Send + Sync>;
type BuildEdit = Arc<dyn Fn(&Value) -> Result<()> + Send + Sync>;
type ConfigEdit = Arc<dyn Fn(&Value) -> Value + Send + Sync>;
type ActionEdit = Arc<dyn Fn(&str, &Value) -> Option<Error> + Send + Sync>;

/// How a mutant differs from the example connector.
#[derive(Clone, Default)]
struct Mutation {
    spec: Option<SpecEdit>,
    read: Option<ReadEdit>,
    check: Option<CheckEdit>,
    build: Option<BuildEdit>,
    /// Actions validate against `{"type": "object"}` instead of their declared input schema.
    lax_actions: bool,
    /// A config matching the spec's config schema is turned into the example's config.
    config: Option<ConfigEdit>,
    /// Runs before an action (action name, input): an error returned here is the action's.
    action: Option<ActionEdit>,
}

struct MutantDefinition {
    inner: Arc<dyn Definition>,
    spec: ConnectorSpec,
    m: Mutation,
}

impl Definition for MutantDefinition {
    fn spec(&self) -> &ConnectorSpec {
        &self.spec
    }

    fn build(&self, config: ValidConfig) -> Result<Box<dyn Connector>> {
        if let Some(b) = &self.m.build {
            b(config.value())?;
        }
        let value = match &self.m.config {
            Some(f) => f(config.value()),
            None => config.value().clone(),
        };
        let token = value["token"].as_str().unwrap_or_default().to_string();
        let inner = self.inner.connect(&value)?;
        Ok(Box::new(MutantConnector {
            inner,
            spec: self.spec.clone(),
            m: self.m.clone(),
            token,
        }))
    }
}

struct MutantConnector {
    inner: Box<dyn Connector>,
    spec: ConnectorSpec,
    m: Mutation,
    token: String,
}

#[async_trait]
impl Connector for MutantConnector {
    fn spec(&self) -> &ConnectorSpec {
        &self.spec
    }

    async fn check(&self) -> Result<()> {
        let r = self.inner.check().await;
        match &self.m.check {
            Some(f) => f(r, &self.token),
            None => r,
        }
    }

    fn streams(&self) -> Vec<Arc<dyn Stream>> {
        self.inner
            .streams()
            .into_iter()
            .filter_map(|inner| {
                let descriptor = self.spec.stream(&inner.descriptor().name)?.clone();
                Some(Arc::new(MutantStream {
                    inner,
                    descriptor,
                    read: self.m.read.clone(),
                }) as Arc<dyn Stream>)
            })
            .collect()
    }

    fn actions(&self) -> Vec<Arc<dyn Action>> {
        self.inner
            .actions()
            .into_iter()
            .filter_map(|inner| {
                let mut descriptor = self.spec.action(&inner.descriptor().name)?.clone();
                if self.m.lax_actions {
                    descriptor.input_schema = json!({"type": "object"});
                    descriptor = ActionDescriptor::new(
                        descriptor.name,
                        descriptor.title,
                        descriptor.description,
                        descriptor.effect,
                        descriptor.input_schema,
                        descriptor.output_schema,
                    );
                }
                Some(Arc::new(MutantAction {
                    inner,
                    descriptor,
                    edit: self.m.action.clone(),
                }) as Arc<dyn Action>)
            })
            .collect()
    }
}

struct MutantStream {
    inner: Arc<dyn Stream>,
    descriptor: StreamDescriptor,
    read: Option<ReadEdit>,
}

impl Stream for MutantStream {
    fn descriptor(&self) -> &StreamDescriptor {
        &self.descriptor
    }

    fn read(&self, request: ReadRequest) -> BoxStream<'static, Result<Message>> {
        match &self.read {
            Some(f) => f(self.inner.as_ref(), request),
            None => self.inner.read(request),
        }
    }
}

struct MutantAction {
    inner: Arc<dyn Action>,
    descriptor: ActionDescriptor,
    edit: Option<ActionEdit>,
}

#[async_trait]
impl Action for MutantAction {
    fn descriptor(&self) -> &ActionDescriptor {
        &self.descriptor
    }

    async fn run(&self, input: ValidInput) -> Result<Value> {
        if let Some(f) = &self.edit
            && let Some(e) = f(&self.descriptor.name, input.value())
        {
            return Err(e);
        }
        self.inner.run(input).await
    }
}

fn mutant(name: &str, m: Mutation) -> Arc<dyn Harness> {
    Arc::new(ReferenceHarness::wrapped(
        name,
        move |inner: Arc<dyn Definition>, _backend: MemoryBackend| {
            let mut spec = inner.spec().clone();
            if let Some(f) = &m.spec {
                f(&mut spec);
            }
            Arc::new(MutantDefinition {
                inner,
                spec,
                m: m.clone(),
            }) as Arc<dyn Definition>
        },
    ))
}

fn example() -> Arc<dyn Harness> {
    Arc::new(ReferenceHarness::new())
}

/// Maps every record (index, value) of the inner read.
fn map_records(
    f: impl Fn(usize, Value) -> Value + Send + Sync + Clone + 'static,
) -> Option<ReadEdit> {
    Some(Arc::new(move |inner: &dyn Stream, request| {
        let f = f.clone();
        let mut i = 0usize;
        inner
            .read(request)
            .map(move |item| match item {
                Ok(Message::Record(r)) => {
                    let v = f(i, r.value().expect("example records are JSON"));
                    i += 1;
                    Ok(Message::Record(Record::from_value(r.stream, &v)))
                }
                other => other,
            })
            .boxed()
    }))
}

/// Maps every state (index, value) of the inner read.
fn map_states(
    f: impl Fn(usize, Value) -> Value + Send + Sync + Clone + 'static,
) -> Option<ReadEdit> {
    Some(Arc::new(move |inner: &dyn Stream, request| {
        let f = f.clone();
        let mut i = 0usize;
        inner
            .read(request)
            .map(move |item| match item {
                Ok(Message::State(s)) => {
                    let state = f(i, s.state);
                    i += 1;
                    Ok(Message::State(StateCheckpoint {
                        stream: s.stream,
                        state,
                    }))
                }
                other => other,
            })
            .boxed()
    }))
}

/// Asserts that check `id` passes on the example and fails on `broken` with `needle` in its
/// message; returns the message.
async fn catches(broken: Arc<dyn Harness>, id: &str, needle: &str) -> String {
    if let Err(f) = run_check(example(), id).await {
        panic!("the unbroken example fails `{id}`: {f}");
    }
    match run_check(broken, id).await {
        Ok(()) => panic!("`{id}` did not catch the breakage"),
        Err(f) => {
            assert!(
                f.message().contains(needle),
                "`{id}` failed without naming {needle:?}: {f}"
            );
            f.message().to_string()
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_violating_its_schema_fails_records_match_schema() {
    let broken = mutant(
        "bad_record",
        Mutation {
            read: map_records(|i, mut v| {
                if i == 1 {
                    v["id"] = json!("two");
                }
                v
            }),
            ..Mutation::default()
        },
    );
    let m = catches(broken, "read::records_match_schema::books", "record #1").await;
    assert!(m.contains("id: must be a whole number"), "{m}");
    assert!(m.starts_with("stream `books`"), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_format_violation_is_caught_too() {
    let broken = mutant(
        "bad_datetime",
        Mutation {
            read: map_records(|i, mut v| {
                if i == 4 {
                    v["updated_at"] = json!("yesterday");
                }
                v
            }),
            ..Mutation::default()
        },
    );
    catches(
        broken.clone(),
        "read::records_match_schema::books",
        "updated_at: must be a date-time",
    )
    .await;
    catches(
        broken,
        "read::cursor_values_valid::books",
        "does not parse as a datetime",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_key_fails_primary_keys_unique() {
    let broken = mutant(
        "duplicate_key",
        Mutation {
            read: map_records(|i, mut v| {
                if i == 3 {
                    v["id"] = json!(1);
                }
                v
            }),
            ..Mutation::default()
        },
    );
    catches(
        broken,
        "read::primary_keys_unique::books",
        "records #0 and #3 share the primary key [1]",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_compared_as_values_not_text() {
    // "1" and 1 are different keys: a stream whose ids switch type does not repeat a key, but
    // its records violate the schema.
    let broken = mutant(
        "stringly_key",
        Mutation {
            read: map_records(|i, mut v| {
                if i == 3 {
                    v["id"] = json!("1");
                }
                v
            }),
            ..Mutation::default()
        },
    );
    run_check(broken.clone(), "read::primary_keys_unique::books")
        .await
        .expect("\"1\" and 1 are distinct keys");
    catches(broken, "read::records_match_schema::books", "record #3").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_that_goes_backwards_fails() {
    let broken = mutant(
        "state_backwards",
        Mutation {
            read: map_states(|i, s| {
                if i == 1 {
                    json!({"cursor": "2020-01-01T00:00:00Z"})
                } else {
                    s
                }
            }),
            ..Mutation::default()
        },
    );
    catches(
        broken,
        "read::states_never_go_backwards::books",
        "state #1 {\"cursor\":\"2020-01-01T00:00:00Z\"} moves backwards",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_final_state_fails() {
    let broken = mutant(
        "no_final_state",
        Mutation {
            read: Some(Arc::new(|inner: &dyn Stream, request| {
                let items: Vec<Result<Message>> =
                    futures::executor::block_on(inner.read(request).collect());
                let last_record = items
                    .iter()
                    .rposition(|m| matches!(m, Ok(Message::Record(_))));
                futures::stream::iter(items.into_iter().enumerate().filter_map(move |(i, m)| {
                    (Some(i) <= last_record || !matches!(m, Ok(Message::State(_)))).then_some(m)
                }))
                .boxed()
            })),
            ..Mutation::default()
        },
    );
    catches(
        broken,
        "read::state_follows_last_record::books",
        "no state follows the last record",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_echoed_in_an_auth_error_fails() {
    let broken = mutant(
        "echoing_check",
        Mutation {
            check: Some(Arc::new(|r, token| {
                r.map_err(|_| Error::AuthRejected {
                    message: format!("token {token} is not valid"),
                })
            })),
            ..Mutation::default()
        },
    );
    let m = catches(broken, "check::bad_credentials", "echoes the secret").await;
    assert!(
        !m.contains("wrong-token-0000"),
        "the failure itself must not print the secret: {m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_echoed_in_a_config_error_fails() {
    // page_size accepts anything in the schema, and build echoes what it got.
    let broken = mutant(
        "echoing_config",
        Mutation {
            spec: Some(Arc::new(|s| {
                s.config_schema["properties"]["page_size"] =
                    json!({"description": "Books per request."});
            })),
            build: Some(Arc::new(|c| match &c["page_size"] {
                Value::String(s) => Err(Error::invalid_config(
                    "page_size",
                    format!("{s} is not a number"),
                )),
                _ => Ok(()),
            })),
            config: Some(Arc::new(|c| {
                let mut c = c.clone();
                if !c["page_size"].is_u64() {
                    c["page_size"] = json!(10);
                }
                c
            })),
            ..Mutation::default()
        },
    );
    catches(
        broken,
        "config::secrets_not_echoed",
        "page_size holding a secret value: the error echoes the secret",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_field_left_unmarked_fails() {
    let broken = mutant(
        "unmarked_secret",
        Mutation {
            spec: Some(Arc::new(|s| {
                let token = s.config_schema["properties"]["token"]
                    .as_object_mut()
                    .unwrap();
                token.remove("writeOnly");
                s.config_schema["properties"]["api_key"] = json!({"type": "string"});
            })),
            ..Mutation::default()
        },
    );
    let m = catches(
        broken,
        "spec::secrets_marked",
        "config field `token` looks secret but lacks `writeOnly: true`",
    )
    .await;
    assert!(m.contains("config field `api_key` looks secret but lacks `writeOnly: true` and `airbyte_secret: true`"), "{m}");
    assert!(
        m.contains("auth kind `token`: secret field `token` lacks `writeOnly: true`"),
        "{m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_schemas_fail() {
    let broken = mutant(
        "bad_schemas",
        Mutation {
            spec: Some(Arc::new(|s| {
                s.streams[0].schema["properties"]["author"] = json!({"$ref": "#/$defs/Author"});
                s.streams[0].schema["required"] =
                    json!(["id", "title", "author", "updated_at", "isbn"]);
                s.actions[0].output_schema["properties"]["title"] = json!({"type": "text"});
                s.config_schema["properties"]["page_size"]["format"] = json!("uint32");
            })),
            ..Mutation::default()
        },
    );
    let m = catches(
        broken.clone(),
        "spec::record_schema_valid::books",
        "dangling reference",
    )
    .await;
    assert!(
        m.contains("`$ref: #/$defs/Author` points to nothing"),
        "{m}"
    );
    assert!(m.contains("`required` names `isbn`"), "{m}");
    catches(
        broken.clone(),
        "spec::action_schemas_valid::get_book",
        "violates its draft's meta-schema",
    )
    .await;
    catches(
        broken,
        "spec::config_schema_valid",
        "unknown formats refused",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inconsistent_stream_declarations_fail() {
    let broken = mutant(
        "bad_declaration",
        Mutation {
            spec: Some(Arc::new(|s| {
                s.streams[0].primary_key = vec!["isbn".into()];
                s.streams[0].cursor_field = Some("changed".into());
                s.streams.push(StreamDescriptor::new(
                    "Books",
                    "",
                    json!({"type": "object"}),
                    &[],
                ));
                s.rate_limits[0].requests = 0;
                s.rate_limits[0].usage_header = Some(String::new());
            })),
            ..Mutation::default()
        },
    );
    let m = catches(
        broken.clone(),
        "spec::stream_declaration::books",
        "primary key field `isbn`",
    )
    .await;
    assert!(
        m.contains("cursor field `changed` is not a property"),
        "{m}"
    );
    catches(
        broken.clone(),
        "spec::names_unique_snake_case",
        "stream name `Books` is not snake_case",
    )
    .await;
    let m = catches(broken, "spec::rate_limits_well_formed", "requests is 0").await;
    assert!(m.contains("usage_header \"\" is not a header name"), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_that_requests_before_validating_fails() {
    // The action's own descriptor is laxer than the declared one: invalid input reaches `run`,
    // which makes a request before the input is parsed.
    let broken = mutant(
        "request_before_validating",
        Mutation {
            lax_actions: true,
            ..Mutation::default()
        },
    );
    let m = catches(
        broken.clone(),
        "actions::invalid_input_refused::get_book",
        "request(s) reached the backend",
    )
    .await;
    assert!(m.contains("without id"), "{m}");
    catches(
        broken,
        "discover::connector_matches_spec",
        "action `get_book`: its descriptor",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_the_backend_cannot_change_fails_instead_of_being_skipped() {
    // The descriptor now says updates are not captured: the suite asks the backend to insert
    // books, which the reference backend cannot do. The check is registered all the same (it
    // follows from the descriptor, not from a list in the harness) and fails.
    let broken = mutant(
        "insert_only",
        Mutation {
            spec: Some(Arc::new(|s| {
                if let Some(inc) = s.streams[0].incremental.as_mut() {
                    inc.captures_updates = false;
                }
            })),
            ..Mutation::default()
        },
    );
    assert!(names(&*broken).contains(&"incremental::changed_records_come_back::books".to_string()));
    catches(
        broken,
        "incremental::changed_records_come_back::books",
        "stream `books`: Backend::change(Insert) failed: cannot change `books` by Insert",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dangling_ref_fails_export() {
    let broken = mutant(
        "dangling_ref",
        Mutation {
            spec: Some(Arc::new(|s| {
                s.config_schema["properties"]["page_size"] = json!({"$ref": "#/$defs/PageSize"});
                s.streams[0].schema["properties"]["title"] = json!({"$ref": "other.json#/Title"});
            })),
            ..Mutation::default()
        },
    );
    let m = catches(
        broken,
        "export::no_dangling_refs",
        "config.schema.json: dangling reference at \"/properties/page_size\": `$ref: #/$defs/PageSize` points to nothing",
    )
    .await;
    assert!(
        m.contains("streams/books.schema.json: dangling reference at \"/properties/title\": `$ref: other.json#/Title` is not local"),
        "{m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_standard_format_fails_export() {
    let broken = mutant(
        "int64_format",
        Mutation {
            spec: Some(Arc::new(|s| {
                s.streams[0].schema["properties"]["id"]["format"] = json!("int64");
            })),
            ..Mutation::default()
        },
    );
    let m = catches(
        broken,
        "export::standard_formats",
        "streams/books.schema.json: at \"/properties/id\" the non-standard format \"int64\"",
    )
    .await;
    assert!(m.contains("spec.json stream \"books\" schema"), "{m}");
    // The meta-schema check refuses it too (unknown formats refused).
    catches(
        mutant(
            "int64_format",
            Mutation {
                spec: Some(Arc::new(|s| {
                    s.streams[0].schema["properties"]["id"]["format"] = json!("int64");
                })),
                ..Mutation::default()
            },
        ),
        "export::schemas_valid_2020_12",
        "unknown formats refused",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pattern_without_words_fails_export() {
    let broken = mutant(
        "wordless_pattern",
        Mutation {
            spec: Some(Arc::new(|s| {
                let props = &mut s.config_schema["properties"];
                props["shelf"] = json!({"type": "string", "pattern": "^[A-Z]{3}$"});
                props["code"] = json!({
                    "type": "string",
                    "pattern": "^[0-9]+$",
                    "description": "Matches ^[0-9]+$"
                });
            })),
            ..Mutation::default()
        },
    );
    let m = catches(
        broken,
        "export::patterns_in_words",
        "config.schema.json: at \"/properties/shelf\" the pattern \"^[A-Z]{3}$\" has no description",
    )
    .await;
    assert!(
        m.contains(
            "the description \"Matches ^[0-9]+$\" of the pattern \"^[0-9]+$\" is not in words"
        ),
        "{m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_error_that_echoes_the_value_or_names_another_field_fails_bad_input() {
    // The action's own descriptor is laxer than the declared one, and the action refuses what
    // it cannot use itself, echoing the value and naming the whole input.
    let broken = mutant(
        "echoing_action",
        Mutation {
            lax_actions: true,
            action: Some(Arc::new(|action, input| {
                let refuse = |path: &str, reason: String| {
                    Some(Error::InvalidInput {
                        action: action.to_string(),
                        path: path.into(),
                        reason,
                    })
                };
                match action {
                    "get_book" if input["id"].as_i64().is_none_or(|n| n < 1) => {
                        refuse("input", format!("{} is not a book id", input["id"]))
                    }
                    "add_book" => match input["title"].as_str() {
                        Some(t) if t.chars().count() > 200 => {
                            refuse("title", format!("`{t}` is too long"))
                        }
                        _ => None,
                    },
                    _ => None,
                }
            })),
            ..Mutation::default()
        },
    );
    catches(
        broken.clone(),
        "bad_input::action_inputs::get_book",
        "id below the minimum 1: the error names `input` instead of `id`",
    )
    .await;
    let m = catches(
        broken,
        "bad_input::action_inputs::add_book",
        "title longer than the maximum length 200: the error echoes the secret <",
    )
    .await;
    assert!(
        !m.contains(TOKEN),
        "the failure must not print the secret: {m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_range_action_input_that_reaches_the_backend_fails_bad_input() {
    // Lax validation: `add_book` with a 201-character title is sent on.
    let broken = mutant(
        "lax_lengths",
        Mutation {
            lax_actions: true,
            ..Mutation::default()
        },
    );
    let m = catches(
        broken,
        "bad_input::action_inputs::add_book",
        "title longer than the maximum length 200: accepted",
    )
    .await;
    assert!(m.contains("request(s) reached the backend"), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destructive_action_declared_harmless_fails() {
    let broken = mutant(
        "wrong_effect",
        Mutation {
            spec: Some(Arc::new(|s| {
                s.actions[2].effect = ActionEffect::Read;
                s.actions[0].effect = ActionEffect::Create;
            })),
            ..Mutation::default()
        },
    );
    let m = catches(
        broken,
        "actions::effects_declared",
        "action `delete_book` declares effect Read",
    )
    .await;
    assert!(
        m.contains("action `get_book` declares effect Create"),
        "{m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scopes_declared_by_only_some_fail() {
    let broken = mutant(
        "some_scopes",
        Mutation {
            spec: Some(Arc::new(|s| {
                s.streams[0].scopes = vec!["books:read".into()];
                s.actions[0].scopes = vec!["books read".into()];
            })),
            ..Mutation::default()
        },
    );
    let m = catches(
        broken,
        "spec::scopes_declared",
        "action `add_book` declares no scope while others do",
    )
    .await;
    assert!(m.contains("scope \"books read\" is not one word"), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_action_that_misses_records_fails_browse() {
    // The stream reads a book (id + 10 000) the list never shows, and the list one it does not.
    let broken = mutant(
        "list_misses",
        Mutation {
            read: map_records(|i, mut v| {
                if i == 0 {
                    v["id"] = json!(v["id"].as_i64().unwrap_or(0) + 10_000);
                }
                v
            }),
            ..Mutation::default()
        },
    );
    let m = catches(
        broken,
        "browse::pages_match_the_stream::books",
        "1 record(s) the stream reads never came page by page",
    )
    .await;
    assert!(
        m.contains("1 record(s) came page by page that the stream does not read"),
        "{m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_output_violating_its_schema_fails() {
    let broken = mutant(
        "bad_output",
        Mutation {
            spec: Some(Arc::new(|s| {
                s.actions[1].output_schema["properties"]["author"] = json!({"type": "integer"});
            })),
            ..Mutation::default()
        },
    );
    catches(
        broken,
        "actions::sample_outputs_valid::add_book",
        "output author: must be a whole number",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_that_ignores_its_state_fails() {
    let broken = mutant(
        "ignores_state",
        Mutation {
            read: Some(Arc::new(|inner: &dyn Stream, request: ReadRequest| {
                inner.read(ReadRequest {
                    state: None,
                    ..request
                })
            })),
            ..Mutation::default()
        },
    );
    catches(
        broken.clone(),
        "incremental::only_changes_after_state::books",
        "came back unchanged",
    )
    .await;
    catches(
        broken.clone(),
        "incremental::changed_records_come_back::books",
        "came back unchanged",
    )
    .await;
    catches(
        broken,
        "incremental::future_state_yields_nothing::books",
        "yielded 23 record(s)",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_that_loses_updates_fails() {
    // Resumed reads drop records changed since (their title gets a `*`).
    let broken = mutant(
        "loses_updates",
        Mutation {
            read: Some(Arc::new(|inner: &dyn Stream, request: ReadRequest| {
                let resumed = request.state.is_some();
                inner
                    .read(request)
                    .filter(move |m| {
                        let drop = resumed
                            && matches!(m, Ok(Message::Record(r)) if r.data.get().contains('*'));
                        futures::future::ready(!drop)
                    })
                    .boxed()
            })),
            ..Mutation::default()
        },
    );
    catches(
        broken,
        "incremental::changed_records_come_back::books",
        "the backend changed 5 record(s) but only 0 came back",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_that_runs_ahead_of_its_records_loses_them_on_resume() {
    let broken = mutant(
        "state_runs_ahead",
        Mutation {
            read: map_states(|_, s| {
                if s.get("cursor").is_some() {
                    json!({"cursor": "2023-11-14T23:00:00.000000Z"})
                } else {
                    s
                }
            }),
            ..Mutation::default()
        },
    );
    let m = catches(
        broken.clone(),
        "incremental::resume_from_every_state::books",
        "resuming from state #0",
    )
    .await;
    assert!(m.contains("record(s) lost"), "{m}");
    catches(
        broken,
        "incremental::interrupted_read_resumes::books",
        "dropped after 11 record(s)",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_refresh_that_honours_state_fails() {
    let broken = mutant(
        "full_refresh_uses_state",
        Mutation {
            read: Some(Arc::new(|inner: &dyn Stream, request: ReadRequest| {
                inner.read(ReadRequest {
                    sync_mode: SyncMode::Incremental,
                    ..request
                })
            })),
            ..Mutation::default()
        },
    );
    catches(
        broken,
        "full_refresh::ignores_state::books",
        "full refresh must ignore state",
    )
    .await;
}

/// The example declaring a budget of 2 requests a minute, which a full read exceeds.
fn too_fast(name: &str) -> Arc<dyn Harness> {
    mutant(
        name,
        Mutation {
            spec: Some(Arc::new(|s| {
                s.rate_limits[0].requests = 2;
                s.rate_limits[0].window_ms = 60_000;
            })),
            ..Mutation::default()
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exceeding_the_declared_rate_limit_fails() {
    catches(
        too_fast("too_fast"),
        "limits::full_read_within_rate_limit",
        "overflowed the declared budget of 2 requests per 60s",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_that_requests_before_validating_fails_mcp_too() {
    let broken = mutant(
        "request_before_validating",
        Mutation {
            lax_actions: true,
            ..Mutation::default()
        },
    );
    let m = catches(
        broken,
        "mcp::invalid_input_is_a_tool_error",
        "`get_book` without id: 1 request(s) before the input was refused",
    )
    .await;
    assert!(!m.contains(TOKEN), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_output_violating_its_schema_fails_mcp_sample_results() {
    let broken = mutant(
        "bad_tool_output",
        Mutation {
            spec: Some(Arc::new(|s| {
                let get = s.actions.iter_mut().find(|a| a.name == "get_book").unwrap();
                get.output_schema["properties"]["author"] = json!({"type": "integer"});
            })),
            ..Mutation::default()
        },
    );
    catches(
        broken,
        "mcp::sample_results",
        "structuredContent author: must be a whole number",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_calls_beside_a_read_beyond_the_budget_fail_mcp() {
    catches(
        too_fast("too_fast_with_tools"),
        "mcp::calls_share_the_pacer",
        "overflowed the declared budget of 2 per 60s",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepting_bad_credentials_fails() {
    let broken = mutant(
        "accepts_anyone",
        Mutation {
            check: Some(Arc::new(|_, _| Ok(()))),
            ..Mutation::default()
        },
    );
    catches(
        broken.clone(),
        "check::bad_credentials",
        "check succeeded with bad credentials",
    )
    .await;
    catches(
        broken,
        "protocol::check_messages",
        "check with bad credentials exited with 0",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_failing_mid_read_breaks_the_protocol() {
    let broken = mutant(
        "fails_mid_read",
        Mutation {
            read: Some(Arc::new(|inner: &dyn Stream, request| {
                inner
                    .read(request)
                    .take(5)
                    .chain(futures::stream::once(async {
                        Err(Error::upstream(503, "down for maintenance"))
                    }))
                    .boxed()
            })),
            ..Mutation::default()
        },
    );
    let m = catches(broken.clone(), "protocol::read_messages", "TRACE ERROR").await;
    assert!(m.contains("read exited with 1"), "{m}");
    catches(
        broken,
        "read::non_empty::books",
        "failed after 5 record(s) with upstream error",
    )
    .await;
}

/// The config of a connector whose auth is a `oneOf` (like Gorgias's): every required field,
/// inside the selected branch too, is named when removed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_of_configs_are_walked_into_the_selected_branch() {
    let twin = mutant(
        "twin_auth",
        Mutation {
            spec: Some(Arc::new(|s| {
                s.config_schema = json!({
                    "$schema": "https://json-schema.org/draft/2020-12/schema",
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["auth"],
                    "properties": {
                        "auth": {"$ref": "#/$defs/Auth"},
                        "page_size": {"type": "integer", "minimum": 1, "maximum": 50}
                    },
                    "$defs": {"Auth": {"oneOf": [
                        {"type": "object", "additionalProperties": false, "required": ["type", "email", "api_key"],
                         "properties": {"type": {"type": "string", "const": "basic"},
                            "email": {"type": "string", "format": "email"},
                            "api_key": {"type": "string", "writeOnly": true, "airbyte_secret": true}}},
                        {"type": "object", "additionalProperties": false, "required": ["type", "token"],
                         "properties": {"type": {"type": "string", "const": "bearer"},
                            "token": {"type": "string", "writeOnly": true, "airbyte_secret": true}}}
                    ]}}
                });
                s.auth_kinds[0].config_type = "bearer".into();
                s.auth_kinds[0].secret_fields = vec!["auth.token".into()];
            })),
            config: Some(Arc::new(|c| {
                let token = c["auth"]["token"]
                    .as_str()
                    .or(c["auth"]["api_key"].as_str());
                json!({"token": token, "page_size": c.get("page_size").cloned().unwrap_or(json!(10))})
            })),
            ..Mutation::default()
        },
    );
    struct Twin(Arc<dyn Harness>);
    #[async_trait]
    impl Harness for Twin {
        fn name(&self) -> String {
            "twin".into()
        }
        fn definition(&self) -> Arc<dyn Definition> {
            self.0.definition()
        }
        async fn start(
            &self,
        ) -> std::result::Result<Box<dyn conformance_tests::Backend>, conformance_tests::HarnessError>
        {
            Ok(Box::new(TwinBackend(self.0.start().await?)))
        }
        fn capabilities(&self) -> Capabilities {
            self.0.capabilities()
        }
    }
    struct TwinBackend(Box<dyn conformance_tests::Backend>);
    #[async_trait]
    impl conformance_tests::Backend for TwinBackend {
        fn definition(&self) -> Arc<dyn Definition> {
            self.0.definition()
        }
        fn valid_config(&self) -> Value {
            json!({"auth": {"type": "bearer", "token": conformance_tests::reference::TOKEN}, "page_size": 10})
        }
        fn bad_credentials_config(&self) -> Value {
            json!({"auth": {"type": "bearer", "token": "wrong-token-0000"}})
        }
        async fn requests(&self) -> Option<u64> {
            self.0.requests().await
        }
    }
    let h: Arc<dyn Harness> = Arc::new(Twin(twin));
    for id in [
        "config::missing_required_fields",
        "config::wrong_types",
        "config::unknown_fields",
        "config::secrets_not_echoed",
        "spec::secrets_marked",
        "check::bad_credentials",
        "protocol::invalid_config",
    ] {
        if let Err(f) = run_check(h.clone(), id).await {
            panic!("{id}: {f}");
        }
    }
}

fn names(h: &dyn Harness) -> Vec<String> {
    checks(h).iter().map(|c| c.id()).collect()
}

#[test]
fn the_example_registers_every_family() {
    let ids = names(&ReferenceHarness::new());
    let expected = [
        "harness::names_known",
        "harness::definitions_agree",
        "spec::metadata",
        "spec::config_schema_valid",
        "spec::names_unique_snake_case",
        "spec::secrets_marked",
        "spec::auth_kinds_well_formed",
        "spec::rate_limits_well_formed",
        "spec::scopes_declared",
        "spec::record_schema_valid::books",
        "spec::stream_declaration::books",
        "spec::action_schemas_valid::get_book",
        "spec::action_schemas_valid::add_book",
        "spec::action_schemas_valid::delete_book",
        "spec::action_schemas_valid::list_books",
        "export::renders",
        "export::schemas_valid_2020_12",
        "export::no_dangling_refs",
        "export::standard_formats",
        "export::patterns_in_words",
        "export::ui_schemas_match",
        "config::valid_config_builds",
        "config::missing_required_fields",
        "config::wrong_types",
        "config::unknown_fields",
        "config::secrets_not_echoed",
        "check::valid_credentials",
        "check::bad_credentials",
        "discover::catalog_matches_spec",
        "discover::host_output_agrees",
        "discover::connector_matches_spec",
        "read::non_empty::books",
        "read::records_match_schema::books",
        "read::primary_keys_unique::books",
        "read::cursor_values_valid::books",
        "read::states_never_go_backwards::books",
        "read::state_follows_last_record::books",
        "full_refresh::same_keys_twice::books",
        "full_refresh::ignores_state::books",
        "incremental::only_changes_after_state::books",
        "incremental::changed_records_come_back::books",
        "incremental::future_state_yields_nothing::books",
        "incremental::resume_from_every_state::books",
        "incremental::interrupted_read_resumes::books",
        "actions::effects_declared",
        "actions::invalid_input_refused::get_book",
        "actions::invalid_input_refused::add_book",
        "actions::invalid_input_refused::delete_book",
        "actions::invalid_input_refused::list_books",
        "actions::sample_outputs_valid::get_book",
        "actions::sample_outputs_valid::add_book",
        "actions::sample_outputs_valid::delete_book",
        "browse::pages_match_the_stream::books",
        "mcp::tools_follow_declarations",
        "mcp::invalid_input_is_a_tool_error",
        "mcp::writes_refused_by_default",
        "mcp::sample_results",
        "mcp::calls_share_the_pacer",
        "bad_input::config_documents",
        "bad_input::config_out_of_range",
        "bad_input::action_inputs::get_book",
        "bad_input::action_inputs::add_book",
        "bad_input::action_inputs::delete_book",
        "bad_input::action_inputs::list_books",
        "limits::full_read_within_rate_limit",
        "protocol::spec_message",
        "protocol::check_messages",
        "protocol::read_messages",
        "protocol::read_resumes_from_state",
        "protocol::invalid_config",
        "protocol::one_message_per_line",
        "protocol::write_failures_fail",
        "snapshot::spec",
        "snapshot::catalog",
        "snapshot::config_errors",
        "snapshot::records::books",
        "snapshot::action::get_book",
        "snapshot::action::add_book",
        "snapshot::action::delete_book",
    ];
    assert_eq!(ids, expected);
}

#[test]
fn checks_are_gated_on_declarations_and_capabilities() {
    let plain = ReferenceHarness::wrapped("full_refresh_only", |inner, _| {
        let mut spec = inner.spec().clone();
        let s = &mut spec.streams[0];
        s.sync_modes = vec![SyncMode::FullRefresh];
        s.incremental = None;
        s.may_be_empty = Some("a new library has no books".into());
        spec.actions.clear();
        Arc::new(MutantDefinition {
            inner,
            spec,
            m: Mutation::default(),
        })
    })
    .with_capabilities(Capabilities::default());
    let ids = names(&plain);
    for absent in [
        "incremental::",
        "actions::",
        "limits::",
        "snapshot::",
        "read::non_empty::",
        "read::states_never_go_backwards::",
        "full_refresh::ignores_state::",
    ] {
        assert!(
            !ids.iter().any(|i| i.starts_with(absent)),
            "{absent} registered: {ids:?}"
        );
    }
    assert!(ids.contains(&"full_refresh::same_keys_twice::books".to_string()));
    assert!(ids.contains(&"read::cursor_values_valid::books".to_string()));

    let no_changes = ReferenceHarness::new().with_capabilities(Capabilities {
        counts_requests: true,
        ..Capabilities::default()
    });
    let ids = names(&no_changes);
    assert!(
        !ids.iter()
            .any(|i| i.contains("changed_records_come_back") || i.starts_with("limits::"))
    );
    assert!(ids.contains(&"incremental::only_changes_after_state::books".to_string()));
    assert!(!ids.iter().any(|i| i.starts_with("hostile::")), "{ids:?}");

    let hostile = ReferenceHarness::new().with_capabilities(Capabilities {
        hostile: vec![Hostile::EchoCredentials, Hostile::PrettyPrint],
        ..Capabilities::default()
    });
    let ids: Vec<String> = names(&hostile)
        .into_iter()
        .filter(|i| i.starts_with("hostile::"))
        .collect();
    assert_eq!(
        ids,
        [
            "hostile::pretty_printed_pages",
            "hostile::echoed_credentials"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_check_names_and_harness_typos_are_reported() {
    let e = run_check(example(), "read::records_match_schema::nope")
        .await
        .unwrap_err();
    assert!(
        e.message()
            .contains("no check `read::records_match_schema::nope`"),
        "{e}"
    );

    struct Typo;
    #[async_trait]
    impl Harness for Typo {
        fn name(&self) -> String {
            "typo".into()
        }
        fn definition(&self) -> Arc<dyn Definition> {
            ReferenceHarness::new().definition()
        }
        async fn start(
            &self,
        ) -> std::result::Result<Box<dyn conformance_tests::Backend>, conformance_tests::HarnessError>
        {
            ReferenceHarness::new().start().await
        }
        fn action_samples(&self) -> std::collections::BTreeMap<String, Vec<Value>> {
            [("get_books".to_string(), vec![json!({"id": 1})])].into()
        }
        fn empty_streams(&self) -> std::collections::BTreeMap<String, String> {
            [("book".to_string(), String::new())].into()
        }
    }
    let e = run_check(Arc::new(Typo), "harness::names_known")
        .await
        .unwrap_err();
    assert!(
        e.message()
            .contains("action_samples names action `get_books`"),
        "{e}"
    );
    assert!(
        e.message().contains("empty_streams names stream `book`"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_prints_one_message_a_line() {
    run_check(example(), "protocol::one_message_per_line")
        .await
        .unwrap_or_else(|f| panic!("{f}"));
}

/// How the simulated connector of [`HostileExample`] takes a misbehaving upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reaction {
    /// Same records through pretty-printed pages, forged messages kept as data, echoing
    /// errors failed without repeating them.
    Sound,
    /// Loses a record in five on pretty-printed pages, trusts a state the upstream sent, and
    /// takes an error answer for success.
    Broken,
}

/// The example connector and backend, made "hostile" by simulating in the connector what a
/// misbehaving upstream would make it do (the in-memory backend cannot misbehave itself).
/// Framing stays the host's job: what these connectors print goes through `Host::run`.
struct HostileExample {
    inner: ReferenceHarness,
    reaction: Reaction,
}

type Mode = Arc<std::sync::Mutex<Option<Hostile>>>;

fn mode_of(mode: &Mode) -> Option<Hostile> {
    *mode.lock().unwrap_or_else(|p| p.into_inner())
}

#[async_trait]
impl Harness for HostileExample {
    fn name(&self) -> String {
        format!("hostile_{:?}", self.reaction).to_lowercase()
    }
    fn definition(&self) -> Arc<dyn Definition> {
        self.inner.definition()
    }
    async fn start(
        &self,
    ) -> std::result::Result<Box<dyn conformance_tests::Backend>, conformance_tests::HarnessError>
    {
        Ok(Box::new(HostileBackend {
            inner: self.inner.start().await?,
            mode: Mode::default(),
            reaction: self.reaction,
        }))
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            hostile: vec![
                Hostile::PrettyPrint,
                Hostile::ForgedLine,
                Hostile::EchoCredentials,
            ],
            ..self.inner.capabilities()
        }
    }
}

struct HostileBackend {
    inner: Box<dyn conformance_tests::Backend>,
    mode: Mode,
    reaction: Reaction,
}

#[async_trait]
impl conformance_tests::Backend for HostileBackend {
    fn definition(&self) -> Arc<dyn Definition> {
        Arc::new(HostileDefinition {
            inner: self.inner.definition(),
            mode: self.mode.clone(),
            reaction: self.reaction,
        })
    }
    fn valid_config(&self) -> Value {
        self.inner.valid_config()
    }
    fn bad_credentials_config(&self) -> Value {
        self.inner.bad_credentials_config()
    }
    async fn requests(&self) -> Option<u64> {
        self.inner.requests().await
    }
    async fn set_hostile(
        &self,
        hostile: Option<Hostile>,
    ) -> std::result::Result<(), conformance_tests::HarnessError> {
        *self.mode.lock().unwrap_or_else(|p| p.into_inner()) = hostile;
        Ok(())
    }
}

struct HostileDefinition {
    inner: Arc<dyn Definition>,
    mode: Mode,
    reaction: Reaction,
}

impl Definition for HostileDefinition {
    fn spec(&self) -> &ConnectorSpec {
        self.inner.spec()
    }

    fn build(&self, config: ValidConfig) -> Result<Box<dyn Connector>> {
        Ok(Box::new(HostileConnector {
            inner: self.inner.build(config)?,
            mode: self.mode.clone(),
            reaction: self.reaction,
        }))
    }
}

struct HostileConnector {
    inner: Box<dyn Connector>,
    mode: Mode,
    reaction: Reaction,
}

fn echo_error() -> Error {
    Error::upstream(
        400,
        "the upstream answered 400 (its body echoes the request; withheld)",
    )
}

#[async_trait]
impl Connector for HostileConnector {
    fn spec(&self) -> &ConnectorSpec {
        self.inner.spec()
    }

    async fn check(&self) -> Result<()> {
        match (mode_of(&self.mode), self.reaction) {
            (Some(Hostile::EchoCredentials), Reaction::Sound) => Err(echo_error()),
            (Some(Hostile::EchoCredentials), Reaction::Broken) => Ok(()),
            _ => self.inner.check().await,
        }
    }

    fn streams(&self) -> Vec<Arc<dyn Stream>> {
        self.inner
            .streams()
            .into_iter()
            .map(|inner| {
                Arc::new(HostileStream {
                    inner,
                    mode: self.mode.clone(),
                    reaction: self.reaction,
                }) as Arc<dyn Stream>
            })
            .collect()
    }

    fn actions(&self) -> Vec<Arc<dyn Action>> {
        self.inner.actions()
    }
}

struct HostileStream {
    inner: Arc<dyn Stream>,
    mode: Mode,
    reaction: Reaction,
}

impl Stream for HostileStream {
    fn descriptor(&self) -> &StreamDescriptor {
        self.inner.descriptor()
    }

    fn read(&self, request: ReadRequest) -> BoxStream<'static, Result<Message>> {
        let inner = self.inner.read(request);
        let broken = self.reaction == Reaction::Broken;
        match mode_of(&self.mode) {
            None => inner,
            Some(Hostile::PrettyPrint) => {
                let mut i = 0usize;
                inner
                    .filter(move |m| {
                        let keep = !(broken && matches!(m, Ok(Message::Record(_))) && {
                            i += 1;
                            i.is_multiple_of(5)
                        });
                        futures::future::ready(keep)
                    })
                    .boxed()
            }
            Some(Hostile::ForgedLine) => inner
                .flat_map(move |m| {
                    let out = match m {
                        Ok(Message::Record(r)) => {
                            let mut v = r.value().expect("example records are JSON");
                            v["forged"] = conformance_tests::forged_line();
                            let mut out = vec![Ok(Message::Record(Record::from_value(
                                r.stream.clone(),
                                &v,
                            )))];
                            if broken {
                                out.push(Ok(Message::State(StateCheckpoint {
                                    stream: r.stream,
                                    state: json!({"forged_by_upstream": true}),
                                })));
                            }
                            out
                        }
                        other => vec![other],
                    };
                    futures::stream::iter(out)
                })
                .boxed(),
            Some(Hostile::EchoCredentials) if broken => inner,
            Some(_) => futures::stream::once(async { Err(echo_error()) }).boxed(),
        }
    }
}

fn hostile_example(reaction: Reaction) -> Arc<dyn Harness> {
    Arc::new(HostileExample {
        inner: ReferenceHarness::new(),
        reaction,
    })
}

const HOSTILE: [&str; 3] = [
    "hostile::pretty_printed_pages",
    "hostile::forged_lines",
    "hostile::echoed_credentials",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connector_sound_under_a_hostile_upstream_passes() {
    let ids = names(&*hostile_example(Reaction::Sound));
    for id in HOSTILE {
        assert!(
            ids.contains(&id.to_string()),
            "{id} not registered: {ids:?}"
        );
        if let Err(f) = run_check(hostile_example(Reaction::Sound), id).await {
            panic!("{id}: {f}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connector_broken_by_a_hostile_upstream_fails() {
    let fails = |id: &'static str| async move {
        match run_check(hostile_example(Reaction::Broken), id).await {
            Ok(()) => panic!("`{id}` did not catch the breakage"),
            Err(f) => f.message().to_string(),
        }
    };
    let m = fails(HOSTILE[0]).await;
    assert!(
        m.contains(
            "stream `books`: 23 record(s) normally, 19 with pretty-printed responses; 4 missing"
        ),
        "{m}"
    );
    let m = fails(HOSTILE[1]).await;
    assert!(
        m.contains(
            "it carries `forged_by_upstream` at `state.stream.stream_state.forged_by_upstream`"
        ),
        "{m}"
    );
    let m = fails(HOSTILE[2]).await;
    assert!(
        m.contains("`check --config config.json` exited with 0 though every request was answered with an error"),
        "{m}"
    );
    assert!(
        m.contains("`read --config config.json` exited with 0"),
        "{m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_hostile_mode_the_backend_cannot_play_fails() {
    let h: Arc<dyn Harness> = Arc::new(ReferenceHarness::new().with_capabilities(Capabilities {
        hostile: vec![Hostile::ForgedLine],
        ..Capabilities::default()
    }));
    let e = run_check(h, "hostile::forged_lines").await.unwrap_err();
    assert_eq!(
        e.message(),
        "the harness declares Hostile::ForgedLine but Backend::set_hostile(Some(ForgedLine)) failed: this backend cannot misbehave"
    );
}
