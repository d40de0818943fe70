//! The receiver over HTTP: the Zipkin project's example documents in all
//! four formats, compression, Go's answers to pipeline errors, the
//! self-metrics, and hostile bodies.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use otelcol_component::proto::common::v1::any_value::Value;
use otelcol_component::proto::trace::v1::span::SpanKind;
use otelcol_component::proto::trace::v1::status::StatusCode as OtelStatus;
use otelcol_component::{ConsumeError, Traces};
use otelcol_componenttest::{ErrConsumer, Sink};
use otelcol_configcompression::{CompressionParams, CompressionType, compress};
use otelcol_receiver_zipkin::v2_proto::{self, ListOfSpans};
use prost::Message;

const V2: &str = "/api/v2/spans";
const V1: &str = "/api/v1/spans";
const JSON: &str = "application/json";
const PROTO: &str = "application/x-protobuf";
const THRIFT: &str = "application/x-thrift";

#[tokio::test]
async fn zipkin_v2_json_example() {
    let (r, sink) = start_with_sink(loopback()).await;
    let a = post(&r.url(V2), JSON, testdata("v2_spans.json")).await;
    assert_eq!(a.status, 202, "{}", a.body);
    assert_eq!(a.body, "");
    let spans = spans(&sink);
    assert_eq!(spans.len(), 4);
    // One resource per local service, sorted by it (as Go sorts).
    let services: Vec<&str> = spans.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(services, ["backend", "backend", "frontend", "frontend"]);

    let (_, root) = span_named(&spans, "get /");
    assert_eq!(hex(&root.trace_id), "00000000000000005af7183fb1d4cf5f");
    assert_eq!(hex(&root.span_id), "6b221d5bc9e6496c");
    assert!(root.parent_span_id.is_empty());
    assert_eq!(root.kind, SpanKind::Server as i32);
    assert_eq!(root.start_time_unix_nano, 1_556_604_172_354_000_000);
    assert_eq!(root.end_time_unix_nano, 1_556_604_172_357_800_000);
    assert_eq!(
        str_attr(&root.attributes, "http.status_code").as_deref(),
        Some("200")
    );
    assert_eq!(
        str_attr(&root.attributes, "network.local.address").as_deref(),
        Some("172.19.0.2")
    );
    assert_eq!(
        attr(&root.attributes, "net.host.port"),
        Some(&Value::IntValue(8081))
    );
    assert_eq!(
        str_attr(&root.attributes, "network.peer.address").as_deref(),
        Some("2001:db8::c001")
    );
    assert_eq!(
        attr(&root.attributes, "net.peer.port"),
        Some(&Value::IntValue(51120))
    );

    let client = spans
        .iter()
        .find(|(_, s)| s.kind == SpanKind::Client as i32)
        .map(|(_, s)| s)
        .unwrap();
    assert_eq!(hex(&client.parent_span_id), "6b221d5bc9e6496c");
    assert_eq!(
        str_attr(&client.attributes, "service.peer.name").as_deref(),
        Some("backend")
    );
    let events: Vec<(&str, u64)> = client
        .events
        .iter()
        .map(|e| (e.name.as_str(), e.time_unix_nano))
        .collect();
    assert_eq!(
        events,
        [
            ("ws", 1_556_604_172_355_800_000),
            ("wr", 1_556_604_172_357_100_000)
        ]
    );

    let server = spans
        .iter()
        .find(|(svc, s)| svc == "backend" && s.kind == SpanKind::Server as i32)
        .map(|(_, s)| s)
        .unwrap();
    let status = server.status.clone().unwrap();
    assert_eq!(
        status.code,
        OtelStatus::Error as i32,
        "an error tag makes the span an error"
    );
    assert_eq!(
        str_attr(&server.attributes, "error").as_deref(),
        Some("connection reset")
    );

    let (_, producer) = span_named(&spans, "send orders");
    assert_eq!(hex(&producer.trace_id), "463ac35c9f6413ad48485a3953bb6124");
    assert_eq!(producer.kind, SpanKind::Producer as i32);
    assert_eq!(str_attr(&producer.attributes, "retries").as_deref(), Some("3"));
    assert_eq!(
        str_attr(&producer.attributes, "service.peer.name").as_deref(),
        Some("kafka")
    );

    assert_eq!(r.count("accepted", "http_v2_json"), 4);
    assert_eq!(r.count("refused", "http_v2_json"), 0);
}

