//! The translation against Go's documented mapping (`pkg/translator/jaeger`,
//! its `jaegerthrift_to_traces_test.go` / `jaegerproto_to_traces_test.go` cases).
#![allow(clippy::unwrap_used)]

use otelcol_component::Payload;
use otelcol_component::proto::common::v1::{KeyValue, any_value::Value};
use otelcol_component::proto::trace::v1::span::SpanKind;
use otelcol_component::proto::trace::v1::status::StatusCode;
use otelcol_component::proto::trace::v1::{ResourceSpans, Span};

use super::*;
use crate::proto as jp;
use crate::thrift::jaeger::{self as jt, span_ref_type, tag_type};

fn attrs(kvs: &[KeyValue]) -> Vec<(&str, Value)> {
    kvs.iter()
        .map(|kv| (kv.key.as_str(), kv.value.as_ref().unwrap().value.clone().unwrap()))
        .collect()
}

fn s(v: &str) -> Value {
    Value::StringValue(v.to_string())
}

fn t_str(key: &str, v: &str) -> jt::Tag {
    jt::Tag {
        key: key.into(),
        v_type: tag_type::STRING,
        v_str: Some(v.into()),
        ..Default::default()
    }
}

fn t_bool(key: &str, v: bool) -> jt::Tag {
    jt::Tag {
        key: key.into(),
        v_type: tag_type::BOOL,
        v_bool: Some(v),
        ..Default::default()
    }
}

fn t_long(key: &str, v: i64) -> jt::Tag {
    jt::Tag {
        key: key.into(),
        v_type: tag_type::LONG,
        v_long: Some(v),
        ..Default::default()
    }
}

fn t_span(tags: Vec<jt::Tag>) -> jt::Span {
    jt::Span {
        trace_id_low: 0x0203,
        trace_id_high: 0x0102,
        span_id: 7,
        operation_name: "op".into(),
        start_time: 1_000_000,
        duration: 250,
        tags: Some(tags),
        ..Default::default()
    }
}

fn thrift(spans: Vec<jt::Span>, process: jt::Process) -> Vec<ResourceSpans> {
    thrift_to_traces(jt::Batch {
        process,
        spans,
        ..Default::default()
    })
    .into_request()
    .resource_spans
}

fn one_thrift_span(span: jt::Span) -> Span {
    let rs = thrift(vec![span], jt::Process::default());
    rs[0].scope_spans[0].spans[0].clone()
}

#[test]
fn ids_names_times_and_typed_tags() {
    let mut span = t_span(vec![
        t_str("s", "v"),
        t_bool("b", true),
        t_long("l", -3),
        jt::Tag {
            key: "d".into(),
            v_type: tag_type::DOUBLE,
            v_double: Some(2.5),
            ..Default::default()
        },
        jt::Tag {
            key: "x".into(),
            v_type: tag_type::BINARY,
            v_binary: Some(vec![0, 255]),
            ..Default::default()
        },
        jt::Tag {
            key: "u".into(),
            v_type: 9,
            ..Default::default()
        },
        // A repeated key replaces the first value in place, as pcommon.Map.
        t_str("s", "w"),
    ]);
    span.trace_id_high = -1; // the high half is unsigned on the wire
    let out = one_thrift_span(span);
    assert_eq!(
        out.trace_id,
        [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 2, 3
        ]
    );
    assert_eq!(out.span_id, [0, 0, 0, 0, 0, 0, 0, 7]);
    assert!(out.parent_span_id.is_empty());
    assert_eq!(out.name, "op");
    assert_eq!(out.start_time_unix_nano, 1_000_000_000);
    assert_eq!(out.end_time_unix_nano, 1_000_250_000);
    assert_eq!(
        attrs(&out.attributes),
        vec![
            ("s", s("w")),
            ("b", Value::BoolValue(true)),
            ("l", Value::IntValue(-3)),
            ("d", Value::DoubleValue(2.5)),
            ("x", Value::BytesValue(vec![0, 255])),
            ("u", s("<Unknown Jaeger TagType \"<UNSET>\">")),
        ]
    );
    assert_eq!(out.status, Some(Default::default()));
    assert_eq!(out.kind, SpanKind::Unspecified as i32);
}

