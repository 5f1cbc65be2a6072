//! The protocol host, driven in-process: what an operator sees on stdout and stderr.

use std::sync::Arc;

use async_trait::async_trait;
use connector_host as host;
use connector_host::airbyte::{ConfiguredCatalog, MessageWriter};
use connector_host::{Host, ReadOptions};
use connector_sdk::paginate::{Page, paginate};
use connector_sdk::schema::DRAFT;
use connector_sdk::testing::{MemoryBackend, MemoryDefinition};
use connector_sdk::*;
use futures::stream::BoxStream;
use serde_json::{Value, json};

const TOKEN: &str = "letmein-CANARY-7f3a";

fn example() -> (Arc<MemoryDefinition>, MemoryBackend) {
    let backend = MemoryBackend::new(23, TOKEN);
    (Arc::new(MemoryDefinition::new(backend.clone())), backend)
}

async fn run(definition: Arc<dyn Definition>, args: &[&str]) -> (u8, Vec<Value>, String) {
    let (code, out, err) = run_text(definition, args).await;
    let lines = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    (code, lines, err)
}

fn write(dir: &tempfile::TempDir, name: &str, value: &Value) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, value.to_string()).unwrap();
    path.to_string_lossy().into_owned()
}

fn of_type<'a>(lines: &'a [Value], t: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["type"] == t).collect()
}

#[tokio::test]
async fn spec_prints_exactly_one_spec_message() {
    let (def, _) = example();
    let (code, lines, _) = run(def, &["spec"]).await;
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["type"], "SPEC");
    assert_eq!(
        lines[0]["spec"]["connectionSpecification"]["$schema"],
        DRAFT
    );
}

#[tokio::test]
async fn invalid_config_is_one_clear_line_and_no_secret() {
    let (def, backend) = example();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(&dir, "c.json", &json!({"token": TOKEN, "page_size": "ten"}));
    let (code, lines, err) = run(def.clone(), &["check", "--config", &cfg]).await;
    assert_eq!(code, 1);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("page_size: must be a whole number"), "{err}");
    assert!(!err.contains(TOKEN));
    let status = of_type(&lines, "CONNECTION_STATUS");
    assert_eq!(status[0]["connectionStatus"]["status"], "FAILED");
    let trace = of_type(&lines, "TRACE");
    assert_eq!(trace[0]["trace"]["error"]["failure_type"], "config_error");
    assert!(!lines.iter().any(|l| l.to_string().contains(TOKEN)));
    assert_eq!(
        backend.requests(),
        0,
        "no request is made with an invalid config"
    );

    let cfg = write(&dir, "c2.json", &json!({"page_size": 3}));
    let (code, _, err) = run(def.clone(), &["read", "--config", &cfg]).await;
    assert_eq!(
        (code, err.trim()),
        (1, "error: invalid config: token: is required; add it")
    );

    let (code, lines, err) = run(def, &["read"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("--config: is required"), "{err}");
    assert_eq!(of_type(&lines, "TRACE").len(), 1);
}

#[tokio::test]
async fn bad_credentials_fail_check_without_echo() {
    let (def, _) = example();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(&dir, "c.json", &json!({"token": "wrong-CANARY"}));
    let (code, lines, err) = run(def, &["check", "--config", &cfg]).await;
    assert_eq!(code, 1);
    assert_eq!(lines[0]["connectionStatus"]["status"], "FAILED");
    assert!(err.contains("authentication rejected"), "{err}");
    assert!(!err.contains("wrong-CANARY"));
}

