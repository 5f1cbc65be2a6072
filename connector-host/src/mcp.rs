//! Any connector's actions served as Model Context Protocol tools (`<binary> mcp`).
//!
//! Every action the connector declares becomes one tool, made from its [`ActionDescriptor`] and
//! nothing else: the tool's name and title are the action's, its `inputSchema` the action's
//! input schema, its `outputSchema` the action's output schema, its annotations follow the
//! declared effect (read: `readOnlyHint`; delete: `destructiveHint`; `idempotentHint` as
//! declared; every tool `openWorldHint`, since each one talks to the service), and its
//! description is the action's, followed by what a model needs to use it well: what it changes,
//! whether a retry is safe, how to page on (see [`tool`]).
//!
//! **Safe by default** ([`McpOptions`]): without `--allow-writes` only read tools are listed;
//! with it creates and updates too; deletes also need `--allow-deletes`. A call to a tool that
//! is not enabled is a tool error (`isError: true`) naming the flag, not a protocol error, so a
//! model can tell its user. Actions that read or write files on the server's machine
//! ([`ActionDescriptor::local_files`]) are never served: an agent must not be able to upload
//! `~/.ssh/id_rsa` or overwrite a file.
//!
//! **A call** ([`McpServer::call`]): the input is validated against the input schema before any
//! request ([`ActionExt::invoke`]; an invalid one is a tool error naming the field, as SEP-1303
//! of the MCP specification asks, so a model can correct itself); the action runs on the
//! connector the server was given, so every call goes through that account's one client and
//! pacer, shared with whatever else uses the same connector (a sync in the same process); at
//! most [`McpOptions::max_concurrent_calls`] run at once. The output has every secret of the
//! config removed, is refused when its JSON is larger than [`McpOptions::max_result_bytes`]
//! (the message says to ask for a smaller page); at most [`MAX_CALLS_IN_FLIGHT`] calls are held at
//! once (the next is refused at once); the output is returned as `structuredContent` with a
//! text block: one summary line ([`summary_line`]) then the JSON, since the specification asks
//! servers returning structured content to serialise it in a text block too, for clients that
//! only read text. Errors are tool errors carrying the connector's actionable message, secrets
//! removed; an unknown tool name is the protocol error `-32602` the specification prescribes.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
    ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use serde_json::{Map, Value};
use tokio::sync::Semaphore;

use connector_sdk::connector::{Action, ActionExt, Connector};
use connector_sdk::error::{Error, Result};
use connector_sdk::redact::Redactor;
use connector_sdk::spec::{ActionDescriptor, ActionEffect, ConnectorSpec};

/// The most bytes of one tool result's JSON, by default: 512 KiB, a page of 100 large records.
pub const DEFAULT_MAX_RESULT_BYTES: usize = 512 << 10;

/// How many tool calls run at once, by default (the others wait their turn).
pub const DEFAULT_MAX_CONCURRENT_CALLS: usize = 4;

/// The most tool calls in flight (running, or waiting for one of the
/// [`McpOptions::max_concurrent_calls`] turns); a call beyond them is refused at once (a tool
/// error asking to wait for answers), so a client that sends without reading the answers cannot
/// make the server hold an unbounded queue.
pub const MAX_CALLS_IN_FLIGHT: usize = 64;

/// What the server serves and how much it returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McpOptions {
    /// Serve create and update tools (`--allow-writes`).
    pub allow_writes: bool,
    /// Serve delete tools too (`--allow-deletes`; only with `allow_writes`).
    pub allow_deletes: bool,
    /// The most bytes of a result's JSON; a larger result is a tool error asking for less.
    pub max_result_bytes: usize,
    /// The most tool calls running at once.
    pub max_concurrent_calls: usize,
}

impl Default for McpOptions {
    /// Read tools only, [`DEFAULT_MAX_RESULT_BYTES`], [`DEFAULT_MAX_CONCURRENT_CALLS`].
    fn default() -> Self {
        McpOptions {
            allow_writes: false,
            allow_deletes: false,
            max_result_bytes: DEFAULT_MAX_RESULT_BYTES,
            max_concurrent_calls: DEFAULT_MAX_CONCURRENT_CALLS,
        }
    }
}

