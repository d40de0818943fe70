//! `jaeger.api_v2.CollectorService/PostSpans` with a tonic client over the
//! crate's hand-written prost messages (no gRPC Jaeger client is
//! installable here), Go's status codes, and hostile messages.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;

use common::{Harness, all_spans, attr, hex, wait_spans};
use http::uri::PathAndQuery;
use otelcol_component::proto::common::v1::any_value::Value;
use otelcol_component::proto::trace::v1::span::SpanKind;
use otelcol_component::proto::trace::v1::status::StatusCode;
use otelcol_component::{ConsumeError, Payload};
use otelcol_componenttest::{ErrConsumer, TracesSink};
use otelcol_receiver_jaeger::proto::{
    Batch, Duration, KeyValue, Log, POST_SPANS_PATH, PostSpansRequest, PostSpansResponse, Process, Span,
    SpanRef, SpanRefType, Timestamp, ValueType,
};
use tonic::codec::CompressionEncoding;
use tonic::transport::Channel;
use tonic_prost::ProstCodec;

const GRPC: &str = "protocols:\n  grpc: {endpoint: 127.0.0.1:0, include_metadata: true}\n";

async fn client(addr: SocketAddr) -> tonic::client::Grpc<Channel> {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    tonic::client::Grpc::new(channel)
}

async fn unary<M: prost::Message + Default + Send + Sync + 'static>(
    grpc: &mut tonic::client::Grpc<Channel>,
    path: &'static str,
    msg: M,
    metadata: &[(&'static str, &'static str)],
) -> Result<PostSpansResponse, tonic::Status> {
    grpc.ready().await.unwrap();
    let mut req = tonic::Request::new(msg);
    for (k, v) in metadata {
        req.metadata_mut().insert(*k, v.parse().unwrap());
    }
    grpc.unary(
        req,
        PathAndQuery::from_static(path),
        ProstCodec::<M, PostSpansResponse>::default(),
    )
    .await
    .map(tonic::Response::into_inner)
}

fn kv(key: &str, v_type: ValueType) -> KeyValue {
    KeyValue {
        key: key.into(),
        v_type: v_type as i32,
        ..Default::default()
    }
}

fn s(key: &str, v: &str) -> KeyValue {
    KeyValue {
        v_str: v.into(),
        ..kv(key, ValueType::String)
    }
}

