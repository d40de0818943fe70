//! The collector's own telemetry over OTLP (`service::telemetry` readers and
//! log processors, issue 15 item 1): a collector pushes its self-metrics
//! over OTLP/gRPC and its logs over OTLP/HTTP to a second otelcol-rs, and
//! serves `target_info` with the configured resource on `/metrics`.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use otelcol_integration_tests::{
    Collector, free_port, http_request, json_traces_body, otlp_to_files_config, read_json_lines,
};

fn addr(port: u16) -> SocketAddr {
    format!("127.0.0.1:{port}").parse().expect("addr")
}

/// Waits until `path` has a JSON line for which `found` is true.
fn wait_for_line(path: &Path, what: &str, found: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if path.exists() {
            if let Some(v) = read_json_lines(path).into_iter().find(|v| found(v)) {
                return v;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("no {what} in {} within 30 s", path.display());
}

fn attr<'a>(attrs: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    attrs
        .as_array()?
        .iter()
        .find(|a| a["key"] == key)
        .and_then(|a| a["value"]["stringValue"].as_str())
}

#[test]
fn own_metrics_and_logs_go_out_over_otlp_and_target_info_is_served() {
    let (bg, bh) = (free_port(), free_port());
    let backend = Collector::start(&otlp_to_files_config(bg, bh), &[], &[addr(bg), addr(bh)]);

    let (http, prom) = (free_port(), free_port());
    let config = format!(
        r#"
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{http}"}}
exporters:
  nop:
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [nop]}}
  telemetry:
    resource:
      deployment.environment: selftest
    metrics:
      level: detailed
      readers:
        - pull:
            exporter:
              prometheus: {{host: 127.0.0.1, port: {prom}}}
        - periodic:
            interval: 300
            exporter:
              otlp: {{protocol: grpc, endpoint: "http://127.0.0.1:{bg}", insecure: true}}
    logs:
      processors:
        - batch:
            schedule_delay: 200
            exporter:
              otlp:
                protocol: http/protobuf
                endpoint: "http://127.0.0.1:{bh}/v1/logs"
                headers: [{{name: x-tenant, value: "t$1"}}]
"#
    );
    // `telemetry` in an argument keeps the harness from adding its own address.
    let mut collector = Collector::start(
        &config,
        &["--set", "service.telemetry.metrics.level=detailed"],
        &[addr(http), addr(prom)],
    );
    let logs = collector.logs();
    assert!(
        !logs.contains("deprecated"),
        "no deprecation for the current forms:\n{logs}"
    );

    // Something to count: one span accepted.
    let body = json_traces_body("selftelemetry", 0, 1);
    let r = http_request(
        addr(http),
        "POST",
        "/v1/traces",
        &[("Content-Type", "application/json")],
        &body,
    );
    assert_eq!(r.status, 200);

    // Metrics: the accepted span arrives as a cumulative sum with the resource.
    let metrics = backend.dir.path().join("metrics.jsonl");
    let line = wait_for_line(&metrics, "otelcol_receiver_accepted_spans = 1", |v| {
        v["resourceMetrics"].as_array().into_iter().flatten().any(|rm| {
            rm["scopeMetrics"].as_array().into_iter().flatten().any(|sm| {
                sm["metrics"].as_array().into_iter().flatten().any(|m| {
                    m["name"] == "otelcol_receiver_accepted_spans"
                        && m["sum"]["isMonotonic"] == true
                        && m["sum"]["dataPoints"][0]["asInt"] == "1"
                })
            })
        })
    });
    let resource = &line["resourceMetrics"][0]["resource"]["attributes"];
    assert_eq!(
        attr(resource, "deployment.environment"),
        Some("selftest"),
        "{line}"
    );
    assert_eq!(attr(resource, "service.name"), Some("otelcol-rs"), "{line}");
    let instance = attr(resource, "service.instance.id")
        .expect("service.instance.id")
        .to_string();

    // Logs: the collector's startup line, with severity.
    let logs_path = backend.dir.path().join("logs.jsonl");
    let line = wait_for_line(&logs_path, "the startup log record", |v| {
        v.to_string().contains("Everything is ready")
    });
    let text = line.to_string();
    assert!(text.contains("\"severityText\":\"INFO\""), "{text}");
    assert!(text.contains(&instance), "same resource as the metrics: {text}");

    // target_info on the pull endpoint, with the same resource.
    let page = http_request(addr(prom), "GET", "/metrics", &[], b"");
    let page = String::from_utf8_lossy(&page.body);
    let target_info = page
        .lines()
        .find(|l| l.starts_with("target_info{"))
        .unwrap_or_else(|| panic!("no target_info:\n{page}"));
    assert!(
        target_info.contains("deployment_environment=\"selftest\""),
        "{target_info}"
    );
    assert!(
        target_info.contains(&format!("service_instance_id=\"{instance}\"")),
        "{target_info}"
    );
    assert!(target_info.ends_with(" 1"), "{target_info}");

    let (status, out) = collector.stop();
    assert!(status.success(), "{out}");
}

