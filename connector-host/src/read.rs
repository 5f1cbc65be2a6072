//! Reads a configured catalog through any connector and writes Airbyte messages.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use futures::stream::{self, BoxStream};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::airbyte::{ConfiguredCatalog, MessageWriter, StreamStatus};
use connector_sdk::connector::{Connector, ConnectorExt, ReadRequest};
use connector_sdk::error::{Error, Result};
use connector_sdk::message::{Message, State};
use connector_sdk::spec::SyncMode;

/// How a read is run.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// How many streams are read at once (they share the connector's rate budget).
    pub concurrency: usize,
    /// Show a progress bar on stderr (only drawn when stderr is a terminal).
    pub progress: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            concurrency: 4,
            progress: false,
        }
    }
}

/// What one stream's read did.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamSummary {
    /// The stream's name.
    pub name: String,
    /// Records emitted.
    pub records: u64,
    /// State checkpoints emitted.
    pub states: u64,
    /// Wall time from start to end.
    pub duration: Duration,
    /// The error that ended it, if it failed.
    pub error: Option<String>,
}

/// What a read did, per stream.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadSummary {
    /// One entry per stream, in the order they finished.
    pub streams: Vec<StreamSummary>,
    /// Wall time of the whole read.
    pub duration: Duration,
}

impl ReadSummary {
    /// Total records over every stream.
    pub fn records(&self) -> u64 {
        self.streams.iter().map(|s| s.records).sum()
    }

    /// Whether every stream completed.
    pub fn succeeded(&self) -> bool {
        self.streams.iter().all(|s| s.error.is_none())
    }

    /// A human summary, one line per stream and a total.
    pub fn render(&self) -> String {
        let width = self
            .streams
            .iter()
            .map(|s| s.name.len())
            .max()
            .unwrap_or(6)
            .max(6);
        let mut out = String::new();
        for s in &self.streams {
            let outcome = match &s.error {
                None => "ok".to_string(),
                Some(e) => format!("FAILED: {e}"),
            };
            out.push_str(&format!(
                "  {:<width$}  {:>9} records  {:>5} states  {:>7.2}s  {}\n",
                s.name,
                s.records,
                s.states,
                s.duration.as_secs_f64(),
                outcome
            ));
        }
        let failed = self.streams.iter().filter(|s| s.error.is_some()).count();
        let secs = self.duration.as_secs_f64();
        out.push_str(&format!(
            "read {} records from {} streams in {:.2}s ({:.0} records/s){}\n",
            self.records(),
            self.streams.len(),
            secs,
            self.records() as f64 / secs.max(1e-9),
            if failed > 0 {
                format!("; {failed} stream(s) FAILED")
            } else {
                String::new()
            }
        ));
        out
    }
}

enum Event {
    Started(Arc<str>),
    Item(Arc<str>, Result<Message>),
    Done(Arc<str>),
}

