//! What the integration tests share: a receiver started in-process on free
//! loopback ports feeding a sink, a metrics recorder, the Python peers.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use otelcol_component::metrics::{
    Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit,
};
use otelcol_component::proto::common::v1::{KeyValue, any_value::Value};
use otelcol_component::proto::trace::v1::Span;
use otelcol_component::{Component, Kind, Meter, Payload, SharedConsumer, TelemetrySettings, Traces};
use otelcol_componenttest::{NopHost, TracesSink, nop_settings, parse_config};
use otelcol_receiver_jaeger::{Config, JaegerReceiver};

/// Counters by `name{label=value,...}` (labels sorted).
#[derive(Debug, Default)]
pub struct TestRecorder {
    counters: Mutex<BTreeMap<String, Arc<AtomicU64>>>,
}

impl TestRecorder {
    /// A counter's value (0 when never registered).
    pub fn get(&self, key: &str) -> u64 {
        self.counters
            .lock()
            .unwrap()
            .get(key)
            .map_or(0, |c| c.load(Ordering::SeqCst))
    }

    /// `otelcol_receiver_<what>{receiver=jaeger,transport=<t>}`.
    pub fn spans(&self, what: &str, transport: &str) -> u64 {
        self.get(&format!(
            "otelcol_receiver_{what}_spans{{receiver=jaeger,transport={transport}}}"
        ))
    }

    /// `otelcol_receiver_refused_requests{reason=..,receiver=jaeger,transport=..}`.
    pub fn refused_requests(&self, transport: &str, reason: &str) -> u64 {
        self.get(&format!(
            "otelcol_receiver_refused_requests{{reason={reason},receiver=jaeger,transport={transport}}}"
        ))
    }
}

impl Recorder for TestRecorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        let mut labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        labels.sort();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        let c = self.counters.lock().unwrap().entry(name).or_default().clone();
        Counter::from_arc(c)
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }
    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

/// A started receiver and what it feeds.
pub struct Harness {
    pub receiver: Arc<JaegerReceiver>,
    pub metrics: Arc<TestRecorder>,
}

impl Harness {
    /// Starts a receiver configured by `yaml` feeding `next`.
    pub async fn start(yaml: &str, next: SharedConsumer<Traces>) -> Harness {
        let cfg: Config = parse_config(yaml).unwrap();
        let metrics = Arc::new(TestRecorder::default());
        let set = nop_settings("jaeger", Kind::Receiver)
            .with_telemetry(TelemetrySettings::default().with_meter(Meter::new(metrics.clone())));
        let receiver = Arc::new(JaegerReceiver::new(&set, cfg, next));
        receiver.start(NopHost::new()).await.unwrap();
        Harness { receiver, metrics }
    }

    pub async fn stop(self) {
        self.receiver.shutdown().await.unwrap();
    }
}

/// The four protocols on loopback ports the system picks.
pub const ALL_PROTOCOLS: &str = "protocols:
  grpc: {endpoint: 127.0.0.1:0}
  thrift_http: {endpoint: 127.0.0.1:0}
  thrift_compact: {endpoint: 127.0.0.1:0}
  thrift_binary: {endpoint: 127.0.0.1:0}
";

/// Waits for `n` spans in `sink`, failing after 10 s.
pub async fn wait_spans(sink: &TracesSink, n: usize) {
    assert!(
        sink.wait_for_items(n, Duration::from_secs(10)).await,
        "expected {n} spans, got {}",
        sink.item_count()
    );
}

/// Every span received, with its resource attributes and scope name.
pub fn all_spans(sink: &TracesSink) -> Vec<(Vec<KeyValue>, String, Span)> {
    let mut out = Vec::new();
    for t in sink.all() {
        for rs in &t.request().resource_spans {
            let res = rs.resource.clone().unwrap_or_default().attributes;
            for ss in &rs.scope_spans {
                let scope = ss.scope.clone().unwrap_or_default().name;
                for s in &ss.spans {
                    out.push((res.clone(), scope.clone(), s.clone()));
                }
            }
        }
    }
    out
}

