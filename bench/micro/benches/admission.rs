//! What admission costs on the receive path: a receiver without a gate (no
//! `memory_limiter`) validates or decodes as before; with one it also
//! estimates the decoded size in the same walk and asks the gate. Run it
//! with `--features counting` (the binary's counting mimalloc) and with
//! `--features mimalloc` (plain mimalloc) to see what the allocation count
//! adds to decoding.
#![allow(missing_docs)]

use std::sync::Arc;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use otelcol_component::{Admission, ComponentId, ComponentType, Payload, Traces, estimate_traces};
use otelcol_microbench::{Signal, encode, register_allocator, shape};
use otelcol_processor_memorylimiter::{MemoryLimiter, MemoryLimiterConfig, ProcMemory};
use std::hint::black_box;

/// A real limiter (4 GiB limit, so it always admits), measuring this
/// process: with `--features counting` it reads the allocator's count.
fn gate() -> Arc<MemoryLimiter> {
    register_allocator();
    let id = ComponentId::new(ComponentType::new("memory_limiter").expect("valid type"));
    let cfg = MemoryLimiterConfig {
        check_interval: std::time::Duration::from_secs(1),
        limit_mib: 4096,
        spike_limit_mib: 512,
        ..Default::default()
    };
    let l = MemoryLimiter::new(id, &cfg, Arc::new(ProcMemory::new())).expect("limiter");
    l.check_mem_limits();
    Arc::new(l)
}

fn receive(c: &mut Criterion) {
    let gate = gate();
    let body = Bytes::from(encode(&shape(Signal::Traces), 1));
    let mut g = c.benchmark_group("receive");
    g.throughput(Throughput::Elements(1000));
    // Kept encoded (no processor reads): validate, or estimate and ask.
    g.bench_with_input(BenchmarkId::new("encoded", "ungated"), &body, |b, body| {
        b.iter(|| Traces::from_encoded(black_box(body.clone())))
    });
    g.bench_with_input(BenchmarkId::new("encoded", "gated"), &body, |b, body| {
        b.iter(|| {
            let (p, est) = Traces::from_encoded_estimated(black_box(body.clone())).expect("valid");
            drop(gate.admit(est.decoded_bytes).expect("admitted"));
            p
        })
    });
    // Decoded at once (a mutating processor first): decode, or estimate,
    // ask, decode while holding the permit.
    g.bench_with_input(BenchmarkId::new("decoded", "ungated"), &body, |b, body| {
        b.iter(|| Traces::decode(black_box(body)))
    });
    g.bench_with_input(BenchmarkId::new("decoded", "gated"), &body, |b, body| {
        b.iter(|| {
            let est = estimate_traces(black_box(body)).expect("valid");
            let _permit = gate.admit(est.decoded_bytes).expect("admitted");
            Traces::decode(body)
        })
    });
    // The gate alone: one admission and its release.
    g.bench_function("admit", |b| b.iter(|| drop(gate.admit(black_box(1 << 20)))));
    g.finish();
}

/// The allocation count itself: 1000 allocations of 64 bytes, then their
/// frees, through plain mimalloc and through the counting wrapper, called
/// directly in the same process (so the machine's noise hits both alike).
#[cfg(feature = "counting")]
fn alloc_count(c: &mut Criterion) {
    let mut g = c.benchmark_group("alloc_count");
    g.throughput(Throughput::Elements(1000));
    g.bench_function("mimalloc", |b| b.iter(|| otelcol_alloc::churn(false, 1000)));
    g.bench_function("counting", |b| b.iter(|| otelcol_alloc::churn(true, 1000)));
    g.finish();
}

#[cfg(not(feature = "counting"))]
fn alloc_count(_: &mut Criterion) {}

criterion_group!(benches, receive, alloc_count);
criterion_main!(benches);
