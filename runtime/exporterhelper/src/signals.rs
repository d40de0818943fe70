//! [`SignalExporter`]: one exporter for every signal it is used for, built
//! from one client and one [`ExporterHelper`] per signal.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use otelcol_component::{
    Component, ComponentError, ConfigError, ConsumeError, Consumer, Exporter, Host, Logs, Metrics, Payload,
    Settings, SharedConsumer, Signal, Traces,
};

use crate::RetryConfig;
use crate::config::{QueueConfig, TimeoutConfig};
use crate::helper::ExporterHelper;
use crate::sender::Sender;

/// The client an exporter shares between its signals: what happens to it
/// around the helpers' lifecycle. Every method has a default that does
/// nothing, so a client without a connection to manage writes an empty impl.
#[async_trait]
pub trait ExportClient: Send + Sync + fmt::Debug + 'static {
    /// Called by `start` before the helpers start (connect, read TLS files).
    /// An error aborts the start.
    async fn start(&self, _host: &Arc<dyn Host>) -> Result<(), ComponentError> {
        Ok(())
    }

    /// Called by `shutdown` before the helpers drain their queues (for
    /// instance to connect, so that data queued before a start still gets
    /// its chance to be sent).
    async fn prepare_drain(&self) {}

    /// Called by `shutdown` once every helper was shut down, even when one
    /// of them failed.
    async fn close(&self) -> Result<(), ComponentError> {
        Ok(())
    }
}

/// A per-signal helper as [`SignalExporter`] holds it: the consumer the
/// pipelines feed, and the same object's lifecycle.
struct Slot<T: Payload> {
    consumer: SharedConsumer<T>,
    lifecycle: Arc<dyn Component>,
}

impl<T: Payload> Clone for Slot<T> {
    fn clone(&self) -> Self {
        Slot {
            consumer: self.consumer.clone(),
            lifecycle: self.lifecycle.clone(),
        }
    }
}

/// An exporter for all the signals it is used for: one shared client `C`
/// and one helper per signal (an [`ExporterHelper`] around the client's
/// [`Sender`], or any consumer with a lifecycle given to
/// [`with_helper`](Self::with_helper)).
///
/// - `start` starts the client, then every helper; the first error aborts.
/// - `shutdown` shuts down **every** helper, then closes the client, even
///   when a helper fails; the errors are returned together.
/// - It is the pipelines' consumer of each of its signals ([`Exporter`]),
///   and a [`Consumer`] of each itself (an unused signal is refused).
///
/// An exporter crate provides only the client:
///
/// ```
/// use std::sync::Arc;
/// use otelcol_component::{async_trait, ConsumeError, Exporter, Logs, Metrics, Payload, Signal, Traces};
/// use otelcol_exporterhelper::{
///     ExportClient, QueueConfig, RetryConfig, Sender, SignalExporter, TimeoutConfig,
/// };
///
/// #[derive(Debug)]
/// struct Stdout;
///
/// #[async_trait]
/// impl<T: Payload> Sender<T> for Stdout {
///     async fn send(&self, data: T) -> Result<(), ConsumeError> {
///         println!("{} items", data.item_count());
///         Ok(())
///     }
/// }
///
/// impl ExportClient for Stdout {}
///
/// # fn build(settings: &otelcol_component::Settings) -> Result<(), otelcol_component::ConfigError> {
/// let exporter = Arc::new(SignalExporter::for_signals(
///     settings,
///     Arc::new(Stdout),
///     &QueueConfig::default(),
///     &RetryConfig::default(),
///     TimeoutConfig::default(),
///     &[Signal::Traces, Signal::Logs],
/// )?);
/// assert!(exporter.clone().traces().is_some() && exporter.metrics().is_none());
/// # Ok(()) }
/// ```
pub struct SignalExporter<C: ExportClient> {
    client: Arc<C>,
    traces: Option<Slot<Traces>>,
    metrics: Option<Slot<Metrics>>,
    logs: Option<Slot<Logs>>,
}

impl<C: ExportClient> fmt::Debug for SignalExporter<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignalExporter")
            .field("client", &self.client)
            .field("signals", &self.signals())
            .finish()
    }
}

