//! Nothing acknowledged that cannot be forwarded: collector A takes OTLP over
//! HTTP (JSON and protobuf) and forwards with the otlp exporter to collector
//! B. Spans whose attribute values are nested ever deeper are sent until A
//! refuses one; every span A accepted must arrive at B.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::collections::BTreeSet;
use std::thread;
use std::time::{Duration, Instant};

use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, ArrayValue, KeyValue, KeyValueList, any_value::Value};
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otelcol_integration_tests::*;
use prost::Message;

fn nested(n: usize, array: bool) -> AnyValue {
    let mut v = AnyValue {
        value: Some(Value::StringValue("leaf".into())),
    };
    for _ in 0..n {
        v = AnyValue {
            value: Some(if array {
                Value::ArrayValue(ArrayValue { values: vec![v] })
            } else {
                Value::KvlistValue(KeyValueList {
                    values: vec![KeyValue {
                        key: "k".into(),
                        value: Some(v),
                        ..Default::default()
                    }],
                })
            }),
        };
    }
    v
}

fn request(name: &str, value: AnyValue) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: vec![Span {
                    trace_id: vec![1; 16],
                    span_id: vec![2; 8],
                    name: name.into(),
                    attributes: vec![KeyValue {
                        key: "deep".into(),
                        value: Some(value),
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn names_at(b: &Collector) -> BTreeSet<String> {
    let text = std::fs::read_to_string(b.dir.path().join("traces.jsonl")).unwrap_or_default();
    text.lines()
        .filter_map(|l| otelcol_otlp_json::decode_traces(l.as_bytes()).ok())
        .flat_map(|r| r.resource_spans)
        .flat_map(|rs| rs.scope_spans)
        .flat_map(|ss| ss.spans)
        .map(|s| s.name)
        .collect()
}

#[test]
fn the_deepest_request_a_receiver_accepts_reaches_the_next_hop() {
    let (mut b, b_grpc) = start_trace_backend();
    let mut a = Collector::start(
        &format!(
            r#"
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:0"}}
exporters:
  otlp:
    endpoint: {b_grpc}
    tls: {{insecure: true}}
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [otlp]}}
"#
        ),
        &[],
        &[],
    );
    let a_http = a.listen_addr("otlp", "OTLP HTTP receiver");
    let mut accepted = BTreeSet::new();
    for (format, content_type) in [("json", "application/json"), ("proto", "application/x-protobuf")] {
        for array in [true, false] {
            let mut refused = false;
            for n in 20..=70 {
                let name = format!("{format}-{}-{n}", if array { "array" } else { "kvlist" });
                let req = request(&name, nested(n, array));
                let body = match format {
                    "json" => otelcol_otlp_json::encode_traces(&req),
                    _ => req.encode_to_vec(),
                };
                let resp = http_request(
                    a_http,
                    "POST",
                    "/v1/traces",
                    &[("Content-Type", content_type)],
                    &body,
                );
                match resp.status {
                    200 => {
                        assert!(!refused, "{name} accepted after a shallower one was refused");
                        accepted.insert(name);
                    }
                    400 => refused = true,
                    other => panic!("{name}: unexpected status {other}"),
                }
            }
            assert!(refused, "{format}/{array}: some nesting is refused as too deep");
        }
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut at_b = names_at(&b);
    while at_b != accepted && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(200));
        at_b = names_at(&b);
    }
    let missing: Vec<_> = accepted.difference(&at_b).collect();
    let (_, a_logs) = a.stop();
    assert!(
        missing.is_empty(),
        "accepted by A but never delivered to B: {missing:?}\nA's log:\n{}",
        &a_logs[a_logs.len().saturating_sub(3000)..]
    );
    b.stop();
}
