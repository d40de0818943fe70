//! OTLP/HTTP end to end on loopback.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

mod common;

use std::time::Duration;

use common::*;
use http::{Method, StatusCode};
use otelcol_component::proto::collector::logs::v1::ExportLogsServiceResponse;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceResponse;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceResponse;
use otelcol_component::{Component, Consumers, Payload};
use prost::Message;

const PB: &str = "application/x-protobuf";
const JSON: &str = "application/json";

#[tokio::test]
async fn protobuf_for_every_signal() {
    let sinks = Sinks::new();
    let r = start(loopback_config(), sinks.consumers()).await;
    let addr = r.http_addr().unwrap();

    let t = traces(3);
    let reply = post(addr, "/v1/traces", PB, t.encode_to_vec()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers["content-type"], PB);
    let resp = ExportTraceServiceResponse::decode(reply.body).unwrap();
    assert_eq!(resp.partial_success, None);
    let got = sinks.traces.all();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].request(), &t);

    let reply = post(addr, "/v1/metrics", PB, metrics(4).encode_to_vec()).await;
    assert_eq!(reply.status, StatusCode::OK);
    ExportMetricsServiceResponse::decode(reply.body).unwrap();
    assert_eq!(sinks.metrics.item_count(), 4);

    let reply = post(
        addr,
        "/v1/logs",
        "application/x-protobuf; charset=utf-8",
        logs(2).encode_to_vec(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    ExportLogsServiceResponse::decode(reply.body).unwrap();
    assert_eq!(sinks.logs.item_count(), 2);

    // The peer address always reaches the context; headers only with include_metadata.
    let client = sinks.traces.all()[0].context().client().cloned().unwrap();
    assert_eq!(client.address.unwrap().ip(), addr.ip());
    assert!(client.metadata.is_empty());
    r.shutdown().await.unwrap();
}

#[tokio::test]
async fn json_for_every_signal() {
    let sinks = Sinks::new();
    let r = start(loopback_config(), sinks.consumers()).await;
    let addr = r.http_addr().unwrap();

    let t = traces(2);
    let reply = post(addr, "/v1/traces", JSON, otelcol_otlp_json::encode_traces(&t)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers["content-type"], JSON);
    let resp = otelcol_otlp_json::decode_trace_response(&reply.body).unwrap();
    assert_eq!(resp.partial_success, None);
    assert_eq!(sinks.traces.all()[0].request(), &t);

    let m = metrics(5);
    let reply = post(
        addr,
        "/v1/metrics",
        "application/json; charset=utf-8",
        otelcol_otlp_json::encode_metrics(&m),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    otelcol_otlp_json::decode_metrics_response(&reply.body).unwrap();
    assert_eq!(sinks.metrics.all()[0].request(), &m);

    let l = logs(1);
    let reply = post(addr, "/v1/logs", JSON, otelcol_otlp_json::encode_logs(&l)).await;
    assert_eq!(reply.status, StatusCode::OK);
    otelcol_otlp_json::decode_logs_response(&reply.body).unwrap();
    assert_eq!(sinks.logs.all()[0].request(), &l);
    r.shutdown().await.unwrap();
}

#[tokio::test]
async fn gzip_and_deflate_bodies_are_accepted() {
    let sinks = Sinks::new();
    let r = start(loopback_config(), sinks.consumers()).await;
    let addr = r.http_addr().unwrap();
    let body = gzip(&traces(7).encode_to_vec());
    let reply = send(
        Method::POST,
        addr,
        "/v1/traces",
        &[("content-type", PB), ("content-encoding", "gzip")],
        body,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(sinks.traces.item_count(), 7);

    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut z, &otelcol_otlp_json::encode_logs(&logs(2))).unwrap();
    let reply = send(
        Method::POST,
        addr,
        "/v1/logs",
        &[("content-type", JSON), ("content-encoding", "deflate")],
        z.finish().unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(sinks.logs.item_count(), 2);
    r.shutdown().await.unwrap();
}

#[tokio::test]
async fn every_go_content_encoding_is_accepted_and_bombs_are_refused() {
    use otelcol_configcompression::{CompressionParams, CompressionType, compress};
    let sinks = Sinks::new();
    let r = start(loopback_config(), sinks.consumers()).await;
    let addr = r.http_addr().unwrap();
    let plain = traces(3).encode_to_vec();
    let mut expected = 0;
    for ty in [
        "zstd",
        "snappy",
        "x-snappy-framed",
        "lz4",
        "zlib",
        "gzip",
        "deflate",
    ] {
        let ct: CompressionType = ty.parse().unwrap();
        let body = compress(ct, CompressionParams::default(), &plain).unwrap();
        let reply = send(
            Method::POST,
            addr,
            "/v1/traces",
            &[("content-type", PB), ("content-encoding", ty)],
            body,
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{ty}");
        expected += 3;
        assert_eq!(sinks.traces.item_count(), expected, "{ty}");
    }
    // Framed snappy sent as `snappy` (older Go clients) is read as framed.
    let framed = compress(
        CompressionType::SnappyFramed,
        CompressionParams::default(),
        &plain,
    )
    .unwrap();
    let reply = send(
        Method::POST,
        addr,
        "/v1/traces",
        &[("content-type", PB), ("content-encoding", "snappy")],
        framed,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    // 64 MiB of zeros, far past the 20 MiB default limit, in every codec: 413
    // (the snappy block is refused from the length it states).
    let zeros = vec![0u8; 64 << 20];
    for ty in ["zstd", "snappy", "lz4", "gzip"] {
        let ct: CompressionType = ty.parse().unwrap();
        let bomb = compress(ct, CompressionParams::default(), &zeros).unwrap();
        let reply = send(
            Method::POST,
            addr,
            "/v1/traces",
            &[("content-type", PB), ("content-encoding", ty)],
            bomb,
        )
        .await;
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{ty}");
    }
    // Corrupt data is a 400, not a panic.
    let reply = send(
        Method::POST,
        addr,
        "/v1/traces",
        &[("content-type", PB), ("content-encoding", "zstd")],
        vec![0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3],
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    r.shutdown().await.unwrap();
}

#[tokio::test]
async fn include_metadata_cors_and_response_headers() {
    let sinks = Sinks::new();
    let mut cfg = loopback_config();
    let http = cfg.protocols.http.as_mut().unwrap();
    http.include_metadata = true;
    http.response_headers
        .insert("X-Served-By".into(), "otelcol-rs".into());
    http.cors = Some(otelcol_receiver_otlp::config::CorsConfig {
        allowed_origins: vec!["https://*.example.com".into()],
        allowed_headers: vec![],
        max_age: 60,
    });
    http.traces_url_path = otelcol_receiver_otlp::config::UrlPath::new("custom/traces");
    let r = start(cfg, sinks.consumers()).await;
    let addr = r.http_addr().unwrap();

    let headers = [
        ("content-type", PB),
        ("x-tenant", "acme"),
        ("origin", "https://app.example.com"),
    ];
    let reply = send(
        Method::POST,
        addr,
        "/custom/traces",
        &headers,
        traces(1).encode_to_vec(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers["x-served-by"], "otelcol-rs");
    assert_eq!(
        reply.headers["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(reply.headers["content-type"], PB);
    let client = sinks.traces.all()[0].context().client().cloned().unwrap();
    assert_eq!(client.metadata_values("X-Tenant"), ["acme"]);
    assert!(client.address.is_some());

    let preflight = [
        ("origin", "https://app.example.com"),
        ("access-control-request-method", "POST"),
        ("access-control-request-headers", "content-type"),
    ];
    let reply = send(Method::OPTIONS, addr, "/custom/traces", &preflight, "").await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(
        reply.headers["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(reply.headers["access-control-allow-methods"], "POST");
    assert_eq!(reply.headers["access-control-max-age"], "60");
    assert_eq!(reply.headers["x-served-by"], "otelcol-rs");

    let other = [
        ("origin", "https://evil.test"),
        ("access-control-request-method", "POST"),
    ];
    let reply = send(Method::OPTIONS, addr, "/custom/traces", &other, "").await;
    assert!(!reply.headers.contains_key("access-control-allow-origin"));

    // The default path is gone once it is configured elsewhere.
    let reply = post(addr, "/v1/traces", PB, traces(1).encode_to_vec()).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    r.shutdown().await.unwrap();
}

#[tokio::test]
async fn shutdown_drains_an_in_flight_request() {
    let gate = Gate::<otelcol_component::Traces>::new();
    let next = Consumers {
        traces: Some(gate.clone()),
        ..Default::default()
    };
    let r = start(loopback_config(), next).await;
    let addr = r.http_addr().unwrap();
    let request = tokio::spawn(async move { post(addr, "/v1/traces", PB, traces(2).encode_to_vec()).await });
    gate.entered.notified().await;
    let stopping = {
        let r = r.clone();
        tokio::spawn(async move { r.shutdown().await })
    };
    // The listener closes while the request is still held by the consumer.
    let mut refused = false;
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "listener still accepting during shutdown");
    assert!(
        !stopping.is_finished(),
        "shutdown returned before the request finished"
    );
    gate.release.notify_one();
    let reply = request.await.unwrap();
    assert_eq!(reply.status, StatusCode::OK);
    stopping.await.unwrap().unwrap();
    assert_eq!(gate.sink.item_count(), 2);
}

#[tokio::test]
async fn bind_error_names_the_endpoint() {
    let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut cfg = loopback_config();
    cfg.protocols.http.as_mut().unwrap().endpoint = format!("127.0.0.1:{port}");
    let r = otelcol_receiver_otlp::OtlpReceiver::new(
        &otelcol_componenttest::nop_settings("otlp", otelcol_component::Kind::Receiver),
        cfg,
        Sinks::new().consumers(),
    );
    let err = r.start(otelcol_componenttest::NopHost::new()).await.unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("failed to listen on 127.0.0.1:{port}: ")),
        "{err}"
    );
    // Nothing was left running: shutdown is a no-op.
    r.shutdown().await.unwrap();
    assert_eq!(r.grpc_addr(), None);
}

/// Hands payloads to a sink, answering `decodes_input` as told.
#[derive(Debug)]
struct Decodes {
    sink: std::sync::Arc<otelcol_componenttest::Sink<otelcol_component::Traces>>,
    decodes: bool,
}

#[otelcol_component::async_trait]
impl otelcol_component::Consumer<otelcol_component::Traces> for Decodes {
    async fn consume(&self, data: otelcol_component::Traces) -> Result<(), otelcol_component::ConsumeError> {
        self.sink.consume(data).await
    }
    fn capabilities(&self) -> otelcol_component::Capabilities {
        otelcol_component::Capabilities { mutates_data: true }
    }
    fn decodes_input(&self) -> bool {
        self.decodes
    }
}

#[tokio::test]
async fn protobuf_stays_encoded_unless_the_consumer_decodes_it() {
    // Both consumers declare `mutates_data`: `decodes_input` decides.
    for decodes in [false, true] {
        let sink = otelcol_componenttest::Sink::new();
        let next = Consumers {
            traces: Some(std::sync::Arc::new(Decodes {
                sink: sink.clone(),
                decodes,
            })),
            ..Default::default()
        };
        let r = start(loopback_config(), next).await;
        let addr = r.http_addr().unwrap();
        let t = traces(3);
        let reply = post(addr, "/v1/traces", PB, t.encode_to_vec()).await;
        assert_eq!(reply.status, StatusCode::OK);
        let got = sink.all();
        assert_eq!(got[0].is_encoded(), !decodes, "decodes_input {decodes}");
        assert_eq!(got[0].request(), &t);
        r.shutdown().await.unwrap();
    }
}
