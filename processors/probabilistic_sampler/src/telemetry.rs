//! Self-metrics, with the Go processor's names and labels (`policy`,
//! `sampled`), plus the `processor` label the other otelcol-rs processors use.

use crate::sampler::Decision;

/// Spans kept or dropped (Go counts spans, despite the name).
pub const COUNT_TRACES_SAMPLED: &str = "otelcol_processor_probabilistic_sampler_count_traces_sampled";
/// Log records kept or dropped.
pub const COUNT_LOGS_SAMPLED: &str = "otelcol_processor_probabilistic_sampler_count_logs_sampled";

/// Decisions of one payload, counted per (policy, sampled) and recorded at once.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    entries: Vec<(String, bool, u64)>,
}

impl Counts {
    pub(crate) fn add(&mut self, d: &Decision<'_>) {
        let policy = d.policy.name();
        match self
            .entries
            .iter_mut()
            .find(|(p, s, _)| p == policy && *s == d.sampled)
        {
            Some((_, _, n)) => *n += 1,
            None => self.entries.push((policy.to_owned(), d.sampled, 1)),
        }
    }

    pub(crate) fn record(self, meter: &otelcol_component::Meter, metric: &'static str, processor: &str) {
        for (policy, sampled, n) in self.entries {
            let sampled = if sampled { "true" } else { "false" };
            meter
                .counter(
                    metric,
                    &[
                        ("processor", processor.to_owned()),
                        ("policy", policy),
                        ("sampled", sampled.to_owned()),
                    ],
                )
                .increment(n);
        }
    }
}