#[test]
fn deprecated_address_is_warned_and_bad_telemetry_config_names_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.yaml");
    let base = "receivers: {otlp: {protocols: {http: {endpoint: 127.0.0.1:0}}}}\nexporters: {nop: {}}\n";
    std::fs::write(
        &path,
        format!(
            "{base}service:\n  pipelines: {{traces: {{receivers: [otlp], exporters: [nop]}}}}\n  telemetry: {{metrics: {{address: 127.0.0.1:0}}}}\n"
        ),
    )
    .expect("write");
    let (code, _out, err) =
        otelcol_integration_tests::run_cli(&["validate", "--config", &path.display().to_string()]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("metrics::address is deprecated"), "{err}");

    std::fs::write(
        &path,
        format!(
            "{base}service:\n  pipelines: {{traces: {{receivers: [otlp], exporters: [nop]}}}}\n  telemetry:\n    metrics:\n      readers:\n        - periodic: {{exporter: {{otlp: {{protocol: grpc}}}}}}\n"
        ),
    )
    .expect("write");
    let (code, _out, err) =
        otelcol_integration_tests::run_cli(&["validate", "--config", &path.display().to_string()]);
    assert_ne!(code, 0);
    assert!(
        err.contains("service::telemetry::metrics::readers::0::periodic::exporter::otlp::endpoint"),
        "{err}"
    );
    assert!(
        !err.contains("at least one pipeline"),
        "no follow-on noise: {err}"
    );
}

/// `service::telemetry::traces::processors`: the collector's own operation
/// spans, named as Go's obsreport names them, reach a second otelcol-rs.
#[test]
fn own_spans_go_out_over_otlp_with_gos_names_and_counts() {
    let (bg, bh) = (free_port(), free_port());
    let backend = Collector::start(&otlp_to_files_config(bg, bh), &[], &[addr(bg), addr(bh)]);
    let (http, sink) = (free_port(), free_port());
    let sink_backend = Collector::start(&otlp_to_files_config(sink, free_port()), &[], &[addr(sink)]);
    let config = format!(
        r#"
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{http}"}}
exporters:
  otlp_grpc/next:
    endpoint: "127.0.0.1:{sink}"
    tls: {{insecure: true}}
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [otlp_grpc/next]}}
  telemetry:
    traces:
      processors:
        - batch:
            schedule_delay: 200
            exporter:
              otlp: {{protocol: grpc, endpoint: "http://127.0.0.1:{bg}", insecure: true}}
"#
    );
    let mut collector = Collector::start(&config, &[], &[addr(http)]);
    let body = json_traces_body("selftraces", 0, 4);
    let r = http_request(
        addr(http),
        "POST",
        "/v1/traces",
        &[("Content-Type", "application/json")],
        &body,
    );
    assert_eq!(r.status, 200);

    let traces = backend.dir.path().join("traces.jsonl");
    let spans_of = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        v["resourceSpans"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|rs| rs["scopeSpans"].as_array().cloned().unwrap_or_default())
            .flat_map(|ss| ss["spans"].as_array().cloned().unwrap_or_default())
            .collect()
    };
    let int_attr = |span: &serde_json::Value, key: &str| {
        span["attributes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["key"] == key)
            .and_then(|a| a["value"]["intValue"].as_str().map(str::to_string))
    };
    let named = |name: &'static str| {
        let line = wait_for_line(&traces, name, |v| spans_of(v).iter().any(|s| s["name"] == name));
        let span = spans_of(&line)
            .into_iter()
            .find(|s| s["name"] == name)
            .expect("the span");
        (line, span)
    };
    let (line, received) = named("receiver/otlp/TraceDataReceived");
    assert_eq!(
        int_attr(&received, "accepted_spans").as_deref(),
        Some("4"),
        "{received}"
    );
    assert_eq!(
        int_attr(&received, "refused_spans").as_deref(),
        Some("0"),
        "{received}"
    );
    assert_eq!(
        attr(&received["attributes"], "transport"),
        Some("http"),
        "{received}"
    );
    assert_eq!(received["status"]["code"], 1, "OK: {received}");
    let resource = &line["resourceSpans"][0]["resource"]["attributes"];
    assert_eq!(attr(resource, "service.name"), Some("otelcol-rs"), "{line}");
    let (_, sent) = named("exporter/otlp_grpc/next/traces");
    assert_eq!(int_attr(&sent, "sent_spans").as_deref(), Some("4"), "{sent}");
    // The telemetry exporter records nothing of its own.
    let all: Vec<String> = read_json_lines(&traces)
        .iter()
        .flat_map(&spans_of)
        .filter_map(|s| s["name"].as_str().map(str::to_string))
        .collect();
    assert!(all.iter().all(|n| !n.contains("_telemetry_")), "{all:?}");
    let (st, logs) = collector.stop();
    assert!(st.success(), "{logs}");
    drop(sink_backend);
    drop(backend);
}
