//! The collector's Thrift HTTP endpoint against a real peer (Python
//! `jaeger-client` building the batch, the `thrift` library serializing it
//! with `TBinaryProtocol`, POSTed as Jaeger's HTTP senders do), Go's
//! statuses, and hostile bodies.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;

use bytes::Bytes;
use common::{Harness, all_spans, assert_span, attr, run_python, wait_spans};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use otelcol_component::ConsumeError;
use otelcol_component::proto::common::v1::any_value::Value;
use otelcol_component::proto::trace::v1::span::SpanKind;
use otelcol_component::proto::trace::v1::status::StatusCode as OtlpStatus;
use otelcol_componenttest::{ErrConsumer, TracesSink};
use otelcol_configcompression::{CompressionParams, CompressionType, compress};
use otelcol_receiver_jaeger::thrift::ThriftProtocol::Binary;
use otelcol_receiver_jaeger::thrift::encode;
use otelcol_receiver_jaeger::thrift::jaeger::{Batch, Process, Span};

const HTTP: &str = "protocols:\n  thrift_http: {endpoint: 127.0.0.1:0, max_request_body_size: 65536}\n";

struct Answer {
    status: StatusCode,
    content_type: Option<String>,
    body: String,
}

async fn call(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Answer {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut req = Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = client
        .request(req.body(Full::new(Bytes::from(body))).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        content_type,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

async fn post(addr: SocketAddr, content_type: &str, body: Vec<u8>) -> Answer {
    call(
        addr,
        "POST",
        "/api/traces",
        &[("content-type", content_type)],
        body,
    )
    .await
}

fn batch(name: &str) -> Batch {
    Batch {
        process: Process {
            service_name: "svc".into(),
            tags: None,
        },
        spans: vec![Span {
            trace_id_low: 1,
            span_id: 2,
            operation_name: name.into(),
            start_time: 10,
            duration: 1,
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thrift_library_batch_over_http() {
    let sink = TracesSink::new();
    let h = Harness::start(HTTP, sink.clone()).await;
    let addr = h.receiver.thrift_http_addr().unwrap();
    let sent = run_python(
        "thrift_http_send.py",
        &[format!(
            "http://{addr}{}",
            otelcol_receiver_jaeger::API_TRACES_PATH
        )],
    )
    .await;
    // Go's handler answers 202 Accepted with no body.
    assert_eq!(sent["status"], 202, "{sent}");
    assert_eq!(sent["body"], "");
    wait_spans(&sink, 3).await;
    let spans = all_spans(&sink);
    let want = sent["spans"].as_array().unwrap();
    for (res, _, span) in &spans {
        assert_eq!(
            attr(res, "service.name"),
            Some(&Value::StringValue("py-http".into()))
        );
        assert!(attr(res, "host.name").is_some() && attr(res, "opencensus.exporterversion").is_some());
        assert_span(
            span,
            want.iter().find(|w| w["name"] == span.name.as_str()).unwrap(),
        );
    }
    let by_name = |n: &str| &spans.iter().find(|s| s.2.name == n).unwrap().2;
    let (parent, child, later) = (
        by_name("http-parent"),
        by_name("http-child"),
        by_name("http-later"),
    );
    assert_eq!(parent.kind, SpanKind::Server as i32);
    assert_eq!(child.kind, SpanKind::Producer as i32);
    let status = child.status.as_ref().unwrap();
    assert_eq!(
        (status.code, status.message.as_str()),
        (OtlpStatus::Error as i32, "queue full")
    );
    assert_eq!(attr(&child.attributes, "weight"), Some(&Value::DoubleValue(1.5)));
    assert_eq!(child.events[0].name, "enqueue");
    // A FOLLOWS_FROM reference: the parent (no CHILD_OF), and a link.
    assert_eq!(later.parent_span_id, parent.span_id);
    assert_eq!(later.links.len(), 1);
    assert_eq!(later.links[0].span_id, parent.span_id);
    assert_eq!(
        attr(&later.links[0].attributes, "opentracing.ref_type"),
        Some(&Value::StringValue("follows_from".into()))
    );
    assert_eq!(h.metrics.spans("accepted", "collector_http"), 3);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_and_hostile_bodies() {
    let sink = TracesSink::new();
    let h = Harness::start(HTTP, sink.clone()).await;
    let addr = h.receiver.thrift_http_addr().unwrap();
    let valid = encode::batch(Binary, &batch("ok"));
    let deep = {
        let mut v = vec![];
        for _ in 0..1000 {
            v.extend([0x0c, 0x00, 0x01]);
        }
        v
    };
    let huge_list = {
        let mut v = vec![0x0f, 0x00, 0x02, 0x0c, 0x7f, 0xff, 0xff, 0xff];
        v.extend([0; 16]);
        v
    };
    let thrift = "application/x-thrift";
    // (what, content type, body, status, body starts with)
    let cases: Vec<(&str, &str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "no content type",
            "",
            valid.clone(),
            StatusCode::BAD_REQUEST,
            "Cannot parse content type: mime: no media type",
        ),
        (
            "json",
            "application/json",
            valid.clone(),
            StatusCode::BAD_REQUEST,
            "Unsupported content type: application/json",
        ),
        (
            "escaped",
            "text/a&b",
            valid.clone(),
            StatusCode::BAD_REQUEST,
            "Unsupported content type: text/a&amp;b",
        ),
        (
            "empty body",
            thrift,
            vec![],
            StatusCode::BAD_REQUEST,
            "Unable to process request body: ",
        ),
        (
            "garbage",
            thrift,
            vec![0xff; 64],
            StatusCode::BAD_REQUEST,
            "Unable to process request body: ",
        ),
        (
            "truncated",
            thrift,
            valid[..valid.len() - 3].to_vec(),
            StatusCode::BAD_REQUEST,
            "Unable to process request body: ",
        ),
        (
            "deep",
            thrift,
            deep,
            StatusCode::BAD_REQUEST,
            "Unable to process request body: structs and containers nest deeper",
        ),
        (
            "huge list",
            thrift,
            huge_list,
            StatusCode::BAD_REQUEST,
            "Unable to process request body: list of 2147483647 does not fit",
        ),
        (
            "too large",
            thrift,
            vec![0; 70_000],
            StatusCode::INTERNAL_SERVER_ERROR,
            "Unable to process request body: http: request body too large",
        ),
    ];
    let n = cases.len() as u64;
    for (what, ct, body, status, prefix) in cases {
        let headers: Vec<(&str, &str)> = if ct.is_empty() {
            vec![]
        } else {
            vec![("content-type", ct)]
        };
        let a = call(addr, "POST", "/api/traces", &headers, body).await;
        assert_eq!(a.status, status, "{what}: {}", a.body);
        assert!(a.body.starts_with(prefix), "{what}: {:?}", a.body);
        assert!(a.body.ends_with('\n'), "{what}");
        assert_eq!(
            a.content_type.as_deref(),
            Some("text/plain; charset=utf-8"),
            "{what}"
        );
    }
    assert_eq!(h.metrics.refused_requests("collector_http", "malformed"), n);
    // Routing as Go's mux: other paths 404, other methods 405.
    let a = call(
        addr,
        "POST",
        "/api/trace",
        &[("content-type", thrift)],
        valid.clone(),
    )
    .await;
    assert_eq!(
        (a.status, a.body.as_str()),
        (StatusCode::NOT_FOUND, "404 page not found\n")
    );
    let a = call(addr, "GET", "/api/traces", &[], vec![]).await;
    assert_eq!((a.status, a.body.as_str()), (StatusCode::METHOD_NOT_ALLOWED, ""));
    // Content-Encoding: an unknown one is refused, gzip and zstd are read.
    let a = call(
        addr,
        "POST",
        "/api/traces",
        &[("content-type", thrift), ("content-encoding", "br")],
        valid.clone(),
    )
    .await;
    assert_eq!(
        (a.status, a.body.as_str()),
        (StatusCode::BAD_REQUEST, "unsupported Content-Encoding: br\n")
    );
    for enc in ["gzip", "zstd"] {
        let ty: CompressionType = enc.parse().unwrap();
        let body = compress(
            ty,
            CompressionParams::default(),
            &encode::batch(Binary, &batch(enc)),
        )
        .unwrap();
        let a = call(
            addr,
            "POST",
            "/api/traces",
            &[("content-type", thrift), ("content-encoding", enc)],
            body,
        )
        .await;
        assert_eq!(a.status, StatusCode::ACCEPTED, "{enc}: {}", a.body);
    }
    // A corrupt gzip stream.
    let a = call(
        addr,
        "POST",
        "/api/traces",
        &[("content-type", thrift), ("content-encoding", "gzip")],
        vec![0x1f, 0x8b, 0, 1, 2, 3],
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    // A gzip bomb stops at the body limit.
    let bomb = compress(
        CompressionType::Gzip,
        CompressionParams::default(),
        &vec![0u8; 10 << 20],
    )
    .unwrap();
    let a = call(
        addr,
        "POST",
        "/api/traces",
        &[("content-type", thrift), ("content-encoding", "gzip")],
        bomb,
    )
    .await;
    assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", a.body);
    // After all that, a valid batch (the other accepted content type) goes through.
    let a = post(addr, "application/vnd.apache.thrift.binary; charset=x", valid).await;
    assert_eq!(
        (a.status, a.body.as_str(), a.content_type),
        (StatusCode::ACCEPTED, "", None)
    );
    wait_spans(&sink, 3).await;
    let names: Vec<String> = all_spans(&sink).into_iter().map(|s| s.2.name).collect();
    assert_eq!(names, ["gzip", "zstd", "ok"]);
    assert_eq!(h.metrics.spans("accepted", "collector_http"), 3);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipeline_errors_are_500_as_in_go() {
    for err in [
        ConsumeError::retryable("try later"),
        ConsumeError::permanent("bad data"),
    ] {
        let next = ErrConsumer::new(err.clone());
        let h = Harness::start(HTTP, next).await;
        let addr = h.receiver.thrift_http_addr().unwrap();
        let a = post(addr, "application/x-thrift", encode::batch(Binary, &batch("x"))).await;
        assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(a.body, format!("Cannot submit Jaeger batch: {err}\n"));
        assert_eq!(h.metrics.spans("refused", "collector_http"), 1);
        assert_eq!(h.metrics.spans("accepted", "collector_http"), 0);
        h.stop().await;
    }
    // An empty batch is accepted without calling the pipeline.
    let next = ErrConsumer::new(ConsumeError::permanent("never called"));
    let h = Harness::start(HTTP, next).await;
    let mut empty = batch("x");
    empty.spans.clear();
    let a = post(
        h.receiver.thrift_http_addr().unwrap(),
        "application/x-thrift",
        encode::batch(Binary, &empty),
    )
    .await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_headers_and_metadata() {
    let sink = TracesSink::new();
    let h = Harness::start(
        "protocols:\n  thrift_http:\n    endpoint: 127.0.0.1:0\n    include_metadata: true\n    response_headers: {x-served-by: jaeger}\n",
        sink.clone(),
    )
    .await;
    let addr = h.receiver.thrift_http_addr().unwrap();
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let req = Request::post(format!("http://{addr}/api/traces"))
        .header("content-type", "application/x-thrift")
        .header("x-tenant", "acme")
        .body(Full::new(Bytes::from(encode::batch(Binary, &batch("m")))))
        .unwrap();
    let resp = client.request(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert_eq!(resp.headers()["x-served-by"], "jaeger");
    wait_spans(&sink, 1).await;
    use otelcol_component::Payload;
    let ctx = sink.all()[0].context().clone();
    assert_eq!(ctx.client().unwrap().metadata_values("x-tenant"), ["acme"]);
    h.stop().await;
}
