//! The `probabilistic_sampler` processor end to end: config → factory →
//! processor → sink, for traces and logs, with its self-metrics.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use metrics::{Counter, CounterFn, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value::Value};
use otelcol_component::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otelcol_component::{
    Factory, Kind, Logs, Payload, Processor, ProcessorFactory, Signal, StabilityLevel, Traces,
};
use otelcol_componenttest::{ErrConsumer, Sink, check_processor_lifecycle, nop_settings, parse_config};
use otelcol_processor_probabilisticsampler::{ProbabilisticSamplerConfig, factory};

fn cfg(yaml: &str) -> ProbabilisticSamplerConfig {
    parse_config(yaml).unwrap()
}

fn span(trace_id: [u8; 16]) -> Span {
    Span {
        trace_id: trace_id.to_vec(),
        name: hex(&trace_id),
        ..Default::default()
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Resources of scopes of spans, as nested vectors.
fn traces(layout: Vec<Vec<Vec<Span>>>) -> Traces {
    Traces::from_request(ExportTraceServiceRequest {
        resource_spans: layout
            .into_iter()
            .map(|scopes| ResourceSpans {
                scope_spans: scopes
                    .into_iter()
                    .map(|spans| ScopeSpans {
                        spans,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            })
            .collect(),
    })
}

fn traces_processor(yaml: &str, sink: Arc<Sink<Traces>>) -> Arc<dyn Processor<Traces>> {
    factory()
        .create::<Traces>(
            &nop_settings("probabilistic_sampler", Kind::Processor),
            &cfg(yaml),
            sink,
        )
        .unwrap()
}

fn names(sink: &Sink<Traces>) -> Vec<String> {
    sink.all()
        .iter()
        .flat_map(|t| t.request().resource_spans.clone())
        .flat_map(|r| r.scope_spans)
        .flat_map(|s| s.spans)
        .map(|s| s.name)
        .collect()
}

#[test]
fn factory_basics() {
    let f = factory();
    assert_eq!(f.type_name(), "probabilistic_sampler");
    assert_eq!(f.stability(Signal::Traces), Some(StabilityLevel::Alpha));
    assert_eq!(f.stability(Signal::Logs), Some(StabilityLevel::Alpha));
    assert_eq!(f.stability(Signal::Metrics), None);
    let set = nop_settings("probabilistic_sampler", Kind::Processor);
    assert!(
        f.create::<otelcol_component::Metrics>(&set, &cfg(""), Sink::new())
            .is_err()
    );
    let bad = ProbabilisticSamplerConfig {
        sampling_precision: 0,
        ..Default::default()
    };
    assert!(
        f.create::<Traces>(&set, &bad, Sink::new()).is_err(),
        "create validates"
    );
    assert!(traces_processor("", Sink::new()).capabilities().mutates_data);
}

#[tokio::test]
async fn lifecycle() {
    check_processor_lifecycle(&factory(), &cfg("sampling_percentage: 50"))
        .await
        .unwrap();
    check_processor_lifecycle(&factory(), &cfg("")).await.unwrap();
}

#[tokio::test]
async fn keeps_the_traces_a_go_collector_keeps() {
    // Go's README example: 15.3% with seed 22 is 2506 of 16384 buckets.
    // Ids of sixteen equal bytes 0x01..=0x18; Go keeps 0x04 (bucket 643),
    // 0x0a (bucket 387) and 0x12 (bucket 3), computed from Go's algorithm.
    let sink = Sink::<Traces>::new();
    let p = traces_processor("sampling_percentage: 15.3\nhash_seed: 22", sink.clone());
    let spans = (1u8..=0x18).map(|b| span([b; 16])).collect();
    p.consume(traces(vec![vec![spans]])).await.unwrap();
    let want: Vec<String> = [0x04u8, 0x0a, 0x12].iter().map(|b| hex(&[*b; 16])).collect();
    assert_eq!(names(&sink), want);
}

#[tokio::test]
async fn drops_empty_scopes_and_resources_and_forwards_nothing_when_empty() {
    let keep = || span([0x04; 16]);
    let drop = || span([0x01; 16]);
    let sink = Sink::<Traces>::new();
    let p = traces_processor("sampling_percentage: 15.3\nhash_seed: 22", sink.clone());
    p.consume(traces(vec![
        vec![vec![drop(), keep()], vec![drop()]],
        vec![vec![drop()]],
        vec![vec![keep()]],
    ]))
    .await
    .unwrap();
    let got = sink.all();
    assert_eq!(got.len(), 1);
    let req = got[0].request();
    assert_eq!(
        req.resource_spans.len(),
        2,
        "the resource left without spans is removed"
    );
    assert_eq!(
        req.resource_spans[0].scope_spans.len(),
        1,
        "the scope left without spans is removed"
    );
    assert_eq!(got[0].item_count(), 2);
    let kept = &req.resource_spans[0].scope_spans[0].spans[0];
    // rv computed independently from Go's algorithm (seed 22, id 0x04 x16); th of 2506 buckets.
    assert_eq!(kept.trace_state, "ot=rv:f5f16cc6274283;th:d8d8");

    sink.reset();
    p.consume(traces(vec![vec![vec![drop(), drop()]]])).await.unwrap();
    assert_eq!(
        sink.payload_count(),
        0,
        "nothing left: nothing forwarded, and no error"
    );
    let p0 = traces_processor("sampling_percentage: 0", sink.clone());
    p0.consume(traces(vec![vec![vec![keep()]]])).await.unwrap();
    assert_eq!(sink.payload_count(), 0);
}

#[tokio::test]
async fn downstream_errors_pass_through_and_shared_input_is_untouched() {
    let set = nop_settings("probabilistic_sampler", Kind::Processor);
    let p = factory()
        .create::<Traces>(&set, &cfg("sampling_percentage: 100"), ErrConsumer::permanent())
        .unwrap();
    let e = p
        .consume(traces(vec![vec![vec![span([1; 16])]]]))
        .await
        .unwrap_err();
    assert!(e.is_permanent());

    let sink = Sink::<Traces>::new();
    let p = traces_processor("sampling_percentage: 100", sink.clone());
    let original = traces(vec![vec![vec![span([1; 16])]]]);
    p.consume(original.clone()).await.unwrap();
    let ts = |t: &Traces| {
        t.request().resource_spans[0].scope_spans[0].spans[0]
            .trace_state
            .clone()
    };
    assert_eq!(ts(&original), "");
    assert_eq!(ts(&sink.all()[0]), "ot=rv:c26a0793c48f65;th:0");
}

/// A 64-bit xorshift generator, so the ids are the same on every run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn trace_id(&mut self) -> [u8; 16] {
        let mut id = [0; 16];
        id[..8].copy_from_slice(&self.next().to_be_bytes());
        id[8..].copy_from_slice(&self.next().to_be_bytes());
        id
    }
}

#[tokio::test]
async fn keeps_a_quarter_of_100k_random_traces() {
    const N: usize = 100_000;
    for (seed, yaml) in [
        (0x9e37_79b9_7f4a_7c15, "sampling_percentage: 25"),
        (0x0123_4567_89ab_cdef, "sampling_percentage: 25\nhash_seed: 4711"),
        (
            0xdead_beef_cafe_f00d,
            "sampling_percentage: 25\nmode: proportional",
        ),
        (0x5555_aaaa_1234_9876, "sampling_percentage: 25\nmode: equalizing"),
    ] {
        let mut rng = XorShift(seed);
        let spans: Vec<Span> = (0..N).map(|_| span(rng.trace_id())).collect();
        let sink = Sink::<Traces>::new();
        let p = traces_processor(yaml, sink.clone());
        p.consume(traces(vec![vec![spans]])).await.unwrap();
        let kept = sink.item_count() as f64 / N as f64;
        assert!((kept - 0.25).abs() <= 0.015, "{yaml}: kept {kept}");
    }
}

fn log(trace_id: [u8; 16], attrs: Vec<KeyValue>) -> LogRecord {
    LogRecord {
        trace_id: trace_id.to_vec(),
        attributes: attrs,
        ..Default::default()
    }
}

fn logs(records: Vec<LogRecord>) -> Logs {
    Logs::from_request(ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            scope_logs: vec![ScopeLogs {
                log_records: records,
                ..Default::default()
            }],
            ..Default::default()
        }],
    })
}

