//! OTEP 235 consistent probability sampling: 56-bit thresholds and
//! randomness, their `th` / `rv` encodings, and the W3C `tracestate` that
//! carries them — the Go collector's `pkg/sampling`, bit for bit.

mod tracestate;

pub use tracestate::{InconsistentSampling, OTelTraceState, TraceStateError, W3CTraceState};

/// 2^56: the number of distinct randomness values, one more than the largest.
pub const MAX_ADJUSTED_COUNT: u64 = 1 << 56;

/// Hex digits of a full-precision threshold or randomness value (56 bits).
pub const NUM_HEX_DIGITS: usize = 14;

/// The smallest sampling probability a threshold can express, 2^-56.
pub const MIN_SAMPLING_PROBABILITY: f64 = 1.0 / MAX_ADJUSTED_COUNT as f64;

const HEX_BITS: i32 = 4;

/// A rejection threshold: the number of randomness values, out of 2^56,
/// that are *not* sampled. An item is sampled when `threshold <= randomness`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Threshold(u64);

/// 56 bits of randomness, from an `rv` value or the low 7 bytes of a trace id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Randomness(u64);

/// A probability outside `[2^-56, 1]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("sampling probability out of the range [1/MaxAdjustedCount, 1]")]
pub struct ProbabilityRangeError;

/// Parses 1 to 16 hex digits (either case), as Go's `strconv.ParseUint(s, 16, 64)`.
fn parse_hex(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(s, 16).ok()
}

impl Threshold {
    /// 100% sampling (`th:0`).
    pub const ALWAYS_SAMPLE: Threshold = Threshold(0);
    /// 0% sampling (no `th` value).
    pub const NEVER_SAMPLE: Threshold = Threshold(MAX_ADJUSTED_COUNT);

    /// A threshold from its unsigned form; values of 2^56 and above are refused.
    pub fn from_unsigned(unsigned: u64) -> Option<Self> {
        (unsigned < MAX_ADJUSTED_COUNT).then_some(Threshold(unsigned))
    }

    /// Parses a `th` value: 1 to 14 hex digits, trailing zeros omitted.
    pub fn from_tvalue(s: &str) -> Option<Self> {
        if s.len() > NUM_HEX_DIGITS {
            return None;
        }
        let unsigned = parse_hex(s)?;
        let shift = HEX_BITS as usize * (NUM_HEX_DIGITS - s.len());
        Some(Threshold(unsigned << shift))
    }

    /// The `th` encoding: 14 hex digits without trailing zeros; `0` for
    /// always, empty for never.
    pub fn tvalue(self) -> String {
        match self {
            Threshold::ALWAYS_SAMPLE => "0".to_owned(),
            Threshold::NEVER_SAMPLE => String::new(),
            Threshold(t) => Randomness(t).rvalue().trim_end_matches('0').to_owned(),
        }
    }

    /// The rejection count out of 2^56.
    pub fn unsigned(self) -> u64 {
        self.0
    }

    /// True when an item with this randomness is sampled (`T <= R`).
    pub fn should_sample(self, rnd: Randomness) -> bool {
        self.0 <= rnd.0
    }

    /// The sampling probability, `(2^56 - T) / 2^56`.
    pub fn probability(self) -> f64 {
        MAX_ADJUSTED_COUNT.saturating_sub(self.0) as f64 / MAX_ADJUSTED_COUNT as f64
    }

    /// Go's `ProbabilityToThresholdWithPrecision`: the threshold for
    /// `fraction`, rounded to `precision` significant hex digits (more near
    /// 0 and 1 to keep the relative error small; 0 means full precision).
    pub fn from_probability(fraction: f64, precision: i32) -> Result<Self, ProbabilityRangeError> {
        let precision = if precision == 0 {
            NUM_HEX_DIGITS as i32
        } else {
            precision
        };
        if !(MIN_SAMPLING_PROBABILITY..=1.0).contains(&fraction) {
            return Err(ProbabilityRangeError);
        }
        if fraction == 1.0 {
            return Ok(Threshold::ALWAYS_SAMPLE);
        }
        let exp_f = frexp_exponent(fraction);
        let exp_r = frexp_exponent(1.0 - fraction);
        let precision = (precision + exp_f / -HEX_BITS)
            .max(precision + exp_r / -HEX_BITS)
            .clamp(1, NUM_HEX_DIGITS as i32);
        let scaled = (fraction * MAX_ADJUSTED_COUNT as f64).round() as u64;
        let mut threshold = MAX_ADJUSTED_COUNT - scaled.min(MAX_ADJUSTED_COUNT);
        let shift = HEX_BITS * (NUM_HEX_DIGITS as i32 - precision);
        if shift != 0 {
            threshold += 1 << (shift - 1);
            threshold >>= shift;
            threshold <<= shift;
        }
        Ok(Threshold(threshold))
    }
}

/// The exponent Go's `math.Frexp` returns: `x = frac * 2^exp`, `frac` in `[0.5, 1)`.
fn frexp_exponent(x: f64) -> i32 {
    if x == 0.0 || !x.is_finite() {
        return 0;
    }
    let bits = x.abs().to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased == 0 {
        // Subnormal: normalize first.
        return frexp_exponent(x * f64::from_bits(0x4350_0000_0000_0000)) - 54;
    }
    biased - 1022
}

impl Randomness {
    /// Randomness that every threshold samples (`ffffffffffffff`).
    pub const ALL_PROBABILITIES: Randomness = Randomness(MAX_ADJUSTED_COUNT - 1);

    /// Randomness from its unsigned form; values of 2^56 and above are refused.
    pub fn from_unsigned(unsigned: u64) -> Option<Self> {
        (unsigned < MAX_ADJUSTED_COUNT).then_some(Randomness(unsigned))
    }

    /// The low 56 bits of a 16-byte trace id (W3C random flag assumed);
    /// `None` for an id of another length.
    pub fn from_trace_id(id: &[u8]) -> Option<Self> {
        let low: [u8; 8] = id.get(8..16)?.try_into().ok()?;
        (id.len() == 16).then(|| Randomness(u64::from_be_bytes(low) & (MAX_ADJUSTED_COUNT - 1)))
    }

    /// Parses an `rv` value: exactly 14 hex digits.
    pub fn from_rvalue(s: &str) -> Option<Self> {
        if s.len() != NUM_HEX_DIGITS {
            return None;
        }
        parse_hex(s).map(Randomness)
    }

    /// The `rv` encoding: 14 lower-case hex digits with leading zeros.
    pub fn rvalue(self) -> String {
        if self.0 >= MAX_ADJUSTED_COUNT {
            return String::new();
        }
        format!("{:014x}", self.0)
    }

    /// The unsigned value.
    pub fn unsigned(self) -> u64 {
        self.0
    }
}

#[cfg(test)]
#[path = "sampling_tests.rs"]
mod tests;
