//! The official OpenTelemetry Python SDK sends traces, metrics and logs over
//! OTLP/gRPC and OTLP/HTTP-protobuf into the real binary; the file exporter's
//! output must hold every span, data point and log record intact.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::Command;

use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value::Value as V};
use otelcol_component::proto::metrics::v1::metric::Data;
use otelcol_integration_tests::*;
use serde_json::{Value, json};

fn send(protocol: &str, endpoint: &str, service: &str) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/send_telemetry.py");
    let out = Command::new(python())
        .args([script, protocol, endpoint, service])
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python SDK sender failed (is the venv from scripts/test.sh set up?):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("manifest JSON")
}

fn any_to_json(v: &Option<AnyValue>) -> Value {
    match v.as_ref().and_then(|v| v.value.as_ref()) {
        Some(V::StringValue(s)) => json!(s),
        Some(V::IntValue(i)) => json!(i),
        Some(V::DoubleValue(d)) => json!(d),
        Some(V::BoolValue(b)) => json!(b),
        Some(V::ArrayValue(a)) => {
            Value::Array(a.values.iter().map(|x| any_to_json(&Some(x.clone()))).collect())
        }
        other => json!(format!("{other:?}")),
    }
}

fn attrs(kvs: &[KeyValue]) -> BTreeMap<String, Value> {
    kvs.iter()
        .map(|kv| (kv.key.clone(), any_to_json(&kv.value)))
        .collect()
}

fn obj(v: &Value) -> BTreeMap<String, Value> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn decode_lines<T>(
    dir: &std::path::Path,
    file: &str,
    decode: fn(&[u8]) -> Result<T, otelcol_otlp_json::DecodeError>,
) -> Vec<T> {
    read_json_lines(&dir.join(file))
        .iter()
        .map(|v| decode(v.to_string().as_bytes()).expect("decodes"))
        .collect()
}

fn check_traces(reqs: &[ExportTraceServiceRequest], m: &Value, service: &str) {
    let want_resource = obj(&m["resource"]);
    let mut found = 0;
    for rs in reqs.iter().flat_map(|r| &r.resource_spans) {
        let res = attrs(&rs.resource.as_ref().unwrap().attributes);
        if res.get("service.name") != Some(&json!(service)) {
            continue;
        }
        assert_eq!(res, want_resource, "resource attributes arrive intact");
        for ss in &rs.scope_spans {
            let scope = ss.scope.as_ref().unwrap();
            assert_eq!(
                (scope.name.as_str(), scope.version.as_str()),
                ("itest.tracer", "1.2.3")
            );
            for span in &ss.spans {
                let want = m["spans"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|s| s["span_id"] == json!(hex(&span.span_id)))
                    .unwrap_or_else(|| panic!("unexpected span {}", span.name));
                assert_eq!(span.name, want["name"].as_str().unwrap());
                assert_eq!(hex(&span.trace_id), want["trace_id"].as_str().unwrap());
                assert_eq!(
                    hex(&span.parent_span_id),
                    want["parent_span_id"].as_str().unwrap()
                );
                assert_eq!(span.kind as i64, want["kind"].as_i64().unwrap());
                assert_eq!(
                    attrs(&span.attributes),
                    obj(&want["attributes"]),
                    "span {} attributes",
                    span.name
                );
                let events: Vec<&str> = span.events.iter().map(|e| e.name.as_str()).collect();
                assert_eq!(json!(events), want["events"]);
                assert_eq!(
                    span.status.as_ref().map(|s| s.code as i64).unwrap_or(0),
                    want["status_code"].as_i64().unwrap()
                );
                assert!(
                    span.start_time_unix_nano > 0 && span.end_time_unix_nano >= span.start_time_unix_nano
                );
                found += 1;
            }
        }
    }
    assert_eq!(
        found,
        m["spans"].as_array().unwrap().len(),
        "every span arrives exactly once"
    );
}