/// Whether an action is served as a tool under some options, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposure {
    /// Listed and callable.
    Served,
    /// A create or update: needs `--allow-writes`.
    NeedsWrites,
    /// A delete: needs `--allow-writes --allow-deletes`.
    NeedsDeletes,
    /// Reads or writes local files: never served.
    LocalFiles,
}

impl Exposure {
    /// The decision for `action` under `options` (pure).
    pub fn of(action: &ActionDescriptor, options: &McpOptions) -> Exposure {
        if action.local_files {
            return Exposure::LocalFiles;
        }
        match action.effect {
            ActionEffect::Read => Exposure::Served,
            ActionEffect::Create | ActionEffect::Update if options.allow_writes => Exposure::Served,
            ActionEffect::Create | ActionEffect::Update => Exposure::NeedsWrites,
            ActionEffect::Delete if options.allow_writes && options.allow_deletes => {
                Exposure::Served
            }
            ActionEffect::Delete => Exposure::NeedsDeletes,
        }
    }

    /// What a caller of a tool that is not served is told: why, and the fix.
    pub fn refusal(self, tool: &str) -> Option<String> {
        match self {
            Exposure::Served => None,
            Exposure::NeedsWrites => Some(format!(
                "`{tool}` changes data and this server is read-only: it was started without --allow-writes. Ask the user to restart the server with --allow-writes to enable creates and updates"
            )),
            Exposure::NeedsDeletes => Some(format!(
                "`{tool}` deletes data and this server does not serve deletes: it was started without --allow-deletes. Ask the user to restart the server with --allow-writes --allow-deletes to enable deletes"
            )),
            Exposure::LocalFiles => Some(format!(
                "`{tool}` reads or writes files on the server's machine, which this server never lets a client do; run it with the connector's `action` command instead"
            )),
        }
    }
}

/// Whether an action is a paged list: its input takes a `cursor` and its output is a page
/// (`data` and `next_cursor`).
fn is_paged(action: &ActionDescriptor) -> bool {
    let has = |schema: &Value, field: &str| {
        schema
            .get("properties")
            .and_then(|p| p.get(field))
            .is_some()
    };
    has(&action.input_schema, "cursor")
        && has(&action.output_schema, "data")
        && has(&action.output_schema, "next_cursor")
}

/// Whether the input takes a `limit`.
fn takes_limit(action: &ActionDescriptor) -> bool {
    action
        .input_schema
        .get("properties")
        .and_then(|p| p.get("limit"))
        .is_some()
}

/// The description a model reads: the action's own, then what it changes and whether a retry
/// is safe, how to page on (paged lists), and the size bound.
pub fn description(action: &ActionDescriptor, options: &McpOptions) -> String {
    let mut text = action.description.trim().to_string();
    if !text.ends_with('.') {
        text.push('.');
    }
    text.push_str("\n\n");
    text.push_str(match (action.effect, action.idempotent) {
        (ActionEffect::Read, _) => "Reads only: changes nothing, safe to call as often as needed.",
        (ActionEffect::Create, false) => {
            "Creates data in the service: calling it twice creates twice, so do not retry it blindly after an error; check first whether the first call took effect."
        }
        (ActionEffect::Create, true) => {
            "Creates data in the service; calling it again with the same input has no further effect."
        }
        (ActionEffect::Update, true) => {
            "Changes existing data in the service; calling it again with the same input has the same effect as once."
        }
        (ActionEffect::Update, false) => {
            "Changes existing data in the service; calling it again may change it again."
        }
        (ActionEffect::Delete, _) => {
            "Deletes data in the service, usually for good: confirm with the user before calling it."
        }
    });
    if is_paged(action) {
        text.push_str(
            " Returns one page: `data` (the records) and `next_cursor`. To read on, call it again with the same arguments and `cursor` set to `next_cursor`; a null `next_cursor` means this was the last page.",
        );
    }
    if takes_limit(action) {
        text.push_str(&format!(
            " A result larger than {} KiB is refused: ask for fewer records with `limit`.",
            options.max_result_bytes >> 10
        ));
    }
    text
}

/// Whether a JSON Schema's root says its instances are objects (MCP requires both of a tool's
/// schemas to).
fn describes_objects(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("object")
}

