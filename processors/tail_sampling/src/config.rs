//! The `tail_sampling` config: Go's keys and defaults (`config.go`,
//! `factory.go`), one policy struct for every nesting level.

use std::time::Duration;

use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Serialize};

/// Go's default `decision_wait`.
pub const DEFAULT_DECISION_WAIT: Duration = Duration::from_secs(30);
/// Go's default `num_traces`.
pub const DEFAULT_NUM_TRACES: u64 = 50_000;

/// The processor's config.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TailSamplingConfig {
    /// Wait from the first span of a trace until its decision.
    #[serde(with = "otelcol_component::duration")]
    pub decision_wait: Duration,
    /// Traces kept in memory (pending or decided); the oldest is evicted when full.
    pub num_traces: u64,
    /// Expected new traces per second (sizes the trace table).
    pub expected_new_traces_per_sec: u64,
    /// Decision caches that outlive the trace table.
    pub decision_cache: DecisionCacheConfig,
    /// The policies, evaluated for every trace.
    pub policies: Vec<PolicyCfg>,
    /// Decide `sampled` as soon as one policy samples (later policies are not evaluated).
    pub sample_on_first_match: bool,
    /// When the table is full, wait for room instead of evicting the oldest trace.
    pub block_on_overflow: bool,
    /// At shutdown, drop the pending traces instead of deciding them at once.
    pub drop_pending_traces_on_shutdown: bool,
}

impl Default for TailSamplingConfig {
    fn default() -> Self {
        TailSamplingConfig {
            decision_wait: DEFAULT_DECISION_WAIT,
            num_traces: DEFAULT_NUM_TRACES,
            expected_new_traces_per_sec: 0,
            decision_cache: DecisionCacheConfig::default(),
            policies: Vec::new(),
            sample_on_first_match: false,
            block_on_overflow: false,
            drop_pending_traces_on_shutdown: false,
        }
    }
}

/// Sizes of the LRU caches of trace ids already decided (0 = no cache).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DecisionCacheConfig {
    /// Trace ids kept with a "sampled" decision.
    pub sampled_cache_size: usize,
    /// Trace ids kept with a "not sampled" decision.
    pub non_sampled_cache_size: usize,
}

/// One policy: a name, a type, and the block of that type. Used for top-level
/// policies and for the sub-policies of `and`, `drop` and `composite`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyCfg {
    /// Name in metrics and logs.
    pub name: String,
    /// The policy type (`always_sample`, `latency`, ...).
    #[serde(rename = "type")]
    pub policy_type: String,
    /// `latency` settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<LatencyCfg>,
    /// `numeric_attribute` settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numeric_attribute: Option<NumericAttributeCfg>,
    /// `probabilistic` settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probabilistic: Option<ProbabilisticCfg>,
    /// `status_code` settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<StatusCodeCfg>,
    /// `string_attribute` settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_attribute: Option<StringAttributeCfg>,
    /// `rate_limiting` settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limiting: Option<RateLimitingCfg>,
    /// `span_count` settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span_count: Option<SpanCountCfg>,
    /// `trace_state` settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_state: Option<TraceStateCfg>,
    /// `boolean_attribute` settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boolean_attribute: Option<BooleanAttributeCfg>,
    /// `ottl_condition` settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ottl_condition: Option<OttlConditionCfg>,
    /// `and` settings (top level and composite sub-policies only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub and: Option<AndCfg>,
    /// `drop` settings (top level only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drop: Option<DropCfg>,
    /// `composite` settings (top level only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub composite: Option<CompositeCfg>,
}

/// `latency`: trace duration (earliest start to latest end) in a range.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LatencyCfg {
    /// Lower bound in milliseconds.
    pub threshold_ms: i64,
    /// Upper bound in milliseconds (0 = none).
    pub upper_threshold_ms: i64,
}

/// `numeric_attribute`: an integer attribute in `[min_value, max_value]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NumericAttributeCfg {
    /// Attribute key (resource or span).
    pub key: String,
    /// Minimum (0 = unbounded, as Go).
    pub min_value: i64,
    /// Maximum (0 = unbounded, as Go).
    pub max_value: i64,
    /// Sample traces where no span or resource matches.
    pub invert_match: bool,
}

/// `probabilistic`: a percentage of trace ids, by FNV-1a hash.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProbabilisticCfg {
    /// Salt of the hash (empty = Go's `default-hash-seed`).
    pub hash_salt: String,
    /// Percentage sampled; 100 or more samples everything.
    pub sampling_percentage: f64,
}

/// `status_code`: a span with one of these status codes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StatusCodeCfg {
    /// `OK`, `ERROR`, `UNSET`.
    pub status_codes: Vec<String>,
}

