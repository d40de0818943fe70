//! The receiver: a poll loop reading files (on blocking threads), running
//! entries through the operators, handing them to the next consumer, and
//! committing offsets (to the storage extension, when `storage` is set)
//! only once the next consumer accepted them.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use otelcol_component::metrics::{Counter, Gauge};
use otelcol_component::{
    Component, ComponentError, ComponentId, ConsumeErrorKind, Host, Kind, Logs, Meter, SharedConsumer,
    StorageClient, async_trait,
};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::checkpoint::{self, KNOWN_FILES_KEY};
use crate::config::{FileLogConfig, RetryConfig};
use crate::consumer::{Consumer, ConsumerSettings};
use crate::convert;
use crate::entry::Entry;
use crate::error::StartError;
use crate::operators::{self, Pipeline};

/// At most this many entries are read from a file before they are sent.
pub const MAX_ENTRIES_PER_BATCH: usize = 1000;

/// Self-metrics, with Go's names.
#[derive(Clone)]
struct Telemetry {
    /// `otelcol_receiver_accepted_log_records{receiver}`.
    accepted: Counter,
    /// `otelcol_receiver_refused_log_records{receiver}`.
    refused: Counter,
    /// `otelcol_fileconsumer_open_files{receiver}`.
    open_files: Gauge,
    /// `otelcol_fileconsumer_reading_files{receiver}`.
    reading_files: Gauge,
}

impl Telemetry {
    fn new(meter: &Meter, receiver: &str) -> Self {
        let labels = [("receiver", receiver.to_string())];
        Telemetry {
            accepted: meter.counter("otelcol_receiver_accepted_log_records", &labels),
            refused: meter.counter("otelcol_receiver_refused_log_records", &labels),
            open_files: meter.gauge("otelcol_fileconsumer_open_files", &labels),
            reading_files: meter.gauge("otelcol_fileconsumer_reading_files", &labels),
        }
    }
}

/// What the poll loop owns, behind a lock taken on blocking threads only.
#[derive(Debug)]
struct State {
    consumer: Consumer,
    pipeline: Pipeline,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Default)]
struct Running {
    stop: Option<watch::Sender<bool>>,
    task: Option<JoinHandle<()>>,
    started: bool,
}

/// The `file_log` receiver.
pub struct FileLogReceiver {
    id: ComponentId,
    cfg: FileLogConfig,
    next: SharedConsumer<Logs>,
    telemetry: Telemetry,
    running: Mutex<Running>,
}

impl fmt::Debug for FileLogReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileLogReceiver")
            .field("id", &self.id)
            .field("include", &self.cfg.include)
            .field("storage", &self.cfg.storage)
            .finish()
    }
}

impl FileLogReceiver {
    /// A receiver for `cfg` (validated) feeding `next`. Opens nothing yet.
    pub fn new(id: ComponentId, cfg: FileLogConfig, next: SharedConsumer<Logs>, meter: &Meter) -> Self {
        FileLogReceiver {
            telemetry: Telemetry::new(meter, &id.to_string()),
            id,
            cfg,
            next,
            running: Mutex::new(Running::default()),
        }
    }

    async fn storage_client(
        &self,
        host: &Arc<dyn Host>,
    ) -> Result<Option<Arc<dyn StorageClient>>, StartError> {
        let Some(sid) = &self.cfg.storage else {
            return Ok(None);
        };
        let ext = host
            .extension(sid)
            .ok_or_else(|| StartError::StorageNotFound(sid.to_string()))?;
        let storage = ext
            .storage()
            .ok_or_else(|| StartError::NotStorage(sid.to_string()))?;
        let client = storage
            .client(Kind::Receiver, &self.id, "")
            .await
            .map_err(|e| StartError::Storage(sid.to_string(), e))?;
        Ok(Some(client))
    }
}

/// Whether the loop stopped cleanly or gave up on data not yet accepted.
#[derive(Debug, PartialEq, Eq)]
enum Stop {
    /// Asked to stop between batches.
    Clean,
    /// Asked to stop while data was being retried: nothing more may be committed.
    Abandoned,
}

struct Loop {
    id: String,
    state: Arc<Mutex<State>>,
    client: Option<Arc<dyn StorageClient>>,
    next: SharedConsumer<Logs>,
    telemetry: Telemetry,
    poll_interval: Duration,
    retry: RetryConfig,
    stop: watch::Receiver<bool>,
    last_saved: Option<Vec<u8>>,
    /// The last store failed: store again even if nothing changed.
    resave: bool,
}

impl Loop {
    fn stopping(&self) -> bool {
        *self.stop.borrow() || self.stop.has_changed().is_err()
    }

