//! Shared helpers for the receiver tests: sample requests, a receiver on
//! loopback port 0, a small HTTP client and a consumer that holds requests.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::{Component, ConsumeError, Consumer, Consumers, Kind, Payload, async_trait};
use otelcol_componenttest::{NopHost, Sink, generate, nop_settings};
use otelcol_receiver_otlp::config::{GrpcServerConfig, HttpConfig, Protocols};
use otelcol_receiver_otlp::{Config, OtlpReceiver};
use tokio::sync::Notify;

/// `n` generated spans (one resource, one scope).
pub(crate) fn traces(n: usize) -> ExportTraceServiceRequest {
    generate::traces(1, 1, n)
}

/// One generated gauge with `points` data points.
pub(crate) fn metrics(points: usize) -> ExportMetricsServiceRequest {
    generate::Generator::default()
        .points_per_metric(points)
        .metrics(1, 1, 1)
}

/// `n` generated log records (one resource, one scope).
pub(crate) fn logs(n: usize) -> ExportLogsServiceRequest {
    generate::logs(1, 1, n)
}

/// Both protocols on 127.0.0.1 port 0.
pub(crate) fn loopback_config() -> Config {
    Config {
        protocols: Protocols {
            grpc: Some(GrpcServerConfig::with_endpoint("127.0.0.1:0")),
            http: Some(HttpConfig::with_endpoint("127.0.0.1:0")),
        },
    }
}

/// Sinks for every signal.
pub(crate) struct Sinks {
    pub traces: Arc<Sink<otelcol_component::Traces>>,
    pub metrics: Arc<Sink<otelcol_component::Metrics>>,
    pub logs: Arc<Sink<otelcol_component::Logs>>,
}

impl Sinks {
    pub(crate) fn new() -> Self {
        Sinks {
            traces: Sink::new(),
            metrics: Sink::new(),
            logs: Sink::new(),
        }
    }

    pub(crate) fn consumers(&self) -> Consumers {
        Consumers {
            traces: Some(self.traces.clone()),
            metrics: Some(self.metrics.clone()),
            logs: Some(self.logs.clone()),
        }
    }
}

/// Creates and starts a receiver.
pub(crate) async fn start(cfg: Config, next: Consumers) -> Arc<OtlpReceiver> {
    let r = Arc::new(OtlpReceiver::new(
        &nop_settings("otlp", Kind::Receiver),
        cfg,
        next,
    ));
    r.start(NopHost::new()).await.unwrap();
    r
}

pub(crate) struct HttpReply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Sends one HTTP/1.1 request.
pub(crate) async fn send(
    method: Method,
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> HttpReply {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut req = Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = client
        .request(req.body(Full::new(body.into())).unwrap())
        .await
        .unwrap();
    let (parts, body) = resp.into_parts();
    HttpReply {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes(),
    }
}

/// POSTs with a content type.
pub(crate) async fn post(
    addr: SocketAddr,
    path: &str,
    content_type: &str,
    body: impl Into<Bytes>,
) -> HttpReply {
    send(Method::POST, addr, path, &[("content-type", content_type)], body).await
}

pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A consumer that signals when a payload arrives and holds it until released.
pub(crate) struct Gate<T: Payload> {
    pub entered: Notify,
    pub release: Notify,
    pub sink: Arc<Sink<T>>,
}

impl<T: Payload> std::fmt::Debug for Gate<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Gate")
    }
}

impl<T: Payload> Gate<T> {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Gate {
            entered: Notify::new(),
            release: Notify::new(),
            sink: Sink::new(),
        })
    }
}

#[async_trait]
impl<T: Payload> Consumer<T> for Gate<T> {
    async fn consume(&self, data: T) -> Result<(), ConsumeError> {
        self.entered.notify_one();
        self.release.notified().await;
        self.sink.consume(data).await
    }
}
