//! Connectors in the real binary: `routing` by a tenant header (request
//! context) and by resource attribute, `forward` and `count`, each into its
//! own file exporter.

use std::collections::BTreeSet;
use std::path::Path;

use otelcol_integration_tests::{Collector, http_request, read_json_lines};

const CONFIG: &str = r#"
receivers:
  otlp:
    protocols:
      http: {endpoint: '127.0.0.1:0', include_metadata: true}
connectors:
  routing/tenant:
    default_pipelines: [logs/other]
    table:
      - context: request
        condition: request["X-Tenant"] == "acme"
        pipelines: [logs/acme]
      - context: request
        condition: request["X-Tenant"] == "ecorp"
        pipelines: [logs/ecorp]
  routing/service:
    default_pipelines: [traces/rest]
    table:
      - condition: attributes["service.name"] == "checkout"
        pipelines: [traces/checkout]
  forward:
  count:
exporters:
  file/acme: {path: '{dir}/acme.jsonl'}
  file/ecorp: {path: '{dir}/ecorp.jsonl'}
  file/other: {path: '{dir}/other.jsonl'}
  file/checkout: {path: '{dir}/checkout.jsonl'}
  file/rest: {path: '{dir}/rest.jsonl'}
  file/all: {path: '{dir}/all.jsonl'}
  file/counts: {path: '{dir}/counts.jsonl'}
service:
  pipelines:
    logs/in: {receivers: [otlp], exporters: [routing/tenant, count]}
    logs/acme: {receivers: [routing/tenant], exporters: [file/acme]}
    logs/ecorp: {receivers: [routing/tenant], exporters: [file/ecorp]}
    logs/other: {receivers: [routing/tenant], exporters: [file/other]}
    traces/in: {receivers: [otlp], exporters: [routing/service, forward, count]}
    traces/checkout: {receivers: [routing/service], exporters: [file/checkout]}
    traces/rest: {receivers: [routing/service], exporters: [file/rest]}
    traces/all: {receivers: [forward], exporters: [file/all]}
    metrics/counts: {receivers: [count], exporters: [file/counts]}
"#;

fn log_body(text: &str) -> Vec<u8> {
    format!(
        r#"{{"resourceLogs":[{{"scopeLogs":[{{"logRecords":[{{"body":{{"stringValue":"{text}"}}}}]}}]}}]}}"#
    )
    .into_bytes()
}

/// Every log body in a file exporter's output.
fn bodies(path: &Path) -> BTreeSet<String> {
    read_json_lines(path)
        .iter()
        .flat_map(|l| l["resourceLogs"].as_array().cloned().unwrap_or_default())
        .flat_map(|r| r["scopeLogs"].as_array().cloned().unwrap_or_default())
        .flat_map(|s| s["logRecords"].as_array().cloned().unwrap_or_default())
        .filter_map(|r| r["body"]["stringValue"].as_str().map(str::to_string))
        .collect()
}

/// Every `service.name` of the span resources in a file exporter's output,
/// with the span names under it.
fn services(path: &Path) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for line in read_json_lines(path) {
        for r in line["resourceSpans"].as_array().cloned().unwrap_or_default() {
            let service = r["resource"]["attributes"]
                .as_array()
                .and_then(|a| a.iter().find(|kv| kv["key"] == "service.name"))
                .and_then(|kv| kv["value"]["stringValue"].as_str())
                .unwrap_or_default()
                .to_string();
            for s in r["scopeSpans"].as_array().cloned().unwrap_or_default() {
                for span in s["spans"].as_array().cloned().unwrap_or_default() {
                    out.insert((
                        service.clone(),
                        span["name"].as_str().unwrap_or_default().to_string(),
                    ));
                }
            }
        }
    }
    out
}

