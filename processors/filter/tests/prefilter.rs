//! The encoded path against the decoded one: generated requests, with
//! attributes, names and bodies that sometimes equal the conditions'
//! literals and sometimes merely contain or neighbour them (and sometimes
//! empty scopes, resources and metrics), filtered once as an encoded payload
//! and once decoded, must come out the same; the encoded one stays encoded
//! only when nothing was dropped, and does whenever none of the literals is
//! in its bytes.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

use std::sync::Arc;

use bytes::Bytes;
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value};
use otelcol_component::proto::logs::v1::{ResourceLogs, ScopeLogs};
use otelcol_component::proto::metrics::v1::{Gauge, Metric, ResourceMetrics, ScopeMetrics, metric};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans};
use otelcol_component::{
    ItemMut, Kind, Logs, Metrics, Payload, Processor, ProcessorFactory, Traces, filled_resources,
};
use otelcol_componenttest::generate::Generator;
use otelcol_componenttest::{Sink, nop_settings, parse_config};
use otelcol_processor_filter::{FilterConfig, factory};

/// Values the conditions below compare with; keys they index by.
const VALUES: [&str; 7] = [
    "/health",
    "xq",
    "cart-svc",
    "io.opentelemetry.db",
    "boom!",
    "NOTICE",
    "metric-one",
];
const KEYS: [&str; 3] = ["http.route", "k", "service.name"];

/// SplitMix64, for the mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
    /// A literal, or a string containing or neighbouring one.
    fn value(&mut self) -> String {
        let v = VALUES[self.below(VALUES.len())];
        match self.below(6) {
            0 | 1 => v.to_string(),
            2 => format!("{v}z"),
            3 => format!("a{v}"),
            4 => v[..v.len() - 1].to_string(),
            _ => v.to_uppercase(),
        }
    }
}

fn kv(k: &str, v: String) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(v)),
        }),
        ..Default::default()
    }
}

/// Signal-specific generation and empty levels.
trait Case: Payload<Request: std::fmt::Debug> {
    fn generate(g: &mut Generator, r: usize, s: usize, i: usize) -> Self;
    fn add_empty_levels(&mut self, rng: &mut Rng);
    fn create(cfg: &FilterConfig, sink: Arc<Sink<Self>>) -> Arc<dyn Processor<Self>>;
}

impl Case for Traces {
    fn generate(g: &mut Generator, r: usize, s: usize, i: usize) -> Self {
        Traces::from_request(g.traces(r, s, i))
    }
    fn add_empty_levels(&mut self, rng: &mut Rng) {
        let rs = &mut self.request_mut().resource_spans;
        if rng.one_in(2) {
            rs[0].scope_spans.push(ScopeSpans::default());
        } else {
            rs.push(ResourceSpans {
                resource: Some(Resource::default()),
                ..Default::default()
            });
        }
    }
    fn create(cfg: &FilterConfig, sink: Arc<Sink<Self>>) -> Arc<dyn Processor<Self>> {
        factory()
            .create::<Traces>(&nop_settings("filter", Kind::Processor), cfg, sink)
            .unwrap()
    }
}

impl Case for Metrics {
    fn generate(g: &mut Generator, r: usize, s: usize, i: usize) -> Self {
        Metrics::from_request(g.metrics(r, s, i))
    }
    fn add_empty_levels(&mut self, rng: &mut Rng) {
        let rm = &mut self.request_mut().resource_metrics;
        match rng.below(3) {
            0 => rm[0].scope_metrics.push(ScopeMetrics::default()),
            1 => rm.push(ResourceMetrics::default()),
            _ => rm[0].scope_metrics[0].metrics.push(Metric {
                name: "empty".into(),
                data: Some(metric::Data::Gauge(Gauge::default())),
                ..Default::default()
            }),
        }
    }
    fn create(cfg: &FilterConfig, sink: Arc<Sink<Self>>) -> Arc<dyn Processor<Self>> {
        factory()
            .create::<Metrics>(&nop_settings("filter", Kind::Processor), cfg, sink)
            .unwrap()
    }
}

