//! The attribute actions and OTTL condition evaluation over 1000 spans.
#![allow(missing_docs)]

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use otelcol_attraction::{ActionConfig, AttrProc};
use otelcol_component::{Payload, RequestContext, Traces};
use otelcol_microbench::{Signal, encode, shape, traces};
use otelcol_processor_filter::ottl::{Condition, ContextKind, EvalCtx};
use std::hint::black_box;

fn attributes(c: &mut Criterion) {
    let req = traces(&shape(Signal::Traces), 1);
    let ctx = RequestContext::default();
    let mut g = c.benchmark_group("attributes");
    g.throughput(Throughput::Elements(1000));
    let cases = [
        (
            "insert",
            vec![ActionConfig::new("bench.inserted", "insert").with_value("loadgen")],
        ),
        (
            "update",
            vec![ActionConfig::new("http.route", "update").with_value("/x")],
        ),
        ("delete", vec![ActionConfig::new("user.id", "delete")]),
        ("hash", vec![ActionConfig::new("user.id", "hash")]),
        (
            "insert+update+delete",
            vec![
                ActionConfig::new("bench.inserted", "insert").with_value("loadgen"),
                ActionConfig::new("http.route", "update").with_value("/x"),
                ActionConfig::new("net.peer.name", "delete"),
            ],
        ),
    ];
    for (name, actions) in cases {
        let proc = AttrProc::new(&actions).expect("valid actions");
        g.bench_function(name, |b| {
            b.iter_batched(
                || req.clone(),
                |mut req| {
                    for rs in &mut req.resource_spans {
                        for ss in &mut rs.scope_spans {
                            for span in &mut ss.spans {
                                proc.process(&mut span.attributes, &ctx);
                            }
                        }
                    }
                    req
                },
                criterion::BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

/// The `attributes` processor's work on a 1000-span request as the OTLP
/// receiver hands it over (validated, still encoded): `decoded` decodes it
/// and runs the actions on every span's list (the path before issue 22, and
/// the fallback); `encoded` runs them on the encoding
/// (`AttrProc::process_encoded_items`). Both end with the payload the batch
/// processor gets; dropping it is outside the timing.
fn attributes_payload(c: &mut Criterion) {
    let body = Bytes::from(encode(&shape(Signal::Traces), 1));
    let mut g = c.benchmark_group("attributes-payload");
    g.throughput(Throughput::Elements(1000));
    let cases = [
        (
            "insert",
            vec![ActionConfig::new("bench.inserted", "insert").with_value("loadgen")],
        ),
        (
            "update",
            vec![ActionConfig::new("http.route", "update").with_value("/x")],
        ),
        ("delete", vec![ActionConfig::new("user.id", "delete")]),
        ("hash", vec![ActionConfig::new("user.id", "hash")]),
        (
            "insert+update+delete",
            vec![
                ActionConfig::new("bench.inserted", "insert").with_value("loadgen"),
                ActionConfig::new("http.route", "update").with_value("/x"),
                ActionConfig::new("net.peer.name", "delete"),
            ],
        ),
    ];
    for (name, actions) in cases {
        let proc = AttrProc::new(&actions).expect("valid actions");
        let fresh = || Traces::from_encoded(body.clone()).expect("valid request");
        g.bench_function(BenchmarkId::new("decoded", name), |b| {
            b.iter_batched(
                fresh,
                |mut t| {
                    let ctx = t.context().clone();
                    t.for_each_item_mut(|_, _, mut item| {
                        item.for_each_own_attributes_mut(|attrs| proc.process(attrs, &ctx))
                    });
                    t
                },
                criterion::BatchSize::SmallInput,
            )
        });
        g.bench_function(BenchmarkId::new("encoded", name), |b| {
            b.iter_batched(
                fresh,
                |mut t| {
                    assert!(proc.process_encoded_items(&mut t));
                    t
                },
                criterion::BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

fn ottl(c: &mut Criterion) {
    let req = traces(&shape(Signal::Traces), 1);
    let mut g = c.benchmark_group("ottl");
    g.throughput(Throughput::Elements(1000));
    let cases = [
        ("attribute-eq", r#"attributes["http.route"] == "/health""#),
        ("name-regex", r#"IsMatch(name, "^GET /api/.*")"#),
        (
            "resource-and-kind",
            r#"resource.attributes["service.name"] == "svc-1" and kind == SPAN_KIND_SERVER"#,
        ),
    ];
    for (name, src) in cases {
        let cond = Condition::parse(src, ContextKind::Span).expect("valid condition");
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut matched = 0u32;
                for rs in &req.resource_spans {
                    for ss in &rs.scope_spans {
                        for span in &ss.spans {
                            let ctx = EvalCtx {
                                resource: rs.resource.as_ref(),
                                scope: ss.scope.as_ref(),
                                span: Some(span),
                                ..Default::default()
                            };
                            matched += u32::from(cond.eval(black_box(&ctx)).unwrap_or(false));
                        }
                    }
                }
                matched
            })
        });
    }
    g.finish();
}

criterion_group!(benches, attributes, attributes_payload, ottl);
criterion_main!(benches);