/// A JSON Schema as the object MCP wants, if it is one whose instances are objects.
fn object_schema(schema: &Value) -> Option<Map<String, Value>> {
    describes_objects(schema)
        .then(|| schema.as_object().cloned())
        .flatten()
}

/// The field a tool result puts an output under when the action's output schema does not
/// make it an object (MCP's `structuredContent` and `outputSchema` must be objects).
pub const RESULT_FIELD: &str = "result";

/// Whether results of `action` are wrapped as `{"result": output}`: its output schema's root is
/// not `type: object` (a bare array, or a choice of shapes).
pub fn wraps_output(action: &ActionDescriptor) -> bool {
    !describes_objects(&action.output_schema)
}

/// The tool's `outputSchema`: the action's output schema when it describes objects; otherwise
/// an object whose one required field `result` holds the output (its `$defs` moved to the root,
/// so its `$ref`s still resolve).
pub fn output_schema(action: &ActionDescriptor) -> Map<String, Value> {
    if let Some(schema) = object_schema(&action.output_schema) {
        return schema;
    }
    let mut inner = action
        .output_schema
        .as_object()
        .cloned()
        .unwrap_or_default();
    let schema_uri = inner.remove("$schema");
    let defs = inner.remove("$defs");
    let title = inner.get("title").cloned();
    let mut outer = Map::new();
    if let Some(uri) = schema_uri {
        outer.insert("$schema".into(), uri);
    }
    if let Some(title) = title {
        outer.insert("title".into(), title);
    }
    outer.insert("type".into(), Value::String("object".into()));
    outer.insert(
        "description".into(),
        Value::String(format!(
            "The action's output under `{RESULT_FIELD}` (MCP results are objects)."
        )),
    );
    outer.insert("required".into(), serde_json::json!([RESULT_FIELD]));
    let mut props = Map::new();
    props.insert(RESULT_FIELD.into(), Value::Object(inner));
    outer.insert("properties".into(), Value::Object(props));
    outer.insert("additionalProperties".into(), Value::Bool(false));
    if let Some(defs) = defs {
        outer.insert("$defs".into(), defs);
    }
    outer
}

/// The tool for `action`: name, title, [`description`], the action's input schema, its
/// [`output_schema`], and annotations from its effect.
pub fn tool(action: &ActionDescriptor, options: &McpOptions) -> Tool {
    let input = object_schema(&action.input_schema).unwrap_or_else(|| {
        // An action input is always an object; an SDK connector cannot declare otherwise
        // (the conformance suite checks it). Stay valid for MCP anyway.
        let mut m = Map::new();
        m.insert("type".into(), Value::String("object".into()));
        m
    });
    let mut tool = Tool::new(
        action.name.clone(),
        description(action, options),
        Arc::new(input),
    );
    tool.title = Some(action.title.clone());
    tool.output_schema = Some(Arc::new(output_schema(action)));
    tool.annotations = Some(
        ToolAnnotations::with_title(action.title.clone())
            .read_only(action.effect == ActionEffect::Read)
            .destructive(action.effect.is_destructive())
            .idempotent(action.idempotent)
            .open_world(true),
    );
    tool
}

/// The most characters of a cursor the summary line repeats.
const CURSOR_CHARS: usize = 200;

/// The most parts of an object the summary line names.
const SUMMARY_PARTS: usize = 6;

/// How a page (`{data, next_cursor}`) or a record list (`{data}`) reads in a summary, e.g.
/// `3 records on this page, more with next_cursor`; `None` for anything else.
fn page_words(value: &Value) -> Option<(usize, Option<&Value>)> {
    let map = value.as_object()?;
    let data = map.get("data")?.as_array()?;
    Some((data.len(), map.get("next_cursor")))
}

fn records(n: usize) -> String {
    match n {
        1 => "1 record".to_string(),
        n => format!("{n} records"),
    }
}

/// Whether the output schema declares `field` (top level) as possibly an object.
fn declares_object(action: &ActionDescriptor, field: &str) -> bool {
    let Some(schema) = action
        .output_schema
        .get("properties")
        .and_then(|p| p.get(field))
    else {
        return false;
    };
    let has_object = |s: &Value| match s.get("type") {
        Some(Value::String(t)) => t == "object",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "object"),
        _ => false,
    };
    has_object(schema)
        || ["anyOf", "oneOf"].iter().any(|k| {
            schema
                .get(*k)
                .and_then(Value::as_array)
                .is_some_and(|branches| branches.iter().any(has_object))
        })
}

