//! Rendering a scrape of 100k series (the prometheus exporter's `/metrics`).
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use otelcol_microbench::distinct_series;
use otelcol_prometheus::expfmt::{Format, render};
use otelcol_prometheus::{Accumulator, AccumulatorConfig};
use std::hint::black_box;

fn scrape(c: &mut Criterion) {
    let acc = Accumulator::new(AccumulatorConfig::default());
    acc.accumulate(&distinct_series(100_000));
    let snapshot = acc.snapshot();
    assert!(snapshot.series_count() >= 100_000, "{}", snapshot.series_count());
    let mut g = c.benchmark_group("prometheus");
    g.sample_size(20);
    g.throughput(Throughput::Elements(snapshot.series_count() as u64));
    g.bench_function("accumulate-100k", |b| {
        let req = distinct_series(100_000);
        b.iter(|| acc.accumulate(black_box(&req)))
    });
    g.bench_function("snapshot-100k", |b| b.iter(|| acc.snapshot()));
    for (name, format) in [
        ("text", Format::Text),
        ("openmetrics", Format::OpenMetrics),
        ("protobuf", Format::Protobuf),
    ] {
        g.bench_function(format!("render-100k/{name}"), |b| {
            b.iter(|| render(black_box(&snapshot), format, false))
        });
    }
    g.bench_function("scrape-100k/text", |b| {
        b.iter(|| render(&acc.snapshot(), Format::Text, false))
    });
    g.finish();
}

criterion_group!(benches, scrape);
criterion_main!(benches);
