//! Instruction counts of the receive path, for a machine too noisy for
//! wall-clock figures: run one case under cachegrind, which counts the
//! instructions executed exactly, once with 1 and once with N iterations,
//! and divide the difference by N − 1.
//!
//! ```sh
//! cargo bench -p otelcol-microbench --features counting --bench admission_ir --no-run
//! valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
//!     target/release/deps/admission_ir-* decoded-gated 21
//! ```
//!
//! Cases: `encoded-ungated` (validate), `encoded-gated` (estimate and ask a
//! gate), `decoded-ungated` (decode), `decoded-gated` (estimate, ask,
//! decode), each on the 1000-span benchmark request. Built with
//! `--features counting` the decodes go through the binary's counting
//! allocator, with `--features mimalloc` through plain mimalloc.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;

use bytes::Bytes;
use otelcol_component::{Admission, ComponentId, ComponentType, Payload, Traces, estimate_traces};
use otelcol_microbench::{Signal, encode, register_allocator, shape};
use otelcol_processor_memorylimiter::{MemoryLimiter, MemoryLimiterConfig, ProcMemory};

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let case = args.next().unwrap_or_default();
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    register_allocator();
    let id = ComponentId::new(ComponentType::new("memory_limiter").expect("valid type"));
    let cfg = MemoryLimiterConfig {
        check_interval: std::time::Duration::from_secs(1),
        limit_mib: 4096,
        spike_limit_mib: 512,
        ..Default::default()
    };
    let gate = Arc::new(MemoryLimiter::new(id, &cfg, Arc::new(ProcMemory::new())).expect("limiter"));
    gate.check_mem_limits();
    let body = Bytes::from(encode(&shape(Signal::Traces), 1));
    for _ in 0..n {
        match case.as_str() {
            "encoded-ungated" => drop(black_box(Traces::from_encoded(body.clone()))),
            "encoded-gated" => {
                let (p, est) = Traces::from_encoded_estimated(body.clone()).expect("valid");
                drop(gate.admit(est.decoded_bytes).expect("admitted"));
                drop(black_box(p));
            }
            "decoded-ungated" => drop(black_box(Traces::decode(&body))),
            "decoded-gated" => {
                let est = estimate_traces(&body).expect("valid");
                let permit = gate.admit(est.decoded_bytes).expect("admitted");
                drop(black_box(Traces::decode(&body)));
                drop(permit);
            }
            other => {
                eprintln!("unknown case {other:?}");
                std::process::exit(2);
            }
        }
    }
}