/// The sum of every data point of metric `name` in a file exporter's output.
fn total(path: &Path, name: &str) -> i64 {
    read_json_lines(path)
        .iter()
        .flat_map(|l| l["resourceMetrics"].as_array().cloned().unwrap_or_default())
        .flat_map(|r| r["scopeMetrics"].as_array().cloned().unwrap_or_default())
        .flat_map(|s| s["metrics"].as_array().cloned().unwrap_or_default())
        .filter(|m| m["name"] == name)
        .flat_map(|m| m["sum"]["dataPoints"].as_array().cloned().unwrap_or_default())
        .map(|p| {
            p["asInt"]
                .as_str()
                .and_then(|s| s.parse::<i64>().ok())
                .or_else(|| p["asInt"].as_i64())
                .unwrap_or_default()
        })
        .sum()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn routing_by_tenant_header_and_resource_and_forwarding() {
    let mut c = Collector::start(CONFIG, &[], &[]);
    let http = c.listen_addr("otlp", "OTLP HTTP receiver");
    let post = |path: &str, tenant: Option<&str>, body: &[u8]| {
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(t) = tenant {
            headers.push(("X-Tenant", t));
        }
        http_request(http, "POST", path, &headers, body).status
    };
    for (tenant, text) in [
        (Some("acme"), "acme-1"),
        (Some("ecorp"), "ecorp-1"),
        (Some("acme"), "acme-2"),
        (None, "anonymous"),
        (Some("initech"), "initech-1"),
        (Some("ecorp"), "ecorp-2"),
    ] {
        assert_eq!(post("/v1/logs", tenant, &log_body(text)), 200, "{text}");
    }
    // One request with two resources: split by service.name.
    let traces = br#"{"resourceSpans":[
        {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}}]},
         "scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"pay"}]}]},
        {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"cart"}}]},
         "scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f11","spanId":"0102030405060709","name":"add"}]}]}]}"#;
    assert_eq!(post("/v1/traces", None, traces), 200);

    let (status, logs) = c.stop();
    assert!(status.success(), "{logs}");
    let dir = c.dir.path();
    assert_eq!(
        bodies(&dir.join("acme.jsonl")),
        set(&["acme-1", "acme-2"]),
        "{logs}"
    );
    assert_eq!(
        bodies(&dir.join("ecorp.jsonl")),
        set(&["ecorp-1", "ecorp-2"]),
        "{logs}"
    );
    assert_eq!(
        bodies(&dir.join("other.jsonl")),
        set(&["anonymous", "initech-1"]),
        "{logs}"
    );
    let pair = |s: &str, n: &str| (s.to_string(), n.to_string());
    assert_eq!(
        services(&dir.join("checkout.jsonl")),
        [pair("checkout", "pay")].into(),
        "{logs}"
    );
    assert_eq!(
        services(&dir.join("rest.jsonl")),
        [pair("cart", "add")].into(),
        "{logs}"
    );
    assert_eq!(
        services(&dir.join("all.jsonl")),
        [pair("checkout", "pay"), pair("cart", "add")].into(),
        "{logs}"
    );
    // count: every log record and span sent, whatever route it took.
    let counts = dir.join("counts.jsonl");
    assert_eq!(total(&counts, "log.record.count"), 6, "{logs}");
    assert_eq!(total(&counts, "trace.span.count"), 2, "{logs}");
    assert_eq!(total(&counts, "trace.span.event.count"), 0, "{logs}");
}

#[test]
fn connector_config_errors_are_gos() {
    let (code, _, err) = otelcol_integration_tests::run_cli(&[
        "validate",
        "--config",
        "yaml:receivers::otlp::protocols::http::endpoint: 127.0.0.1:0",
        "--config",
        "yaml:exporters::nop:",
        "--config",
        "yaml:connectors::forward:",
        "--config",
        "yaml:service::pipelines::traces::receivers: [otlp]",
        "--config",
        "yaml:service::pipelines::traces::exporters: [forward]",
        "--config",
        "yaml:service::pipelines::metrics::receivers: [forward]",
        "--config",
        "yaml:service::pipelines::metrics::exporters: [nop]",
    ]);
    assert_ne!(code, 0);
    assert!(
        err.contains(r#"connector "forward" used as exporter in [traces] pipeline but not used in any supported receiver pipeline"#),
        "{err}"
    );
}
