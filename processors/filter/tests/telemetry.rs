//! The `otelcol_processor_filter_*_filtered` counters.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use metrics::{Counter, CounterFn, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use otelcol_component::{Kind, Logs, Payload, ProcessorFactory};
use otelcol_componenttest::{Sink, nop_settings, parse_config};
use otelcol_processor_filter::{FilterConfig, factory};

#[derive(Debug, Default)]
struct Count(AtomicU64);

impl CounterFn for Count {
    fn increment(&self, value: u64) {
        self.0.fetch_add(value, Ordering::SeqCst);
    }
    fn absolute(&self, value: u64) {
        self.0.store(value, Ordering::SeqCst);
    }
}

/// One registered counter: name, labels, value.
type Registered = (String, Vec<(String, String)>, Arc<Count>);

/// Records every counter with its labels.
#[derive(Debug, Default)]
struct Capture(Mutex<Vec<Registered>>);

impl Recorder for Capture {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        let c = Arc::new(Count::default());
        let labels = key
            .labels()
            .map(|l| (l.key().to_string(), l.value().to_string()))
            .collect();
        if let Ok(mut v) = self.0.lock() {
            v.push((key.name().to_string(), labels, c.clone()));
        }
        Counter::from_arc(c)
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }
    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

#[test]
fn counts_dropped_log_records_with_the_filter_label() {
    let capture = Capture::default();
    metrics::with_local_recorder(&capture, || {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let cfg = parse_config::<FilterConfig>("log_conditions: ['log.severity_number < 13']").unwrap();
            let sink = Sink::<Logs>::new();
            let p = factory()
                .create::<Logs>(&nop_settings("filter", Kind::Processor), &cfg, sink.clone())
                .unwrap();
            let records = [5, 9, 17].map(|s| LogRecord {
                severity_number: s,
                ..Default::default()
            });
            let req = ExportLogsServiceRequest {
                resource_logs: vec![ResourceLogs {
                    scope_logs: vec![ScopeLogs {
                        log_records: records.to_vec(),
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
            };
            p.consume(Logs::from_request(req)).await.unwrap();
            assert_eq!(sink.item_count(), 1);
        });
    });
    let seen = capture.0.lock().unwrap();
    let total: u64 = seen
        .iter()
        .filter(|(name, labels, _)| {
            name == "otelcol_processor_filter_logs_filtered"
                && labels == &vec![("filter".to_string(), "filter".to_string())]
        })
        .map(|(_, _, c)| c.0.load(Ordering::SeqCst))
        .sum();
    assert_eq!(total, 2);
}
