//! The base-2 exponential histogram of the OpenTelemetry data model, as an
//! aggregation: record values, get an [`ExponentialHistogramDataPoint`].
//!
//! It starts at the finest scale (20) and halves its resolution
//! (downscales) whenever a value would need more than `max_size` buckets on
//! one side, as the Go SDK's and the collector's aggregations do. Bucket `i`
//! at scale `s` holds the values in `(base^i, base^(i+1)]`, with
//! `base = 2^(2^-s)`.

use crate::proto::metrics::v1::ExponentialHistogramDataPoint;
use crate::proto::metrics::v1::exponential_histogram_data_point::Buckets as ProtoBuckets;

/// The finest scale (the most buckets per power of two).
pub const MAX_SCALE: i32 = 20;
/// The coarsest scale: every finite `f64` fits in two buckets.
pub const MIN_SCALE: i32 = -10;
/// The fewest buckets per side a histogram may be given.
pub const MIN_SIZE: usize = 2;

/// The bucket of `v` (> 0, finite) at `scale`.
fn index(v: f64, scale: i32) -> i32 {
    let bits = v.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let mantissa = bits & ((1u64 << 52) - 1);
    // Exact powers of two sit on a bucket's upper bound: compute them exactly.
    let power_of_two = biased != 0 && mantissa == 0;
    if scale <= 0 {
        let exponent = if biased == 0 {
            // subnormal: below 2^-1022
            v.log2().floor() as i32
        } else {
            biased - 1023
        };
        let i = if power_of_two { exponent - 1 } else { exponent };
        return i >> (-scale);
    }
    if power_of_two {
        return ((biased - 1023) << scale) - 1;
    }
    let factor = f64::from(1u32 << scale) / std::f64::consts::LN_2;
    let i = (v.ln() * factor).ceil() - 1.0;
    i.clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
}

/// One side's buckets: `counts[k]` is bucket `offset + k`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Side {
    offset: i32,
    counts: Vec<u64>,
}

impl Side {
    fn last(&self) -> i32 {
        self.offset + self.counts.len() as i32 - 1
    }

    /// How many halvings `idx` needs to fit in `max_size` buckets with the rest.
    fn change_for(&self, idx: i32, max_size: usize) -> i32 {
        if self.counts.is_empty() {
            return 0;
        }
        let (mut low, mut high) = (i64::from(self.offset.min(idx)), i64::from(self.last().max(idx)));
        let mut change = 0;
        while high - low + 1 > max_size as i64 {
            low >>= 1;
            high >>= 1;
            change += 1;
        }
        change
    }

    fn downscale(&mut self, change: i32) {
        if change <= 0 || self.counts.is_empty() {
            return;
        }
        let offset = self.offset >> change;
        let mut counts = vec![0u64; ((self.last() >> change) - offset + 1) as usize];
        for (k, c) in self.counts.iter().enumerate() {
            let i = (self.offset + k as i32) >> change;
            counts[(i - offset) as usize] += c;
        }
        self.offset = offset;
        self.counts = counts;
    }

    fn increment(&mut self, idx: i32) {
        if self.counts.is_empty() {
            self.offset = idx;
            self.counts.push(1);
            return;
        }
        if idx < self.offset {
            let grow = (self.offset - idx) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = idx;
        } else if idx > self.last() {
            let len = (idx - self.offset + 1) as usize;
            self.counts.resize(len, 0);
        }
        self.counts[(idx - self.offset) as usize] += 1;
    }

    fn to_proto(&self) -> Option<ProtoBuckets> {
        (!self.counts.is_empty()).then(|| ProtoBuckets {
            offset: self.offset,
            bucket_counts: self.counts.clone(),
        })
    }
}

/// An exponential histogram being aggregated.
#[derive(Clone, Debug, PartialEq)]
pub struct ExponentialHistogram {
    max_size: usize,
    scale: i32,
    positive: Side,
    negative: Side,
    zero_count: u64,
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
}

