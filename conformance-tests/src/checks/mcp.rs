//! `mcp::*` (connectors with actions): the host's MCP server ([`connector_host::mcp`]) serves
//! the connector's declarations faithfully and safely, checked through a real MCP client
//! (rmcp's) over an in-process channel.
//!
//! - `tools_follow_declarations`: in each mode (read-only, `--allow-writes`, and with
//!   `--allow-deletes`) the listed tools are exactly the actions that mode serves (never one
//!   that touches local files), each with the action's title, input schema, output schema and
//!   description, and annotations from its effect; `initialize` names the connector.
//! - `writes_refused_by_default`: in the default mode every create, update and delete is a tool
//!   error naming the flag that enables it, and reaches no backend; an unknown tool is a protocol
//!   error, after which the session still works.
//! - `invalid_input_is_a_tool_error`: an invalid input to each read tool is a tool error naming
//!   the field, before any request.
//! - `sample_results`: every sampled read action, called as a tool, gives its output as
//!   structured content valid against the output schema (under `result` when that schema does
//!   not describe objects), with a text block (a summary line and the same JSON), and no secret
//!   of the config in either.
//! - `calls_share_the_pacer` (harnesses that log request instants): a tool-calling loop on
//!   the same connector as a full read of every stream: the read finishes, the calls succeed,
//!   and together they stay within the declared budget and draw no 429.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use connector_host::airbyte::{ConfiguredCatalog, MessageWriter};
use connector_host::mcp::{self, Exposure, McpOptions, McpServer};
use connector_host::{ReadOptions, read};
use connector_sdk::redact::Redactor;
use connector_sdk::validate::violations;
use connector_sdk::{ActionDescriptor, ActionEffect, Connector, ConnectorSpec, State};
use rmcp::model::{CallToolRequestParams, CallToolResult, Tool};
use rmcp::service::{RoleClient, RunningService, ServiceExt};
use serde_json::{Value, json};

use crate::checks::{actions, limits};
use crate::failure::{Failure, Outcome, ensure, fail};
use crate::harness::Harness;
use crate::support::{self, Session};
use crate::{Check, Plan};

/// An MCP client session with a server over `connector`, in this process.
pub struct Client {
    session: RunningService<RoleClient, ()>,
    server: tokio::task::JoinHandle<connector_sdk::Result<()>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").finish_non_exhaustive()
    }
}

impl Client {
    /// Starts a server over `connector` with `options` (the config's secrets removed from
    /// results) and initialises a client session with it.
    pub async fn start(
        connector: Arc<dyn Connector>,
        config: &Value,
        options: McpOptions,
    ) -> Result<Client, Failure> {
        let redactor = Redactor::from_config(connector.spec(), config);
        let server = McpServer::new(
            connector,
            Arc::new(std::sync::RwLock::new(redactor)),
            options,
        );
        let (ours, theirs) = tokio::io::duplex(1 << 20);
        let server = tokio::spawn(server.serve(tokio::io::split(theirs)));
        let session = ().serve(tokio::io::split(ours)).await.map_err(|e| {
            Failure::new(format!("the MCP client could not initialise a session: {e}"))
        })?;
        Ok(Client { session, server })
    }

    /// Every listed tool.
    pub async fn tools(&self) -> Result<Vec<Tool>, Failure> {
        self.session
            .list_all_tools()
            .await
            .map_err(|e| Failure::new(format!("tools/list failed: {e}")))
    }

    /// Calls `name` with `arguments` (an object); `Err` for a protocol error.
    pub async fn call(
        &self,
        name: &str,
        arguments: &Value,
    ) -> Result<CallToolResult, rmcp::ServiceError> {
        let mut params = CallToolRequestParams::new(name.to_string());
        if let Value::Object(map) = arguments {
            params = params.with_arguments(map.clone());
        }
        self.session.call_tool(params).await
    }

    /// The server's `initialize` answer.
    pub fn server_info(&self) -> Option<Arc<rmcp::model::ServerPeerInfo>> {
        self.session.peer_info()
    }