const TRACE: [u8; 16] = [0xa1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

fn span(id: u8, name: &str, tags: Vec<KeyValue>) -> Span {
    Span {
        trace_id: TRACE.to_vec(),
        span_id: vec![0, 0, 0, 0, 0, 0, 0, id],
        operation_name: name.into(),
        start_time: Some(Timestamp {
            seconds: 1_700_000_000,
            nanos: 123_456_789,
        }),
        duration: Some(Duration {
            seconds: 0,
            nanos: 5_000_000,
        }),
        tags,
        ..Default::default()
    }
}

fn request() -> PostSpansRequest {
    let mut parent = span(
        1,
        "grpc-parent",
        vec![
            s("span.kind", "server"),
            s("otel.scope.name", "io.example"),
            s("otel.scope.version", "1.2"),
            s("w3c.tracestate", "vendor=x"),
            KeyValue {
                v_bool: true,
                ..kv("flag", ValueType::Bool)
            },
            KeyValue {
                v_int64: -42,
                ..kv("n", ValueType::Int64)
            },
            KeyValue {
                v_float64: 0.5,
                ..kv("f", ValueType::Float64)
            },
            KeyValue {
                v_binary: vec![0xde, 0xad],
                ..kv("raw", ValueType::Binary)
            },
        ],
    );
    parent.logs = vec![Log {
        timestamp: Some(Timestamp {
            seconds: 1_700_000_000,
            nanos: 200_000_000,
        }),
        fields: vec![s("event", "started"), s("phase", "init")],
    }];
    let mut child = span(
        2,
        "grpc-child",
        vec![
            s("span.kind", "client"),
            KeyValue {
                v_bool: true,
                ..kv("error", ValueType::Bool)
            },
            s("otel.status_description", "timeout"),
        ],
    );
    child.references = vec![SpanRef {
        trace_id: TRACE.to_vec(),
        span_id: vec![0, 0, 0, 0, 0, 0, 0, 1],
        ref_type: SpanRefType::ChildOf as i32,
    }];
    // A span with its own process: its own resource.
    let mut other = span(3, "grpc-other", vec![]);
    other.process = Some(Process {
        service_name: "other-svc".into(),
        tags: vec![],
    });
    PostSpansRequest {
        batch: Some(Batch {
            spans: vec![parent, child, other],
            process: Some(Process {
                service_name: "grpc-svc".into(),
                tags: vec![s("hostname", "box"), s("jaeger.version", "Go-2.30.0")],
            }),
        }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_spans_arrive_intact() {
    let sink = TracesSink::new();
    let h = Harness::start(GRPC, sink.clone()).await;
    let mut grpc = client(h.receiver.grpc_addr().unwrap()).await;
    let resp = unary(&mut grpc, POST_SPANS_PATH, request(), &[("x-tenant", "acme")]).await;
    assert_eq!(resp.unwrap(), PostSpansResponse {});
    wait_spans(&sink, 3).await;
    let spans = all_spans(&sink);
    let find = |n: &str| spans.iter().find(|s| s.2.name == n).unwrap();
    let (res, scope, parent) = find("grpc-parent");
    assert_eq!(
        attr(res, "service.name"),
        Some(&Value::StringValue("grpc-svc".into()))
    );
    assert_eq!(attr(res, "host.name"), Some(&Value::StringValue("box".into())));
    assert_eq!(
        attr(res, "opencensus.exporterversion"),
        Some(&Value::StringValue("Jaeger-Go-2.30.0".into()))
    );
    assert_eq!(scope, "io.example");
    assert_eq!(hex(&parent.trace_id), hex(&TRACE));
    assert_eq!(parent.kind, SpanKind::Server as i32);
    assert_eq!(parent.trace_state, "vendor=x");
    assert_eq!(parent.start_time_unix_nano, 1_700_000_000_123_456_789);
    assert_eq!(parent.end_time_unix_nano, 1_700_000_000_128_456_789);
    assert_eq!(attr(&parent.attributes, "flag"), Some(&Value::BoolValue(true)));
    assert_eq!(attr(&parent.attributes, "n"), Some(&Value::IntValue(-42)));
    assert_eq!(attr(&parent.attributes, "f"), Some(&Value::DoubleValue(0.5)));
    assert_eq!(
        attr(&parent.attributes, "raw"),
        Some(&Value::BytesValue(vec![0xde, 0xad]))
    );
    assert_eq!(
        parent.attributes.len(),
        4,
        "scope, kind and trace state tags are consumed"
    );
    assert_eq!(parent.events[0].name, "started");
    assert_eq!(parent.events[0].time_unix_nano, 1_700_000_000_200_000_000);
    assert_eq!(
        attr(&parent.events[0].attributes, "phase"),
        Some(&Value::StringValue("init".into()))
    );
    let (_, _, child) = find("grpc-child");
    assert_eq!(child.parent_span_id, parent.span_id);
    assert!(child.links.is_empty());
    assert_eq!(child.kind, SpanKind::Client as i32);
    let st = child.status.as_ref().unwrap();
    assert_eq!(
        (st.code, st.message.as_str()),
        (StatusCode::Error as i32, "timeout")
    );
    assert!(child.attributes.is_empty());
    let (res, _, _) = find("grpc-other");
    assert_eq!(
        attr(res, "service.name"),
        Some(&Value::StringValue("other-svc".into()))
    );
    // Metadata in the request context (include_metadata).
    let ctx = sink.all()[0].context().clone();
    assert_eq!(ctx.client().unwrap().metadata_values("x-tenant"), ["acme"]);
    assert_eq!(h.metrics.spans("accepted", "grpc"), 3);

    // Compressed requests.
    sink.reset();
    let mut gz = client(h.receiver.grpc_addr().unwrap())
        .await
        .send_compressed(CompressionEncoding::Gzip);
    unary(&mut gz, POST_SPANS_PATH, request(), &[]).await.unwrap();
    wait_spans(&sink, 3).await;
    h.stop().await;
}

/// A message whose field 1 has the wrong wire type: it does not decode.
#[derive(Clone, PartialEq, prost::Message)]
struct Garbage {
    #[prost(fixed64, tag = "1")]
    x: u64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_as_grpc_go_answers() {
    let sink = TracesSink::new();
    let h = Harness::start(
        "protocols:\n  grpc: {endpoint: 127.0.0.1:0, max_recv_msg_size_mib: 1}\n",
        sink.clone(),
    )
    .await;
    let mut grpc = client(h.receiver.grpc_addr().unwrap()).await;
    let code = |r: Result<PostSpansResponse, tonic::Status>| r.unwrap_err().code();
    assert_eq!(
        code(unary(&mut grpc, POST_SPANS_PATH, Garbage { x: 1 }, &[]).await),
        tonic::Code::Internal
    );
    let mut short = request();
    short.batch.as_mut().unwrap().spans[0].trace_id = vec![1, 2, 3];
    let st = unary(&mut grpc, POST_SPANS_PATH, short, &[]).await.unwrap_err();
    assert_eq!(st.code(), tonic::Code::Internal);
    assert!(st.message().contains("buffer is too short"), "{}", st.message());
    let mut bad_time = request();
    bad_time.batch.as_mut().unwrap().spans[1].start_time = Some(Timestamp {
        seconds: 0,
        nanos: 2_000_000_000,
    });
    assert_eq!(
        code(unary(&mut grpc, POST_SPANS_PATH, bad_time, &[]).await),
        tonic::Code::Internal
    );
    assert_eq!(h.metrics.refused_requests("grpc", "malformed"), 3);
    assert_eq!(
        code(
            unary(
                &mut grpc,
                "/jaeger.api_v2.CollectorService/GetTrace",
                request(),
                &[]
            )
            .await
        ),
        tonic::Code::Unimplemented
    );
    // Over max_recv_msg_size: RESOURCE_EXHAUSTED, as grpc-go.
    let mut big = request();
    big.batch.as_mut().unwrap().spans[0]
        .tags
        .push(s("blob", &"x".repeat(2 << 20)));
    assert_eq!(
        code(unary(&mut grpc, POST_SPANS_PATH, big, &[]).await),
        tonic::Code::ResourceExhausted
    );
    // Nothing reached the pipeline; the server still serves.
    assert_eq!(sink.item_count(), 0);
    unary(&mut grpc, POST_SPANS_PATH, request(), &[]).await.unwrap();
    // An empty request is fine and forwards nothing.
    unary(&mut grpc, POST_SPANS_PATH, PostSpansRequest::default(), &[])
        .await
        .unwrap();
    wait_spans(&sink, 3).await;
    assert_eq!(sink.payload_count(), 1);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipeline_errors_are_unknown_as_in_go() {
    let next = ErrConsumer::new(ConsumeError::retryable("queue is full"));
    let h = Harness::start(GRPC, next).await;
    let mut grpc = client(h.receiver.grpc_addr().unwrap()).await;
    let st = unary(&mut grpc, POST_SPANS_PATH, request(), &[])
        .await
        .unwrap_err();
    assert_eq!(st.code(), tonic::Code::Unknown);
    assert_eq!(st.message(), "queue is full");
    assert_eq!(h.metrics.spans("refused", "grpc"), 3);
    h.stop().await;
}
