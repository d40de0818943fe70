//! Exponential histograms: merging (delta accumulation), downscaling,
//! conversion to Prometheus native histograms (spans and deltas), and the
//! documented conversion to classic `le` buckets.
//!
//! OTLP bucket `i` at scale `s` covers `(base^i, base^(i+1)]` with
//! `base = 2^(2^-s)`; Prometheus native bucket `i + 1` covers the same range.
//!
//! **Classic conversion** (used when the scraper cannot take native
//! histograms): each populated negative bucket `i`, most negative first,
//! becomes `le = -base^i`; the zero bucket becomes `le = zero_threshold`;
//! each positive bucket `i` becomes `le = base^(i+1)`; counts are made
//! cumulative and `+Inf` is the total count. Bounds that are not finite or
//! not strictly increasing are folded into the next bucket.

use crate::proto::metrics::v1::ExponentialHistogramDataPoint;

/// Highest native-histogram schema Prometheus accepts.
pub const MAX_NATIVE_SCALE: i32 = 8;
/// Lowest native-histogram schema Prometheus accepts.
pub const MIN_NATIVE_SCALE: i32 = -4;
/// Zero threshold used when a point has none (Go `defaultZeroThreshold`).
pub const DEFAULT_ZERO_THRESHOLD: f64 = 1e-128;
/// Merged histograms are downscaled until each side spans at most this many buckets.
const MAX_MERGED_BUCKETS: i64 = 1 << 14;

/// One side (positive or negative) of an exponential histogram.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Buckets {
    /// Index of the first bucket.
    pub offset: i32,
    /// Counts of consecutive buckets from `offset`.
    pub counts: Vec<u64>,
}

impl Buckets {
    fn downscale(&self, by: u32) -> Buckets {
        if by == 0 || self.counts.is_empty() {
            return self.clone();
        }
        let by = by.min(62);
        let first = i64::from(self.offset) >> by;
        let last = (i64::from(self.offset) + self.counts.len() as i64 - 1) >> by;
        let mut counts = vec![0u64; (last - first + 1) as usize];
        for (i, c) in self.counts.iter().enumerate() {
            let k = ((i64::from(self.offset) + i as i64) >> by) - first;
            if let Some(slot) = counts.get_mut(k as usize) {
                *slot = slot.saturating_add(*c);
            }
        }
        Buckets {
            offset: first as i32,
            counts,
        }
    }

    fn range(&self) -> Option<(i64, i64)> {
        (!self.counts.is_empty()).then(|| {
            (
                i64::from(self.offset),
                i64::from(self.offset) + self.counts.len() as i64 - 1,
            )
        })
    }

    fn merge(&self, other: &Buckets) -> Buckets {
        let (a, b) = match (self.range(), other.range()) {
            (None, _) => return other.clone(),
            (_, None) => return self.clone(),
            (Some(a), Some(b)) => (a, b),
        };
        let first = a.0.min(b.0);
        let last = a.1.max(b.1);
        let mut counts = vec![0u64; (last - first + 1) as usize];
        for side in [self, other] {
            for (i, c) in side.counts.iter().enumerate() {
                let k = i64::from(side.offset) + i as i64 - first;
                if let Some(slot) = counts.get_mut(k as usize) {
                    *slot = slot.saturating_add(*c);
                }
            }
        }
        Buckets {
            offset: first as i32,
            counts,
        }
    }
}

/// An exponential histogram point's values.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpHistogram {
    /// The scale (resolution).
    pub scale: i32,
    /// Total count.
    pub count: u64,
    /// Sum, when recorded.
    pub sum: Option<f64>,
    /// Count of values in the zero bucket.
    pub zero_count: u64,
    /// Width of the zero bucket (0 when unset).
    pub zero_threshold: f64,
    /// Positive buckets.
    pub positive: Buckets,
    /// Negative buckets (by absolute value).
    pub negative: Buckets,
    /// Minimum, when recorded.
    pub min: Option<f64>,
    /// Maximum, when recorded.
    pub max: Option<f64>,
}

/// A bucket span of a native histogram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Gap to the previous span (for the first span: the start index).
    pub offset: i32,
    /// Number of consecutive buckets.
    pub length: u32,
}

/// A Prometheus native histogram (integer counts).
#[derive(Clone, Debug, PartialEq)]
pub struct Native {
    /// Schema (scale), between -4 and 8.
    pub schema: i32,
    /// Zero bucket width.
    pub zero_threshold: f64,
    /// Zero bucket count.
    pub zero_count: u64,
    /// Total count.
    pub count: u64,
    /// Sum (0 when not recorded).
    pub sum: f64,
    /// Positive spans.
    pub positive_spans: Vec<Span>,
    /// Positive bucket counts, delta-encoded.
    pub positive_deltas: Vec<i64>,
    /// Negative spans.
    pub negative_spans: Vec<Span>,
    /// Negative bucket counts, delta-encoded.
    pub negative_deltas: Vec<i64>,
}

