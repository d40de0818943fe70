//! The `otlphttp` exporter against a real in-process HTTP server on 127.0.0.1.
#![allow(missing_docs, clippy::unwrap_used)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use otelcol_component::{
    ConsumeErrorKind, Exporter, ExporterFactory, Kind, Logs, Metrics, Payload, Signal, Traces,
};
use otelcol_componenttest::{NopHost, generate, nop_settings, parse_config};
use otelcol_exporter_otlphttp::{OtlpHttpExporterConfig, factory};
use otelcol_otlp_status::rpc::Status as RpcStatus;
use otelcol_otlp_status::status::Code;
use prost::Message;
use tokio::net::TcpListener;

struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

fn answer(status: u16) -> Answer {
    Answer {
        status,
        headers: vec![],
        body: vec![],
    }
}

/// One request as the server saw it, body decompressed.
struct Seen {
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

#[derive(Default)]
struct Backend {
    answers: Mutex<VecDeque<Answer>>,
    seen: Mutex<Vec<Seen>>,
}

impl Backend {
    fn calls(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
    fn paths(&self) -> Vec<String> {
        self.seen.lock().unwrap().iter().map(|s| s.path.clone()).collect()
    }
}

async fn handle(b: Arc<Backend>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let raw = body.collect().await.unwrap().to_bytes();
    let body = match parts.headers.get("content-encoding").map(|v| v.to_str().unwrap()) {
        Some(name) => {
            let ty: otelcol_configcompression::CompressionType = name.parse().unwrap();
            otelcol_configcompression::decompress(ty, &raw, 64 << 20).unwrap()
        }
        None => raw.to_vec(),
    };
    b.seen.lock().unwrap().push(Seen {
        path: parts.uri.path().to_string(),
        headers: parts.headers,
        body,
    });
    let a = b
        .answers
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or_else(|| answer(200));
    let mut resp = Response::builder().status(a.status);
    for (k, v) in a.headers {
        resp = resp.header(k, v);
    }
    Ok(resp.body(Full::new(Bytes::from(a.body))).unwrap())
}

fn serve(backend: Arc<Backend>, listener: TcpListener) {
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let b = backend.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req| handle(b.clone(), req));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
}

async fn start_backend(answers: Vec<Answer>) -> (Arc<Backend>, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let backend = Arc::new(Backend {
        answers: Mutex::new(answers.into()),
        ..Backend::default()
    });
    serve(backend.clone(), listener);
    (backend, port)
}

fn config(port: u16, extra: &str) -> OtlpHttpExporterConfig {
    let yaml = format!(
        "endpoint: http://127.0.0.1:{port}\nretry_on_failure:\n  initial_interval: 10ms\n  max_interval: 50ms\n  max_elapsed_time: 30s\n{extra}"
    );
    parse_config(&yaml).unwrap()
}

fn exporter(id: &str, cfg: &OtlpHttpExporterConfig) -> Arc<dyn Exporter> {
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

fn no_queue() -> &'static str {
    "sending_queue:\n  enabled: false\n"
}

#[tokio::test]
async fn delivers_every_signal_as_gzipped_protobuf_with_headers() {
    let (backend, port) = start_backend(vec![]).await;
    let cfg = config(port, "headers:\n  X-Tenant: acme\n");
    let e = exporter("otlphttp_all", &cfg);
    e.start(NopHost::new()).await.unwrap();
    e.clone().traces().unwrap().consume(spans(3)).await.unwrap();
    e.clone().metrics().unwrap().consume(points()).await.unwrap();
    e.clone().logs().unwrap().consume(records()).await.unwrap();
    e.shutdown().await.unwrap();

    let mut paths = backend.paths();
    paths.sort();
    assert_eq!(paths, vec!["/v1/logs", "/v1/metrics", "/v1/traces"]);
    for s in backend.seen.lock().unwrap().iter() {
        assert_eq!(s.headers["content-type"], "application/x-protobuf");
        assert_eq!(s.headers["content-encoding"], "gzip");
        assert_eq!(s.headers["x-tenant"], "acme");
        let ua = s.headers["user-agent"].to_str().unwrap();
        assert!(ua.starts_with("OpenTelemetry Collector in Rust/"), "{ua}");
        match s.path.as_str() {
            "/v1/traces" => assert_eq!(
                ExportTraceServiceRequest::decode(&s.body[..]).unwrap(),
                *spans(3).request()
            ),
            "/v1/metrics" => assert_eq!(
                ExportMetricsServiceRequest::decode(&s.body[..]).unwrap(),
                *points().request()
            ),
            _ => assert_eq!(
                ExportLogsServiceRequest::decode(&s.body[..]).unwrap(),
                *records().request()
            ),
        }
    }
}

#[tokio::test]
async fn every_compression_is_sent_with_its_content_encoding() {
    for (name, level) in [
        ("zstd", 5),
        ("snappy", 0),
        ("x-snappy-framed", 0),
        ("lz4", 0),
        ("zlib", 9),
        ("deflate", 1),
        ("gzip", -1),
    ] {
        let (backend, port) = start_backend(vec![]).await;
        let extra = format!(
            "compression: {name}\ncompression_params: {{level: {level}}}\n{}",
            no_queue()
        );
        let e = exporter("otlphttp_codecs", &config(port, &extra));
        e.start(NopHost::new()).await.unwrap();
        e.clone().traces().unwrap().consume(spans(5)).await.unwrap();
        e.shutdown().await.unwrap();
        let seen = backend.seen.lock().unwrap();
        assert_eq!(seen[0].headers["content-encoding"], name);
        assert_eq!(
            ExportTraceServiceRequest::decode(&seen[0].body[..]).unwrap(),
            *spans(5).request(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn levels_a_codec_does_not_take_are_refused_with_gos_message() {
    let err = otelcol_componenttest::parse_config::<OtlpHttpExporterConfig>(
        "endpoint: http://127.0.0.1:1\ncompression: lz4\ncompression_params: {level: 3}",
    )
    .and_then(|c| otelcol_component::ComponentConfig::validate(&c).map_err(|e| e.to_string()))
    .unwrap_err();
    assert!(
        err.contains("unsupported parameters {Level:3} for compression type \"lz4\""),
        "{err}"
    );
}

#[tokio::test]
async fn json_encoding_and_signal_urls() {
    let (backend, port) = start_backend(vec![]).await;
    let extra = format!(
        "encoding: json\ncompression: none\ntraces_endpoint: http://127.0.0.1:{port}/custom/spans\n{}",
        no_queue()
    );
    let e = exporter("otlphttp_json", &config(port, &extra));
    e.start(NopHost::new()).await.unwrap();
    e.clone().traces().unwrap().consume(spans(2)).await.unwrap();
    e.shutdown().await.unwrap();
    let seen = backend.seen.lock().unwrap();
    assert_eq!(seen[0].path, "/custom/spans");
    assert_eq!(seen[0].headers["content-type"], "application/json");
    assert!(seen[0].headers.get("content-encoding").is_none());
    let decoded = otelcol_otlp_json::decode_traces(&seen[0].body).unwrap();
    assert_eq!(decoded, *spans(2).request());
}

#[tokio::test]
async fn retries_503_with_retry_after() {
    let mut a = answer(503);
    a.headers.push(("retry-after", "1".into()));
    let (backend, port) = start_backend(vec![a]).await;
    let e = exporter("otlphttp_503", &config(port, no_queue()));
    e.start(NopHost::new()).await.unwrap();
    e.clone().traces().unwrap().consume(spans(1)).await.unwrap();
    assert_eq!(backend.calls(), 2);
    e.shutdown().await.unwrap();
}

#[tokio::test]
async fn retries_429_502_504() {
    let (backend, port) = start_backend(vec![answer(429), answer(502), answer(504)]).await;
    let e = exporter("otlphttp_retry", &config(port, no_queue()));
    e.start(NopHost::new()).await.unwrap();
    e.clone().logs().unwrap().consume(records()).await.unwrap();
    assert_eq!(backend.calls(), 4);
    e.shutdown().await.unwrap();
}

#[tokio::test]
async fn bad_request_is_permanent_and_names_the_status_message() {
    let mut a = answer(400);
    a.headers.push(("content-type", "application/x-protobuf".into()));
    a.body = RpcStatus::new(Code::InvalidArgument, "span 3 has no trace id").encode_to_vec();
    let (backend, port) = start_backend(vec![a, answer(500)]).await;
    let e = exporter("otlphttp_400", &config(port, no_queue()));
    e.start(NopHost::new()).await.unwrap();
    let traces = e.clone().traces().unwrap();
    let err = traces.consume(spans(1)).await.unwrap_err();
    assert_eq!(err.kind(), &ConsumeErrorKind::Permanent { invalid_data: true });
    assert!(err.message().contains("HTTP Status Code 400"), "{err}");
    assert!(err.message().contains("Message=span 3 has no trace id"), "{err}");
    assert_eq!(backend.calls(), 1);
    assert!(
        traces.consume(spans(1)).await.unwrap_err().is_permanent(),
        "500 is not retried"
    );
    assert_eq!(backend.calls(), 2);
    e.shutdown().await.unwrap();
}

#[tokio::test]
async fn unparsable_success_body_is_permanent() {
    let mut a = answer(200);
    a.headers.push(("content-type", "application/x-protobuf".into()));
    a.body = vec![0xff, 0xff, 0xff];
    let (backend, port) = start_backend(vec![a]).await;
    let e = exporter("otlphttp_garbage", &config(port, no_queue()));
    e.start(NopHost::new()).await.unwrap();
    let err = e.clone().traces().unwrap().consume(spans(1)).await.unwrap_err();
    assert!(err.is_permanent(), "{err}");
    assert_eq!(backend.calls(), 1);
    e.shutdown().await.unwrap();
}

#[tokio::test]
async fn partial_success_is_accepted_without_retry() {
    let mut a = answer(200);
    a.headers.push(("content-type", "application/x-protobuf".into()));
    a.body = ExportTraceServiceResponse {
        partial_success: Some(ExportTracePartialSuccess {
            rejected_spans: 1,
            error_message: "one span too old".into(),
        }),
    }
    .encode_to_vec();
    let (backend, port) = start_backend(vec![a]).await;
    let e = exporter("otlphttp_partial", &config(port, no_queue()));
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
    let mut cfg = config(port, no_queue());
    cfg.retry_on_failure.enabled = false;
    let e = exporter("otlphttp_down", &cfg);
    e.start(NopHost::new()).await.unwrap();
    let err = e.clone().traces().unwrap().consume(spans(1)).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert!(err.message().contains("failed to make an HTTP request"), "{err}");
    e.shutdown().await.unwrap();
}

#[tokio::test]
async fn starts_with_backend_down_and_delivers_once_it_is_up() {
    let (held, port) = closed_port();
    let e = exporter("otlphttp_late", &config(port, ""));
    e.start(NopHost::new()).await.unwrap();
    e.clone().traces().unwrap().consume(spans(4)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The backend comes up on the very socket that held the port.
    let listener = held.listen(1024).unwrap();
    let backend = Arc::new(Backend::default());
    serve(backend.clone(), listener);
    for _ in 0..500 {
        if backend.calls() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    e.shutdown().await.unwrap();
    let seen = backend.seen.lock().unwrap();
    let got: usize = seen
        .iter()
        .map(|s| Traces::from_request(ExportTraceServiceRequest::decode(&s.body[..]).unwrap()).item_count())
        .sum();
    assert_eq!(got, 4);
}

#[tokio::test]
async fn lifecycle_contract() {
    let (_held, port) = closed_port();
    let cfg = config(port, "");
    let f = factory();
    let set = nop_settings("otlphttp", Kind::Exporter);
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
}

#[test]
fn a_signal_without_url_cannot_be_created() {
    let cfg: OtlpHttpExporterConfig = parse_config("logs_endpoint: http://127.0.0.1:4318/logs").unwrap();
    let set = nop_settings("otlphttp", Kind::Exporter);
    let err = factory().create(&set, &cfg, &[Signal::Traces]).unwrap_err();
    assert!(
        err.to_string()
            .contains("either endpoint or traces_endpoint must be specified"),
        "{err}"
    );
    assert!(factory().create(&set, &cfg, &[Signal::Logs]).is_ok());
}

#[tokio::test]
async fn url_userinfo_is_sent_as_basic_auth_and_never_quoted() {
    let (backend, port) = start_backend(vec![answer(200), answer(400)]).await;
    let yaml = format!(
        "endpoint: http://us%40er:s3cr%3At@127.0.0.1:{port}\n{}",
        no_queue()
    );
    let cfg: OtlpHttpExporterConfig = parse_config(&yaml).unwrap();
    let e = exporter("otlphttp_userinfo", &cfg);
    assert!(!format!("{e:?}").contains("s3cr"), "{e:?}");
    e.start(NopHost::new()).await.unwrap();
    let traces = e.clone().traces().unwrap();
    traces.consume(spans(1)).await.unwrap();
    let err = traces.consume(spans(1)).await.unwrap_err();
    assert!(err.message().contains("HTTP Status Code 400"), "{err}");
    assert!(!err.message().contains("s3cr"), "{err}");
    e.shutdown().await.unwrap();
    // base64("us@er:s3cr:t"), decoded as Go's client decodes the userinfo.
    assert_eq!(
        backend.seen.lock().unwrap()[0].headers["authorization"],
        "Basic dXNAZXI6czNjcjp0"
    );
    // Configured headers win over the userinfo, as in Go.
    let (backend, port) = start_backend(vec![]).await;
    let yaml = format!(
        "endpoint: http://u:p@127.0.0.1:{port}\nheaders: [{{name: Authorization, value: Bearer xyz}}]\n{}",
        no_queue()
    );
    let e = exporter("otlphttp_userinfo2", &parse_config(&yaml).unwrap());
    e.start(NopHost::new()).await.unwrap();
    e.clone().traces().unwrap().consume(spans(1)).await.unwrap();
    e.shutdown().await.unwrap();
    assert_eq!(
        backend.seen.lock().unwrap()[0].headers["authorization"],
        "Bearer xyz"
    );
}