    /// Closes the session; the server must then stop without an error.
    pub async fn close(self) -> Outcome {
        let _ = self.session.cancel().await;
        match tokio::time::timeout(Duration::from_secs(10), self.server).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(e))) => fail!("the MCP server ended with an error: {e}"),
            Ok(Err(e)) => fail!("the MCP server task panicked: {e}"),
            Err(_) => fail!("the MCP server did not stop within 10 s of the client closing"),
        }
    }
}

/// The text of a result's text blocks, joined.
pub fn text_of(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The three modes, as the CLI's flags name them.
fn modes() -> [(&'static str, McpOptions); 3] {
    [
        ("the default (read-only) mode", McpOptions::default()),
        (
            "--allow-writes",
            McpOptions {
                allow_writes: true,
                ..McpOptions::default()
            },
        ),
        (
            "--allow-writes --allow-deletes",
            McpOptions {
                allow_writes: true,
                allow_deletes: true,
                ..McpOptions::default()
            },
        ),
    ]
}

fn connect_shared(session: &Session) -> Result<Arc<dyn Connector>, Failure> {
    Ok(Arc::from(session.connect()?))
}

/// What is wrong with `tool` as the tool of `action`.
fn tool_problems(action: &ActionDescriptor, tool: &Tool, options: &McpOptions) -> Vec<String> {
    let mut p = Vec::new();
    let name = &action.name;
    if Value::Object((*tool.input_schema).clone()) != action.input_schema {
        p.push(format!("`{name}`: its inputSchema is not the action's input schema"));
    }
    let want_output = Value::Object(mcp::output_schema(action));
    match &tool.output_schema {
        None => p.push(format!("`{name}`: no outputSchema")),
        Some(s) if Value::Object((**s).clone()) != want_output => p.push(format!(
            "`{name}`: its outputSchema is not the action's output schema{}",
            if mcp::wraps_output(action) { " under `result`" } else { "" }
        )),
        Some(_) => {}
    }
    if tool.title.as_deref() != Some(action.title.as_str()) {
        p.push(format!("`{name}`: title {:?}, not the action's", tool.title));
    }
    let description = tool.description.as_deref().unwrap_or_default();
    if !description.starts_with(action.description.trim().trim_end_matches('.')) {
        p.push(format!("`{name}`: its description does not start with the action's"));
    }
    if *description != mcp::description(action, options) {
        p.push(format!("`{name}`: its description is not the one the host writes for it"));
    }
    let a = tool.annotations.clone().unwrap_or_default();
    let expect = [
        ("readOnlyHint", a.read_only_hint, action.effect == ActionEffect::Read),
        ("destructiveHint", a.destructive_hint, action.effect == ActionEffect::Delete),
        ("idempotentHint", a.idempotent_hint, action.idempotent),
        ("openWorldHint", a.open_world_hint, true),
    ];
    for (hint, got, want) in expect {
        if got != Some(want) {
            p.push(format!("`{name}`: {hint} is {got:?}, the declaration says {want}"));
        }
    }
    p
}

/// `mcp::tools_follow_declarations`.
pub async fn tools_follow_declarations(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let spec = session.spec().clone();
    let mut p = Vec::new();
    for (mode, options) in modes() {
        let client = Client::start(connect_shared(&session)?, &session.config, options.clone())
            .await?;
        match client.server_info() {
            None => p.push(format!("{mode}: the client saw no initialize answer")),
            Some(info) => {
                if info.capabilities.tools.is_none() {
                    p.push(format!("{mode}: initialize declares no tools capability"));
                }
                match &info.server_info {
                    Some(i) if i.name == spec.name && i.version == spec.version => {}
                    other => p.push(format!(
                        "{mode}: serverInfo {other:?} does not name `{}` {}",
                        spec.name, spec.version
                    )),
                }
                if info.instructions.as_deref().is_none_or(str::is_empty) {
                    p.push(format!("{mode}: initialize gives no instructions"));
                }
            }
        }
        let tools = client.tools().await?;
        let listed: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
        let want: Vec<&str> = spec
            .actions
            .iter()
            .filter(|a| Exposure::of(a, &options) == Exposure::Served)
            .map(|a| a.name.as_str())
            .collect();
        if listed != want {
            let l: BTreeSet<&str> = listed.iter().copied().collect();
            let w: BTreeSet<&str> = want.iter().copied().collect();
            p.push(format!(
                "{mode}: the tools listed are not the actions it serves, in order: extra {:?}, missing {:?}",
                l.difference(&w).collect::<Vec<_>>(),
                w.difference(&l).collect::<Vec<_>>()
            ));
        }
        for t in &tools {
            let Some(a) = spec.action(&t.name) else {
                p.push(format!("{mode}: tool `{}` is no declared action", t.name));
                continue;
            };
            if a.local_files {
                p.push(format!("{mode}: `{}` touches local files but is served", a.name));
            }
            let ok_effect = match a.effect {
                ActionEffect::Read => true,
                ActionEffect::Create | ActionEffect::Update => options.allow_writes,
                ActionEffect::Delete => options.allow_writes && options.allow_deletes,
            };
            if !ok_effect {
                p.push(format!("{mode}: `{}` ({:?}) is served", a.name, a.effect));
            }
            p.extend(tool_problems(a, t, &options).into_iter().map(|e| format!("{mode}: {e}")));
        }
        client.close().await?;
    }
    Failure::from_problems("the MCP tools do not follow the declarations", p)
}

/// An input for `action` as MCP arguments (an object): [`actions::base_input`]'s, else `{}`.
fn some_input(h: &dyn Harness, action: &ActionDescriptor) -> Value {
    Some(actions::base_input(h, action).0)
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}))
}