/// Reads every stream of `catalog` from `connector`, resuming incremental streams from `state`,
/// and writes Airbyte messages to `out`. Stream failures are reported (TRACE ERROR, status
/// INCOMPLETE) and recorded in the summary; the other streams go on. Only a failure to write
/// is returned as an error.
pub async fn read<W: Write + Send>(
    connector: &dyn Connector,
    catalog: &ConfiguredCatalog,
    state: &State,
    options: &ReadOptions,
    out: &mut MessageWriter<W>,
    log: &mut (dyn Write + Send),
) -> Result<ReadSummary> {
    let began = Instant::now();
    let mut streams: Vec<BoxStream<'static, Event>> = Vec::new();
    for configured in &catalog.streams {
        let request = ReadRequest {
            sync_mode: configured.sync_mode,
            state: match configured.sync_mode {
                SyncMode::Incremental => state.get(&configured.name).cloned(),
                SyncMode::FullRefresh => None,
            },
        };
        let name: Arc<str> = configured.name.as_str().into();
        let body = connector.read_stream(&configured.name, request)?;
        let (n1, n2, n3) = (name.clone(), name.clone(), name);
        let body = body
            .scan(false, |failed, item| {
                let stop = *failed;
                *failed = item.is_err();
                futures::future::ready((!stop).then_some(item))
            })
            .map(move |item| Event::Item(n2.clone(), item));
        streams.push(
            stream::once(async move { Event::Started(n1) })
                .chain(body)
                .chain(stream::once(async move { Event::Done(n3) }))
                .boxed(),
        );
    }
    let bar = if options.progress {
        ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos} records  {per_sec}  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let mut summary = ReadSummary::default();
    let mut live: Vec<(Arc<str>, StreamSummary, Instant)> = Vec::new();
    // Streams that failed in the loop (a record the protocol cannot carry): their remaining
    // items are dropped.
    let mut failed: Vec<Arc<str>> = Vec::new();
    let mut events = stream::iter(streams).flatten_unordered(options.concurrency.max(1));
    // Updated configs the connector hands over are written between two events.
    while let Some(event) = out.serve(events.next()).await {
        match event {
            Event::Started(name) => {
                out.stream_status(&name, StreamStatus::Started)?;
                live.push((
                    name.clone(),
                    StreamSummary {
                        name: name.to_string(),
                        records: 0,
                        states: 0,
                        duration: Duration::ZERO,
                        error: None,
                    },
                    Instant::now(),
                ));
                bar.set_message(live.iter().map(|l| &*l.0).collect::<Vec<_>>().join(", "));
            }
            Event::Item(name, item) => {
                if failed.contains(&name) {
                    continue;
                }
                let entry = live.iter_mut().find(|l| l.0 == name);
                let error = match item {
                    Ok(Message::Record(record)) => match out.record(&record) {
                        Ok(()) => {
                            if let Some((_, s, _)) = entry {
                                if s.records == 0 {
                                    out.stream_status(&name, StreamStatus::Running)?;
                                }
                                s.records += 1;
                            }
                            bar.inc(1);
                            None
                        }
                        Err(e @ Error::Internal { .. }) => {
                            failed.push(name.clone());
                            Some(e)
                        }
                        Err(e) => return Err(e),
                    },
                    Ok(Message::State(checkpoint)) => {
                        if let Some((_, s, _)) = entry {
                            s.states += 1;
                        }
                        out.state(&checkpoint)?;
                        None
                    }
                    Ok(Message::Log(l)) => {
                        out.log(&l)?;
                        None
                    }
                    Err(error) => Some(error),
                };
                if let Some(error) = error {
                    out.error(&error, Some(&name))?;
                    out.stream_status(&name, StreamStatus::Incomplete)?;
                    if let Some((_, s, _)) = live.iter_mut().find(|l| l.0 == name) {
                        s.error = Some(out.scrub(&error.to_string()));
                    }
                }
            }
            Event::Done(name) => {
                if let Some(pos) = live.iter().position(|l| l.0 == name) {
                    let (_, mut s, t0) = live.remove(pos);
                    s.duration = t0.elapsed();
                    if s.error.is_none() {
                        out.stream_status(&name, StreamStatus::Complete)?;
                    }
                    bar.suspend(|| {
                        let _ = writeln!(
                            log,
                            "{}: {} records, {} states in {:.2}s{}",
                            s.name,
                            s.records,
                            s.states,
                            s.duration.as_secs_f64(),
                            if s.error.is_some() { " (FAILED)" } else { "" }
                        );
                    });
                    summary.streams.push(s);
                }
            }
        }
    }
    bar.finish_and_clear();
    out.flush()?;
    summary.duration = began.elapsed();
    Ok(summary)
}

/// Reads `connector` fully into memory and returns the messages with the final state (for
/// tests and small embedders; production hosts stream with [`read`]).
pub async fn read_to_vec(
    connector: &dyn Connector,
    catalog: &ConfiguredCatalog,
    state: &State,
) -> Result<(Vec<Message>, State)> {
    let mut all = Vec::new();
    let mut state_out = state.clone();
    for configured in &catalog.streams {
        let request = ReadRequest {
            sync_mode: configured.sync_mode,
            state: match configured.sync_mode {
                SyncMode::Incremental => state.get(&configured.name).cloned(),
                SyncMode::FullRefresh => None,
            },
        };
        let mut s = connector.read_stream(&configured.name, request)?;
        while let Some(item) = s.next().await {
            let message = item?;
            if let Message::State(c) = &message {
                state_out.apply(c);
            }
            all.push(message);
        }
    }
    Ok((all, state_out))
}

#[allow(dead_code)]
fn _assert_error_is_send(e: Error) -> impl Send {
    e
}
