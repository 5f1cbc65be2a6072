//! The protocol host: gives any connector a command line that speaks the Airbyte protocol.
//!
//! ```text
//! <binary> spec
//! <binary> check    --config F
//! <binary> discover --config F
//! <binary> read     --config F [--catalog F] [--state F] [--concurrency N]
//! <binary> action NAME --config F --input F      (F may be `-` for stdin)
//! <binary> schemas  --out DIR
//! ```
//! stdout carries Airbyte messages, one JSON object a line (a connector whose credentials
//! change, such as a rotated OAuth2 refresh token, adds a CONTROL message carrying the whole
//! updated config, flushed before the new credentials are used); logs, progress and the final summary
//! go to stderr. Exit code 0 on success; on failure a TRACE ERROR message on stdout, one line on
//! stderr naming the problem, and exit code 1. `check` also prints CONNECTION_STATUS FAILED.
//! A connector may add *presets*: flags such as `--sandbox` that provide a config (and keep
//! whatever serves it alive) so `--config` can be left out.

pub mod airbyte;
pub mod export;
pub mod frame;
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
use connector_sdk::message::State;
use connector_sdk::redact::Redactor;

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
#[command(disable_version_flag = true)]
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
        /// The action's name (see `spec`).
        name: String,
        /// The config file (JSON).
        #[arg(long)]
        config: Option<PathBuf>,
        /// The input file (JSON), or `-` for stdin.
        #[arg(long)]
        input: PathBuf,
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
        let mut cmd = Cli::command().name(self.name.clone()).about(format!(
            "{} connector (Airbyte protocol on stdout)",
            self.definition.spec().title
        ));
        for sub in ["check", "discover", "read", "action"] {
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
        let _ = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
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
            Err(e) => {
                let _ = write!(err, "{}", e.render());
                return if e.use_stderr() { 2 } else { 0 };
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
                if !airbyte::is_stdout_failure(&e) {
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
                let catalog = match catalog {
                    Some(p) => ConfiguredCatalog::from_airbyte(
                        &read_json(&p, InputFile::Catalog, None)?,
                        spec,
                    )?,
                    None => ConfiguredCatalog::all(spec),
                };
                let state = match state {
                    Some(p) => State::from_airbyte(&read_json(&p, InputFile::State, None)?)?,
                    None => State::new(),
                };
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
            Command::Schemas { out: dir } => {
                let written = crate::export::write(spec, &dir)?;
                let _ = writeln!(err, "wrote {} files to {}", written.len(), dir.display());
                Ok(0)
            }
        }
    }
}
