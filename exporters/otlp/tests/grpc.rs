//! The `otlp` exporter against a real in-process OTLP/gRPC server on 127.0.0.1.
#![allow(missing_docs, clippy::unwrap_used)]

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use otelcol_component::proto::collector::logs::v1::logs_service_server::{LogsService, LogsServiceServer};
use otelcol_component::proto::collector::logs::v1::{ExportLogsServiceRequest, ExportLogsServiceResponse};
use otelcol_component::proto::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use otelcol_component::proto::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use otelcol_component::proto::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use otelcol_component::proto::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use otelcol_component::{
    ConsumeErrorKind, Exporter, ExporterFactory, Kind, Logs, Metrics, Payload, Signal, Traces,
};
use otelcol_componenttest::{NopHost, generate, nop_settings, parse_config};
use otelcol_exporter_otlp::{OtlpExporterConfig, factory};
use otelcol_otlp_status::rpc::Status as RpcStatus;
use prost::Message;
use tokio::net::TcpListener;
use tonic::codec::CompressionEncoding;
use tonic::metadata::MetadataMap;
use tonic::transport::server::TcpIncoming;
use tonic::{Code, Request, Response, Status};

enum Answer {
    Partial(i64, &'static str),
    Fail(Code, Option<Duration>),
}

#[derive(Default)]
struct Backend {
    answers: Mutex<VecDeque<Answer>>,
    calls: AtomicUsize,
    traces: Mutex<Vec<ExportTraceServiceRequest>>,
    metrics: Mutex<Vec<ExportMetricsServiceRequest>>,
    logs: Mutex<Vec<ExportLogsServiceRequest>>,
    metadata: Mutex<Vec<MetadataMap>>,
}

impl Backend {
    fn with(answers: Vec<Answer>) -> Arc<Self> {
        Arc::new(Backend {
            answers: Mutex::new(answers.into()),
            ..Backend::default()
        })
    }
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
    fn answer(&self, md: &MetadataMap) -> Result<Option<(i64, String)>, Status> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.metadata.lock().unwrap().push(md.clone());
        match self.answers.lock().unwrap().pop_front() {
            None => Ok(None),
            Some(Answer::Partial(n, m)) => Ok(Some((n, m.to_string()))),
            Some(Answer::Fail(code, delay)) => {
                let mut s = RpcStatus::new(code, "test says no");
                if let Some(d) = delay {
                    s = s.with_retry_delay(d);
                }
                Err(Status::with_details(
                    code,
                    "test says no",
                    s.encode_to_vec().into(),
                ))
            }
        }
    }
}

#[derive(Clone)]
struct Svc(Arc<Backend>);

#[tonic::async_trait]
impl TraceService for Svc {
    async fn export(
        &self,
        req: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let partial = self.0.answer(req.metadata())?;
        self.0.traces.lock().unwrap().push(req.into_inner());
        Ok(Response::new(ExportTraceServiceResponse {
            partial_success: partial.map(|(rejected_spans, error_message)| ExportTracePartialSuccess {
                rejected_spans,
                error_message,
            }),
        }))
    }
}