#[tokio::test]
async fn parse_string_tags_types_the_tags() {
    let mut cfg = loopback();
    cfg.parse_string_tags = true;
    let (r, sink) = start_with_sink(cfg).await;
    assert_eq!(
        post(&r.url(V2), JSON, testdata("v2_spans.json")).await.status,
        202
    );
    let spans = spans(&sink);
    let (_, producer) = span_named(&spans, "send orders");
    assert_eq!(attr(&producer.attributes, "retries"), Some(&Value::IntValue(3)));
    assert_eq!(
        attr(&producer.attributes, "ratio"),
        Some(&Value::DoubleValue(0.75))
    );
    assert_eq!(
        attr(&producer.attributes, "sampled"),
        Some(&Value::BoolValue(true))
    );
    assert_eq!(
        str_attr(&producer.attributes, "messaging.destination").as_deref(),
        Some("orders")
    );
}

#[tokio::test]
async fn zipkin_v1_json_example() {
    let (r, sink) = start_with_sink(loopback()).await;
    let a = post(&r.url(V1), JSON, testdata("v1_spans.json")).await;
    assert_eq!(a.status, 202, "{}", a.body);
    let res = resources(&sink);
    assert_eq!(res.len(), 3, "one resource per endpoint");
    let spans = spans(&sink);

    let (svc, client) = &spans[0];
    assert_eq!(svc, "frontend");
    assert_eq!(client.kind, SpanKind::Client as i32);
    assert_eq!(client.start_time_unix_nano, 1_556_604_172_355_737_000);
    assert_eq!(client.end_time_unix_nano, 1_556_604_172_357_168_000);
    assert_eq!(client.events.len(), 1);
    assert_eq!(client.events[0].name, "ws");
    assert_eq!(str_attr(&client.attributes, "sa").as_deref(), Some("true"));
    let r0 = res[0].resource.as_ref().unwrap();
    assert_eq!(str_attr(&r0.attributes, "ipv4").as_deref(), Some("172.19.0.2"));
    assert_eq!(str_attr(&r0.attributes, "port").as_deref(), Some("8081"));

    let (svc, server) = &spans[1];
    assert_eq!(svc, "backend");
    assert_eq!(server.kind, SpanKind::Server as i32);
    assert_eq!(
        (server.start_time_unix_nano, server.end_time_unix_nano),
        (1_556_604_172_355_900_000, 1_556_604_172_357_000_000),
        "from the sr/ss annotations"
    );
    assert_eq!(server.status.clone().unwrap().code, OtelStatus::Error as i32);
    assert_eq!(
        str_attr(&server.attributes, "http.status_code").as_deref(),
        Some("500")
    );
    assert!(attr(&server.attributes, "error").is_none());

    let (svc, query) = &spans[2];
    assert_eq!(svc, "jdbc", "a span without endpoints is named by its lc");
    assert_eq!(str_attr(&query.attributes, "component").as_deref(), Some("jdbc"));
    assert_eq!(hex(&query.parent_span_id), "352bff9a74ca9ad2");
    assert_eq!(r.count("accepted", "http_v1_json"), 3);
}

#[tokio::test]
async fn zipkin_v2_protobuf() {
    let (r, sink) = start_with_sink(loopback()).await;
    let span = v2_proto::Span {
        trace_id: (1..=16).collect(),
        id: vec![0, 0, 0, 0, 0, 0, 0, 0x2a],
        parent_id: vec![0, 0, 0, 0, 0, 0, 0, 0x01],
        kind: v2_proto::SpanKind::Consumer as i32,
        name: "process".into(),
        timestamp: 1_556_604_172_355_737,
        duration: 10,
        local_endpoint: Some(v2_proto::Endpoint {
            service_name: "worker".into(),
            ipv4: vec![10, 1, 2, 3],
            ipv6: Vec::new(),
            port: 7000,
        }),
        remote_endpoint: None,
        annotations: vec![v2_proto::Annotation {
            timestamp: 1_556_604_172_355_740,
            value: "got it".into(),
        }],
        tags: [("otel.status_code".to_string(), "ERROR".to_string())].into(),
        debug: false,
        shared: false,
    };
    let body = ListOfSpans { spans: vec![span] }.encode_to_vec();
    let a = post(&r.url(V2), PROTO, body).await;
    assert_eq!(a.status, 202, "{}", a.body);
    let spans = spans(&sink);
    let (svc, s) = &spans[0];
    assert_eq!(svc, "worker");
    assert_eq!(hex(&s.trace_id), "0102030405060708090a0b0c0d0e0f10");
    assert_eq!(hex(&s.span_id), "000000000000002a");
    assert_eq!(s.kind, SpanKind::Consumer as i32);
    assert_eq!(s.end_time_unix_nano - s.start_time_unix_nano, 10_000);
    assert_eq!(s.events[0].name, "got it");
    assert_eq!(s.status.clone().unwrap().code, OtelStatus::Error as i32);
    assert_eq!(
        str_attr(&s.attributes, "network.local.address").as_deref(),
        Some("10.1.2.3")
    );
    assert_eq!(r.count("accepted", "http_v2_proto"), 1);
}

