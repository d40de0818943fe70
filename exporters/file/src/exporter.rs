//! The `file` exporter: queues payloads to one writer thread per instance.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Sender, TrySendError};
use otelcol_component::{
    Component, ComponentError, ConsumeError, Consumer, Exporter, Host, Logs, Metrics, Settings,
    SharedConsumer, Traces, async_trait,
};
use tokio::sync::{RwLock, Semaphore};

use crate::config::{FileConfig, Format};
use crate::error::FileExporterError;
use crate::sink::{OpenMode, Rotation, Sink};
use crate::writer::{Failure, Item, Job, Writer};

/// Payloads that may wait for the writer; when all are taken `consume` waits.
pub const QUEUE_CAPACITY: usize = 1024;

#[derive(Debug)]
struct Running {
    tx: Sender<Job>,
    slots: Arc<Semaphore>,
    failure: Failure,
    thread: JoinHandle<std::io::Result<()>>,
}

#[derive(Debug)]
enum State {
    Created,
    Running(Running),
    Stopped,
}

/// Writes every payload of every signal it serves to one file, as OTLP/JSON
/// lines or length-prefixed protobuf. `consume` returns once the payload is
/// queued to the writer thread; `shutdown` returns once everything queued is
/// written, flushed and synced.
#[derive(Debug)]
pub struct FileExporter {
    id: String,
    meter: otelcol_component::Meter,
    cfg: FileConfig,
    state: RwLock<State>,
}

impl FileExporter {
    /// An exporter for the component in `set` with the validated config `cfg`.
    pub fn new(set: &Settings, cfg: &FileConfig) -> Self {
        FileExporter {
            id: set.id.to_string(),
            meter: set.telemetry.meter.clone(),
            cfg: cfg.clone(),
            state: RwLock::new(State::Created),
        }
    }

    fn open(&self) -> Result<Running, FileExporterError> {
        let path = Path::new(&self.cfg.path);
        if self.cfg.create_directory {
            create_parent(path, self.cfg.directory_mode()).map_err(|source| {
                FileExporterError::CreateDirectory {
                    path: self.cfg.path.clone(),
                    source,
                }
            })?;
        }
        let rotation = self.cfg.rotation.as_ref().map(|r| Rotation {
            max_bytes: r.max_bytes(),
            max_backups: r.max_backups,
            max_age: (r.max_days > 0).then(|| Duration::from_secs(u64::from(r.max_days) * 86_400)),
        });
        let mode = if self.cfg.append {
            OpenMode::Append
        } else {
            OpenMode::Truncate
        };
        let sink = Sink::open(path, mode, rotation).map_err(|source| FileExporterError::Open {
            path: self.cfg.path.clone(),
            source,
        })?;
        let failure: Failure = Arc::new(Mutex::new(None));
        let writer = Writer::new(
            self.id.clone(),
            sink,
            self.cfg.format,
            self.cfg.compressed(),
            self.cfg.effective_flush_interval(),
            failure.clone(),
            &self.meter,
        );
        let (tx, rx) = crossbeam_channel::bounded(QUEUE_CAPACITY);
        let thread = std::thread::Builder::new()
            .name(format!("otelcol-file-{}", self.id))
            .spawn(move || writer.run(rx))
            .map_err(FileExporterError::Spawn)?;
        Ok(Running {
            tx,
            slots: Arc::new(Semaphore::new(QUEUE_CAPACITY)),
            failure,
            thread,
        })
    }

    async fn enqueue(&self, item: Item) -> Result<(), ConsumeError> {
        if item.has_no_resources() {
            return Ok(());
        }
        if self.cfg.format == Format::Proto && u32::try_from(item.encoded_len()).is_err() {
            return Err(ConsumeError::invalid_data(
                "payload is larger than the 4 GiB a length prefix can describe",
            ));
        }
        let state = self.state.read().await;
        let run = match &*state {
            State::Running(run) => run,
            State::Created => {
                return Err(ConsumeError::permanent(format!(
                    "exporter {} is not started",
                    self.id
                )));
            }
            State::Stopped => {
                return Err(ConsumeError::permanent(format!(
                    "exporter {} is shut down",
                    self.id
                )));
            }
        };
        if let Some(cause) = failure_of(&run.failure) {
            return Err(ConsumeError::permanent(format!(
                "writing to \"{}\" failed: {cause}",
                self.cfg.path
            )));
        }
        let slot = run
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ConsumeError::permanent("file exporter queue is closed"))?;
        run.tx.try_send(Job { item, _slot: slot }).map_err(|e| match e {
            TrySendError::Full(_) => ConsumeError::retryable("file exporter queue is full"),
            TrySendError::Disconnected(_) => ConsumeError::permanent(format!(
                "file exporter writer for \"{}\" has stopped",
                self.cfg.path
            )),
        })
    }
}

fn failure_of(f: &Failure) -> Option<String> {
    match f.lock() {
        Ok(g) => g.clone(),
        Err(_) => Some("writer thread panicked".into()),
    }
}

fn create_parent(path: &Path, mode: u32) -> std::io::Result<()> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    b.create(dir)
}

#[async_trait]
impl Component for FileExporter {
    async fn start(&self, _host: Arc<dyn Host>) -> Result<(), ComponentError> {
        let mut state = self.state.write().await;
        match &*state {
            State::Created => {}
            State::Running(_) => return Ok(()),
            State::Stopped => return Err(ComponentError::new("file exporter cannot be restarted")),
        }
        let run = self.open().map_err(|e| ComponentError::new(e.to_string()))?;
        *state = State::Running(run);
        Ok(())
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        // Waits for consume calls in flight; later ones see `Stopped`.
        let old = std::mem::replace(&mut *self.state.write().await, State::Stopped);
        let State::Running(run) = old else { return Ok(()) };
        let Running {
            tx,
            slots,
            failure,
            thread,
        } = run;
        // Dropping the only sender lets the writer drain the queue and exit.
        drop(tx);
        slots.close();
        let joined = tokio::task::spawn_blocking(move || thread.join())
            .await
            .map_err(|e| ComponentError::new(format!("file exporter shutdown failed: {e}")))?;
        match joined {
            Err(_) => Err(ComponentError::new("file exporter writer thread panicked")),
            Ok(Err(e)) => Err(ComponentError::with_source(
                format!("file exporter cannot flush \"{}\"", self.cfg.path),
                e,
            )),
            Ok(Ok(())) => match failure_of(&failure) {
                Some(cause) => Err(ComponentError::new(format!(
                    "file exporter lost data writing to \"{}\": {cause}",
                    self.cfg.path
                ))),
                None => Ok(()),
            },
        }
    }
}

impl Exporter for FileExporter {
    fn traces(self: Arc<Self>) -> Option<SharedConsumer<Traces>> {
        Some(self)
    }
    fn metrics(self: Arc<Self>) -> Option<SharedConsumer<Metrics>> {
        Some(self)
    }
    fn logs(self: Arc<Self>) -> Option<SharedConsumer<Logs>> {
        Some(self)
    }
}

#[async_trait]
impl Consumer<Traces> for FileExporter {
    async fn consume(&self, data: Traces) -> Result<(), ConsumeError> {
        self.enqueue(Item::Traces(data)).await
    }
}

#[async_trait]
impl Consumer<Metrics> for FileExporter {
    async fn consume(&self, data: Metrics) -> Result<(), ConsumeError> {
        self.enqueue(Item::Metrics(data)).await
    }
}

#[async_trait]
impl Consumer<Logs> for FileExporter {
    async fn consume(&self, data: Logs) -> Result<(), ConsumeError> {
        self.enqueue(Item::Logs(data)).await
    }
}