#[tonic::async_trait]
impl MetricsService for Svc {
    async fn export(
        &self,
        req: Request<ExportMetricsServiceRequest>,
    ) -> Result<Response<ExportMetricsServiceResponse>, Status> {
        self.0.answer(req.metadata())?;
        self.0.metrics.lock().unwrap().push(req.into_inner());
        Ok(Response::new(ExportMetricsServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl LogsService for Svc {
    async fn export(
        &self,
        req: Request<ExportLogsServiceRequest>,
    ) -> Result<Response<ExportLogsServiceResponse>, Status> {
        self.0.answer(req.metadata())?;
        self.0.logs.lock().unwrap().push(req.into_inner());
        Ok(Response::new(ExportLogsServiceResponse::default()))
    }
}

fn serve(backend: Arc<Backend>, listener: TcpListener) -> tokio::task::JoinHandle<()> {
    let svc = Svc(backend);
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(svc.clone()).accept_compressed(CompressionEncoding::Gzip))
            .add_service(MetricsServiceServer::new(svc.clone()).accept_compressed(CompressionEncoding::Gzip))
            .add_service(LogsServiceServer::new(svc).accept_compressed(CompressionEncoding::Gzip))
            .serve_with_incoming(TcpIncoming::from(listener))
            .await
            .unwrap();
    })
}

async fn start_backend(answers: Vec<Answer>) -> (Arc<Backend>, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let backend = Backend::with(answers);
    serve(backend.clone(), listener);
    (backend, port)
}

fn config(port: u16, extra: &str) -> OtlpExporterConfig {
    let yaml = format!(
        "endpoint: 127.0.0.1:{port}\ntls:\n  insecure: true\nretry_on_failure:\n  initial_interval: 10ms\n  max_interval: 50ms\n  max_elapsed_time: 30s\n{extra}"
    );
    parse_config(&yaml).unwrap()
}

fn exporter(id: &str, cfg: &OtlpExporterConfig) -> Arc<dyn Exporter> {
    factory()
        .create(&nop_settings(id, Kind::Exporter), cfg, &Signal::ALL)
        .unwrap()
}

fn spans(n: usize) -> Traces {
    generate::traces_payload(1, 1, n)
}

/// A gauge, a sum and a histogram: three data points.
fn points() -> Metrics {
    generate::metrics_payload(1, 1, 3)
}

fn records() -> Logs {
    generate::logs_payload(1, 1, 2)
}

#[tokio::test]
async fn delivers_every_signal_intact_gzipped_with_headers() {
    let (backend, port) = start_backend(vec![]).await;
    let cfg = config(port, "headers:\n  X-Tenant: acme\n");
    let e = exporter("otlp_all", &cfg);
    e.start(NopHost::new()).await.unwrap();
    let t = spans(3);
    e.clone().traces().unwrap().consume(t.clone()).await.unwrap();
    e.clone().metrics().unwrap().consume(points()).await.unwrap();
    e.clone().logs().unwrap().consume(records()).await.unwrap();
    e.shutdown().await.unwrap();

    assert_eq!(backend.traces.lock().unwrap().as_slice(), &[t.request().clone()]);
    assert_eq!(
        backend.metrics.lock().unwrap().as_slice(),
        &[points().request().clone()]
    );
    assert_eq!(
        backend.logs.lock().unwrap().as_slice(),
        &[records().request().clone()]
    );
    for md in backend.metadata.lock().unwrap().iter() {
        assert_eq!(md.get("x-tenant").unwrap(), "acme");
        assert_eq!(md.get("grpc-encoding").unwrap(), "gzip");
        let ua = md.get("user-agent").unwrap().to_str().unwrap();
        assert!(ua.starts_with("OpenTelemetry Collector in Rust/"), "{ua}");
    }
}

#[tokio::test]
async fn compression_none_sends_plain() {
    let (backend, port) = start_backend(vec![]).await;
    let cfg = config(port, "compression: none\nsending_queue:\n  enabled: false\n");
    let e = exporter("otlp_plain", &cfg);
    e.start(NopHost::new()).await.unwrap();
    e.clone().traces().unwrap().consume(spans(1)).await.unwrap();
    e.shutdown().await.unwrap();
    let md = backend.metadata.lock().unwrap();
    assert!(md[0].get("grpc-encoding").is_none());
}

#[tokio::test]
async fn retries_unavailable_with_retry_info() {
    let (backend, port) = start_backend(vec![Answer::Fail(
        Code::Unavailable,
        Some(Duration::from_millis(20)),
    )])
    .await;
    let cfg = config(port, "sending_queue:\n  enabled: false\n");
    let e = exporter("otlp_unavail", &cfg);
    e.start(NopHost::new()).await.unwrap();
    e.clone().traces().unwrap().consume(spans(2)).await.unwrap();
    assert_eq!(backend.calls(), 2);
    assert_eq!(backend.traces.lock().unwrap().len(), 1);
    e.shutdown().await.unwrap();
}

#[tokio::test]
async fn invalid_argument_is_not_retried() {
    let (backend, port) = start_backend(vec![Answer::Fail(Code::InvalidArgument, None)]).await;
    let cfg = config(port, "sending_queue:\n  enabled: false\n");
    let e = exporter("otlp_invalid", &cfg);
    e.start(NopHost::new()).await.unwrap();
    let err = e.clone().traces().unwrap().consume(spans(2)).await.unwrap_err();
    assert_eq!(err.kind(), &ConsumeErrorKind::Permanent { invalid_data: true });
    assert!(err.message().contains("InvalidArgument"), "{err}");
    assert_eq!(backend.calls(), 1);
    e.shutdown().await.unwrap();
}

#[tokio::test]
async fn resource_exhausted_needs_retry_info() {
    let (backend, port) = start_backend(vec![
        Answer::Fail(Code::ResourceExhausted, None),
        Answer::Fail(Code::ResourceExhausted, Some(Duration::from_millis(10))),
    ])
    .await;
    let cfg = config(port, "sending_queue:\n  enabled: false\n");
    let e = exporter("otlp_exhausted", &cfg);
    e.start(NopHost::new()).await.unwrap();
    let traces = e.clone().traces().unwrap();
    assert!(traces.consume(spans(1)).await.unwrap_err().is_permanent());
    assert_eq!(backend.calls(), 1);
    traces.consume(spans(1)).await.unwrap();
    assert_eq!(backend.calls(), 3, "throttled once, then accepted");
    e.shutdown().await.unwrap();
}

#[tokio::test]
async fn partial_success_is_accepted_without_retry() {
    let (backend, port) = start_backend(vec![Answer::Partial(1, "one span had no name")]).await;
    let cfg = config(port, "sending_queue:\n  enabled: false\n");
    let e = exporter("otlp_partial", &cfg);
    e.start(NopHost::new()).await.unwrap();
    e.clone().traces().unwrap().consume(spans(3)).await.unwrap();
    assert_eq!(backend.calls(), 1);
    e.shutdown().await.unwrap();
}

/// A loopback port held by a socket that is bound but not listening:
/// connections to it are refused, and no other process can take the port
/// while the socket lives (it is never released and bound again; see
/// `starts_with_backend_down_and_delivers_once_it_is_up`).
fn closed_port() -> (tokio::net::TcpSocket, u16) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = socket.local_addr().unwrap().port();
    (socket, port)
}

