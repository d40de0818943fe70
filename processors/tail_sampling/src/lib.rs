//! # otelcol-processor-tailsampling
//!
//! The `tail_sampling` processor, as the Go collector-contrib's
//! `tailsamplingprocessor`: spans are grouped by trace id, each trace is
//! decided `decision_wait` after its first span by a list of policies
//! (`always_sample`, `latency`, `status_code`, `string_attribute`,
//! `numeric_attribute`, `boolean_attribute`, `probabilistic`,
//! `rate_limiting`, `span_count`, `trace_state`, `ottl_condition`, `and`,
//! `drop`, `composite`), and sampled traces are sent on whole. Spans that
//! arrive after the decision follow it.
//!
//! ```yaml
//! processors:
//!   tail_sampling:
//!     decision_wait: 10s
//!     policies:
//!       - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
//!       - {name: slow, type: latency, latency: {threshold_ms: 5000}}
//! ```

#![forbid(unsafe_code)]

mod cache;
mod config;
mod factory;
mod policy;
mod processor;
mod telemetry;
mod tracestate;

pub use config::{
    AndCfg, BooleanAttributeCfg, CompositeCfg, DEFAULT_DECISION_WAIT, DEFAULT_NUM_TRACES,
    DecisionCacheConfig, DropCfg, LatencyCfg, NumericAttributeCfg, OttlConditionCfg, PolicyCfg,
    ProbabilisticCfg, RateAllocationCfg, RateLimitingCfg, SpanCountCfg, StatusCodeCfg, StringAttributeCfg,
    TailSamplingConfig, TraceStateCfg,
};
pub use factory::{STABILITY, TYPE, TailSamplingProcessorFactory};
pub use processor::TailSamplingProcessor;
pub use telemetry::{
    COUNT_TRACES_SAMPLED, DECISION_LATENCY, DECISION_TIMER_LATENCY, EARLY_RELEASES_FROM_CACHE_DECISION,
    GLOBAL_COUNT_TRACES_SAMPLED, LATE_SPAN_AGE, NEW_TRACE_ID_RECEIVED, POLICY_EVALUATION_ERROR,
    SPANS_DROPPED_INVALID_TRACE_ID, TRACE_DROPPED_TOO_EARLY, TRACE_REMOVAL_AGE, TRACES_ON_MEMORY,
};

/// The factory of the `tail_sampling` processor.
pub fn factory() -> TailSamplingProcessorFactory {
    TailSamplingProcessorFactory
}