#[tokio::test]
async fn read_resumes_from_the_states_it_printed() {
    let (def, backend) = example();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(&dir, "c.json", &json!({"token": TOKEN, "page_size": 5}));
    let (code, lines, err) = run(def.clone(), &["read", "--config", &cfg]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(of_type(&lines, "RECORD").len(), 23);
    assert_eq!(
        of_type(&lines, "STATE").len(),
        5,
        "a state after each of the 5 pages"
    );
    let statuses: Vec<&Value> = of_type(&lines, "TRACE")
        .iter()
        .map(|t| &t["trace"]["stream_status"]["status"])
        .collect();
    assert_eq!(
        statuses,
        [&json!("STARTED"), &json!("RUNNING"), &json!("COMPLETE")]
    );
    for r in of_type(&lines, "RECORD") {
        assert_eq!(r["record"]["stream"], "books");
        assert!(r["record"]["emitted_at"].is_i64());
    }
    assert!(err.contains("read 23 records from 1 streams"), "{err}");

    // Hand back the emitted `state` objects: only what changed comes back.
    let states: Vec<Value> = of_type(&lines, "STATE")
        .iter()
        .map(|s| s["state"].clone())
        .collect();
    let state = write(&dir, "s.json", &Value::Array(states));
    backend.touch(2);
    let (code, lines, _) = run(def.clone(), &["read", "--config", &cfg, "--state", &state]).await;
    assert_eq!(code, 0);
    assert_eq!(of_type(&lines, "RECORD").len(), 2);

    // A catalog asking for full refresh ignores the state.
    let catalog = ConfiguredCatalog {
        streams: vec![host::airbyte::ConfiguredStream {
            name: "books".into(),
            sync_mode: SyncMode::FullRefresh,
        }],
    };
    let cat = write(&dir, "cat.json", &catalog.to_airbyte(def.spec()));
    let (code, lines, _) = run(
        def.clone(),
        &[
            "read",
            "--config",
            &cfg,
            "--state",
            &state,
            "--catalog",
            &cat,
        ],
    )
    .await;
    assert_eq!(code, 0);
    assert_eq!(of_type(&lines, "RECORD").len(), 23);

    let bad = write(
        &dir,
        "bad.json",
        &json!({"streams": [{"stream": {"name": "nope"}, "sync_mode": "incremental"}]}),
    );
    let (code, _, err) = run(def, &["read", "--config", &cfg, "--catalog", &bad]).await;
    assert_eq!(code, 1);
    assert!(
        err.contains("catalog.streams[0].stream.name: `nope` is not a stream"),
        "{err}"
    );
}

#[tokio::test]
async fn actions_validate_before_any_request() {
    let (def, backend) = example();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(&dir, "c.json", &json!({"token": TOKEN}));
    let input = write(&dir, "i.json", &json!({"title": "Dune"}));
    let before = backend.requests();
    let (code, _, err) = run(
        def.clone(),
        &["action", "add_book", "--config", &cfg, "--input", &input],
    )
    .await;
    assert_eq!(code, 1);
    assert!(
        err.contains("invalid input for action `add_book`: author: is required"),
        "{err}"
    );
    assert_eq!(backend.requests(), before);
    let input = write(
        &dir,
        "i2.json",
        &json!({"title": "Dune", "author": "Herbert"}),
    );
    let (code, lines, _) = run(
        def.clone(),
        &["action", "add_book", "--config", &cfg, "--input", &input],
    )
    .await;
    assert_eq!(code, 0);
    assert_eq!(lines[0]["title"], "Dune");
    let (code, _, err) = run(
        def,
        &["action", "burn_book", "--config", &cfg, "--input", &input],
    )
    .await;
    assert_eq!(code, 1);
    assert!(
        err.contains("unknown action `burn_book`; known: get_book, add_book, delete_book"),
        "{err}"
    );
}

#[tokio::test]
async fn schemas_are_exported_and_stale_files_removed() {
    let (def, _) = example();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("streams")).unwrap();
    std::fs::write(dir.path().join("streams/gone.schema.json"), "{}").unwrap();
    let out = dir.path().to_string_lossy().into_owned();
    let (code, _, _) = run(def, &["schemas", "--out", &out]).await;
    assert_eq!(code, 0);
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("index.json")).unwrap())
            .unwrap();
    assert_eq!(index["draft"], DRAFT);
    for f in index["files"].as_array().unwrap() {
        assert!(dir.path().join(f.as_str().unwrap()).exists(), "{f}");
    }
    assert!(!dir.path().join("streams/gone.schema.json").exists());
    let ui: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("ui/config.ui.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(ui["token"]["ui:widget"], "password");
}

