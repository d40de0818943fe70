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

/// Calls `f(name, value)` for each pair of a rendered label string
/// (`a="x",b="y\"z"`), the value unescaped into `value`.
fn for_each_label(s: &str, value: &mut String, mut f: impl FnMut(&str, &str)) {
    let mut rest = s;
    while let Some(eq) = rest.find("=\"") {
        let name = rest[..eq].trim_start_matches(',');
        value.clear();
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
        f(name, value);
        rest = rest.get(end..).unwrap_or("");
    }
}

/// Parses a rendered label string (`a="x",b="y\"z"`) back into pairs.
pub fn parse_labels(s: &str) -> Vec<LabelPair> {
    let mut out = Vec::new();
    for_each_label(s, &mut String::new(), |name, value| {
        out.push(LabelPair {
            name: name.to_string(),
            value: value.to_string(),
        })
    });
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
    // Labels are written by `render_protobuf` straight from the rendered
    // label string (no per-label allocation).
    let mut m = Metric::default();
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
///
/// The bytes are what prost writes for the `MetricFamily` with every series'
/// labels parsed into `LabelPair`s; the labels are encoded straight from each
/// series' rendered label string instead, so a scrape allocates per family,
/// not per label.
pub fn render_protobuf(snapshot: &Snapshot, timestamps: bool, out: &mut Vec<u8>) {
    use prost::encoding::{WireType, encode_key, encode_varint};
    let mut body = Vec::new();
    let mut labels = Vec::new();
    let mut rest = Vec::new();
    let mut scratch = String::new();
    for f in &snapshot.families {
        if f.series.is_empty() {
            continue;
        }
        body.clear();
        MetricFamily {
            name: f.name.to_string(),
            help: f.help.to_string(),
            r#type: metric_type(f.kind) as i32,
            metric: Vec::new(),
        }
        .encode_raw(&mut body);
        for s in &f.series {
            labels.clear();
            encode_labels(&s.labels, &mut labels, &mut scratch);
            rest.clear();
            // `label` is field 1 of `Metric`, so labels then the other
            // fields is prost's field order.
            metric(f.kind, s, timestamps).encode_raw(&mut rest);
            encode_key(4, WireType::LengthDelimited, &mut body);
            encode_varint((labels.len() + rest.len()) as u64, &mut body);
            body.extend_from_slice(&labels);
            body.extend_from_slice(&rest);
        }
        encode_varint(body.len() as u64, out);
        out.extend_from_slice(&body);
    }
}

/// Writes the pairs of a rendered label string (`a="x",b="y\"z"`) as
/// `Metric.label` fields, as prost encodes `parse_labels`' result.
fn encode_labels(s: &str, out: &mut Vec<u8>, value: &mut String) {
    use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint};
    fn field(tag: u32, v: &str, out: &mut Vec<u8>) {
        if !v.is_empty() {
            encode_key(tag, WireType::LengthDelimited, out);
            encode_varint(v.len() as u64, out);
            out.extend_from_slice(v.as_bytes());
        }
    }
    fn field_len(v: &str) -> usize {
        if v.is_empty() {
            0
        } else {
            1 + encoded_len_varint(v.len() as u64) + v.len()
        }
    }
    for_each_label(s, value, |name, value| {
        encode_key(1, WireType::LengthDelimited, out);
        encode_varint((field_len(name) + field_len(value)) as u64, out);
        field(1, name, out);
        field(2, value, out);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_encode_as_prost_encodes_parsed_pairs() {
        for text in [
            r#"a="x",b="y\"z\\w\nv",c="""#,
            "",
            r#"only="1""#,
            r#"é="ü",long="0123456789abcdef""#,
        ] {
            let mut direct = Vec::new();
            encode_labels(text, &mut direct, &mut String::new());
            let via_prost = Metric {
                label: parse_labels(text),
                ..Default::default()
            }
            .encode_to_vec();
            assert_eq!(direct, via_prost, "{text}");
        }
    }

    #[test]
    fn parses_escaped_labels() {
        let l = parse_labels(r#"a="x",b="y\"z\\w\nv",c="""#);
        let pairs: Vec<_> = l.iter().map(|p| (p.name.as_str(), p.value.as_str())).collect();
        assert_eq!(pairs, vec![("a", "x"), ("b", "y\"z\\w\nv"), ("c", "")]);
        assert!(parse_labels("").is_empty());
    }
}
