//! Accumulation and rendering through the public API.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use otelcol_prometheus::client_model::MetricFamily;
use otelcol_prometheus::expfmt::{Format, TextOptions, render, render_text};
use otelcol_prometheus::{Accumulator, AccumulatorConfig, ManualClock, MetricNamer};
use prost::Message as _;

fn acc() -> Accumulator {
    Accumulator::new(AccumulatorConfig::default())
}

fn text(a: &Accumulator) -> String {
    String::from_utf8(render(&a.snapshot(), Format::Text, false)).unwrap()
}

fn openmetrics(a: &Accumulator, timestamps: bool) -> String {
    let mut out = String::new();
    render_text(
        &a.snapshot(),
        TextOptions {
            openmetrics: true,
            timestamps,
        },
        &mut out,
    );
    out
}

/// Lines of the page that start with `prefix`.
fn lines<'a>(page: &'a str, prefix: &str) -> Vec<&'a str> {
    page.lines().filter(|l| l.starts_with(prefix)).collect()
}

#[test]
fn renders_counter_gauge_histogram_and_target_info() {
    let cfg = AccumulatorConfig {
        const_labels: vec![("env".into(), "prod".into())],
        ..Default::default()
    };
    let a = Accumulator::new(cfg);
    let mut res = service("api", "i-1");
    res.push(kv("host.name", "h1"));
    let req = request(
        res,
        scope("lib", "1.0"),
        vec![
            sum(
                "http.requests",
                "1",
                "Requests",
                true,
                CUMULATIVE,
                vec![num(vec![kv("method", "GET")], 1_000_000_000, 2_000_000_000, 5.0)],
            ),
            gauge("queue.size", "{items}", "Queue", vec![int(vec![], 0, 2, 3)]),
            histogram(
                "http.duration",
                "s",
                "Duration",
                CUMULATIVE,
                vec![hpoint(
                    vec![kv("method", "GET")],
                    1,
                    2,
                    &[0.1, 1.0],
                    &[1, 2, 3],
                    4.5,
                )],
            ),
        ],
    );
    assert_eq!(a.accumulate(&req), 3);
    let l = r#"env="prod",instance="i-1",job="api",method="GET",otel_scope_name="lib",otel_scope_schema_url="",otel_scope_version="1.0""#;
    let g = r#"env="prod",instance="i-1",job="api",otel_scope_name="lib",otel_scope_schema_url="",otel_scope_version="1.0""#;
    let expected = format!(
        "# HELP http_duration_seconds Duration\n\
         # TYPE http_duration_seconds histogram\n\
         http_duration_seconds_bucket{{{l},le=\"0.1\"}} 1\n\
         http_duration_seconds_bucket{{{l},le=\"1\"}} 3\n\
         http_duration_seconds_bucket{{{l},le=\"+Inf\"}} 6\n\
         http_duration_seconds_sum{{{l}}} 4.5\n\
         http_duration_seconds_count{{{l}}} 6\n\
         # HELP http_requests_total Requests\n\
         # TYPE http_requests_total counter\n\
         http_requests_total{{{l}}} 5\n\
         # HELP queue_size Queue\n\
         # TYPE queue_size gauge\n\
         queue_size{{{g}}} 3\n\
         # HELP target_info Target metadata\n\
         # TYPE target_info gauge\n\
         target_info{{host_name=\"h1\",instance=\"i-1\",job=\"api\"}} 1\n"
    );
    assert_eq!(text(&a), expected);
}