/// A second, different connector type: counts from 1 to n, one page per 10.
struct Counter {
    spec: ConnectorSpec,
    n: u64,
}

struct CountStream(StreamDescriptor, u64);

impl Stream for CountStream {
    fn descriptor(&self) -> &StreamDescriptor {
        &self.0
    }
    fn read(&self, _request: ReadRequest) -> BoxStream<'static, Result<Message>> {
        let n = self.1;
        paginate(1u64, move |from| async move {
            let to = (from + 9).min(n);
            let mut messages: Vec<Message> = (from..=to)
                .map(|i| Message::Record(Record::from_value("numbers".into(), &json!({"n": i}))))
                .collect();
            messages.push(Message::State(StateCheckpoint {
                stream: "numbers".into(),
                state: json!({"cursor": to}),
            }));
            let received = messages.len() - 1;
            Ok(Page::new(messages, (to < n).then_some(to + 1), received))
        })
    }
}

#[async_trait]
impl Connector for Counter {
    fn spec(&self) -> &ConnectorSpec {
        &self.spec
    }
    async fn check(&self) -> Result<()> {
        Ok(())
    }
    fn streams(&self) -> Vec<Arc<dyn Stream>> {
        vec![Arc::new(CountStream(self.spec.streams[0].clone(), self.n))]
    }
    fn actions(&self) -> Vec<Arc<dyn Action>> {
        Vec::new()
    }
}

