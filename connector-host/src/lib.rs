//! The protocol host: gives any connector a command line that speaks the Airbyte protocol.
//!
//! ```text
//! <binary> spec
//! <binary> check    --config F
//! <binary> discover --config F
//! <binary> read     --config F [--catalog F] [--state F] [--concurrency N]
//! <binary> action NAME --config F --input F      (F may be `-` for stdin)
//! <binary> actions  [--json]
//! <binary> mcp      --config F [--allow-writes [--allow-deletes]] [--max-result-kib N]
//! <binary> schemas  --out DIR
//! <binary> --version
//! ```
//! stdout carries Airbyte messages, one JSON object a line (a connector whose credentials
//! change, such as a rotated OAuth2 refresh token, adds a CONTROL message carrying the whole
//! updated config, flushed before the new credentials are used); logs, progress and the final summary
//! go to stderr. Exit code 0 on success; on failure a TRACE ERROR message on stdout, one line on
//! stderr naming the problem, and exit code 1. `check` also prints CONNECTION_STATUS FAILED.
//! `actions` and `--version` are for people and scripts, not the protocol: `actions` prints a
//! table of every action (name, effect, whether it is idempotent, the first sentence of its
//! description), or with `--json` one JSON object a line per action (see [`action_line`]);
//! `--version` prints `<name> <version>` from the connector's spec. Both (and `--help`) go to
//! stdout and exit 0.
//! `mcp` serves the connector's actions as Model Context Protocol tools over stdio ([`mcp`]):
//! stdout is then the MCP channel and carries nothing else; logs and errors go to stderr. An
//! updated config (a rotated refresh token) is written back to the `--config` file, atomically.
//! A connector may add *presets*: flags such as `--sandbox` that provide a config (and keep
//! whatever serves it alive) so `--config` can be left out.

pub mod airbyte;
pub mod export;
pub mod frame;
pub mod mcp;
mod read;

use std::any::Any;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Arg, ArgAction, CommandFactory, FromArgMatches, Parser, Subcommand};
use futures::future::BoxFuture;
use serde_json::Value;

use self::airbyte::{ConfiguredCatalog, MessageWriter};
pub use self::read::{ReadOptions, ReadSummary, StreamSummary, read, read_to_vec};
use connector_sdk::connector::{ActionExt, Connector, ConnectorExt, Definition, DefinitionExt};
use connector_sdk::error::{Error, Result};
use connector_sdk::message::{LogLevel, LogMessage, State};
use connector_sdk::redact::Redactor;
use connector_sdk::spec::{ActionDescriptor, ActionEffect};

/// A config a preset provides, and what must stay alive while it is used (e.g. a server).
pub struct PresetConfig {
    /// The config document.
    pub config: Value,
    /// Dropped when the command ends.
    pub guard: Box<dyn Any + Send + Sync>,
    /// One line for stderr, e.g. `using the embedded sandbox at http://127.0.0.1:41234`.
    pub banner: String,
}

impl std::fmt::Debug for PresetConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PresetConfig")
            .field("banner", &self.banner)
            .finish_non_exhaustive()
    }
}

/// A flag that provides a config, e.g. `--sandbox`. It cannot change the definition: whatever
/// the preset serves must be reachable through a config the definition accepts.
#[derive(Clone)]
pub struct Preset {
    /// The long flag name, without dashes.
    pub flag: &'static str,
    /// Help text.
    pub help: &'static str,
    /// Starts whatever is needed and returns the config.
    pub provide: Arc<dyn Fn() -> BoxFuture<'static, Result<PresetConfig>> + Send + Sync>,
}

impl std::fmt::Debug for Preset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Preset")
            .field("flag", &self.flag)
            .finish_non_exhaustive()
    }
}

