//! Self-metrics and drop logs, with the Go collector's names and labels.

use otelcol_component::Signal;

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
}

impl Telemetry {
    pub(crate) fn new(exporter: String, signal: Signal) -> Self {
        Telemetry {
            exporter,
            signal,
            names: names(signal),
        }
    }

    pub(crate) fn sent(&self, items: u64) {
        metrics::counter!(self.names.sent, "exporter" => self.exporter.clone()).increment(items);
    }

    /// Counts items that were given up on, and logs why, once per request.
    pub(crate) fn send_failed(&self, items: u64, reason: &str) {
        metrics::counter!(self.names.send_failed, "exporter" => self.exporter.clone()).increment(items);
        tracing::error!(
            exporter = %self.exporter,
            signal = %self.signal,
            error = %reason,
            dropped_items = items,
            "Exporting failed. Dropping data."
        );
    }

    /// Counts items rejected by the backend in a partial success (no retry).
    pub(crate) fn partially_rejected(&self, items: u64, rejected: u64, message: &str) {
        let rejected = rejected.min(items);
        self.sent(items - rejected);
        if rejected > 0 {
            metrics::counter!(self.names.send_failed, "exporter" => self.exporter.clone())
                .increment(rejected);
        }
        tracing::warn!(
            exporter = %self.exporter,
            signal = %self.signal,
            message = %message,
            rejected_items = rejected,
            "Partial success response"
        );
    }

    pub(crate) fn enqueue_failed(&self, items: u64, reason: &str) {
        metrics::counter!(self.names.enqueue_failed, "exporter" => self.exporter.clone()).increment(items);
        tracing::warn!(
            exporter = %self.exporter,
            signal = %self.signal,
            error = %reason,
            rejected_items = items,
            "Refusing data: it could not be added to the sending queue; the caller gets a retryable error."
        );
    }

    pub(crate) fn queue_gauges(&self, size: usize, capacity: usize) {
        let labels = [
            ("exporter", self.exporter.clone()),
            ("data_type", self.signal.as_str().to_string()),
        ];
        metrics::gauge!(QUEUE_SIZE, &labels).set(size as f64);
        metrics::gauge!(QUEUE_CAPACITY, &labels).set(capacity as f64);
    }
}
