//! The processors issue's chain through the real binary: memory_limiter →
//! filter → resource → attributes → batch over a realistic payload, checked
//! item by item: what was dropped, added, hashed and deleted, and batch sizes
//! within `send_batch_max_size`.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::collections::{BTreeMap, BTreeSet};

use otelcol_integration_tests::*;
use serde_json::{Value, json};

const SERVICES: [&str; 3] = ["checkout", "noisy", "payments"];
const SPANS_PER_SERVICE: usize = 150;

fn attr(k: &str, v: Value) -> Value {
    json!({"key": k, "value": v})
}

/// Span `i` of `service`: every 5th is a health check, every 3rd carries a
/// user email (to hash), every span carries a debug attribute (to delete).
fn span(service: &str, i: usize) -> Value {
    let route = if i % 5 == 0 { "/healthz" } else { "/api/orders" };
    let mut attrs = vec![
        attr("http.route", json!({"stringValue": route})),
        attr("http.status_code", json!({"intValue": "200"})),
        attr("internal.debug", json!({"stringValue": "trace-me"})),
    ];
    if i % 3 == 0 {
        attrs.push(attr(
            "user.email",
            json!({"stringValue": format!("user{i}@example.com")}),
        ));
    }
    json!({
        "traceId": format!("{:032x}", i + 1),
        "spanId": format!("{:016x}", (SERVICES.iter().position(|s| *s == service).unwrap() + 1) * 10_000 + i + 1),
        "name": format!("{service} {route} #{i}"),
        "kind": 2,
        "startTimeUnixNano": "1700000000000000000",
        "endTimeUnixNano": "1700000000001000000",
        "attributes": attrs,
    })
}

fn payload() -> Vec<u8> {
    let resources: Vec<Value> = SERVICES
        .iter()
        .map(|svc| {
            json!({
                "resource": {"attributes": [attr("service.name", json!({"stringValue": svc}))]},
                "scopeSpans": [{"scope": {"name": "shop"}, "spans": (0..SPANS_PER_SERVICE).map(|i| span(svc, i)).collect::<Vec<_>>()}],
            })
        })
        .collect();
    serde_json::to_vec(&json!({ "resourceSpans": resources })).unwrap()
}

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

fn attrs_of(v: &Value) -> BTreeMap<String, Value> {
    v["attributes"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|kv| (kv["key"].as_str().unwrap().to_string(), kv["value"].clone()))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_processor_chain_changes_exactly_what_it_is_configured_to() {
    let cfg = r#"
receivers:
  otlp:
    protocols:
      http: {endpoint: "127.0.0.1:0"}
processors:
  memory_limiter: {check_interval: 1s, limit_mib: 4000, spike_limit_mib: 800}
  filter:
    error_mode: ignore
    trace_conditions:
      - 'span.attributes["http.route"] == "/healthz"'
      - 'resource.attributes["service.name"] == "noisy"'
  resource:
    attributes:
      - {key: deployment.environment, value: prod, action: upsert}
      - {key: collector, value: otelcol-rs, action: insert}
  attributes:
    actions:
      - {key: user.email, action: hash}
      - {key: internal.debug, action: delete}
      - {key: checked, value: true, action: insert}
  batch: {send_batch_size: 100, send_batch_max_size: 120, timeout: 200ms}
exporters:
  file: {path: "{dir}/spans.jsonl"}
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter, filter, resource, attributes, batch]
      exporters: [file]
"#;
    let mut c = Collector::start(cfg, &[], &[]);
    let addr = c.listen_addr("otlp", "OTLP HTTP receiver");
    let r = http_request(
        addr,
        "POST",
        "/v1/traces",
        &[("Content-Type", "application/json")],
        &payload(),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let (status, logs) = c.stop();
    assert!(status.success(), "{logs}");

    let lines = read_json_lines(&c.dir.path().join("spans.jsonl"));
    let mut seen = BTreeSet::new();
    for line in &lines {
        let mut in_batch = 0;
        for rs in line["resourceSpans"].as_array().unwrap() {
            let res = attrs_of(&rs["resource"]);
            let service = res["service.name"]["stringValue"].as_str().unwrap().to_string();
            assert_ne!(service, "noisy", "the whole noisy resource is filtered out");
            assert_eq!(
                res["deployment.environment"],
                json!({"stringValue": "prod"}),
                "resource upsert"
            );
            assert_eq!(
                res["collector"],
                json!({"stringValue": "otelcol-rs"}),
                "resource insert"
            );
            for ss in rs["scopeSpans"].as_array().unwrap() {
                for s in ss["spans"].as_array().unwrap() {
                    in_batch += 1;
                    let name = s["name"].as_str().unwrap().to_string();
                    let i: usize = name.rsplit('#').next().unwrap().parse().unwrap();
                    let a = attrs_of(s);
                    assert_eq!(
                        a["http.route"],
                        json!({"stringValue": "/api/orders"}),
                        "health checks are dropped"
                    );
                    assert!(!a.contains_key("internal.debug"), "deleted: {name}");
                    assert_eq!(a["checked"], json!({"boolValue": true}), "inserted: {name}");
                    if i % 3 == 0 {
                        let want = sha256_hex(format!("user{i}@example.com").as_bytes());
                        assert_eq!(a["user.email"], json!({"stringValue": want}), "hashed: {name}");
                    } else {
                        assert!(!a.contains_key("user.email"));
                    }
                    assert!(seen.insert((service.clone(), i)), "span {name} arrived twice");
                }
            }
        }
        assert!(
            in_batch <= 120,
            "a batch of {in_batch} spans exceeds send_batch_max_size"
        );
    }
    let want: BTreeSet<(String, usize)> = ["checkout", "payments"]
        .iter()
        .flat_map(|s| {
            (0..SPANS_PER_SERVICE)
                .filter(|i| i % 5 != 0)
                .map(move |i| (s.to_string(), i))
        })
        .collect();
    assert_eq!(seen, want, "exactly the spans the filter keeps arrive");
    assert!(
        lines.len() >= 2,
        "240 spans leave in batches of at most 120: {} batches",
        lines.len()
    );
}