impl<C: ExportClient> SignalExporter<C> {
    /// An exporter of no signal yet around `client`.
    pub fn new(client: Arc<C>) -> Self {
        SignalExporter {
            client,
            traces: None,
            metrics: None,
            logs: None,
        }
    }

    /// An exporter of `signals` whose client sends every signal: one
    /// [`ExporterHelper`] per signal with the exporter's `sending_queue`,
    /// `retry_on_failure` and `timeout`.
    pub fn for_signals(
        settings: &Settings,
        client: Arc<C>,
        queue: &QueueConfig,
        retry: &RetryConfig,
        timeout: TimeoutConfig,
        signals: &[Signal],
    ) -> Result<Self, ConfigError>
    where
        C: Sender<Traces> + Sender<Metrics> + Sender<Logs>,
    {
        let mut exporter = SignalExporter::new(client);
        for signal in signals {
            if exporter.signals().contains(signal) {
                continue;
            }
            exporter = match signal {
                Signal::Traces => exporter.with_signal::<Traces>(settings, queue, retry, timeout)?,
                Signal::Metrics => exporter.with_signal::<Metrics>(settings, queue, retry, timeout)?,
                Signal::Logs => exporter.with_signal::<Logs>(settings, queue, retry, timeout)?,
            };
        }
        Ok(exporter)
    }

    /// Adds signal `T`: an [`ExporterHelper`] around the client's sender.
    pub fn with_signal<T: Payload>(
        self,
        settings: &Settings,
        queue: &QueueConfig,
        retry: &RetryConfig,
        timeout: TimeoutConfig,
    ) -> Result<Self, ConfigError>
    where
        C: Sender<T>,
    {
        let sender: Arc<dyn Sender<T>> = self.client.clone();
        let helper = ExporterHelper::<T>::new(settings, queue.clone(), retry.clone(), timeout, sender)?;
        self.with_helper::<T, _>(Arc::new(helper))
    }

    /// Sets the helper of signal `T` to any consumer with a lifecycle.
    pub fn with_helper<T, H>(mut self, helper: Arc<H>) -> Result<Self, ConfigError>
    where
        T: Payload,
        H: Consumer<T> + Component + 'static,
    {
        let slot = Slot {
            consumer: helper.clone(),
            lifecycle: helper,
        };
        let Some(place) = self.slot_mut::<T>() else {
            return Err(ConfigError::new(format!(
                "payload type {} does not carry {:?}",
                std::any::type_name::<T>(),
                T::SIGNAL
            )));
        };
        *place = Some(slot);
        Ok(self)
    }

    /// The client.
    pub fn client(&self) -> &Arc<C> {
        &self.client
    }

    /// The signals this exporter has a helper for.
    pub fn signals(&self) -> Vec<Signal> {
        let mut out = Vec::new();
        if self.traces.is_some() {
            out.push(Signal::Traces);
        }
        if self.metrics.is_some() {
            out.push(Signal::Metrics);
        }
        if self.logs.is_some() {
            out.push(Signal::Logs);
        }
        out
    }

    fn slot<T: Payload>(&self) -> Option<&Slot<T>> {
        let any: &dyn Any = match T::SIGNAL {
            Signal::Traces => &self.traces,
            Signal::Metrics => &self.metrics,
            Signal::Logs => &self.logs,
        };
        any.downcast_ref::<Option<Slot<T>>>()?.as_ref()
    }

    fn slot_mut<T: Payload>(&mut self) -> Option<&mut Option<Slot<T>>> {
        let any: &mut dyn Any = match T::SIGNAL {
            Signal::Traces => &mut self.traces,
            Signal::Metrics => &mut self.metrics,
            Signal::Logs => &mut self.logs,
        };
        any.downcast_mut::<Option<Slot<T>>>()
    }

    fn lifecycles(&self) -> Vec<Arc<dyn Component>> {
        let traces = self.traces.as_ref().map(|s| s.lifecycle.clone());
        let metrics = self.metrics.as_ref().map(|s| s.lifecycle.clone());
        let logs = self.logs.as_ref().map(|s| s.lifecycle.clone());
        [traces, metrics, logs].into_iter().flatten().collect()
    }
}

