//! The `probabilistic_sampler` processor's config (Go `probabilisticsamplerprocessor.Config`).

use std::fmt;

use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::SamplerConfigError;
use crate::sampling::{MIN_SAMPLING_PROBABILITY, NUM_HEX_DIGITS};

/// `attribute_source: traceID`.
pub const ATTRIBUTE_SOURCE_TRACE_ID: &str = "traceID";
/// `attribute_source: record`.
pub const ATTRIBUTE_SOURCE_RECORD: &str = "record";

/// Default `sampling_percentage`: 0 (nothing is sampled).
pub const DEFAULT_SAMPLING_PERCENTAGE: f32 = 0.0;
/// Default `hash_seed`.
pub const DEFAULT_HASH_SEED: u32 = 0;
/// Default `fail_closed`.
pub const DEFAULT_FAIL_CLOSED: bool = true;
/// Default `sampling_precision` in hex digits.
pub const DEFAULT_SAMPLING_PRECISION: i32 = 4;
/// Default `attribute_source`.
pub const DEFAULT_ATTRIBUTE_SOURCE: &str = ATTRIBUTE_SOURCE_TRACE_ID;

/// `mode:`, the sampling behaviour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SamplerMode {
    /// Not set: `hash_seed` (Go's `defaultMode`).
    #[default]
    Unset,
    /// The legacy FNV hash of seed + trace id (or log attribute).
    HashSeed,
    /// OTEP 235: an absolute threshold, never below the arriving one.
    Equalizing,
    /// OTEP 235: the arriving probability multiplied by the configured one.
    Proportional,
}

impl SamplerMode {
    /// The config spelling (`""` when unset).
    pub fn as_str(self) -> &'static str {
        match self {
            SamplerMode::Unset => "",
            SamplerMode::HashSeed => "hash_seed",
            SamplerMode::Equalizing => "equalizing",
            SamplerMode::Proportional => "proportional",
        }
    }

    /// Parses the config spelling, with Go's error.
    pub fn parse(s: &str) -> Result<Self, SamplerConfigError> {
        Ok(match s {
            "" => SamplerMode::Unset,
            "hash_seed" => SamplerMode::HashSeed,
            "equalizing" => SamplerMode::Equalizing,
            "proportional" => SamplerMode::Proportional,
            other => return Err(SamplerConfigError::UnsupportedMode(other.to_owned())),
        })
    }
}

impl fmt::Display for SamplerMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for SamplerMode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SamplerMode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Option::<String>::deserialize(d)?.unwrap_or_default();
        SamplerMode::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Config of the `probabilistic_sampler` processor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProbabilisticSamplerConfig {
    /// Percentage of traces or log records kept; 0 keeps none, 100 and more
    /// keep all. Default: 0.
    pub sampling_percentage: f32,

    /// Seed of the `hash_seed` mode's hash; collectors of one tier must share
    /// it, different tiers should differ. Default: 0.
    pub hash_seed: u32,

    /// `hash_seed`, `proportional` or `equalizing`. Default: unset, which
    /// means `hash_seed`.
    pub mode: SamplerMode,

    /// Drop items whose randomness cannot be read (no trace id, a bad
    /// tracestate, an arriving threshold in `hash_seed` mode). Default: true.
    pub fail_closed: bool,

    /// Hex digits of the threshold written to `th` (1 to 14). Default: 4.
    pub sampling_precision: i32,

    /// Logs only: `traceID` (hash the trace id, falling back to
    /// `from_attribute`) or `record` (hash `from_attribute`). Default: `traceID`.
    pub attribute_source: String,

    /// Logs only: the attribute hashed when there is no trace id or
    /// `attribute_source` is `record`. Default: `""`.
    pub from_attribute: String,

    /// Logs only: an attribute whose number (a percentage) replaces
    /// `sampling_percentage` for that record. Default: `""`.
    pub sampling_priority: String,
}

impl Default for ProbabilisticSamplerConfig {
    fn default() -> Self {
        ProbabilisticSamplerConfig {
            sampling_percentage: DEFAULT_SAMPLING_PERCENTAGE,
            hash_seed: DEFAULT_HASH_SEED,
            mode: SamplerMode::Unset,
            fail_closed: DEFAULT_FAIL_CLOSED,
            sampling_precision: DEFAULT_SAMPLING_PRECISION,
            attribute_source: DEFAULT_ATTRIBUTE_SOURCE.to_owned(),
            from_attribute: String::new(),
            sampling_priority: String::new(),
        }
    }
}

impl ProbabilisticSamplerConfig {
    /// Go's `Config.Validate`, in Go's order, as a typed error.
    pub fn check(&self) -> Result<(), SamplerConfigError> {
        let pct = self.sampling_percentage;
        if pct.is_infinite() || pct.is_nan() {
            return Err(SamplerConfigError::InvalidRate(pct));
        }
        let ratio = f64::from(pct) / 100.0;
        if ratio < 0.0 {
            return Err(SamplerConfigError::NegativeRate(pct));
        }
        if ratio != 0.0 && ratio < MIN_SAMPLING_PROBABILITY {
            return Err(SamplerConfigError::RateTooSmall(pct));
        }
        if !self.attribute_source.is_empty()
            && self.attribute_source != ATTRIBUTE_SOURCE_TRACE_ID
            && self.attribute_source != ATTRIBUTE_SOURCE_RECORD
        {
            return Err(SamplerConfigError::InvalidAttributeSource(
                self.attribute_source.clone(),
            ));
        }
        if self.sampling_precision <= 0 {
            return Err(SamplerConfigError::InvalidPrecision(self.sampling_precision));
        }
        if self.sampling_precision > NUM_HEX_DIGITS as i32 {
            return Err(SamplerConfigError::PrecisionTooGreat(self.sampling_precision));
        }
        Ok(())
    }
}

impl ComponentConfig for ProbabilisticSamplerConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        self.check().map_err(Into::into)
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
