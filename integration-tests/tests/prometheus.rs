//! The seed's Python client sends its counter, histogram and gauge through the
//! real binary into the `prometheus` exporter, which a real Prometheus scrapes:
//! PromQL sees Go's names, `job`/`instance`/const labels and values, and
//! `target_info`; `promtool check metrics` accepts the page.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::io::Write;
use std::net::SocketAddr;
use std::process::{Command, Stdio};

use otelcol_integration_tests::*;

fn addr(port: u16) -> SocketAddr {
    format!("127.0.0.1:{port}").parse().unwrap()
}

#[test]
fn python_sdk_metrics_reach_promql_through_the_prometheus_exporter() {
    let (grpc, prom) = (free_port(), free_port());
    let cfg = format!(
        r#"
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: "127.0.0.1:{grpc}"}}
processors:
  batch:
exporters:
  prometheus:
    endpoint: 127.0.0.1:{prom}
    const_labels: {{region: eu-west}}
service:
  pipelines:
    metrics: {{receivers: [otlp], processors: [batch], exporters: [prometheus]}}
"#
    );
    let c = Collector::start(&cfg, &[], &[addr(grpc), addr(prom)]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/send_telemetry.py");
    let out = Command::new(python())
        .args([script, "grpc", &format!("127.0.0.1:{grpc}"), "itest-prom"])
        .env(
            "OTEL_RESOURCE_ATTRIBUTES",
            "service.namespace=shop,service.instance.id=pod-7",
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let p = Prometheus::start(addr(prom));
    let job = "shop/itest-prom";
    let (labels, v) = p.wait_for_series("chat_requests_total", job);
    assert_eq!(v, 5.0, "{labels}");
    assert_eq!(
        labels["instance"], "pod-7",
        "instance = service.instance.id: {labels}"
    );
    assert_eq!(labels["region"], "eu-west", "const label: {labels}");
    assert_eq!(labels["route"], "/chat", "{labels}");
    assert_eq!(labels["otel_scope_name"], "itest.meter", "{labels}");

    let (_, count) = p.wait_for_series("llm_request_duration_seconds_count", job);
    assert_eq!(count, 3.0);
    let (_, sum) = p.wait_for_series("llm_request_duration_seconds_sum", job);
    assert!((sum - 3.3).abs() < 1e-9, "{sum}");
    let (_, le_inf) = p.wait_for_series("llm_request_duration_seconds_bucket{le=\"%2BInf\"}", job);
    assert_eq!(le_inf, 3.0);
    let (gauge, depth) = p.wait_for_series("queue_depth", job);
    assert_eq!(depth, 7.0, "{gauge}");

    let (info, one) = p.wait_for_series("target_info", job);
    assert_eq!(one, 1.0);
    assert_eq!(info["instance"], "pod-7");
    assert_eq!(
        info["deployment_environment"], "itest",
        "other resource attributes: {info}"
    );
    assert_eq!(info["service_version"], "1.0.0", "{info}");

    // The exposition itself passes Prometheus' own linter.
    let page = http_request(addr(prom), "GET", "/metrics", &[], b"");
    assert_eq!(page.status, 200);
    let mut lint = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian's prometheus package; scripts/test.sh installs it)");
    lint.stdin.take().unwrap().write_all(&page.body).unwrap();
    let lint = lint.wait_with_output().unwrap();
    assert!(
        lint.status.success(),
        "promtool check metrics:\n{}{}\npage:\n{}",
        String::from_utf8_lossy(&lint.stdout),
        String::from_utf8_lossy(&lint.stderr),
        String::from_utf8_lossy(&page.body)
    );
    drop(c);
}