#[async_trait]
impl<C: ExportClient> Component for SignalExporter<C> {
    async fn start(&self, host: Arc<dyn Host>) -> Result<(), ComponentError> {
        self.client.start(&host).await?;
        for helper in self.lifecycles() {
            helper.start(host.clone()).await?;
        }
        Ok(())
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        self.client.prepare_drain().await;
        let mut errors = Vec::new();
        for helper in self.lifecycles() {
            if let Err(e) = helper.shutdown().await {
                errors.push(e.to_string());
            }
        }
        if let Err(e) = self.client.close().await {
            errors.push(format!("closing the client: {e}"));
        }
        match errors.len() {
            0 => Ok(()),
            _ => Err(ComponentError::new(errors.join("; "))),
        }
    }
}

#[async_trait]
impl<T: Payload, C: ExportClient> Consumer<T> for SignalExporter<C> {
    async fn consume(&self, data: T) -> Result<(), ConsumeError> {
        match self.slot::<T>() {
            Some(slot) => slot.consumer.consume(data).await,
            None => Err(ConsumeError::permanent(format!(
                "this exporter was not created for {:?}",
                T::SIGNAL
            ))),
        }
    }
}

impl<C: ExportClient> Exporter for SignalExporter<C> {
    fn traces(self: Arc<Self>) -> Option<SharedConsumer<Traces>> {
        self.slot::<Traces>().map(|s| s.consumer.clone())
    }
    fn metrics(self: Arc<Self>) -> Option<SharedConsumer<Metrics>> {
        self.slot::<Metrics>().map(|s| s.consumer.clone())
    }
    fn logs(self: Arc<Self>) -> Option<SharedConsumer<Logs>> {
        self.slot::<Logs>().map(|s| s.consumer.clone())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a panic is a test failure
mod tests {
    use std::sync::Mutex;

    use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
    use otelcol_component::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};

    use otelcol_component::Kind;
    use otelcol_componenttest::{NopHost, nop_settings};

    use super::*;

    /// Records what happened, in order.
    #[derive(Debug, Default)]
    struct Journal(Mutex<Vec<String>>);

    impl Journal {
        fn note(&self, what: impl Into<String>) {
            self.0.lock().unwrap_or_else(|e| e.into_inner()).push(what.into());
        }
        fn entries(&self) -> Vec<String> {
            self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
        }
    }

    #[derive(Debug)]
    struct Client {
        journal: Arc<Journal>,
        close_fails: bool,
    }

    #[async_trait]
    impl ExportClient for Client {
        async fn start(&self, _host: &Arc<dyn Host>) -> Result<(), ComponentError> {
            self.journal.note("client start");
            Ok(())
        }
        async fn prepare_drain(&self) {
            self.journal.note("client prepare_drain");
        }
        async fn close(&self) -> Result<(), ComponentError> {
            self.journal.note("client close");
            if self.close_fails {
                return Err(ComponentError::new("close failed"));
            }
            Ok(())
        }
    }

    #[async_trait]
    impl<T: Payload> Sender<T> for Client {
        async fn send(&self, data: T) -> Result<(), ConsumeError> {
            self.journal
                .note(format!("send {:?} {}", T::SIGNAL, data.item_count()));
            Ok(())
        }
    }

    /// A per-signal helper that records its lifecycle and may fail to shut down.
    #[derive(Debug)]
    struct Helper {
        name: &'static str,
        journal: Arc<Journal>,
        shutdown_fails: bool,
    }

    #[async_trait]
    impl Component for Helper {
        async fn start(&self, _host: Arc<dyn Host>) -> Result<(), ComponentError> {
            self.journal.note(format!("{} start", self.name));
            Ok(())
        }
        async fn shutdown(&self) -> Result<(), ComponentError> {
            self.journal.note(format!("{} shutdown", self.name));
            if self.shutdown_fails {
                return Err(ComponentError::new(format!("{} shutdown failed", self.name)));
            }
            Ok(())
        }
    }

    #[async_trait]
    impl<T: Payload> Consumer<T> for Helper {
        async fn consume(&self, _data: T) -> Result<(), ConsumeError> {
            self.journal.note(format!("{} consume", self.name));
            Ok(())
        }
    }

    fn logs(n: usize) -> Logs {
        Logs::from_request(ExportLogsServiceRequest {
            resource_logs: vec![ResourceLogs {
                scope_logs: vec![ScopeLogs {
                    log_records: vec![LogRecord::default(); n],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        })
    }

    fn parts(close_fails: bool) -> (Arc<Journal>, SignalExporter<Client>) {
        let journal = Arc::new(Journal::default());
        let client = Arc::new(Client {
            journal: journal.clone(),
            close_fails,
        });
        (journal, SignalExporter::new(client))
    }

    fn helper(journal: &Arc<Journal>, name: &'static str, shutdown_fails: bool) -> Arc<Helper> {
        Arc::new(Helper {
            name,
            journal: journal.clone(),
            shutdown_fails,
        })
    }

    #[tokio::test]
    async fn a_failing_helper_does_not_keep_the_others_running_or_the_client_open() {
        let (journal, e) = parts(false);
        let e = e
            .with_helper::<Traces, _>(helper(&journal, "traces", true))
            .and_then(|e| e.with_helper::<Metrics, _>(helper(&journal, "metrics", false)))
            .and_then(|e| e.with_helper::<Logs, _>(helper(&journal, "logs", false)))
            .unwrap();
        e.start(NopHost::new()).await.unwrap();
        let err = e.shutdown().await.unwrap_err();
        assert_eq!(err.to_string(), "traces shutdown failed");
        assert_eq!(
            journal.entries(),
            [
                "client start",
                "traces start",
                "metrics start",
                "logs start",
                "client prepare_drain",
                "traces shutdown",
                "metrics shutdown",
                "logs shutdown",
                "client close",
            ]
        );
    }

    #[tokio::test]
    async fn every_failure_is_reported_together() {
        let (journal, e) = parts(true);
        let e = e
            .with_helper::<Metrics, _>(helper(&journal, "metrics", true))
            .and_then(|e| e.with_helper::<Logs, _>(helper(&journal, "logs", true)))
            .unwrap();
        let err = e.shutdown().await.unwrap_err().to_string();
        assert_eq!(
            err,
            "metrics shutdown failed; logs shutdown failed; closing the client: close failed"
        );
        assert_eq!(journal.entries().last().map(String::as_str), Some("client close"));
    }

    #[tokio::test]
    async fn helpers_for_the_signals_used_send_through_the_client() {
        let journal = Arc::new(Journal::default());
        let client = Arc::new(Client {
            journal: journal.clone(),
            close_fails: false,
        });
        let set = nop_settings("test", Kind::Exporter);
        let queue = QueueConfig {
            enabled: false,
            ..QueueConfig::default()
        };
        let e = Arc::new(
            SignalExporter::for_signals(
                &set,
                client,
                &queue,
                &RetryConfig::default(),
                TimeoutConfig::default(),
                &[Signal::Metrics, Signal::Logs, Signal::Metrics],
            )
            .unwrap(),
        );
        assert_eq!(e.signals(), [Signal::Metrics, Signal::Logs]);
        assert!(e.clone().traces().is_none());
        e.start(NopHost::new()).await.unwrap();
        let consumer = e.clone().logs().unwrap();
        consumer.consume(logs(3)).await.unwrap();
        let err = Consumer::<Traces>::consume(&*e, Traces::default())
            .await
            .unwrap_err();
        assert!(err.is_permanent() && err.message().contains("Traces"), "{err}");
        e.shutdown().await.unwrap();
        assert_eq!(
            journal.entries(),
            [
                "client start",
                "send Logs 3",
                "client prepare_drain",
                "client close"
            ]
        );
    }

    #[test]
    fn a_bad_queue_is_refused_when_the_helper_is_built() {
        let (_, e) = parts(false);
        let queue = QueueConfig {
            num_consumers: 0,
            ..QueueConfig::default()
        };
        let set = nop_settings("test", Kind::Exporter);
        let err = e
            .with_signal::<Traces>(&set, &queue, &RetryConfig::default(), TimeoutConfig::default())
            .unwrap_err();
        assert_eq!(err.key.as_deref(), Some("sending_queue::num_consumers"));
    }
}
