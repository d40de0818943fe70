//! A shutdown that drops data says so: the last log line names each exporter
//! and how many items it dropped, and the exit status is 3 when items were
//! dropped while shutting down. A clean run, or one whose drops all happened
//! earlier while running, exits 0.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use otelcol_integration_tests::*;

/// The documented exit status of a run that dropped data at shutdown.
const EXIT_DATA_LOST: i32 = 3;

fn addr(port: u16) -> SocketAddr {
    format!("127.0.0.1:{port}").parse().unwrap()
}

fn spans(first: usize, n: usize) -> Vec<u8> {
    let spans: Vec<String> = (first..first + n)
        .map(|i| {
            format!(
                r#"{{"traceId":"{:032x}","spanId":"{:016x}","name":"s"}}"#,
                i + 1,
                i + 1
            )
        })
        .collect();
    format!(
        r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
        spans.join(",")
    )
    .into_bytes()
}

/// A collector whose `otlp` exporter points at a closed port, with a short
/// retry policy (and the default in-memory sending queue).
fn collector_with_backend_down(max_elapsed: &str) -> (Collector, u16) {
    let closed = closed_port();
    let cfg = format!(
        r#"
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:0"}}
exporters:
  otlp:
    endpoint: 127.0.0.1:{}
    tls: {{insecure: true}}
    retry_on_failure: {{initial_interval: 100ms, max_interval: 200ms, max_elapsed_time: {max_elapsed}}}
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [otlp]
"#,
        closed.port
    );
    let mut c = Collector::start(&cfg, &[], &[]);
    let http = c.listen_addr("otlp", "OTLP HTTP receiver").port();
    // Held for the rest of the test process: the backend stays down.
    std::mem::forget(closed);
    (c, http)
}

fn send(http: u16, requests: usize, per_request: usize) {
    for r in 0..requests {
        let resp = http_request(
            addr(http),
            "POST",
            "/v1/traces",
            &[("Content-Type", "application/json")],
            &spans(r * per_request, per_request),
        );
        assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    }
}

fn last_line(logs: &str) -> &str {
    logs.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("")
}

#[test]
fn items_dropped_at_shutdown_give_exit_status_3_and_a_final_count() {
    let (mut c, http) = collector_with_backend_down("2s");
    // 1,000 spans accepted into the sending queue; none can be delivered.
    send(http, 10, 100);
    let started = Instant::now();
    let (status, logs) = c.stop();
    assert_eq!(
        status.code(),
        Some(EXIT_DATA_LOST),
        "dropping at shutdown exits {EXIT_DATA_LOST}:\n{logs}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the drain gives up after about one max_elapsed_time, not the 30 s deadline: {:?}",
        started.elapsed()
    );
    let last = last_line(&logs);
    assert!(
        last.contains("Shutdown complete with data loss")
            && last.contains(r#"exporter "otlp" dropped 1000 spans (1000 at shutdown)"#),
        "the last line names the exporter and the count:\n{logs}"
    );
    assert!(last.contains("dropped_at_shutdown=1000"), "{last}");
}

#[test]
fn drops_while_running_are_reported_but_exit_0() {
    let (mut c, http) = collector_with_backend_down("500ms");
    send(http, 2, 5);
    assert!(c.wait_for_log("Exporting failed. Dropping data."), "{}", c.logs());
    // Both requests given up on before shutdown.
    let deadline = Instant::now() + Duration::from_secs(20);
    while c.logs().matches("Exporting failed. Dropping data.").count() < 2 {
        assert!(Instant::now() < deadline, "{}", c.logs());
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, logs) = c.stop();
    assert_eq!(status.code(), Some(0), "{logs}");
    let last = last_line(&logs);
    assert!(
        last.contains("none at shutdown")
            && last.contains(r#"exporter "otlp" dropped 10 spans (0 at shutdown)"#),
        "{logs}"
    );
}

#[test]
fn a_clean_run_exits_0_and_says_nothing_was_dropped() {
    let mut c = Collector::start(&otlp_to_files_config(0, 0), &[], &[]);
    let http = c.listen_addr("otlp", "OTLP HTTP receiver").port();
    send(http, 3, 10);
    let (status, logs) = c.stop();
    assert_eq!(status.code(), Some(0), "{logs}");
    assert!(
        last_line(&logs).contains("Shutdown complete. No data was dropped."),
        "{logs}"
    );
    assert!(!read_json_lines(&c.dir.path().join("traces.jsonl")).is_empty());
}
