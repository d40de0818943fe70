//! OTLP → remote-write translation.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

mod common;

use common::*;
use otelcol_exporter_prometheusremotewrite::proto::{Label, TimeSeries, metric_type};
use otelcol_exporter_prometheusremotewrite::{STALE_NAN, TranslateSettings, translate};
use otelcol_prometheus::MetricNamer;

fn settings() -> TranslateSettings {
    TranslateSettings {
        namer: MetricNamer::new("", true),
        external_labels: vec![("cluster".into(), "c1".into())],
        target_info: true,
        resource_to_telemetry: false,
        send_metadata: false,
    }
}

fn labels(ts: &TimeSeries) -> Vec<(&str, &str)> {
    ts.labels
        .iter()
        .map(|l| (l.name.as_str(), l.value.as_str()))
        .collect()
}

fn find<'a>(series: &'a [TimeSeries], name: &str, extra: Option<(&str, &str)>) -> &'a TimeSeries {
    series
        .iter()
        .find(|ts| {
            ts.labels.iter().any(|l| l.name == "__name__" && l.value == name)
                && extra.is_none_or(|(n, v)| ts.labels.iter().any(|l| l.name == n && l.value == v))
        })
        .unwrap_or_else(|| panic!("no series {name} {extra:?} in {series:#?}"))
}

const T: u64 = 1_700_000_000_500_000_000;

#[test]
fn counters_and_gauges_with_job_instance_external_and_scope_labels() {
    let mut res = vec![
        kv("service.name", "api"),
        kv("service.instance.id", "i-1"),
        kv("host.name", "h"),
    ];
    res.push(kv("service.namespace", "shop"));
    let req = request(
        res,
        scope("lib", "2.0"),
        vec![
            sum(
                "http.requests",
                "1",
                true,
                CUMULATIVE,
                vec![num(vec![kv("http.method", "GET"), kv("cluster", "mine")], T, 3.0)],
            ),
            sum("inflight", "{req}", false, CUMULATIVE, vec![num(vec![], T, -2.0)]),
            gauge("mem.used", "By", vec![num(vec![], T, 1024.0)]),
        ],
    );
    let t = translate(&settings(), &req);
    assert!(t.errors.is_empty(), "{:?}", t.errors);
    let c = find(&t.series, "http_requests_total", None);
    assert_eq!(
        labels(c),
        vec![
            ("__name__", "http_requests_total"),
            ("cluster", "mine"),
            ("http_method", "GET"),
            ("instance", "i-1"),
            ("job", "shop/api"),
            ("otel_scope_name", "lib"),
            ("otel_scope_version", "2.0"),
        ]
    );
    assert_eq!(
        (c.samples[0].value, c.samples[0].timestamp),
        (3.0, 1_700_000_000_500)
    );
    let g = find(&t.series, "inflight", None);
    assert_eq!(g.samples[0].value, -2.0);
    assert!(labels(g).contains(&("cluster", "c1")));
    find(&t.series, "mem_used_bytes", None);
    let ti = find(&t.series, "target_info", None);
    assert_eq!(
        labels(ti),
        vec![
            ("__name__", "target_info"),
            ("cluster", "c1"),
            ("host_name", "h"),
            ("instance", "i-1"),
            ("job", "shop/api")
        ]
    );
    assert_eq!(ti.samples[0].timestamp, 1_700_000_000_500);
    assert_eq!(t.series.len(), 4);
}

#[test]
fn histograms_summaries_and_exemplars() {
    let mut h = histogram("latency", "ms", T, &[0.5, 1000.0], &[1, 2, 3], 99.0);
    if let Some(otelcol_component::proto::metrics::v1::metric::Data::Histogram(hh)) = &mut h.data {
        hh.data_points[0]
            .exemplars
            .push(otelcol_component::proto::metrics::v1::Exemplar {
                time_unix_nano: T,
                trace_id: vec![1; 16],
                value: Some(otelcol_component::proto::metrics::v1::exemplar::Value::AsDouble(
                    700.0,
                )),
                ..Default::default()
            });
    }
    let req = request(
        vec![],
        scope("", ""),
        vec![h, summary("rpc", T, 4, 2.0, &[(0.5, 0.25), (0.99, 1.5)])],
    );
    let t = translate(&settings(), &req);
    let b = |le| find(&t.series, "latency_milliseconds_bucket", Some(("le", le)));
    assert_eq!(b("0.5").samples[0].value, 1.0);
    assert_eq!(b("1000").samples[0].value, 3.0);
    assert_eq!(b("+Inf").samples[0].value, 6.0);
    assert_eq!(b("1000").exemplars.len(), 1);
    assert_eq!(
        b("1000").exemplars[0].labels,
        vec![Label {
            name: "trace_id".into(),
            value: "01".repeat(16)
        }]
    );
    assert_eq!(
        find(&t.series, "latency_milliseconds_sum", None).samples[0].value,
        99.0
    );
    assert_eq!(
        find(&t.series, "latency_milliseconds_count", None).samples[0].value,
        6.0
    );
    assert_eq!(
        find(&t.series, "rpc_seconds", Some(("quantile", "0.99"))).samples[0].value,
        1.5
    );
    assert_eq!(find(&t.series, "rpc_seconds_count", None).samples[0].value, 4.0);
    assert_eq!(find(&t.series, "rpc_seconds_sum", None).samples[0].value, 2.0);
    // No resource attributes: no target_info.
    assert!(
        t.series
            .iter()
            .all(|s| !labels(s).contains(&("__name__", "target_info")))
    );
}

