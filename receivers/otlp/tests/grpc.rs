//! OTLP/gRPC end to end on loopback, with the tonic clients.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use otelcol_component::proto::collector::logs::v1::logs_service_client::LogsServiceClient;
use otelcol_component::proto::collector::metrics::v1::metrics_service_client::MetricsServiceClient;
use otelcol_component::proto::collector::trace::v1::trace_service_client::TraceServiceClient;
use otelcol_component::{Component, ConsumeError, Consumers, Payload};
use otelcol_componenttest::ErrConsumer;
use otelcol_receiver_otlp::rpc;
use prost::Message;
use tonic::Code;
use tonic::codec::CompressionEncoding;
use tonic::transport::Channel;

async fn channel(addr: SocketAddr) -> Channel {
    Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

#[tokio::test]
async fn every_signal_reaches_its_sink() {
    let sinks = Sinks::new();
    let r = start(loopback_config(), sinks.consumers()).await;
    let ch = channel(r.grpc_addr().unwrap()).await;

    let t = traces(3);
    let resp = TraceServiceClient::new(ch.clone())
        .export(t.clone())
        .await
        .unwrap();
    assert_eq!(resp.into_inner().partial_success, None);
    assert_eq!(sinks.traces.all()[0].request(), &t);

    let m = metrics(4);
    MetricsServiceClient::new(ch.clone())
        .export(m.clone())
        .await
        .unwrap();
    assert_eq!(sinks.metrics.all()[0].request(), &m);

    // Gzip-compressed requests are accepted.
    let l = logs(2);
    LogsServiceClient::new(ch.clone())
        .send_compressed(CompressionEncoding::Gzip)
        .accept_compressed(CompressionEncoding::Gzip)
        .export(l.clone())
        .await
        .unwrap();
    assert_eq!(sinks.logs.all()[0].request(), &l);
    // And zstd, as Go's gRPC server accepts it.
    LogsServiceClient::new(ch)
        .send_compressed(CompressionEncoding::Zstd)
        .accept_compressed(CompressionEncoding::Zstd)
        .export(l.clone())
        .await
        .unwrap();
    assert_eq!(sinks.logs.all()[1].request(), &l);

    let client = sinks.traces.all()[0].context().client().cloned().unwrap();
    assert!(client.address.is_some());
    assert!(client.metadata.is_empty());
    r.shutdown().await.unwrap();
}

#[tokio::test]
async fn missing_consumer_is_unimplemented_and_empty_request_skips_the_pipeline() {
    let sinks = Sinks::new();
    let next = Consumers {
        traces: Some(sinks.traces.clone()),
        ..Default::default()
    };
    let r = start(loopback_config(), next).await;
    let ch = channel(r.grpc_addr().unwrap()).await;
    let err = LogsServiceClient::new(ch.clone())
        .export(logs(1))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unimplemented);
    let err = MetricsServiceClient::new(ch.clone())
        .export(metrics(1))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unimplemented);
    TraceServiceClient::new(ch).export(traces(0)).await.unwrap();
    assert_eq!(sinks.traces.payload_count(), 0);
    r.shutdown().await.unwrap();
}

#[tokio::test]
async fn oversized_message_is_resource_exhausted() {
    let sinks = Sinks::new();
    let mut cfg = loopback_config();
    cfg.protocols.grpc.as_mut().unwrap().max_recv_msg_size_mib = 1;
    let r = start(cfg, sinks.consumers()).await;
    let ch = channel(r.grpc_addr().unwrap()).await;
    let mut t = traces(1);
    t.resource_spans[0].scope_spans[0].spans[0].name = "x".repeat(1024 * 1024 + 1);
    let err = TraceServiceClient::new(ch.clone())
        .export(t.clone())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted);
    // Also when it only grows past the limit while being decompressed.
    let err = TraceServiceClient::new(ch)
        .send_compressed(CompressionEncoding::Gzip)
        .export(t)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted);
    assert_eq!(sinks.traces.payload_count(), 0);
    r.shutdown().await.unwrap();
}

#[tokio::test]
async fn consumer_errors_map_to_codes() {
    async fn status_for(err: ConsumeError) -> Result<i64, tonic::Status> {
        let next = Consumers {
            traces: Some(ErrConsumer::new(err)),
            ..Default::default()
        };
        let r = start(loopback_config(), next).await;
        let ch = channel(r.grpc_addr().unwrap()).await;
        let res = TraceServiceClient::new(ch).export(traces(3)).await;
        r.shutdown().await.unwrap();
        res.map(|r| r.into_inner().partial_success.map_or(0, |p| p.rejected_spans))
    }

    let st = status_for(ConsumeError::retryable_after("busy", Duration::from_secs(5)))
        .await
        .unwrap_err();
    assert_eq!(st.code(), Code::Unavailable);
    assert_eq!(st.message(), "busy");
    let details = rpc::Status::decode(st.details()).unwrap();
    assert_eq!(details.code, 14);
    assert_eq!(details.retry_delay(), Some(Duration::from_secs(5)));

    let st = status_for(ConsumeError::retryable("down")).await.unwrap_err();
    assert_eq!(st.code(), Code::Unavailable);
    assert!(st.details().is_empty());

    let st = status_for(ConsumeError::permanent("broken")).await.unwrap_err();
    assert_eq!(st.code(), Code::Internal);
    assert_eq!(st.message(), "Permanent error: broken");

    let st = status_for(ConsumeError::invalid_data("bad")).await.unwrap_err();
    assert_eq!(st.code(), Code::InvalidArgument);

    assert_eq!(
        status_for(ConsumeError::partially_rejected(2, "two"))
            .await
            .unwrap(),
        2
    );
}

#[tokio::test]
async fn include_metadata_puts_metadata_in_the_context() {
    let sinks = Sinks::new();
    let mut cfg = loopback_config();
    cfg.protocols.grpc.as_mut().unwrap().include_metadata = true;
    let r = start(cfg, sinks.consumers()).await;
    let ch = channel(r.grpc_addr().unwrap()).await;
    let mut req = tonic::Request::new(traces(1));
    req.metadata_mut().insert("x-tenant", "acme".parse().unwrap());
    req.metadata_mut().append("x-tenant", "beta".parse().unwrap());
    TraceServiceClient::new(ch).export(req).await.unwrap();
    let client = sinks.traces.all()[0].context().client().cloned().unwrap();
    assert_eq!(client.metadata_values("x-tenant"), ["acme", "beta"]);
    r.shutdown().await.unwrap();
}

#[tokio::test]
async fn shutdown_drains_an_in_flight_call() {
    let gate = Gate::<otelcol_component::Traces>::new();
    let next = Consumers {
        traces: Some(gate.clone()),
        ..Default::default()
    };
    let r = start(loopback_config(), next).await;
    let ch = channel(r.grpc_addr().unwrap()).await;
    let call = tokio::spawn(async move { TraceServiceClient::new(ch).export(traces(2)).await });
    gate.entered.notified().await;
    let stopping = {
        let r = r.clone();
        tokio::spawn(async move { r.shutdown().await })
    };
    tokio::task::yield_now().await;
    assert!(
        !stopping.is_finished(),
        "shutdown returned before the call finished"
    );
    gate.release.notify_one();
    call.await.unwrap().unwrap();
    stopping.await.unwrap().unwrap();
    assert_eq!(gate.sink.item_count(), 2);
}
