//! Data loss over a run: items the pipelines accepted that an exporter did
//! not deliver (`otelcol_exporter_send_failed_spans`,
//! `..._metric_points`, `..._log_records`: sends given up on after the retry
//! policy, refused for good by the backend, or dropped from the sending
//! queue at shutdown), read from the service's own metrics registry, per
//! exporter and signal.
//!
//! The collector takes a [`Snapshot`] when its pipelines are running, another
//! when shutdown begins and a last one when everything has stopped, and
//! reports the difference as a [`LossReport`].

use std::collections::BTreeMap;
use std::fmt::Write as _;

use otelcol_component::Signal;

use crate::selfmetrics::Registry;

/// The exporter counter of items given up on, for `signal`.
pub fn send_failed_counter(signal: Signal) -> &'static str {
    match signal {
        Signal::Traces => "otelcol_exporter_send_failed_spans",
        Signal::Metrics => "otelcol_exporter_send_failed_metric_points",
        Signal::Logs => "otelcol_exporter_send_failed_log_records",
    }
}

/// What the items of `signal` are called in messages.
pub fn item_name(signal: Signal) -> &'static str {
    match signal {
        Signal::Traces => "spans",
        Signal::Metrics => "metric points",
        Signal::Logs => "log records",
    }
}

/// The send-failed counters at one moment, by exporter id and signal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot(BTreeMap<(String, Signal), u64>);

impl Snapshot {
    /// Reads the counters from `registry`.
    pub fn take(registry: &Registry) -> Self {
        let mut m = BTreeMap::new();
        for signal in Signal::ALL {
            for (labels, v) in registry.counter_values(send_failed_counter(signal)) {
                let exporter = labels
                    .iter()
                    .find(|(k, _)| k == "exporter")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                // The exporters of the collector's own telemetry
                // (`selftelemetry`) carry no user data: not a loss to report.
                if crate::selftelemetry::is_telemetry_exporter(&exporter) {
                    continue;
                }
                *m.entry((exporter, signal)).or_insert(0) += v;
            }
        }
        Snapshot(m)
    }

    fn get(&self, key: &(String, Signal)) -> u64 {
        self.0.get(key).copied().unwrap_or(0)
    }
}

/// Items one exporter dropped for one signal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExporterLoss {
    /// The exporter id (`otlp/backend`).
    pub exporter: String,
    /// The signal.
    pub signal: Signal,
    /// Dropped from the moment shutdown began.
    pub at_shutdown: u64,
    /// Dropped over the whole run, shutdown included.
    pub total: u64,
}

/// Items accepted but not delivered over a run, per exporter and signal
/// (only the pairs that dropped something).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LossReport {
    /// One entry per exporter and signal that dropped items.
    pub exporters: Vec<ExporterLoss>,
}

impl LossReport {
    /// The report from three snapshots: when the pipelines were running
    /// (`start`), when shutdown began and when everything had stopped.
    pub fn between(start: &Snapshot, shutdown: &Snapshot, end: &Snapshot) -> Self {
        let exporters = end
            .0
            .iter()
            .filter_map(|(key, &v)| {
                let total = v.saturating_sub(start.get(key));
                let at_shutdown = v.saturating_sub(shutdown.get(key)).min(total);
                (total > 0).then(|| ExporterLoss {
                    exporter: key.0.clone(),
                    signal: key.1,
                    at_shutdown,
                    total,
                })
            })
            .collect();
        LossReport { exporters }
    }

    /// Items dropped from the moment shutdown began.
    pub fn dropped_at_shutdown(&self) -> u64 {
        self.exporters.iter().map(|e| e.at_shutdown).sum()
    }

    /// Items dropped over the whole run.
    pub fn dropped_total(&self) -> u64 {
        self.exporters.iter().map(|e| e.total).sum()
    }

    /// `exporter "otlp" dropped 1000 spans (1000 at shutdown), 3 metric
    /// points (0 at shutdown); exporter "file" ...`, or `None` when nothing
    /// was dropped.
    pub fn summary(&self) -> Option<String> {
        if self.exporters.is_empty() {
            return None;
        }
        let mut out = String::new();
        let mut current: Option<&str> = None;
        for e in &self.exporters {
            if current == Some(e.exporter.as_str()) {
                out.push_str(", ");
            } else {
                if current.is_some() {
                    out.push_str("; ");
                }
                let _ = write!(out, "exporter {:?} dropped ", e.exporter);
                current = Some(&e.exporter);
            }
            let _ = write!(
                out,
                "{} {} ({} at shutdown)",
                e.total,
                item_name(e.signal),
                e.at_shutdown
            );
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(v: &[(&str, Signal, u64)]) -> Snapshot {
        Snapshot(v.iter().map(|(e, s, n)| ((e.to_string(), *s), *n)).collect())
    }

    #[test]
    fn reports_what_was_dropped_during_the_run_and_at_shutdown() {
        let start = snap(&[("otlp", Signal::Traces, 5)]);
        let shutdown = snap(&[("otlp", Signal::Traces, 7), ("file", Signal::Logs, 1)]);
        let end = snap(&[
            ("otlp", Signal::Traces, 1007),
            ("file", Signal::Logs, 1),
            ("otlp", Signal::Metrics, 3),
            ("debug", Signal::Traces, 0),
        ]);
        let r = LossReport::between(&start, &shutdown, &end);
        assert_eq!(r.dropped_at_shutdown(), 1003);
        assert_eq!(r.dropped_total(), 1006);
        assert_eq!(
            r.summary().unwrap(),
            r#"exporter "file" dropped 1 log records (0 at shutdown); exporter "otlp" dropped 1002 spans (1000 at shutdown), 3 metric points (3 at shutdown)"#
        );
        assert_eq!(LossReport::between(&end, &end, &end).summary(), None);
    }

    #[test]
    fn reads_the_exporter_counters_of_a_registry() {
        use metrics::Recorder;
        let rec = crate::selfmetrics::SelfRecorder::default();
        let key = metrics::Key::from_parts(
            send_failed_counter(Signal::Traces),
            vec![metrics::Label::new("exporter", "otlp/x")],
        );
        let meta = metrics::Metadata::new("t", metrics::Level::INFO, None);
        rec.register_counter(&key, &meta).increment(12);
        let s = Snapshot::take(&rec.registry());
        assert_eq!(s.get(&("otlp/x".to_string(), Signal::Traces)), 12);
        assert_eq!(s.0.len(), 1);
    }
}
