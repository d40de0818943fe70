//! `compression: snappy` (grpc-go's snappy codec, which Go's `configgrpc`
//! registers): the exporter sends snappy-compressed messages, and the `otlp`
//! receiver takes them, both over a real loopback connection. Hostile
//! snappy frames get grpc-go's codes.
#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::sync::Arc;

use otelcol_component::{Component, Consumers, ExporterFactory, Kind, Payload, Signal, Traces};
use otelcol_componenttest::{NopHost, Sink, generate, nop_settings, parse_config};
use otelcol_exporter_otlp::{OtlpExporterConfig, factory};
use otelcol_receiver_otlp::OtlpReceiver;

async fn receiver(sink: Arc<Sink<Traces>>, extra: &str) -> Arc<OtlpReceiver> {
    let cfg = parse_config(&format!("protocols: {{grpc: {{endpoint: 127.0.0.1:0{extra}}}}}")).unwrap();
    let next = Consumers {
        traces: Some(sink),
        ..Default::default()
    };
    let r = Arc::new(OtlpReceiver::new(
        &nop_settings("otlp", Kind::Receiver),
        cfg,
        next,
    ));
    r.start(NopHost::new()).await.unwrap();
    r
}

#[tokio::test]
async fn the_exporter_sends_snappy_and_the_receiver_takes_it() {
    let sink = Sink::new();
    let r = receiver(sink.clone(), "").await;
    let cfg: OtlpExporterConfig = parse_config(&format!(
        "endpoint: {}\ntls: {{insecure: true}}\ncompression: snappy\nsending_queue: {{enabled: false}}\nretry_on_failure: {{enabled: false}}",
        r.grpc_addr().unwrap()
    ))
    .unwrap();
    let e = factory()
        .create(&nop_settings("otlp", Kind::Exporter), &cfg, &[Signal::Traces])
        .unwrap();
    e.start(NopHost::new()).await.unwrap();
    let t = generate::traces_payload(2, 2, 50);
    e.clone().traces().unwrap().consume(t.clone()).await.unwrap();
    e.shutdown().await.unwrap();
    let got = sink.all();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].request(), t.request());
    r.shutdown().await.unwrap();
}

/// One raw gRPC call over h2c with `grpc-encoding: snappy`: the grpc-status.
async fn raw_call(addr: std::net::SocketAddr, frames: Vec<u8>) -> String {
    use http_body_util::{BodyExt, Full};
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(tcp),
    )
    .await
    .unwrap();
    tokio::spawn(conn);
    let req = http::Request::post(format!(
        "http://{addr}/opentelemetry.proto.collector.trace.v1.TraceService/Export"
    ))
    .header("content-type", "application/grpc")
    .header("te", "trailers")
    .header("grpc-encoding", "snappy")
    .body(Full::new(bytes::Bytes::from(frames)))
    .unwrap();
    let resp = send.send_request(req).await.unwrap();
    let (parts, body) = resp.into_parts();
    if let Some(s) = parts.headers.get("grpc-status") {
        return s.to_str().unwrap().to_string();
    }
    let collected = body.collect().await.unwrap();
    let trailers = collected.trailers().cloned().unwrap_or_default();
    trailers
        .get("grpc-status")
        .map(|s| s.to_str().unwrap().to_string())
        .unwrap_or_default()
}

fn frame(flag: u8, data: &[u8]) -> Vec<u8> {
    let mut f = vec![flag];
    f.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
    f.extend_from_slice(data);
    f
}