/// A Thrift binary `list<Span>` with one server span.
fn thrift_span_list() -> Vec<u8> {
    let mut b = vec![12u8];
    b.extend_from_slice(&1i32.to_be_bytes());
    let field = |b: &mut Vec<u8>, ty: u8, id: i16| {
        b.push(ty);
        b.extend_from_slice(&id.to_be_bytes());
    };
    let string = |b: &mut Vec<u8>, s: &[u8]| {
        b.extend_from_slice(&(s.len() as i32).to_be_bytes());
        b.extend_from_slice(s);
    };
    field(&mut b, 10, 1);
    b.extend_from_slice(&0x5af7183fb1d4cf5fi64.to_be_bytes());
    field(&mut b, 11, 3);
    string(&mut b, b"get /api");
    field(&mut b, 10, 4);
    b.extend_from_slice(&0x352bff9a74ca9ad2i64.to_be_bytes());
    field(&mut b, 15, 6);
    b.push(12);
    b.extend_from_slice(&2i32.to_be_bytes());
    for (ts, v) in [(1_556_604_172_355_900i64, "sr"), (1_556_604_172_357_000, "ss")] {
        field(&mut b, 10, 1);
        b.extend_from_slice(&ts.to_be_bytes());
        field(&mut b, 11, 2);
        string(&mut b, v.as_bytes());
        field(&mut b, 12, 3);
        field(&mut b, 8, 1);
        b.extend_from_slice(&[172, 19, 0, 3]);
        field(&mut b, 6, 2);
        b.extend_from_slice(&9000i16.to_be_bytes());
        field(&mut b, 11, 3);
        string(&mut b, b"backend");
        b.push(0);
        b.push(0);
    }
    field(&mut b, 15, 8);
    b.push(12);
    b.extend_from_slice(&1i32.to_be_bytes());
    field(&mut b, 11, 1);
    string(&mut b, b"http.status_code");
    field(&mut b, 11, 2);
    string(&mut b, &500i16.to_be_bytes());
    field(&mut b, 8, 3);
    b.extend_from_slice(&2i32.to_be_bytes()); // I16
    b.push(0);
    b.push(0);
    b
}

#[tokio::test]
async fn zipkin_v1_thrift() {
    let (r, sink) = start_with_sink(loopback()).await;
    let a = post(&r.url(V1), THRIFT, thrift_span_list()).await;
    assert_eq!(a.status, 202, "{}", a.body);
    let spans = spans(&sink);
    let (svc, s) = &spans[0];
    assert_eq!(svc, "backend");
    assert_eq!(s.kind, SpanKind::Server as i32);
    assert_eq!(hex(&s.span_id), "352bff9a74ca9ad2");
    assert_eq!(
        attr(&s.attributes, "http.status_code"),
        Some(&Value::IntValue(500))
    );
    assert_eq!(s.status.clone().unwrap().code, OtelStatus::Error as i32);
    assert_eq!(r.count("accepted", "http_v1_thrift"), 1);
}

#[tokio::test]
async fn compressed_bodies() {
    let (r, sink) = start_with_sink(loopback()).await;
    let body = testdata("v2_spans.json");
    let encoded: Vec<(&str, Vec<u8>)> = vec![
        ("gzip", gzip(&body)),
        ("deflate", zlib(&body)),
        ("zlib", zlib(&body)),
        (
            "zstd",
            compress(CompressionType::Zstd, CompressionParams::default(), &body).unwrap(),
        ),
        (
            "snappy",
            compress(CompressionType::Snappy, CompressionParams::default(), &body).unwrap(),
        ),
        (
            "lz4",
            compress(CompressionType::Lz4, CompressionParams::default(), &body).unwrap(),
        ),
    ];
    for (enc, data) in &encoded {
        let a = send(
            "POST",
            &r.url(V2),
            &[("content-type", JSON), ("content-encoding", enc)],
            data.clone(),
        )
        .await;
        assert_eq!(a.status, 202, "{enc}: {}", a.body);
    }
    assert_eq!(span_count(&sink), 4 * encoded.len());
}

