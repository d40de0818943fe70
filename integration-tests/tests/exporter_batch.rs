//! `sending_queue::batch` end to end: collector A (otlp receiver → otlp
//! exporter with `sending_queue: batch:` in its null form) forwards to
//! collector B (otlp receiver → file); every span arrives, in batches.
//! With `storage: file_storage` too, spans acknowledged before a SIGKILL
//! arrive after the restart.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use otelcol_integration_tests::*;

/// Collector A; `storage` adds a persistent queue. `batch:` has no value.
fn collector_a(a_http: u16, b_grpc: u16, storage: Option<&Path>) -> String {
    let (queue_extra, extensions, service_extensions) = match storage {
        Some(dir) => (
            "\n      storage: file_storage",
            format!("extensions:\n  file_storage:\n    directory: {}\n", dir.display()),
            "\n  extensions: [file_storage]",
        ),
        None => ("", String::new(), ""),
    };
    format!(
        r#"
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{a_http}
exporters:
  otlp:
    endpoint: 127.0.0.1:{b_grpc}
    tls:
      insecure: true
    retry_on_failure:
      initial_interval: 100ms
      max_interval: 500ms
      max_elapsed_time: 0
    sending_queue:{queue_extra}
      batch:
{extensions}service:{service_extensions}
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [otlp]
"#
    )
}

fn collector_b(b_grpc: u16) -> String {
    format!(
        r#"
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: "127.0.0.1:{b_grpc}"}}
exporters:
  file: {{path: "{{dir}}/spans.jsonl", flush_interval: 100ms}}
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [file]}}
"#
    )
}

fn send_all(a_addr: SocketAddr, run: &str, requests: usize, per: usize) {
    for i in 0..requests {
        let r = http_request(
            a_addr,
            "POST",
            "/v1/traces",
            &[("Content-Type", "application/json")],
            &json_traces_body(run, i, per),
        );
        assert_eq!(r.status, 200, "A accepts: {}", String::from_utf8_lossy(&r.body));
    }
}

/// Span name → how many times B received it, and how many export requests
/// (lines) B wrote.
fn received(b: &Collector) -> (HashMap<String, usize>, usize) {
    let path = b.dir.path().join("spans.jsonl");
    if !path.exists() {
        return (HashMap::new(), 0);
    }
    let mut seen = HashMap::new();
    let lines = read_json_lines(&path);
    for line in &lines {
        for rs in line["resourceSpans"].as_array().unwrap() {
            for ss in rs["scopeSpans"].as_array().unwrap() {
                for s in ss["spans"].as_array().unwrap() {
                    *seen.entry(s["name"].as_str().unwrap().to_string()).or_insert(0) += 1;
                }
            }
        }
    }
    (seen, lines.len())
}

fn wait_for(b: &Collector, want: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while received(b).0.len() < want && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn null_batch_forwards_every_span_in_batches() {
    // B first, then A pointed at the port B bound.
    let mut b = Collector::start(&collector_b(0), &[], &[]);
    let b_grpc = b.listen_addr("otlp", "OTLP gRPC receiver").port();
    let mut a = Collector::start(&collector_a(0, b_grpc, None), &[], &[]);
    let a_addr = a.listen_addr("otlp", "OTLP HTTP receiver");
    let (requests, per) = (20, 50);
    send_all(a_addr, "mem", requests, per);
    wait_for(&b, requests * per);
    let batch_sum = a.self_metric("otelcol_exporter_queue_batch_send_size_sum{");
    let batch_count = a
        .self_metric("otelcol_exporter_queue_batch_send_size_count{")
        .unwrap_or(0.0);
    let sent = a.self_metric("otelcol_exporter_sent_spans{");
    let (st, logs_a) = a.stop();
    assert!(st.success(), "{logs_a}");
    let (st, logs_b) = b.stop();
    assert!(st.success(), "{logs_b}");
    let (seen, lines) = received(&b);
    eprintln!(
        "{} spans in {requests} requests reached B in {lines} requests; A sent {batch_count} batches",
        seen.len()
    );
    assert_eq!(
        seen.len(),
        requests * per,
        "every span arrives\nA:\n{logs_a}\nB:\n{logs_b}"
    );
    assert!(seen.values().all(|n| *n == 1), "no duplicates");
    assert_eq!(sent, Some((requests * per) as f64), "{logs_a}");
    assert_eq!(
        batch_sum,
        Some((requests * per) as f64),
        "every span went through the batcher"
    );
    assert!(
        batch_count >= 1.0 && batch_count <= requests as f64,
        "{batch_count} batches"
    );
}

#[test]
fn with_storage_spans_acknowledged_before_a_sigkill_arrive_after_restart() {
    let storage = tempfile::tempdir().unwrap();
    let (a_http, b_grpc) = (free_port(), free_port());
    let a_addr: SocketAddr = format!("127.0.0.1:{a_http}").parse().unwrap();
    let b_addr: SocketAddr = format!("127.0.0.1:{b_grpc}").parse().unwrap();
    let a_cfg = collector_a(a_http, b_grpc, Some(storage.path()));
    // B is down: A stores, batches and retries.
    let a = Collector::start(&a_cfg, &[], &[a_addr]);
    let (requests, per) = (40, 25);
    send_all(a_addr, "kill", requests, per);
    // Past flush_timeout: the batches are formed and failing against B.
    std::thread::sleep(Duration::from_millis(600));
    a.signal("KILL");
    drop(a);

    let mut a = Collector::start(&a_cfg, &[], &[a_addr]);
    let recovered = a
        .self_metric("otelcol_exporter_queue_recovered_spans")
        .unwrap_or(0.0);
    let mut b = Collector::start(&collector_b(b_grpc), &[], &[b_addr]);
    wait_for(&b, requests * per);
    let (st, logs_a) = a.stop();
    assert!(st.success(), "{logs_a}");
    let (st, logs_b) = b.stop();
    assert!(st.success(), "{logs_b}");
    let (seen, _) = received(&b);
    assert_eq!(
        recovered as usize,
        requests * per,
        "nothing batched was deleted before it was sent\n{logs_a}"
    );
    assert_eq!(
        seen.len(),
        requests * per,
        "every acknowledged span arrives\nA:\n{logs_a}\nB:\n{logs_b}"
    );
}