impl ExponentialHistogram {
    /// An empty histogram of at most `max_size` buckets per side (at least
    /// [`MIN_SIZE`]; Go's default is 160).
    pub fn new(max_size: usize) -> Self {
        ExponentialHistogram {
            max_size: max_size.max(MIN_SIZE),
            scale: MAX_SCALE,
            positive: Side::default(),
            negative: Side::default(),
            zero_count: 0,
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// Records `v`; NaN and infinities are ignored (returns false).
    pub fn record(&mut self, v: f64) -> bool {
        if !v.is_finite() {
            return false;
        }
        self.count += 1;
        self.sum += v;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        if v == 0.0 {
            self.zero_count += 1;
            return true;
        }
        let a = v.abs();
        let side = if v > 0.0 { &self.positive } else { &self.negative };
        let mut idx = index(a, self.scale);
        let change = side.change_for(idx, self.max_size).min(self.scale - MIN_SCALE);
        if change > 0 {
            self.scale -= change;
            self.positive.downscale(change);
            self.negative.downscale(change);
            idx = index(a, self.scale);
        }
        if v > 0.0 {
            self.positive.increment(idx);
        } else {
            self.negative.increment(idx);
        }
        true
    }

    /// Values recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Their sum.
    pub fn sum(&self) -> f64 {
        self.sum
    }

    /// The current scale.
    pub fn scale(&self) -> i32 {
        self.scale
    }

    /// The positive buckets: (offset, counts).
    pub fn positive(&self) -> (i32, &[u64]) {
        (self.positive.offset, &self.positive.counts)
    }

    /// Forgets every value (for delta temporality), keeping the scale.
    pub fn reset(&mut self) {
        *self = ExponentialHistogram {
            scale: self.scale,
            ..ExponentialHistogram::new(self.max_size)
        };
    }

    /// The data point (without attributes), from `start` to `time` (Unix ns).
    pub fn to_point(&self, start: u64, time: u64) -> ExponentialHistogramDataPoint {
        ExponentialHistogramDataPoint {
            start_time_unix_nano: start,
            time_unix_nano: time,
            count: self.count,
            sum: Some(self.sum),
            scale: self.scale,
            zero_count: self.zero_count,
            positive: self.positive.to_proto(),
            negative: self.negative.to_proto(),
            min: (self.count > 0).then_some(self.min),
            max: (self.count > 0).then_some(self.max),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bucket bounds of index `i` at `scale`, computed independently.
    fn bounds(i: i32, scale: i32) -> (f64, f64) {
        let base = 2f64.powf(2f64.powi(-scale));
        (base.powi(i), base.powi(i + 1))
    }

    #[test]
    fn index_puts_values_in_their_bucket() {
        for scale in [-3, -1, 0, 1, 3, 8, 20] {
            for v in [1e-9, 0.001, 0.3, 1.0, 1.5, 2.0, 3.0, 4.0, 7.9, 1000.0, 123_456.0] {
                let i = index(v, scale);
                let (lo, hi) = bounds(i, scale);
                let tol = hi * 1e-12;
                assert!(
                    v > lo - tol && v <= hi + tol,
                    "{v} at scale {scale}: bucket {i} = ({lo}, {hi}]"
                );
            }
        }
        // Powers of two are upper bounds: exact.
        assert_eq!(index(1.0, 0), -1);
        assert_eq!(index(2.0, 0), 0);
        assert_eq!(index(4.0, 1), 3);
        assert_eq!(index(0.5, 3), -9);
    }

    #[test]
    fn downscales_to_fit_max_size() {
        let mut h = ExponentialHistogram::new(2);
        h.record(1.0);
        assert_eq!(h.scale(), MAX_SCALE);
        h.record(2.0);
        assert_eq!((h.scale(), h.positive()), (0, (-1, &[1u64, 1][..])));
        h.record(4.0);
        assert_eq!((h.scale(), h.positive()), (-1, (-1, &[1u64, 2][..])));
        assert_eq!(h.count(), 3);
        assert_eq!(h.sum(), 7.0);
    }

    #[test]
    fn many_values_stay_within_max_size_and_keep_every_count() {
        let mut h = ExponentialHistogram::new(160);
        let mut n = 0;
        let mut v = 0.0001;
        while v < 100_000.0 {
            h.record(v);
            n += 1;
            v *= 1.013;
        }
        h.record(0.0);
        h.record(-3.0);
        h.record(f64::NAN);
        let p = h.to_point(1, 2);
        let pos = p.positive.as_ref().unwrap();
        assert!(pos.bucket_counts.len() <= 160, "{}", pos.bucket_counts.len());
        assert_eq!(pos.bucket_counts.iter().sum::<u64>(), n);
        assert_eq!(p.zero_count, 1);
        assert_eq!(p.negative.as_ref().unwrap().bucket_counts.iter().sum::<u64>(), 1);
        assert_eq!(p.count, n + 2);
        assert_eq!(p.min, Some(-3.0));
        // 9 decades (~30 doublings) in 160 buckets: scale 2 (4 buckets per doubling).
        assert_eq!(p.scale, 2);
        // Every value is in the bucket the final scale gives it.
        let mut check = vec![0u64; pos.bucket_counts.len()];
        let mut v = 0.0001;
        while v < 100_000.0 {
            check[(index(v, p.scale) - pos.offset) as usize] += 1;
            v *= 1.013;
        }
        assert_eq!(check, pos.bucket_counts);
        h.reset();
        assert_eq!(h.count(), 0);
        assert_eq!(h.scale(), 2);
    }
}