#[tokio::test]
async fn hostile_snappy_frames_get_grpc_gos_codes_and_reach_nothing() {
    let sink = Sink::new();
    let r = receiver(sink.clone(), ", max_recv_msg_size_mib: 1").await;
    let addr = r.grpc_addr().unwrap();
    let message = prost::Message::encode_to_vec(generate::traces_payload(1, 1, 3).request());
    let good = snap::raw::Encoder::new().compress_vec(&message).unwrap();
    assert_eq!(
        raw_call(addr, frame(1, &good)).await,
        "0",
        "a valid snappy message"
    );
    assert_eq!(sink.payload_count(), 1);
    // Not snappy at all.
    assert_eq!(
        raw_call(addr, frame(1, b"\xff\xff\xff\xff not snappy")).await,
        "13"
    );
    // A block declaring 64 MiB: refused before anything is allocated.
    let mut bomb = Vec::new();
    let mut n: u64 = 64 << 20;
    while n >= 0x80 {
        bomb.push((n as u8) | 0x80);
        n >>= 7;
    }
    bomb.push(n as u8);
    bomb.extend_from_slice(b"\x00\x00");
    assert_eq!(raw_call(addr, frame(1, &bomb)).await, "8");
    // A frame that says more than it carries.
    let mut short = frame(1, &good);
    short.truncate(short.len() - 3);
    assert_eq!(raw_call(addr, short).await, "13");
    assert_eq!(sink.payload_count(), 1, "nothing hostile reached the pipeline");
    r.shutdown().await.unwrap();
}

/// What a stand-in gRPC server saw: the `grpc-encoding` header and the
/// first frame's compressed flag, answering an empty `ExportTraceServiceResponse`.
#[tokio::test]
async fn snappy_messages_go_out_compressed_with_the_header() {
    use futures::stream;
    use http_body_util::{BodyExt, StreamBody};
    use hyper::body::Frame;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<(Option<String>, Vec<u8>)>();
    let tx = Arc::new(std::sync::Mutex::new(Some(tx)));
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let svc = hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
            let tx = tx.clone();
            async move {
                let enc = req
                    .headers()
                    .get("grpc-encoding")
                    .map(|v| v.to_str().unwrap().to_string());
                let body = req.into_body().collect().await.unwrap().to_bytes().to_vec();
                if let Some(tx) = tx.lock().unwrap().take() {
                    let _ = tx.send((enc, body));
                }
                let mut trailers = http::HeaderMap::new();
                trailers.insert("grpc-status", http::HeaderValue::from_static("0"));
                let frames: Vec<Result<Frame<bytes::Bytes>, std::convert::Infallible>> = vec![
                    Ok(Frame::data(bytes::Bytes::from_static(&[0, 0, 0, 0, 0]))),
                    Ok(Frame::trailers(trailers)),
                ];
                let resp = http::Response::builder()
                    .header("content-type", "application/grpc")
                    .body(StreamBody::new(stream::iter(frames)))
                    .unwrap();
                Ok::<_, std::convert::Infallible>(resp)
            }
        });
        let _ = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
            .serve_connection(hyper_util::rt::TokioIo::new(tcp), svc)
            .await;
    });
    let cfg: OtlpExporterConfig = parse_config(&format!(
        "endpoint: {addr}\ntls: {{insecure: true}}\ncompression: snappy\nsending_queue: {{enabled: false}}\nretry_on_failure: {{enabled: false}}"
    ))
    .unwrap();
    let e = factory()
        .create(&nop_settings("otlp", Kind::Exporter), &cfg, &[Signal::Traces])
        .unwrap();
    e.start(NopHost::new()).await.unwrap();
    let t = generate::traces_payload(1, 1, 20);
    e.clone().traces().unwrap().consume(t.clone()).await.unwrap();
    e.shutdown().await.unwrap();
    let (enc, body) = rx.await.unwrap();
    assert_eq!(enc.as_deref(), Some("snappy"));
    assert_eq!(body[0], 1, "the message is flagged compressed");
    let len = u32::from_be_bytes([body[1], body[2], body[3], body[4]]) as usize;
    assert_eq!(body.len(), 5 + len);
    let message = snap::raw::Decoder::new().decompress_vec(&body[5..]).unwrap();
    assert_eq!(message, prost::Message::encode_to_vec(t.request()));
}