#[test]
fn exponential_histograms_become_native_histograms() {
    let req = request(
        vec![],
        scope("", ""),
        vec![exponential("wait", T, 10, 0, &[1, 1, 1, 1, 1], 2)],
    );
    let t = translate(&settings(), &req);
    let s = find(&t.series, "wait_seconds", None);
    assert!(s.samples.is_empty());
    let h = &s.histograms[0];
    assert_eq!((h.schema, h.count_int, h.zero_count_int, h.sum), (8, 7, 2, 12.5));
    assert_eq!(h.positive_spans.len(), 1);
    assert_eq!((h.positive_spans[0].offset, h.positive_spans[0].length), (1, 2));
    assert_eq!(h.positive_deltas, vec![4, -3]);
    assert_eq!(h.timestamp, 1_700_000_000_500);
    let bad = request(
        vec![],
        scope("", ""),
        vec![exponential("tiny", T, -5, 0, &[1], 0)],
    );
    let t = translate(&settings(), &bad);
    assert!(t.series.is_empty());
    assert!(t.errors[0].contains("scale must be >= -4"), "{:?}", t.errors);
}

#[test]
fn delta_metrics_are_dropped_with_an_error() {
    let req = request(
        vec![],
        scope("", ""),
        vec![
            sum("d", "", true, DELTA, vec![num(vec![], T, 1.0)]),
            gauge("ok", "", vec![num(vec![], T, 1.0)]),
        ],
    );
    let t = translate(&settings(), &req);
    assert_eq!(
        t.errors,
        vec![r#"invalid temporality and type combination for metric "d""#.to_string()]
    );
    assert_eq!(t.series.len(), 1);
}

#[test]
fn staleness_markers_namespace_metadata_and_resource_labels() {
    let mut p = num(vec![], T, 5.0);
    p.flags = otelcol_prometheus::FLAG_NO_RECORDED_VALUE;
    let mut s = settings();
    s.namer = MetricNamer::new("app", true);
    s.send_metadata = true;
    s.resource_to_telemetry = true;
    let req = request(
        vec![kv("service.name", "svc"), kv("region", "eu")],
        scope("", ""),
        vec![
            gauge("g", "1", vec![p]),
            sum("c", "By", true, CUMULATIVE, vec![num(vec![], T, 1.0)]),
        ],
    );
    let t = translate(&s, &req);
    let g = find(&t.series, "app_g_ratio", None);
    assert_eq!(g.samples[0].value.to_bits(), STALE_NAN);
    assert!(labels(g).contains(&("region", "eu")) && labels(g).contains(&("service_name", "svc")));
    find(&t.series, "app_target_info", None);
    let meta: Vec<_> = t
        .metadata
        .iter()
        .map(|m| (m.metric_family_name.as_str(), m.r#type, m.unit.as_str()))
        .collect();
    assert_eq!(
        meta,
        vec![
            ("app_g_ratio", metric_type::GAUGE, ""),
            ("app_c_bytes_total", metric_type::COUNTER, "bytes")
        ]
    );
}

#[test]
fn samples_of_one_series_are_merged_and_sorted() {
    let req = request(
        vec![],
        scope("", ""),
        vec![gauge(
            "g",
            "",
            vec![num(vec![], T + 2_000_000, 2.0), num(vec![], T, 1.0)],
        )],
    );
    let t = translate(&settings(), &req);
    assert_eq!(t.series.len(), 1);
    let ts: Vec<i64> = t.series[0].samples.iter().map(|s| s.timestamp).collect();
    assert_eq!(ts, vec![1_700_000_000_500, 1_700_000_000_502]);
}
