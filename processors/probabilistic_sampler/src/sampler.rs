//! The sampling modes and the per-item decision shared by spans and log
//! records (Go's `sampler_mode.go`).

use crate::config::{ATTRIBUTE_SOURCE_TRACE_ID, ProbabilisticSamplerConfig, SamplerMode};
use crate::error::SampleError;
use crate::hash::{hash_threshold, scaled_sample_rate};
use crate::sampling::{InconsistentSampling, MIN_SAMPLING_PROBABILITY, Randomness, Threshold};

/// Where an item's randomness came from; the `policy` label of the
/// `count_*_sampled` metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy<'a> {
    /// No randomness was found.
    MissingRandomness,
    /// `hash_seed` mode, hash of the trace id.
    TraceIdHash,
    /// An explicit `rv` (tracestate) or `sampling.randomness` (log attribute).
    SamplingRandomness,
    /// The trace id's low 56 bits (OTEP 235 modes).
    TraceIdW3c,
    /// A priority attribute decided, or sampling at 0%.
    SamplingPriority,
    /// `hash_seed` mode, hash of this log attribute.
    Attribute(&'a str),
}

impl Policy<'_> {
    /// The label value, as Go's `policyName`.
    pub fn name(&self) -> &str {
        match self {
            Policy::MissingRandomness => "missing_randomness",
            Policy::TraceIdHash => "trace_id_hash",
            Policy::SamplingRandomness => "sampling_randomness",
            Policy::TraceIdW3c => "trace_id_w3c",
            Policy::SamplingPriority => "sampling_priority",
            Policy::Attribute(name) => name,
        }
    }
}

/// Randomness with its source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rnd<'a> {
    /// The value (all-probabilities when missing).
    pub value: Randomness,
    /// Where it came from.
    pub policy: Policy<'a>,
}

impl<'a> Rnd<'a> {
    /// No randomness.
    pub(crate) const MISSING: Rnd<'static> = Rnd {
        value: Randomness::ALL_PROBABILITIES,
        policy: Policy::MissingRandomness,
    };

    /// `value` from `policy`.
    pub(crate) fn new(value: Randomness, policy: Policy<'a>) -> Self {
        Rnd { value, policy }
    }

    /// True when no randomness was found.
    pub(crate) fn is_missing(&self) -> bool {
        self.policy == Policy::MissingRandomness
    }
}

/// Where an item keeps its sampling information (a span's tracestate, a
/// log record's `sampling.*` attributes). Methods that write take the item.
pub(crate) trait Carrier<I: ?Sized> {
    /// The arriving threshold, if any.
    fn threshold(&self) -> Option<Threshold>;
    /// Removes an inconsistent arriving threshold.
    fn clear_threshold(&mut self, item: &mut I);
    /// Records the threshold the item was sampled with.
    fn update_threshold(&mut self, item: &mut I, th: Threshold) -> Result<(), InconsistentSampling>;
    /// Writes the sampling information back into the item (spans).
    fn reserialize(&mut self, item: &mut I);
}

/// What randomness extraction found: the randomness, the carrier (`None`
/// after a parse error or where Go drops it) and any error.
pub(crate) type Extracted<'a, C> = (Rnd<'a>, Option<C>, Option<SampleError>);

/// A configured sampling mode (Go's `dataSampler`).
#[derive(Clone, Debug, PartialEq)]
pub enum Sampler {
    /// 0%: nothing is sampled (unless a priority says so).
    Never,
    /// The legacy FNV hash.
    Hashing {
        /// Rejection threshold from the float32 bucket count.
        threshold: Threshold,
        /// `hash_seed`.
        seed: u32,
        /// Logs: `attribute_source` is `traceID`.
        logs_trace_id: bool,
        /// Logs: `from_attribute`.
        logs_attribute: String,
    },
    /// OTEP 235, absolute threshold.
    Equalizing {
        /// The configured threshold.
        threshold: Threshold,
    },
    /// OTEP 235, relative to the arriving probability.
    Proportional {
        /// Probability in `[2^-56, 1]`.
        ratio: f64,
        /// Hex digits of the resulting threshold.
        precision: i32,
    },
}

