//! Retry semantics against a real peer: collector A exports to collector B,
//! which refuses with a retryable status (its memory limiter: gRPC
//! UNAVAILABLE with RetryInfo, HTTP 503 with Retry-After) or a permanent one
//! (a body over its size limit: HTTP 413). A retries the first, honouring the
//! retry delay, until `max_elapsed_time`, then drops and counts; the second it
//! drops at once, counted, without retrying.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use otelcol_integration_tests::*;

fn addr(port: u16) -> SocketAddr {
    format!("127.0.0.1:{port}").parse().unwrap()
}

fn spans(n: usize) -> Vec<u8> {
    let spans: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"traceId":"{:032x}","spanId":"{:016x}","name":"{}"}}"#,
                i + 1,
                i + 1,
                "x".repeat(200)
            )
        })
        .collect();
    format!(
        r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
        spans.join(",")
    )
    .into_bytes()
}

/// B refuses everything it is sent, before decoding: its memory limit is below its own footprint.
fn refusing_b() -> (Collector, u16, u16) {
    let cfg = "receivers: {otlp: {protocols: {grpc: {endpoint: '127.0.0.1:0'}, http: {endpoint: '127.0.0.1:0'}}}}\n\
         processors: {memory_limiter: {check_interval: 100ms, limit_mib: 2, spike_limit_mib: 1}}\n\
         exporters: {nop: }\n\
         service: {pipelines: {traces: {receivers: [otlp], processors: [memory_limiter], exporters: [nop]}}}\n";
    let mut c = Collector::start(cfg, &[], &[]);
    let grpc = c.listen_addr("otlp", "OTLP gRPC receiver").port();
    let http = c.listen_addr("otlp", "OTLP HTTP receiver").port();
    (c, grpc, http)
}

fn a_config(a_http: u16, exporter: &str) -> String {
    format!(
        r#"
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{a_http}"}}
exporters:
  {exporter}
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [{name}]}}
"#,
        name = exporter.split(':').next().unwrap()
    )
}

fn retry_lines(logs: &str) -> usize {
    logs.lines()
        .filter(|l| l.contains("Exporting failed. Will retry the request after interval."))
        .count()
}

#[test]
fn retryable_refusals_are_retried_until_max_elapsed_time_then_dropped_and_counted() {
    let (_b, b_grpc, b_http) = refusing_b();
    for (exporter, label) in [
        (
            format!(
                "otlp: {{endpoint: '127.0.0.1:{b_grpc}', tls: {{insecure: true}}, sending_queue: {{enabled: false}}, \
                 retry_on_failure: {{initial_interval: 50ms, max_interval: 200ms, max_elapsed_time: 3s}}}}"
            ),
            "otlp",
        ),
        (
            format!(
                "otlphttp: {{endpoint: 'http://127.0.0.1:{b_http}', sending_queue: {{enabled: false}}, \
                 retry_on_failure: {{initial_interval: 50ms, max_interval: 200ms, max_elapsed_time: 3s}}}}"
            ),
            "otlphttp",
        ),
    ] {
        let mut a = Collector::start(&a_config(0, &exporter), &[], &[]);
        let a_http = a.listen_addr("otlp", "OTLP HTTP receiver").port();
        let started = Instant::now();
        let r = http_request(
            addr(a_http),
            "POST",
            "/v1/traces",
            &[("Content-Type", "application/json")],
            &spans(5),
        );
        let took = started.elapsed();
        // No queue: A's caller waits while A retries, then learns it failed, retryably.
        assert_eq!(r.status, 503, "{label}: {}", String::from_utf8_lossy(&r.body));
        assert!(
            took >= Duration::from_secs(1),
            "{label}: gave up after {took:?}, before retrying for a while"
        );
        // The drop is logged after the caller is answered; wait for the line.
        assert!(
            a.wait_for_log("Dropping data"),
            "{label}: the drop is logged:\n{}",
            a.logs()
        );
        let logs = a.logs();
        let retries = retry_lines(&logs);
        assert!(retries >= 1, "{label}: retried at least once:\n{logs}");
        // B's retry delay (check_interval rounded up to 1 s) bounds how often A retries.
        assert!(
            retries <= 4,
            "{label}: {retries} retries in 3 s means the retry delay was not honoured:\n{logs}"
        );
        assert!(
            logs.contains("Exporting failed. Dropping data."),
            "{label}: the drop is logged:\n{logs}"
        );
        assert_eq!(
            a.self_metric(&format!(
                "otelcol_exporter_send_failed_spans{{exporter=\"{label}\"}}"
            )),
            Some(5.0),
            "{label}: the drop is counted"
        );
        let (st, _) = a.stop();
        assert!(st.success());
    }
}

#[test]
fn permanent_refusals_are_dropped_at_once_and_counted() {
    let b_cfg = "receivers: {otlp: {protocols: {http: {endpoint: '127.0.0.1:0', max_request_body_size: 200}}}}\n\
         exporters: {nop: }\n\
         service: {pipelines: {traces: {receivers: [otlp], exporters: [nop]}}}\n";
    let mut b = Collector::start(b_cfg, &[], &[]);
    let b_http = b.listen_addr("otlp", "OTLP HTTP receiver").port();
    let exporter = format!(
        "otlphttp: {{endpoint: 'http://127.0.0.1:{b_http}', compression: none, sending_queue: {{enabled: false}}, \
         retry_on_failure: {{initial_interval: 50ms, max_elapsed_time: 30s}}}}"
    );
    let mut a = Collector::start(&a_config(0, &exporter), &[], &[]);
    let a_http = a.listen_addr("otlp", "OTLP HTTP receiver").port();
    let started = Instant::now();
    let r = http_request(
        addr(a_http),
        "POST",
        "/v1/traces",
        &[("Content-Type", "application/json")],
        &spans(20),
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "a permanent error is not retried for 30 s"
    );
    assert_eq!(
        r.status,
        500,
        "A answers its caller with the permanent failure: {}",
        String::from_utf8_lossy(&r.body)
    );
    // The drop is logged after the caller is answered; wait for the line.
    assert!(
        a.wait_for_log("Dropping data"),
        "the drop is logged:\n{}",
        a.logs()
    );
    let logs = a.logs();
    assert_eq!(
        retry_lines(&logs),
        0,
        "permanent errors are never retried:\n{logs}"
    );
    assert!(
        logs.contains("413"),
        "the peer's status is named in the log:\n{logs}"
    );
    assert_eq!(
        a.self_metric("otelcol_exporter_send_failed_spans{exporter=\"otlphttp\"}"),
        Some(20.0)
    );
    assert_eq!(
        a.self_metric("otelcol_exporter_sent_spans{exporter=\"otlphttp\"}")
            .unwrap_or(0.0),
        0.0
    );
    let (st, _) = a.stop();
    assert!(st.success());
}
