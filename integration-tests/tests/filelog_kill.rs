//! `file_log` with checkpoints in `file_storage`, through a persistent
//! sending queue, across real SIGKILLs of the collector: a writer appends
//! 20,000 numbered lines at ~5,000 lines/s while collector A (file_log →
//! otlp_grpc with a file_storage queue) is killed with SIGKILL twice and
//! restarted on the same directories; collector B writes what it receives.
//! Every line arrives, in order of first arrival; the duplicates a kill can
//! cause at the two at-least-once windows (after the queue accepted a batch
//! and before the offset was written; after B answered and before the
//! queue forgot the batch) are counted and printed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use otelcol_integration_tests::*;

const LINES: u32 = 20_000;

fn addr(port: u16) -> SocketAddr {
    format!("127.0.0.1:{port}").parse().unwrap()
}

/// The `line-N` bodies B wrote, in the order it wrote them.
fn received(path: &std::path::Path) -> Vec<u32> {
    batches(path).into_iter().flatten().collect()
}

/// The `line-N` bodies of each request B received (its file exporter writes
/// one JSON line per request), in order.
fn batches(path: &std::path::Path) -> Vec<Vec<u32>> {
    read_json_lines(path)
        .iter()
        .map(|v| {
            v["resourceLogs"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .flat_map(|rl| rl["scopeLogs"].as_array().cloned().unwrap_or_default())
                .flat_map(|sl| sl["logRecords"].as_array().cloned().unwrap_or_default())
                .filter_map(|r| {
                    r["body"]["stringValue"]
                        .as_str()
                        .and_then(|b| b.strip_prefix("line-"))
                        .and_then(|n| n.parse().ok())
                })
                .collect::<Vec<u32>>()
        })
        .collect()
}

#[test]
fn every_line_survives_sigkills_with_file_storage() {
    let b_port = free_port();
    let mut b = Collector::start(
        &format!(
            r#"
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: "127.0.0.1:{b_port}"}}
exporters:
  file: {{path: "{{dir}}/logs.jsonl", flush_interval: 100ms}}
service:
  pipelines:
    logs: {{receivers: [otlp], exporters: [file]}}
"#
        ),
        &[],
        &[addr(b_port)],
    );
    let work = tempfile::tempdir().unwrap();
    let log = work.path().join("app.log");
    std::fs::File::create(&log).unwrap();
    for d in ["checkpoints", "queue"] {
        std::fs::create_dir(work.path().join(d)).unwrap();
    }
    let a_config = format!(
        r#"
extensions:
  file_storage/checkpoints: {{directory: "{w}/checkpoints"}}
  file_storage/queue: {{directory: "{w}/queue"}}
receivers:
  file_log:
    include: ["{w}/app.log"]
    start_at: beginning
    poll_interval: 50ms
    storage: file_storage/checkpoints
exporters:
  otlp_grpc:
    endpoint: "127.0.0.1:{b_port}"
    tls: {{insecure: true}}
    sending_queue: {{storage: file_storage/queue, num_consumers: 1}}
    retry_on_failure: {{initial_interval: 50ms, max_interval: 200ms}}
service:
  extensions: [file_storage/checkpoints, file_storage/queue]
  pipelines:
    logs: {{receivers: [file_log], exporters: [otlp_grpc]}}
"#,
        w = work.path().display()
    );
    let a_path = work.path().join("a.yaml");
    std::fs::write(&a_path, &a_config).unwrap();
    let start_a = || {
        let mut a = Collector::start_args(&["--config", a_path.to_str().unwrap()], &[]);
        assert!(a.wait_ready(), "{}", a.logs());
        a
    };

    let writer = {
        let log = log.clone();
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
            let started = Instant::now();
            for i in 0..LINES {
                writeln!(f, "line-{i}").unwrap();
                // ~5,000 lines/s.
                let due = Duration::from_micros(u64::from(i) * 200);
                if let Some(wait) = due.checked_sub(started.elapsed()) {
                    std::thread::sleep(wait);
                }
            }
        })
    };
    let mut a = start_a();
    for _ in 0..2 {
        std::thread::sleep(Duration::from_millis(1200));
        a.signal("KILL");
        let _ = a.stop();
        a = start_a();
    }
    writer.join().unwrap();

    let out = b.dir.path().join("logs.jsonl");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let got = received(&out);
        let distinct: std::collections::BTreeSet<u32> = got.iter().copied().collect();
        if distinct.len() == LINES as usize {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {LINES} distinct lines at B\nA:\n{}",
            distinct.len(),
            a.logs()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let (st, logs) = a.stop();
    assert!(st.success(), "{logs}");
    let (st, _) = b.stop();
    assert!(st.success());

    let got = received(&out);
    let mut seen: BTreeMap<u32, u32> = BTreeMap::new();
    for n in &got {
        *seen.entry(*n).or_default() += 1;
    }
    assert_eq!(seen.len(), LINES as usize, "every line arrives");
    let duplicates: u32 = seen.values().map(|c| c - 1).sum();
    // In order of first arrival: the file is read front to back.
    let mut firsts = Vec::new();
    let mut done = std::collections::BTreeSet::new();
    for n in &got {
        if done.insert(*n) {
            firsts.push(*n);
        }
    }
    assert!(
        firsts.windows(2).all(|w| w[0] < w[1]),
        "first arrivals in file order"
    );
    println!("{LINES} lines across 2 SIGKILLs: {duplicates} duplicates");
    // file_log read nothing twice: every duplicate is a whole request that
    // B had already received, sent again by the persistent queue because
    // the kill came before B's answer reached A (at-least-once delivery).
    // A re-read would show as a request overlapping an earlier one.
    let requests = batches(&out);
    let mut earlier_requests = std::collections::HashSet::new();
    let mut earlier_lines = std::collections::HashSet::new();
    let mut resent = 0;
    for (i, r) in requests.iter().enumerate() {
        let seen_before = r.iter().filter(|n| earlier_lines.contains(*n)).count();
        if seen_before > 0 {
            assert!(
                seen_before == r.len() && earlier_requests.contains(r),
                "request {i} overlaps earlier ones without repeating one: file_log read lines twice"
            );
            resent += r.len() as u32;
        }
        earlier_lines.extend(r.iter().copied());
        earlier_requests.insert(r.clone());
    }
    assert_eq!(resent, duplicates, "every duplicate is in a re-sent request");
    // At most the request in flight at each kill.
    assert!(duplicates <= 2 * 1000, "{duplicates} duplicates");
}
