//! Data points to samples: numbers, explicit and exponential histograms,
//! summaries, exemplars.

use otelcol_component::proto::metrics::v1::{Exemplar as OtlpExemplar, Metric, metric::Data};
use otelcol_prometheus::FLAG_NO_RECORDED_VALUE;
use otelcol_prometheus::exphist::ExpHistogram;
use otelcol_prometheus::labels::LabelSet;
use otelcol_prometheus::model::Number;
use otelcol_prometheus::value::{any_value_string, hex_id, write_go_f};

use crate::proto::{BucketSpan, Exemplar, Histogram, Label, Sample};
use crate::translate::{Converter, Ctx, STALE_NAN};

/// Exemplar labels beyond this many characters drop the filtered attributes.
const MAX_EXEMPLAR_RUNES: usize = 128;

pub(crate) fn ms(ns: u64) -> i64 {
    (ns / 1_000_000) as i64
}

fn value(v: f64, flags: u32) -> f64 {
    if flags & FLAG_NO_RECORDED_VALUE != 0 {
        f64::from_bits(STALE_NAN)
    } else {
        v
    }
}

pub(crate) fn with(base: &LabelSet, name: &str, extra: Option<(&str, &str)>) -> Vec<Label> {
    let mut ls = base.clone();
    ls.set("__name__", name);
    if let Some((n, v)) = extra {
        ls.set(n, v);
    }
    ls.sort();
    ls.into_vec()
        .into_iter()
        .map(|(name, value)| Label { name, value })
        .collect()
}

fn exemplars(e: &[OtlpExemplar]) -> Vec<Exemplar> {
    e.iter()
        .map(|e| {
            let mut labels = Vec::new();
            let mut runes = 0;
            for (n, id) in [("trace_id", &e.trace_id), ("span_id", &e.span_id)] {
                let v = hex_id(id);
                if !v.is_empty() {
                    runes += n.len() + v.len();
                    labels.push(Label {
                        name: n.into(),
                        value: v,
                    });
                }
            }
            let attrs: Vec<Label> = e
                .filtered_attributes
                .iter()
                .map(|kv| Label {
                    name: kv.key.clone(),
                    value: any_value_string(kv.value.as_ref()),
                })
                .collect();
            runes += attrs
                .iter()
                .map(|l| l.name.chars().count() + l.value.chars().count())
                .sum::<usize>();
            if runes <= MAX_EXEMPLAR_RUNES {
                labels.extend(attrs);
            }
            let value = match e.value {
                Some(otelcol_component::proto::metrics::v1::exemplar::Value::AsInt(i)) => i as f64,
                Some(otelcol_component::proto::metrics::v1::exemplar::Value::AsDouble(d)) => d,
                None => 0.0,
            };
            Exemplar {
                labels,
                value,
                timestamp: ms(e.time_unix_nano),
            }
        })
        .collect()
}