/// The one line a text-only client sees first: for a page, how many records and how to go on;
/// for an acknowledgement, the status; for a record, its id; for an object of several parts
/// (a composite's answer), each part in a few words (a record's id, a page's size, a number).
pub fn summary_line(action: &ActionDescriptor, output: &Value) -> String {
    let title = &action.title;
    if let Some((n, next)) = page_words(output) {
        let records = records(n);
        return match next {
            Some(Value::String(c)) if c.chars().count() <= CURSOR_CHARS => format!(
                "{title}: {records} on this page; more: call `{}` again with cursor = \"{c}\".",
                action.name
            ),
            Some(Value::String(_)) => format!(
                "{title}: {records} on this page; more: call `{}` again with `cursor` set to the `next_cursor` below.",
                action.name
            ),
            Some(Value::Null) => format!("{title}: {records}; this is the last page."),
            _ => format!("{title}: {records}."),
        };
    }
    let map = match output {
        Value::Object(map) => map,
        Value::Array(items) => return format!("{title}: {}.", records(items.len())),
        _ => return format!("{title}: done."),
    };
    if map.get("ok") == Some(&Value::Bool(true)) {
        return match map.get("status").and_then(Value::as_u64) {
            Some(status) => format!("{title}: done (HTTP {status})."),
            None => format!("{title}: done."),
        };
    }
    if let Some(id @ (Value::Number(_) | Value::String(_))) = map.get("id") {
        return format!("{title}: id {id}.");
    }
    let mut parts = Vec::new();
    for (field, value) in map {
        let part = match value {
            // A missing record says something ("no customer"); a missing bound does not.
            Value::Null if declares_object(action, field) => format!("no {field}"),
            Value::Number(n) => format!("{field} {n}"),
            Value::Bool(b) => format!("{field} {b}"),
            Value::Object(o) => match (page_words(value), o.get("id")) {
                (Some((n, Some(Value::String(_)))), _) => {
                    format!(
                        "{field}: {} on this page, more with its next_cursor",
                        records(n)
                    )
                }
                (Some((n, _)), _) => format!("{field}: {}", records(n)),
                (None, Some(id @ (Value::Number(_) | Value::String(_)))) => {
                    format!("{field} id {id}")
                }
                _ => continue,
            },
            _ => continue,
        };
        parts.push(part);
        if parts.len() == SUMMARY_PARTS {
            break;
        }
    }
    if parts.is_empty() {
        format!("{title}: done.")
    } else {
        format!("{title}: {}.", parts.join("; "))
    }
}

/// The secrets removed from every result; a connector whose credentials rotate adds the new
/// ones (the host's config sink does).
pub type SharedRedactor = Arc<RwLock<Redactor>>;

/// An MCP server over one connector (one account): tools from its declared actions.
pub struct McpServer {
    connector: Arc<dyn Connector>,
    /// The connector's actions by name, bound once.
    actions: HashMap<String, Arc<dyn Action>>,
    redactor: SharedRedactor,
    options: McpOptions,
    tools: Vec<Tool>,
    permits: Arc<Semaphore>,
    in_flight: Arc<Semaphore>,
}

impl std::fmt::Debug for McpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpServer")
            .field("connector", &self.connector.spec().name)
            .field("options", &self.options)
            .field("tools", &self.tools.len())
            .finish_non_exhaustive()
    }
}

impl McpServer {
    /// A server for `connector` (share it with a sync to share its pacer), removing `redactor`'s
    /// secrets from every result.
    pub fn new(
        connector: Arc<dyn Connector>,
        redactor: SharedRedactor,
        options: McpOptions,
    ) -> Self {
        let tools = connector
            .spec()
            .actions
            .iter()
            .filter(|a| Exposure::of(a, &options) == Exposure::Served)
            .map(|a| tool(a, &options))
            .collect();
        let actions = connector
            .actions()
            .into_iter()
            .map(|a| (a.descriptor().name.clone(), a))
            .collect();
        let permits = Arc::new(Semaphore::new(options.max_concurrent_calls.max(1)));
        let in_flight = Arc::new(Semaphore::new(MAX_CALLS_IN_FLIGHT));
        McpServer {
            connector,
            actions,
            redactor,
            options,
            tools,
            permits,
            in_flight,
        }
    }