impl Case for Logs {
    fn generate(g: &mut Generator, r: usize, s: usize, i: usize) -> Self {
        Logs::from_request(g.logs(r, s, i))
    }
    fn add_empty_levels(&mut self, rng: &mut Rng) {
        let rl = &mut self.request_mut().resource_logs;
        if rng.one_in(2) {
            rl[0].scope_logs.push(ScopeLogs::default());
        } else {
            rl.push(ResourceLogs::default());
        }
    }
    fn create(cfg: &FilterConfig, sink: Arc<Sink<Self>>) -> Arc<dyn Processor<Self>> {
        factory()
            .create::<Logs>(&nop_settings("filter", Kind::Processor), cfg, sink)
            .unwrap()
    }
}

/// A generated request with some strings set to literals or near misses.
fn request<T: Case>(seed: u64) -> T {
    let mut rng = Rng(seed);
    let mut g = Generator::new(seed);
    let mut data = T::generate(&mut g, 1 + rng.below(2), 1 + rng.below(2), 1 + rng.below(4));
    let density = 2 + rng.below(6);
    data.for_each_attributes_mut(|_, attrs| {
        if rng.one_in(density) && !attrs.is_empty() {
            let at = rng.below(attrs.len());
            attrs[at].value = kv("", rng.value()).value;
        }
        if rng.one_in(density) {
            attrs.push(kv(KEYS[rng.below(KEYS.len())], rng.value()));
        }
    });
    data.for_each_scope_mut(|_, scope| {
        if rng.one_in(density) {
            scope.name = rng.value();
        }
    });
    data.for_each_item_mut(|_, _, item| match item {
        ItemMut::Span(s) => {
            if rng.one_in(density) {
                s.name = rng.value();
            }
            for e in &mut s.events {
                if rng.one_in(density) {
                    e.name = rng.value();
                }
            }
            if let Some(st) = &mut s.status {
                if rng.one_in(density) {
                    st.message = rng.value();
                }
            }
        }
        ItemMut::Metric(m) => {
            if rng.one_in(density) {
                m.name = rng.value();
            }
            if rng.one_in(density) {
                m.description = rng.value();
            }
        }
        ItemMut::Log(l) => {
            if rng.one_in(density) {
                l.body = kv("", rng.value()).value;
            }
            if rng.one_in(density) {
                l.severity_text = rng.value();
            }
        }
        _ => {}
    });
    if rng.one_in(8) {
        data.add_empty_levels(&mut rng);
    }
    data
}

/// What one run of the processor gave: the call's error kind, and the
/// payloads forwarded (with whether each was still encoded).
type Outcome<T> = (Option<String>, Vec<(T, bool)>);

async fn run<T: Case>(cfg: &FilterConfig, data: T) -> Outcome<T> {
    let sink = Sink::<T>::new();
    let p = T::create(cfg, sink.clone());
    let err = p.consume(data).await.err().map(|e| format!("{:?}", e.kind()));
    let out = sink.all().into_iter().map(|t| {
        let enc = t.is_encoded();
        (t, enc)
    });
    (err, out.collect())
}

#[derive(Debug, Default)]
struct Tally {
    kept_encoded: usize,
    changed: usize,
    unchanged_decoded: usize,
}