#[tokio::test]
async fn backend_down_is_retryable() {
    let (_held, port) = closed_port();
    let mut cfg = config(port, "sending_queue:\n  enabled: false\n");
    cfg.retry_on_failure.enabled = false;
    let e = exporter("otlp_down", &cfg);
    e.start(NopHost::new()).await.unwrap();
    let err = e.clone().traces().unwrap().consume(spans(1)).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    e.shutdown().await.unwrap();
}

#[tokio::test]
async fn starts_with_backend_down_and_delivers_once_it_is_up() {
    let (held, port) = closed_port();
    let cfg = config(port, "");
    let e = exporter("otlp_late", &cfg);
    e.start(NopHost::new()).await.unwrap();
    e.clone().traces().unwrap().consume(spans(4)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The backend comes up on the very socket that held the port.
    let listener = held.listen(1024).unwrap();
    let backend = Backend::with(vec![]);
    serve(backend.clone(), listener);
    for _ in 0..500 {
        if !backend.traces.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    e.shutdown().await.unwrap();
    let got: usize = backend
        .traces
        .lock()
        .unwrap()
        .iter()
        .map(|r| Traces::from_request(r.clone()).item_count())
        .sum();
    assert_eq!(got, 4);
}

#[tokio::test]
async fn lifecycle_contract() {
    let (_held, port) = closed_port();
    let cfg = config(port, "");
    let f = factory();
    let set = nop_settings("otlp", Kind::Exporter);
    let e = f.create(&set, &cfg, &Signal::ALL).unwrap();
    e.shutdown().await.unwrap();
    let e = f.create(&set, &cfg, &Signal::ALL).unwrap();
    e.start(NopHost::new()).await.unwrap();
    e.clone()
        .traces()
        .unwrap()
        .consume(Traces::default())
        .await
        .unwrap();
    e.clone()
        .metrics()
        .unwrap()
        .consume(Metrics::default())
        .await
        .unwrap();
    e.clone().logs().unwrap().consume(Logs::default()).await.unwrap();
    e.shutdown().await.unwrap();
    e.shutdown().await.unwrap();
    let only_logs = f.create(&set, &cfg, &[Signal::Logs]).unwrap();
    assert!(only_logs.clone().traces().is_none());
    assert!(only_logs.logs().is_some());
}