/// `string_attribute`: a string attribute equal to (or matching) one of the values.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StringAttributeCfg {
    /// Attribute key (resource or span).
    pub key: String,
    /// Values, or regular expressions with `enabled_regex_matching`.
    pub values: Vec<String>,
    /// Treat `values` as regular expressions (unanchored, as Go).
    pub enabled_regex_matching: bool,
    /// Size of the cache of regex results (0 = 128).
    pub cache_max_size: usize,
    /// Sample traces where no span or resource matches.
    pub invert_match: bool,
}

/// `rate_limiting`: at most this many spans per second.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitingCfg {
    /// Spans per second.
    pub spans_per_second: i64,
}

/// `span_count`: the trace's span count in `[min_spans, max_spans]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpanCountCfg {
    /// Minimum span count.
    pub min_spans: i32,
    /// Maximum span count (0 = none).
    pub max_spans: i32,
}

/// `trace_state`: a span whose W3C tracestate has `key` with one of `values`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TraceStateCfg {
    /// Tracestate key.
    pub key: String,
    /// Accepted values.
    pub values: Vec<String>,
}

/// `boolean_attribute`: a boolean attribute equal to `value`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BooleanAttributeCfg {
    /// Attribute key (resource or span).
    pub key: String,
    /// Expected value.
    pub value: bool,
    /// Sample traces where no span or resource matches.
    pub invert_match: bool,
}

/// `ottl_condition`: any span or span event matching any condition.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OttlConditionCfg {
    /// `propagate` (default), `ignore` or `silent`.
    pub error_mode: String,
    /// Span conditions (ORed).
    pub span: Vec<String>,
    /// Span event conditions (ORed).
    pub spanevent: Vec<String>,
}

/// `and`: sampled when every sub-policy samples.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AndCfg {
    /// Sub-policies (no `and`, `drop` or `composite`).
    pub and_sub_policy: Vec<PolicyCfg>,
}

/// `drop`: dropped when every sub-policy samples.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DropCfg {
    /// Sub-policies (no `and`, `drop` or `composite`).
    pub drop_sub_policy: Vec<PolicyCfg>,
}

/// `composite`: the first sampling sub-policy within its span rate decides.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompositeCfg {
    /// Total spans per second sampled by the composite.
    pub max_total_spans_per_second: i64,
    /// Accepted but unused, as in Go (sub-policies run in listed order).
    pub policy_order: Vec<String>,
    /// Sub-policies (`and` allowed; no `drop` or `composite`).
    pub composite_sub_policy: Vec<PolicyCfg>,
    /// Share of `max_total_spans_per_second` per sub-policy name.
    pub rate_allocation: Vec<RateAllocationCfg>,
}

/// One rate allocation of a composite policy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateAllocationCfg {
    /// Sub-policy name.
    pub policy: String,
    /// Percent of `max_total_spans_per_second` (0 = an equal share).
    pub percent: i64,
}