/// Runs `seeds` generated requests through `yaml` both ways; `literals`:
/// the value literals of the conditions (absent all of them, and with no
/// empty level, an encoded request must pass through encoded), or `None`
/// when the config has no prefilter (nothing stays encoded).
async fn differential<T: Case>(yaml: &str, literals: Option<&[&str]>, seeds: u64) -> Tally {
    let cfg: FilterConfig = parse_config(yaml).unwrap();
    let mut tally = Tally::default();
    for seed in 0..seeds {
        let mut decoded: T = request(seed * 7919 + 1);
        let first = Bytes::from(decoded.encode_to_vec());
        let mut encoded = T::from_encoded(first).unwrap();
        if seed % 3 == 0 {
            // Two chunks, as a batch of two requests holds them.
            let second: T = request(seed * 7919 + 2);
            encoded.merge(T::from_encoded(Bytes::from(second.encode_to_vec())).unwrap());
            decoded.merge(second);
            assert_eq!(encoded.encoded_chunks().map(|c| c.len()), Some(2));
        }
        assert!(encoded.is_encoded());
        let bytes = Bytes::from(encoded.encode_to_vec());
        let (err_d, out_d) = run(&cfg, decoded.clone()).await;
        let encoded_chunks: Vec<Vec<u8>> = encoded
            .encoded_chunks()
            .unwrap()
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect();
        let (err_e, out_e) = run(&cfg, encoded).await;
        let ctx = format!("{yaml} seed {seed}");
        assert_eq!(err_d, err_e, "{ctx}");
        assert_eq!(out_d.len(), out_e.len(), "{ctx}");
        for ((d, _), (e, e_encoded)) in out_d.iter().zip(&out_e) {
            assert_eq!(d.request(), e.request(), "{ctx}");
            if *e_encoded {
                // Passed through: the very bytes, and nothing was dropped.
                assert_eq!(e.encode_to_vec(), bytes, "{ctx}");
                assert_eq!(e.request(), decoded.request(), "{ctx}");
            }
        }
        let kept_encoded = out_e.first().is_some_and(|(_, enc)| *enc);
        let unchanged = out_d
            .first()
            .is_some_and(|(d, _)| d.request() == decoded.request());
        match literals {
            None => assert!(!kept_encoded, "{ctx}: no prefilter, yet passed encoded"),
            Some(lits) => {
                let absent = lits.iter().all(|l| memchr_find(&bytes, l.as_bytes()).is_none());
                let chunks = encoded_chunks.iter().map(|c| filled_resources(T::SIGNAL, c));
                let filled = chunks.sum::<Option<usize>>().is_some_and(|n| n > 0);
                if absent && filled && err_e.is_none() {
                    assert!(kept_encoded, "{ctx}: no literal in the bytes, yet decoded");
                }
            }
        }
        if kept_encoded {
            tally.kept_encoded += 1;
        } else if unchanged {
            tally.unchanged_decoded += 1;
        } else {
            tally.changed += 1;
        }
    }
    tally
}

fn memchr_find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

const SEEDS: u64 = 150;

/// Configs with a prefilter: some requests stay encoded, some lose items.
async fn check<T: Case>(yaml: &str, literals: &[&str]) {
    let t = differential::<T>(yaml, Some(literals), SEEDS).await;
    assert!(t.kept_encoded > 0, "{yaml}: {t:?}");
    assert!(t.changed > 0, "{yaml}: {t:?}");
}

#[tokio::test]
async fn traces_encoded_and_decoded_agree() {
    for (yaml, lits) in [
        (
            r#"{error_mode: ignore, traces: {span: ['attributes["http.route"] == "/health"']}}"#,
            &["/health"][..],
        ),
        (
            r#"{error_mode: propagate, traces: {span: ['attributes["http.route"] == "/health"']}}"#,
            &["/health"],
        ),
        (
            r#"trace_conditions: ['span.name == "xq"', 'resource.attributes["service.name"] == "cart-svc"']"#,
            &["xq", "cart-svc"],
        ),
        (
            r#"{traces: {resource: ['attributes["service.name"] == "cart-svc"'], spanevent: ['name == "boom!"']}}"#,
            &["cart-svc", "boom!"],
        ),
        (
            r#"trace_conditions: [{context: scope, conditions: ['name == "io.opentelemetry.db"']}, {context: span, conditions: ['attributes["k"] == "xq" and name == "xq"', 'status.message == "boom!" or attributes["http.route"] == "NOTICE"']}]"#,
            &["io.opentelemetry.db", "xq", "boom!", "NOTICE"],
        ),
        // May fail (indexing a string), which `ignore` treats as false.
        (
            r#"{error_mode: silent, traces: {span: ['attributes["http.route"]["a"] == "/health" or name == "xq"']}}"#,
            &["/health", "xq"],
        ),
    ] {
        check::<Traces>(yaml, lits).await;
    }
    // Never true: every filled request passes encoded (only the empty
    // levels of the others are removed).
    let t = differential::<Traces>(
        r#"traces: {span: ['false', 'name == "xq" and false']}"#,
        Some(&[]),
        SEEDS,
    )
    .await;
    assert!(t.kept_encoded > t.changed && t.unchanged_decoded == 0, "{t:?}");
    // No prefilter: decoded as before, same results.
    for yaml in [
        r#"traces: {span: ['attributes["http.route"] != "/health"']}"#,
        r#"traces: {span: ['name == "xq" or IsMatch(name, "^GET")']}"#,
        r#"traces: {span: ['attributes["http.route"] == "/health"', 'not (name == "xq")']}"#,
        r#"{error_mode: propagate, traces: {span: ['attributes["http.route"]["a"] == "/health"']}}"#,
        r#"spans: {exclude: {match_type: strict, span_names: ["xq"]}}"#,
    ] {
        differential::<Traces>(yaml, None, SEEDS / 3).await;
    }
}