    /// The tools served, in the order the connector declares its actions.
    pub fn tools(&self) -> &[Tool] {
        &self.tools
    }

    /// The server's `initialize` answer: tools capability, name and version from the spec,
    /// instructions for the model.
    pub fn config(&self) -> ServerConfig {
        let spec = self.connector.spec();
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new(spec.name.clone(), spec.version.clone())
                    .with_title(spec.title.clone()),
            )
            .with_instructions(instructions(spec, &self.options, self.tools.len()))
    }

    /// The redactor as it is now (a poisoned lock still holds every secret added before).
    fn redactor(&self) -> std::sync::RwLockReadGuard<'_, Redactor> {
        self.redactor
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn scrub(&self, text: &str) -> String {
        self.redactor().scrub(text).into_owned()
    }

    fn failure(&self, text: &str) -> CallToolResult {
        CallToolResult::error(vec![ContentBlock::text(self.scrub(text))])
    }

    /// Runs one tool call. `Err` only for a tool name the connector does not declare (the
    /// protocol error MCP prescribes); everything else, refusals and failures included, is a
    /// result, with `isError: true` for those.
    pub async fn call(
        &self,
        name: &str,
        arguments: Option<Map<String, Value>>,
    ) -> std::result::Result<CallToolResult, ErrorData> {
        let Some(bound) = self.actions.get(name) else {
            return Err(ErrorData::invalid_params(
                format!(
                    "unknown tool `{}`; call tools/list for the tools this server offers",
                    self.scrub(name)
                ),
                None,
            ));
        };
        let action = bound.descriptor();
        if let Some(refusal) = Exposure::of(action, &self.options).refusal(name) {
            return Ok(self.failure(&refusal));
        }
        let input = Value::Object(arguments.unwrap_or_default());
        let output = {
            let Ok(_in_flight) = self.in_flight.try_acquire() else {
                return Ok(self.failure(&format!(
                    "{MAX_CALLS_IN_FLIGHT} calls are already in flight on this server; wait for their answers before sending more"
                )));
            };
            let Ok(_permit) = self.permits.acquire().await else {
                return Ok(self.failure("the server is shutting down; call again"));
            };
            bound.invoke(input).await
        };
        Ok(match output {
            Ok(mut output) => {
                self.redactor().redact_value(&mut output);
                self.result(action, output)
            }
            Err(e) => self.failure(&error_text(&e)),
        })
    }

    /// A successful output as a result, or a tool error when it is too large.
    fn result(&self, action: &ActionDescriptor, output: Value) -> CallToolResult {
        let json = match serde_json::to_string(&output) {
            Ok(json) => json,
            Err(e) => {
                return self.failure(&error_text(&Error::internal(format!(
                    "the output of `{}` could not be serialised: {e}",
                    action.name
                ))));
            }
        };
        if json.len() > self.options.max_result_bytes {
            let fix = if takes_limit(action) {
                "ask for fewer records with `limit`"
            } else {
                "this record cannot be returned whole through this server; ask the user to fetch it with the connector's `action` command"
            };
            return self.failure(&format!(
                "the result of `{}` is {} KiB, more than the {} KiB this server returns at once; {fix}",
                action.name,
                json.len().div_ceil(1024),
                self.options.max_result_bytes >> 10
            ));
        }
        let line = summary_line(action, &output);
        let (structured, json) = if wraps_output(action) {
            let wrapped = serde_json::json!({ RESULT_FIELD: output });
            let json = format!("{{\"{RESULT_FIELD}\":{json}}}");
            (wrapped, json)
        } else {
            (output, json)
        };
        let mut result =
            CallToolResult::success(vec![ContentBlock::text(format!("{line}\n{json}"))]);
        result.structured_content = Some(structured);
        result
    }

    /// Serves MCP on `transport` (e.g. [`rmcp::transport::stdio`]) until the client closes it.
    pub async fn serve<T, E, A>(self, transport: T) -> Result<()>
    where
        T: rmcp::transport::IntoTransport<RoleServer, E, A> + 'static,
        E: std::error::Error + Send + Sync + 'static,
    {
        let running = ServiceExt::serve(self, transport)
            .await
            .map_err(|e| Error::internal(format!("the MCP session could not start: {e}")))?;
        running
            .waiting()
            .await
            .map(|_| ())
            .map_err(|e| Error::internal(format!("the MCP session ended abnormally: {e}")))
    }
}

