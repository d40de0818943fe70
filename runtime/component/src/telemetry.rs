//! Where a component's self-metrics go: a [`Meter`] handed over in
//! [`TelemetrySettings`](crate::TelemetrySettings), so every collector in a
//! process keeps its own `otelcol_*` series.

use std::fmt;
use std::sync::Arc;

use metrics::{Counter, Gauge, Histogram, IntoLabels, Key, KeyName, Level, Metadata, Recorder, SharedString};

/// Metadata of every series registered through a [`Meter`].
static METADATA: Metadata<'static> = Metadata::new("otelcol", Level::INFO, Some(module_path!()));

/// Registers a component's counters, gauges and histograms with the
/// recorder of the collector that created it.
///
/// The runtime puts its collector's recorder in
/// [`TelemetrySettings::meter`](crate::TelemetrySettings::meter); a
/// component keeps the handles it registers (or registers per use — the
/// cost is a map lookup) and records into them:
///
/// ```
/// use otelcol_component::Meter;
///
/// let meter = Meter::default(); // the process's global `metrics` recorder
/// let accepted = meter.counter("otelcol_receiver_accepted_spans", &[("receiver", "otlp".to_string())]);
/// accepted.increment(3);
/// ```
///
/// [`Meter::default`] (and [`Meter::global`]) record through the `metrics`
/// crate's global (or thread-local) recorder, as the `metrics::counter!`
/// macros do; a [`Meter::new`] records into the recorder given, whatever is
/// installed globally. Two collectors in one process each hand their
/// components their own meter.
#[derive(Clone, Default)]
pub struct Meter {
    recorder: Option<Arc<dyn Recorder + Send + Sync>>,
}

impl fmt::Debug for Meter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.recorder {
            Some(_) => "Meter(own recorder)",
            None => "Meter(global recorder)",
        })
    }
}

impl Meter {
    /// A meter recording into `recorder`.
    pub fn new(recorder: Arc<dyn Recorder + Send + Sync>) -> Self {
        Meter {
            recorder: Some(recorder),
        }
    }

    /// A meter recording through the `metrics` crate's global recorder
    /// (the same as [`Meter::default`]).
    pub fn global() -> Self {
        Meter::default()
    }

    /// Whether this meter has a recorder of its own (not the global one).
    pub fn is_own(&self) -> bool {
        self.recorder.is_some()
    }

    fn with<T>(&self, f: impl FnOnce(&dyn Recorder) -> T) -> T {
        match &self.recorder {
            Some(r) => f(r.as_ref()),
            None => metrics::with_recorder(f),
        }
    }

    /// The counter `name` with `labels`.
    pub fn counter(&self, name: impl Into<KeyName>, labels: impl IntoLabels) -> Counter {
        let key = Key::from_parts(name, labels);
        self.with(|r| r.register_counter(&key, &METADATA))
    }

    /// The gauge `name` with `labels`.
    pub fn gauge(&self, name: impl Into<KeyName>, labels: impl IntoLabels) -> Gauge {
        let key = Key::from_parts(name, labels);
        self.with(|r| r.register_gauge(&key, &METADATA))
    }

    /// The histogram `name` with `labels`.
    pub fn histogram(&self, name: impl Into<KeyName>, labels: impl IntoLabels) -> Histogram {
        let key = Key::from_parts(name, labels);
        self.with(|r| r.register_histogram(&key, &METADATA))
    }

    /// Sets the HELP text of the counter `name`.
    pub fn describe_counter(&self, name: impl Into<KeyName>, description: impl Into<SharedString>) {
        let (name, description) = (name.into(), description.into());
        self.with(|r| r.describe_counter(name, None, description));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// Records counter increments by key.
    #[derive(Default)]
    struct Capture(Mutex<Vec<(String, Arc<AtomicU64>)>>);

    impl metrics::CounterFn for CaptureCounter {
        fn increment(&self, v: u64) {
            self.0.fetch_add(v, Ordering::Relaxed);
        }
        fn absolute(&self, v: u64) {
            self.0.store(v, Ordering::Relaxed);
        }
    }
    struct CaptureCounter(Arc<AtomicU64>);

    impl Recorder for Capture {
        fn describe_counter(&self, _: KeyName, _: Option<metrics::Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<metrics::Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<metrics::Unit>, _: SharedString) {}
        fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
            let cell = Arc::new(AtomicU64::new(0));
            self.0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((key.to_string(), cell.clone()));
            Counter::from_arc(Arc::new(CaptureCounter(cell)))
        }
        fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
            Gauge::noop()
        }
        fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::noop()
        }
    }

    #[test]
    fn own_recorders_stay_apart() {
        let (a, b) = (Arc::new(Capture::default()), Arc::new(Capture::default()));
        let (ma, mb) = (Meter::new(a.clone()), Meter::new(b.clone()));
        ma.counter(
            "otelcol_receiver_accepted_spans",
            &[("receiver", "otlp".to_string())],
        )
        .increment(3);
        mb.counter(
            "otelcol_receiver_accepted_spans",
            &[("receiver", "otlp".to_string())],
        )
        .increment(5);
        let seen = |c: &Capture| {
            c.0.lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .map(|(k, v)| (k.clone(), v.load(Ordering::Relaxed)))
                .collect::<Vec<_>>()
        };
        assert_eq!(seen(&a).len(), 1);
        assert_eq!(seen(&a)[0].1, 3);
        assert!(seen(&a)[0].0.contains("otelcol_receiver_accepted_spans"));
        assert_eq!(seen(&b)[0].1, 5);
        assert!(ma.is_own() && !Meter::default().is_own());
    }

    #[test]
    fn the_default_meter_follows_the_local_recorder() {
        let local = Capture::default();
        metrics::with_local_recorder(&local, || {
            Meter::default()
                .counter("otelcol_exporter_sent_spans", &[("exporter", "x".to_string())])
                .increment(2);
        });
        assert_eq!(local.0.lock().unwrap_or_else(|p| p.into_inner()).len(), 1);
    }
}
