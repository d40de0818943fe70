//! Hostile input against the `memory_limiter` (`limit_mib: 100`,
//! `spike_limit_mib: 20`, `check_interval: 100ms`): the collector's peak
//! resident memory (`VmHWM`, the kernel's high-water mark, so no sample can
//! miss a peak) stays at most [`LIMIT_MIB`] + [`SLACK_MIB`], and a normal
//! request is answered 200 within [`RECOVERY`] of the load ending.
//!
//! * **Decode amplification**: 2,097,136 empty spans, 4 MiB of protobuf that
//!   gzip to about 4 KB, decode to hundreds of MiB. The receiver charges the
//!   decoded size the wire walk estimates before decoding, so it refuses
//!   (503 / `UNAVAILABLE` with a retry delay). The same for 1 MiB of
//!   uncompressed gRPC and of OTLP/JSON `{}` spans.
//! * **Gzip bombs**: 64 concurrent bodies of about 1 MB that expand to 1 GiB
//!   of zeros each. Decompression is admitted in 1 MiB steps before each is
//!   allocated: every answer is 413 (past `max_request_body_size`) or 503.
//! * **A 30 s flood into a stalled exporter** (default sending queue).
//!
//! The pipeline ends in the `file` exporter, which decodes what it writes,
//! so an admitted request really is decoded.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::collector::trace::v1::trace_service_client::TraceServiceClient;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otelcol_integration_tests::*;
use prost::Message;

/// `memory_limiter::limit_mib`.
const LIMIT_MIB: u64 = 100;
/// `memory_limiter::spike_limit_mib`.
const SPIKE_MIB: u64 = 20;
/// How far above `limit_mib` the peak may go (the issue's acceptance: 110 MiB).
const SLACK_MIB: u64 = 10;
/// A normal request must be accepted this soon after the load ends.
const RECOVERY: Duration = Duration::from_secs(3);
const MIB: u64 = 1024 * 1024;
/// Empty spans in the amplification request (as in the issue).
const EMPTY_SPANS: usize = 2_097_136;
/// Concurrent gzip bombs.
const BOMBS: usize = 64;

