//! Admission (the memory limiter's gate) on both transports: a test gate
//! registered through a test host refuses above a byte budget; refusals are
//! 503 + Retry-After / UNAVAILABLE + RetryInfo, before or while the body is
//! read, or before decoding when the decoded size does not fit; permits
//! stand for memory not allocated yet, so nothing is held once the body is
//! in memory and decoded, while the pipeline has the payload (the limiter's
//! heap measurement counts it then) and after (the test sinks keep
//! payloads until reset).
#![allow(clippy::unwrap_used)] // tests: a panic is a failure

mod common;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use common::*;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Frame;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use otelcol_component::proto::collector::trace::v1::trace_service_client::TraceServiceClient;
use otelcol_component::proto::trace::v1::Span;
use otelcol_component::{
    Admission, AdmissionPermit, AdmissionSet, Component, ComponentId, ConsumeError, Consumers, Extension,
    Host, Kind, Traces,
};
use otelcol_componenttest::nop_settings;
use otelcol_receiver_otlp::{OtlpReceiver, rpc};
use prost::Message;
use tonic::Code;

const PB: &str = "application/x-protobuf";
const JSON: &str = "application/json";
const MIB: usize = 1 << 20;
const RETRY: Duration = Duration::from_secs(3);

/// Admits while at most `limit` bytes are held; refuses everything when closed.
#[derive(Debug)]
struct Budget {
    limit: u64,
    held: Arc<AtomicU64>,
    closed: AtomicBool,
}

impl Budget {
    fn new(limit: usize) -> Arc<Self> {
        Arc::new(Budget {
            limit: limit as u64,
            held: Arc::default(),
            closed: AtomicBool::new(false),
        })
    }
    fn held(&self) -> u64 {
        self.held.load(Ordering::SeqCst)
    }
}

impl Admission for Budget {
    fn admit(&self, bytes: u64) -> Result<AdmissionPermit, ConsumeError> {
        let refuse = || ConsumeError::retryable_after("data refused due to high memory usage", RETRY);
        if self.closed.load(Ordering::SeqCst) {
            return Err(refuse());
        }
        let now = self.held.fetch_add(bytes, Ordering::SeqCst) + bytes;
        if now > self.limit {
            self.held.fetch_sub(bytes, Ordering::SeqCst);
            return Err(refuse());
        }
        let held = self.held.clone();
        Ok(AdmissionPermit::with_parts(bytes, move |n| {
            held.fetch_sub(n, Ordering::SeqCst);
        }))
    }
}

/// A host that keeps registered gates (`NopHost` keeps none).
#[derive(Debug, Default)]
struct GateHost {
    gates: Mutex<Vec<Arc<dyn Admission>>>,
}

impl Host for GateHost {
    fn extension(&self, _: &ComponentId) -> Option<Arc<dyn Extension>> {
        None
    }
    fn extensions(&self) -> Vec<(ComponentId, Arc<dyn Extension>)> {
        Vec::new()
    }
    fn register_admission(&self, gate: Arc<dyn Admission>) {
        self.gates.lock().unwrap().push(gate);
    }
    fn admission(&self) -> AdmissionSet {
        AdmissionSet::new(self.gates.lock().unwrap().clone())
    }
}

/// Starts a receiver on a host where `gate` is registered (as the memory
/// limiter does in its own `start`, before receivers start).
async fn start_gated(gate: Arc<Budget>, next: Consumers) -> Arc<OtlpReceiver> {
    let host = Arc::new(GateHost::default());
    host.register_admission(gate);
    let r = Arc::new(OtlpReceiver::new(
        &nop_settings("otlp", Kind::Receiver),
        loopback_config(),
        next,
    ));
    r.start(host).await.unwrap();
    r
}

/// A body of unknown size (sent chunked, or without content-length over h2).
struct Frames(VecDeque<Bytes>);

impl hyper::body::Body for Frames {
    type Data = Bytes;
    type Error = std::convert::Infallible;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Poll::Ready(self.0.pop_front().map(|b| Ok(Frame::data(b))))
    }
}

/// POSTs `body` over HTTP/2 in 64 KiB frames with no announced size.
async fn post_unsized(addr: SocketAddr, body: Vec<u8>) -> (StatusCode, http::HeaderMap, Bytes) {
    let client = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http::<Frames>();
    let frames = body.chunks(64 * 1024).map(Bytes::copy_from_slice).collect();
    let req = Request::post(format!("http://{addr}/v1/traces"))
        .header("content-type", PB)
        .body(Frames(frames))
        .unwrap();
    let resp = client.request(req).await.unwrap();
    let (parts, body) = resp.into_parts();
    (
        parts.status,
        parts.headers,
        body.collect().await.unwrap().to_bytes(),
    )
}

/// A request whose encoding is about `size` bytes (one span with a long name).
fn big_traces(size: usize) -> Vec<u8> {
    let mut req = traces(1);
    req.resource_spans[0].scope_spans[0].spans[0].name = "x".repeat(size);
    req.encode_to_vec()
}