/// Adds a metric's series; returns its latest point time.
pub(crate) fn add_metric(c: &mut Converter, ctx: &Ctx<'_>, m: &Metric, name: &str) -> u64 {
    let mut latest = 0;
    match &m.data {
        Some(Data::Gauge(g)) => {
            for p in &g.data_points {
                latest = latest.max(p.time_unix_nano);
                let sample = Sample {
                    value: value(Number::of(p).as_f64(), p.flags),
                    timestamp: ms(p.time_unix_nano),
                };
                c.series(with(&ctx.base(&p.attributes), name, None))
                    .samples
                    .push(sample);
            }
        }
        Some(Data::Sum(sum)) => {
            for p in &sum.data_points {
                latest = latest.max(p.time_unix_nano);
                let sample = Sample {
                    value: value(Number::of(p).as_f64(), p.flags),
                    timestamp: ms(p.time_unix_nano),
                };
                let ts = c.series(with(&ctx.base(&p.attributes), name, None));
                ts.samples.push(sample);
                if sum.is_monotonic {
                    ts.exemplars.extend(exemplars(&p.exemplars));
                }
            }
        }
        Some(Data::Histogram(h)) => {
            for p in &h.data_points {
                latest = latest.max(p.time_unix_nano);
                let t = ms(p.time_unix_nano);
                let base = ctx.base(&p.attributes);
                if let Some(sum) = p.sum {
                    let sample = Sample {
                        value: value(sum, p.flags),
                        timestamp: t,
                    };
                    c.series(with(&base, &format!("{name}_sum"), None))
                        .samples
                        .push(sample);
                }
                let count = Sample {
                    value: value(p.count as f64, p.flags),
                    timestamp: t,
                };
                c.series(with(&base, &format!("{name}_count"), None))
                    .samples
                    .push(count);
                let bucket = format!("{name}_bucket");
                let mut cumulative = 0u64;
                let mut bounds: Vec<(f64, Vec<Label>)> = Vec::with_capacity(p.explicit_bounds.len() + 1);
                for (le, n) in p.explicit_bounds.iter().zip(&p.bucket_counts) {
                    cumulative = cumulative.saturating_add(*n);
                    let mut le_str = String::new();
                    write_go_f(&mut le_str, *le);
                    let labels = with(&base, &bucket, Some(("le", &le_str)));
                    let sample = Sample {
                        value: value(cumulative as f64, p.flags),
                        timestamp: t,
                    };
                    c.series(labels.clone()).samples.push(sample);
                    bounds.push((*le, labels));
                }
                let labels = with(&base, &bucket, Some(("le", "+Inf")));
                let sample = Sample {
                    value: value(p.count as f64, p.flags),
                    timestamp: t,
                };
                c.series(labels.clone()).samples.push(sample);
                bounds.push((f64::INFINITY, labels));
                bounds.sort_by(|a, b| a.0.total_cmp(&b.0));
                for e in exemplars(&p.exemplars) {
                    if let Some((_, labels)) = bounds.iter().find(|(b, _)| e.value <= *b) {
                        c.series(labels.clone()).exemplars.push(e);
                    }
                }
            }
        }
        Some(Data::ExponentialHistogram(h)) => {
            for p in &h.data_points {
                let native = match ExpHistogram::from_point(p).native() {
                    Ok(n) => n,
                    Err(e) => {
                        c.out.errors.push(format!("metric {:?}: {e}", m.name));
                        continue;
                    }
                };
                latest = latest.max(p.time_unix_nano);
                let spans = |s: &[otelcol_prometheus::exphist::Span]| {
                    s.iter()
                        .map(|s| BucketSpan {
                            offset: s.offset,
                            length: s.length,
                        })
                        .collect()
                };
                let hist = Histogram {
                    count_int: native.count,
                    sum: value(native.sum, p.flags),
                    schema: native.schema,
                    zero_threshold: native.zero_threshold,
                    zero_count_int: native.zero_count,
                    negative_spans: spans(&native.negative_spans),
                    negative_deltas: native.negative_deltas,
                    positive_spans: spans(&native.positive_spans),
                    positive_deltas: native.positive_deltas,
                    reset_hint: 0,
                    timestamp: ms(p.time_unix_nano),
                };
                let ts = c.series(with(&ctx.base(&p.attributes), name, None));
                ts.histograms.push(hist);
                ts.exemplars.extend(exemplars(&p.exemplars));
            }
        }
        Some(Data::Summary(sm)) => {
            for p in &sm.data_points {
                latest = latest.max(p.time_unix_nano);
                let t = ms(p.time_unix_nano);
                let base = ctx.base(&p.attributes);
                let sum = Sample {
                    value: value(p.sum, p.flags),
                    timestamp: t,
                };
                c.series(with(&base, &format!("{name}_sum"), None))
                    .samples
                    .push(sum);
                let count = Sample {
                    value: value(p.count as f64, p.flags),
                    timestamp: t,
                };
                c.series(with(&base, &format!("{name}_count"), None))
                    .samples
                    .push(count);
                for q in &p.quantile_values {
                    let mut qs = String::new();
                    write_go_f(&mut qs, q.quantile);
                    let sample = Sample {
                        value: value(q.value, p.flags),
                        timestamp: t,
                    };
                    c.series(with(&base, name, Some(("quantile", &qs))))
                        .samples
                        .push(sample);
                }
            }
        }
        None => {}
    }
    latest
}
