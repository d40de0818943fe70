//! Test support: a global metrics recorder, a scripted sender, payloads.
#![allow(dead_code, missing_docs, clippy::unwrap_used)]

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use metrics::{
    Counter, CounterFn, Gauge, GaugeFn, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit,
};
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otelcol_component::{ConsumeError, Payload, Traces, async_trait};
use otelcol_exporterhelper::Sender;
use tokio::sync::Semaphore;
use tokio::time::Instant;

#[derive(Default)]
struct Store {
    values: Mutex<HashMap<String, Arc<AtomicU64>>>,
}

impl Store {
    fn slot(&self, key: &Key) -> Arc<AtomicU64> {
        let exporter = key
            .labels()
            .find(|l| l.key() == "exporter")
            .map(|l| l.value().to_string())
            .unwrap_or_default();
        let name = format!("{}|{}", key.name(), exporter);
        self.values.lock().unwrap().entry(name).or_default().clone()
    }
}

struct Cell(Arc<AtomicU64>);
impl CounterFn for Cell {
    fn increment(&self, v: u64) {
        self.0.fetch_add(v, Ordering::SeqCst);
    }
    fn absolute(&self, v: u64) {
        self.0.fetch_max(v, Ordering::SeqCst);
    }
}
impl GaugeFn for Cell {
    fn increment(&self, v: f64) {
        self.set(f64::from_bits(self.0.load(Ordering::SeqCst)) + v);
    }
    fn decrement(&self, v: f64) {
        self.set(f64::from_bits(self.0.load(Ordering::SeqCst)) - v);
    }
    fn set(&self, v: f64) {
        self.0.store(v.to_bits(), Ordering::SeqCst);
    }
}

struct TestRecorder(Arc<Store>);
impl Recorder for TestRecorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(Arc::new(Cell(self.0.slot(key))))
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(Arc::new(Cell(self.0.slot(key))))
    }
    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

fn store() -> &'static Arc<Store> {
    static STORE: OnceLock<Arc<Store>> = OnceLock::new();
    STORE.get_or_init(|| {
        let s = Arc::new(Store::default());
        metrics::set_global_recorder(TestRecorder(s.clone())).unwrap();
        s
    })
}

/// Installs the recorder (call first in every test).
pub(crate) fn init() {
    store();
}

/// A counter's value for `exporter`.
pub(crate) fn counter(name: &str, exporter: &str) -> u64 {
    let key = format!("{name}|{exporter}");
    store()
        .values
        .lock()
        .unwrap()
        .get(&key)
        .map(|v| v.load(Ordering::SeqCst))
        .unwrap_or(0)
}

/// A gauge's value for `exporter`.
pub(crate) fn gauge(name: &str, exporter: &str) -> f64 {
    let key = format!("{name}|{exporter}");
    store()
        .values
        .lock()
        .unwrap()
        .get(&key)
        .map(|v| f64::from_bits(v.load(Ordering::SeqCst)))
        .unwrap_or(0.0)
}

/// Traces with `n` spans named `name`.
pub(crate) fn traces(n: usize, name: &str) -> Traces {
    Traces::from_request(ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: (0..n)
                    .map(|_| Span {
                        name: name.to_string(),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }],
    })
}

/// A sender that answers from a script, then with a default answer, and
/// records what it saw.
#[derive(Debug)]
pub(crate) struct Script {
    answers: Mutex<VecDeque<Result<(), ConsumeError>>>,
    default: Result<(), ConsumeError>,
    pub calls: AtomicUsize,
    pub times: Mutex<Vec<Instant>>,
    pub received: Mutex<Vec<Traces>>,
    /// When set, each send takes one permit first (lets a test hold sends).
    pub gate: Option<Arc<Semaphore>>,
    /// Each send sleeps this long first.
    pub delay: Duration,
    pub in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
}

impl Script {
    pub(crate) fn new(answers: Vec<Result<(), ConsumeError>>, default: Result<(), ConsumeError>) -> Self {
        Script {
            answers: Mutex::new(answers.into()),
            default,
            calls: AtomicUsize::new(0),
            times: Mutex::new(Vec::new()),
            received: Mutex::new(Vec::new()),
            gate: None,
            delay: Duration::ZERO,
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        }
    }

    pub(crate) fn ok() -> Self {
        Self::new(vec![], Ok(()))
    }

    pub(crate) fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    pub(crate) fn received_items(&self) -> usize {
        self.received
            .lock()
            .unwrap()
            .iter()
            .map(Payload::item_count)
            .sum()
    }

    /// Seconds since `t0` of each attempt.
    pub(crate) fn offsets(&self, t0: Instant) -> Vec<u64> {
        self.times
            .lock()
            .unwrap()
            .iter()
            .map(|t| (*t - t0).as_secs())
            .collect()
    }
}

#[async_trait]
impl Sender<Traces> for Script {
    async fn send(&self, data: Traces) -> Result<(), ConsumeError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.times.lock().unwrap().push(Instant::now());
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        if let Some(g) = &self.gate {
            g.acquire().await.unwrap().forget();
        }
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let answer = self
            .answers
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| self.default.clone());
        if answer.is_ok() {
            self.received.lock().unwrap().push(data);
        }
        answer
    }
}