#[test]
fn parent_and_links_from_references() {
    let child_of = |span_id, high| jt::SpanRef {
        ref_type: span_ref_type::CHILD_OF,
        trace_id_low: 0x0203,
        trace_id_high: high,
        span_id,
    };
    let follows = |span_id| jt::SpanRef {
        ref_type: span_ref_type::FOLLOWS_FROM,
        trace_id_low: 0x0203,
        trace_id_high: 0x0102,
        span_id,
    };
    let ref_type = |l: &otelcol_component::proto::trace::v1::span::Link| attrs(&l.attributes)[0].1.clone();
    // parentSpanId wins; a CHILD_OF to it is not a link, the rest are.
    let mut span = t_span(vec![]);
    span.parent_span_id = 5;
    span.references = Some(vec![child_of(5, 0x0102), follows(6)]);
    let out = one_thrift_span(span);
    assert_eq!(out.parent_span_id, [0, 0, 0, 0, 0, 0, 0, 5]);
    assert_eq!(out.links.len(), 1);
    assert_eq!(out.links[0].span_id, [0, 0, 0, 0, 0, 0, 0, 6]);
    assert_eq!(ref_type(&out.links[0]), s("follows_from"));
    // No parentSpanId: the first CHILD_OF of the same trace, even after a
    // FOLLOWS_FROM; one of another trace is only a link.
    let mut span = t_span(vec![]);
    span.references = Some(vec![child_of(8, 99), follows(6), child_of(5, 0x0102)]);
    let out = one_thrift_span(span);
    assert_eq!(out.parent_span_id, [0, 0, 0, 0, 0, 0, 0, 5]);
    assert_eq!(out.links.len(), 2);
    assert_eq!(ref_type(&out.links[0]), s("child_of"));
    assert_eq!(out.links[0].trace_id[..8], [0, 0, 0, 0, 0, 0, 0, 99]);
    // Only a FOLLOWS_FROM: it is the parent, and still a link.
    let mut span = t_span(vec![]);
    span.references = Some(vec![follows(6)]);
    let out = one_thrift_span(span);
    assert_eq!(out.parent_span_id, [0, 0, 0, 0, 0, 0, 0, 6]);
    assert_eq!(out.links.len(), 1);
}

#[test]
fn span_kind_tag() {
    for (tag, kind) in [
        ("client", SpanKind::Client),
        ("server", SpanKind::Server),
        ("producer", SpanKind::Producer),
        ("consumer", SpanKind::Consumer),
        ("internal", SpanKind::Internal),
        ("Server", SpanKind::Unspecified),
        ("rpc", SpanKind::Unspecified),
    ] {
        let out = one_thrift_span(t_span(vec![t_str("span.kind", tag), t_str("a", "b")]));
        assert_eq!(out.kind, kind as i32, "{tag}");
        assert_eq!(attrs(&out.attributes), vec![("a", s("b"))], "{tag}");
    }
    // A non-string kind is unspecified, and removed all the same.
    let out = one_thrift_span(t_span(vec![t_long("span.kind", 2)]));
    assert_eq!(out.kind, SpanKind::Unspecified as i32);
    assert!(out.attributes.is_empty());
}

#[test]
fn status_from_tags() {
    type Case = (
        &'static str,
        Vec<jt::Tag>,
        StatusCode,
        &'static str,
        Vec<&'static str>,
    );
    let cases: Vec<Case> = vec![
        ("no tags", vec![], StatusCode::Unset, "", vec![]),
        (
            "error true, description",
            vec![t_bool("error", true), t_str("otel.status_description", "boom")],
            StatusCode::Error,
            "boom",
            vec![],
        ),
        (
            "error true, http message",
            vec![t_bool("error", true), t_str("http.status_message", "nope")],
            StatusCode::Error,
            "nope",
            vec!["http.status_message"],
        ),
        (
            "error false stays",
            vec![t_bool("error", false)],
            StatusCode::Unset,
            "",
            vec!["error"],
        ),
        (
            "error as a string stays",
            vec![t_str("error", "true")],
            StatusCode::Unset,
            "",
            vec!["error"],
        ),
        (
            "error wins over otel.status_code",
            vec![t_str("otel.status_code", "OK"), t_bool("error", true)],
            StatusCode::Error,
            "",
            vec![],
        ),
        (
            "otel ok",
            vec![
                t_str("otel.status_code", "ok"),
                t_str("otel.status_description", "fine"),
            ],
            StatusCode::Ok,
            "fine",
            vec![],
        ),
        (
            "otel error",
            vec![t_str("otel.status_code", "ERROR")],
            StatusCode::Error,
            "",
            vec![],
        ),
        (
            "otel garbage",
            vec![t_str("otel.status_code", "meh")],
            StatusCode::Unset,
            "",
            vec![],
        ),
        (
            "http 500",
            vec![
                t_long("http.status_code", 500),
                t_str("http.status_message", "ise"),
            ],
            StatusCode::Error,
            "ise",
            vec!["http.status_code", "http.status_message"],
        ),
        (
            "http 200",
            vec![t_long("http.status_code", 200)],
            StatusCode::Unset,
            "",
            vec!["http.status_code"],
        ),
        (
            "http 399",
            vec![t_str("http.status_code", "399")],
            StatusCode::Error,
            "",
            vec!["http.status_code"],
        ),
        (
            "http 404 unknown kind",
            vec![t_long("http.status_code", 404)],
            StatusCode::Error,
            "",
            vec!["http.status_code"],
        ),
        (
            "http 404 client",
            vec![t_str("span.kind", "client"), t_long("http.status_code", 404)],
            StatusCode::Error,
            "",
            vec!["http.status_code"],
        ),
        (
            "http 404 server",
            vec![t_str("span.kind", "server"), t_long("http.status_code", 404)],
            StatusCode::Unset,
            "",
            vec!["http.status_code"],
        ),
        (
            "http not a number",
            vec![t_str("http.status_code", "x")],
            StatusCode::Unset,
            "",
            vec!["http.status_code"],
        ),
    ];
    for (name, tags, code, message, left) in cases {
        let out = one_thrift_span(t_span(tags));
        let status = out.status.unwrap();
        assert_eq!(
            (status.code, status.message.as_str()),
            (code as i32, message),
            "{name}"
        );
        let keys: Vec<&str> = out.attributes.iter().map(|kv| kv.key.as_str()).collect();
        assert_eq!(keys, left, "{name}");
    }
}

