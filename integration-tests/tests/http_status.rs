//! The OTLP/HTTP receiver answers bad requests with the Go receiver's statuses.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::io::Write;
use std::net::SocketAddr;

use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otelcol_integration_tests::*;
use prost::Message;

fn start(max_body: usize) -> (Collector, SocketAddr) {
    let cfg = format!(
        "receivers: {{otlp: {{protocols: {{http: {{endpoint: '127.0.0.1:0', max_request_body_size: {max_body}}}}}}}}}\n\
         exporters: {{nop: }}\n\
         service: {{pipelines: {{traces: {{receivers: [otlp], exporters: [nop]}}}}}}\n"
    );
    let mut c = Collector::start(&cfg, &[], &[]);
    let addr = c.listen_addr("otlp", "OTLP HTTP receiver");
    (c, addr)
}

fn spans(n: usize) -> Vec<u8> {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: (0..n)
                    .map(|i| Span {
                        trace_id: vec![1; 16],
                        span_id: vec![2; 8],
                        name: format!("span-{i}-{}", "x".repeat(100)),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

const PB: (&str, &str) = ("Content-Type", "application/x-protobuf");

#[test]
fn statuses_match_the_go_receiver() {
    let (_c, addr) = start(64 * 1024);

    let ok = http_request(addr, "POST", "/v1/traces", &[PB], &spans(3));
    assert_eq!(ok.status, 200);
    assert_eq!(ok.header("content-type"), Some("application/x-protobuf"));

    let r = http_request(addr, "GET", "/v1/traces", &[], b"");
    assert_eq!(r.status, 405, "wrong method");
    assert_eq!(
        String::from_utf8_lossy(&r.body),
        "405 method not allowed, supported: [POST]"
    );

    let r = http_request(
        addr,
        "POST",
        "/v1/traces",
        &[("Content-Type", "text/plain")],
        b"hello",
    );
    assert_eq!(r.status, 415, "wrong content type");

    let r = http_request(addr, "POST", "/v1/traces", &[PB], b"\xff\xff\xff not protobuf");
    assert_eq!(r.status, 400, "undecodable protobuf");
    assert_eq!(r.header("content-type"), Some("application/x-protobuf"));

    let r = http_request(
        addr,
        "POST",
        "/v1/traces",
        &[("Content-Type", "application/json")],
        b"{\"resourceSpans\": 5}",
    );
    assert_eq!(r.status, 400, "undecodable JSON");
    assert_eq!(r.header("content-type"), Some("application/json"));
    let status: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert!(
        status["message"].as_str().unwrap().contains("resourceSpans"),
        "{status}"
    );

    let r = http_request(addr, "POST", "/v1/traces", &[PB], &spans(1000));
    assert_eq!(r.status, 413, "oversized body");

    // Small on the wire, too big once decompressed: still refused.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&spans(2000)).unwrap();
    let small = gz.finish().unwrap();
    assert!(small.len() < 64 * 1024);
    let r = http_request(
        addr,
        "POST",
        "/v1/traces",
        &[PB, ("Content-Encoding", "gzip")],
        &small,
    );
    assert_eq!(r.status, 413, "oversized after decompression");

    // A gzip body within the limit is accepted.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&spans(5)).unwrap();
    let r = http_request(
        addr,
        "POST",
        "/v1/traces",
        &[PB, ("Content-Encoding", "gzip")],
        &gz.finish().unwrap(),
    );
    assert_eq!(r.status, 200);

    // No metrics pipeline: that path is not served.
    let r = http_request(addr, "POST", "/v1/metrics", &[PB], b"");
    assert_eq!(r.status, 404);
}

/// A memory limit below what the process already uses: the receiver refuses
/// before reading the body, with 503 and Retry-After, so SDKs back off.
#[test]
fn memory_limiter_refuses_before_decoding_with_retryable_status() {
    let cfg = "receivers: {otlp: {protocols: {http: {endpoint: '127.0.0.1:0'}}}}\n\
         processors: {memory_limiter: {check_interval: 100ms, limit_mib: 2, spike_limit_mib: 1}}\n\
         exporters: {nop: }\n\
         service: {pipelines: {traces: {receivers: [otlp], processors: [memory_limiter], exporters: [nop]}}}\n";
    let mut c = Collector::start(cfg, &[], &[]);
    let addr = c.listen_addr("otlp", "OTLP HTTP receiver");
    let r = http_request(addr, "POST", "/v1/traces", &[PB], &spans(10));
    assert_eq!(r.status, 503, "{}", c.logs());
    let after: u64 = r.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!(after >= 1);
    assert_eq!(r.header("content-type"), Some("application/x-protobuf"));
    let r = http_request(
        addr,
        "POST",
        "/v1/traces",
        &[("Content-Type", "application/json")],
        b"{}",
    );
    assert_eq!(r.status, 503, "JSON requests are refused the same way");
    assert_eq!(r.header("content-type"), Some("application/json"));
}