#[derive(Parser, Debug)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the SPEC message (the config schema).
    Spec,
    /// Check the config and the credentials with one request.
    Check {
        /// The config file (JSON).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Print the CATALOG message (every stream).
    Discover {
        /// The config file (JSON).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Read records; without --catalog every stream is read, incremental where supported.
    Read {
        /// The config file (JSON).
        #[arg(long)]
        config: Option<PathBuf>,
        /// An Airbyte configured catalog (JSON).
        #[arg(long)]
        catalog: Option<PathBuf>,
        /// The state: the list of `state` objects a previous read emitted (JSON).
        #[arg(long)]
        state: Option<PathBuf>,
        /// How many streams to read at once.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
    },
    /// Run an action with a JSON input and print its output as one JSON line.
    Action {
        /// The action's name (see `actions`).
        name: String,
        /// The config file (JSON).
        #[arg(long)]
        config: Option<PathBuf>,
        /// The input file (JSON), or `-` for stdin.
        #[arg(long)]
        input: PathBuf,
    },
    /// List every action: its name, effect and what it does (a table; --json for machines).
    Actions {
        /// One JSON object a line per action instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// Serve every action as an MCP tool over stdio (read tools only, unless told otherwise).
    Mcp {
        /// The config file (JSON). Rotated credentials are written back to it.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Also serve tools that create and update data.
        #[arg(long)]
        allow_writes: bool,
        /// Also serve tools that delete data (needs --allow-writes).
        #[arg(long, requires = "allow_writes")]
        allow_deletes: bool,
        /// The largest tool result, in KiB; a larger one is an error asking for a smaller page.
        #[arg(long, default_value_t = (mcp::DEFAULT_MAX_RESULT_BYTES >> 10) as u64, value_parser = clap::value_parser!(u64).range(1..=65536))]
        max_result_kib: u64,
    },
    /// Write every exported schema file into a folder.
    Schemas {
        /// The output folder.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Runs a connector's command line. Build one per binary and call [`Host::main`].
pub struct Host {
    definition: Arc<dyn Definition>,
    presets: Vec<Preset>,
    name: String,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("name", &self.name)
            .field("presets", &self.presets)
            .finish()
    }
}

fn io(context: String) -> impl FnOnce(std::io::Error) -> Error {
    move |source| Error::Io { context, source }
}

/// The files the host reads, each with the most it reads of one (a config is a few hundred
/// bytes; a catalog carries every stream's schema; an action input may carry a file's content).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InputFile {
    Config,
    Catalog,
    State,
    Input,
}

impl InputFile {
    fn flag(self) -> &'static str {
        match self {
            InputFile::Config => "--config",
            InputFile::Catalog => "--catalog",
            InputFile::State => "--state",
            InputFile::Input => "--input",
        }
    }

    /// The most bytes read from the file; a larger file is refused before it is parsed.
    fn cap(self) -> u64 {
        match self {
            InputFile::Config => MAX_CONFIG_BYTES,
            InputFile::Catalog | InputFile::State => MAX_CATALOG_BYTES,
            InputFile::Input => MAX_INPUT_BYTES,
        }
    }
}

/// The most bytes of a `--config` file the host reads.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;
/// The most bytes of a `--catalog` or `--state` file the host reads.
pub const MAX_CATALOG_BYTES: u64 = 64 << 20;
/// The most bytes of an action's `--input` file the host reads.
pub const MAX_INPUT_BYTES: u64 = 32 << 20;

/// Reads one JSON file (or stdin for `-`), at most [`InputFile::cap`] bytes of it. An oversized,
/// non-UTF-8 or non-JSON file is an error naming the flag and the fix; for `--input` it is an
/// input error of `action`.
fn read_json(path: &Path, file: InputFile, action: Option<&str>) -> Result<Value> {
    use std::io::Read as _;
    let flag = file.flag();
    let cap = file.cap();
    let refuse = |reason: String| match action {
        Some(action) => Error::InvalidInput {
            action: action.to_string(),
            path: flag.to_string(),
            reason,
        },
        None => Error::invalid_config(flag, reason),
    };
    let mut bytes = Vec::new();
    let what = if path == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(cap + 1)
            .read_to_end(&mut bytes)
            .map_err(io(format!("reading {flag} from stdin")))?;
        "stdin".to_string()
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(cap + 1).read_to_end(&mut bytes))
            .map_err(io(format!("reading {flag} file {}", path.display())))?;
        path.display().to_string()
    };
    if bytes.len() as u64 > cap {
        return Err(refuse(format!(
            "{what} is larger than {} MiB, the most this flag reads; check that it names the right file",
            cap >> 20
        )));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| refuse(format!("{what} is not UTF-8 text; give a JSON file")))?;
    serde_json::from_str(&text).map_err(|e| {
        refuse(format!(
            "{what} is not valid JSON (line {}, column {}); fix the file",
            e.line(),
            e.column()
        ))
    })
}