#[test]
fn logs_become_events() {
    let mut span = t_span(vec![]);
    span.logs = Some(vec![
        jt::Log {
            timestamp: 1_000_123,
            fields: vec![t_str("event", "retry"), t_long("attempt", 2)],
        },
        jt::Log {
            timestamp: 2,
            fields: vec![t_str("message", "m")],
        },
        jt::Log {
            timestamp: 3,
            fields: vec![],
        },
        jt::Log {
            timestamp: 4,
            fields: vec![t_long("event", 1)],
        },
    ]);
    let out = one_thrift_span(span);
    let e = &out.events;
    assert_eq!(e.len(), 4);
    assert_eq!(
        (e[0].name.as_str(), e[0].time_unix_nano),
        ("retry", 1_000_123_000)
    );
    assert_eq!(attrs(&e[0].attributes), vec![("attempt", Value::IntValue(2))]);
    assert_eq!(e[1].name, "");
    assert_eq!(attrs(&e[1].attributes), vec![("message", s("m"))]);
    assert!(e[2].attributes.is_empty());
    // A non-string `event` gives an empty name and is removed (Go's Str()).
    assert_eq!(e[3].name, "");
    assert!(e[3].attributes.is_empty());
}

#[test]
fn process_to_resource() {
    let process = jt::Process {
        service_name: "svc".into(),
        tags: Some(vec![
            t_str("jaeger.version", "Python-4.8.0"),
            t_str("hostname", "box"),
            t_str("ip", "10.0.0.1"),
            t_str("internal.span.format", "proto"),
            t_str("client-uuid", "abc"),
        ]),
    };
    let rs = thrift(vec![t_span(vec![])], process);
    let res = rs[0].resource.as_ref().unwrap();
    // `hostname` → `host.name`, `jaeger.version` → the exporter version; Go
    // moves the last attribute into each removed slot. `ip` and
    // `internal.span.format` stay as they are, as in Go.
    assert_eq!(
        attrs(&res.attributes),
        vec![
            ("service.name", s("svc")),
            ("opencensus.exporterversion", s("Jaeger-Python-4.8.0")),
            ("host.name", s("box")),
            ("ip", s("10.0.0.1")),
            ("internal.span.format", s("proto")),
            ("client-uuid", s("abc")),
        ]
    );
    // host.name already set: hostname stays.
    let process = jt::Process {
        service_name: String::new(),
        tags: Some(vec![t_str("host.name", "a"), t_str("hostname", "b")]),
    };
    let rs = thrift(vec![], process);
    assert_eq!(
        attrs(&rs[0].resource.as_ref().unwrap().attributes),
        vec![("host.name", s("a")), ("hostname", s("b"))]
    );
    // No spans: a resource and no scope.
    assert!(rs[0].scope_spans.is_empty());
    // No name, no tags: an empty resource.
    let rs = thrift(vec![t_span(vec![])], jt::Process::default());
    assert!(rs[0].resource.as_ref().unwrap().attributes.is_empty());
}