/// Why an exponential histogram cannot become a native one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NativeError {
    /// Prometheus supports schemas from -4 to 8.
    #[error("cannot convert exponential to native histogram: scale must be >= -4, was {0}")]
    ScaleTooSmall(i32),
}

impl ExpHistogram {
    /// Reads an OTLP data point.
    pub fn from_point(p: &ExponentialHistogramDataPoint) -> Self {
        let side = |b: &Option<crate::proto::metrics::v1::exponential_histogram_data_point::Buckets>| {
            b.as_ref()
                .map(|b| Buckets {
                    offset: b.offset,
                    counts: b.bucket_counts.clone(),
                })
                .unwrap_or_default()
        };
        ExpHistogram {
            scale: p.scale,
            count: p.count,
            sum: p.sum,
            zero_count: p.zero_count,
            zero_threshold: p.zero_threshold,
            positive: side(&p.positive),
            negative: side(&p.negative),
            min: p.min,
            max: p.max,
        }
    }

    /// This histogram at a lower `scale` (no-op if `scale` is not lower).
    pub fn downscaled(&self, scale: i32) -> ExpHistogram {
        let by = self.scale.saturating_sub(scale).max(0) as u32;
        ExpHistogram {
            // Shifts past 62 leave every i32 index at 0 or -1, as a shift of 62 does.
            scale: self.scale.min(scale),
            positive: self.positive.downscale(by),
            negative: self.negative.downscale(by),
            ..self.clone()
        }
    }

    /// The sum of two histograms of the same series (delta accumulation):
    /// both are brought to the lower scale and their buckets added.
    pub fn merge(&self, other: &ExpHistogram) -> ExpHistogram {
        let mut scale = self.scale.min(other.scale);
        // Lower the scale until the merged range is small enough, before allocating.
        while scale > self.scale.saturating_sub(62).max(other.scale.saturating_sub(62))
            && (merged_width(&self.positive, self.scale, &other.positive, other.scale, scale)
                > MAX_MERGED_BUCKETS
                || merged_width(&self.negative, self.scale, &other.negative, other.scale, scale)
                    > MAX_MERGED_BUCKETS)
        {
            scale -= 1;
        }
        let a = self.downscaled(scale);
        let b = other.downscaled(scale);
        let opt = |x: Option<f64>, y: Option<f64>, f: fn(f64, f64) -> f64| match (x, y) {
            (Some(x), Some(y)) => Some(f(x, y)),
            (x, y) => x.or(y),
        };
        ExpHistogram {
            scale: a.scale.min(b.scale),
            count: a.count.saturating_add(b.count),
            sum: if a.sum.is_some() || b.sum.is_some() {
                Some(a.sum.unwrap_or(0.0) + b.sum.unwrap_or(0.0))
            } else {
                None
            },
            zero_count: a.zero_count.saturating_add(b.zero_count),
            zero_threshold: a.zero_threshold.max(b.zero_threshold),
            positive: a.positive.merge(&b.positive),
            negative: a.negative.merge(&b.negative),
            min: opt(a.min, b.min, f64::min),
            max: opt(a.max, b.max, f64::max),
        }
    }

    /// The native histogram: scales above 8 are downscaled to 8, scales
    /// below -4 are refused; a zero threshold of 0 becomes 1e-128.
    pub fn native(&self) -> Result<Native, NativeError> {
        if self.scale < MIN_NATIVE_SCALE {
            return Err(NativeError::ScaleTooSmall(self.scale));
        }
        let h = self.downscaled(MAX_NATIVE_SCALE);
        let encode = |b: &Buckets| -> (Vec<Span>, Vec<i64>) {
            if b.counts.is_empty() {
                return (Vec::new(), Vec::new());
            }
            let span = Span {
                offset: b.offset.saturating_add(1),
                length: b.counts.len() as u32,
            };
            let mut prev = 0i64;
            let deltas = b
                .counts
                .iter()
                .map(|c| {
                    let c = i64::try_from(*c).unwrap_or(i64::MAX);
                    let d = c.wrapping_sub(prev);
                    prev = c;
                    d
                })
                .collect();
            (vec![span], deltas)
        };
        let (positive_spans, positive_deltas) = encode(&h.positive);
        let (negative_spans, negative_deltas) = encode(&h.negative);
        Ok(Native {
            schema: h.scale,
            zero_threshold: if h.zero_threshold == 0.0 {
                DEFAULT_ZERO_THRESHOLD
            } else {
                h.zero_threshold
            },
            zero_count: h.zero_count,
            count: h.count,
            sum: h.sum.unwrap_or(0.0),
            positive_spans,
            positive_deltas,
            negative_spans,
            negative_deltas,
        })
    }