#[tokio::test]
async fn pipeline_errors_are_answered_as_go_answers_them() {
    let cases: [(ConsumeError, u16, &str); 3] = [
        (ConsumeError::permanent("bad data"), 400, "\"Bad Request\""),
        (
            ConsumeError::retryable("backend down"),
            500,
            "\"Internal Server Error\"",
        ),
        (
            ConsumeError::retryable_after("busy", Duration::from_millis(1500)),
            500,
            "\"Internal Server Error\"",
        ),
    ];
    for (i, (err, status, body)) in cases.into_iter().enumerate() {
        let consumer = ErrConsumer::new(err);
        let r = start(loopback(), consumer.clone()).await;
        let a = post(&r.url(V2), JSON, testdata("v2_spans.json")).await;
        assert_eq!(a.status, status);
        assert_eq!(a.body, body);
        assert_eq!(consumer.calls(), 1);
        assert_eq!(r.count("refused", "http_v2_json"), 4);
        assert_eq!(r.count("accepted", "http_v2_json"), 0);
        if i == 2 {
            assert_eq!(a.headers["retry-after"], "2");
        }
    }
    // A partial rejection: the rest was taken, so it is not resent.
    let consumer = ErrConsumer::new(ConsumeError::partially_rejected(1, "one dropped"));
    let r = start(loopback(), consumer).await;
    assert_eq!(
        post(&r.url(V2), JSON, testdata("v2_spans.json")).await.status,
        202
    );
    assert_eq!(
        (
            r.count("accepted", "http_v2_json"),
            r.count("refused", "http_v2_json")
        ),
        (3, 1)
    );
}

#[tokio::test]
async fn http_behaviour() {
    let mut cfg = loopback();
    cfg.server.include_metadata = true;
    cfg.server.cors = Some(otelcol_confighttp::CorsConfig {
        allowed_origins: vec!["https://*.example.com".into()],
        ..Default::default()
    });
    cfg.server.response_headers = [("X-Collector".to_string(), "otelcol-rs".to_string())].into();
    let (r, sink) = start_with_sink(cfg).await;
    // Only POST.
    let a = send("GET", &r.url(V2), &[], "").await;
    assert_eq!(a.status, 405);
    assert_eq!(a.headers["allow"], "POST");
    // An empty list is accepted without calling the pipeline.
    let a = post(&r.url(V2), JSON, "[]").await;
    assert_eq!(a.status, 202);
    assert_eq!(sink.payload_count(), 0);
    assert_eq!(a.headers["x-collector"], "otelcol-rs");
    // CORS preflight and actual request from a browser tracer.
    let a = send(
        "OPTIONS",
        &r.url(V2),
        &[
            ("origin", "https://app.example.com"),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "content-type"),
        ],
        "",
    )
    .await;
    assert_eq!(a.status, 204);
    assert_eq!(
        a.headers["access-control-allow-origin"],
        "https://app.example.com"
    );
    let a = send(
        "POST",
        &r.url(V2),
        &[
            ("content-type", JSON),
            ("origin", "https://app.example.com"),
            ("x-tenant", "blue"),
        ],
        testdata("v2_spans.json"),
    )
    .await;
    assert_eq!(a.status, 202);
    assert_eq!(
        a.headers["access-control-allow-origin"],
        "https://app.example.com"
    );
    // include_metadata: the headers travel with the spans.
    let got: Vec<Traces> = sink.all();
    let ctx = otelcol_component::Payload::context(&got[0]);
    let client = ctx.client().unwrap();
    assert_eq!(client.metadata_values("x-tenant"), ["blue"]);
    assert!(client.address.is_some());
    // Any other path is v2, as in Go.
    assert_eq!(post(&r.url("/"), JSON, "[]").await.status, 202);
    r.receiver_shutdown().await;
}

