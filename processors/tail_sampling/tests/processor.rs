//! The `tail_sampling` processor end to end: config → factory → processor →
//! sink, with short decision waits; the sink is polled with a deadline.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use metrics::{Counter, CounterFn, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value::Value};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};
use otelcol_component::{Kind, Meter, Payload, Processor, ProcessorFactory, Traces};
use otelcol_componenttest::{NopHost, Sink, nop_settings, parse_config};
use otelcol_processor_tailsampling::{
    COUNT_TRACES_SAMPLED, GLOBAL_COUNT_TRACES_SAMPLED, NEW_TRACE_ID_RECEIVED, SPANS_DROPPED_INVALID_TRACE_ID,
    TRACE_DROPPED_TOO_EARLY, TailSamplingConfig, factory,
};

const WAIT: Duration = Duration::from_secs(10);

#[derive(Default)]
struct CountingRecorder {
    counters: Mutex<BTreeMap<String, Arc<AtomicU64>>>,
}

struct Cell(Arc<AtomicU64>);

impl CounterFn for Cell {
    fn increment(&self, v: u64) {
        self.0.fetch_add(v, Ordering::SeqCst);
    }
    fn absolute(&self, v: u64) {
        self.0.store(v, Ordering::SeqCst);
    }
}

impl Recorder for CountingRecorder {
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
        let cell = self.counters.lock().unwrap().entry(name).or_default().clone();
        Counter::from_arc(Arc::new(Cell(cell)))
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }
    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

impl CountingRecorder {
    fn get(&self, series: &str) -> u64 {
        self.counters
            .lock()
            .unwrap()
            .get(series)
            .map_or(0, |c| c.load(Ordering::SeqCst))
    }
}

struct Harness {
    p: Arc<dyn Processor<Traces>>,
    sink: Arc<Sink<Traces>>,
    rec: Arc<CountingRecorder>,
}

async fn start(yaml: &str) -> Harness {
    start_named(yaml, None).await
}

async fn start_named(yaml: &str, name: Option<&str>) -> Harness {
    let cfg: TailSamplingConfig = parse_config(yaml).unwrap();
    let sink = Sink::<Traces>::new();
    let rec = Arc::new(CountingRecorder::default());
    let mut set = nop_settings("tail_sampling", Kind::Processor);
    if let Some(n) = name {
        set.id = otelcol_component::ComponentId::with_name(set.id.component_type().clone(), n).unwrap();
    }
    set.telemetry.meter = Meter::new(rec.clone());
    let p = factory().create::<Traces>(&set, &cfg, sink.clone()).unwrap();
    p.start(NopHost::new()).await.unwrap();
    Harness { p, sink, rec }
}

fn id(n: u8) -> Vec<u8> {
    vec![n; 16]
}

fn span(trace: u8, name: &str) -> Span {
    Span {
        trace_id: id(trace),
        span_id: vec![trace, name.len() as u8, 0, 0, 0, 0, 0, 1],
        name: name.into(),
        start_time_unix_nano: 1_000_000_000,
        end_time_unix_nano: 1_010_000_000,
        ..Default::default()
    }
}

fn error_span(trace: u8, name: &str) -> Span {
    Span {
        status: Some(Status {
            code: 2,
            ..Default::default()
        }),
        ..span(trace, name)
    }
}

fn slow_span(trace: u8, name: &str) -> Span {
    Span {
        end_time_unix_nano: 3_000_000_000,
        ..span(trace, name)
    }
}

fn with_attr(mut s: Span, k: &str, v: &str) -> Span {
    s.attributes.push(KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(Value::StringValue(v.into())),
        }),
        ..Default::default()
    });
    s
}