#[test]
fn blank_spans_are_skipped_and_thrift_keeps_scope_and_tracestate_tags() {
    let span = t_span(vec![
        t_str("otel.library.name", "lib"),
        t_str("w3c.tracestate", "k=v"),
    ]);
    let rs = thrift(vec![jt::Span::default(), span], jt::Process::default());
    let ss = &rs[0].scope_spans;
    assert_eq!(ss.len(), 1);
    assert_eq!(ss[0].scope.as_ref().unwrap().name, "");
    assert_eq!(ss[0].spans.len(), 1);
    // Go's Thrift translation reads neither (only its proto one does).
    assert_eq!(ss[0].spans[0].trace_state, "");
    assert_eq!(ss[0].spans[0].attributes.len(), 2);
}

#[test]
fn attrs_behave_as_go_maps() {
    let mut a = Attrs::with_capacity(0);
    for i in 0..40 {
        a.put(format!("k{i}"), Value::IntValue(i));
    }
    a.put("k3", Value::IntValue(-3));
    assert_eq!(a.get("k3"), Some(&Value::IntValue(-3)));
    assert_eq!(a.remove("k0"), Some(Value::IntValue(0)));
    // The last moved into slot 0, and the index follows it.
    assert_eq!(a.kvs[0].key, "k39");
    assert_eq!(a.remove("k39"), Some(Value::IntValue(39)));
    assert_eq!(a.get_str("k1"), Some(String::new()));
    assert!(a.get("k0").is_none() && a.get("k39").is_none());
    assert_eq!(a.into_vec().len(), 38);
}

// --- proto (gRPC) ---

fn kv(key: &str, v: &str) -> jp::KeyValue {
    jp::KeyValue {
        key: key.into(),
        v_str: v.into(),
        ..Default::default()
    }
}

fn p_span(id: u8, tags: Vec<jp::KeyValue>) -> jp::Span {
    jp::Span {
        trace_id: [[0u8; 8], [0, 0, 0, 0, 0, 0, 0, 1]].concat(),
        span_id: vec![0, 0, 0, 0, 0, 0, 0, id],
        operation_name: format!("op{id}"),
        start_time: Some(jp::Timestamp {
            seconds: 1_700_000_000,
            nanos: 5,
        }),
        duration: Some(jp::Duration {
            seconds: 1,
            nanos: 10,
        }),
        tags,
        ..Default::default()
    }
}

fn process(name: &str) -> jp::Process {
    jp::Process {
        service_name: name.into(),
        tags: vec![kv("hostname", "h")],
    }
}

#[test]
fn proto_spans_times_scopes_and_tracestate() {
    let mut a = p_span(
        1,
        vec![
            kv("otel.scope.name", "s"),
            kv("otel.scope.version", "1"),
            kv("w3c.tracestate", "k=v"),
        ],
    );
    a.references = vec![jp::SpanRef {
        trace_id: a.trace_id.clone(),
        span_id: vec![0, 0, 0, 0, 0, 0, 0, 9],
        ref_type: jp::SpanRefType::ChildOf as i32,
    }];
    a.logs = vec![jp::Log {
        timestamp: Some(jp::Timestamp { seconds: 2, nanos: 3 }),
        fields: vec![kv("event", "e")],
    }];
    let b = p_span(
        2,
        vec![kv("otel.library.name", "lib"), kv("otel.library.version", "2")],
    );
    let c = p_span(3, vec![kv("otel.scope.name", "s"), kv("otel.scope.version", "1")]);
    let d = p_span(
        4,
        vec![jp::KeyValue {
            key: "t".into(),
            v_type: 7,
            ..Default::default()
        }],
    );
    let traces = proto_to_traces(jp::Batch {
        spans: vec![a, b, c, d, jp::Span::default()],
        process: Some(process("svc")),
    })
    .unwrap();
    assert_eq!(traces.item_count(), 4);
    let rs = traces.into_request().resource_spans;
    assert_eq!(rs.len(), 1);
    assert_eq!(
        attrs(&rs[0].resource.as_ref().unwrap().attributes),
        vec![("service.name", s("svc")), ("host.name", s("h"))]
    );
    let scopes: Vec<(&str, &str, usize)> = rs[0]
        .scope_spans
        .iter()
        .map(|ss| {
            let sc = ss.scope.as_ref().unwrap();
            (sc.name.as_str(), sc.version.as_str(), ss.spans.len())
        })
        .collect();
    assert_eq!(scopes, vec![("s", "1", 2), ("lib", "2", 1), ("", "", 1)]);
    let first = &rs[0].scope_spans[0].spans[0];
    assert_eq!(first.start_time_unix_nano, 1_700_000_000_000_000_005);
    assert_eq!(first.end_time_unix_nano, 1_700_000_001_000_000_015);
    assert_eq!(first.trace_state, "k=v");
    assert!(first.attributes.is_empty());
    assert_eq!(first.parent_span_id, [0, 0, 0, 0, 0, 0, 0, 9]);
    assert!(first.links.is_empty());
    assert_eq!(first.events[0].name, "e");
    assert_eq!(first.events[0].time_unix_nano, 2_000_000_003);
    let unknown = &rs[0].scope_spans[2].spans[0];
    assert_eq!(
        attrs(&unknown.attributes),
        vec![("t", s("<Unknown Jaeger TagType \"7\">"))]
    );
}

