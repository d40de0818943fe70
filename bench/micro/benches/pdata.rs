//! Decode, validate, encode, batch merge and split of 1000-item requests.
#![allow(missing_docs)]

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::{Logs, Metrics, Payload, Traces};
use otelcol_microbench::{Signal, encode, shape};
use prost::Message;
use std::hint::black_box;

fn decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode");
    for signal in [Signal::Traces, Signal::Metrics, Signal::Logs] {
        let body = encode(&shape(signal), 1);
        g.throughput(Throughput::Elements(1000));
        let name = format!("{signal:?}").to_lowercase();
        g.bench_with_input(BenchmarkId::new("prost", &name), &body, |b, body| match signal {
            Signal::Traces => b.iter(|| ExportTraceServiceRequest::decode(black_box(&body[..]))),
            Signal::Metrics => b.iter(|| ExportMetricsServiceRequest::decode(black_box(&body[..]))),
            Signal::Logs => b.iter(|| ExportLogsServiceRequest::decode(black_box(&body[..]))),
        });
        // What the receiver does when no processor reads: check and count, keep the bytes.
        let bytes = Bytes::from(body);
        g.bench_with_input(
            BenchmarkId::new("from_encoded", &name),
            &bytes,
            |b, bytes| match signal {
                Signal::Traces => b.iter(|| Traces::from_encoded(black_box(bytes.clone()))),
                Signal::Metrics => b.iter(|| Metrics::from_encoded(black_box(bytes.clone()))),
                Signal::Logs => b.iter(|| Logs::from_encoded(black_box(bytes.clone()))),
            },
        );
    }
    g.finish();
}

fn encode_bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("encode");
    g.throughput(Throughput::Elements(1000));
    let decoded = Traces::decode(&encode(&shape(Signal::Traces), 1)).expect("valid");
    g.bench_function("traces/decoded", |b| {
        b.iter(|| black_box(&decoded).encode_to_vec())
    });
    let encoded = Traces::from_encoded(Bytes::from(encode(&shape(Signal::Traces), 1))).expect("valid");
    g.bench_function("traces/encoded", |b| {
        b.iter(|| black_box(&encoded).encode_to_vec())
    });
    g.finish();
}

/// Eight 1000-span requests into one 8000-span batch, then split into 1000s.
fn batch(c: &mut Criterion) {
    let bodies: Vec<Vec<u8>> = (0..8).map(|i| encode(&shape(Signal::Traces), i + 1)).collect();
    let decoded: Vec<Traces> = bodies.iter().map(|b| Traces::decode(b).expect("valid")).collect();
    let encoded: Vec<Traces> = bodies
        .iter()
        .map(|b| Traces::from_encoded(Bytes::from(b.clone())).expect("valid"))
        .collect();
    let mut g = c.benchmark_group("batch");
    g.throughput(Throughput::Elements(8000));
    let merge_all = |parts: Vec<Traces>| {
        let mut batch = Traces::default();
        for p in parts {
            batch.merge(p);
        }
        batch
    };
    g.bench_function("merge/decoded", |b| {
        // Unshared payloads, as a receiver hands them over.
        b.iter_batched(
            || {
                decoded
                    .iter()
                    .map(|p| Traces::from_request(p.request().clone()))
                    .collect()
            },
            merge_all,
            criterion::BatchSize::SmallInput,
        )
    });
    g.bench_function("merge/encoded", |b| {
        b.iter_batched(
            || {
                bodies
                    .iter()
                    .map(|b| Traces::from_encoded(Bytes::from(b.clone())).expect("valid"))
                    .collect::<Vec<_>>()
            },
            merge_all,
            criterion::BatchSize::SmallInput,
        )
    });
    let mut merged_encoded = Traces::default();
    for p in &encoded {
        merged_encoded.merge(p.clone());
    }
    let merged_decoded: Traces = merged_encoded.clone().into_request().into();
    g.bench_function("split/decoded", |b| {
        b.iter_batched(
            || merged_decoded.request().clone().into(),
            |t: Traces| t.split(1000),
            criterion::BatchSize::SmallInput,
        )
    });
    g.bench_function("split/encoded", |b| b.iter(|| merged_encoded.clone().split(1000)));
    // Parts smaller than a received request: each chunk is decoded and split.
    g.bench_function("split/encoded-600", |b| {
        b.iter(|| merged_encoded.clone().split(600))
    });
    g.finish();
}

criterion_group!(benches, decode, encode_bench, batch);
criterion_main!(benches);