fn counter(n: u64) -> Counter {
    let mut spec = MemoryDefinition::new(MemoryBackend::new(0, "x"))
        .spec()
        .clone();
    spec.name = "counter".into();
    spec.actions.clear();
    spec.streams = vec![StreamDescriptor::new(
        "numbers",
        "1..n",
        json!({"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}),
        &["n"],
    )];
    Counter { spec, n }
}

#[tokio::test]
async fn two_connector_types_side_by_side_through_the_host() {
    let (def, _) = example();
    let library = def
        .connect(&json!({"token": TOKEN, "page_size": 4}))
        .unwrap();
    let connectors: Vec<Box<dyn Connector>> = vec![library, Box::new(counter(25))];
    let mut totals = Vec::new();
    for connector in &connectors {
        connector.check().await.unwrap();
        let catalog = ConfiguredCatalog::all(connector.spec());
        let mut out = MessageWriter::new(Vec::new());
        let mut log = Vec::new();
        let summary = host::read(
            connector.as_ref(),
            &catalog,
            &State::new(),
            &ReadOptions::default(),
            &mut out,
            &mut log,
        )
        .await
        .unwrap();
        let text = String::from_utf8(out.into_inner()).unwrap();
        let records = text
            .lines()
            .filter(|l| l.contains(r#""type":"RECORD""#))
            .count() as u64;
        assert_eq!(records, summary.records());
        totals.push((connector.spec().name.clone(), summary.records()));
    }
    assert_eq!(
        totals,
        [
            ("example_library".to_string(), 23),
            ("counter".to_string(), 25)
        ]
    );
}

#[tokio::test]
async fn a_failing_stream_reports_and_the_others_complete() {
    struct Broken(StreamDescriptor);
    impl Stream for Broken {
        fn descriptor(&self) -> &StreamDescriptor {
            &self.0
        }
        fn read(&self, _: ReadRequest) -> BoxStream<'static, Result<Message>> {
            Box::pin(futures::stream::iter([
                Ok(Message::Record(Record::from_value(
                    "broken".into(),
                    &json!({"n": 1}),
                ))),
                Err(Error::upstream(503, "down")),
                Ok(Message::Record(Record::from_value(
                    "broken".into(),
                    &json!({"n": 2}),
                ))),
            ]))
        }
    }
    struct Two(Counter);
    #[async_trait]
    impl Connector for Two {
        fn spec(&self) -> &ConnectorSpec {
            &self.0.spec
        }
        async fn check(&self) -> Result<()> {
            Ok(())
        }
        fn streams(&self) -> Vec<Arc<dyn Stream>> {
            let mut d = self.0.spec.streams[0].clone();
            d.name = "broken".into();
            vec![self.0.streams().remove(0), Arc::new(Broken(d))]
        }
        fn actions(&self) -> Vec<Arc<dyn Action>> {
            Vec::new()
        }
    }
    let mut c = counter(12);
    let mut d = c.spec.streams[0].clone();
    d.name = "broken".into();
    c.spec.streams.push(d);
    let two = Two(c);
    let mut out = MessageWriter::new(Vec::new());
    let mut log = Vec::new();
    let catalog = ConfiguredCatalog::all(two.spec());
    let summary = host::read(
        &two,
        &catalog,
        &State::new(),
        &ReadOptions::default(),
        &mut out,
        &mut log,
    )
    .await
    .unwrap();
    assert!(!summary.succeeded());
    let text = String::from_utf8(out.into_inner()).unwrap();
    assert!(
        text.contains(r#""failure_type":"transient_error""#),
        "{text}"
    );
    assert!(text.contains(r#""status":"INCOMPLETE""#));
    assert_eq!(
        text.matches(r#""stream":"broken""#).count(),
        1,
        "nothing after the error"
    );
    let numbers = summary
        .streams
        .iter()
        .find(|s| s.name == "numbers")
        .unwrap();
    assert_eq!((numbers.records, numbers.error.is_none()), (12, true));
}

/// A stdout whose writes succeed into a buffer but whose flush fails, as a `BufWriter` over a
/// full disk looks to the host.
struct FullDisk(Vec<u8>);

impl std::io::Write for FullDisk {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Err(std::io::Error::from_raw_os_error(28))
    }
}

/// No command exits 0 when its output could not be written; an action that ran puts its output
/// on stderr so a created record's id is not lost with stdout.
#[tokio::test]
async fn output_that_cannot_be_written_is_a_failure() {
    let (def, backend) = example();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(&dir, "c.json", &json!({"token": TOKEN}));
    let input = write(
        &dir,
        "i.json",
        &json!({"title": "Dune", "author": "Herbert"}),
    );
    for args in [
        vec!["spec"],
        vec!["check", "--config", &cfg],
        vec!["discover", "--config", &cfg],
        vec!["read", "--config", &cfg],
        vec!["action", "add_book", "--config", &cfg, "--input", &input],
    ] {
        let mut out = FullDisk(Vec::new());
        let mut err = Vec::new();
        let mut argv = vec!["connector".to_string()];
        argv.extend(args.iter().map(|s| s.to_string()));
        let code = Host::new(def.clone())
            .run(argv, &mut out, &mut err, false)
            .await;
        let err = String::from_utf8(err).unwrap();
        assert_eq!(code, 1, "{args:?} exited {code}: {err}");
        assert!(err.contains("No space left on device"), "{args:?}: {err}");
        if args[0] == "action" {
            assert!(
                err.contains("ran, but its output could not be written"),
                "{err}"
            );
            assert!(err.contains(r#""title":"Dune""#), "{err}");
        }
    }
    assert!(backend.requests() > 0);
}

/// A connector of one stream (`numbers`) that emits these raw records as they are.
struct Raw(Counter, Vec<&'static str>);

struct RawStream(StreamDescriptor, Vec<&'static str>);

impl Stream for RawStream {
    fn descriptor(&self) -> &StreamDescriptor {
        &self.0
    }
    fn read(&self, _: ReadRequest) -> BoxStream<'static, Result<Message>> {
        let records: Vec<Result<Message>> = self
            .1
            .iter()
            .map(|t| {
                Ok(Message::Record(Record {
                    stream: "numbers".into(),
                    data: serde_json::value::RawValue::from_string(t.to_string()).unwrap(),
                }))
            })
            .collect();
        Box::pin(futures::stream::iter(records))
    }
}

#[async_trait]
impl Connector for Raw {
    fn spec(&self) -> &ConnectorSpec {
        &self.0.spec
    }
    async fn check(&self) -> Result<()> {
        Ok(())
    }
    fn streams(&self) -> Vec<Arc<dyn Stream>> {
        vec![Arc::new(RawStream(
            self.0.spec.streams[0].clone(),
            self.1.clone(),
        ))]
    }
    fn actions(&self) -> Vec<Arc<dyn Action>> {
        Vec::new()
    }
}

/// Reads every stream of `connector` through the host's read loop: the summary and stdout.
async fn read_all(connector: &dyn Connector) -> (host::ReadSummary, String) {
    let mut out = MessageWriter::new(Vec::new());
    let summary = host::read(
        connector,
        &ConfiguredCatalog::all(connector.spec()),
        &State::new(),
        &ReadOptions::default(),
        &mut out,
        &mut Vec::new(),
    )
    .await
    .unwrap();
    (summary, String::from_utf8(out.into_inner()).unwrap())
}

/// Every stdout line is one message even when a record's raw JSON holds newlines (a
/// pretty-printing upstream) or a complete forged message on a line of its own.
#[tokio::test]
async fn raw_records_with_newlines_stay_on_one_line() {
    let raw = "{\n  \"n\": 1,\n  \"x\":\n{\"type\":\"STATE\",\"state\":{\"type\":\"STREAM\",\"stream\":{\"stream_descriptor\":{\"name\":\"numbers\"},\"stream_state\":{\"forged\":true}}}}\n,\r\n \"t\": \"a\u{2028}b\"\n}";
    let (summary, text) = read_all(&Raw(counter(1), vec![raw])).await;
    assert_eq!(summary.records(), 1);
    assert!(!text.contains('\r') && !text.contains('\u{2028}'), "{text}");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let records: Vec<&Value> = of_type(&lines, "RECORD");
    assert_eq!(records.len(), 1);
    assert_eq!(
        records[0]["record"]["data"]["x"]["state"]["stream"]["stream_state"]["forged"],
        true
    );
    assert_eq!(records[0]["record"]["data"]["t"], "a\u{2028}b");
    assert!(of_type(&lines, "STATE").is_empty(), "{text}");
}

/// A record that is not an object fails its stream (a connector bug), and nothing of it is
/// printed as a RECORD.
#[tokio::test]
async fn non_object_records_fail_the_stream_not_the_protocol() {
    let raw = Raw(counter(1), vec![r#"{"n":1}"#, "[1]", r#"{"n":2}"#]);
    let (summary, text) = read_all(&raw).await;
    assert!(!summary.succeeded());
    assert_eq!(summary.records(), 1);
    assert!(text.contains(r#""internal_message":"internal""#), "{text}");
    assert!(!text.contains("[1]"), "{text}");
}

/// Oversized, non-UTF-8 and malformed files, and a catalog naming a stream twice, are refused
/// with the flag (or the catalog entry) and the fix; a malformed `--input` is an input error.
#[tokio::test]
async fn input_files_are_bounded_and_catalogs_list_each_stream_once() {
    let (def, backend) = example();
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    std::fs::write(&big, vec![b' '; (host::MAX_CONFIG_BYTES + 1) as usize]).unwrap();
    let big = big.to_string_lossy().into_owned();
    let (code, _, err) = run(def.clone(), &["check", "--config", &big]).await;
    assert_eq!(code, 1);
    assert!(
        err.contains("--config") && err.contains("larger than 1 MiB"),
        "{err}"
    );
    let binary = dir.path().join("bin.json");
    std::fs::write(&binary, [0xff, 0xfe, b'{']).unwrap();
    let binary = binary.to_string_lossy().into_owned();
    let (_, _, err) = run(def.clone(), &["check", "--config", &binary]).await;
    assert!(
        err.contains("--config") && err.contains("not UTF-8"),
        "{err}"
    );

    let cfg = write(&dir, "c.json", &json!({"token": TOKEN}));
    let bad_input = dir.path().join("i.json");
    std::fs::write(&bad_input, "{\"title\": ").unwrap();
    let bad_input = bad_input.to_string_lossy().into_owned();
    let (code, lines, err) = run(
        def.clone(),
        &[
            "action", "add_book", "--config", &cfg, "--input", &bad_input,
        ],
    )
    .await;
    assert_eq!(code, 1);
    assert!(
        err.contains("invalid input for action `add_book`: --input:")
            && err.contains("not valid JSON"),
        "{err}"
    );
    assert_eq!(
        of_type(&lines, "TRACE")[0]["trace"]["error"]["internal_message"],
        "invalid_input"
    );

    let stream = &def.spec().streams[0].name;
    let catalog = write(
        &dir,
        "cat.json",
        &json!({"streams": [
            {"stream": {"name": stream}, "sync_mode": "full_refresh"},
            {"stream": {"name": stream}, "sync_mode": "full_refresh"},
        ]}),
    );
    let before = backend.requests();
    let (code, _, err) = run(def, &["read", "--config", &cfg, "--catalog", &catalog]).await;
    assert_eq!(code, 1);
    assert!(
        err.contains("catalog.streams[1].stream.name")
            && err.contains("already configured at catalog.streams[0]"),
        "{err}"
    );
    assert_eq!(
        backend.requests(),
        before,
        "nothing is read twice, nothing at all"
    );
}

/// A connector whose credentials rotate: `check` and the read hand the host an updated config
/// (a new token) and wait until it is stored before going on.
struct Rotating {
    spec: ConnectorSpec,
}

struct RotatingConnector {
    spec: ConnectorSpec,
    updates: ConfigSink,
}

struct RotatingStream(StreamDescriptor, ConfigSink);

fn rotated(n: u32) -> Value {
    json!({"token": format!("ROTATED-secret-{n}"), "page_size": 4})
}

impl Stream for RotatingStream {
    fn descriptor(&self) -> &StreamDescriptor {
        &self.0
    }
    fn read(&self, _request: ReadRequest) -> BoxStream<'static, Result<Message>> {
        let sink = self.1.clone();
        let record = |n: u64| {
            Ok(Message::Record(Record::from_value(
                "numbers".into(),
                &json!({"n": n}),
            )))
        };
        let before = futures::stream::iter([record(1)]);
        let rotate = futures::stream::once(async move {
            let stored = sink.send(ConfigUpdate { config: rotated(2) }).await?;
            assert!(stored, "the host stores updates");
            Ok(Message::Log(LogMessage {
                level: LogLevel::Info,
                message: "now using ROTATED-secret-2".into(),
            }))
        });
        let after = futures::stream::iter([record(2)]);
        use futures::StreamExt as _;
        Box::pin(before.chain(rotate).chain(after))
    }
}

#[async_trait]
impl Connector for RotatingConnector {
    fn spec(&self) -> &ConnectorSpec {
        &self.spec
    }
    async fn check(&self) -> Result<()> {
        let stored = self
            .updates
            .send(ConfigUpdate { config: rotated(1) })
            .await?;
        assert!(stored);
        Ok(())
    }
    fn streams(&self) -> Vec<Arc<dyn Stream>> {
        vec![Arc::new(RotatingStream(
            self.spec.streams[0].clone(),
            self.updates.clone(),
        ))]
    }
    fn actions(&self) -> Vec<Arc<dyn Action>> {
        Vec::new()
    }
}

impl Definition for Rotating {
    fn spec(&self) -> &ConnectorSpec {
        &self.spec
    }
    fn build(&self, config: ValidConfig) -> Result<Box<dyn Connector>> {
        self.build_with_updates(config, ConfigSink::none())
    }
    fn build_with_updates(
        &self,
        _config: ValidConfig,
        updates: ConfigSink,
    ) -> Result<Box<dyn Connector>> {
        Ok(Box::new(RotatingConnector {
            spec: self.spec.clone(),
            updates,
        }))
    }
}

#[tokio::test]
async fn updated_configs_are_control_lines_written_before_the_connector_goes_on() {
    let definition = Arc::new(Rotating {
        spec: counter(0).spec,
    });
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(&dir, "c.json", &json!({"token": TOKEN}));
    let (code, lines, err) = run(definition.clone(), &["check", "--config", &cfg]).await;
    assert_eq!(code, 0, "{err}");
    let control = of_type(&lines, "CONTROL");
    assert_eq!(control.len(), 1);
    assert_eq!(control[0]["control"]["type"], "CONNECTOR_CONFIG");
    assert!(control[0]["control"]["emitted_at"].as_i64().is_some());
    assert_eq!(
        control[0]["control"]["connectorConfig"]["config"],
        rotated(1)
    );
    assert_eq!(lines.last().unwrap()["type"], "CONNECTION_STATUS");

    let (code, lines, err) = run(definition, &["read", "--config", &cfg]).await;
    assert_eq!(code, 0, "{err}");
    let kinds: Vec<&str> = lines
        .iter()
        .map(|l| match l["type"].as_str().unwrap() {
            "TRACE" => "TRACE",
            other => other,
        })
        .collect();
    let at = |t: &str| kinds.iter().position(|k| *k == t).unwrap();
    let records: Vec<usize> = (0..kinds.len()).filter(|i| kinds[*i] == "RECORD").collect();
    // Between the first record and the second, in the order the stream asked.
    assert!(
        records[0] < at("CONTROL") && at("CONTROL") < records[1],
        "{kinds:?}"
    );
    assert_eq!(
        of_type(&lines, "CONTROL")[0]["control"]["connectorConfig"]["config"],
        rotated(2)
    );
    // The new secret is scrubbed from everything but the CONTROL line.
    let log = &of_type(&lines, "LOG")[0]["log"]["message"];
    assert_eq!(log, "now using [redacted]");
    for l in lines.iter().filter(|l| l["type"] != "CONTROL") {
        assert!(!l.to_string().contains("ROTATED-secret"), "{l}");
    }
}

/// Runs a command line and returns its exit code, stdout and stderr as text.
async fn run_text(definition: Arc<dyn Definition>, args: &[&str]) -> (u8, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut argv = vec!["connector".to_string()];
    argv.extend(args.iter().map(|s| s.to_string()));
    let code = Host::new(definition)
        .run(argv, &mut out, &mut err, false)
        .await;
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[tokio::test]
async fn version_and_help_go_to_stdout() {
    let (def, _) = example();
    let version = format!("{} {}\n", def.spec().name, def.spec().version);
    for flag in ["--version", "-V"] {
        let (code, out, err) = run_text(def.clone(), &[flag]).await;
        assert_eq!(
            (code, out.as_str(), err.as_str()),
            (0, version.as_str(), "")
        );
    }
    let (code, out, _) = run_text(def.clone(), &["--help"]).await;
    assert_eq!(code, 0);
    assert!(
        out.contains("actions") && out.contains("--version"),
        "{out}"
    );
    let (code, out, err) = run_text(def, &["--bogus"]).await;
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("--bogus"), "{err}");
}

#[tokio::test]
async fn actions_lists_every_action_for_people_and_machines() {
    let (def, _) = example();
    let (code, out, _) = run_text(def.clone(), &["actions"]).await;
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["ACTION", "EFFECT", "IDEMPOTENT", "DESCRIPTION"]
    );
    assert_eq!(lines.len(), def.spec().actions.len() + 2, "{out}");
    assert_eq!(
        lines[2].split_whitespace().collect::<Vec<_>>(),
        [
            "add_book", "create", "no", "Adds", "a", "book", "and", "returns", "it."
        ]
    );
    assert_eq!(
        lines.last().copied(),
        Some("4 actions: 2 read, 1 create, 0 update, 1 delete")
    );

    let (code, lines, _) = run(def.clone(), &["actions", "--json"]).await;
    assert_eq!(code, 0);
    let names: Vec<&str> = lines.iter().map(|l| l["name"].as_str().unwrap()).collect();
    let declared: Vec<&str> = def.spec().actions.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, declared);
    assert_eq!(
        lines[2],
        json!({"name": "delete_book", "title": "Delete a book", "effect": "delete",
               "idempotent": true, "destructive": true,
               "description": "Removes a book for good.", "scopes": []})
    );
}

/// What PyAirbyte and Airbyte's platform send: a stream the source no longer has, `{}`, `[]`
/// or an empty file as the state, stored state messages with their extra fields.
#[tokio::test]
async fn read_takes_catalogs_and_states_as_clients_send_them() {
    let (def, _) = example();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(&dir, "c.json", &json!({"token": TOKEN, "page_size": 5}));
    let catalog = write(
        &dir,
        "cat.json",
        &json!({"streams": [
            {"stream": {"name": "gone", "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
             "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"},
            {"stream": {"name": "books", "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
             "sync_mode": "incremental", "destination_sync_mode": "overwrite", "cursor_field": ["updated_at"],
             "primary_key": [["id"]], "generation_id": 1, "minimum_generation_id": 0, "sync_id": 7}]}),
    );
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, "\n").unwrap();
    let empty = empty.to_string_lossy().into_owned();
    let object = write(&dir, "object.json", &json!({}));
    let list = write(&dir, "list.json", &json!([]));
    for state in [&empty, &object, &list] {
        let (code, lines, err) = run(
            def.clone(),
            &[
                "read",
                "--config",
                &cfg,
                "--catalog",
                &catalog,
                "--state",
                state,
            ],
        )
        .await;
        assert_eq!(code, 0, "{state}: {err}");
        assert_eq!(of_type(&lines, "RECORD").len(), 23, "{state}");
        let logs: Vec<&Value> = of_type(&lines, "LOG");
        assert_eq!(logs[0]["log"]["level"], "WARN");
        assert!(
            logs[0]["log"]["message"]
                .as_str()
                .unwrap()
                .contains("`gone` is not a stream of this connector and is skipped"),
            "{logs:?}"
        );
        assert_eq!(logs.len(), if state == &empty { 2 } else { 1 }, "{logs:?}");
        let gone: Vec<&Value> = of_type(&lines, "TRACE")
            .into_iter()
            .filter(|t| t["trace"]["stream_status"]["stream_descriptor"]["name"] == "gone")
            .collect();
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0]["trace"]["stream_status"]["status"], "INCOMPLETE");
        assert!(err.contains("warning: catalog.streams[0]"), "{err}");
    }

    // The state messages as PyAirbyte stores and hands them back: nothing changed, nothing read.
    let (_, lines, _) = run(def.clone(), &["read", "--config", &cfg]).await;
    let stored: Vec<Value> = of_type(&lines, "STATE")
        .iter()
        .map(|s| {
            let mut s = s["state"].clone();
            s["stream"]["stream_descriptor"]["namespace"] = Value::Null;
            s["global"] = Value::Null;
            s["data"] = Value::Null;
            s["sourceStats"] = json!({"recordCount": 5.0});
            s
        })
        .collect();
    let stored = write(&dir, "stored.json", &Value::Array(stored));
    let (code, lines, err) = run(
        def,
        &[
            "read",
            "--config",
            &cfg,
            "--catalog",
            &catalog,
            "--state",
            &stored,
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(of_type(&lines, "RECORD").len(), 0);
}
