//! The official OTLP/JSON examples are accepted over HTTP/JSON and come out
//! unchanged in the file exporter's output.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use otelcol_integration_tests::*;
use serde_json::Value;

fn config(http: u16) -> String {
    format!(
        r#"
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{http}
exporters:
  file/traces: {{path: "{{dir}}/traces.jsonl"}}
  file/metrics: {{path: "{{dir}}/metrics.jsonl"}}
  file/logs: {{path: "{{dir}}/logs.jsonl"}}
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [file/traces]}}
    metrics: {{receivers: [otlp], exporters: [file/metrics]}}
    logs: {{receivers: [otlp], exporters: [file/logs]}}
"#
    )
}

/// What protojson-style encoding may legitimately change: hex ids are written
/// in lower case, and fields holding their default value (`"scale": 0`,
/// `"zeroThreshold": 0`) are omitted. Oneof members (`{"intValue": "0"}`) and
/// optional fields (`"min": 0`) are kept, so they are not touched here.
fn normalise(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, v| !(matches!(k.as_str(), "scale" | "zeroThreshold") && v.as_f64() == Some(0.0)));
            for (k, val) in m.iter_mut() {
                if matches!(k.as_str(), "traceId" | "spanId" | "parentSpanId") {
                    if let Value::String(s) = val {
                        *s = s.to_ascii_lowercase();
                    }
                }
                normalise(val);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(normalise),
        _ => {}
    }
}

#[test]
fn official_examples_round_trip_through_the_collector() {
    let mut c = Collector::start(&config(0), &[], &[]);
    let addr = c.listen_addr("otlp", "OTLP HTTP receiver");
    let examples = shared_dir().join("otlp-examples");
    let cases = [
        ("trace.json", "/v1/traces", "traces.jsonl"),
        ("metrics.json", "/v1/metrics", "metrics.jsonl"),
        ("logs.json", "/v1/logs", "logs.jsonl"),
        ("events.json", "/v1/logs", "logs.jsonl"),
    ];
    for (file, path, _) in &cases {
        let body = std::fs::read(examples.join(file)).unwrap();
        let r = http_request(addr, "POST", path, &[("Content-Type", "application/json")], &body);
        assert_eq!(r.status, 200, "{file}: {}", String::from_utf8_lossy(&r.body));
        assert_eq!(
            r.header("content-type"),
            Some("application/json"),
            "response in the request's encoding"
        );
        let resp: Value = serde_json::from_slice(&r.body).unwrap();
        assert!(
            resp.get("partialSuccess").is_none(),
            "full success leaves partial_success unset: {resp}"
        );
    }
    let (status, logs) = c.stop();
    assert!(status.success(), "{logs}");
    let dir = c.dir.path();
    let logs_out = read_json_lines(&dir.join("logs.jsonl"));
    assert_eq!(logs_out.len(), 2, "logs.json and events.json");
    for (file, _, out) in &cases {
        let mut want: Value = serde_json::from_slice(&std::fs::read(examples.join(file)).unwrap()).unwrap();
        normalise(&mut want);
        let lines = read_json_lines(&dir.join(out));
        let found = lines.into_iter().any(|mut got| {
            normalise(&mut got);
            got == want
        });
        assert!(found, "{file} did not come out unchanged");
    }
}

/// The seed's processing chain (batch → resource) plus attributes, on the
/// official trace example: the output carries exactly the configured changes.
#[test]
fn resource_and_attributes_processors_change_what_they_are_told_to() {
    let cfg = r#"
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
processors:
  batch:
  resource:
    attributes:
      - {key: deployment.environment, value: prod, action: upsert}
      - {key: service.name, action: delete}
  attributes:
    actions:
      - {key: my.span.attr, action: hash}
      - {key: added, value: 42, action: insert}
exporters:
  file: {path: "{dir}/traces.jsonl"}
service:
  pipelines:
    traces: {receivers: [otlp], processors: [batch, resource, attributes], exporters: [file]}
"#;
    let mut c = Collector::start(cfg, &[], &[]);
    let addr = c.listen_addr("otlp", "OTLP HTTP receiver");
    let body = std::fs::read(shared_dir().join("otlp-examples/trace.json")).unwrap();
    let r = http_request(
        addr,
        "POST",
        "/v1/traces",
        &[("Content-Type", "application/json")],
        &body,
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let (status, logs) = c.stop();
    assert!(status.success(), "{logs}");
    let out = read_json_lines(&c.dir.path().join("traces.jsonl"));
    assert_eq!(out.len(), 1);
    let rs = &out[0]["resourceSpans"][0];
    let res_attrs = rs["resource"]["attributes"].as_array().unwrap();
    assert!(
        res_attrs
            .iter()
            .any(|a| a["key"] == "deployment.environment" && a["value"]["stringValue"] == "prod")
    );
    assert!(
        !res_attrs.iter().any(|a| a["key"] == "service.name"),
        "{res_attrs:?}"
    );
    let span = &rs["scopeSpans"][0]["spans"][0];
    let attrs = span["attributes"].as_array().unwrap();
    let hashed = attrs.iter().find(|a| a["key"] == "my.span.attr").unwrap();
    // SHA-256 of the example's value "some value".
    assert_eq!(hashed["value"]["stringValue"], sha256_hex(b"some value"));
    assert!(
        attrs
            .iter()
            .any(|a| a["key"] == "added" && a["value"]["intValue"] == "42"),
        "{attrs:?}"
    );
}

/// SHA-256 via the system's `sha256sum`, independent of the collector's code.
fn sha256_hex(data: &[u8]) -> String {
    use std::io::Write as _;
    let mut child = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(data).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}