    /// Runs `f` on the state on a blocking thread.
    async fn blocking<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut State) -> R + Send + 'static,
    ) -> Result<R, Stop> {
        let state = self.state.clone();
        tokio::task::spawn_blocking(move || f(&mut lock(&state)))
            .await
            .map_err(|e| {
                tracing::error!(receiver = %self.id, error = %e, "file reading failed");
                Stop::Abandoned
            })
    }

    async fn run(mut self) {
        let mut ticker = tokio::time::interval(self.poll_interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let outcome = loop {
            tokio::select! {
                _ = self.stop.changed() => break Stop::Clean,
                _ = ticker.tick() => {}
            }
            if let Err(stop) = self.poll().await {
                break stop;
            }
        };
        self.finish(outcome).await;
    }

    async fn poll(&mut self) -> Result<(), Stop> {
        self.blocking(|s| s.consumer.begin_poll()).await?;
        loop {
            let targets = self.blocking(|s| s.consumer.next_batch()).await?;
            if targets.is_empty() {
                break;
            }
            self.telemetry.reading_files.set(targets.len() as f64);
            for t in targets {
                loop {
                    if self.stopping() {
                        return Err(Stop::Clean);
                    }
                    let (out, more) = self
                        .blocking(move |s| {
                            let chunk = s.consumer.read(t, MAX_ENTRIES_PER_BATCH);
                            let now = Instant::now();
                            let mut out = Vec::new();
                            for e in chunk.entries {
                                s.pipeline.process(e, now, &mut out);
                            }
                            (out, chunk.more)
                        })
                        .await?;
                    self.deliver(out).await?;
                    self.save().await?;
                    if !more {
                        break;
                    }
                }
            }
        }
        self.telemetry.reading_files.set(0.0);
        let due = self
            .blocking(|s| {
                let mut out = Vec::new();
                s.pipeline.tick(Instant::now(), &mut out);
                out
            })
            .await?;
        self.deliver(due).await?;
        let open = self
            .blocking(|s| {
                let keep = s.consumer.single_batch();
                s.consumer.end_poll(keep);
                s.consumer.open_files()
            })
            .await?;
        self.telemetry.open_files.set(open as f64);
        self.save().await
    }

    /// Hands `entries` to the next consumer; retryable refusals are
    /// retried with backoff (back-pressure: nothing is committed meanwhile).
    async fn deliver(&mut self, entries: Vec<Entry>) -> Result<(), Stop> {
        if entries.is_empty() {
            return Ok(());
        }
        let n = entries.len() as u64;
        let logs = convert::to_logs(&entries);
        drop(entries);
        let started = Instant::now();
        let mut wait = self.retry.initial_interval.max(Duration::from_millis(10));
        loop {
            let err = match self.next.consume(logs.clone()).await {
                Ok(()) => {
                    self.telemetry.accepted.increment(n);
                    return Ok(());
                }
                Err(e) => e,
            };
            match err.kind() {
                ConsumeErrorKind::Retryable { retry_after } => {
                    let give_up = self.retry.enabled
                        && !self.retry.max_elapsed_time.is_zero()
                        && started.elapsed() >= self.retry.max_elapsed_time;
                    if give_up {
                        self.telemetry.refused.increment(n);
                        tracing::error!(
                            receiver = %self.id, error = %err, dropped_items = n,
                            "ConsumeLogs() failed; max_elapsed_time reached, dropping the entries"
                        );
                        return Ok(());
                    }
                    let pause = retry_after.unwrap_or(wait).min(self.retry.max_interval.max(wait));
                    tracing::warn!(
                        receiver = %self.id, error = %err, retry_in = ?pause,
                        "ConsumeLogs() failed; retrying (offsets are not advanced)"
                    );
                    tokio::select! {
                        _ = self.stop.changed() => return Err(Stop::Abandoned),
                        () = tokio::time::sleep(pause) => {}
                    }
                    wait = (wait * 2).min(self.retry.max_interval.max(self.retry.initial_interval));
                }
                ConsumeErrorKind::PartiallyRejected { rejected } => {
                    let rejected = (*rejected).min(n);
                    self.telemetry.accepted.increment(n - rejected);
                    self.telemetry.refused.increment(rejected);
                    tracing::error!(receiver = %self.id, error = %err, rejected, "ConsumeLogs() partially failed");
                    return Ok(());
                }
                _ => {
                    self.telemetry.refused.increment(n);
                    tracing::error!(
                        receiver = %self.id, error = %err, dropped_items = n,
                        "ConsumeLogs() failed permanently; dropping the entries"
                    );
                    return Ok(());
                }
            }
        }
    }

    /// Commits what was accepted and stores the offsets if they changed.
    async fn save(&mut self) -> Result<(), Stop> {
        let with_storage = self.client.is_some();
        let resave = self.resave;
        let bytes = self
            .blocking(move |s| {
                let State { consumer, pipeline } = s;
                let changed = consumer.commit(&|id| pipeline.held_min_start(id));
                (with_storage && (changed || resave)).then(|| checkpoint::encode(&consumer.checkpoint()))
            })
            .await?;
        let (Some(client), Some(bytes)) = (&self.client, bytes) else {
            return Ok(());
        };
        if self.last_saved.as_ref() == Some(&bytes) {
            return Ok(());
        }
        match client.set(KNOWN_FILES_KEY, bytes.clone()).await {
            Ok(()) => {
                self.last_saved = Some(bytes);
                self.resave = false;
            }
            Err(e) => {
                self.resave = true;
                tracing::error!(receiver = %self.id, error = %e, "Failed to sync to database");
            }
        }
        Ok(())
    }

    /// At shutdown: sends what the operators hold (once), stores the
    /// offsets, closes the storage client.
    async fn finish(&mut self, outcome: Stop) {
        if outcome == Stop::Clean {
            let held = self
                .blocking(|s| {
                    let mut out = Vec::new();
                    s.pipeline.flush_all(Instant::now(), &mut out);
                    out
                })
                .await
                .unwrap_or_default();
            if !held.is_empty() {
                let n = held.len() as u64;
                match self.next.consume(convert::to_logs(&held)).await {
                    Ok(()) => {
                        self.telemetry.accepted.increment(n);
                        let _ = self.save().await;
                    }
                    Err(e) => {
                        self.telemetry.refused.increment(n);
                        tracing::error!(
                            receiver = %self.id, error = %e,
                            "ConsumeLogs() failed at shutdown; the entries will be read again at restart"
                        );
                    }
                }
            } else {
                let _ = self.save().await;
            }
        }
        if let Some(client) = self.client.take() {
            if let Err(e) = client.close().await {
                tracing::error!(receiver = %self.id, error = %e, "closing the storage client failed");
            }
        }
    }
}