fn attr(key: &str, v: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(Value::StringValue(v.into())),
        }),
        ..Default::default()
    }
}

#[tokio::test]
async fn samples_logs_by_record_attribute() {
    let sink = Sink::<Logs>::new();
    let p = factory()
        .create::<Logs>(
            &nop_settings("probabilistic_sampler", Kind::Processor),
            &cfg("sampling_percentage: 25\nhash_seed: 22\nattribute_source: record\nfrom_attribute: foo"),
            sink.clone(),
        )
        .unwrap();
    assert!(p.capabilities().mutates_data);
    // Buckets with seed 22: "abc" 4061 and "log-1" 33 are kept (< 4096),
    // "log-2" 15208 is dropped; a record without `foo` fails closed.
    p.consume(logs(vec![
        log([1; 16], vec![attr("foo", "abc")]),
        log([1; 16], vec![attr("foo", "log-2")]),
        log([1; 16], vec![attr("foo", "log-1")]),
        log([1; 16], vec![]),
    ]))
    .await
    .unwrap();
    let got = sink.all();
    let records = &got[0].request().resource_logs[0].scope_logs[0].log_records;
    assert_eq!(records.len(), 2);
    assert_eq!(
        records[1].attributes,
        vec![
            attr("foo", "log-1"),
            attr("sampling.randomness", "ff79afede18021"),
            attr("sampling.threshold", "c")
        ]
    );
    sink.reset();
    p.consume(logs(vec![log([1; 16], vec![])])).await.unwrap();
    assert_eq!(sink.payload_count(), 0);
}