/// A connector error as a model reads it: the message, then whether to retry.
fn error_text(error: &Error) -> String {
    let mut text = error.to_string();
    if error.is_retryable() {
        text.push_str(" (temporary: the same call may succeed in a moment)");
    }
    text
}

/// The `instructions` of the `initialize` answer.
fn instructions(spec: &ConnectorSpec, options: &McpOptions, served: usize) -> String {
    let mode = match (options.allow_writes, options.allow_deletes) {
        (false, _) => {
            "read-only: creates, updates and deletes are not served (the user can restart the server with --allow-writes, and --allow-deletes)"
        }
        (true, false) => {
            "reads, creates and updates are served; deletes are not (the user can restart the server with --allow-deletes)"
        }
        (true, true) => {
            "reads, creates, updates and deletes are served: confirm destructive calls with the user"
        }
    };
    format!(
        "Tools for {title} ({served} served), one per operation of the {name} connector. This server is {mode}. \
Lists return one page with a `next_cursor`: pass it back as `cursor` to read on. \
Every call shares the account's request budget; a call waits for budget rather than failing. \
Errors are returned as tool errors whose message names the field or the fix.",
        title = spec.title,
        name = spec.name,
    )
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        self.config()
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.clone()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<CallToolResponse, ErrorData> {
        self.call(&request.name, request.arguments)
            .await
            .map(Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn action(effect: ActionEffect) -> ActionDescriptor {
        ActionDescriptor::new(
            "thing",
            "Do a thing",
            "Does a thing",
            effect,
            json!({"type": "object", "properties": {"id": {"type": "integer"}}}),
            json!({"type": "object", "properties": {
                "customer": {"type": ["object", "null"]},
                "until": {"type": ["string", "null"]},
            }}),
        )
    }

    #[test]
    fn exposure_follows_effect_and_flags() {
        let read_only = McpOptions::default();
        let writes = McpOptions {
            allow_writes: true,
            ..McpOptions::default()
        };
        let all = McpOptions {
            allow_writes: true,
            allow_deletes: true,
            ..McpOptions::default()
        };
        let deletes_alone = McpOptions {
            allow_deletes: true,
            ..McpOptions::default()
        };
        use Exposure::*;
        let table = [
            (ActionEffect::Read, [Served, Served, Served, Served]),
            (
                ActionEffect::Create,
                [NeedsWrites, Served, Served, NeedsWrites],
            ),
            (
                ActionEffect::Update,
                [NeedsWrites, Served, Served, NeedsWrites],
            ),
            (
                ActionEffect::Delete,
                [NeedsDeletes, NeedsDeletes, Served, NeedsDeletes],
            ),
        ];
        for (effect, expected) in table {
            let a = action(effect);
            let got = [&read_only, &writes, &all, &deletes_alone].map(|o| Exposure::of(&a, o));
            assert_eq!(got, expected, "{effect:?}");
            let files = action(effect).local_files(true);
            assert_eq!(Exposure::of(&files, &all), LocalFiles, "{effect:?}");
        }
    }

    #[test]
    fn refusals_name_the_flag() {
        assert_eq!(Exposure::Served.refusal("x"), None);
        assert!(
            Exposure::NeedsWrites
                .refusal("x")
                .unwrap()
                .contains("--allow-writes")
        );
        assert!(
            Exposure::NeedsDeletes
                .refusal("x")
                .unwrap()
                .contains("--allow-deletes")
        );
        assert!(
            Exposure::LocalFiles
                .refusal("x")
                .unwrap()
                .contains("`action`")
        );
    }

    #[test]
    fn annotations_follow_effect() {
        let o = McpOptions::default();
        let expect = [
            (ActionEffect::Read, true, false, true),
            (ActionEffect::Create, false, false, false),
            (ActionEffect::Update, false, false, true),
            (ActionEffect::Delete, false, true, true),
        ];
        for (effect, read_only, destructive, idempotent) in expect {
            let t = tool(&action(effect), &o);
            let a = t.annotations.unwrap();
            assert_eq!(a.read_only_hint, Some(read_only), "{effect:?}");
            assert_eq!(a.destructive_hint, Some(destructive), "{effect:?}");
            assert_eq!(a.idempotent_hint, Some(idempotent), "{effect:?}");
            assert_eq!(a.open_world_hint, Some(true));
            assert_eq!(t.title.as_deref(), Some("Do a thing"));
            assert_eq!(t.name, "thing");
        }
    }

    #[test]
    fn schemas_are_the_actions_and_a_non_object_output_is_wrapped() {
        let a = action(ActionEffect::Read);
        let t = tool(&a, &McpOptions::default());
        assert_eq!(Value::Object((*t.input_schema).clone()), a.input_schema);
        assert_eq!(
            t.output_schema.map(|s| Value::Object((*s).clone())),
            Some(a.output_schema.clone())
        );
        assert!(!wraps_output(&a));
        let mut list = a.clone();
        list.output_schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Things",
            "anyOf": [{"type": "array", "items": {"$ref": "#/$defs/thing"}}, {"type": "object"}],
            "$defs": {"thing": {"type": "integer"}},
        });
        assert!(wraps_output(&list));
        let wrapped = Value::Object(output_schema(&list));
        assert_eq!(wrapped["type"], "object");
        assert_eq!(wrapped["required"], json!(["result"]));
        assert_eq!(wrapped["$defs"]["thing"]["type"], "integer");
        assert_eq!(
            wrapped["properties"]["result"]["anyOf"][0]["items"]["$ref"],
            "#/$defs/thing"
        );
        assert!(wrapped["properties"]["result"].get("$defs").is_none());
        assert!(wrapped["properties"]["result"].get("$schema").is_none());
        let ok = |v: Value| {
            connector_sdk::validate::violations(&wrapped, &v)
                .unwrap()
                .is_empty()
        };
        assert!(ok(json!({"result": [1, 2]})));
        assert!(ok(json!({"result": {"data": []}})));
        assert!(!ok(json!({"result": ["x"]})));
        assert!(!ok(json!([1, 2])));
    }

    #[test]
    fn descriptions_say_effect_paging_and_bound() {
        let o = McpOptions::default();
        let mut list = action(ActionEffect::Read);
        list.input_schema = json!({"type": "object", "properties": {"limit": {}, "cursor": {}}});
        list.output_schema =
            json!({"type": "object", "properties": {"data": {}, "next_cursor": {}}});
        let d = description(&list, &o);
        assert!(d.starts_with("Does a thing.\n\nReads only"), "{d}");
        assert!(d.contains("`cursor` set to `next_cursor`"), "{d}");
        assert!(d.contains("512 KiB"), "{d}");
        let d = description(&action(ActionEffect::Create).idempotent(false), &o);
        assert!(d.contains("creates twice"), "{d}");
        assert!(!d.contains("next_cursor"), "{d}");
        let d = description(&action(ActionEffect::Delete), &o);
        assert!(d.contains("confirm with the user"), "{d}");
    }

    #[test]
    fn summary_lines() {
        let a = action(ActionEffect::Read);
        let table = [
            (
                json!({"data": [1, 2], "next_cursor": "abc"}),
                "Do a thing: 2 records on this page; more: call `thing` again with cursor = \"abc\".",
            ),
            (
                json!({"data": [1], "next_cursor": null}),
                "Do a thing: 1 record; this is the last page.",
            ),
            (
                json!({"data": [], "next_cursor": "x".repeat(300)}),
                "Do a thing: 0 records on this page; more: call `thing` again with `cursor` set to the `next_cursor` below.",
            ),
            (
                json!({"ok": true, "status": 204}),
                "Do a thing: done (HTTP 204).",
            ),
            (json!({"id": 7, "name": "x"}), "Do a thing: id 7."),
            (json!({"name": "x"}), "Do a thing: done."),
            (json!([1, 2]), "Do a thing: 2 records."),
            (json!({"data": [1, 2, 3]}), "Do a thing: 3 records."),
            (json!(7), "Do a thing: done."),
            (
                json!({"ticket": {"id": 5}, "messages": {"data": [1], "next_cursor": "c"}}),
                "Do a thing: ticket id 5; messages: 1 record on this page, more with its next_cursor.",
            ),
            (
                json!({"customer": null, "until": null, "tickets": {"data": [], "next_cursor": null}}),
                "Do a thing: no customer; tickets: 0 records.",
            ),
            (
                json!({"since": "2026-01-01", "tickets_counted": 250, "by_status": {"open": 3}, "complete": true}),
                "Do a thing: tickets_counted 250; complete true.",
            ),
        ];
        for (output, line) in table {
            assert_eq!(summary_line(&a, &output), line, "{output}");
        }
    }

    /// A connector whose actions wait at a gate before they run.
    struct Gated {
        inner: Box<dyn Connector>,
        gate: Arc<Semaphore>,
    }

    struct GatedAction {
        inner: Arc<dyn connector_sdk::Action>,
        gate: Arc<Semaphore>,
    }

    #[async_trait::async_trait]
    impl connector_sdk::Action for GatedAction {
        fn descriptor(&self) -> &ActionDescriptor {
            self.inner.descriptor()
        }
        async fn run(&self, input: connector_sdk::ValidInput) -> Result<Value> {
            let _open = self.gate.acquire().await;
            self.inner.run(input).await
        }
    }

    #[async_trait::async_trait]
    impl Connector for Gated {
        fn spec(&self) -> &ConnectorSpec {
            self.inner.spec()
        }
        async fn check(&self) -> Result<()> {
            self.inner.check().await
        }
        fn streams(&self) -> Vec<Arc<dyn connector_sdk::Stream>> {
            self.inner.streams()
        }
        fn actions(&self) -> Vec<Arc<dyn connector_sdk::Action>> {
            self.inner
                .actions()
                .into_iter()
                .map(|inner| {
                    Arc::new(GatedAction {
                        inner,
                        gate: self.gate.clone(),
                    }) as Arc<dyn connector_sdk::Action>
                })
                .collect()
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn calls_beyond_the_in_flight_bound_are_refused_at_once_and_the_rest_complete() {
        use connector_sdk::DefinitionExt as _;
        use connector_sdk::testing::{MemoryBackend, MemoryDefinition};
        let token = "gate-token";
        let definition = MemoryDefinition::new(MemoryBackend::new(3, token));
        let inner = definition
            .connect(&json!({"token": token}))
            .expect("the example connects");
        let gate = Arc::new(Semaphore::new(0));
        let connector: Arc<dyn Connector> = Arc::new(Gated {
            inner,
            gate: gate.clone(),
        });
        let options = McpOptions {
            max_concurrent_calls: 2,
            ..McpOptions::default()
        };
        let server = Arc::new(McpServer::new(
            connector,
            Arc::new(RwLock::new(Redactor::none())),
            options,
        ));
        let args = || json!({"id": 1}).as_object().cloned();
        let held: Vec<_> = (0..MAX_CALLS_IN_FLIGHT)
            .map(|_| {
                let server = server.clone();
                tokio::spawn(async move { server.call("get_book", args()).await })
            })
            .collect();
        while server.in_flight.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let refused = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            server.call("get_book", args()),
        )
        .await
        .expect("refused at once, not queued")
        .expect("a result");
        assert_eq!(refused.is_error, Some(true));
        let text = refused.content[0].as_text().expect("text").text.clone();
        assert!(
            text.contains("in flight") && text.contains("wait for their answers"),
            "{text}"
        );
        gate.add_permits(MAX_CALLS_IN_FLIGHT * 2);
        for call in held {
            let result = call.await.expect("the task").expect("a result");
            assert_eq!(result.is_error, Some(false), "{:?}", result.content);
        }
        assert_eq!(server.in_flight.available_permits(), MAX_CALLS_IN_FLIGHT);
        let again = server.call("get_book", args()).await.expect("a result");
        assert_eq!(again.is_error, Some(false));
    }
}