/// `mcp::writes_refused_by_default`.
pub async fn writes_refused_by_default(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let spec: ConnectorSpec = session.spec().clone();
    let client =
        Client::start(connect_shared(&session)?, &session.config, McpOptions::default()).await?;
    let mut p = Vec::new();
    for a in spec.actions.iter().filter(|a| a.effect != ActionEffect::Read) {
        let flag = match a.effect {
            ActionEffect::Delete => "--allow-deletes",
            _ => "--allow-writes",
        };
        let input = some_input(h, a);
        let before = session.requests().await?;
        let result = client.call(&a.name, &input).await;
        let after = session.requests().await?;
        match result {
            Err(e) => p.push(format!("`{}`: a protocol error instead of a tool error: {e}", a.name)),
            Ok(r) if r.is_error != Some(true) => {
                p.push(format!("`{}` ran in the default mode: {:.200}", a.name, text_of(&r)))
            }
            Ok(r) => {
                let text = text_of(&r);
                if !a.local_files && !text.contains(flag) {
                    p.push(format!("`{}`: the refusal does not name {flag}: {text}", a.name));
                }
            }
        }
        if let (Some(b), Some(n)) = (before, after)
            && n != b
        {
            p.push(format!("`{}`: the refused call sent {} request(s)", a.name, n - b));
        }
    }
    match client.call("conformance_no_such_tool", &json!({})).await {
        Ok(r) => p.push(format!(
            "an unknown tool gave a result, not a protocol error: {:.200}",
            text_of(&r)
        )),
        Err(rmcp::ServiceError::McpError(e)) if e.code == rmcp::model::ErrorCode::INVALID_PARAMS => {}
        Err(e) => p.push(format!("an unknown tool gave {e}, not error -32602")),
    }
    if let Err(e) = client.tools().await {
        p.push(format!("the session no longer works after the refusals: {e}"));
    }
    client.close().await?;
    Failure::from_problems("writes are not refused cleanly in the default mode", p)
}

