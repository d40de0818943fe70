//! The persistent sending queue end to end: collector A (otlp receiver →
//! otlp exporter with `sending_queue: {storage: file_storage}`) accepts
//! spans while collector B is down; A is killed (SIGKILL) or stopped
//! (SIGTERM) and restarted on the same storage directory; B comes up; every
//! span A acknowledged arrives at B (duplicates allowed, reported).

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use otelcol_integration_tests::*;

fn collector_a(a_http: u16, b_grpc: u16, storage: &Path) -> String {
    collector_a_via(a_http, b_grpc, storage, Via::Grpc)
}

/// How A reaches B: the `otlp` (gRPC) or the `otlphttp` exporter.
#[derive(Clone, Copy)]
enum Via {
    Grpc,
    Http,
}

fn collector_a_via(a_http: u16, b_port: u16, storage: &Path, via: Via) -> String {
    let (name, endpoint) = match via {
        Via::Grpc => ("otlp", format!("127.0.0.1:{b_port}\n    tls: {{insecure: true}}")),
        Via::Http => ("otlphttp", format!("http://127.0.0.1:{b_port}")),
    };
    format!(
        r#"
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{a_http}"}}
exporters:
  {name}:
    endpoint: {endpoint}
    retry_on_failure: {{initial_interval: 100ms, max_interval: 500ms, max_elapsed_time: 0}}
    sending_queue: {{storage: file_storage, queue_size: 1000, num_consumers: 4}}
extensions:
  file_storage:
    directory: {}
service:
  extensions: [file_storage]
  pipelines:
    traces: {{receivers: [otlp], exporters: [{name}]}}
"#,
        storage.display()
    )
}

fn collector_b(b_grpc: u16) -> String {
    collector_b_via(b_grpc, Via::Grpc)
}

fn collector_b_via(b_port: u16, via: Via) -> String {
    let proto = match via {
        Via::Grpc => "grpc",
        Via::Http => "http",
    };
    format!(
        r#"
receivers:
  otlp:
    protocols:
      {proto}: {{endpoint: "127.0.0.1:{b_port}"}}
exporters:
  file: {{path: "{{dir}}/spans.jsonl", flush_interval: 100ms}}
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [file]}}
"#
    )
}