impl Sampler {
    /// Go's `makeSampler`: caps the percentage at 100, raises tiny
    /// probabilities to 2^-56; unset mode is `hash_seed`.
    pub fn new(cfg: &ProbabilisticSamplerConfig) -> Self {
        let pct = if cfg.sampling_percentage > 100.0 {
            100.0
        } else {
            cfg.sampling_percentage
        };
        if pct == 0.0 || pct.is_nan() {
            return Sampler::Never;
        }
        let ratio = (f64::from(pct) / 100.0).max(MIN_SAMPLING_PROBABILITY);
        match cfg.mode {
            SamplerMode::Equalizing => Sampler::Equalizing {
                threshold: Threshold::from_probability(ratio, cfg.sampling_precision)
                    .unwrap_or(Threshold::ALWAYS_SAMPLE),
            },
            SamplerMode::Proportional => Sampler::Proportional {
                ratio,
                precision: cfg.sampling_precision,
            },
            SamplerMode::HashSeed | SamplerMode::Unset => match scaled_sample_rate(pct) {
                0 => Sampler::Never,
                scaled => Sampler::Hashing {
                    threshold: hash_threshold(scaled),
                    seed: cfg.hash_seed,
                    logs_trace_id: cfg.attribute_source == ATTRIBUTE_SOURCE_TRACE_ID,
                    logs_attribute: cfg.from_attribute.clone(),
                },
            },
        }
    }

    /// The threshold for an item whose randomness was read without error.
    fn decide(&self, arriving: Option<Threshold>) -> Threshold {
        match self {
            Sampler::Never => Threshold::NEVER_SAMPLE,
            Sampler::Hashing { threshold, .. } => *threshold,
            Sampler::Equalizing { threshold } => match arriving {
                Some(tv) if *threshold < tv => tv,
                _ => *threshold,
            },
            Sampler::Proportional { ratio, precision } => {
                let incoming = arriving.map_or(1.0, Threshold::probability);
                Threshold::from_probability(incoming * ratio, *precision).unwrap_or(Threshold::NEVER_SAMPLE)
            }
        }
    }
}

/// The outcome for one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Decision<'a> {
    /// Keep the item.
    pub sampled: bool,
    /// The metric's `policy` label.
    pub policy: Policy<'a>,
}

/// Go's `commonShouldSampleLogic`: consistency check, decision (or
/// `fail_closed` on error), priority override, and on a positive decision
/// the threshold written back into the item.
pub(crate) fn should_sample<'a, I: ?Sized, C: Carrier<I>>(
    item: &mut I,
    sampler: &Sampler,
    fail_closed: bool,
    extracted: Extracted<'a, C>,
    priority: impl FnOnce(&I, Rnd<'a>, Threshold) -> (Rnd<'a>, Threshold),
    description: &str,
) -> Decision<'a> {
    let (rnd, mut carrier, mut err) = extracted;
    if err.is_none() {
        err = consistency_check(item, &rnd, carrier.as_mut()).err();
    }
    let threshold = match err {
        Some(e) => {
            if e.is_ordinary() {
                tracing::debug!(error = %e, "{description}");
            } else {
                tracing::info!(error = %e, "{description}");
            }
            if fail_closed {
                Threshold::NEVER_SAMPLE
            } else {
                Threshold::ALWAYS_SAMPLE
            }
        }
        None => sampler.decide(carrier.as_ref().and_then(|c| c.threshold())),
    };
    let (rnd, threshold) = priority(item, rnd, threshold);
    let sampled = threshold.should_sample(rnd.value);
    if sampled {
        if let Some(c) = carrier.as_mut() {
            if let Err(e) = c.update_threshold(item, threshold) {
                tracing::debug!(error = %e, "{description}");
            }
            c.reserialize(item);
        }
    }
    Decision {
        sampled,
        policy: rnd.policy,
    }
}

/// Go's `consistencyCheck`: randomness must exist, and an arriving
/// threshold must sample it (otherwise it is cleared and the item fails).
fn consistency_check<I: ?Sized, C: Carrier<I>>(
    item: &mut I,
    rnd: &Rnd<'_>,
    carrier: Option<&mut C>,
) -> Result<(), SampleError> {
    if rnd.is_missing() {
        return Err(SampleError::MissingRandomness);
    }
    let Some(carrier) = carrier else {
        return Ok(());
    };
    if let Some(tv) = carrier.threshold() {
        if !tv.should_sample(rnd.value) {
            carrier.clear_threshold(item);
            return Err(SampleError::InconsistentArrivingTValue);
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "sampler_tests.rs"]
mod tests;