/// Reads `--state`: an empty file (or one of only whitespace) is no state, with a note;
/// otherwise [`State::from_airbyte_with_notes`] (Airbyte's CDK refuses an empty file; a first run
/// that `touch`es its state file means "no state yet").
fn read_state(path: &Path) -> Result<(State, Vec<String>)> {
    let empty = path != Path::new("-")
        && std::fs::metadata(path).is_ok_and(|m| m.len() <= 4096)
        && std::fs::read(path).is_ok_and(|b| b.iter().all(u8::is_ascii_whitespace));
    if empty {
        return Ok((
            State::new(),
            vec![format!(
                "--state file {} is empty: every stream reads from the start",
                path.display()
            )],
        ));
    }
    State::from_airbyte_with_notes(&read_json(path, InputFile::State, None)?)
}

impl Host {
    /// A host for `definition`, named after its spec.
    pub fn new(definition: Arc<dyn Definition>) -> Self {
        let name = definition.spec().name.clone();
        Host {
            definition,
            presets: Vec::new(),
            name,
        }
    }

    /// Adds a preset flag to `check`, `discover`, `read` and `action`.
    pub fn with_preset(mut self, preset: Preset) -> Self {
        self.presets.push(preset);
        self
    }

    fn command(&self) -> clap::Command {
        let spec = self.definition.spec();
        let mut cmd = Cli::command()
            .name(self.name.clone())
            .version(spec.version.clone())
            .about(format!(
                "{} connector (Airbyte protocol on stdout)",
                spec.title
            ));
        for sub in ["check", "discover", "read", "action", "mcp"] {
            for preset in &self.presets {
                cmd = cmd.mut_subcommand(sub, |c| {
                    c.arg(
                        Arg::new(preset.flag)
                            .long(preset.flag)
                            .help(preset.help)
                            .action(ArgAction::SetTrue)
                            .conflicts_with("config"),
                    )
                });
            }
        }
        cmd
    }