#[tokio::test]
async fn http_refuses_a_large_body_before_reading_it() {
    // The announced body plus 64 KiB of request overhead must fit.
    let gate = Budget::new(80_000);
    let sinks = Sinks::new();
    let r = start_gated(gate.clone(), sinks.consumers()).await;
    let addr = r.http_addr().unwrap();

    let reply = post(addr, "/v1/traces", PB, traces(2).encode_to_vec()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(sinks.traces.item_count(), 2);
    assert_eq!(
        gate.held(),
        0,
        "nothing held while the sink keeps the payload: the heap counts it"
    );
    sinks.traces.reset();

    let reply = post(addr, "/v1/traces", PB, big_traces(20_000)).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.headers["retry-after"], "3");
    let st = rpc::Status::decode(reply.body).unwrap();
    assert_eq!(st.code, Code::Unavailable as i32);
    assert_eq!(st.message, "data refused due to high memory usage");
    assert_eq!(st.retry_delay(), Some(RETRY));

    let json = otelcol_otlp_json::encode_traces(
        &otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest::decode(
            &big_traces(20_000)[..],
        )
        .unwrap(),
    );
    let reply = post(addr, "/v1/traces", JSON, json).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.headers["content-type"], JSON);
    assert_eq!(otelcol_otlp_json::decode_status(&reply.body).unwrap().0, 14);

    assert_eq!(
        sinks.traces.item_count(),
        0,
        "refused requests never reach the pipeline"
    );
    assert_eq!(gate.held(), 0);
    r.shutdown().await.unwrap();
}

#[tokio::test]
async fn http_holds_nothing_once_the_request_is_decoded() {
    let gate = Budget::new(1_000_000);
    let consumer = Gate::<Traces>::new();
    let next = Consumers {
        traces: Some(consumer.clone()),
        ..Default::default()
    };
    let r = start_gated(gate.clone(), next).await;
    let addr = r.http_addr().unwrap();
    let body = traces(5).encode_to_vec();
    let pending = tokio::spawn(async move { post(addr, "/v1/traces", PB, body).await });
    consumer.entered.notified().await;
    assert_eq!(
        gate.held(),
        0,
        "the body and its decoded form are in memory: no permit counts them again"
    );
    consumer.release.notify_one();
    assert_eq!(pending.await.unwrap().status, StatusCode::OK);
    consumer.sink.reset();
    assert_eq!(gate.held(), 0);
    r.shutdown().await.unwrap();
}

#[tokio::test]
async fn http_body_of_unknown_size_is_admitted_as_it_arrives() {
    let gate = Budget::new(4 * MIB);
    let sinks = Sinks::new();
    let r = start_gated(gate.clone(), sinks.consumers()).await;
    let addr = r.http_addr().unwrap();

    // 1.5 MiB of body: at most a step asked for ahead as it arrives, then
    // the contiguous copy and the decoded size, each while allocated.
    let (status, _, _) = post_unsized(addr, big_traces(MIB + MIB / 2)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sinks.traces.item_count(), 1);
    sinks.traces.reset();
    assert_eq!(gate.held(), 0);

    let (status, headers, body) = post_unsized(addr, big_traces(5 * MIB)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(headers["retry-after"], "3");
    assert_eq!(rpc::Status::decode(body).unwrap().retry_delay(), Some(RETRY));
    assert_eq!(sinks.traces.item_count(), 0);
    assert_eq!(gate.held(), 0);

    // While the gate refuses everything, even a tiny body is refused.
    gate.closed.store(true, Ordering::SeqCst);
    let (status, _, _) = post_unsized(addr, traces(1).encode_to_vec()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    r.shutdown().await.unwrap();
}

#[tokio::test]
async fn grpc_refuses_with_unavailable_and_retry_info() {
    let gate = Budget::new(MIB);
    let sinks = Sinks::new();
    let r = start_gated(gate.clone(), sinks.consumers()).await;
    let channel = tonic::transport::Channel::from_shared(format!("http://{}", r.grpc_addr().unwrap()))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut client = TraceServiceClient::new(channel);

    client.export(traces(3)).await.unwrap();
    assert_eq!(sinks.traces.item_count(), 3);
    sinks.traces.reset();
    assert_eq!(gate.held(), 0);

    // gRPC clients announce no size: the body is admitted as it arrives,
    // and its decoded size (3 MiB) does not fit.
    let mut big = traces(1);
    big.resource_spans[0].scope_spans[0].spans = vec![Span {
        name: "x".repeat(3 * MIB),
        ..Default::default()
    }];
    let st = client.export(big).await.unwrap_err();
    assert_eq!(st.code(), Code::Unavailable);
    assert_eq!(st.message(), "data refused due to high memory usage");
    let details = rpc::Status::decode(st.details()).unwrap();
    assert_eq!(details.retry_delay(), Some(RETRY));
    assert_eq!(gate.held(), 0);

    // Over the limit, requests are refused before their body is read.
    gate.closed.store(true, Ordering::SeqCst);
    let st = client.export(traces(1)).await.unwrap_err();
    assert_eq!(st.code(), Code::Unavailable);
    assert_eq!(
        rpc::Status::decode(st.details()).unwrap().retry_delay(),
        Some(RETRY)
    );

    gate.closed.store(false, Ordering::SeqCst);
    client.export(traces(1)).await.unwrap();
    assert_eq!(sinks.traces.item_count(), 1);
    sinks.traces.reset();
    assert_eq!(gate.held(), 0);
    r.shutdown().await.unwrap();
}

#[tokio::test]
async fn grpc_holds_nothing_once_the_request_is_decoded() {
    let gate = Budget::new(4 * MIB);
    let consumer = Gate::<Traces>::new();
    let next = Consumers {
        traces: Some(consumer.clone()),
        ..Default::default()
    };
    let r = start_gated(gate.clone(), next).await;
    let channel = tonic::transport::Channel::from_shared(format!("http://{}", r.grpc_addr().unwrap()))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut req = traces(1);
    req.resource_spans[0].scope_spans[0].spans[0].name = "y".repeat(MIB + 10);
    let pending = tokio::spawn(async move { TraceServiceClient::new(channel).export(req).await });
    consumer.entered.notified().await;
    assert_eq!(gate.held(), 0, "nothing held while the pipeline consumes");
    consumer.release.notify_one();
    pending.await.unwrap().unwrap();
    consumer.sink.reset();
    assert_eq!(gate.held(), 0);
    r.shutdown().await.unwrap();
}