/// `mcp::invalid_input_is_a_tool_error`.
pub async fn invalid_input_is_a_tool_error(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let spec = session.spec().clone();
    let client =
        Client::start(connect_shared(&session)?, &session.config, McpOptions::default()).await?;
    let mut p = Vec::new();
    let mut tried = 0;
    for a in spec
        .actions
        .iter()
        .filter(|a| Exposure::of(a, &McpOptions::default()) == Exposure::Served)
    {
        let (base, valid) = actions::base_input(h, a);
        // MCP arguments are an object: the first invalid case that is one.
        let Some(case) = actions::invalid_inputs(&a.input_schema, &base, valid)
            .into_iter()
            .find(|c| c.input.is_object())
        else {
            continue;
        };
        tried += 1;
        let before = session.requests().await?;
        let result = client.call(&a.name, &case.input).await;
        let after = session.requests().await?;
        match result {
            Err(e) => p.push(format!(
                "`{}` {}: a protocol error instead of a tool error: {e}",
                a.name, case.label
            )),
            Ok(r) if r.is_error != Some(true) => p.push(format!(
                "`{}` {}: accepted: {:.200}",
                a.name,
                case.label,
                text_of(&r)
            )),
            Ok(r) => {
                let text = text_of(&r);
                if let Some(field) = &case.field {
                    let leaf = field.rsplit('.').next().unwrap_or(field);
                    if !text.contains(leaf) {
                        p.push(format!(
                            "`{}` {}: the error does not name `{field}`: {text}",
                            a.name, case.label
                        ));
                    }
                }
            }
        }
        if let (Some(b), Some(n)) = (before, after)
            && n != b
        {
            p.push(format!(
                "`{}` {}: {} request(s) before the input was refused",
                a.name,
                case.label,
                n - b
            ));
        }
    }
    ensure!(
        tried > 0 || spec.actions.iter().all(|a| a.effect != ActionEffect::Read),
        "no read tool had an invalid input to try"
    );
    client.close().await?;
    Failure::from_problems("invalid tool inputs are not tool errors", p)
}

/// `mcp::sample_results`.
pub async fn sample_results(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let spec = session.spec().clone();
    let secrets = Redactor::from_config(&spec, &session.config);
    let client =
        Client::start(connect_shared(&session)?, &session.config, McpOptions::default()).await?;
    let samples = h.action_samples();
    let mut p = Vec::new();
    for a in spec
        .actions
        .iter()
        .filter(|a| Exposure::of(a, &McpOptions::default()) == Exposure::Served)
    {
        for (i, input) in samples.get(&a.name).into_iter().flatten().enumerate() {
            let what = format!("`{}` sample #{i}", a.name);
            let r = match client.call(&a.name, input).await {
                Err(e) => {
                    p.push(format!("{what}: protocol error {e}"));
                    continue;
                }
                Ok(r) => r,
            };
            let text = text_of(&r);
            if secrets.leaks(&text)
                || r.structured_content
                    .as_ref()
                    .is_some_and(|s| secrets.leaks(&s.to_string()))
            {
                p.push(format!("{what}: the result carries a secret of the config"));
            }
            if r.is_error == Some(true) {
                p.push(format!("{what}: a tool error: {text:.300}"));
                continue;
            }
            let Some(structured) = &r.structured_content else {
                p.push(format!("{what}: no structuredContent"));
                continue;
            };
            let schema = Value::Object(mcp::output_schema(a));
            for v in violations(&schema, structured).map_err(Failure::new)? {
                p.push(format!("{what}: structuredContent {}: {}", v.path, v.reason));
            }
            let output = match (mcp::wraps_output(a), structured.get(mcp::RESULT_FIELD)) {
                (false, _) => structured,
                (true, Some(inner)) => inner,
                (true, None) => {
                    p.push(format!("{what}: the output is not under `{}`", mcp::RESULT_FIELD));
                    continue;
                }
            };
            let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
            if first != mcp::summary_line(a, output) {
                p.push(format!("{what}: the text does not start with its summary line: {first:.200}"));
            }
            match serde_json::from_str::<Value>(rest) {
                Ok(v) if &v == structured => {}
                Ok(_) => p.push(format!("{what}: the text's JSON is not the structuredContent")),
                Err(e) => p.push(format!("{what}: the text after the summary is not JSON: {e}")),
            }
        }
    }
    client.close().await?;
    Failure::from_problems("sampled tool results are not faithful", p)
}

/// How many tool-calling loops run beside the read in `calls_share_the_pacer`.
pub const LOOPS: usize = 3;