/// The value of `key` in `attrs`.
pub fn attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a Value> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref()?.value.as_ref())
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The interpreter named by `OTELCOL_TEST_PYTHON`.
pub fn python() -> PathBuf {
    match std::env::var_os("OTELCOL_TEST_PYTHON") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => panic!(
            "OTELCOL_TEST_PYTHON is not set: point it at a Python interpreter with \
             jaeger-client 4.x and thrift installed (e.g. $HOME/.cache/otelcol-rs/venv/bin/python); \
             these tests run the real Jaeger client against the receiver"
        ),
    }
}

/// Runs `tests/python/<script> args...` and parses its stdout as JSON.
pub async fn run_python(script: &str, args: &[String]) -> serde_json::Value {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python");
    let mut cmd = Command::new(python());
    cmd.current_dir(&dir).arg(dir.join(script)).args(args);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("cannot run {script} with OTELCOL_TEST_PYTHON: {e}"));
    assert!(
        out.status.success(),
        "{script} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{script} printed no JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// A tag of the Python scripts' JSON (`[key, type, value]`) as the OTLP
/// attribute Go's translation makes of it.
pub fn tag_value(tag: &serde_json::Value) -> (String, Value) {
    let key = tag[0].as_str().unwrap().to_string();
    let v = match tag[1].as_str().unwrap() {
        "STRING" => Value::StringValue(tag[2].as_str().unwrap().to_string()),
        "LONG" => Value::IntValue(tag[2].as_i64().unwrap()),
        "DOUBLE" => Value::DoubleValue(tag[2].as_f64().unwrap()),
        "BOOL" => Value::BoolValue(tag[2].as_bool().unwrap()),
        other => panic!("unexpected tag type {other}"),
    };
    (key, v)
}

/// Asserts a span arrived as the Python client described it (`want`), with
/// the tags Go's translation consumes (`span.kind`, `error`, `otel.*`)
/// turned into kind and status, and every other tag an attribute.
pub fn assert_span(got: &Span, want: &serde_json::Value) {
    let name = want["name"].as_str().unwrap();
    assert_eq!(got.name, name);
    assert_eq!(hex(&got.trace_id), want["trace_id"].as_str().unwrap(), "{name}");
    assert_eq!(hex(&got.span_id), want["span_id"].as_str().unwrap(), "{name}");
    let parent = want["parent_id"].as_str().unwrap();
    if parent == "0000000000000000" {
        assert!(got.parent_span_id.is_empty(), "{name}");
    } else {
        assert_eq!(hex(&got.parent_span_id), parent, "{name}");
    }
    let start = want["start_us"].as_u64().unwrap();
    let duration = want["duration_us"].as_u64().unwrap();
    assert_eq!(got.start_time_unix_nano, start * 1000, "{name}");
    assert_eq!(got.end_time_unix_nano, (start + duration) * 1000, "{name}");
    let consumed = [
        "span.kind",
        "error",
        "otel.status_code",
        "otel.status_description",
    ];
    for tag in want["tags"].as_array().unwrap() {
        let (key, value) = tag_value(tag);
        if consumed.contains(&key.as_str()) {
            assert!(
                attr(&got.attributes, &key).is_none(),
                "{name}: {key} left as an attribute"
            );
        } else {
            assert_eq!(attr(&got.attributes, &key), Some(&value), "{name}: {key}");
        }
    }
    let logs = want["logs"].as_array().unwrap();
    assert_eq!(got.events.len(), logs.len(), "{name}");
    for (event, log) in got.events.iter().zip(logs) {
        assert_eq!(
            event.time_unix_nano,
            log["timestamp_us"].as_u64().unwrap() * 1000,
            "{name}"
        );
        for field in log["fields"].as_array().unwrap() {
            let (key, value) = tag_value(field);
            if key == "event" {
                assert_eq!(
                    Some(&value),
                    Some(&Value::StringValue(event.name.clone())),
                    "{name}"
                );
            } else {
                assert_eq!(attr(&event.attributes, &key), Some(&value), "{name}: event {key}");
            }
        }
    }
}
