//! A real peer: the official OpenTelemetry Python Zipkin exporters
//! (`opentelemetry-exporter-zipkin-json` for v2 and v1 JSON,
//! `opentelemetry-exporter-zipkin-proto-http` for v2 protobuf) send a trace
//! to the receiver started in-process; what arrives at the sink is compared
//! with what the SDK recorded: ids, parents, kinds, names, times,
//! attributes, events, status, resource and scope.
//!
//! The interpreters come from `OTELCOL_TEST_PYTHON` (the venv of
//! `integration-tests/python/requirements.txt`) and
//! `OTELCOL_TEST_PYTHON_ZIPKIN_PROTO` (the venv of
//! `tests/python/requirements-proto.txt`, kept apart because that exporter
//! pins protobuf 3); `scripts/test.sh` sets both up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use common::*;
use otelcol_component::proto::common::v1::any_value::Value;
use otelcol_component::proto::trace::v1::Span;
use otelcol_component::proto::trace::v1::span::SpanKind;
use otelcol_component::proto::trace::v1::status::StatusCode;
use serde_json::Value as Json;

fn interpreter(var: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(p) => PathBuf::from(p),
        None => panic!(
            "{var} is not set: point it at the python of the test venv \
             (scripts/test.sh builds it and exports {var})"
        ),
    }
}

/// Runs the sender; returns what it says it sent.
async fn python_send(var: &str, url: &str, protocol: &str) -> Vec<Json> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/send_spans.py");
    let python = interpreter(var);
    let (url, protocol) = (url.to_string(), protocol.to_string());
    let run = {
        let python = python.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(&python)
                .arg(&script)
                .arg(&url)
                .arg(&protocol)
                .stdin(Stdio::null())
                .output()
        })
    };
    let out = tokio::time::timeout(Duration::from_secs(90), run)
        .await
        .expect("the python sender did not finish within 90 s")
        .expect("the python sender's task")
        .unwrap_or_else(|e| panic!("cannot run {} ({var}): {e}", python.display()));
    assert!(
        out.status.success(),
        "python sender failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest: Json = serde_json::from_slice(&out.stdout).expect("the sender's JSON manifest");
    manifest["spans"].as_array().expect("spans").clone()
}

/// What the exporter does to a time: nanoseconds rounded to microseconds.
fn micros(ns: u64) -> u64 {
    (ns + 500) / 1000
}

fn text(j: &Json) -> &str {
    j.as_str().unwrap_or_default()
}

/// The received span with the sent span's id.
fn received<'a>(spans: &'a [(String, Span)], sent: &Json) -> &'a (String, Span) {
    let id = text(&sent["span_id"]);
    spans
        .iter()
        .find(|(_, s)| hex(&s.span_id) == id)
        .unwrap_or_else(|| panic!("span {id} ({}) did not arrive", sent["name"]))
}

/// Checks what every format carries the same way.
fn check_common(sent: &Json, svc: &str, got: &Span) {
    let name = text(&sent["name"]);
    assert_eq!(svc, "py-shop", "{name}");
    assert_eq!(got.name, name);
    assert_eq!(hex(&got.trace_id), text(&sent["trace_id"]), "{name}");
    assert_eq!(hex(&got.parent_span_id), text(&sent["parent_id"]), "{name}");
    let start = sent["start"].as_u64().unwrap();
    let end = sent["end"].as_u64().unwrap();
    assert_eq!(got.start_time_unix_nano, micros(start) * 1000, "{name} start");
    assert_eq!(
        got.end_time_unix_nano,
        (micros(start) + micros(end - start)) * 1000,
        "{name} end"
    );
    // Events: the exporter writes `{"<name>": {<attributes>}}` as the
    // annotation value, which Go (and this receiver) keep as the event name.
    let events: Vec<(String, u64)> = sent["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let mut attrs = serde_json::Map::new();
            attrs.insert(text(&e["name"]).to_string(), e["attributes"].clone());
            let value = python_json_dumps(&Json::Object(attrs));
            (value, micros(e["time"].as_u64().unwrap()) * 1000)
        })
        .collect();
    let got_events: Vec<(String, u64)> = got
        .events
        .iter()
        .map(|e| (e.name.clone(), e.time_unix_nano))
        .collect();
    assert_eq!(got_events, events, "{name} events");
    // An error status arrives as ERROR (from the `error` tag, which v2
    // keeps as an attribute holding the description).
    if text(&sent["status"]["code"]) == "ERROR" {
        assert_eq!(
            got.status.clone().unwrap().code,
            StatusCode::Error as i32,
            "{name}"
        );
    }
}

/// `json.dumps(obj, sort_keys=True)` for the small objects events carry.
fn python_json_dumps(v: &Json) -> String {
    match v {
        Json::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{}: {}", Json::String((*k).clone()), python_json_dumps(&m[*k])))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => other.to_string(),
    }
}

/// A sent attribute as the receiver types it with `parse_string_tags`.
fn typed(v: &Json) -> Value {
    match v {
        Json::Bool(b) => Value::BoolValue(*b),
        Json::Number(n) if n.is_i64() => Value::IntValue(n.as_i64().unwrap()),
        Json::Number(n) => Value::DoubleValue(n.as_f64().unwrap()),
        Json::String(s) => Value::StringValue(s.clone()),
        // Lists are sent as their JSON text.
        Json::Array(a) => Value::StringValue(
            serde_json::to_string(
                &a.iter()
                    .map(|x| x.as_str().unwrap_or_default())
                    .collect::<Vec<_>>(),
            )
            .unwrap(),
        ),
        other => panic!("unexpected attribute {other}"),
    }
}

