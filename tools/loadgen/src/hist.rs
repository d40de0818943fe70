//! A log-bucket latency histogram (HDR-like: 32 sub-buckets per power of two,
//! so a reported percentile is within ~3% of the true value).

/// Values below this are recorded exactly.
const EXACT: u64 = 64;
/// Sub-buckets per power of two above `EXACT`.
const SUB: u64 = 32;
/// Bucket count covering every `u64`.
const BUCKETS: usize = 64 + 58 * 32;

/// A histogram of `u64` values (microseconds for latencies).
#[derive(Clone, Debug)]
pub(crate) struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            counts: vec![0; BUCKETS],
            total: 0,
            max: 0,
        }
    }
}

fn index(v: u64) -> usize {
    if v < EXACT {
        return v as usize;
    }
    let msb = 63 - u64::from(v.leading_zeros());
    let shift = msb - 5;
    let sub = (v >> shift) - SUB;
    (EXACT + (shift - 1) * SUB + sub) as usize
}

/// Highest value that falls in bucket `i`.
fn upper(i: usize) -> u64 {
    let i = i as u64;
    if i < EXACT {
        return i;
    }
    let shift = (i - EXACT) / SUB + 1;
    let sub = (i - EXACT) % SUB + SUB;
    ((sub + 1) << shift).saturating_sub(1)
}

impl Histogram {
    /// Records one value.
    pub(crate) fn record(&mut self, v: u64) {
        if let Some(c) = self.counts.get_mut(index(v)) {
            *c += 1;
        }
        self.total += 1;
        self.max = self.max.max(v);
    }

    /// Adds every value of `other`.
    pub(crate) fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
    }

    /// Number of recorded values.
    pub(crate) fn count(&self) -> u64 {
        self.total
    }

    /// The value at quantile `q` (0.0–1.0): the highest value of the bucket
    /// holding the ⌈q·n⌉-th smallest value, capped at the maximum seen.
    pub(crate) fn quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return upper(i).min(self.max);
            }
        }
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous() {
        for i in 0..BUCKETS - 1 {
            assert_eq!(index(upper(i)), i, "upper of {i}");
            assert_eq!(index(upper(i) + 1), i + 1, "after {i}");
        }
        assert_eq!(index(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn percentiles_within_three_percent() {
        let mut h = Histogram::default();
        for v in 1..=100_000u64 {
            h.record(v);
        }
        for (q, want) in [(0.5, 50_000.0), (0.9, 90_000.0), (0.99, 99_000.0)] {
            let got = h.quantile(q) as f64;
            assert!((got - want).abs() / want < 0.035, "q{q}: {got} vs {want}");
            assert!(got >= want, "q{q} reports the bucket's top: {got}");
        }
        assert_eq!(h.quantile(1.0), 100_000);
        assert_eq!(h.count(), 100_000);
    }

    #[test]
    fn small_values_exact_and_merge() {
        let mut a = Histogram::default();
        let mut b = Histogram::default();
        for _ in 0..90 {
            a.record(3);
        }
        for _ in 0..10 {
            b.record(40);
        }
        a.merge(&b);
        assert_eq!(a.quantile(0.5), 3);
        assert_eq!(a.quantile(0.9), 3);
        assert_eq!(a.quantile(0.91), 40);
        assert_eq!(Histogram::default().quantile(0.5), 0);
    }
}
