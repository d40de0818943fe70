//! Self-metrics and drop logs, with the Go collector's names and labels.
//! Messages quoted in logs and status reports have URL passwords redacted.
//!
//! Every item an exporter accepted and did not deliver is counted in
//! `otelcol_exporter_send_failed_*` (label `exporter`): sends given up on,
//! items refused by a partial success, and what the sending queue drops at
//! shutdown. The service reads these counters to report the loss of a run
//! when it stops.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};

use otelcol_component::{ComponentId, Host, Kind, Meter, Signal, StatusEvent};

use otelcol_component::redact::redact_url;

/// Reports the exporter's health to the host on transitions only: the first
/// failed attempt after success reports `RecoverableError` (health_check's
/// `exporter_failure` watches it), the first success after failures `Ok`.
#[derive(Debug, Default)]
pub(crate) struct StatusReporter {
    id: Option<ComponentId>,
    host: OnceLock<Arc<dyn Host>>,
    /// 0 unknown, 1 ok, 2 failing.
    state: AtomicU8,
}

impl StatusReporter {
    pub(crate) fn new(id: ComponentId) -> Self {
        StatusReporter {
            id: Some(id),
            ..Default::default()
        }
    }

    pub(crate) fn set_host(&self, host: Arc<dyn Host>) {
        let _ = self.host.set(host);
    }

    fn report(&self, new: u8, event: impl FnOnce() -> StatusEvent) {
        if self.state.swap(new, Ordering::AcqRel) == new {
            return;
        }
        if let (Some(host), Some(id)) = (self.host.get(), &self.id) {
            host.report_status(id, Kind::Exporter, event());
        }
    }

    pub(crate) fn ok(&self) {
        self.report(1, || StatusEvent::Ok);
    }

    pub(crate) fn failing(&self, error: &str) {
        self.report(2, || {
            StatusEvent::RecoverableError(redact_url(error).into_owned())
        });
    }
}

/// Metric names for one signal.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Names {
    pub(crate) sent: &'static str,
    pub(crate) send_failed: &'static str,
    pub(crate) enqueue_failed: &'static str,
}

/// `otelcol_exporter_queue_size`: current size of the sending queue, in sizer units.
pub const QUEUE_SIZE: &str = "otelcol_exporter_queue_size";
/// `otelcol_exporter_queue_capacity`: capacity of the sending queue, in sizer units.
pub const QUEUE_CAPACITY: &str = "otelcol_exporter_queue_capacity";

/// `otelcol_exporter_queue_batch_send_size`: histogram of the size of the
/// batches sent by `sending_queue::batch`, in units of its `sizer`.
pub const QUEUE_BATCH_SEND_SIZE: &str = "otelcol_exporter_queue_batch_send_size";
/// `otelcol_exporter_queue_batch_send_size_bytes`: histogram of the bytes of
/// those batches; recorded only at the `detailed` metrics level.
pub const QUEUE_BATCH_SEND_SIZE_BYTES: &str = "otelcol_exporter_queue_batch_send_size_bytes";

/// The counter names for `signal`: `otelcol_exporter_sent_spans`,
/// `otelcol_exporter_send_failed_metric_points`, ...
pub fn counter_names(signal: Signal) -> (&'static str, &'static str, &'static str) {
    let n = names(signal);
    (n.sent, n.send_failed, n.enqueue_failed)
}

pub(crate) fn names(signal: Signal) -> Names {
    match signal {
        Signal::Traces => Names {
            sent: "otelcol_exporter_sent_spans",
            send_failed: "otelcol_exporter_send_failed_spans",
            enqueue_failed: "otelcol_exporter_enqueue_failed_spans",
        },
        Signal::Metrics => Names {
            sent: "otelcol_exporter_sent_metric_points",
            send_failed: "otelcol_exporter_send_failed_metric_points",
            enqueue_failed: "otelcol_exporter_enqueue_failed_metric_points",
        },
        Signal::Logs => Names {
            sent: "otelcol_exporter_sent_log_records",
            send_failed: "otelcol_exporter_send_failed_log_records",
            enqueue_failed: "otelcol_exporter_enqueue_failed_log_records",
        },
    }
}

/// Records the outcomes of one exporter for one signal.
#[derive(Clone, Debug)]
pub(crate) struct Telemetry {
    pub(crate) exporter: String,
    pub(crate) signal: Signal,
    names: Names,
    pub(crate) status: Arc<StatusReporter>,
    /// Whether the metrics level is `detailed` (`Settings::telemetry`).
    detailed: bool,
    /// The collector's recorder (`Settings::telemetry.meter`).
    pub(crate) meter: Meter,
}

