//! Self-metrics with the Go processor's names (`metadata.yaml`) and labels
//! (`policy`, `sampled`, `decision`), plus the `processor` label of otelcol-rs.

use otelcol_component::Meter;
use otelcol_component::metrics::{Counter, Gauge, Histogram};

use crate::policy::{Decision, Final, Policy};

/// Latency (µs) of each policy evaluation, by `policy`.
pub const DECISION_LATENCY: &str = "otelcol_processor_tail_sampling_sampling_decision_latency";
/// Duration (ms, as Go records it) of each decision tick.
pub const DECISION_TIMER_LATENCY: &str = "otelcol_processor_tail_sampling_sampling_decision_timer_latency";
/// Seconds from a trace's arrival to its removal from memory.
pub const TRACE_REMOVAL_AGE: &str = "otelcol_processor_tail_sampling_sampling_trace_removal_age";
/// Seconds from a trace's decision to the arrival of a late span.
pub const LATE_SPAN_AGE: &str = "otelcol_processor_tail_sampling_sampling_late_span_age";
/// Policy evaluations that failed.
pub const POLICY_EVALUATION_ERROR: &str = "otelcol_processor_tail_sampling_sampling_policy_evaluation_error";
/// Traces per policy and decision (`policy`, `sampled`, `decision`).
pub const COUNT_TRACES_SAMPLED: &str = "otelcol_processor_tail_sampling_count_traces_sampled";
/// Traces per final decision (`sampled`, `decision`).
pub const GLOBAL_COUNT_TRACES_SAMPLED: &str = "otelcol_processor_tail_sampling_global_count_traces_sampled";
/// Traces removed from memory (evicted) before their decision.
pub const TRACE_DROPPED_TOO_EARLY: &str = "otelcol_processor_tail_sampling_sampling_trace_dropped_too_early";
/// New trace ids received.
pub const NEW_TRACE_ID_RECEIVED: &str = "otelcol_processor_tail_sampling_new_trace_id_received";
/// Traces held in memory (pending or decided).
pub const TRACES_ON_MEMORY: &str = "otelcol_processor_tail_sampling_sampling_traces_on_memory";
/// Spans released at once thanks to a decision cache hit (`sampled`).
pub const EARLY_RELEASES_FROM_CACHE_DECISION: &str =
    "otelcol_processor_tail_sampling_early_releases_from_cache_decision";
/// Spans dropped because their trace id is not 16 bytes (otelcol-rs only).
pub const SPANS_DROPPED_INVALID_TRACE_ID: &str =
    "otelcol_processor_tail_sampling_spans_dropped_invalid_trace_id";

/// Counters for one policy: (sampled, not sampled, dropped).
#[derive(Debug)]
pub(crate) struct PolicyMetrics {
    latency: Histogram,
    sampled: Counter,
    not_sampled: Counter,
    dropped: Counter,
}

impl PolicyMetrics {
    pub(crate) fn record(&self, d: Decision) {
        match d.labels().1 {
            "sampled" => self.sampled.increment(1),
            "not_sampled" => self.not_sampled.increment(1),
            _ => self.dropped.increment(1),
        }
    }

    pub(crate) fn latency_us(&self, us: f64) {
        self.latency.record(us);
    }
}

/// Every handle, created once.
#[derive(Debug)]
pub(crate) struct Telemetry {
    pub(crate) policies: Vec<PolicyMetrics>,
    global: [Counter; 3],
    pub(crate) timer_latency_ms: Histogram,
    pub(crate) removal_age_s: Histogram,
    pub(crate) late_span_age_s: Histogram,
    pub(crate) evaluation_error: Counter,
    pub(crate) dropped_too_early: Counter,
    pub(crate) new_trace_ids: Counter,
    pub(crate) on_memory: Gauge,
    pub(crate) early_sampled: Counter,
    pub(crate) early_not_sampled: Counter,
    pub(crate) invalid_trace_id: Counter,
}

impl Telemetry {
    /// Handles for processor `id` (whose `name`, if any, prefixes policy
    /// names as Go's `uniquePolicyName`) and its `policies`.
    pub(crate) fn new(meter: &Meter, id: &str, name: Option<&str>, policies: &[Policy]) -> Self {
        let p = || ("processor", id.to_owned());
        let decision = |metric: &'static str, extra: Vec<(&'static str, String)>, d: (&str, &str)| {
            let mut labels = vec![p()];
            labels.extend(extra);
            labels.push(("sampled", d.0.to_owned()));
            labels.push(("decision", d.1.to_owned()));
            meter.counter(metric, &labels)
        };
        let policies = policies
            .iter()
            .map(|pol| {
                let unique = match name {
                    Some(n) if !n.is_empty() => format!("{n}.{}", pol.name),
                    _ => pol.name.clone(),
                };
                let pl = || vec![("policy", unique.clone())];
                PolicyMetrics {
                    latency: meter.histogram(DECISION_LATENCY, &[p(), ("policy", unique.clone())]),
                    sampled: decision(COUNT_TRACES_SAMPLED, pl(), ("true", "sampled")),
                    not_sampled: decision(COUNT_TRACES_SAMPLED, pl(), ("false", "not_sampled")),
                    dropped: decision(COUNT_TRACES_SAMPLED, pl(), ("false", "dropped")),
                }
            })
            .collect();
        let sampled = |v: &str| {
            meter.counter(
                EARLY_RELEASES_FROM_CACHE_DECISION,
                &[p(), ("sampled", v.to_owned())],
            )
        };
        Telemetry {
            policies,
            global: [Final::Sampled, Final::NotSampled, Final::Dropped]
                .map(|f| decision(GLOBAL_COUNT_TRACES_SAMPLED, Vec::new(), f.labels())),
            timer_latency_ms: meter.histogram(DECISION_TIMER_LATENCY, &[p()]),
            removal_age_s: meter.histogram(TRACE_REMOVAL_AGE, &[p()]),
            late_span_age_s: meter.histogram(LATE_SPAN_AGE, &[p()]),
            evaluation_error: meter.counter(POLICY_EVALUATION_ERROR, &[p()]),
            dropped_too_early: meter.counter(TRACE_DROPPED_TOO_EARLY, &[p()]),
            new_trace_ids: meter.counter(NEW_TRACE_ID_RECEIVED, &[p()]),
            on_memory: meter.gauge(TRACES_ON_MEMORY, &[p()]),
            early_sampled: sampled("true"),
            early_not_sampled: sampled("false"),
            invalid_trace_id: meter.counter(SPANS_DROPPED_INVALID_TRACE_ID, &[p()]),
        }
    }

    /// Counts a trace's final decision.
    pub(crate) fn global(&self, f: Final) {
        let i = match f {
            Final::Sampled => 0,
            Final::NotSampled => 1,
            Final::Dropped => 2,
        };
        self.global[i].increment(1);
    }
}