/// A numeric field (kB) of `/proc/<pid>/status`, in bytes.
fn status_bytes(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("collector alive");
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"));
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

fn addr(port: u16) -> SocketAddr {
    format!("127.0.0.1:{port}").parse().unwrap()
}

/// A collector whose traces go through the limiter into the file exporter.
fn start() -> (Collector, SocketAddr, SocketAddr) {
    let (http, grpc) = (free_port(), free_port());
    let cfg = format!(
        r#"
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{http}"}}
      grpc: {{endpoint: "127.0.0.1:{grpc}"}}
processors:
  memory_limiter: {{check_interval: 100ms, limit_mib: {LIMIT_MIB}, spike_limit_mib: {SPIKE_MIB}}}
exporters:
  file: {{path: "{{dir}}/spans.jsonl", flush_interval: 100ms}}
service:
  pipelines:
    traces: {{receivers: [otlp], processors: [memory_limiter], exporters: [file]}}
"#
    );
    let c = Collector::start(&cfg, &[], &[addr(http), addr(grpc)]);
    (c, addr(http), addr(grpc))
}

/// `n` empty spans in one scope: 2 bytes each on the wire.
fn empty_spans(n: usize) -> Vec<u8> {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: vec![Span::default(); n],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A small, ordinary request.
fn normal_request() -> Vec<u8> {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: vec![Span {
                    trace_id: vec![7; 16],
                    span_id: vec![7; 8],
                    name: "normal".into(),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

/// Sends normal requests until one is answered 200; how long that took.
fn accepted_again(http: SocketAddr) -> Duration {
    let t0 = Instant::now();
    loop {
        let r = http_request(
            http,
            "POST",
            "/v1/traces",
            &[("Content-Type", "application/x-protobuf")],
            &normal_request(),
        );
        if r.status == 200 || t0.elapsed() > 2 * RECOVERY {
            assert_eq!(r.status, 200, "a normal request after the load");
            return t0.elapsed();
        }
        assert_eq!(r.status, 503, "a refusal is 503");
        thread::sleep(Duration::from_millis(50));
    }
}

fn post(http: SocketAddr, content_type: &str, encoding: Option<&str>, body: &[u8]) -> HttpResponse {
    let mut headers = vec![("Content-Type", content_type)];
    if let Some(e) = encoding {
        headers.push(("Content-Encoding", e));
    }
    http_request(http, "POST", "/v1/traces", &headers, body)
}

#[test]
fn decode_amplification_is_refused_before_decoding() {
    let (c, http, grpc) = start();
    let pid = c.pid();
    thread::sleep(Duration::from_millis(300));
    let idle = status_bytes(pid, "VmRSS:");
    eprintln!("idle RSS: {} MiB", idle / MIB);

    // 4 MiB of empty spans, about 4 KB gzipped.
    let raw = empty_spans(EMPTY_SPANS);
    let bomb = gzip(&raw);
    eprintln!(
        "{EMPTY_SPANS} empty spans: {} bytes, {} gzipped",
        raw.len(),
        bomb.len()
    );
    assert!(bomb.len() < 8 * 1024);
    let r = post(http, "application/x-protobuf", Some("gzip"), &bomb);
    // Admitted only if it fits; it does not (hundreds of MiB decoded).
    assert_eq!(r.status, 503, "the amplification request");
    assert!(r.header("retry-after").is_some_and(|v| v.parse::<u64>().is_ok()));

    // 1 MiB of uncompressed gRPC of empty spans.
    let one_mib = empty_spans(512 * 1024);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let st = rt.block_on(async {
        let mut client = TraceServiceClient::connect(format!("http://{grpc}"))
            .await
            .unwrap();
        let req = ExportTraceServiceRequest::decode(&one_mib[..]).unwrap();
        client.export(req).await.unwrap_err()
    });
    assert_eq!(st.code(), tonic::Code::Unavailable, "{st:?}");
    assert!(!st.details().is_empty(), "RetryInfo in the details");

    // 1 MiB of OTLP/JSON `{}` spans.
    let mut json = String::from(r#"{"resourceSpans":[{"scopeSpans":[{"spans":["#);
    while json.len() < MIB as usize {
        json.push_str("{},");
    }
    json.push_str("{}]}]}]}");
    let r = post(http, "application/json", None, json.as_bytes());
    assert_eq!(r.status, 503, "1 MiB of JSON empty spans");

    let recovered = accepted_again(http);
    let hwm = status_bytes(pid, "VmHWM:");
    eprintln!(
        "VmHWM {} MiB; a normal request accepted {} ms after the load",
        hwm / MIB,
        recovered.as_millis()
    );
    assert!(recovered <= RECOVERY, "accepted again after {recovered:?}");
    assert!(
        hwm <= (LIMIT_MIB + SLACK_MIB) * MIB,
        "VmHWM {} MiB over {} MiB",
        hwm / MIB,
        LIMIT_MIB + SLACK_MIB
    );
    // The limiter gives what the allocator keeps back to the OS.
    thread::sleep(Duration::from_secs(1));
    eprintln!("RSS 1 s later: {} MiB", status_bytes(pid, "VmRSS:") / MIB);
    assert!(
        c.logs().contains("measures the heap"),
        "the limiter reads the allocator's statistics"
    );
}

/// About 1 MB of gzip that expands to `GIB` GiB of zeros: 16 gzip members
/// of 64 MiB each (a gzip body may hold several members; they are
/// decompressed one after the other).
fn gzip_bomb() -> Vec<u8> {
    let member = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 4 * MIB as usize];
        for _ in 0..16 {
            e.write_all(&zeros).unwrap();
        }
        e.finish().unwrap()
    };
    member.repeat(16)
}

/// POSTs a body with `Expect: 100-continue` (so a refusal before reading is
/// a clean answer) and returns the status, or 0 if the connection failed.
fn post_expect(http: SocketAddr, body: &[u8]) -> u16 {
    let Ok(mut s) = TcpStream::connect(http) else {
        return 0;
    };
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let head = format!(
        "POST /v1/traces HTTP/1.1\r\nHost: {http}\r\nConnection: close\r\n\
         Content-Type: application/x-protobuf\r\nContent-Encoding: gzip\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        body.len()
    );
    if s.write_all(head.as_bytes()).is_err() {
        return 0;
    }
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    let mut sent = false;
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_string();
            if head.starts_with("HTTP/1.1 100") {
                raw.drain(..end + 4);
                if !sent {
                    sent = true;
                    // The server may answer before reading it all.
                    let _ = s.write_all(body);
                }
                continue;
            }
            return head
                .split_whitespace()
                .nth(1)
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
        }
        match s.read(&mut buf) {
            Ok(n) if n > 0 => raw.extend_from_slice(&buf[..n]),
            _ => return 0,
        }
    }
}

#[test]
fn concurrent_gzip_bombs_are_refused_and_memory_recovers() {
    let bomb = Arc::new(gzip_bomb());
    eprintln!("bomb: {} bytes of gzip for 1 GiB of zeros", bomb.len());
    let (c, http, _) = start();
    let pid = c.pid();
    thread::sleep(Duration::from_millis(300));
    eprintln!("idle RSS: {} MiB", status_bytes(pid, "VmRSS:") / MIB);

    let answers = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..BOMBS)
        .map(|_| {
            let (bomb, answers) = (bomb.clone(), answers.clone());
            thread::spawn(move || {
                let status = post_expect(http, &bomb);
                answers.lock().unwrap().push(status);
            })
        })
        .collect();
    for t in clients {
        t.join().unwrap();
    }
    let answers = answers.lock().unwrap().clone();
    let count = |s: u16| answers.iter().filter(|&&a| a == s).count();
    eprintln!(
        "answers: {} × 413, {} × 503, others {:?}",
        count(413),
        count(503),
        answers
            .iter()
            .filter(|&&a| a != 413 && a != 503)
            .collect::<Vec<_>>()
    );
    assert!(
        answers.iter().all(|&a| a == 413 || a == 503),
        "every bomb is refused: {answers:?}"
    );
    eprintln!("RSS after the bombs: {} MiB", status_bytes(pid, "VmRSS:") / MIB);

    let recovered = accepted_again(http);
    let hwm = status_bytes(pid, "VmHWM:");
    eprintln!(
        "VmHWM {} MiB; a normal request accepted {} ms after the load; RSS now {} MiB",
        hwm / MIB,
        recovered.as_millis(),
        status_bytes(pid, "VmRSS:") / MIB
    );
    assert!(recovered <= RECOVERY, "accepted again after {recovered:?}");
    assert!(
        hwm <= (LIMIT_MIB + SLACK_MIB) * MIB,
        "VmHWM {} MiB over {} MiB",
        hwm / MIB,
        LIMIT_MIB + SLACK_MIB
    );
    // The limiter gives what the allocator keeps back to the OS.
    thread::sleep(Duration::from_secs(1));
    eprintln!("RSS 1 s later: {} MiB", status_bytes(pid, "VmRSS:") / MIB);
    assert!(
        c.logs().contains("measures the heap"),
        "the limiter reads the allocator's statistics"
    );
}

/// How long the stalled-exporter flood lasts.
const STALL_FLOOD: Duration = Duration::from_secs(30);
/// Clients of the stalled-exporter flood.
const STALL_CLIENTS: usize = 12;

/// A flood into an `otlp` exporter (default sending queue) whose backend
/// accepts connections and never reads: the queue fills with admitted data,
/// which the limiter counts in the heap (once: queued payloads hold no
/// admission permits), so the queue stops growing below the soft limit and
/// a small request is admitted after the flood although the backend is
/// still stalled.
#[test]
fn flood_into_a_stalled_exporter_stays_bounded() {
    let backend = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let backend_addr = backend.local_addr().unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let holder = {
        let stop = stop.clone();
        backend.set_nonblocking(true).unwrap();
        thread::spawn(move || {
            let mut held = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Acquire) {
                match backend.accept() {
                    Ok((conn, _)) => held.push(conn),
                    Err(_) => thread::sleep(Duration::from_millis(10)),
                }
            }
        })
    };
    let http = free_port();
    let cfg = format!(
        r#"
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{http}"}}
processors:
  memory_limiter: {{check_interval: 100ms, limit_mib: {LIMIT_MIB}, spike_limit_mib: {SPIKE_MIB}}}
exporters:
  otlp:
    endpoint: {backend_addr}
    tls: {{insecure: true}}
    compression: none
service:
  pipelines:
    traces: {{receivers: [otlp], processors: [memory_limiter], exporters: [otlp]}}
"#
    );
    let c = Collector::start(&cfg, &[], &[addr(http)]);
    let http_addr = addr(http);
    let pid = c.pid();
    thread::sleep(Duration::from_millis(300));
    eprintln!("idle RSS: {} MiB", status_bytes(pid, "VmRSS:") / MIB);

    let end = Instant::now() + STALL_FLOOD;
    let answers = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..STALL_CLIENTS)
        .map(|client| {
            let answers = answers.clone();
            thread::spawn(move || {
                let mut seq = 0;
                while Instant::now() < end {
                    let r = post(
                        addr(http),
                        "application/x-protobuf",
                        None,
                        &big_trace_request(client, seq, 1).encode_to_vec(),
                    );
                    seq += 1;
                    if r.status != 200 {
                        thread::sleep(Duration::from_millis(20));
                    }
                    answers.lock().unwrap().push(r.status);
                }
            })
        })
        .collect();
    let mut peak_rss = 0;
    while Instant::now() < end {
        peak_rss = peak_rss.max(status_bytes(pid, "VmRSS:"));
        thread::sleep(Duration::from_millis(100));
    }
    for t in clients {
        t.join().unwrap();
    }
    let answers = answers.lock().unwrap().clone();
    let ok = answers.iter().filter(|&&a| a == 200).count();
    let refused = answers.iter().filter(|&&a| a == 503).count();
    let hwm = status_bytes(pid, "VmHWM:");
    eprintln!(
        "{} requests: {ok} × 200, {refused} × 503; peak sampled RSS {} MiB, VmHWM {} MiB, RSS now {} MiB",
        answers.len(),
        peak_rss / MIB,
        hwm / MIB,
        status_bytes(pid, "VmRSS:") / MIB
    );
    // The backend is still stalled and the queue still holds what it took.
    let recovered = accepted_again(http_addr);
    eprintln!(
        "a normal request accepted {} ms after the flood",
        recovered.as_millis()
    );
    let logs = c.logs();
    let limiter: Vec<&str> = logs.lines().filter(|l| l.contains("Memory usage")).collect();
    eprintln!("the limiter's level changes:\n{}", limiter.join("\n"));
    stop.store(true, std::sync::atomic::Ordering::Release);
    holder.join().unwrap();
    assert!(recovered <= RECOVERY, "accepted again after {recovered:?}");
    assert!(ok > 0, "some data was accepted into the queue");
    assert!(refused > 0, "the limiter refused once the queue held enough");
    assert_eq!(ok + refused, answers.len(), "only 200 and 503: {answers:?}");
    // VmHWM may trail the sampled VmRSS slightly (the kernel folds per-thread
    // counters in lazily): assert on both.
    let peak = hwm.max(peak_rss);
    assert!(
        peak <= (LIMIT_MIB + SLACK_MIB) * MIB,
        "peak {} MiB over {} MiB",
        peak / MIB,
        LIMIT_MIB + SLACK_MIB
    );
}