#[tokio::test]
async fn metrics_encoded_and_decoded_agree() {
    check::<Metrics>(
        r#"metric_conditions: ['metric.name == "metric-one"']"#,
        &["metric-one"],
    )
    .await;
    check::<Metrics>(
        r#"{metrics: {datapoint: ['attributes["k"] == "xq"', 'metric.description == "boom!"']}}"#,
        &["xq", "boom!"],
    )
    .await;
    check::<Metrics>(
        r#"{metrics: {resource: ['attributes["service.name"] == "cart-svc"'], metric: ['description == "boom!"']}}"#,
        &["cart-svc", "boom!"],
    )
    .await;
    differential::<Metrics>(r#"metrics: {metric: ['name != "metric-one"']}"#, None, SEEDS / 3).await;
}

#[tokio::test]
async fn logs_encoded_and_decoded_agree() {
    check::<Logs>(
        r#"log_conditions: ['log.severity_text == "NOTICE"', 'log.body == "xq"']"#,
        &["NOTICE", "xq"],
    )
    .await;
    check::<Logs>(
        r#"{logs: {log_record: ['body["k"] == "xq"', 'attributes["http.route"] == "/health"']}}"#,
        &["xq", "/health"],
    )
    .await;
    differential::<Logs>(
        r#"logs: {log_record: ['severity_number >= 13']}"#,
        None,
        SEEDS / 3,
    )
    .await;
}

#[tokio::test]
async fn decodes_input_only_without_a_prefilter() {
    let make = |yaml: &str| {
        let cfg: FilterConfig = parse_config(yaml).unwrap();
        Traces::create(&cfg, Sink::new())
    };
    assert!(!make(r#"traces: {span: ['attributes["http.route"] == "/health"']}"#).decodes_input());
    assert!(!make(r#"log_conditions: ['log.severity_text != "NOTICE"']"#).decodes_input());
    assert!(make(r#"traces: {span: ['attributes["http.route"] != "/health"']}"#).decodes_input());
    assert!(
        make(r#"{error_mode: propagate, traces: {span: ['attributes["a"]["b"] == "xq"']}}"#).decodes_input()
    );
    assert!(
        !make(r#"{error_mode: ignore, traces: {span: ['attributes["a"]["b"] == "xq"']}}"#).decodes_input()
    );
    // A next consumer that decodes makes the filter decode.
    let cfg: FilterConfig = parse_config(r#"traces: {span: ['name == "xq"']}"#).unwrap();
    let inner = Traces::create(&cfg, Sink::new());
    let outer = factory()
        .create::<Traces>(
            &nop_settings("filter", Kind::Processor),
            &parse_config::<FilterConfig>(r#"traces: {span: ['name != "xq"']}"#).unwrap(),
            inner.clone(),
        )
        .unwrap();
    assert!(outer.decodes_input());
    let decoding_next = factory()
        .create::<Traces>(&nop_settings("filter", Kind::Processor), &cfg, outer)
        .unwrap();
    assert!(decoding_next.decodes_input());
}
