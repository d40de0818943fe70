//! A built graph with its lifecycle: start in dependency order, shut down in
//! the reverse order so everything accepted is flushed.

use std::sync::Arc;
use std::time::Duration;

use otelcol_component::{Component, ComponentError, ComponentId, Host, Kind, StatusEvent};
use tokio::sync::Mutex;
use tracing::Instrument;

use crate::graph::Graph;
use crate::graph::host::ServiceHost;

/// How long one component may take to shut down before the runtime moves on.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// A component failed to start.
#[derive(Debug, thiserror::Error)]
#[error("failed to start {kind} \"{id}\": {source}")]
pub struct StartError {
    /// The component's kind.
    pub kind: Kind,
    /// The component's id.
    pub id: ComponentId,
    /// Its error.
    #[source]
    pub source: ComponentError,
}

type Entry = (Kind, ComponentId, Arc<dyn Component>);

/// A running (or ready to run) set of pipelines.
#[derive(Debug)]
pub struct Service {
    graph: Graph,
    host: Arc<ServiceHost>,
    started: Mutex<Vec<Entry>>,
    shutdown_timeout: Duration,
}

impl Service {
    /// Wraps a built graph.
    pub fn new(graph: Graph) -> Self {
        let host = Arc::new(ServiceHost::new(graph.extensions.clone(), graph.info.clone()));
        Service {
            graph,
            host,
            started: Mutex::new(Vec::new()),
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
        }
    }

    /// Sets the per-component shutdown deadline.
    pub fn with_shutdown_timeout(mut self, t: Duration) -> Self {
        self.shutdown_timeout = t;
        self
    }

    /// The graph.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// Components in start order: extensions, exporters, processors (last to
    /// first in each pipeline), receivers.
    fn start_order(&self) -> Vec<Entry> {
        let g = &self.graph;
        let mut v: Vec<Entry> = Vec::new();
        v.extend(
            g.extensions
                .iter()
                .map(|(id, e)| (Kind::Extension, id.clone(), e.clone() as Arc<dyn Component>)),
        );
        v.extend(
            g.exporters
                .iter()
                .map(|(id, e)| (Kind::Exporter, id.clone(), e.clone() as Arc<dyn Component>)),
        );
        // Pipelines in build order (those connectors feed first), each
        // connector after the pipelines it feeds: shutdown, the reverse,
        // drains a pipeline into its connectors before they stop.
        for (i, (_, procs)) in g.processors.iter().enumerate() {
            v.extend(
                g.connectors
                    .iter()
                    .filter(|(after, _, _)| *after == i)
                    .map(|(_, id, c)| (Kind::Connector, id.clone(), c.clone())),
            );
            v.extend(
                procs
                    .iter()
                    .rev()
                    .map(|(id, p)| (Kind::Processor, id.clone(), p.clone())),
            );
        }
        v.extend(
            g.receivers
                .iter()
                .map(|(id, r)| (Kind::Receiver, id.clone(), r.clone())),
        );
        v
    }

    /// Starts everything; on failure, shuts down what already started and returns the error.
    pub async fn start(&self) -> Result<(), StartError> {
        let host: Arc<dyn Host> = self.host.clone();
        for (kind, id, c) in self.start_order() {
            host.report_status(&id, kind, StatusEvent::Starting);
            let span = tracing::info_span!("start", kind = %kind, id = %id);
            match c.start(host.clone()).instrument(span).await {
                Ok(()) => {
                    host.report_status(&id, kind, StatusEvent::Ok);
                    self.started.lock().await.push((kind, id, c));
                }
                Err(source) => {
                    host.report_status(&id, kind, StatusEvent::PermanentError(source.to_string()));
                    self.shutdown().await;
                    return Err(StartError { kind, id, source });
                }
            }
        }
        for (_, ext) in &self.graph.extensions {
            ext.ready().await;
        }
        Ok(())
    }

    /// Shuts down everything that started, receivers first, so that data in
    /// flight drains through processors to exporters. Errors are logged.
    pub async fn shutdown(&self) {
        for (_, ext) in &self.graph.extensions {
            ext.not_ready().await;
        }
        let started = std::mem::take(&mut *self.started.lock().await);
        for (kind, id, c) in started.into_iter().rev() {
            self.host.report_status(&id, kind, StatusEvent::Stopping);
            let span = tracing::info_span!("shutdown", kind = %kind, id = %id);
            match tokio::time::timeout(self.shutdown_timeout, c.shutdown().instrument(span)).await {
                Ok(Ok(())) => self.host.report_status(&id, kind, StatusEvent::Stopped),
                Ok(Err(e)) => {
                    tracing::error!(%kind, id = %id, error = %e, "component failed to shut down cleanly")
                }
                Err(_) => tracing::error!(
                    %kind, id = %id, timeout = ?self.shutdown_timeout,
                    "component did not shut down in time; data it still held may be lost"
                ),
            }
        }
    }
}