    /// Parses the process arguments, runs the command on a new tokio runtime with stdout and
    /// stderr, initialises logging (`RUST_LOG`, to stderr), and returns the exit code.
    pub fn main(self) -> std::process::ExitCode {
        // Colours only on a terminal: a log file (an MCP client's, a CI's) gets plain text.
        let _ = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
            )
            .try_init();
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: cannot start the async runtime: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
        let args: Vec<String> = std::env::args().collect();
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout);
        let mut err = std::io::stderr();
        let mut code = runtime.block_on(self.run(args, &mut out, &mut err, true));
        if let Err(e) = out.flush() {
            let _ = writeln!(err, "error: flushing stdout: {e}");
            code = code.max(1);
        }
        std::process::ExitCode::from(code)
    }

    /// Runs one command line (`args[0]` is the program name), writing protocol messages to
    /// `out` and human text to `err`. Returns the exit code.
    pub async fn run<W: Write + Send, E: Write + Send>(
        &self,
        args: Vec<String>,
        out: &mut W,
        err: &mut E,
        progress: bool,
    ) -> u8 {
        let matches = match self.command().try_get_matches_from(&args) {
            Ok(m) => m,
            // `--help` and `--version` are answers, not errors: they go to stdout.
            Err(e) if !e.use_stderr() => {
                let _ = write!(out, "{}", e.render());
                return 0;
            }
            Err(e) => {
                let _ = write!(err, "{}", e.render());
                return 2;
            }
        };
        let cli = match Cli::from_arg_matches(&matches) {
            Ok(c) => c,
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                return 2;
            }
        };
        let preset = matches.subcommand().and_then(|(_, sub)| {
            self.presets
                .iter()
                .find(|p| {
                    sub.try_get_one::<bool>(p.flag)
                        .ok()
                        .flatten()
                        .copied()
                        .unwrap_or(false)
                })
                .cloned()
        });
        let mut writer = MessageWriter::new(out);
        let is_check = matches!(cli.command, Command::Check { .. });
        // In `mcp`, stdout is the MCP channel: a failure is told on stderr only.
        let is_mcp = matches!(cli.command, Command::Mcp { .. });
        let result = self
            .execute(cli.command, preset, &mut writer, err, progress)
            .await;
        // Every message must reach stdout: a write or flush that fails (a full disk, a closed
        // pipe) is a failure of the command, whatever it did before.
        let flushed = writer.flush();
        match (result, flushed) {
            (Ok(code), Ok(())) => code,
            (Ok(_), Err(e)) => {
                let _ = writeln!(err, "error: {}", writer.scrub(&e.to_string()));
                1
            }
            (Err(e), _) => {
                if !is_mcp && !airbyte::is_stdout_failure(&e) {
                    if is_check {
                        let _ = writer.connection_status(Some(&e));
                    }
                    let _ = writer.error(&e, None);
                    let _ = writer.flush();
                }
                let _ = writeln!(err, "error: {}", writer.scrub(&e.to_string()));
                1
            }
        }
    }

    async fn config(
        &self,
        path: Option<PathBuf>,
        preset: Option<Preset>,
        err: &mut dyn Write,
    ) -> Result<(Value, Option<PresetConfig>)> {
        match (path, preset) {
            (Some(p), _) => Ok((read_json(&p, InputFile::Config, None)?, None)),
            (None, Some(preset)) => {
                let provided = (preset.provide)().await?;
                let _ = writeln!(err, "{}", provided.banner);
                Ok((provided.config.clone(), Some(provided)))
            }
            (None, None) => {
                let flags: Vec<String> = self
                    .presets
                    .iter()
                    .map(|p| format!(" or --{}", p.flag))
                    .collect();
                Err(Error::invalid_config(
                    "--config",
                    format!(
                        "is required{}; give the path of a JSON config file",
                        flags.concat()
                    ),
                ))
            }
        }
    }

    /// Reads the config, connects, and from then on scrubs the config's secrets from
    /// everything `out` prints. The connector hands updated configs (a rotated OAuth2 refresh
    /// token) to `out`, which prints them as CONTROL messages while it serves the command.
    async fn connect<W: Write + Send>(
        &self,
        path: Option<PathBuf>,
        preset: Option<Preset>,
        out: &mut MessageWriter<W>,
        err: &mut dyn Write,
    ) -> Result<(Box<dyn Connector>, Option<PresetConfig>)> {
        let (config, guard) = self.config(path, preset, err).await?;
        out.set_redactor(Redactor::from_config(self.definition.spec(), &config));
        // A preset provides a config, never another definition: what runs is the definition the
        // binary was built with.
        let updates = out.config_sink(self.definition.spec().auth_kinds.clone());
        Ok((
            self.definition.connect_with_updates(&config, updates)?,
            guard,
        ))
    }

    async fn execute<W: Write + Send>(
        &self,
        command: Command,
        preset: Option<Preset>,
        out: &mut MessageWriter<W>,
        err: &mut (dyn Write + Send),
        progress: bool,
    ) -> Result<u8> {
        let spec = self.definition.spec();
        match command {
            Command::Spec => {
                out.spec(spec)?;
                Ok(0)
            }
            Command::Check { config } => {
                let (connector, _guard) = self.connect(config, preset, out, err).await?;
                let result = out.serve(connector.check()).await;
                out.connection_status(result.as_ref().err())?;
                match result {
                    Ok(()) => {
                        let _ = writeln!(err, "check succeeded");
                        Ok(0)
                    }
                    Err(e) => {
                        out.error(&e, None)?;
                        let _ = writeln!(err, "error: {}", out.scrub(&e.to_string()));
                        Ok(1)
                    }
                }
            }
            Command::Discover { config } => {
                let (_connector, _guard) = self.connect(config, preset, out, err).await?;
                out.catalog(spec)?;
                Ok(0)
            }
            Command::Read {
                config,
                catalog,
                state,
                concurrency,
            } => {
                let (connector, _guard) = self.connect(config, preset, out, err).await?;
                let (catalog, unknown, mut notes) = match catalog {
                    Some(p) => {
                        let parsed = ConfiguredCatalog::from_airbyte(
                            &read_json(&p, InputFile::Catalog, None)?,
                            spec,
                        )?;
                        (parsed.catalog, parsed.unknown, parsed.notes)
                    }
                    None => (ConfiguredCatalog::all(spec), Vec::new(), Vec::new()),
                };
                let state = match state {
                    Some(p) => {
                        let (state, state_notes) = read_state(&p)?;
                        notes.extend(state_notes.into_iter().map(|message| LogMessage {
                            level: LogLevel::Warn,
                            message,
                        }));
                        state
                    }
                    None => State::new(),
                };
                for note in &notes {
                    out.log(note)?;
                    let _ = writeln!(err, "warning: {}", out.scrub(&note.message));
                }
                for name in &unknown {
                    out.stream_status(name, airbyte::StreamStatus::Incomplete)?;
                }
                let options = ReadOptions {
                    concurrency,
                    progress,
                };
                let summary =
                    read(connector.as_ref(), &catalog, &state, &options, out, err).await?;
                let _ = write!(err, "{}", summary.render());
                Ok(if summary.succeeded() { 0 } else { 1 })
            }
            Command::Action {
                name,
                config,
                input,
            } => {
                // Resolve the action and read the input before connecting: a typo costs nothing.
                let descriptor = spec.action(&name).ok_or_else(|| Error::Unknown {
                    kind: "action",
                    name: name.clone(),
                    known: spec
                        .actions
                        .iter()
                        .map(|a| a.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
                let input = read_json(&input, InputFile::Input, Some(&name))?;
                connector_sdk::validate::ValidInput::check(descriptor, input.clone())?;
                let (connector, _guard) = self.connect(config, preset, out, err).await?;
                let action = connector.action(&name)?;
                let mut output = out.serve(action.invoke(input)).await?;
                out.redact_value(&mut output);
                if let Err(e) = out.raw(&output).and_then(|()| out.flush()) {
                    // The action took effect: its output (a created record's id) must not be
                    // lost with stdout, so it goes to stderr too.
                    let _ = writeln!(
                        err,
                        "error: action `{name}` ran, but its output could not be written to stdout ({e}); the output was: {output}"
                    );
                    return Err(e);
                }
                Ok(0)
            }
            Command::Actions { json } => {
                if json {
                    for action in &spec.actions {
                        out.raw(&action_line(action))?;
                    }
                } else {
                    out.text(&actions_table(&spec.actions))?;
                }
                Ok(0)
            }
            Command::Mcp {
                config,
                allow_writes,
                allow_deletes,
                max_result_kib,
            } => {
                let options = mcp::McpOptions {
                    allow_writes,
                    allow_deletes,
                    max_result_bytes: (max_result_kib << 10) as usize,
                    ..mcp::McpOptions::default()
                };
                self.serve_mcp(config, preset, options, err).await
            }
            Command::Schemas { out: dir } => {
                let written = crate::export::write(spec, &dir)?;
                let _ = writeln!(err, "wrote {} files to {}", written.len(), dir.display());
                Ok(0)
            }
        }
    }

    /// `mcp`: connects (a rotated config goes back to the `--config` file, never to stdout) and
    /// serves MCP on stdin/stdout until the client closes the channel.
    async fn serve_mcp(
        &self,
        path: Option<PathBuf>,
        preset: Option<Preset>,
        options: mcp::McpOptions,
        err: &mut (dyn Write + Send),
    ) -> Result<u8> {
        let spec = self.definition.spec();
        let (config, guard) = self.config(path.clone(), preset, err).await?;
        let secrets = Redactor::from_config(spec, &config);
        let redactor: mcp::SharedRedactor = Arc::new(std::sync::RwLock::new(secrets.clone()));
        let updates = config_file_sink(path, spec.auth_kinds.clone(), redactor.clone());
        let connector: Arc<dyn Connector> = self
            .definition
            .connect_with_updates(&config, updates)
            .map_err(|e| secrets.scrub_error(e))?
            .into();
        let mode = match (options.allow_writes, options.allow_deletes) {
            (false, _) => "read-only",
            (true, false) => "reads, creates and updates",
            (true, true) => "reads, creates, updates and deletes",
        };
        let server = mcp::McpServer::new(connector, redactor, options);
        let _ = writeln!(
            err,
            "serving {} MCP tools on stdio ({mode}); stop by closing stdin",
            server.tools().len(),
        );
        server.serve(rmcp::transport::stdio()).await?;
        drop(guard);
        Ok(0)
    }
}

/// The config sink of `mcp`: an updated config (a rotated refresh token) replaces the
/// `--config` file (written to a temporary file beside it, then renamed over it, so a crash
/// leaves the old or the new file whole), and its secrets join those removed from results.
/// Without a file (a preset's config) the update is kept in memory only, with a warning.
fn config_file_sink(
    path: Option<PathBuf>,
    kinds: Vec<connector_sdk::spec::AuthKind>,
    redactor: mcp::SharedRedactor,
) -> connector_sdk::control::ConfigSink {
    connector_sdk::control::ConfigSink::new(move |update| {
        let path = path.clone();
        let kinds = kinds.clone();
        let redactor = redactor.clone();
        Box::pin(async move {
            let fresh = Redactor::from_auth_kinds(&kinds, &update.config);
            if let Ok(mut r) = redactor.write() {
                r.extend(&fresh);
            }
            match path {
                Some(path) => write_config_file(&path, &update.config),
                None => {
                    tracing::warn!(
                        "the connector's credentials changed; with no --config file they are kept in memory only"
                    );
                    Ok(())
                }
            }
        })
    })
}

/// Replaces `path` with `config` (pretty JSON), atomically: a temporary file in the same folder
/// (owner-only permissions on Unix: it holds secrets), synced, then renamed over `path`.
fn write_config_file(path: &Path, config: &Value) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "config.json".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let context = format!("writing the updated config to {}", path.display());
    let text = serde_json::to_vec_pretty(config)
        .map_err(|e| Error::internal(format!("the updated config is not JSON: {e}")))?;
    let write = || -> std::io::Result<()> {
        // A leftover of a crashed run could carry other permissions: start from no file.
        let _ = std::fs::remove_file(&tmp);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(&text)?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        Error::Io { context, source }
    })
}