impl ComponentConfig for TailSamplingConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        if self.num_traces == 0 {
            return Err(ConfigError::at("num_traces", "must be greater than 0"));
        }
        crate::policy::build_policies(&self.policies).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use otelcol_componenttest::parse_config;

    fn err(yaml: &str) -> String {
        parse_config::<TailSamplingConfig>(yaml).unwrap_err()
    }

    #[test]
    fn defaults_are_gos() {
        let c: TailSamplingConfig = parse_config("").unwrap();
        assert_eq!(c.decision_wait, Duration::from_secs(30));
        assert_eq!(c.num_traces, 50_000);
        assert_eq!(c.expected_new_traces_per_sec, 0);
        assert_eq!(c.decision_cache, DecisionCacheConfig::default());
        assert!(c.policies.is_empty());
        assert!(!c.sample_on_first_match && !c.block_on_overflow && !c.drop_pending_traces_on_shutdown);
    }

    #[test]
    fn parses_the_readme_example() {
        let c: TailSamplingConfig = parse_config(
            r#"
decision_wait: 10s
num_traces: 100
expected_new_traces_per_sec: 10
decision_cache: {sampled_cache_size: 100000, non_sampled_cache_size: 100000}
policies:
  - {name: p1, type: always_sample}
  - {name: p2, type: latency, latency: {threshold_ms: 5000, upper_threshold_ms: 10000}}
  - {name: p3, type: numeric_attribute, numeric_attribute: {key: key1, min_value: 50, max_value: 100}}
  - {name: p4, type: probabilistic, probabilistic: {sampling_percentage: 10}}
  - {name: p5, type: status_code, status_code: {status_codes: [ERROR, UNSET]}}
  - {name: p6, type: string_attribute, string_attribute: {key: key2, values: [value1, value2]}}
  - {name: p7, type: string_attribute, string_attribute: {key: key2, values: [value1, val*], enabled_regex_matching: true, cache_max_size: 10}}
  - {name: p8, type: rate_limiting, rate_limiting: {spans_per_second: 35}}
  - {name: p9, type: span_count, span_count: {min_spans: 2, max_spans: 20}}
  - {name: p10, type: trace_state, trace_state: {key: key3, values: [value1, value2]}}
  - {name: p11, type: boolean_attribute, boolean_attribute: {key: key4, value: true}}
  - name: p12
    type: ottl_condition
    ottl_condition:
      error_mode: ignore
      span: ['attributes["test_attr_key_1"] == "test_attr_val_1"']
      spanevent: ['name != "test_span_event_name"']
  - name: and-policy-1
    type: and
    and:
      and_sub_policy:
        - {name: a1, type: numeric_attribute, numeric_attribute: {key: key1, min_value: 50, max_value: 100}}
        - {name: a2, type: string_attribute, string_attribute: {key: key2, values: [value1, value2]}}
  - name: drop-policy-1
    type: drop
    drop:
      drop_sub_policy:
        - {name: d1, type: string_attribute, string_attribute: {key: url.path, values: ['\/health', '\/metrics'], enabled_regex_matching: true}}
  - name: composite-policy-1
    type: composite
    composite:
      max_total_spans_per_second: 1000
      policy_order: [c1, c2, c3]
      composite_sub_policy:
        - {name: c1, type: numeric_attribute, numeric_attribute: {key: key1, min_value: 50}}
        - {name: c2, type: string_attribute, string_attribute: {key: key2, values: [value1, value2]}}
        - {name: c3, type: always_sample}
      rate_allocation:
        - {policy: c1, percent: 50}
        - {policy: c2, percent: 25}
"#,
        )
        .unwrap();
        assert_eq!(c.decision_wait, Duration::from_secs(10));
        assert_eq!(c.policies.len(), 15);
        assert_eq!(c.decision_cache.sampled_cache_size, 100_000);
        let comp = c.policies[14].composite.as_ref().unwrap();
        assert_eq!(comp.rate_allocation[1].percent, 25);
        assert_eq!(c.policies[1].latency.as_ref().unwrap().upper_threshold_ms, 10_000);
    }

    #[test]
    fn refuses_unknown_keys() {
        assert!(err("nope: 1").contains("nope"));
        assert!(err("policies: [{name: a, type: latency, latency: {threshold: 1}}]").contains("threshold"));
    }

    #[test]
    fn go_messages_for_bad_policies() {
        assert!(err("policies: [{type: always_sample}]").contains("policy name cannot be empty"));
        assert!(
            err("policies: [{name: a, type: always_sample}, {name: a, type: always_sample}]")
                .contains("duplicate policy name \"a\"")
        );
        assert!(
            err("policies: [{name: a, type: bogus}]")
                .contains("failed to create policy evaluator for \"a\": unknown sampling policy type bogus")
        );
        assert!(
            err("policies: [{name: a, type: status_code, status_code: {status_codes: [FOO]}}]")
                .contains("unknown status code \"FOO\", supported: OK, ERROR, UNSET")
        );
        assert!(
            err("policies: [{name: a, type: status_code}]")
                .contains("expected at least one status code to filter on")
        );
        assert!(
            err("policies: [{name: a, type: ottl_condition}]")
                .contains("expected at least one OTTL condition to filter on")
        );
        assert!(
            err("policies: [{name: a, type: numeric_attribute, numeric_attribute: {key: k}}]")
                .contains("At least one of minValue or maxValue must be set")
        );
    }

    #[test]
    fn refuses_bad_regex_ottl_and_error_mode() {
        assert!(err(
            "policies: [{name: a, type: string_attribute, string_attribute: {key: k, values: ['('], enabled_regex_matching: true}}]"
        )
        .contains("failed to create policy evaluator for \"a\""));
        assert!(
            err("policies: [{name: a, type: ottl_condition, ottl_condition: {span: ['name =']}}]")
                .contains("failed to create policy evaluator for \"a\"")
        );
        assert!(
            err("policies: [{name: a, type: ottl_condition, ottl_condition: {error_mode: loud, span: ['name == \"x\"']}}]")
                .contains("error_mode")
        );
    }

    #[test]
    fn nested_types_are_restricted_as_in_go() {
        // and/drop sub-policies take only the shared types.
        assert!(
            err("policies: [{name: a, type: and, and: {and_sub_policy: [{name: b, type: composite}]}}]")
                .contains("unknown sampling policy type composite")
        );
        assert!(
            err("policies: [{name: a, type: drop, drop: {drop_sub_policy: [{name: b, type: drop}]}}]")
                .contains("unknown sampling policy type drop")
        );
        // composite sub-policies may be `and`.
        parse_config::<TailSamplingConfig>(
            "policies: [{name: a, type: composite, composite: {max_total_spans_per_second: 10, composite_sub_policy: [{name: b, type: and, and: {and_sub_policy: [{name: c, type: always_sample}]}}]}}]",
        )
        .unwrap();
    }

    #[test]
    fn num_traces_zero_is_refused() {
        assert!(err("num_traces: 0").contains("num_traces"));
    }
}