fn check_metrics(reqs: &[ExportMetricsServiceRequest], m: &Value, service: &str) {
    let mut seen = BTreeMap::new();
    for rm in reqs.iter().flat_map(|r| &r.resource_metrics) {
        let res = attrs(&rm.resource.as_ref().unwrap().attributes);
        if res.get("service.name") != Some(&json!(service)) {
            continue;
        }
        assert_eq!(res, obj(&m["resource"]));
        for sm in &rm.scope_metrics {
            assert_eq!(sm.scope.as_ref().unwrap().name, "itest.meter");
            for metric in &sm.metrics {
                let want = &m["metrics"][&metric.name];
                assert!(!want.is_null(), "unexpected metric {}", metric.name);
                match metric.data.as_ref().unwrap() {
                    Data::Sum(s) => {
                        assert_eq!(s.data_points.len(), 1);
                        let p = &s.data_points[0];
                        assert!(s.is_monotonic);
                        assert_eq!(attrs(&p.attributes), obj(&want["attributes"]));
                        let v = match p.value {
                            Some(otelcol_component::proto::metrics::v1::number_data_point::Value::AsInt(
                                i,
                            )) => i as f64,
                            Some(
                                otelcol_component::proto::metrics::v1::number_data_point::Value::AsDouble(d),
                            ) => d,
                            None => f64::NAN,
                        };
                        assert_eq!(v, want["sum"].as_f64().unwrap());
                    }
                    Data::Histogram(h) => {
                        let p = &h.data_points[0];
                        assert_eq!(attrs(&p.attributes), obj(&want["attributes"]));
                        assert_eq!(p.count, want["count"].as_u64().unwrap());
                        assert!((p.sum.unwrap() - want["sum"].as_f64().unwrap()).abs() < 1e-9);
                        assert_eq!(p.bucket_counts.iter().sum::<u64>(), p.count);
                        assert_eq!(metric.unit, "s");
                    }
                    Data::Gauge(g) => {
                        let p = &g.data_points[0];
                        assert_eq!(attrs(&p.attributes), obj(&want["attributes"]));
                        let v = match p.value {
                            Some(otelcol_component::proto::metrics::v1::number_data_point::Value::AsInt(
                                i,
                            )) => i as f64,
                            Some(
                                otelcol_component::proto::metrics::v1::number_data_point::Value::AsDouble(d),
                            ) => d,
                            None => f64::NAN,
                        };
                        assert_eq!(v, want["value"].as_f64().unwrap());
                    }
                    other => panic!("unexpected metric type {other:?}"),
                }
                *seen.entry(metric.name.clone()).or_insert(0) += 1;
            }
        }
    }
    let names: Vec<&String> = seen.keys().collect();
    assert_eq!(
        names.len(),
        m["metrics"].as_object().unwrap().len(),
        "every metric arrives: {names:?}"
    );
}

fn check_logs(reqs: &[ExportLogsServiceRequest], m: &Value, service: &str) {
    let mut found = 0;
    for rl in reqs.iter().flat_map(|r| &r.resource_logs) {
        let res = attrs(&rl.resource.as_ref().unwrap().attributes);
        if res.get("service.name") != Some(&json!(service)) {
            continue;
        }
        assert_eq!(res, obj(&m["resource"]));
        for sl in &rl.scope_logs {
            for rec in &sl.log_records {
                let want = &m["logs"][0];
                assert_eq!(any_to_json(&rec.body), want["body"]);
                assert_eq!(
                    rec.severity_number as i64,
                    want["severity_number"].as_i64().unwrap()
                );
                assert_eq!(
                    hex(&rec.trace_id),
                    want["trace_id"].as_str().unwrap(),
                    "log correlated with its trace"
                );
                assert_eq!(hex(&rec.span_id), want["span_id"].as_str().unwrap());
                let a = attrs(&rec.attributes);
                assert_eq!(a.get("chat.user"), Some(&json!("alice")));
                found += 1;
            }
        }
    }
    assert_eq!(found, 1, "the log record arrives exactly once");
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn python_sdk_over_grpc_and_http_arrives_intact() {
    let (grpc, http) = (free_port(), free_port());
    let addrs: Vec<SocketAddr> = vec![
        format!("127.0.0.1:{grpc}").parse().unwrap(),
        format!("127.0.0.1:{http}").parse().unwrap(),
    ];
    let c = Collector::start(&otlp_to_files_config(grpc, http), &[], &addrs);
    let m_grpc = send("grpc", &format!("127.0.0.1:{grpc}"), "itest-grpc");
    let m_http = send("http", &format!("127.0.0.1:{http}"), "itest-http");
    // Stop with SIGTERM: shutdown must flush every file before exit.
    let mut c = c;
    let (status, logs) = c.stop();
    assert!(status.success(), "clean exit after SIGTERM:\n{logs}");
    let dir = c.dir.path();
    let traces = decode_lines(dir, "traces.jsonl", otelcol_otlp_json::decode_traces);
    let metrics = decode_lines(dir, "metrics.jsonl", otelcol_otlp_json::decode_metrics);
    let logs_out = decode_lines(dir, "logs.jsonl", otelcol_otlp_json::decode_logs);
    for (m, service) in [(&m_grpc, "itest-grpc"), (&m_http, "itest-http")] {
        check_traces(&traces, m, service);
        check_metrics(&metrics, m, service);
        check_logs(&logs_out, m, service);
    }
}
