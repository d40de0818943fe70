//! Self-metrics, with the Go batch processor's names and its `processor` label.

/// Why a batch was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// The batch reached `send_batch_size` (or the processor sends at once).
    Size,
    /// `timeout` elapsed, or shutdown flushed the rest (Go counts both as timeout).
    Timeout,
    /// The batcher was idle and sent what was pending (`send_when_idle`;
    /// not in Go).
    Idle,
}

/// Items per export.
pub(crate) const BATCH_SEND_SIZE: &str = "otelcol_processor_batch_batch_send_size";
/// Bytes (protobuf encoding) per export.
pub(crate) const BATCH_SEND_SIZE_BYTES: &str = "otelcol_processor_batch_batch_send_size_bytes";
/// Exports triggered by size.
pub(crate) const SIZE_TRIGGER_SEND: &str = "otelcol_processor_batch_batch_size_trigger_send";
/// Exports triggered by the timeout.
pub(crate) const TIMEOUT_TRIGGER_SEND: &str = "otelcol_processor_batch_timeout_trigger_send";
/// Exports sent because the batcher was idle (`send_when_idle`; not in Go).
pub(crate) const IDLE_TRIGGER_SEND: &str = "otelcol_processor_batch_idle_trigger_send";
/// Distinct metadata-value combinations (batchers).
pub(crate) const METADATA_CARDINALITY: &str = "otelcol_processor_batch_metadata_cardinality";

/// The metric handles of one processor instance.
#[derive(Clone, Debug)]
pub(crate) struct Telemetry {
    id: String,
    /// Whether the metrics level is `detailed` (`Settings::telemetry`):
    /// only then are batches measured in bytes.
    pub(crate) detailed: bool,
    /// The collector's recorder (`Settings::telemetry.meter`).
    meter: otelcol_component::Meter,
}

impl Telemetry {
    pub(crate) fn new(id: String, detailed: bool, meter: otelcol_component::Meter) -> Self {
        Telemetry { id, detailed, meter }
    }

    fn labels(&self) -> [(&'static str, String); 1] {
        [("processor", self.id.clone())]
    }

    /// Records a successful export, as Go does (failed exports are not recorded).
    pub(crate) fn record_send(&self, trigger: Trigger, items: usize, bytes: Option<usize>) {
        let name = match trigger {
            Trigger::Size => SIZE_TRIGGER_SEND,
            Trigger::Timeout => TIMEOUT_TRIGGER_SEND,
            Trigger::Idle => IDLE_TRIGGER_SEND,
        };
        let labels = self.labels();
        self.meter.counter(name, &labels).increment(1);
        self.meter
            .histogram(BATCH_SEND_SIZE, &labels)
            .record(items as f64);
        if let Some(bytes) = bytes {
            self.meter
                .histogram(BATCH_SEND_SIZE_BYTES, &labels)
                .record(bytes as f64);
        }
    }

    /// A batcher was created (`+1`) or stopped (`-1`).
    pub(crate) fn batchers_changed(&self, delta: f64) {
        self.meter
            .gauge(METADATA_CARDINALITY, &self.labels())
            .increment(delta);
    }
}
