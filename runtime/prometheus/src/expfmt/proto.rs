//! The delimited protobuf exposition format: one length-prefixed
//! `io.prometheus.client.MetricFamily` per family. Exponential histograms
//! become native histograms here.

use prost::Message as _;

use crate::accumulator::Snapshot;
use crate::client_model::{
    Bucket, BucketSpan, Counter, Exemplar as PbExemplar, Gauge, Histogram, LabelPair, Metric, MetricFamily,
    MetricType, Quantile, Summary, Timestamp, Untyped,
};
use crate::exphist::Span;
use crate::model::{Exemplar, FamilyKind, Series, Value};

/// Parses a rendered label string (`a="x",b="y\"z"`) back into pairs.
pub fn parse_labels(s: &str) -> Vec<LabelPair> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(eq) = rest.find("=\"") {
        let name = rest[..eq].trim_start_matches(',').to_string();
        let mut value = String::new();
        let mut chars = rest[eq + 2..].char_indices();
        let mut end = rest.len();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, other)) => value.push(other),
                    None => {}
                },
                '"' => {
                    end = eq + 2 + i + 1;
                    break;
                }
                c => value.push(c),
            }
        }
        out.push(LabelPair { name, value });
        rest = rest.get(end..).unwrap_or("");
    }
    out
}

fn pb_exemplar(e: &Exemplar) -> PbExemplar {
    let mut label = Vec::with_capacity(2);
    for (n, v) in [("span_id", &e.span_id), ("trace_id", &e.trace_id)] {
        if !v.is_empty() {
            label.push(LabelPair {
                name: n.into(),
                value: v.clone(),
            });
        }
    }
    PbExemplar {
        label,
        value: e.value,
        timestamp: (e.time_unix_nano != 0).then(|| Timestamp::from_unix_nano(e.time_unix_nano)),
    }
}

fn created(start: u64) -> Option<Timestamp> {
    (start >= 1_000_000_000).then(|| Timestamp::from_unix_nano(start))
}

fn spans(s: &[Span]) -> Vec<BucketSpan> {
    s.iter()
        .map(|s| BucketSpan {
            offset: s.offset,
            length: s.length,
        })
        .collect()
}

/// Classic buckets with exemplars: each exemplar in the first bucket whose
/// bound holds it; one beyond the last bound adds a `+Inf` bucket.
fn classic(bounds: &[(f64, u64)], count: u64, exemplars: &[Exemplar]) -> Vec<Bucket> {
    let mut out: Vec<Bucket> = bounds
        .iter()
        .map(|(le, c)| Bucket {
            cumulative_count: *c,
            upper_bound: *le,
            exemplar: None,
        })
        .collect();
    for e in exemplars {
        match out.iter_mut().find(|b| b.upper_bound >= e.value) {
            Some(b) => b.exemplar = Some(pb_exemplar(e)),
            None => out.push(Bucket {
                cumulative_count: count,
                upper_bound: f64::INFINITY,
                exemplar: Some(pb_exemplar(e)),
            }),
        }
    }
    out
}

fn metric(kind: FamilyKind, s: &Series, timestamps: bool) -> Metric {
    let sample = &s.sample;
    let mut m = Metric {
        label: parse_labels(&s.labels),
        ..Default::default()
    };
    if timestamps && sample.time_unix_nano != 0 {
        m.timestamp_ms = (sample.time_unix_nano / 1_000_000) as i64;
    }
    match &sample.value {
        Value::Number(n) => match kind {
            FamilyKind::Counter => {
                m.counter = Some(Counter {
                    value: n.as_f64(),
                    exemplar: sample.exemplars.last().map(pb_exemplar),
                    created_timestamp: created(sample.start_unix_nano),
                })
            }
            FamilyKind::Untyped => m.untyped = Some(Untyped { value: n.as_f64() }),
            _ => m.gauge = Some(Gauge { value: n.as_f64() }),
        },
        Value::Histogram(h) => {
            let mut cumulative = 0u64;
            let bounds: Vec<(f64, u64)> = h
                .bounds
                .iter()
                .zip(&h.counts)
                .map(|(le, c)| {
                    cumulative = cumulative.saturating_add(*c);
                    (*le, cumulative)
                })
                .collect();
            m.histogram = Some(Histogram {
                sample_count: h.count,
                sample_sum: h.sum.unwrap_or(0.0),
                bucket: classic(&bounds, h.count, &sample.exemplars),
                created_timestamp: created(sample.start_unix_nano),
                ..Default::default()
            });
        }
        Value::Exponential(h) => {
            let hist = match h.native() {
                Ok(n) => Histogram {
                    sample_count: n.count,
                    sample_sum: n.sum,
                    schema: n.schema,
                    zero_threshold: n.zero_threshold,
                    zero_count: n.zero_count,
                    negative_span: spans(&n.negative_spans),
                    negative_delta: n.negative_deltas,
                    positive_span: spans(&n.positive_spans),
                    positive_delta: n.positive_deltas,
                    created_timestamp: created(sample.start_unix_nano),
                    ..Default::default()
                },
                Err(_) => Histogram {
                    sample_count: h.count,
                    sample_sum: h.sum.unwrap_or(0.0),
                    bucket: classic(&h.classic_buckets(), h.count, &sample.exemplars),
                    created_timestamp: created(sample.start_unix_nano),
                    ..Default::default()
                },
            };
            m.histogram = Some(hist);
        }
        Value::Summary(sv) => {
            m.summary = Some(Summary {
                sample_count: sv.count,
                sample_sum: sv.sum,
                quantile: sv
                    .quantiles
                    .iter()
                    .map(|(q, v)| Quantile {
                        quantile: *q,
                        value: *v,
                    })
                    .collect(),
                created_timestamp: created(sample.start_unix_nano),
            });
        }
    }
    m
}

fn metric_type(kind: FamilyKind) -> MetricType {
    match kind {
        FamilyKind::Counter => MetricType::Counter,
        FamilyKind::Gauge => MetricType::Gauge,
        FamilyKind::Untyped => MetricType::Untyped,
        FamilyKind::Histogram => MetricType::Histogram,
        FamilyKind::Summary => MetricType::Summary,
    }
}

/// Renders a snapshot as length-delimited `MetricFamily` messages.
pub fn render_protobuf(snapshot: &Snapshot, timestamps: bool, out: &mut Vec<u8>) {
    for f in &snapshot.families {
        if f.series.is_empty() {
            continue;
        }
        let family = MetricFamily {
            name: f.name.to_string(),
            help: f.help.to_string(),
            r#type: metric_type(f.kind) as i32,
            metric: f.series.iter().map(|s| metric(f.kind, s, timestamps)).collect(),
        };
        // Encoding into a Vec cannot fail: it grows as needed.
        let _ = family.encode_length_delimited(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_escaped_labels() {
        let l = parse_labels(r#"a="x",b="y\"z\\w\nv",c="""#);
        let pairs: Vec<_> = l.iter().map(|p| (p.name.as_str(), p.value.as_str())).collect();
        assert_eq!(pairs, vec![("a", "x"), ("b", "y\"z\\w\nv"), ("c", "")]);
        assert!(parse_labels("").is_empty());
    }
}
