//! The `spanmetrics` connector: factory, consumer and the flush loop.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use otelcol_component::build::unix_nanos_now;

use otelcol_component::{
    Capabilities, Component, ComponentError, Connector, ConnectorFactory, ConsumeError, Consumer,
    CreateError, Factory, Host, Metrics, Payload, Router, Settings, SharedConsumer, Signal, StabilityLevel,
    Traces, async_trait, for_pair,
};
use tokio_util::sync::CancellationToken;

use crate::aggregate::{Aggregator, Rules};
use crate::config::SpanMetricsConfig;

/// Stability of traces → metrics, as Go declares it.
pub(crate) const STABILITY: StabilityLevel = StabilityLevel::Alpha;

/// Creates [`SpanMetricsConnector`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct SpanMetricsConnectorFactory;

impl Factory for SpanMetricsConnectorFactory {
    type Config = SpanMetricsConfig;

    fn type_name(&self) -> &'static str {
        crate::TYPE
    }

    fn deprecated_aliases(&self) -> &'static [&'static str] {
        &[crate::DEPRECATED_TYPE]
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ConnectorFactory for SpanMetricsConnectorFactory {
    fn stability(&self, from: Signal, to: Signal) -> Option<StabilityLevel> {
        (from == Signal::Traces && to == Signal::Metrics).then_some(STABILITY)
    }

    fn create<F: Payload, T: Payload>(
        &self,
        set: &Settings,
        cfg: &SpanMetricsConfig,
        next: Router<T>,
    ) -> Result<Arc<dyn Connector<F>>, CreateError> {
        for_pair::<Traces, Metrics, F, T>(next, |next| {
            Ok(Arc::new(SpanMetricsConnector {
                id: set.id.to_string(),
                state: Arc::new(Mutex::new(Aggregator::new(Rules::new(cfg), unix_nanos_now()))),
                next: next.all()?,
                interval: cfg.metrics_flush_interval,
                flusher: Mutex::new(None),
            }))
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Aggregates spans into R.E.D. metrics and emits them every
/// `metrics_flush_interval` (and once more at shutdown).
pub struct SpanMetricsConnector {
    id: String,
    state: Arc<Mutex<Aggregator>>,
    next: SharedConsumer<Metrics>,
    interval: Duration,
    flusher: Mutex<Option<(CancellationToken, tokio::task::JoinHandle<()>)>>,
}

impl fmt::Debug for SpanMetricsConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpanMetricsConnector")
            .field("id", &self.id)
            .field("interval", &self.interval)
            .finish()
    }
}

/// Takes what is due and sends it on; a refusal is logged (the next flush
/// of cumulative metrics carries the counts again).
async fn flush(id: &str, state: &Mutex<Aggregator>, next: &SharedConsumer<Metrics>) {
    let due = lock(state).flush(unix_nanos_now(), Instant::now());
    if let Some(req) = due {
        if let Err(e) = next.consume(Metrics::from_request(req)).await {
            tracing::warn!(connector = %id, error = %e, "failed to send span metrics");
        }
    }
}

impl SpanMetricsConnector {
    /// Series held now.
    pub fn series(&self) -> u64 {
        lock(&self.state).series()
    }

    /// Emits what is aggregated now (as the flush interval does).
    pub async fn flush_now(&self) {
        flush(&self.id, &self.state, &self.next).await;
    }
}

#[async_trait]
impl Consumer<Traces> for SpanMetricsConnector {
    async fn consume(&self, data: Traces) -> Result<(), ConsumeError> {
        lock(&self.state).add(data.request(), unix_nanos_now(), Instant::now());
        Ok(())
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { mutates_data: false }
    }
}

#[async_trait]
impl Component for SpanMetricsConnector {
    async fn start(&self, _host: Arc<dyn Host>) -> Result<(), ComponentError> {
        let stop = CancellationToken::new();
        let (token, state, next, id, interval) = (
            stop.clone(),
            self.state.clone(),
            self.next.clone(),
            self.id.clone(),
            self.interval,
        );
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tokio::select! {
                    _ = token.cancelled() => return,
                    _ = tick.tick() => flush(&id, &state, &next).await,
                }
            }
        });
        if let Some((old, _)) = lock(&self.flusher).replace((stop, task)) {
            old.cancel();
        }
        Ok(())
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        let running = lock(&self.flusher).take();
        if let Some((stop, task)) = running {
            stop.cancel();
            let _ = task.await;
            // What was aggregated since the last tick is not lost.
            flush(&self.id, &self.state, &self.next).await;
        }
        Ok(())
    }
}
