//! OTLP/HTTP error answers on loopback: protocol errors and pipeline errors.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

mod common;

use std::time::Duration;

use common::*;
use http::{Method, StatusCode};
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceResponse;
use otelcol_component::{Component, ConsumeError, Consumers};
use otelcol_componenttest::ErrConsumer;
use otelcol_receiver_otlp::rpc;
use prost::Message;

const PB: &str = "application/x-protobuf";
const JSON: &str = "application/json";

#[tokio::test]
async fn protocol_errors() {
    let sinks = Sinks::new();
    let mut cfg = loopback_config();
    cfg.protocols.http.as_mut().unwrap().max_request_body_size = 1000;
    let r = start(cfg, sinks.consumers()).await;
    let addr = r.http_addr().unwrap();

    let reply = send(Method::GET, addr, "/v1/traces", &[], "").await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.headers["allow"], "POST");
    assert_eq!(reply.headers["content-type"], "text/plain");
    assert_eq!(&reply.body[..], b"405 method not allowed, supported: [POST]");

    let reply = post(addr, "/v1/traces", "text/plain", "x").await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        &reply.body[..],
        b"415 unsupported media type, supported: [application/json, application/x-protobuf]"
    );

    // Bad protobuf: 400 with a protobuf google.rpc.Status, InvalidArgument.
    let reply = post(addr, "/v1/traces", PB, vec![0xff, 0xff, 0xff]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.headers["content-type"], PB);
    let status = rpc::Status::decode(reply.body).unwrap();
    assert_eq!(status.code, 3);
    assert!(
        status.message.contains("failed to decode the traces request"),
        "{}",
        status.message
    );

    // Bad JSON: 400 with a JSON google.rpc.Status.
    let reply = post(addr, "/v1/metrics", JSON, "{not json").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.headers["content-type"], JSON);
    let (code, message) = otelcol_otlp_json::decode_status(&reply.body).unwrap();
    assert_eq!(code, 3);
    assert!(message.contains("metrics"), "{message}");

    // Too large, as sent and after decompression (a small gzip bomb).
    let reply = post(addr, "/v1/logs", PB, vec![0u8; 1001]).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    rpc::Status::decode(reply.body).unwrap();
    let bomb = gzip(&vec![0u8; 100_000]);
    assert!(bomb.len() < 1000);
    let reply = send(
        Method::POST,
        addr,
        "/v1/logs",
        &[("content-type", PB), ("content-encoding", "gzip")],
        bomb,
    )
    .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);

    // Unsupported encodings are refused with 400, as Go does.
    let reply = send(
        Method::POST,
        addr,
        "/v1/logs",
        &[("content-type", PB), ("content-encoding", "br")],
        "x",
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        rpc::Status::decode(reply.body)
            .unwrap()
            .message
            .contains("unsupported Content-Encoding: br")
    );

    // Unknown path.
    let reply = post(addr, "/v1/other", PB, "").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    assert_eq!(
        sinks.traces.payload_count() + sinks.metrics.payload_count() + sinks.logs.payload_count(),
        0
    );
    r.shutdown().await.unwrap();
}

#[tokio::test]
async fn signal_without_consumer_is_404_and_empty_request_skips_the_pipeline() {
    let sinks = Sinks::new();
    let next = Consumers {
        traces: Some(sinks.traces.clone()),
        ..Default::default()
    };
    let r = start(loopback_config(), next).await;
    let addr = r.http_addr().unwrap();
    let reply = post(addr, "/v1/metrics", PB, metrics(1).encode_to_vec()).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = post(addr, "/v1/logs", PB, logs(1).encode_to_vec()).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    let reply = post(addr, "/v1/traces", PB, Vec::new()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(sinks.traces.payload_count(), 0);
    r.shutdown().await.unwrap();
}

#[tokio::test]
async fn consumer_errors_map_to_statuses() {
    async fn status_for(err: ConsumeError, content_type: &str) -> common::HttpReply {
        let next = Consumers {
            traces: Some(ErrConsumer::new(err)),
            ..Default::default()
        };
        let r = start(loopback_config(), next).await;
        let body = if content_type == PB {
            traces(3).encode_to_vec()
        } else {
            otelcol_otlp_json::encode_traces(&traces(3))
        };
        let reply = post(r.http_addr().unwrap(), "/v1/traces", content_type, body).await;
        r.shutdown().await.unwrap();
        reply
    }

    let reply = status_for(
        ConsumeError::retryable_after("queue full", Duration::from_secs(7)),
        PB,
    )
    .await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.headers["retry-after"], "7");
    let st = rpc::Status::decode(reply.body).unwrap();
    assert_eq!(st.code, 14);
    assert_eq!(st.message, "queue full");
    assert_eq!(st.retry_delay(), Some(Duration::from_secs(7)));

    let reply = status_for(ConsumeError::retryable("down"), JSON).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(!reply.headers.contains_key("retry-after"));
    assert_eq!(
        otelcol_otlp_json::decode_status(&reply.body).unwrap(),
        (14, "down".to_string())
    );

    let reply = status_for(ConsumeError::permanent("broken"), PB).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    let st = rpc::Status::decode(reply.body).unwrap();
    assert_eq!((st.code, st.message.as_str()), (13, "Permanent error: broken"));

    let reply = status_for(ConsumeError::invalid_data("bad ids"), JSON).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(otelcol_otlp_json::decode_status(&reply.body).unwrap().0, 3);

    let reply = status_for(ConsumeError::partially_rejected(2, "two dropped"), PB).await;
    assert_eq!(reply.status, StatusCode::OK);
    let ps = ExportTraceServiceResponse::decode(reply.body)
        .unwrap()
        .partial_success
        .unwrap();
    assert_eq!(ps.rejected_spans, 2);
    assert_eq!(ps.error_message, "two dropped");

    let reply = status_for(ConsumeError::partially_rejected(1, "one dropped"), JSON).await;
    assert_eq!(reply.status, StatusCode::OK);
    let resp = otelcol_otlp_json::decode_trace_response(&reply.body).unwrap();
    assert_eq!(resp.partial_success.unwrap().rejected_spans, 1);
}