#[test]
fn delta_sums_accumulate_into_cumulative() {
    let a = acc();
    let point = |start, time, v| {
        request(
            vec![],
            scope("s", ""),
            vec![sum("c", "", "", true, DELTA, vec![int(vec![], start, time, v)])],
        )
    };
    a.accumulate(&point(0, 10, 1));
    a.accumulate(&point(10, 20, 2));
    a.accumulate(&point(20, 30, 3));
    assert_eq!(
        lines(&text(&a), "c_total"),
        vec![r#"c_total{otel_scope_name="s",otel_scope_schema_url="",otel_scope_version=""} 6"#]
    );
    // A point older than the stored one is ignored.
    assert_eq!(a.accumulate(&point(5, 15, 100)), 0);
    // A gap (start != last time) restarts the sum.
    a.accumulate(&point(40, 50, 7));
    assert!(text(&a).contains("} 7\n"));
}

#[test]
fn non_monotonic_sums_are_gauges_and_delta_ones_are_dropped() {
    let a = acc();
    let req = request(
        vec![],
        scope("", ""),
        vec![
            sum("updown", "", "", false, CUMULATIVE, vec![num(vec![], 0, 1, -4.0)]),
            sum("updown.delta", "", "", false, DELTA, vec![num(vec![], 0, 1, 1.0)]),
            sum("unspecified", "", "", true, 0, vec![num(vec![], 0, 1, 1.0)]),
        ],
    );
    assert_eq!(a.accumulate(&req), 1);
    let page = text(&a);
    assert!(page.contains("# TYPE updown gauge\n"));
    assert!(page.contains("} -4\n"));
    assert!(!page.contains("updown_delta"));
    assert!(!page.contains("unspecified"));
}

#[test]
fn delta_histograms_accumulate_and_misaligned_points_are_dropped() {
    let a = acc();
    let point = |start, time, counts: &[u64], bounds: &[f64]| {
        request(
            vec![],
            scope("", ""),
            vec![histogram(
                "h",
                "",
                "",
                DELTA,
                vec![hpoint(vec![], start, time, bounds, counts, 1.0)],
            )],
        )
    };
    a.accumulate(&point(0, 10, &[1, 1, 0], &[1.0, 2.0]));
    a.accumulate(&point(10, 20, &[2, 0, 1], &[1.0, 2.0]));
    let page = text(&a);
    assert!(page.contains(r#"le="1"} 3"#), "{page}");
    assert!(page.contains(r#"le="2"} 4"#), "{page}");
    assert!(page.contains(r#"le="+Inf"} 5"#), "{page}");
    assert!(
        page.contains("h_sum{otel_scope_name=\"\",otel_scope_schema_url=\"\",otel_scope_version=\"\"} 2\n"),
        "{page}"
    );
    // Overlapping start: dropped.
    assert_eq!(a.accumulate(&point(15, 25, &[9, 9, 9], &[1.0, 2.0])), 0);
    // Different bounds: the newer point replaces.
    a.accumulate(&point(20, 30, &[1, 0], &[5.0]));
    let page = text(&a);
    assert!(page.contains(r#"le="5"} 1"#), "{page}");
    assert!(!page.contains(r#"le="1""#), "{page}");
}

#[test]
fn summaries_render_quantiles_sum_and_count() {
    let a = acc();
    let qs: &[(f64, f64)] = &[(0.99, 9.0), (0.5, 5.0)];
    a.accumulate(&request(
        vec![],
        scope("", ""),
        vec![summary("rpc.latency", vec![(10, 55.5, qs)])],
    ));
    let page = text(&a);
    let l = r#"otel_scope_name="",otel_scope_schema_url="",otel_scope_version="""#;
    assert!(page.contains("# TYPE rpc_latency_seconds summary\n"));
    assert!(
        page.contains(&format!(
            "rpc_latency_seconds{{{l},quantile=\"0.5\"}} 5\nrpc_latency_seconds{{{l},quantile=\"0.99\"}} 9\n"
        )),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "rpc_latency_seconds_sum{{{l}}} 55.5\nrpc_latency_seconds_count{{{l}}} 10\n"
        )),
        "{page}"
    );
}

#[test]
fn exponential_histograms_are_classic_in_text_and_native_in_protobuf() {
    let a = acc();
    // scale 0: buckets (1,2], (2,4], (4,8].
    a.accumulate(&request(
        vec![],
        scope("", ""),
        vec![exponential(
            "lat",
            "ms",
            CUMULATIVE,
            vec![expoint(5, 0, 0, &[1, 2, 3], 4)],
        )],
    ));
    let page = text(&a);
    for want in [
        r#"le="0"} 4"#,
        r#"le="2"} 5"#,
        r#"le="4"} 7"#,
        r#"le="8"} 10"#,
        r#"le="+Inf"} 10"#,
    ] {
        assert!(page.contains(want), "missing {want} in\n{page}");
    }
    assert!(page.contains("# TYPE lat_milliseconds histogram"));

    let bytes = render(&a.snapshot(), Format::Protobuf, false);
    let mut buf = bytes.as_slice();
    let fam = MetricFamily::decode_length_delimited(&mut buf).unwrap();
    assert!(buf.is_empty());
    assert_eq!(fam.name, "lat_milliseconds");
    let h = fam.metric[0].histogram.as_ref().unwrap();
    assert_eq!((h.schema, h.sample_count, h.zero_count), (0, 10, 4));
    assert_eq!(h.positive_span.len(), 1);
    assert_eq!((h.positive_span[0].offset, h.positive_span[0].length), (1, 3));
    assert_eq!(h.positive_delta, vec![1, 1, 1]);
    assert!(h.zero_threshold > 0.0 && h.bucket.is_empty());
    let labels: Vec<_> = fam.metric[0].label.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        labels,
        vec!["otel_scope_name", "otel_scope_schema_url", "otel_scope_version"]
    );
}

#[test]
fn delta_exponential_histograms_merge() {
    let a = acc();
    let mut p1 = expoint(10, 1, 0, &[1, 1], 0);
    p1.start_time_unix_nano = 0;
    let mut p2 = expoint(20, 0, 0, &[5], 1);
    p2.start_time_unix_nano = 10;
    a.accumulate(&request(
        vec![],
        scope("", ""),
        vec![exponential("e", "", DELTA, vec![p1])],
    ));
    a.accumulate(&request(
        vec![],
        scope("", ""),
        vec![exponential("e", "", DELTA, vec![p2])],
    ));
    let page = text(&a);
    // scale 1 buckets 0,1 fold into scale 0 bucket 0 → (1,2] holds 2 + 5.
    assert!(page.contains(r#"le="2"} 8"#), "{page}");
    assert!(page.contains(r#"le="+Inf"} 8"#), "{page}");
}

#[test]
fn series_expire_after_metric_expiration() {
    let clock = Arc::new(ManualClock::new());
    let cfg = AccumulatorConfig {
        expiration: Duration::from_secs(60),
        ..Default::default()
    };
    let a = Accumulator::with_clock(cfg, clock.clone());
    let g = |name: &str| {
        request(
            service("svc", "1"),
            scope("", ""),
            vec![gauge(name, "", "", vec![num(vec![], 0, 1, 1.0)])],
        )
    };
    a.accumulate(&g("old"));
    clock.advance(Duration::from_secs(40));
    a.accumulate(&g("fresh"));
    clock.advance(Duration::from_secs(30));
    let page = text(&a);
    assert!(!page.contains("old"), "{page}");
    assert!(page.contains("fresh{"), "{page}");
    assert!(page.contains("target_info{"), "{page}");
    clock.advance(Duration::from_secs(31));
    assert_eq!(text(&a), "");
    assert_eq!(a.series_count(), 0);
}

#[test]
fn target_info_needs_job_and_instance_and_gets_namespace() {
    let cfg = AccumulatorConfig {
        namer: MetricNamer::new("app", true),
        ..Default::default()
    };
    let a = Accumulator::new(cfg);
    let g = gauge("g", "", "", vec![num(vec![], 0, 1, 1.0)]);
    a.accumulate(&request(
        vec![kv("service.name", "only-job")],
        scope("", ""),
        vec![g.clone()],
    ));
    assert!(!text(&a).contains("target_info"));
    let mut res = service("svc", "i");
    res.push(kv("service.namespace", "shop"));
    res.push(kv("k8s.pod.name", "p-1"));
    a.accumulate(&request(res, scope("", ""), vec![g]));
    let page = text(&a);
    assert!(page.contains("# TYPE app_target_info gauge\n"), "{page}");
    assert!(
        page.contains(r#"app_target_info{instance="i",job="shop/svc",k8s_pod_name="p-1"} 1"#),
        "{page}"
    );
    assert!(page.contains(r#"app_g{instance="i",job="shop/svc","#), "{page}");
}

#[test]
fn scope_labels_and_without_scope_info() {
    let mut sc = scope("my.lib", "2.1");
    sc.attributes.push(kv("lib.mode", "fast"));
    let req = request(vec![], sc, vec![gauge("g", "", "", vec![num(vec![], 0, 1, 1.0)])]);
    let a = acc();
    a.accumulate(&req);
    assert!(text(&a).contains(
        r#"g{otel_scope_lib_mode="fast",otel_scope_name="my.lib",otel_scope_schema_url="",otel_scope_version="2.1"} 1"#
    ));
    let a = Accumulator::new(AccumulatorConfig {
        scope_info: false,
        ..Default::default()
    });
    a.accumulate(&req);
    assert_eq!(lines(&text(&a), "g"), vec!["g 1"]);
}

#[test]
fn const_labels_on_every_series_but_target_info() {
    let cfg = AccumulatorConfig {
        const_labels: vec![("region".into(), "eu".into())],
        scope_info: false,
        ..Default::default()
    };
    let a = Accumulator::new(cfg);
    a.accumulate(&request(
        service("s", "i"),
        scope("", ""),
        vec![gauge(
            "g",
            "",
            "",
            vec![num(vec![kv("region", "attr")], 0, 1, 1.0)],
        )],
    ));
    let page = text(&a);
    assert!(
        page.contains(r#"g{instance="i",job="s",region="eu"} 1"#),
        "{page}"
    );
    assert!(page.contains(r#"target_info{instance="i",job="s"} 1"#), "{page}");
}

#[test]
fn label_names_are_sanitized_and_values_escaped() {
    let a = Accumulator::new(AccumulatorConfig {
        scope_info: false,
        ..Default::default()
    });
    let attrs = vec![
        kv("http.method", "GET"),
        kv("2xx", "y"),
        kv("quote", "a\"b\\c\nd"),
        kv("http_method", "POST"),
    ];
    a.accumulate(&request(
        vec![],
        scope("", ""),
        vec![gauge("g", "", "", vec![num(attrs, 0, 1, 1.0)])],
    ));
    assert_eq!(
        lines(&text(&a), "g"),
        vec![r#"g{http_method="GET;POST",key_2xx="y",quote="a\"b\\c\nd"} 1"#]
    );
}

#[test]
fn no_recorded_value_deletes_the_series() {
    let a = acc();
    a.accumulate(&request(
        vec![],
        scope("", ""),
        vec![gauge("g", "", "", vec![num(vec![], 0, 1, 1.0)])],
    ));
    assert_eq!(a.series_count(), 1);
    let mut p = num(vec![], 0, 2, 0.0);
    p.flags = otelcol_prometheus::FLAG_NO_RECORDED_VALUE;
    a.accumulate(&request(vec![], scope("", ""), vec![gauge("g", "", "", vec![p])]));
    assert_eq!(text(&a), "");
}

#[test]
fn first_type_wins_on_conflict() {
    let a = acc();
    a.accumulate(&request(
        vec![],
        scope("", ""),
        vec![gauge("x", "", "first", vec![num(vec![], 0, 1, 1.0)])],
    ));
    let s = sum(
        "x",
        "",
        "second",
        false,
        CUMULATIVE,
        vec![num(vec![kv("a", "b")], 0, 1, 2.0)],
    );
    a.accumulate(&request(vec![], scope("", ""), vec![s]));
    let h = histogram(
        "x",
        "",
        "",
        CUMULATIVE,
        vec![hpoint(vec![], 0, 1, &[1.0], &[1, 0], 1.0)],
    );
    assert_eq!(a.accumulate(&request(vec![], scope("", ""), vec![h])), 0);
    let page = text(&a);
    assert!(page.starts_with("# HELP x first\n# TYPE x gauge\n"), "{page}");
    assert_eq!(a.series_count(), 2);
}

#[test]
fn openmetrics_counters_exemplars_and_eof() {
    let a = Accumulator::new(AccumulatorConfig {
        scope_info: false,
        ..Default::default()
    });
    let mut p = int(vec![], 1_000_000_000, 2_000_000_000, 3);
    p.exemplars.push(exemplar(1.0, 0xab));
    let mut h = hpoint(vec![], 1, 2_000_000_000, &[1.0, 10.0], &[1, 1, 1], 20.0);
    h.exemplars.push(exemplar(5.0, 0xcd));
    h.exemplars.push(exemplar(50.0, 0xef));
    a.accumulate(&request(
        vec![],
        scope("", ""),
        vec![
            sum("hits", "", "Hits \"so far\"", true, CUMULATIVE, vec![p]),
            histogram("size", "By", "", CUMULATIVE, vec![h]),
        ],
    ));
    let page = openmetrics(&a, false);
    let trace = "ab".repeat(16);
    let span = "ab".repeat(8);
    assert!(
        page.contains("# HELP hits Hits \\\"so far\\\"\n# TYPE hits counter\n"),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "hits_total 3.0 # {{span_id=\"{span}\",trace_id=\"{trace}\"}} 1.0 1.5\n"
        )),
        "{page}"
    );
    assert!(page.contains("size_bytes_bucket{le=\"1.0\"} 1\n"), "{page}");
    assert!(
        page.contains(&format!(
            "size_bytes_bucket{{le=\"10.0\"}} 2 # {{span_id=\"{}\",trace_id=\"{}\"}} 5.0 1.5\n",
            "cd".repeat(8),
            "cd".repeat(16)
        )),
        "{page}"
    );
    assert!(page.contains("size_bytes_bucket{le=\"+Inf\"} 3 # {"), "{page}");
    assert!(
        page.contains("size_bytes_sum 20.0\nsize_bytes_count 3\n"),
        "{page}"
    );
    assert!(page.ends_with("# EOF\n"));
    // The text format has neither exemplars nor EOF.
    let t = text(&a);
    assert!(!t.contains(" # ") && !t.contains("EOF"), "{t}");
    assert!(t.contains("# TYPE hits_total counter\nhits_total 3\n"), "{t}");
}

#[test]
fn timestamps_when_asked() {
    let a = Accumulator::new(AccumulatorConfig {
        scope_info: false,
        ..Default::default()
    });
    a.accumulate(&request(
        service("s", "i"),
        scope("", ""),
        vec![gauge(
            "g",
            "",
            "",
            vec![num(vec![], 0, 1_700_000_000_123_000_000, 2.0)],
        )],
    ));
    let t = String::from_utf8(render(&a.snapshot(), Format::Text, true)).unwrap();
    assert!(t.contains(r#"g{instance="i",job="s"} 2 1700000000123"#), "{t}");
    // target_info carries no timestamp.
    assert!(t.contains("target_info{instance=\"i\",job=\"s\"} 1\n"), "{t}");
    let om = openmetrics(&a, true);
    assert!(
        om.contains(r#"g{instance="i",job="s"} 2.0 1.700000000123e+09"#),
        "{om}"
    );
}

#[test]
fn resource_attributes_become_labels_when_converted() {
    let cfg = AccumulatorConfig {
        resource_to_telemetry: true,
        scope_info: false,
        ..Default::default()
    };
    let a = Accumulator::new(cfg);
    let mut res = service("s", "i");
    res.push(kv("host", "h"));
    a.accumulate(&request(
        res,
        scope("", ""),
        vec![gauge(
            "g",
            "",
            "",
            vec![num(vec![kv("host", "point")], 0, 1, 1.0)],
        )],
    ));
    let page = text(&a);
    assert!(
        page.contains(r#"g{host="h",instance="i",job="s",service_instance_id="i",service_name="s"} 1"#),
        "{page}"
    );
}