#[async_trait]
impl Component for FileLogReceiver {
    async fn start(&self, host: Arc<dyn Host>) -> Result<(), ComponentError> {
        if lock(&self.running).started {
            return Ok(());
        }
        let settings = ConsumerSettings::new(&self.cfg).map_err(|e| ComponentError::new(e.to_string()))?;
        let pipeline = operators::build(&self.cfg.operators, true)
            .map_err(|(k, m)| ComponentError::new(format!("{k}: {m}")))?;
        let client = self
            .storage_client(&host)
            .await
            .map_err(|e| ComponentError::new(e.to_string()))?;
        let restored = match &client {
            Some(c) => {
                let stored = c
                    .get(KNOWN_FILES_KEY)
                    .await
                    .map_err(|e| ComponentError::new(format!("read known files from database: {e}")))?;
                let files = stored
                    .map(|b| checkpoint::decode(&b))
                    .transpose()
                    .map_err(|e| ComponentError::new(e.to_string()))?
                    .unwrap_or_default();
                if !files.is_empty() {
                    tracing::info!(
                        receiver = %self.id, files = files.len(),
                        "Resuming from previously known offset(s). 'start_at' setting is not applicable."
                    );
                }
                files
            }
            None => Vec::new(),
        };
        let (stop_tx, stop_rx) = watch::channel(false);
        let lp = Loop {
            id: self.id.to_string(),
            state: Arc::new(Mutex::new(State {
                consumer: Consumer::new(settings, restored),
                pipeline,
            })),
            client,
            next: self.next.clone(),
            telemetry: self.telemetry.clone(),
            poll_interval: self.cfg.poll_interval,
            retry: self.cfg.retry_on_failure.clone(),
            stop: stop_rx,
            last_saved: None,
            resave: false,
        };
        let mut running = lock(&self.running);
        if running.started {
            return Ok(());
        }
        running.started = true;
        running.stop = Some(stop_tx);
        running.task = Some(tokio::spawn(lp.run()));
        tracing::info!(receiver = %self.id, include = ?self.cfg.include, "Starting file_log receiver");
        Ok(())
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        let (stop, task) = {
            let mut r = lock(&self.running);
            (r.stop.take(), r.task.take())
        };
        if let Some(stop) = stop {
            let _ = stop.send(true);
        }
        if let Some(task) = task {
            if let Err(e) = task.await {
                return Err(ComponentError::new(format!("file_log receiver task failed: {e}")));
            }
        }
        Ok(())
    }
}

impl Drop for FileLogReceiver {
    /// Dropped without `shutdown` (the process is going away): the poll
    /// loop stops where it is, as a killed process would; nothing more is
    /// sent or stored.
    fn drop(&mut self) {
        if let Some(task) = lock(&self.running).task.take() {
            task.abort();
        }
    }
}
