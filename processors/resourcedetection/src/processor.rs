//! The processor: detects at start (and every `refresh_interval`), then
//! merges the detected resource into every resource of every payload.

use std::any::Any;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::{
    Capabilities, Component, ComponentError, ConsumeError, Consumer, Host, Payload, SharedConsumer,
    async_trait,
};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::ResourceDetectionConfig;
use crate::detect::{Detected, Detector, detect_all, merge_attributes, merge_schema_url};

/// What every instance shares with its refresh task.
#[derive(Debug)]
struct Inner {
    detectors: Vec<Detector>,
    timeout: Duration,
    override_existing: bool,
    /// The last good detection (empty before start).
    current: RwLock<Arc<Detected>>,
}

impl Inner {
    fn current(&self) -> Arc<Detected> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set(&self, detected: Detected) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(detected);
    }

    /// One periodic re-detection (Go `ResourceProvider.Refresh`): a failure
    /// keeps the previous resource if there was a non-empty one.
    async fn refresh(&self) {
        match detect_all(&self.detectors, self.timeout).await {
            Ok(found) => self.set(found),
            Err(e) if !self.current().attributes.is_empty() => {
                tracing::warn!(error = %e, "resource refresh failed; keeping previous snapshot");
            }
            Err(e) => {
                tracing::warn!(error = %e, "resource refresh failed");
                self.set(Detected::default());
            }
        }
    }
}

/// The background refresh task and the way to stop it.
#[derive(Debug)]
struct Refresher {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// The `resource_detection` processor for payload type `T`.
pub struct ResourceDetectionProcessor<T: Payload> {
    inner: Arc<Inner>,
    refresh_interval: Duration,
    refresher: Mutex<Option<Refresher>>,
    next: SharedConsumer<T>,
}

impl<T: Payload> ResourceDetectionProcessor<T> {
    /// A processor for `cfg` (already validated) feeding `next`.
    pub fn new(cfg: &ResourceDetectionConfig, next: SharedConsumer<T>) -> Self {
        ResourceDetectionProcessor {
            inner: Arc::new(Inner {
                detectors: Detector::from_config(cfg),
                timeout: cfg.timeout,
                override_existing: cfg.override_existing,
                current: RwLock::new(Arc::new(Detected::default())),
            }),
            refresh_interval: cfg.refresh_interval,
            refresher: Mutex::new(None),
            next,
        }
    }

    /// The resource detected so far (empty before `start`).
    pub fn detected(&self) -> Detected {
        (*self.inner.current()).clone()
    }
}

impl<T: Payload> fmt::Debug for ResourceDetectionProcessor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceDetectionProcessor")
            .field("signal", &T::SIGNAL)
            .field(
                "detectors",
                &self
                    .inner
                    .detectors
                    .iter()
                    .map(Detector::name)
                    .collect::<Vec<_>>(),
            )
            .field("override", &self.inner.override_existing)
            .finish()
    }
}

#[async_trait]
impl<T: Payload> Component for ResourceDetectionProcessor<T> {
    /// Detects within `timeout`; any detector failing fails start, as in Go.
    /// Then starts the refresh task when `refresh_interval` is set.
    async fn start(&self, _host: Arc<dyn Host>) -> Result<(), ComponentError> {
        let found = detect_all(&self.inner.detectors, self.inner.timeout)
            .await
            .map_err(|e| ComponentError::new(e.to_string()))?;
        self.inner.set(found);
        if self.refresh_interval.is_zero() {
            return Ok(());
        }
        let (stop, mut stopped) = oneshot::channel();
        let inner = self.inner.clone();
        let period = self.refresh_interval;
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = &mut stopped => return,
                    _ = ticks.tick() => {}
                }
                tokio::select! {
                    _ = &mut stopped => return,
                    () = inner.refresh() => {}
                }
            }
        });
        let old = self
            .refresher
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .replace(Refresher { stop, task });
        if let Some(old) = old {
            old.task.abort();
        }
        Ok(())
    }

    /// Stops the refresh task; nothing is buffered.
    async fn shutdown(&self) -> Result<(), ComponentError> {
        let refresher = self
            .refresher
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(r) = refresher {
            // The task may have ended already; either way it is gone after the join.
            let _ = r.stop.send(());
            if let Err(e) = r.task.await
                && e.is_panic()
            {
                return Err(ComponentError::new("resource refresh task panicked"));
            }
        }
        Ok(())
    }
}

#[async_trait]
impl<T: Payload> Consumer<T> for ResourceDetectionProcessor<T> {
    async fn consume(&self, mut data: T) -> Result<(), ConsumeError> {
        let detected = self.inner.current();
        if !detected.attributes.is_empty() {
            let override_existing = self.inner.override_existing;
            data.for_each_resource_mut(|r| {
                merge_attributes(&mut r.attributes, &detected.attributes, override_existing);
            });
        }
        if !detected.schema_url.is_empty() {
            set_schema_urls(&mut data, &detected.schema_url);
        }
        self.next.consume(data).await
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { mutates_data: true }
    }
}

/// Sets the detected schema URL on every resource entry that has none.
fn set_schema_urls<T: Payload>(data: &mut T, url: &str) {
    let req: &mut dyn Any = data.request_mut();
    if let Some(r) = req.downcast_mut::<ExportTraceServiceRequest>() {
        for e in &mut r.resource_spans {
            e.schema_url = merge_schema_url(&e.schema_url, url);
        }
    } else if let Some(r) = req.downcast_mut::<ExportMetricsServiceRequest>() {
        for e in &mut r.resource_metrics {
            e.schema_url = merge_schema_url(&e.schema_url, url);
        }
    } else if let Some(r) = req.downcast_mut::<ExportLogsServiceRequest>() {
        for e in &mut r.resource_logs {
            e.schema_url = merge_schema_url(&e.schema_url, url);
        }
    }
}