fn kind(name: &str) -> SpanKind {
    match name {
        "SERVER" => SpanKind::Server,
        "CLIENT" => SpanKind::Client,
        "PRODUCER" => SpanKind::Producer,
        "CONSUMER" => SpanKind::Consumer,
        // Zipkin has no INTERNAL: the exporter sends no kind.
        _ => SpanKind::Unspecified,
    }
}

/// v2 (JSON or protobuf): kinds, typed attributes, endpoints, resource and
/// scope as Go's zipkinv2 translator builds them.
async fn check_v2(var: &str, protocol: &str, transport: &str) {
    let mut cfg = loopback();
    cfg.parse_string_tags = true;
    let (r, sink) = start_with_sink(cfg).await;
    let sent = python_send(var, &r.url("/api/v2/spans"), protocol).await;
    assert_eq!(sent.len(), 5);
    assert!(sink.wait_for_items(5, Duration::from_secs(5)).await);
    let spans = spans(&sink);
    assert_eq!(spans.len(), 5);
    for s in &sent {
        let (svc, got) = received(&spans, s);
        check_common(s, svc, got);
        let name = text(&s["name"]);
        assert_eq!(got.kind, kind(text(&s["kind"])) as i32, "{name} kind");
        let mut want: Vec<(String, Value)> = s["attributes"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), typed(v)))
            .collect();
        want.push((
            "network.local.address".into(),
            Value::StringValue("10.0.0.5".into()),
        ));
        want.push(("net.host.port".into(), Value::IntValue(8080)));
        match text(&s["status"]["code"]) {
            "ERROR" => {
                want.push((
                    "error".into(),
                    Value::StringValue(text(&s["status"]["description"]).into()),
                ));
            }
            "OK" => assert_eq!(got.status.clone().unwrap().code, StatusCode::Ok as i32, "{name}"),
            _ => assert!(got.status.is_none(), "{name}"),
        }
        let mut got_attrs: Vec<(String, Value)> = got
            .attributes
            .iter()
            .map(|kv| (kv.key.clone(), kv.value.clone().unwrap().value.unwrap()))
            .collect();
        want.sort_by(|a, b| a.0.cmp(&b.0));
        got_attrs.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(got_attrs, want, "{name} attributes");
    }
    // Resource and scope.
    let res = resources(&sink);
    assert_eq!(res.len(), 1);
    let resource = &res[0].resource.as_ref().unwrap().attributes;
    assert_eq!(str_attr(resource, "service.name").as_deref(), Some("py-shop"));
    assert_eq!(str_attr(resource, "service.version").as_deref(), Some("1.4.2"));
    assert_eq!(
        str_attr(resource, "telemetry.sdk.language").as_deref(),
        Some("python")
    );
    assert!(str_attr(resource, "service.instance.id").is_some());
    assert_eq!(res[0].scope_spans.len(), 1);
    let scope = res[0].scope_spans[0].scope.as_ref().unwrap();
    assert_eq!(
        (scope.name.as_str(), scope.version.as_str()),
        ("shop.checkout", "0.9.1")
    );
    assert_eq!(r.count("accepted", transport), 5);
    assert_eq!(r.count("refused", transport), 0);
}

#[tokio::test]
async fn python_zipkin_json_v2_exporter() {
    check_v2("OTELCOL_TEST_PYTHON", "json-v2", "http_v2_json").await;
}

#[tokio::test]
async fn python_zipkin_protobuf_exporter() {
    check_v2("OTELCOL_TEST_PYTHON_ZIPKIN_PROTO", "proto", "http_v2_proto").await;
}

/// v1 JSON: no core annotations are sent, so no kind; every tag is a binary
/// annotation, kept as an attribute (typed), except the status ones.
#[tokio::test]
async fn python_zipkin_json_v1_exporter() {
    let mut cfg = loopback();
    cfg.parse_string_tags = true;
    let (r, sink) = start_with_sink(cfg).await;
    let sent = python_send("OTELCOL_TEST_PYTHON", &r.url("/api/v1/spans"), "json-v1").await;
    assert!(sink.wait_for_items(5, Duration::from_secs(5)).await);
    let spans = spans(&sink);
    assert_eq!(spans.len(), 5);
    for s in &sent {
        let (svc, got) = received(&spans, s);
        check_common(s, svc, got);
        let name = text(&s["name"]);
        assert_eq!(got.kind, SpanKind::Unspecified as i32, "{name}");
        for (k, v) in s["attributes"].as_object().unwrap() {
            assert_eq!(attr(&got.attributes, k), Some(&typed(v)), "{name} {k}");
        }
        assert_eq!(
            str_attr(&got.attributes, "otel.library.name").as_deref(),
            Some("shop.checkout")
        );
        assert!(attr(&got.attributes, "otel.status_code").is_none());
        if text(&s["status"]["code"]) != "ERROR" {
            assert!(
                got.status.is_none(),
                "{name}: v1 reads otel.status_code as a number only"
            );
        }
    }
    assert_eq!(resources(&sink).len(), 1);
    assert_eq!(r.count("accepted", "http_v1_json"), 5);
}