#[test]
fn proto_spans_group_by_process() {
    let mut own = p_span(2, vec![]);
    own.process = Some(process("other"));
    let mut same = p_span(3, vec![]);
    same.process = Some(process("svc"));
    let mut nameless = p_span(4, vec![]);
    nameless.process = Some(jp::Process {
        service_name: "OTLPResourceNoServiceName".into(),
        tags: vec![],
    });
    let traces = proto_to_traces(jp::Batch {
        spans: vec![p_span(1, vec![]), own, same, nameless],
        process: Some(process("svc")),
    })
    .unwrap();
    let rs = traces.into_request().resource_spans;
    let names: Vec<(Vec<(&str, Value)>, usize)> = rs
        .iter()
        .map(|r| {
            (
                attrs(&r.resource.as_ref().unwrap().attributes),
                r.scope_spans.iter().map(|s| s.spans.len()).sum(),
            )
        })
        .collect();
    assert_eq!(
        names,
        vec![
            (vec![("service.name", s("svc")), ("host.name", s("h"))], 2),
            (vec![("service.name", s("other")), ("host.name", s("h"))], 1),
            (vec![], 1),
        ]
    );
    // No process anywhere: one empty resource.
    let rs = proto_to_traces(jp::Batch {
        spans: vec![p_span(1, vec![])],
        process: None,
    })
    .unwrap()
    .into_request()
    .resource_spans;
    assert_eq!(rs.len(), 1);
    assert!(rs[0].resource.as_ref().unwrap().attributes.is_empty());
    // Nothing at all: no resource.
    assert!(
        proto_to_traces(jp::Batch::default())
            .unwrap()
            .into_request()
            .resource_spans
            .is_empty()
    );
}

#[test]
fn proto_refuses_what_gogo_refuses() {
    let refused = |span: jp::Span| {
        proto_to_traces(jp::Batch {
            spans: vec![span],
            process: None,
        })
        .unwrap_err()
    };
    let mut short = p_span(1, vec![]);
    short.trace_id = vec![1; 15];
    assert_eq!(
        refused(short),
        ProtoError::ShortId {
            what: "trace_id",
            len: 15
        }
    );
    let mut short = p_span(1, vec![]);
    short.span_id = vec![1; 7];
    assert!(matches!(
        refused(short),
        ProtoError::ShortId { what: "span_id", .. }
    ));
    let mut bad = p_span(1, vec![]);
    bad.start_time = Some(jp::Timestamp {
        seconds: 0,
        nanos: -1,
    });
    assert!(matches!(refused(bad), ProtoError::BadTime(_)));
    let mut bad = p_span(1, vec![]);
    bad.duration = Some(jp::Duration {
        seconds: 1,
        nanos: -1,
    });
    assert!(matches!(refused(bad), ProtoError::BadTime(_)));
    let mut bad = p_span(1, vec![]);
    bad.duration = Some(jp::Duration {
        seconds: i64::MAX,
        nanos: 0,
    });
    assert!(matches!(refused(bad), ProtoError::BadTime(_)));
    // Longer ids: their first 16 / 8 bytes, as gogo reads them.
    let mut long = p_span(1, vec![]);
    long.span_id = vec![0, 0, 0, 0, 0, 0, 0, 5, 9, 9];
    let rs = proto_to_traces(jp::Batch {
        spans: vec![long],
        process: None,
    })
    .unwrap()
    .into_request()
    .resource_spans;
    assert_eq!(rs[0].scope_spans[0].spans[0].span_id, [0, 0, 0, 0, 0, 0, 0, 5]);
}
