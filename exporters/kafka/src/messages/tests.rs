#![allow(clippy::unwrap_used)]

use otelcol_component::build::string_kv;
use otelcol_component::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::Span;

use super::*;

fn span(trace: u8, name: &str) -> Span {
    Span {
        trace_id: vec![trace; 16],
        span_id: vec![1; 8],
        name: name.to_string(),
        ..Default::default()
    }
}

fn traces(resources: Vec<(&str, Vec<Span>)>) -> Traces {
    Traces::from_request(ExportTraceServiceRequest {
        resource_spans: resources
            .into_iter()
            .map(|(svc, spans)| ResourceSpans {
                resource: Some(Resource {
                    attributes: vec![string_kv("service.name", svc)],
                    ..Default::default()
                }),
                scope_spans: vec![ScopeSpans {
                    spans,
                    ..Default::default()
                }],
                schema_url: String::new(),
            })
            .collect(),
    })
}

fn names(t: &Traces) -> Vec<String> {
    t.request()
        .resource_spans
        .iter()
        .flat_map(|rs| &rs.scope_spans)
        .flat_map(|ss| &ss.spans)
        .map(|s| s.name.clone())
        .collect()
}

#[test]
fn traces_split_by_trace_id_keep_resources_and_order() {
    let t = traces(vec![
        ("a", vec![span(1, "a1"), span(2, "a2"), span(1, "a3")]),
        ("b", vec![span(2, "b1")]),
    ]);
    let parts = t.keyed_parts(Partitioning::TraceId);
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].0.as_deref(), Some("01".repeat(16).as_bytes()));
    assert_eq!(names(&parts[0].1), ["a1", "a3"]);
    assert_eq!(parts[1].0.as_deref(), Some("02".repeat(16).as_bytes()));
    assert_eq!(names(&parts[1].1), ["a2", "b1"]);
    // Trace 2's spans keep their own resources.
    assert_eq!(parts[1].1.request().resource_spans.len(), 2);
    // Not cut: the payload is returned whole, still encoded.
    let enc = Traces::from_encoded(traces(vec![("a", vec![span(1, "x")])]).to_bytes()).unwrap();
    let whole = enc.keyed_parts(Partitioning::None);
    assert!(whole[0].0.is_none() && whole[0].1.is_encoded());
}

#[test]
fn resource_keys_ignore_attribute_order() {
    let a = [string_kv("x", "1"), string_kv("y", "2")];
    let b = [string_kv("y", "2"), string_kv("x", "1")];
    assert_eq!(resource_key(&a), resource_key(&b));
    assert_ne!(resource_key(&a), resource_key(&[string_kv("x", "1")]));
}

#[test]
fn logs_split_by_resource_and_by_trace_id() {
    let rl = |svc: &str, traces: &[u8]| ResourceLogs {
        resource: Some(Resource {
            attributes: vec![string_kv("service.name", svc)],
            ..Default::default()
        }),
        scope_logs: vec![ScopeLogs {
            log_records: traces
                .iter()
                .map(|t| LogRecord {
                    trace_id: if *t == 0 { vec![] } else { vec![*t; 16] },
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }],
        schema_url: String::new(),
    };
    let logs = Logs::from_request(
        otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest {
            resource_logs: vec![rl("a", &[1, 0]), rl("b", &[1]), rl("a", &[2])],
        },
    );
    let by_res = logs.clone().keyed_parts(Partitioning::Resource);
    assert_eq!(by_res.len(), 2, "the two `a` resources share a key");
    assert_eq!(by_res[0].1.item_count(), 3);
    let by_trace = logs.keyed_parts(Partitioning::TraceId);
    assert_eq!(by_trace.len(), 3);
    assert_eq!(by_trace[0].1.item_count(), 2, "trace 1 from both resources");
    assert!(by_trace[1].0.is_none(), "records without a trace id have no key");
}

#[test]
fn requests_too_large_are_split_into_messages_that_fit() {
    let spans: Vec<Span> = (0..100)
        .map(|i| span(i, &format!("span-{i:03}-{}", "x".repeat(50))))
        .collect();
    let t = traces(vec![("a", spans)]);
    let whole = t.encoded_len();
    let msgs = messages_for(None, t, Encoding::OtlpProto, whole / 3).unwrap();
    assert!(msgs.len() >= 3, "{} messages", msgs.len());
    assert!(msgs.iter().all(|m| m.value.len() <= whole / 3));
    assert_eq!(msgs.iter().map(|m| m.items).sum::<usize>(), 100);
    // Order is kept: the names read back in sequence.
    let back: Vec<String> = msgs
        .iter()
        .flat_map(|m| names(&Traces::decode(&m.value).unwrap()))
        .collect();
    let mut sorted = back.clone();
    sorted.sort();
    assert_eq!(back, sorted);
    // One span larger than the limit on its own is refused.
    let big = traces(vec![("a", vec![span(1, &"y".repeat(5000))])]);
    assert!(messages_for(None, big, Encoding::OtlpProto, 1000).is_err());
}

#[test]
fn json_encoding_is_otlp_json() {
    let t = traces(vec![("a", vec![span(1, "j")])]);
    let v = encode(&t, Encoding::OtlpJson);
    assert!(std::str::from_utf8(&v).unwrap().contains("\"resourceSpans\""));
}