/// A body refused: 400 with the reason, nothing sent on, nothing counted.
async fn refused(
    r: &Running,
    sink: &Sink<Traces>,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
    want: &str,
) {
    let a = send("POST", &r.url(path), headers, body).await;
    assert_eq!(a.status, 400, "{want}: {}", a.body);
    assert!(a.body.contains(want), "wanted {want:?} in {:?}", a.body);
    assert!(
        a.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(sink.payload_count(), 0, "{want}");
}

#[tokio::test]
async fn hostile_bodies_are_refused_with_a_reason() {
    let mut cfg = loopback();
    cfg.server.max_request_body_size = 64 * 1024;
    let (r, sink) = start_with_sink(cfg).await;
    let json = [("content-type", JSON)];
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (V2, b"".to_vec(), "invalid Zipkin v2 JSON body: EOF while parsing"),
        (V2, b"{\"traceId\":\"1\"}".to_vec(), "expected a list of spans"),
        (V2, b"[{\"traceId\": 5".to_vec(), "invalid type: integer"),
        (
            V2,
            br#"[{"traceId":"5af7183fb1d4cf5f"}]"#.to_vec(),
            "span #0: valid span id required",
        ),
        (
            V2,
            br#"[{"traceId":"xyz","id":"1"}]"#.to_vec(),
            "is not 1 to 32 hex digits",
        ),
        (
            V2,
            br#"[{"traceId":"00000000","id":"1"}]"#.to_vec(),
            "traceId is all zeros",
        ),
        (
            V2,
            br#"[{"traceId":"1","id":"2","tags":{"a":{"b":1}}}]"#.to_vec(),
            "expected a string",
        ),
        (
            V2,
            br#"[{"traceId":"1","id":"2","timestamp":"now"}]"#.to_vec(),
            "invalid type: string",
        ),
        (
            V2,
            br#"[{"traceId":"1","id":"2","localEndpoint":{"ipv4":"999.1.1.1"}}]"#.to_vec(),
            "invalid IP address",
        ),
        (
            V2,
            format!("[{}]", "[".repeat(50_000)).into_bytes(),
            "expected a span object",
        ),
        (V2, b"\xff\xfe garbage".to_vec(), "invalid Zipkin v2 JSON body"),
        (V1, b"[{}]".to_vec(), "hex traceId span has wrong length"),
        (
            V1,
            br#"[{"traceId":"5af7183fb1d4cf5f","id":"0000000000000000"}]"#.to_vec(),
            "ID is zero",
        ),
        (V1, b"not json".to_vec(), "invalid Zipkin v1 JSON body"),
    ];
    for (path, body, want) in cases {
        refused(&r, &sink, path, &json, body, want).await;
    }
    let proto = [("content-type", PROTO)];
    refused(
        &r,
        &sink,
        V2,
        &proto,
        b"\x0a\xff\xff\xff\xff\x0f".to_vec(),
        "invalid Zipkin v2 protobuf body",
    )
    .await;
    let bad_id = ListOfSpans {
        spans: vec![v2_proto::Span {
            trace_id: vec![1; 3],
            ..Default::default()
        }],
    };
    refused(
        &r,
        &sink,
        V2,
        &proto,
        bad_id.encode_to_vec(),
        "trace_id has length 3",
    )
    .await;
    let thrift = [("content-type", THRIFT)];
    refused(&r, &sink, V1, &thrift, vec![12, 0x7f, 0, 0, 0], "larger than").await;
    let mut cut = thrift_span_list();
    cut.truncate(cut.len() - 3);
    refused(&r, &sink, V1, &thrift, cut, "unexpected end of data").await;
    // Too large, before and after decompression; corrupt or unknown encodings.
    refused(
        &r,
        &sink,
        V2,
        &json,
        vec![b' '; 65 * 1024],
        "request body too large: the limit is 65536 bytes",
    )
    .await;
    let bomb = gzip(&vec![b' '; 10 * 1024 * 1024]);
    let gz = [("content-type", JSON), ("content-encoding", "gzip")];
    refused(&r, &sink, V2, &gz, bomb, "request body too large").await;
    refused(&r, &sink, V2, &gz, b"not gzip".to_vec(), "failed to decompress").await;
    let br = [("content-type", JSON), ("content-encoding", "br")];
    refused(
        &r,
        &sink,
        V2,
        &br,
        b"[]".to_vec(),
        "unsupported Content-Encoding: br",
    )
    .await;
    for transport in ["http_v1_json", "http_v1_thrift", "http_v2_json", "http_v2_proto"] {
        assert_eq!(
            r.count("accepted", transport) + r.count("refused", transport),
            0,
            "{transport}"
        );
    }
    // The receiver still works.
    assert_eq!(
        post(&r.url(V2), JSON, testdata("v2_spans.json")).await.status,
        202
    );
    assert_eq!(span_count(&sink), 4);
}

#[tokio::test]
async fn shutdown_stops_the_listener() {
    let (r, _sink) = start_with_sink(loopback()).await;
    let addr = r.addr;
    r.receiver_shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

impl Running {
    async fn receiver_shutdown(&self) {
        use otelcol_component::Component;
        self.receiver.shutdown().await.unwrap();
        self.receiver.shutdown().await.unwrap();
    }
}