impl Telemetry {
    pub(crate) fn new(id: &ComponentId, signal: Signal, detailed: bool, meter: Meter) -> Self {
        Telemetry {
            exporter: id.to_string(),
            signal,
            names: names(signal),
            status: Arc::new(StatusReporter::new(id.clone())),
            detailed,
            meter,
        }
    }

    fn counter(&self, name: &'static str) -> metrics::Counter {
        self.meter.counter(name, &[("exporter", self.exporter.clone())])
    }

    pub(crate) fn sent(&self, items: u64) {
        self.counter(self.names.sent).increment(items);
    }

    /// Counts items that were given up on, and logs why, once per request.
    pub(crate) fn send_failed(&self, items: u64, reason: &str) {
        self.counter(self.names.send_failed).increment(items);
        tracing::error!(
            exporter = %self.exporter,
            signal = %self.signal,
            error = %redact_url(reason),
            dropped_items = items,
            "Exporting failed. Dropping data."
        );
    }

    /// Counts items rejected by the backend in a partial success (no retry).
    pub(crate) fn partially_rejected(&self, items: u64, rejected: u64, message: &str) {
        let rejected = rejected.min(items);
        self.sent(items - rejected);
        if rejected > 0 {
            self.counter(self.names.send_failed).increment(rejected);
        }
        tracing::warn!(
            exporter = %self.exporter,
            signal = %self.signal,
            message = %redact_url(message),
            rejected_items = rejected,
            "Partial success response"
        );
    }

    pub(crate) fn enqueue_failed(&self, items: u64, reason: &str) {
        self.counter(self.names.enqueue_failed).increment(items);
        tracing::warn!(
            exporter = %self.exporter,
            signal = %self.signal,
            error = %redact_url(reason),
            rejected_items = items,
            "Refusing data: it could not be added to the sending queue; the caller gets a retryable error."
        );
    }

    /// Records one batch handed to the sender: `size` in batch-sizer units,
    /// and its bytes when the metrics level is `detailed`.
    pub(crate) fn batch_sent(&self, size: usize, bytes: impl FnOnce() -> usize) {
        let labels = [
            ("exporter", self.exporter.clone()),
            ("data_type", self.signal.as_str().to_string()),
        ];
        self.meter
            .histogram(QUEUE_BATCH_SEND_SIZE, &labels)
            .record(size as f64);
        if self.detailed {
            self.meter
                .histogram(QUEUE_BATCH_SEND_SIZE_BYTES, &labels)
                .record(bytes() as f64);
        }
    }

    pub(crate) fn queue_gauges(&self, size: usize, capacity: usize) {
        let labels = [
            ("exporter", self.exporter.clone()),
            ("data_type", self.signal.as_str().to_string()),
        ];
        self.meter.gauge(QUEUE_SIZE, &labels).set(size as f64);
        self.meter.gauge(QUEUE_CAPACITY, &labels).set(capacity as f64);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use otelcol_component::{Extension, Kind};

    use super::*;

    #[derive(Debug, Default)]
    struct RecordingHost(Mutex<Vec<(String, StatusEvent)>>);

    impl Host for RecordingHost {
        fn extension(&self, _id: &ComponentId) -> Option<Arc<dyn Extension>> {
            None
        }
        fn extensions(&self) -> Vec<(ComponentId, Arc<dyn Extension>)> {
            Vec::new()
        }
        fn report_status(&self, id: &ComponentId, kind: Kind, event: StatusEvent) {
            assert_eq!(kind, Kind::Exporter);
            self.0.lock().unwrap().push((id.to_string(), event));
        }
    }

    #[test]
    fn reports_transitions_only() {
        let host = Arc::new(RecordingHost::default());
        let r = StatusReporter::new("otlp/jaeger".parse().unwrap());
        r.failing("before start is not reported");
        r.set_host(host.clone());
        r.ok();
        r.failing("connection refused");
        r.failing("connection refused again");
        r.ok();
        r.ok();
        let events = host.0.lock().unwrap().clone();
        assert_eq!(
            events,
            vec![
                ("otlp/jaeger".to_string(), StatusEvent::Ok),
                (
                    "otlp/jaeger".to_string(),
                    StatusEvent::RecoverableError("connection refused".into())
                ),
                ("otlp/jaeger".to_string(), StatusEvent::Ok),
            ]
        );
    }
}
