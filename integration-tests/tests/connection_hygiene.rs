//! Connection hygiene of the OTLP receiver, against the real binary: silent,
//! half-sent, idle keep-alive and preface-only connections are closed after
//! the configured timeouts, connections over `max_connections` are refused,
//! and normal requests keep working.
//!
//! Timeouts are configured to 1 s; a test only checks that the server closes
//! the connection within a generous bound (10 s).

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::collector::trace::v1::trace_service_client::TraceServiceClient;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otelcol_integration_tests::*;
use prost::Message;

/// How long the server gets to close a connection whose timeout is 1 s.
const BOUND: Duration = Duration::from_secs(10);
/// The gRPC HTTP/2 connection preface.
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

struct Ports {
    grpc: SocketAddr,
    http: SocketAddr,
}

/// A collector whose OTLP receiver has `grpc_extra` and `http_extra` (flow
/// YAML maps' inner keys) on top of the endpoints.
fn start(grpc_extra: &str, http_extra: &str) -> (Collector, Ports) {
    let cfg = format!(
        "receivers: {{otlp: {{protocols: {{\n\
           grpc: {{endpoint: '127.0.0.1:0', {grpc_extra}}},\n\
           http: {{endpoint: '127.0.0.1:0', {http_extra}}}}}}}}}\n\
         exporters: {{nop: }}\n\
         service: {{pipelines: {{traces: {{receivers: [otlp], exporters: [nop]}}}}}}\n"
    );
    let mut c = Collector::start(&cfg, &[], &[]);
    let ports = Ports {
        grpc: c.listen_addr("otlp", "OTLP gRPC receiver"),
        http: c.listen_addr("otlp", "OTLP HTTP receiver"),
    };
    (c, ports)
}

/// Reads until the server closes the connection (EOF or reset); panics if
/// it is still open after [`BOUND`]. Returns what was read.
fn read_until_closed(s: &mut TcpStream) -> Vec<u8> {
    let start = Instant::now();
    let deadline = start + BOUND;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "connection still open after {BOUND:?}");
        s.set_read_timeout(Some(left)).unwrap();
        match s.read(&mut buf) {
            Ok(0) => {
                eprintln!("closed by the server after {:?}", start.elapsed());
                return out;
            }
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                panic!("connection still open after {BOUND:?}")
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            // Reset by the server: closed too.
            Err(e) => {
                eprintln!("reset ({e}) after {:?}", start.elapsed());
                return out;
            }
        }
    }
}

fn spans() -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: vec![Span {
                    trace_id: vec![1; 16],
                    span_id: vec![2; 8],
                    name: "hygiene".into(),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

const HTTP_SHORT: &str = "read_header_timeout: 1s, idle_timeout: 1s";
const GRPC_SHORT: &str = "keepalive: {server_parameters: {max_connection_idle: 1s}}";

#[test]
fn silent_and_half_sent_http_connections_are_closed() {
    let (_c, p) = start(GRPC_SHORT, HTTP_SHORT);
    let mut silent = TcpStream::connect(p.http).unwrap();
    let mut half = TcpStream::connect(p.http).unwrap();
    half.write_all(
        b"POST /v1/traces HTTP/1.1\r\nHost: collector\r\nContent-Type: application/x-protobuf\r\n",
    )
    .unwrap();
    let mut trickle = TcpStream::connect(p.http).unwrap();
    trickle.write_all(b"P").unwrap();
    assert!(read_until_closed(&mut silent).is_empty());
    assert!(read_until_closed(&mut half).is_empty());
    assert!(read_until_closed(&mut trickle).is_empty());
}

#[test]
fn keep_alive_connection_is_closed_after_idle_timeout() {
    let (_c, p) = start(GRPC_SHORT, HTTP_SHORT);
    let body = spans().encode_to_vec();
    let mut s = TcpStream::connect(p.http).unwrap();
    let head = format!(
        "POST /v1/traces HTTP/1.1\r\nHost: collector\r\nContent-Type: application/x-protobuf\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&body).unwrap();
    // The answer, then (HTTP/1.1 keeps the connection alive) the close.
    let answer = read_until_closed(&mut s);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[test]
fn h2c_preface_only_on_the_http_port_is_closed() {
    let (_c, p) = start(GRPC_SHORT, HTTP_SHORT);
    let mut s = TcpStream::connect(p.http).unwrap();
    s.write_all(PREFACE).unwrap();
    read_until_closed(&mut s);
}

#[test]
fn grpc_preface_only_and_silent_connections_are_closed() {
    let (_c, p) = start(GRPC_SHORT, HTTP_SHORT);
    let mut silent = TcpStream::connect(p.grpc).unwrap();
    let mut preface = TcpStream::connect(p.grpc).unwrap();
    preface.write_all(PREFACE).unwrap();
    read_until_closed(&mut preface);
    read_until_closed(&mut silent);
}

#[test]
fn normal_requests_work_and_grpc_clients_reconnect_after_idle_close() {
    let (_c, p) = start(GRPC_SHORT, HTTP_SHORT);
    let body = spans().encode_to_vec();
    let pb = ("Content-Type", "application/x-protobuf");
    assert_eq!(
        http_request(p.http, "POST", "/v1/traces", &[pb], &body).status,
        200
    );

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let ch = tonic::transport::Channel::from_shared(format!("http://{}", p.grpc))
            .unwrap()
            .connect()
            .await
            .unwrap();
        let mut client = TraceServiceClient::new(ch);
        client.export(spans()).await.unwrap();
        // The server closes the idle connection (GOAWAY); the channel
        // reconnects for the next call.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let mut ok = false;
        for _ in 0..3 {
            if client.export(spans()).await.is_ok() {
                ok = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(ok, "gRPC export failed after the idle close");
    });
    assert_eq!(
        http_request(p.http, "POST", "/v1/traces", &[pb], &body).status,
        200
    );
}

#[test]
fn connections_over_max_connections_are_refused_and_logged() {
    let (c, p) = start("max_connections: 2", "max_connections: 2");
    // Let the start-up probes' connections end.
    std::thread::sleep(Duration::from_millis(500));
    let _held: Vec<TcpStream> = (0..2).map(|_| TcpStream::connect(p.http).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut refused = TcpStream::connect(p.http).unwrap();
    assert!(read_until_closed(&mut refused).is_empty());
    assert!(
        c.wait_for_log("connections are open (max_connections)"),
        "no refusal logged:\n{}",
        c.logs()
    );
    // gRPC has its own bound: still open.
    let mut grpc = TcpStream::connect(p.grpc).unwrap();
    grpc.write_all(PREFACE).unwrap();
    grpc.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let mut buf = [0u8; 64];
    // The server's SETTINGS frame: the connection was served.
    assert!(grpc.read(&mut buf).unwrap() > 0);
}
