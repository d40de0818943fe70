//! # otelcol-processor-probabilisticsampler
//!
//! The `probabilistic_sampler` processor: keeps a percentage of spans (by
//! trace) and log records and drops the rest, like the Go collector's
//! `probabilisticsamplerprocessor`:
//!
//! - `hash_seed` (the default): FNV-1a of the seed and the trace id (or a log
//!   attribute); keeps the same traces as a Go collector with the same seed;
//! - `proportional` and `equalizing`: OTEP 235 consistent sampling with the
//!   randomness of the trace id (or `rv`), writing the threshold into the
//!   span's tracestate (`ot=th:…`) or the record's `sampling.threshold`.
//!
//! ```yaml
//! processors:
//!   probabilistic_sampler:
//!     sampling_percentage: 15.3
//!     hash_seed: 22
//! ```

#![forbid(unsafe_code)]

mod config;
mod error;
mod factory;
mod hash;
mod logs;
mod processor;
mod sampler;
pub mod sampling;
mod telemetry;
mod traces;

pub use config::{
    ATTRIBUTE_SOURCE_RECORD, ATTRIBUTE_SOURCE_TRACE_ID, DEFAULT_ATTRIBUTE_SOURCE, DEFAULT_FAIL_CLOSED,
    DEFAULT_HASH_SEED, DEFAULT_SAMPLING_PERCENTAGE, DEFAULT_SAMPLING_PRECISION, ProbabilisticSamplerConfig,
    SamplerMode,
};
pub use error::{SampleError, SamplerConfigError};
pub use factory::{ProbabilisticSamplerProcessorFactory, STABILITY, TYPE};
pub use hash::{compute_hash, randomness_from_bytes};
pub use logs::{SAMPLING_RANDOMNESS_ATTRIBUTE, SAMPLING_THRESHOLD_ATTRIBUTE};
pub use processor::ProbabilisticSamplerProcessor;
pub use sampler::{Policy, Sampler};
pub use telemetry::{COUNT_LOGS_SAMPLED, COUNT_TRACES_SAMPLED};
pub use traces::{SAMPLING_PRIORITY_ATTRIBUTE, SpanPriority, span_priority};

/// The factory of the `probabilistic_sampler` processor.
pub fn factory() -> ProbabilisticSamplerProcessorFactory {
    ProbabilisticSamplerProcessorFactory
}
