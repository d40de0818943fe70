//! Errors: config validation (Go's messages) and per-item sampling conditions.

use otelcol_component::ConfigError;

use crate::sampling::TraceStateError;

/// Go's `%f` for a float32 (`+Inf`, `NaN`, else six decimals).
fn go_f(v: f32) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        format!("{v:.6}")
    }
}

/// Go's `%g` for a float32 in the range it is used for (tiny positive values).
fn go_g(v: f32) -> String {
    format!("{v:e}")
}

/// Why a `probabilistic_sampler` config is refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SamplerConfigError {
    /// `sampling_percentage` is infinite or NaN.
    #[error("sampling rate is invalid: {}%", go_f(*.0))]
    InvalidRate(f32),
    /// `sampling_percentage` is negative.
    #[error("sampling rate is negative: {}%", go_f(*.0))]
    NegativeRate(f32),
    /// `sampling_percentage` is positive but below 2^-56.
    #[error("sampling rate is too small: {}%", go_g(*.0))]
    RateTooSmall(f32),
    /// `attribute_source` is not `traceID` or `record`.
    #[error("invalid attribute source: {0}. Expected: traceID or record")]
    InvalidAttributeSource(String),
    /// `sampling_precision` is 0 (Go's message) or negative (Go accepts it).
    #[error("invalid sampling precision: {0}")]
    InvalidPrecision(i32),
    /// `sampling_precision` is above 14.
    #[error("sampling precision is too great, should be <= 14: {0}")]
    PrecisionTooGreat(i32),
    /// `mode` is not one of the three modes.
    #[error("unsupported sampler mode {0:?}")]
    UnsupportedMode(String),
}

impl SamplerConfigError {
    /// The config key the error is about.
    pub fn key(&self) -> &'static str {
        match self {
            SamplerConfigError::InvalidRate(_)
            | SamplerConfigError::NegativeRate(_)
            | SamplerConfigError::RateTooSmall(_) => "sampling_percentage",
            SamplerConfigError::InvalidAttributeSource(_) => "attribute_source",
            SamplerConfigError::InvalidPrecision(_) | SamplerConfigError::PrecisionTooGreat(_) => {
                "sampling_precision"
            }
            SamplerConfigError::UnsupportedMode(_) => "mode",
        }
    }
}

impl From<SamplerConfigError> for ConfigError {
    fn from(e: SamplerConfigError) -> Self {
        ConfigError::at(e.key(), e.to_string())
    }
}

/// Why an item's sampling decision could not use its randomness or
/// threshold; the item is then kept or dropped as `fail_closed` says.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SampleError {
    /// The arriving threshold would not have sampled this item's randomness.
    #[error("inconsistent arriving threshold: item should not have been sampled")]
    InconsistentArrivingTValue,
    /// No trace id, `rv` or hashable attribute.
    #[error("missing randomness")]
    MissingRandomness,
    /// `hash_seed` mode met an item carrying `rv`.
    #[error("item has sampling randomness, equalizing or proportional mode recommended")]
    RandomnessInUse,
    /// `hash_seed` mode met an item carrying `th`.
    #[error("item has sampling threshold, equalizing or proportional mode recommended")]
    ThresholdInUse,
    /// The tracestate (or a log record's `sampling.*` attribute) did not parse.
    #[error(transparent)]
    TraceState(#[from] TraceStateError),
}

impl SampleError {
    /// The ordinary conditions Go logs at debug level (the others at info).
    pub fn is_ordinary(&self) -> bool {
        !matches!(self, SampleError::TraceState(_))
    }
}