/// `mcp::calls_share_the_pacer`.
pub async fn calls_share_the_pacer(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let spec = session.spec().clone();
    let limit = limits::limit_for(&session)?;
    let window = session.backend.rate_limit_window(limit.window());
    // A cheap read tool and its input: the first sampled read action.
    let samples = h.action_samples();
    let Some((tool, input)) = spec
        .actions
        .iter()
        .filter(|a| Exposure::of(a, &McpOptions::default()) == Exposure::Served)
        .find_map(|a| samples.get(&a.name)?.first().map(|i| (a.name.clone(), i.clone())))
    else {
        fail!("no sampled read action to call in a loop");
    };
    let connector = connect_shared(&session)?;
    let Some(before) = session.backend.request_instants().await else {
        fail!("Backend::request_instants returned None");
    };
    let limited_before = session.backend.rate_limited().await;
    let client = Arc::new(Client::start(connector.clone(), &session.config, McpOptions::default()).await?);
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let catalog = ConfiguredCatalog::all(&spec);
    let reader = connector.clone();
    let finished = done.clone();
    let read_task = support::on_own_thread(move || async move {
        let mut sink = MessageWriter::new(std::io::sink());
        let summary = read(
            reader.as_ref(),
            &catalog,
            &State::new(),
            &ReadOptions::default(),
            &mut sink,
            &mut std::io::sink(),
        )
        .await;
        finished.store(true, std::sync::atomic::Ordering::SeqCst);
        summary
    });
    let loops = (0..LOOPS).map(|_| {
        let client = client.clone();
        let done = done.clone();
        let (tool, input) = (tool.clone(), input.clone());
        async move {
            let mut calls = 0usize;
            let mut errors = Vec::new();
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                match client.call(&tool, &input).await {
                    Ok(r) if r.is_error != Some(true) => calls += 1,
                    Ok(r) => errors.push(text_of(&r)),
                    Err(e) => errors.push(e.to_string()),
                }
                if errors.len() > 3 {
                    break;
                }
            }
            (calls, errors)
        }
    });
    let (summary, loops) = tokio::join!(read_task, futures::future::join_all(loops));
    let summary = summary?.map_err(|e| Failure::new(format!("the read failed: {e}")))?;
    ensure!(summary.succeeded(), "the read beside the tool calls failed:\n{}", summary.render());
    let calls: usize = loops.iter().map(|(c, _)| c).sum();
    let errors: Vec<&String> = loops.iter().flat_map(|(_, e)| e).collect();
    ensure!(errors.is_empty(), "tool calls beside the read failed: {errors:?}");
    ensure!(calls > 0, "no tool call completed while the read ran: the calls were starved");
    match Arc::try_unwrap(client) {
        Ok(c) => c.close().await?,
        Err(_) => fail!("a tool-calling loop outlived the check"),
    }
    let Some(all) = session.backend.request_instants().await else {
        fail!("Backend::request_instants returned None");
    };
    let log: Vec<Duration> = all.get(before.len()..).unwrap_or_default().to_vec();
    if let Some((i, level)) = limits::bucket_overflow(&log, limit.requests, window) {
        fail!(
            "with {calls} tool calls beside the read, request #{i} of {} overflowed the declared budget of {} per {window:?} (bucket {level:.2})",
            log.len(),
            limit.requests
        );
    }
    if session.caps.counts_rate_limited
        && let (Some(b), Some(a)) = (limited_before, session.backend.rate_limited().await)
    {
        ensure!(a == b, "the backend answered {} request(s) with 429", a - b);
    }
    Ok(())
}

/// The family name.
pub const FAMILY: &str = "mcp";

/// The `mcp::*` checks, for a connector with actions: `tools_follow_declarations`,
/// `invalid_input_is_a_tool_error`; `writes_refused_by_default` when it has writes;
/// `sample_results` when a read action is sampled; `calls_share_the_pacer` when the harness
/// logs request instants and the spec declares a rate limit.
pub fn register(plan: &Plan) -> Vec<Check> {
    if plan.spec.actions.is_empty() {
        return Vec::new();
    }
    let mut out = vec![
        plain!(FAMILY, "tools_follow_declarations", tools_follow_declarations),
        plain!(FAMILY, "invalid_input_is_a_tool_error", invalid_input_is_a_tool_error),
    ];
    if plan.spec.actions.iter().any(|a| a.effect != ActionEffect::Read) {
        out.push(plain!(FAMILY, "writes_refused_by_default", writes_refused_by_default));
    }
    let sampled_read = plan
        .sampled_actions()
        .any(|a| Exposure::of(a, &McpOptions::default()) == Exposure::Served);
    if sampled_read {
        out.push(plain!(FAMILY, "sample_results", sample_results));
        if plan.capabilities.logs_request_instants && !plan.spec.rate_limits.is_empty() {
            out.push(plain!(FAMILY, "calls_share_the_pacer", calls_share_the_pacer));
        }
    }
    out
}
