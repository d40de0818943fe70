//! The values a series holds once translated from OTLP: numbers, explicit
//! and exponential histograms, summaries, exemplars.

use std::sync::Arc;

use crate::exphist::ExpHistogram;
use crate::proto::metrics::v1::{
    Exemplar as OtlpExemplar, HistogramDataPoint, NumberDataPoint, SummaryDataPoint, exemplar,
    number_data_point,
};
use crate::value::hex_id;

/// The Prometheus type of a metric family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FamilyKind {
    /// A monotonic counter (`_total`).
    Counter,
    /// A gauge (OTLP gauges and non-monotonic sums).
    Gauge,
    /// An untyped metric (gauges with metadata `prometheus.type=unknown`).
    Untyped,
    /// A histogram (classic or native).
    Histogram,
    /// A summary.
    Summary,
}

impl FamilyKind {
    /// The name in `# TYPE` lines.
    pub fn as_str(self) -> &'static str {
        match self {
            FamilyKind::Counter => "counter",
            FamilyKind::Gauge => "gauge",
            FamilyKind::Untyped => "untyped",
            FamilyKind::Histogram => "histogram",
            FamilyKind::Summary => "summary",
        }
    }
}

/// A number, integer or floating point, as OTLP carries it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// An integer value.
    Int(i64),
    /// A floating-point value.
    Double(f64),
}

impl Number {
    /// The value as `f64`.
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Double(d) => d,
        }
    }

    /// The sum of two numbers (integer if both are integers).
    pub fn plus(self, other: Number) -> Number {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => Number::Int(a.wrapping_add(b)),
            (a, b) => Number::Double(a.as_f64() + b.as_f64()),
        }
    }

    /// The value of an OTLP number point (0 when unset).
    pub fn of(p: &NumberDataPoint) -> Number {
        match p.value {
            Some(number_data_point::Value::AsInt(i)) => Number::Int(i),
            Some(number_data_point::Value::AsDouble(d)) => Number::Double(d),
            None => Number::Double(0.0),
        }
    }
}

/// An explicit-bucket histogram with sorted, unique bounds.
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramValue {
    /// Total count.
    pub count: u64,
    /// Sum, when recorded.
    pub sum: Option<f64>,
    /// Upper bounds, strictly increasing.
    pub bounds: Vec<f64>,
    /// Count per bound (non-cumulative), same length as `bounds`.
    pub counts: Vec<u64>,
}

impl HistogramValue {
    /// Reads an OTLP point. Bounds are sorted and de-duplicated as the Go
    /// exporter does (the first occurrence of a bound keeps its count).
    pub fn from_point(p: &HistogramDataPoint) -> Self {
        let count_at = |i: usize| p.bucket_counts.get(i).copied().unwrap_or(0);
        let sorted = p.explicit_bounds.windows(2).all(|w| w[0] < w[1]);
        let (bounds, counts) = if sorted {
            let n = p.explicit_bounds.len();
            (p.explicit_bounds.clone(), (0..n).map(count_at).collect())
        } else {
            let mut pairs: Vec<(f64, u64)> = Vec::with_capacity(p.explicit_bounds.len());
            for (i, b) in p.explicit_bounds.iter().enumerate() {
                if !pairs.iter().any(|(x, _)| x == b) {
                    pairs.push((*b, count_at(i)));
                }
            }
            pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
            pairs.into_iter().unzip()
        };
        HistogramValue {
            count: p.count,
            sum: p.sum,
            bounds,
            counts,
        }
    }

    /// The sum of two histograms when their bounds match; otherwise `newer`.
    pub fn merge(older: &HistogramValue, newer: &HistogramValue) -> HistogramValue {
        if older.bounds != newer.bounds {
            return newer.clone();
        }
        HistogramValue {
            count: older.count.saturating_add(newer.count),
            sum: match (older.sum, newer.sum) {
                (None, None) => None,
                (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
            },
            bounds: newer.bounds.clone(),
            counts: older
                .counts
                .iter()
                .zip(&newer.counts)
                .map(|(a, b)| a.saturating_add(*b))
                .collect(),
        }
    }
}

/// A summary: count, sum and quantiles sorted by quantile.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryValue {
    /// Count of observations.
    pub count: u64,
    /// Sum of observations.
    pub sum: f64,
    /// `(quantile, value)`, sorted by quantile, unique.
    pub quantiles: Vec<(f64, f64)>,
}

impl SummaryValue {
    /// Reads an OTLP point (a repeated quantile keeps its last value).
    pub fn from_point(p: &SummaryDataPoint) -> Self {
        let mut quantiles: Vec<(f64, f64)> = Vec::with_capacity(p.quantile_values.len());
        for q in &p.quantile_values {
            match quantiles.iter_mut().find(|(x, _)| *x == q.quantile) {
                Some(slot) => slot.1 = q.value,
                None => quantiles.push((q.quantile, q.value)),
            }
        }
        quantiles.sort_by(|a, b| a.0.total_cmp(&b.0));
        SummaryValue {
            count: p.count,
            sum: p.sum,
            quantiles,
        }
    }
}

/// An exemplar: a traced measurement attached to a counter or histogram.
#[derive(Clone, Debug, PartialEq)]
pub struct Exemplar {
    /// The measured value.
    pub value: f64,
    /// When it was measured (ns since the epoch, 0 if unknown).
    pub time_unix_nano: u64,
    /// Hex trace id (empty if none).
    pub trace_id: String,
    /// Hex span id (empty if none).
    pub span_id: String,
}

impl Exemplar {
    /// Reads an OTLP exemplar.
    pub fn from_otlp(e: &OtlpExemplar) -> Self {
        Exemplar {
            value: match e.value {
                Some(exemplar::Value::AsInt(i)) => i as f64,
                Some(exemplar::Value::AsDouble(d)) => d,
                None => 0.0,
            },
            time_unix_nano: e.time_unix_nano,
            trace_id: hex_id(&e.trace_id),
            span_id: hex_id(&e.span_id),
        }
    }

    /// Reads a point's exemplars.
    pub fn all(e: &[OtlpExemplar]) -> Vec<Exemplar> {
        e.iter().map(Exemplar::from_otlp).collect()
    }
}

/// The value of a series.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Gauge, counter or untyped value.
    Number(Number),
    /// Explicit-bucket histogram.
    Histogram(Box<HistogramValue>),
    /// Exponential histogram.
    Exponential(Box<ExpHistogram>),
    /// Summary.
    Summary(Box<SummaryValue>),
}

/// A value with its time range and exemplars.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Start of the accumulation period (ns since the epoch, 0 if unknown).
    pub start_unix_nano: u64,
    /// Time of the value (ns since the epoch; 0 means "no timestamp").
    pub time_unix_nano: u64,
    /// The value.
    pub value: Value,
    /// Exemplars of the latest point.
    pub exemplars: Vec<Exemplar>,
}

/// One series: its rendered label string and its current sample.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// `a="x",b="y"`: sorted, escaped, without braces (may be empty).
    pub labels: Arc<str>,
    /// The current sample.
    pub sample: Sample,
}