/// Sends `batches` × `per` spans to A; every request must be acknowledged.
fn send_all(a_addr: SocketAddr, run: &str, batches: usize, per: usize) {
    for i in 0..batches {
        let r = http_request(
            a_addr,
            "POST",
            "/v1/traces",
            &[("Content-Type", "application/json")],
            &json_traces_body(run, i, per),
        );
        assert_eq!(
            r.status,
            200,
            "A acknowledges: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
}

/// Span name → how many times B received it.
fn received(b: &Collector) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for line in read_json_lines(&b.dir.path().join("spans.jsonl")) {
        for rs in line["resourceSpans"].as_array().unwrap() {
            for ss in rs["scopeSpans"].as_array().unwrap() {
                for s in ss["spans"].as_array().unwrap() {
                    *seen.entry(s["name"].as_str().unwrap().to_string()).or_insert(0) += 1;
                }
            }
        }
    }
    seen
}

/// Restarts A on `storage`, starts B, and checks that every span arrives.
fn restart_and_check(a_cfg: &str, a_addr: SocketAddr, b_grpc: u16, want: usize, what: &str) {
    restart_and_check_via(a_cfg, a_addr, b_grpc, want, what, Via::Grpc);
}

fn restart_and_check_via(a_cfg: &str, a_addr: SocketAddr, b_grpc: u16, want: usize, what: &str, via: Via) {
    let b_addr: SocketAddr = format!("127.0.0.1:{b_grpc}").parse().unwrap();
    let mut a = Collector::start(a_cfg, &[], &[a_addr]);
    let recovered = a
        .self_metric("otelcol_exporter_queue_recovered_spans")
        .unwrap_or(0.0);
    let redelivered = a
        .self_metric("otelcol_exporter_queue_redelivered_spans")
        .unwrap_or(0.0);
    let mut b = Collector::start(&collector_b_via(b_grpc, via), &[], &[b_addr]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while received(&b).len() < want && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let (st, logs_a) = a.stop();
    assert!(st.success(), "{logs_a}");
    let (st, logs_b) = b.stop();
    assert!(st.success(), "{logs_b}");
    let seen = received(&b);
    let total: usize = seen.values().sum();
    eprintln!(
        "{what}: {want} spans acknowledged, {} distinct arrived, {} duplicates; \
         A recovered {recovered} spans from storage, {redelivered} possibly duplicate",
        seen.len(),
        total - seen.len()
    );
    assert_eq!(recovered as usize, want, "A reloads every stored span\n{logs_a}");
    assert_eq!(
        seen.len(),
        want,
        "every acknowledged span arrives at B\nA:\n{logs_a}\nB:\n{logs_b}"
    );
}

#[test]
fn spans_acknowledged_before_a_sigkill_arrive_after_restart() {
    let storage = tempfile::tempdir().unwrap();
    let (a_http, b_grpc) = (free_port(), free_port());
    let a_addr: SocketAddr = format!("127.0.0.1:{a_http}").parse().unwrap();
    let a_cfg = collector_a(a_http, b_grpc, storage.path());
    let a = Collector::start(&a_cfg, &[], &[a_addr]);
    let (batches, per) = (40, 25);
    send_all(a_addr, "kill", batches, per);
    // Let the consumers pick up requests and fail against the absent B, so
    // some are in flight when the process dies.
    std::thread::sleep(Duration::from_millis(300));
    a.signal("KILL");
    drop(a); // reaps the process
    restart_and_check(&a_cfg, a_addr, b_grpc, batches * per, "SIGKILL");
}

/// The delivery issue's scenario exactly: the `otlphttp` exporter with a
/// persistent queue, A killed with SIGKILL while B is down.
#[test]
fn otlphttp_spans_acknowledged_before_a_sigkill_arrive_after_restart() {
    let storage = tempfile::tempdir().unwrap();
    let (a_http, b_http) = (free_port(), free_port());
    let a_addr: SocketAddr = format!("127.0.0.1:{a_http}").parse().unwrap();
    let a_cfg = collector_a_via(a_http, b_http, storage.path(), Via::Http);
    let a = Collector::start(&a_cfg, &[], &[a_addr]);
    let (batches, per) = (40, 25);
    send_all(a_addr, "kill-http", batches, per);
    std::thread::sleep(Duration::from_millis(300));
    a.signal("KILL");
    drop(a);
    restart_and_check_via(
        &a_cfg,
        a_addr,
        b_http,
        batches * per,
        "SIGKILL (otlphttp)",
        Via::Http,
    );
}

#[test]
fn a_graceful_stop_keeps_unsent_spans_on_disk() {
    let storage = tempfile::tempdir().unwrap();
    let (a_http, b_grpc) = (free_port(), free_port());
    let a_addr: SocketAddr = format!("127.0.0.1:{a_http}").parse().unwrap();
    let a_cfg = collector_a(a_http, b_grpc, storage.path());
    let mut a = Collector::start(&a_cfg, &[], &[a_addr]);
    let (batches, per) = (20, 10);
    send_all(a_addr, "term", batches, per);
    std::thread::sleep(Duration::from_millis(300));
    let (st, logs) = a.stop();
    assert!(st.success(), "{logs}");
    assert!(logs.contains("stays in storage"), "{logs}");
    let file = storage.path().join("exporter_otlp__traces");
    assert!(
        std::fs::metadata(&file).unwrap().len() > 0,
        "the store file is kept"
    );
    restart_and_check(&a_cfg, a_addr, b_grpc, batches * per, "SIGTERM");
}

#[test]
fn a_missing_storage_extension_fails_startup() {
    let (a_http, b_grpc) = (free_port(), free_port());
    let cfg = format!(
        r#"
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{a_http}"}}
exporters:
  otlp:
    endpoint: 127.0.0.1:{b_grpc}
    tls: {{insecure: true}}
    sending_queue: {{storage: file_storage/missing}}
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [otlp]}}
"#
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.yaml");
    std::fs::write(&path, cfg).unwrap();
    let (code, out, err) = run_cli(&["--config", path.to_str().unwrap()]);
    assert_ne!(code, 0, "{out}{err}");
    assert!(
        format!("{out}{err}").contains("file_storage/missing not found"),
        "{out}{err}"
    );
}

#[test]
fn a_sigkill_while_sending_to_a_live_backend_loses_nothing() {
    let storage = tempfile::tempdir().unwrap();
    let (a_http, b_grpc) = (free_port(), free_port());
    let a_addr: SocketAddr = format!("127.0.0.1:{a_http}").parse().unwrap();
    let b_addr: SocketAddr = format!("127.0.0.1:{b_grpc}").parse().unwrap();
    let mut b = Collector::start(&collector_b(b_grpc), &[], &[b_addr]);
    let a_cfg = collector_a(a_http, b_grpc, storage.path());
    let a = Collector::start(&a_cfg, &[], &[a_addr]);
    let (batches, per) = (60, 20);
    // Killed right after the last acknowledgement: sends, acks and
    // deletions are in progress.
    send_all(a_addr, "live", batches, per);
    a.signal("KILL");
    drop(a);
    let mut a = Collector::start(&a_cfg, &[], &[a_addr]);
    let recovered = a
        .self_metric("otelcol_exporter_queue_recovered_spans")
        .unwrap_or(0.0);
    let want = batches * per;
    let deadline = Instant::now() + Duration::from_secs(60);
    while received(&b).len() < want && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let (st, logs_a) = a.stop();
    assert!(st.success(), "{logs_a}");
    let (st, logs_b) = b.stop();
    assert!(st.success(), "{logs_b}");
    let seen = received(&b);
    let total: usize = seen.values().sum();
    eprintln!(
        "SIGKILL mid-delivery: {want} acknowledged, {} distinct arrived, {} duplicates, {recovered} recovered",
        seen.len(),
        total - seen.len()
    );
    assert_eq!(
        seen.len(),
        want,
        "every acknowledged span arrives\nA:\n{logs_a}\nB:\n{logs_b}"
    );
}
