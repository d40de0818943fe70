//! The official Helm chart's default collector config
//! (`fixtures/go-configs/helm_chart_default.yaml`, unchanged), run with the
//! environment its pod spec gives it (`MY_POD_IP`, `OTEL_K8S_*`, here on
//! loopback): OTLP, Jaeger (real `jaeger-client` over UDP compact and the
//! `thrift` library over HTTP), Zipkin (v2 JSON) and the `prometheus`
//! receiver scraping the collector's own metrics all reach the `debug`
//! exporter. It listens on the chart's fixed ports (4317, 4318, 6831,
//! 9411, 13133, 14250, 14268, 8888) on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use otelcol_integration_tests::*;

fn addr(port: u16) -> SocketAddr {
    format!("127.0.0.1:{port}").parse().unwrap()
}

/// Sum of `"<what>": N` over the debug exporter's summary lines.
fn debug_count(logs: &str, signal: &str, what: &str) -> u64 {
    let key = format!("\"{what}\": ");
    logs.lines()
        .filter(|l| l.contains(signal) && l.contains("debug"))
        .filter_map(|l| {
            let (_, rest) = l.split_once(&key)?;
            rest.split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum()
}

fn wait_for(c: &Collector, what: &str, ok: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ok(&c.logs()) {
        assert!(Instant::now() < deadline, "{what}:\n{}", c.logs());
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_helm_charts_default_config_runs_unchanged() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/go-configs/helm_chart_default.yaml"
    );
    let env = [
        ("MY_POD_IP", "127.0.0.1"),
        ("OTEL_K8S_NAMESPACE", "observability"),
        ("OTEL_K8S_NODE_NAME", "node-1"),
        ("OTEL_K8S_NODE_IP", "127.0.0.1"),
        ("OTEL_K8S_POD_NAME", "collector-0"),
        ("OTEL_K8S_POD_IP", "127.0.0.1"),
    ];
    // The chart serves the collector's own metrics on MY_POD_IP:8888 (its
    // prometheus receiver scrapes them there): the harness must not move them.
    let mut c = Collector::start_args_env(
        &["--config", fixture, "--set", "service.telemetry.logs.level=info"],
        &env,
        &[
            addr(4317),
            addr(4318),
            addr(9411),
            addr(14250),
            addr(14268),
            addr(13133),
            addr(8888),
        ],
    );
    assert!(c.wait_ready(), "{}", c.logs());

    // OTLP/HTTP.
    let r = http_request(
        addr(4318),
        "POST",
        "/v1/traces",
        &[("Content-Type", "application/json")],
        &json_traces_body("helm", 0, 3),
    );
    assert_eq!(r.status, 200);
    // Zipkin v2 JSON.
    let zipkin = br#"[{"traceId":"5af7183fb1d4cf5f","id":"352bff9a74ca9ad2","name":"get /api","kind":"SERVER","timestamp":1556604172355737,"duration":1431,"localEndpoint":{"serviceName":"frontend"}},{"traceId":"5af7183fb1d4cf5f","parentId":"352bff9a74ca9ad2","id":"6b221d5bc9e6496c","name":"get","kind":"CLIENT","timestamp":1556604172355800,"duration":1000,"localEndpoint":{"serviceName":"frontend"}}]"#;
    let r = http_request(
        addr(9411),
        "POST",
        "/api/v2/spans",
        &[("Content-Type", "application/json")],
        zipkin,
    );
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    // Jaeger: the real jaeger-client over UDP (thrift_compact, 6831).
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../receivers/jaeger/tests/python/jaeger_client_send.py"
    );
    let out = Command::new(python())
        .args([script, "127.0.0.1", "6831", "compact"])
        .output()
        .expect("run python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // 3 OTLP + 2 Zipkin + 2 Jaeger spans reach the debug exporter.
    wait_for(&c, "7 spans at the debug exporter", |logs| {
        debug_count(logs, "Traces", "spans") >= 7
    });
    // The prometheus receiver scrapes the collector's own metrics (10 s interval).
    wait_for(&c, "scraped metrics at the debug exporter", |logs| {
        debug_count(logs, "Metrics", "data points") > 0
    });
    // health_check answers on MY_POD_IP:13133.
    let r = http_request(addr(13133), "GET", "/", &[], b"");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let (st, logs) = c.stop();
    assert!(st.success(), "{logs}");
    assert_eq!(debug_count(&logs, "Traces", "spans"), 7, "{logs}");
}