    /// Classic cumulative buckets `(le, count)`, without `+Inf` (see the module docs).
    pub fn classic_buckets(&self) -> Vec<(f64, u64)> {
        let factor = (-f64::from(self.scale)).exp2();
        let bound = |i: i64| (i as f64 * factor).exp2();
        let mut out: Vec<(f64, u64)> =
            Vec::with_capacity(self.positive.counts.len() + self.negative.counts.len() + 1);
        let mut cumulative = 0u64;
        let mut push = |le: f64, c: u64, out: &mut Vec<(f64, u64)>| {
            cumulative = cumulative.saturating_add(c);
            let increasing = out.last().is_none_or(|(last, _)| le > *last);
            if le.is_finite() && increasing {
                out.push((le, cumulative));
            }
        };
        let neg_offset = i64::from(self.negative.offset);
        for (i, c) in self.negative.counts.iter().enumerate().rev() {
            push(-bound(neg_offset + i as i64), *c, &mut out);
        }
        push(self.zero_threshold, self.zero_count, &mut out);
        let pos_offset = i64::from(self.positive.offset);
        for (i, c) in self.positive.counts.iter().enumerate() {
            push(bound(pos_offset + i as i64 + 1), *c, &mut out);
        }
        out
    }
}

/// Number of buckets the union of `a` (at `sa`) and `b` (at `sb`) spans at `scale`.
fn merged_width(a: &Buckets, sa: i32, b: &Buckets, sb: i32, scale: i32) -> i64 {
    let shifted = |x: &Buckets, s: i32| {
        let by = s.saturating_sub(scale).clamp(0, 62) as u32;
        x.range().map(|(f, l)| (f >> by, l >> by))
    };
    match (shifted(a, sa), shifted(b, sb)) {
        (Some(x), Some(y)) => x.1.max(y.1) - x.0.min(y.0) + 1,
        (Some(x), None) | (None, Some(x)) => x.1 - x.0 + 1,
        (None, None) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(scale: i32, offset: i32, counts: &[u64]) -> ExpHistogram {
        let total: u64 = counts.iter().sum();
        ExpHistogram {
            scale,
            count: total,
            sum: Some(1.0),
            zero_count: 0,
            zero_threshold: 0.0,
            positive: Buckets {
                offset,
                counts: counts.to_vec(),
            },
            negative: Buckets::default(),
            min: None,
            max: None,
        }
    }

    #[test]
    fn downscale_merges_pairs_with_floor_division() {
        let b = Buckets {
            offset: -3,
            counts: vec![1, 2, 3, 4, 5],
        };
        // indexes -3..=1 >> 1 → -2,-1,-1,0,0
        assert_eq!(
            b.downscale(1),
            Buckets {
                offset: -2,
                counts: vec![1, 5, 9]
            }
        );
    }

    #[test]
    fn merge_aligns_scales_and_offsets() {
        let a = h(1, 0, &[1, 1]); // scale 1: indexes 0,1 → scale 0: 0
        let b = h(0, 1, &[3]);
        let m = a.merge(&b);
        assert_eq!(m.scale, 0);
        assert_eq!(
            m.positive,
            Buckets {
                offset: 0,
                counts: vec![2, 3]
            }
        );
        assert_eq!(m.count, 5);
        assert_eq!(m.sum, Some(2.0));
    }

    #[test]
    fn merge_of_far_apart_buckets_stays_bounded() {
        let a = h(0, -1_000_000_000, &[1]);
        let b = h(0, 1_000_000_000, &[1]);
        let m = a.merge(&b);
        assert!(m.positive.counts.len() as i64 <= MAX_MERGED_BUCKETS);
        assert_eq!(m.positive.counts.iter().sum::<u64>(), 2);
    }

    #[test]
    fn native_encoding() {
        let n = h(2, -1, &[2, 5, 1]).native().unwrap();
        assert_eq!(n.schema, 2);
        assert_eq!(n.positive_spans, vec![Span { offset: 0, length: 3 }]);
        assert_eq!(n.positive_deltas, vec![2, 3, -4]);
        assert_eq!(n.zero_threshold, DEFAULT_ZERO_THRESHOLD);
        let n = h(10, 8, &[1, 1, 1, 1, 1]).native().unwrap();
        assert_eq!(n.schema, 8);
        assert_eq!(n.positive_spans, vec![Span { offset: 3, length: 2 }]);
        assert_eq!(n.positive_deltas, vec![4, -3]);
        assert_eq!(h(-5, 0, &[1]).native(), Err(NativeError::ScaleTooSmall(-5)));
        let n = h(i32::MAX, -3, &[1, 1, 1, 1]).native().unwrap();
        assert_eq!(n.schema, 8);
        assert_eq!(n.positive_spans, vec![Span { offset: 0, length: 2 }]);
    }

    #[test]
    fn classic_conversion_bounds() {
        // scale 0: base 2; positive bucket i covers (2^i, 2^(i+1)].
        let mut x = h(0, 0, &[1, 2]);
        x.negative = Buckets {
            offset: 1,
            counts: vec![4],
        }; // [-4, -2)
        x.zero_count = 3;
        x.zero_threshold = 0.001;
        x.count = 10;
        assert_eq!(
            x.classic_buckets(),
            vec![(-2.0, 4), (0.001, 7), (2.0, 8), (4.0, 10)]
        );
        // scale 1: base sqrt(2)
        let b = h(1, 0, &[1]).classic_buckets();
        assert!((b[1].0 - 2f64.sqrt()).abs() < 1e-12);
    }
}
