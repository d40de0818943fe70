#![allow(clippy::unwrap_used)] // recorder helpers: a panic is a test failure
//! The self-metrics, checked with a recording `metrics` recorder installed
//! globally (this binary holds only this test).

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use common::*;
use metrics::{
    Counter, CounterFn, Gauge, GaugeFn, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};
use otelcol_component::{
    BuildInfo, Component, ComponentId, ComponentType, Consumer, Kind, Settings, TelemetrySettings, Traces,
};
use otelcol_componenttest::{ErrConsumer, Sink};
use otelcol_processor_batch::{BatchConfig, BatchProcessor};

#[derive(Debug, Default)]
struct Cell {
    counter: AtomicU64,
    gauge: Mutex<f64>,
    values: Mutex<Vec<f64>>,
}

impl CounterFn for Cell {
    fn increment(&self, v: u64) {
        self.counter.fetch_add(v, Ordering::SeqCst);
    }
    fn absolute(&self, v: u64) {
        self.counter.store(v, Ordering::SeqCst);
    }
}
impl GaugeFn for Cell {
    fn increment(&self, v: f64) {
        *self.gauge.lock().unwrap() += v;
    }
    fn decrement(&self, v: f64) {
        *self.gauge.lock().unwrap() -= v;
    }
    fn set(&self, v: f64) {
        *self.gauge.lock().unwrap() = v;
    }
}
impl HistogramFn for Cell {
    fn record(&self, v: f64) {
        self.values.lock().unwrap().push(v);
    }
}

#[derive(Debug, Default, Clone)]
struct Rec {
    cells: Arc<Mutex<HashMap<String, Arc<Cell>>>>,
}

impl Rec {
    fn cell(&self, key: &Key) -> Arc<Cell> {
        let labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        self.cells.lock().unwrap().entry(name).or_default().clone()
    }
    fn get(&self, name: &str) -> Arc<Cell> {
        self.get_labeled(name, "batch/m")
    }
    fn get_labeled(&self, name: &str, processor: &str) -> Arc<Cell> {
        self.cells
            .lock()
            .unwrap()
            .get(&format!("{name}{{processor={processor}}}"))
            .cloned()
            .unwrap_or_default()
    }
}

impl Recorder for Rec {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(self.cell(key))
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(self.cell(key))
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(self.cell(key))
    }
}

#[tokio::test(start_paused = true)]
async fn self_metrics_have_go_names_and_the_processor_label() {
    let rec = Rec::default();
    metrics::set_global_recorder(rec.clone()).unwrap();
    // The byte-size histogram is recorded at the `detailed` level only.
    let id = ComponentId::with_name(ComponentType::new("batch").unwrap(), "m").unwrap();
    let set = Settings::new(id, Kind::Processor, BuildInfo::default())
        .with_telemetry(TelemetrySettings::default().with_detailed_metrics(true));
    let sink = Sink::<Traces>::new();
    let p = Arc::new(BatchProcessor::new(&set, &cfg(4, 4, 1000), sink.clone()));

    // 10 items: two size-triggered exports of 4, one timeout-triggered of 2.
    p.consume(traces("a", 10)).await.unwrap();
    assert_eq!(
        rec.get("otelcol_processor_batch_batch_size_trigger_send")
            .counter
            .load(Ordering::SeqCst),
        2
    );
    assert_eq!(
        rec.get("otelcol_processor_batch_timeout_trigger_send")
            .counter
            .load(Ordering::SeqCst),
        1
    );
    assert_eq!(
        *rec.get("otelcol_processor_batch_batch_send_size")
            .values
            .lock()
            .unwrap(),
        vec![4.0, 4.0, 2.0]
    );
    let bytes = rec
        .get("otelcol_processor_batch_batch_send_size_bytes")
        .values
        .lock()
        .unwrap()
        .clone();
    assert_eq!(bytes.len(), 3);
    assert!(bytes.iter().all(|b| *b > 0.0), "{bytes:?}");
    assert_eq!(
        *rec.get("otelcol_processor_batch_metadata_cardinality")
            .gauge
            .lock()
            .unwrap(),
        1.0
    );
    // The level is per component: one at the default level, in the same
    // process, records no bytes.
    let basic_id = ComponentId::with_name(ComponentType::new("batch").unwrap(), "basic").unwrap();
    let basic_set = Settings::new(basic_id, Kind::Processor, BuildInfo::default());
    let basic = BatchProcessor::new(&basic_set, &cfg(4, 4, 1000), Sink::<Traces>::new());
    basic.consume(traces("b", 4)).await.unwrap();
    let sizes = |name: &str| rec.get_labeled(name, "batch/basic").values.lock().unwrap().len();
    assert_eq!(sizes("otelcol_processor_batch_batch_send_size"), 1);
    assert_eq!(sizes("otelcol_processor_batch_batch_send_size_bytes"), 0);
    basic.shutdown().await.unwrap();

    p.shutdown().await.unwrap();
    assert_eq!(
        *rec.get("otelcol_processor_batch_metadata_cardinality")
            .gauge
            .lock()
            .unwrap(),
        0.0
    );

    // Failed exports are not recorded, as in Go.
    let set = Settings::new(
        ComponentId::with_name(ComponentType::new("batch").unwrap(), "m").unwrap(),
        Kind::Processor,
        BuildInfo::default(),
    );
    let p = BatchProcessor::<Traces>::new(&set, &cfg(4, 4, 0), ErrConsumer::permanent());
    assert!(p.consume(traces("b", 3)).await.is_err());
    assert_eq!(
        rec.get("otelcol_processor_batch_batch_size_trigger_send")
            .counter
            .load(Ordering::SeqCst),
        2
    );
    assert_eq!(
        rec.get("otelcol_processor_batch_batch_send_size")
            .values
            .lock()
            .unwrap()
            .len(),
        3
    );

    // Group commit (the default): a lone payload goes out because the
    // batcher was idle, counted under its own trigger.
    let id = ComponentId::with_name(ComponentType::new("batch").unwrap(), "idle").unwrap();
    let set = Settings::new(id, Kind::Processor, BuildInfo::default());
    let p = BatchProcessor::<Traces>::new(&set, &BatchConfig::default(), Sink::new());
    p.consume(traces("c", 3)).await.unwrap();
    let idle = rec.get_labeled("otelcol_processor_batch_idle_trigger_send", "batch/idle");
    assert_eq!(idle.counter.load(Ordering::SeqCst), 1);
    p.shutdown().await.unwrap();
}
