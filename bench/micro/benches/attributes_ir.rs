//! Counts for the `attributes` processor's work, for a machine too noisy
//! for wall-clock figures: run one case N times under `perf stat` (cycles
//! and instructions in user mode are counted only while the process runs,
//! so other load on the machine barely moves them) or cachegrind, once
//! with 1 and once with N + 1 iterations, and divide the difference by N.
//!
//! ```sh
//! cargo bench -p otelcol-microbench --features mimalloc --bench attributes_ir --no-run
//! perf stat -e cycles:u,instructions:u target/release/deps/attributes_ir-* encoded-insert 201
//! ```
//!
//! Cases, on the 1000-span benchmark request as the OTLP receiver keeps it
//! (validated, encoded; the payload is a shared handle, so each iteration
//! starts from the undecoded bytes): `validate` (the receiver's check,
//! for scale), `decoded-<action>` (decode and run the action on every span:
//! the path before issue 22, and the fallback), `encoded-<action>`
//! (`AttrProc::process_encoded_items`), for the actions `insert`, `update`,
//! `delete`, `hash` and `chain` (insert + update + delete).
//!
//! Without a case (`cargo bench -p otelcol-microbench --bench
//! attributes_ir`), every case runs for about a second of wall-clock time
//! and its median time per request (of 15 rounds) and spans per second are
//! printed: rough on a loaded machine, but the ratio of a `decoded` to an
//! `encoded` case is what matters.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use otelcol_attraction::{ActionConfig, AttrProc};
use otelcol_component::{Payload, Traces};
use otelcol_microbench::{Signal, encode, register_allocator, shape};

fn actions(name: &str) -> Vec<ActionConfig> {
    match name {
        "insert" => vec![ActionConfig::new("bench.inserted", "insert").with_value("loadgen")],
        "update" => vec![ActionConfig::new("http.route", "update").with_value("/x")],
        "delete" => vec![ActionConfig::new("user.id", "delete")],
        "hash" => vec![ActionConfig::new("user.id", "hash")],
        "chain" => vec![
            ActionConfig::new("bench.inserted", "insert").with_value("loadgen"),
            ActionConfig::new("http.route", "update").with_value("/x"),
            ActionConfig::new("net.peer.name", "delete"),
        ],
        other => {
            eprintln!("unknown action {other:?}");
            std::process::exit(2);
        }
    }
}

const ACTIONS: [&str; 5] = ["insert", "update", "delete", "hash", "chain"];

/// Runs `case` `n` times on the benchmark request.
fn run(case: &str, n: usize, body: &Bytes, base: &Traces) {
    let (path, action) = case.split_once('-').unwrap_or((case, ""));
    let proc = (path != "validate").then(|| AttrProc::new(&actions(action)).expect("valid actions"));
    for _ in 0..n {
        let mut t = base.clone();
        match (path, &proc) {
            ("validate", _) => drop(black_box(Traces::from_encoded(body.clone()))),
            ("decoded", Some(proc)) => {
                let ctx = t.context().clone();
                t.for_each_item_mut(|_, _, mut item| {
                    item.for_each_own_attributes_mut(|attrs| proc.process(attrs, &ctx))
                });
            }
            ("encoded", Some(proc)) => assert!(proc.process_encoded_items(&mut t)),
            _ => {
                eprintln!("unknown case {case:?}");
                std::process::exit(2);
            }
        }
        drop(black_box(t));
    }
}

/// Times every case: the median of 15 rounds of about 70 ms each.
fn time_all(body: &Bytes, base: &Traces) {
    let mut cases = vec!["validate".to_owned()];
    for action in ACTIONS {
        cases.push(format!("decoded-{action}"));
        cases.push(format!("encoded-{action}"));
    }
    println!("{:<16} {:>12} {:>14}", "case", "µs/request", "spans/s");
    for case in &cases {
        // Calibrate: iterations for ~70 ms.
        let start = Instant::now();
        let mut n = 1;
        while start.elapsed() < Duration::from_millis(70) {
            run(case, n, body, base);
            n *= 2;
        }
        let per_round = n.max(2);
        let mut rounds: Vec<f64> = (0..15)
            .map(|_| {
                let t = Instant::now();
                run(case, per_round, body, base);
                t.elapsed().as_secs_f64() / per_round as f64
            })
            .collect();
        rounds.sort_by(f64::total_cmp);
        let median = rounds[rounds.len() / 2];
        println!("{case:<16} {:>12.1} {:>14.0}", median * 1e6, 1000.0 / median);
    }
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let case = args.next().unwrap_or_default();
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    register_allocator();
    let body = Bytes::from(encode(&shape(Signal::Traces), 1));
    let base = Traces::from_encoded(body.clone()).expect("valid request");
    if case.is_empty() {
        time_all(&body, &base);
    } else {
        run(&case, n, &body, &base);
    }
}
