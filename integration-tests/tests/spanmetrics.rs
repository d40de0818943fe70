//! R.E.D. metrics from spans in the real binary: OTLP traces → `spanmetrics`
//! → the `prometheus` exporter → a real Prometheus, queried with the PromQL
//! Jaeger's Monitor tab and Grafana dashboards use
//! (`traces_span_metrics_calls_total`,
//! `traces_span_metrics_duration_milliseconds_bucket`).

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use otelcol_integration_tests::*;

/// Percent-encodes a PromQL query for the URL.
fn enc(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A span of `ms` milliseconds as OTLP/JSON.
fn span(name: &str, ms: u64, error: bool, i: usize) -> String {
    let start: u64 = 1_700_000_000_000_000_000 + i as u64 * 1_000_000_000;
    let status = if error { r#","status":{"code":2}"# } else { "" };
    format!(
        r#"{{"traceId":"{:032x}","spanId":"{:016x}","name":"{name}","kind":2,"startTimeUnixNano":"{start}","endTimeUnixNano":"{}"{status}}}"#,
        i + 1,
        i + 1,
        start + ms * 1_000_000
    )
}

/// Waits for `query` to return exactly one series; returns its labels and value.
fn one(p: &Prometheus, query: &str) -> (serde_json::Value, f64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = p.query(&enc(query));
        if r.len() == 1 {
            let v = r[0]["value"][1].as_str().and_then(|v| v.parse().ok()).unwrap();
            return (r[0]["metric"].clone(), v);
        }
        assert!(Instant::now() < deadline, "{query}: {r:?}\n{}", p.logs());
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn span_metrics_answer_promql_for_rates_and_latency_per_service_operation_and_status() {
    let prom = free_port();
    let prom_addr: SocketAddr = format!("127.0.0.1:{prom}").parse().unwrap();
    let cfg = format!(
        r#"
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:0"}}
connectors:
  spanmetrics:
    metrics_flush_interval: 1s
exporters:
  prometheus:
    endpoint: 127.0.0.1:{prom}
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [spanmetrics]}}
    metrics: {{receivers: [spanmetrics], exporters: [prometheus]}}
"#
    );
    let mut c = Collector::start(&cfg, &[], &[prom_addr]);
    let http = c.listen_addr("otlp", "OTLP HTTP receiver");
    let spans = [
        span("POST /pay", 3, false, 0),
        span("POST /pay", 3, false, 1),
        span("POST /pay", 3000, true, 2),
        span("GET /cart", 30, false, 3),
    ];
    let body = format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"checkout"}}}}]}},"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
        spans.join(",")
    );
    let r = http_request(
        http,
        "POST",
        "/v1/traces",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    );
    assert_eq!(r.status, 200);

    let p = Prometheus::start(prom_addr);
    // Calls per service, operation and status (errors are status.code ERROR).
    let (labels, errors) = one(
        &p,
        r#"sum by (service_name, span_name, status_code) (traces_span_metrics_calls_total{status_code="STATUS_CODE_ERROR"})"#,
    );
    assert_eq!(errors, 1.0, "{labels}");
    assert_eq!(labels["service_name"], "checkout");
    assert_eq!(labels["span_name"], "POST /pay");
    let (_, ok) = one(
        &p,
        r#"sum(traces_span_metrics_calls_total{span_name="POST /pay",status_code="STATUS_CODE_UNSET",span_kind="SPAN_KIND_SERVER"})"#,
    );
    assert_eq!(ok, 2.0);
    // p95 latency of an operation from the millisecond histogram: 30 ms
    // falls in the (10, 50] bucket.
    let (_, p95) = one(
        &p,
        r#"histogram_quantile(0.95, sum by (le, service_name, span_name) (traces_span_metrics_duration_milliseconds_bucket{span_name="GET /cart"}))"#,
    );
    assert!(p95 > 10.0 && p95 <= 50.0, "{p95}");
    let (_, count) = one(
        &p,
        r#"sum(traces_span_metrics_duration_milliseconds_count{service_name="checkout"})"#,
    );
    assert_eq!(count, 4.0);
    // The rate Jaeger's Monitor tab plots: calls per second per service,
    // once Prometheus has two scrapes of the counter.
    let (_, rate) = one(
        &p,
        r#"sum by (service_name) (rate(traces_span_metrics_calls_total[1m]))"#,
    );
    assert!(rate >= 0.0, "{rate}");
    let (st, logs) = c.stop();
    assert!(st.success(), "{logs}");
}