/// The JSON line `actions --json` prints for one action: `name`, `title`, `effect` (`read`,
/// `create`, `update` or `delete`), `idempotent`, `destructive`, `description` (whole) and
/// `scopes` (the OAuth scopes it needs; empty without scoped auth). The input and output
/// schemas are in `spec.json` of `schemas --out` (or the `spec` of the SDK).
pub fn action_line(action: &ActionDescriptor) -> Value {
    serde_json::json!({
        "name": action.name,
        "title": action.title,
        "effect": action.effect,
        "idempotent": action.idempotent,
        "destructive": action.effect.is_destructive(),
        "description": action.description,
        "scopes": action.scopes,
    })
}

/// The most characters of a description the `actions` table shows.
const SUMMARY_CHARS: usize = 100;

/// The first sentence of `description` (up to the first `. ` or the end), on one line and at
/// most [`SUMMARY_CHARS`] characters (cut at a word, with `…`).
fn summary(description: &str) -> String {
    let one_line: String = description.split_whitespace().collect::<Vec<_>>().join(" ");
    let first = match one_line.find(". ") {
        Some(end) => &one_line[..=end],
        None => one_line.as_str(),
    };
    if first.chars().count() <= SUMMARY_CHARS {
        return first.to_string();
    }
    let mut cut = String::new();
    for word in first.split(' ') {
        if cut.chars().count() + word.chars().count() + 1 > SUMMARY_CHARS - 1 {
            break;
        }
        if !cut.is_empty() {
            cut.push(' ');
        }
        cut.push_str(word);
    }
    cut.push('…');
    cut
}

/// The table `actions` prints: a header, one row per action (name, effect, idempotent, the
/// first sentence of the description), and a count by effect.
fn actions_table(actions: &[ActionDescriptor]) -> String {
    let width = actions
        .iter()
        .map(|a| a.name.len())
        .max()
        .unwrap_or(0)
        .max("ACTION".len());
    let mut text = format!("{:<width$}  EFFECT  IDEMPOTENT  DESCRIPTION\n", "ACTION");
    let mut counts = [0usize; 4];
    for a in actions {
        let effect = match a.effect {
            ActionEffect::Read => "read",
            ActionEffect::Create => "create",
            ActionEffect::Update => "update",
            ActionEffect::Delete => "delete",
        };
        counts[a.effect as usize] += 1;
        text.push_str(&format!(
            "{:<width$}  {:<6}  {:<10}  {}\n",
            a.name,
            effect,
            if a.idempotent { "yes" } else { "no" },
            summary(&a.description)
        ));
    }
    text.push_str(&format!(
        "{} actions: {} read, {} create, {} update, {} delete\n",
        actions.len(),
        counts[0],
        counts[1],
        counts[2],
        counts[3]
    ));
    text
}