fn payload(service: &str, spans: Vec<Span>) -> Traces {
    Traces::from_request(ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![KeyValue {
                    key: "service.name".into(),
                    value: Some(AnyValue {
                        value: Some(Value::StringValue(service.into())),
                    }),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    })
}

/// Span names received, sorted.
fn names(sink: &Sink<Traces>) -> Vec<String> {
    let mut out: Vec<String> = sink
        .all()
        .iter()
        .flat_map(|t| {
            t.request()
                .resource_spans
                .iter()
                .flat_map(|rs| {
                    rs.scope_spans
                        .iter()
                        .flat_map(|ss| ss.spans.iter().map(|s| s.name.clone()))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    out.sort();
    out
}

const ERRORS_OR_SLOW: &str = "decision_wait: 100ms
policies:
  - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
  - {name: slow, type: latency, latency: {threshold_ms: 1000}}";

#[tokio::test]
async fn keeps_error_and_slow_traces_drops_the_rest() {
    let h = start(ERRORS_OR_SLOW).await;
    h.p.consume(payload(
        "svc",
        vec![
            span(1, "ok-1a"),
            error_span(1, "err-1b"),
            slow_span(2, "slow-2"),
            span(3, "fast-3"),
        ],
    ))
    .await
    .unwrap();
    assert!(h.sink.wait_for_items(3, WAIT).await);
    h.p.shutdown().await.unwrap();
    assert_eq!(names(&h.sink), ["err-1b", "ok-1a", "slow-2"]);
    let global = |s: &str, d: &str| {
        h.rec.get(&format!(
            "{GLOBAL_COUNT_TRACES_SAMPLED}{{decision={d},processor=tail_sampling,sampled={s}}}"
        ))
    };
    assert_eq!(global("true", "sampled"), 2);
    assert_eq!(global("false", "not_sampled"), 1);
    let per_policy = |p: &str, s: &str, d: &str| {
        h.rec.get(&format!(
            "{COUNT_TRACES_SAMPLED}{{decision={d},policy={p},processor=tail_sampling,sampled={s}}}"
        ))
    };
    assert_eq!(per_policy("errors", "true", "sampled"), 1);
    assert_eq!(per_policy("errors", "false", "not_sampled"), 2);
    assert_eq!(per_policy("slow", "true", "sampled"), 1);
    assert_eq!(
        h.rec
            .get(&format!("{NEW_TRACE_ID_RECEIVED}{{processor=tail_sampling}}")),
        3
    );
}

#[tokio::test]
async fn a_trace_split_across_requests_and_resources_is_decided_whole() {
    // A wait long enough for both requests to arrive before the decision.
    let h = start(&ERRORS_OR_SLOW.replace("100ms", "1s")).await;
    h.p.consume(payload("frontend", vec![span(9, "front")]))
        .await
        .unwrap();
    h.p.consume(payload("backend", vec![error_span(9, "back"), span(8, "other")]))
        .await
        .unwrap();
    assert!(h.sink.wait_for_items(2, WAIT).await);
    h.p.shutdown().await.unwrap();
    assert_eq!(names(&h.sink), ["back", "front"]);
    // One payload with both resources.
    let all = h.sink.all();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].request().resource_spans.len(), 2);
}

#[tokio::test]
async fn late_spans_follow_the_decision() {
    let h = start(
        "decision_wait: 100ms
policies: [{name: keep, type: string_attribute, string_attribute: {key: keep, values: ['yes']}}]",
    )
    .await;
    h.p.consume(payload(
        "svc",
        vec![with_attr(span(1, "kept"), "keep", "yes"), span(2, "dropped")],
    ))
    .await
    .unwrap();
    assert!(h.sink.wait_for_items(1, WAIT).await);
    // Both traces are decided once the kept one came out (same tick or earlier).
    h.p.consume(payload(
        "svc",
        vec![
            span(1, "kept-late"),
            with_attr(span(2, "dropped-late"), "keep", "yes"),
        ],
    ))
    .await
    .unwrap();
    // The late span of the sampled trace is forwarded at once.
    assert!(h.sink.wait_for_items(2, WAIT).await);
    h.p.shutdown().await.unwrap();
    assert_eq!(names(&h.sink), ["kept", "kept-late"]);
}

#[tokio::test]
async fn evicting_the_oldest_trace_is_counted() {
    let h = start(
        "decision_wait: 1h
num_traces: 2
policies: [{name: all, type: always_sample}]",
    )
    .await;
    for t in 1..=3u8 {
        h.p.consume(payload("svc", vec![span(t, &format!("t{t}"))]))
            .await
            .unwrap();
    }
    assert_eq!(
        h.rec
            .get(&format!("{TRACE_DROPPED_TOO_EARLY}{{processor=tail_sampling}}")),
        1
    );
    h.p.shutdown().await.unwrap();
    // Shutdown decided the two traces left; the evicted one is gone.
    assert_eq!(names(&h.sink), ["t2", "t3"]);
}

#[tokio::test]
async fn shutdown_decides_pending_traces() {
    let h = start("decision_wait: 1h\npolicies: [{name: all, type: always_sample}]").await;
    h.p.consume(payload("svc", vec![span(1, "a"), span(2, "b")]))
        .await
        .unwrap();
    assert_eq!(h.sink.item_count(), 0);
    h.p.shutdown().await.unwrap();
    assert_eq!(names(&h.sink), ["a", "b"]);
    // A second shutdown is harmless and sends nothing more.
    h.p.shutdown().await.unwrap();
    assert_eq!(h.sink.item_count(), 2);
}

#[tokio::test]
async fn drop_pending_traces_on_shutdown_drops_them() {
    let h = start(
        "decision_wait: 1h\ndrop_pending_traces_on_shutdown: true\npolicies: [{name: all, type: always_sample}]",
    )
    .await;
    h.p.consume(payload("svc", vec![span(1, "a")])).await.unwrap();
    h.p.shutdown().await.unwrap();
    assert_eq!(h.sink.item_count(), 0);
}

#[tokio::test]
async fn drop_policy_wins_over_always_sample() {
    let h = start(
        "decision_wait: 1h
policies:
  - {name: all, type: always_sample}
  - name: no-health
    type: drop
    drop: {drop_sub_policy: [{name: health, type: string_attribute, string_attribute: {key: url.path, values: ['^/health$'], enabled_regex_matching: true}}]}",
    )
    .await;
    h.p.consume(payload(
        "svc",
        vec![
            with_attr(span(1, "health"), "url.path", "/health"),
            with_attr(span(2, "api"), "url.path", "/api"),
        ],
    ))
    .await
    .unwrap();
    h.p.shutdown().await.unwrap();
    assert_eq!(names(&h.sink), ["api"]);
    assert_eq!(
        h.rec.get(&format!(
            "{GLOBAL_COUNT_TRACES_SAMPLED}{{decision=dropped,processor=tail_sampling,sampled=false}}"
        )),
        1
    );
}

#[tokio::test]
async fn decision_cache_answers_after_the_trace_left_memory() {
    let h = start(
        "decision_wait: 100ms
decision_cache: {sampled_cache_size: 10, non_sampled_cache_size: 10}
policies: [{name: errors, type: status_code, status_code: {status_codes: [ERROR]}}]",
    )
    .await;
    h.p.consume(payload("svc", vec![error_span(1, "err"), span(2, "ok")]))
        .await
        .unwrap();
    assert!(h.sink.wait_for_items(1, WAIT).await);
    // An error span of the not-sampled trace does not revive it; a late span
    // of the sampled one is forwarded.
    h.p.consume(payload(
        "svc",
        vec![error_span(2, "ok-late"), span(1, "err-late")],
    ))
    .await
    .unwrap();
    assert!(h.sink.wait_for_items(2, WAIT).await);
    h.p.shutdown().await.unwrap();
    assert_eq!(names(&h.sink), ["err", "err-late"]);
}

#[tokio::test]
async fn invalid_trace_ids_are_counted_and_dropped() {
    let h = start("decision_wait: 1h\npolicies: [{name: all, type: always_sample}]").await;
    let mut bad = span(1, "bad");
    bad.trace_id = vec![1, 2, 3];
    h.p.consume(payload("svc", vec![bad, span(2, "good")]))
        .await
        .unwrap();
    h.p.shutdown().await.unwrap();
    assert_eq!(names(&h.sink), ["good"]);
    assert_eq!(
        h.rec.get(&format!(
            "{SPANS_DROPPED_INVALID_TRACE_ID}{{processor=tail_sampling}}"
        )),
        1
    );
}

#[tokio::test]
async fn policy_label_is_prefixed_with_the_processor_name() {
    let h = start_named(
        "decision_wait: 1h\npolicies: [{name: all, type: always_sample}]",
        Some("edge"),
    )
    .await;
    h.p.consume(payload("svc", vec![span(1, "a")])).await.unwrap();
    h.p.shutdown().await.unwrap();
    assert_eq!(
        h.rec.get(&format!(
            "{COUNT_TRACES_SAMPLED}{{decision=sampled,policy=edge.all,processor=tail_sampling/edge,sampled=true}}"
        )),
        1
    );
}

#[tokio::test]
async fn block_on_overflow_waits_for_room() {
    let h = start(
        "decision_wait: 100ms
num_traces: 1
block_on_overflow: true
policies: [{name: all, type: always_sample}]",
    )
    .await;
    h.p.consume(payload("svc", vec![span(1, "first")])).await.unwrap();
    // Blocks until the first trace is decided, then is admitted.
    h.p.consume(payload("svc", vec![span(2, "second")]))
        .await
        .unwrap();
    assert!(h.sink.wait_for_items(1, WAIT).await);
    h.p.shutdown().await.unwrap();
    assert_eq!(names(&h.sink), ["first", "second"]);
    assert_eq!(
        h.rec
            .get(&format!("{TRACE_DROPPED_TOO_EARLY}{{processor=tail_sampling}}")),
        0
    );
}
