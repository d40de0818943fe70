//! The `inprocess` receiver: instead of listening on a socket, it hands the
//! pipelines' entry consumers to the program that embeds the runtime.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use otelcol_component::{
    Component, ComponentConfig, ComponentError, ConsumeError, Consumers, CreateError, Factory, Host, Logs,
    Metrics, ReceiverFactory, Settings, Signal, StabilityLevel, Traces, async_trait,
};
use serde::{Deserialize, Serialize};

/// The component type name used in config.
pub(crate) const TYPE: &str = "inprocess";

/// Config of the `inprocess` receiver: it has no settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InProcessConfig {}

impl ComponentConfig for InProcessConfig {}

/// Why a payload could not be handed to the pipeline.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The receiver is not running (not started yet, or shut down).
    #[error("the in-process receiver is not running")]
    NotRunning,
    /// No pipeline of this signal lists the receiver.
    #[error("no {0} pipeline uses the in-process receiver")]
    NoPipeline(Signal),
    /// The pipeline refused the data.
    #[error(transparent)]
    Rejected(#[from] ConsumeError),
}

#[derive(Debug, Default)]
struct Slot {
    consumers: Option<Consumers>,
    running: bool,
}

/// The program's end of the `inprocess` receiver: hand payloads to the
/// pipelines with [`InProcessHandle::traces`] (and `metrics`, `logs`).
/// Cloning is cheap; every clone feeds the same receiver.
#[derive(Clone, Debug, Default)]
pub struct InProcessHandle {
    slot: Arc<Mutex<Slot>>,
    in_flight: Arc<AtomicUsize>,
}

/// Counts one hand-off while it waits for the pipeline.
struct InFlight<'a>(&'a AtomicUsize);

impl<'a> InFlight<'a> {
    fn new(n: &'a AtomicUsize) -> Self {
        n.fetch_add(1, Ordering::SeqCst);
        InFlight(n)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl InProcessHandle {
    /// A handle and the receiver factory bound to it (register the factory
    /// with `Factories::builder().receiver(..)`).
    pub fn new() -> (InProcessHandle, InProcessReceiverFactory) {
        let handle = InProcessHandle::default();
        (handle.clone(), InProcessReceiverFactory { handle })
    }

    fn lock(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Hand-offs waiting for the pipeline to accept their data right now
    /// (the batch processor answers once the batch is exported).
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Whether the receiver is running.
    pub fn is_running(&self) -> bool {
        self.lock().running
    }

    fn consumers(&self) -> Result<Consumers, SendError> {
        let slot = self.lock();
        match (&slot.consumers, slot.running) {
            (Some(c), true) => Ok(c.clone()),
            _ => Err(SendError::NotRunning),
        }
    }

    /// Hands spans to every traces pipeline that lists the receiver; returns
    /// once the pipeline accepted them (back-pressure is the await).
    pub async fn traces(&self, data: Traces) -> Result<(), SendError> {
        let c = self
            .consumers()?
            .traces
            .ok_or(SendError::NoPipeline(Signal::Traces))?;
        let _counted = InFlight::new(&self.in_flight);
        Ok(c.consume(data).await?)
    }

    /// Hands metrics to the metrics pipelines.
    pub async fn metrics(&self, data: Metrics) -> Result<(), SendError> {
        let c = self
            .consumers()?
            .metrics
            .ok_or(SendError::NoPipeline(Signal::Metrics))?;
        let _counted = InFlight::new(&self.in_flight);
        Ok(c.consume(data).await?)
    }

    /// Hands logs to the logs pipelines.
    pub async fn logs(&self, data: Logs) -> Result<(), SendError> {
        let c = self
            .consumers()?
            .logs
            .ok_or(SendError::NoPipeline(Signal::Logs))?;
        let _counted = InFlight::new(&self.in_flight);
        Ok(c.consume(data).await?)
    }
}

/// Creates the `inprocess` receiver; bound to one [`InProcessHandle`].
#[derive(Debug)]
pub struct InProcessReceiverFactory {
    handle: InProcessHandle,
}

impl Factory for InProcessReceiverFactory {
    type Config = InProcessConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ReceiverFactory for InProcessReceiverFactory {
    fn stability(&self, _signal: Signal) -> Option<StabilityLevel> {
        Some(StabilityLevel::Development)
    }

    fn create(
        &self,
        set: &Settings,
        _cfg: &InProcessConfig,
        next: Consumers,
    ) -> Result<Arc<dyn Component>, CreateError> {
        tracing::debug!(id = %set.id, "created in-process receiver");
        Ok(Arc::new(InProcessReceiver {
            handle: self.handle.clone(),
            next,
        }))
    }
}

/// The receiver: publishes its consumers to the handle while it runs.
#[derive(Debug)]
struct InProcessReceiver {
    handle: InProcessHandle,
    next: Consumers,
}

#[async_trait]
impl Component for InProcessReceiver {
    async fn start(&self, _host: Arc<dyn Host>) -> Result<(), ComponentError> {
        let mut slot = self.handle.lock();
        if slot.running {
            return Err(ComponentError::new(
                "another inprocess receiver already uses this handle; configure only one",
            ));
        }
        slot.consumers = Some(self.next.clone());
        slot.running = true;
        Ok(())
    }

    /// Stops taking new data; what was handed in already drains downstream.
    async fn shutdown(&self) -> Result<(), ComponentError> {
        let mut slot = self.handle.lock();
        slot.consumers = None;
        slot.running = false;
        Ok(())
    }
}