/// Counts what the processor records, per metric name and labels.
#[derive(Debug, Default)]
struct CountingRecorder {
    counters: Mutex<BTreeMap<String, Arc<AtomicU64>>>,
}

#[derive(Debug)]
struct Cell(Arc<AtomicU64>);

impl CounterFn for Cell {
    fn increment(&self, value: u64) {
        self.0.fetch_add(value, Ordering::SeqCst);
    }
    fn absolute(&self, value: u64) {
        self.0.store(value, Ordering::SeqCst);
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
    fn snapshot(&self) -> BTreeMap<String, u64> {
        self.counters
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.load(Ordering::SeqCst)))
            .collect()
    }
}

#[test]
fn counts_sampled_and_dropped_items_with_gos_names() {
    let recorder = CountingRecorder::default();
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    metrics::with_local_recorder(&recorder, || {
        rt.block_on(async {
            let p = traces_processor("sampling_percentage: 15.3\nhash_seed: 22", Sink::new());
            let prio = KeyValue {
                key: "sampling.priority".into(),
                value: Some(AnyValue {
                    value: Some(Value::IntValue(1)),
                }),
                ..Default::default()
            };
            let mut forced = span([0x01; 16]);
            forced.attributes.push(prio);
            let spans = vec![
                span([0x04; 16]),
                span([0x01; 16]),
                span([0x02; 16]),
                span([0; 16]),
                forced,
            ];
            p.consume(traces(vec![vec![spans]])).await.unwrap();
            let l = factory()
                .create::<Logs>(
                    &nop_settings("probabilistic_sampler", Kind::Processor),
                    &cfg("sampling_percentage: 100\nattribute_source: record\nfrom_attribute: foo"),
                    Sink::new(),
                )
                .unwrap();
            l.consume(logs(vec![
                log([1; 16], vec![attr("foo", "x")]),
                log([1; 16], vec![]),
            ]))
            .await
            .unwrap();
        });
    });
    let t = "otelcol_processor_probabilistic_sampler_count_traces_sampled";
    let lg = "otelcol_processor_probabilistic_sampler_count_logs_sampled";
    let want: BTreeMap<String, u64> = [
        (
            format!("{lg}{{policy=foo,processor=probabilistic_sampler,sampled=true}}"),
            1,
        ),
        (
            format!("{lg}{{policy=missing_randomness,processor=probabilistic_sampler,sampled=false}}"),
            1,
        ),
        (
            format!("{t}{{policy=missing_randomness,processor=probabilistic_sampler,sampled=false}}"),
            1,
        ),
        (
            format!("{t}{{policy=sampling_priority,processor=probabilistic_sampler,sampled=true}}"),
            1,
        ),
        (
            format!("{t}{{policy=trace_id_hash,processor=probabilistic_sampler,sampled=false}}"),
            2,
        ),
        (
            format!("{t}{{policy=trace_id_hash,processor=probabilistic_sampler,sampled=true}}"),
            1,
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(recorder.snapshot(), want);
}
