//! Policy evaluators (Go's `internal/sampling`) and the rule that combines
//! their decisions into the trace's final decision (Go's `makeDecision`).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use otelcol_component::ConfigError;
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value::Value};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{ResourceSpans, Span};
use otelcol_ottl::{Condition, ContextKind, EvalCtx};
use regex::Regex;

use crate::config::{CompositeCfg, OttlConditionCfg, PolicyCfg, StringAttributeCfg};
use crate::tracestate;

/// A policy's vote (Go's `samplingpolicy.Decision`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Decision {
    /// Keep the trace.
    Sampled,
    /// Do not keep the trace (on this policy's account).
    NotSampled,
    /// An `invert_match` policy found no match: keep unless another policy says not sampled.
    InvertSampled,
    /// An `invert_match` policy found a match: do not keep, whatever the others say.
    InvertNotSampled,
    /// A `drop` policy matched: never keep.
    Dropped,
}

impl Decision {
    /// The `sampled` and `decision` metric labels, as Go maps them.
    pub(crate) fn labels(self) -> (&'static str, &'static str) {
        match self {
            Decision::Sampled | Decision::InvertSampled => ("true", "sampled"),
            Decision::NotSampled | Decision::InvertNotSampled => ("false", "not_sampled"),
            Decision::Dropped => ("false", "dropped"),
        }
    }
}

/// Why a policy could not decide.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PolicyError {
    /// An OTTL condition failed with `error_mode: propagate`.
    #[error("OTTL condition {condition:?} failed: {message}")]
    Ottl {
        /// The condition as written.
        condition: String,
        /// The evaluation error.
        message: String,
    },
}

/// The buffered spans of one trace, as policies see them.
#[derive(Clone, Debug, Default)]
pub(crate) struct TraceData {
    /// One entry per (request, resource) the trace's spans came in.
    pub(crate) batches: Vec<ResourceSpans>,
    /// Spans received for the trace, including late ones.
    pub(crate) span_count: i64,
}

impl TraceData {
    fn spans(&self) -> impl Iterator<Item = &Span> {
        self.batches
            .iter()
            .flat_map(|rs| rs.scope_spans.iter().flat_map(|ss| ss.spans.iter()))
    }
}

/// A configured top-level policy.
#[derive(Debug)]
pub(crate) struct Policy {
    /// The configured name.
    pub(crate) name: String,
    /// The evaluator.
    pub(crate) evaluator: Evaluator,
}

/// One policy evaluator.
#[derive(Debug)]
pub(crate) enum Evaluator {
    AlwaysSample,
    Latency {
        threshold_ms: i64,
        upper_threshold_ms: i64,
    },
    NumericAttribute {
        key: String,
        min: i64,
        max: i64,
        invert: bool,
    },
    Probabilistic {
        salt: Vec<u8>,
        threshold: u64,
    },
    StatusCode(Vec<i32>),
    StringAttribute(StringMatcher),
    RateLimiting {
        spans_per_second: i64,
        current_second: i64,
        spans_in_current_second: i64,
    },
    SpanCount {
        min: i32,
        max: i32,
    },
    TraceState {
        key: String,
        values: HashSet<String>,
    },
    BooleanAttribute {
        key: String,
        value: bool,
        invert: bool,
    },
    Ottl(OttlFilter),
    And(Vec<Evaluator>),
    Drop(Vec<Evaluator>),
    Composite(Composite),
}

/// Where a policy sits, which decides the types it may have (as Go's
/// `PolicyCfg`, `CompositeSubPolicyCfg` and `AndSubPolicyCfg`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Top,
    CompositeSub,
    AndSub,
}

/// Builds the top-level policies, `drop` policies first (Go evaluates them
/// first since their decision wins). Errors carry Go's messages.
pub(crate) fn build_policies(cfgs: &[PolicyCfg]) -> Result<Vec<Policy>, ConfigError> {
    let mut names = HashSet::new();
    let (mut drops, mut others) = (Vec::new(), Vec::new());
    for cfg in cfgs {
        if cfg.name.is_empty() {
            return Err(ConfigError::at("policies", "policy name cannot be empty"));
        }
        if !names.insert(cfg.name.as_str()) {
            return Err(ConfigError::at(
                "policies",
                format!("duplicate policy name {:?}", cfg.name),
            ));
        }
        let evaluator = build(cfg, Level::Top).map_err(|e| {
            ConfigError::at(
                "policies",
                format!("failed to create policy evaluator for {:?}: {e}", cfg.name),
            )
        })?;
        let p = Policy {
            name: cfg.name.clone(),
            evaluator,
        };
        if cfg.policy_type == "drop" {
            drops.push(p);
        } else {
            others.push(p);
        }
    }
    drops.extend(others);
    Ok(drops)
}

fn build(cfg: &PolicyCfg, level: Level) -> Result<Evaluator, String> {
    let t = cfg.policy_type.as_str();
    Ok(match t {
        "composite" if level == Level::Top => {
            Evaluator::Composite(Composite::new(&cfg.composite.clone().unwrap_or_default())?)
        }
        "and" if level != Level::AndSub => Evaluator::And(subs(
            cfg.and
                .as_ref()
                .map(|a| &a.and_sub_policy[..])
                .unwrap_or_default(),
        )?),
        "drop" if level == Level::Top => Evaluator::Drop(subs(
            cfg.drop
                .as_ref()
                .map(|d| &d.drop_sub_policy[..])
                .unwrap_or_default(),
        )?),
        "always_sample" => Evaluator::AlwaysSample,
        "latency" => {
            let c = cfg.latency.clone().unwrap_or_default();
            Evaluator::Latency {
                threshold_ms: c.threshold_ms,
                upper_threshold_ms: c.upper_threshold_ms,
            }
        }
        "numeric_attribute" => {
            let c = cfg.numeric_attribute.clone().unwrap_or_default();
            if c.min_value == 0 && c.max_value == 0 {
                return Err("At least one of minValue or maxValue must be set".into());
            }
            Evaluator::NumericAttribute {
                min: if c.min_value == 0 { i64::MIN } else { c.min_value },
                max: if c.max_value == 0 { i64::MAX } else { c.max_value },
                key: c.key,
                invert: c.invert_match,
            }
        }
        "probabilistic" => {
            let c = cfg.probabilistic.clone().unwrap_or_default();
            let salt = if c.hash_salt.is_empty() {
                DEFAULT_HASH_SALT.to_owned()
            } else {
                c.hash_salt
            };
            Evaluator::Probabilistic {
                salt: salt.into_bytes(),
                threshold: threshold(c.sampling_percentage / 100.0),
            }
        }
        "status_code" => {
            let codes = cfg
                .status_code
                .as_ref()
                .map(|s| &s.status_codes[..])
                .unwrap_or_default();
            if codes.is_empty() {
                return Err("expected at least one status code to filter on".into());
            }
            let mut out = Vec::with_capacity(codes.len());
            for c in codes {
                out.push(match c.as_str() {
                    "UNSET" => 0,
                    "OK" => 1,
                    "ERROR" => 2,
                    other => {
                        return Err(format!(
                            "unknown status code {other:?}, supported: OK, ERROR, UNSET"
                        ));
                    }
                });
            }
            Evaluator::StatusCode(out)
        }
        "string_attribute" => Evaluator::StringAttribute(StringMatcher::new(
            &cfg.string_attribute.clone().unwrap_or_default(),
        )?),
        "rate_limiting" => Evaluator::RateLimiting {
            spans_per_second: cfg.rate_limiting.as_ref().map_or(0, |r| r.spans_per_second),
            current_second: 0,
            spans_in_current_second: 0,
        },
        "span_count" => {
            let c = cfg.span_count.clone().unwrap_or_default();
            Evaluator::SpanCount {
                min: c.min_spans,
                max: c.max_spans,
            }
        }
        "trace_state" => {
            let c = cfg.trace_state.clone().unwrap_or_default();
            let values = c
                .values
                .into_iter()
                .filter(|v| !v.is_empty() && c.key.len() + v.len() < 256)
                .collect();
            Evaluator::TraceState { key: c.key, values }
        }
        "boolean_attribute" => {
            let c = cfg.boolean_attribute.clone().unwrap_or_default();
            Evaluator::BooleanAttribute {
                key: c.key,
                value: c.value,
                invert: c.invert_match,
            }
        }
        "ottl_condition" => {
            Evaluator::Ottl(OttlFilter::new(&cfg.ottl_condition.clone().unwrap_or_default())?)
        }
        other => return Err(format!("unknown sampling policy type {other}")),
    })
}

fn subs(cfgs: &[PolicyCfg]) -> Result<Vec<Evaluator>, String> {
    cfgs.iter().map(|c| build(c, Level::AndSub)).collect()
}

/// Go's salt when `hash_salt` is empty.
pub(crate) const DEFAULT_HASH_SALT: &str = "default-hash-seed";

/// Go's `calculateThreshold`: `MaxUint64 × ratio` computed with a 64-bit
/// mantissa (round to nearest even), then truncated, saturating at both ends.
pub(crate) fn threshold(ratio: f64) -> u64 {
    if ratio.is_nan() || ratio <= 0.0 {
        return 0;
    }
    if ratio >= 1.0 {
        return u64::MAX;
    }
    // ratio = m × 2^e exactly.
    let bits = ratio.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    let (m, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp - 1075)
    };
    let product = u128::from(u64::MAX) * u128::from(m);
    let width = 128 - product.leading_zeros() as i32;
    let rounded = if width > 64 {
        let shift = (width - 64) as u32;
        let q = product >> shift;
        let rem = product & ((1u128 << shift) - 1);
        let half = 1u128 << (shift - 1);
        let q = if rem > half || (rem == half && q & 1 == 1) {
            q + 1
        } else {
            q
        };
        q << shift
    } else {
        product
    };
    let value = if e >= 0 {
        u128::MAX
    } else if -e >= 128 {
        0
    } else {
        rounded >> (-e) as u32
    };
    u64::try_from(value).unwrap_or(u64::MAX)
}

/// FNV-1a (64 bit) of the salt then the trace id, as Go's `hashTraceID`.
pub(crate) fn hash_trace_id(salt: &[u8], id: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in salt.iter().chain(id) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Exact values or regular expressions (unanchored, as Go's `MatchString`),
/// with a bounded cache of regex results.
#[derive(Debug)]
pub(crate) struct StringMatcher {
    key: String,
    invert: bool,
    exact: HashSet<String>,
    regexes: Option<Vec<Regex>>,
    cache: HashMap<String, bool>,
    cache_max: usize,
}

const DEFAULT_REGEX_CACHE_SIZE: usize = 128;

impl StringMatcher {
    fn new(c: &StringAttributeCfg) -> Result<Self, String> {
        let regexes = if c.enabled_regex_matching {
            let mut v = Vec::with_capacity(c.values.len());
            for s in &c.values {
                v.push(Regex::new(s).map_err(|e| format!("invalid regex {s:?}: {e}"))?);
            }
            Some(v)
        } else {
            None
        };
        Ok(StringMatcher {
            key: c.key.clone(),
            invert: c.invert_match,
            exact: c.values.iter().filter(|v| !v.is_empty()).cloned().collect(),
            regexes,
            cache: HashMap::new(),
            cache_max: if c.cache_max_size == 0 {
                DEFAULT_REGEX_CACHE_SIZE
            } else {
                c.cache_max_size
            },
        })
    }

    fn matches(&mut self, s: &str) -> bool {
        let Some(regexes) = &self.regexes else {
            return self.exact.contains(s);
        };
        if let Some(hit) = self.cache.get(s) {
            return *hit;
        }
        let m = regexes.iter().any(|r| r.is_match(s));
        if self.cache.len() >= self.cache_max {
            self.cache.clear();
        }
        self.cache.insert(s.to_owned(), m);
        m
    }
}

/// `ottl_condition`'s error handling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ErrorMode {
    Propagate,
    Ignore,
    Silent,
}

/// Span and span event conditions, each list ORed.
#[derive(Debug)]
pub(crate) struct OttlFilter {
    span: Vec<Condition>,
    event: Vec<Condition>,
    mode: ErrorMode,
}

impl OttlFilter {
    fn new(c: &OttlConditionCfg) -> Result<Self, String> {
        let mode = match c.error_mode.as_str() {
            "" | "propagate" => ErrorMode::Propagate,
            "ignore" => ErrorMode::Ignore,
            "silent" => ErrorMode::Silent,
            other => {
                return Err(format!(
                    "error_mode: unknown error mode {other:?}, expected propagate, ignore or silent"
                ));
            }
        };
        if c.span.is_empty() && c.spanevent.is_empty() {
            return Err("expected at least one OTTL condition to filter on".into());
        }
        let parse = |list: &[String], kind: ContextKind| -> Result<Vec<Condition>, String> {
            list.iter()
                .map(|s| {
                    Condition::parse(s, kind)
                        .map_err(|e| format!("unable to parse OTTL condition {s:?}: {e}"))
                })
                .collect()
        };
        Ok(OttlFilter {
            span: parse(&c.span, ContextKind::Span)?,
            event: parse(&c.spanevent, ContextKind::SpanEvent)?,
            mode,
        })
    }

    /// Whether any condition holds; an evaluation error either fails the
    /// policy (`propagate`) or counts as false (`ignore`, `silent`).
    fn any(&self, conds: &[Condition], ctx: &EvalCtx<'_>) -> Result<bool, PolicyError> {
        for c in conds {
            match c.eval(ctx) {
                Ok(true) => return Ok(true),
                Ok(false) => {}
                Err(e) => match self.mode {
                    ErrorMode::Propagate => {
                        return Err(PolicyError::Ottl {
                            condition: c.source().to_owned(),
                            message: e.to_string(),
                        });
                    }
                    ErrorMode::Ignore => {
                        tracing::warn!(condition = c.source(), error = %e, "failed evaluating OTTL condition")
                    }
                    ErrorMode::Silent => {}
                },
            }
        }
        Ok(false)
    }

    fn evaluate(&self, trace: &TraceData) -> Result<Decision, PolicyError> {
        for rs in &trace.batches {
            for ss in &rs.scope_spans {
                for span in &ss.spans {
                    let ctx = EvalCtx {
                        resource: rs.resource.as_ref(),
                        resource_schema_url: &rs.schema_url,
                        scope: ss.scope.as_ref(),
                        scope_schema_url: &ss.schema_url,
                        span: Some(span),
                        ..Default::default()
                    };
                    if !self.span.is_empty() && self.any(&self.span, &ctx)? {
                        return Ok(Decision::Sampled);
                    }
                    if !self.event.is_empty() {
                        for event in &span.events {
                            let ectx = EvalCtx {
                                event: Some(event),
                                ..ctx
                            };
                            if self.any(&self.event, &ectx)? {
                                return Ok(Decision::Sampled);
                            }
                        }
                    }
                }
            }
        }
        Ok(Decision::NotSampled)
    }
}

/// A sub-policy of a composite with its span budget.
#[derive(Debug)]
pub(crate) struct CompositeSub {
    evaluator: Evaluator,
    allocated: i64,
    sampled: i64,
}

/// Go's composite: per-second span budgets per sub-policy, in listed order.
#[derive(Debug)]
pub(crate) struct Composite {
    subs: Vec<CompositeSub>,
    max_total: i64,
    current_second: i64,
}

impl Composite {
    fn new(c: &CompositeCfg) -> Result<Self, String> {
        let max_total = c.max_total_spans_per_second as f64;
        let default_sps = max_total / c.composite_sub_policy.len() as f64;
        let mut alloc: HashMap<&str, f64> = HashMap::new();
        for r in &c.rate_allocation {
            let sps = if r.percent > 0 {
                r.percent as f64 / 100.0 * max_total
            } else {
                default_sps
            };
            alloc.insert(r.policy.as_str(), sps);
        }
        let mut subs = Vec::with_capacity(c.composite_sub_policy.len());
        for sc in &c.composite_sub_policy {
            subs.push(CompositeSub {
                evaluator: build(sc, Level::CompositeSub)?,
                // Go converts the float allocation with int64(): truncation.
                allocated: alloc.get(sc.name.as_str()).copied().unwrap_or(0.0) as i64,
                sampled: 0,
            });
        }
        Ok(Composite {
            subs,
            max_total: c.max_total_spans_per_second,
            current_second: 0,
        })
    }
}

/// The value of the first attribute named `key`.
fn attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
}

fn resource_attrs(r: Option<&Resource>) -> &[KeyValue] {
    r.map_or(&[], |r| &r.attributes[..])
}

/// Go's `Value.Str()`: the string, or "" for other types.
fn as_str(v: &AnyValue) -> &str {
    match &v.value {
        Some(Value::StringValue(s)) => s,
        _ => "",
    }
}

/// Go's `Value.Int()`: the integer, or 0 for other types.
fn as_int(v: &AnyValue) -> i64 {
    match &v.value {
        Some(Value::IntValue(i)) => *i,
        _ => 0,
    }
}

/// Go's `Value.Bool()`: the boolean, or false for other types.
fn as_bool(v: &AnyValue) -> bool {
    matches!(&v.value, Some(Value::BoolValue(true)))
}

/// Go's `hasResourceOrSpanWithCondition`: sampled when a resource or span matches.
fn any_resource_or_span(
    trace: &TraceData,
    mut resource: impl FnMut(&[KeyValue]) -> bool,
    mut span: impl FnMut(&Span) -> bool,
) -> Decision {
    for rs in &trace.batches {
        if resource(resource_attrs(rs.resource.as_ref())) {
            return Decision::Sampled;
        }
        if rs.scope_spans.iter().flat_map(|ss| &ss.spans).any(&mut span) {
            return Decision::Sampled;
        }
    }
    Decision::NotSampled
}

/// Go's `invertHasResourceOrSpanWithCondition`: inverted not-sampled as soon
/// as a resource or span fails the (negated) check, else inverted sampled.
fn all_resources_and_spans(
    trace: &TraceData,
    mut resource: impl FnMut(&[KeyValue]) -> bool,
    mut span: impl FnMut(&Span) -> bool,
) -> Decision {
    for rs in &trace.batches {
        if !resource(resource_attrs(rs.resource.as_ref())) {
            return Decision::InvertNotSampled;
        }
        if !rs.scope_spans.iter().flat_map(|ss| &ss.spans).all(&mut span) {
            return Decision::InvertNotSampled;
        }
    }
    Decision::InvertSampled
}

fn has_span(trace: &TraceData, f: impl FnMut(&Span) -> bool) -> Decision {
    let mut f = f;
    if trace.spans().any(&mut f) {
        Decision::Sampled
    } else {
        Decision::NotSampled
    }
}

impl Evaluator {
    /// The policy's decision on `trace`; `now_sec` is the Unix second used by
    /// the rate-limited policies.
    pub(crate) fn evaluate(
        &mut self,
        id: &[u8; 16],
        trace: &TraceData,
        now_sec: i64,
    ) -> Result<Decision, PolicyError> {
        Ok(match self {
            Evaluator::AlwaysSample => Decision::Sampled,
            Evaluator::Latency {
                threshold_ms,
                upper_threshold_ms,
            } => {
                let (lo, hi) = (*threshold_ms, *upper_threshold_ms);
                let (mut min, mut max) = (0u64, 0u64);
                has_span(trace, |s| {
                    if min == 0 || s.start_time_unix_nano < min {
                        min = s.start_time_unix_nano;
                    }
                    if max == 0 || s.end_time_unix_nano > max {
                        max = s.end_time_unix_nano;
                    }
                    let nanos =
                        (i128::from(max) - i128::from(min)).clamp(i128::from(i64::MIN), i128::from(i64::MAX));
                    let ms = (nanos / 1_000_000) as i64;
                    if hi == 0 { ms >= lo } else { lo < ms && ms <= hi }
                })
            }
            Evaluator::NumericAttribute {
                key,
                min,
                max,
                invert,
            } => {
                let (min, max) = (*min, *max);
                let in_range = |v: &AnyValue| (min..=max).contains(&as_int(v));
                if *invert {
                    all_resources_and_spans(
                        trace,
                        |r| attr(r, key).is_none_or(|v| !in_range(v)),
                        |s| attr(&s.attributes, key).is_none_or(|v| !in_range(v)),
                    )
                } else {
                    any_resource_or_span(
                        trace,
                        |r| attr(r, key).is_some_and(in_range),
                        |s| attr(&s.attributes, key).is_some_and(in_range),
                    )
                }
            }
            Evaluator::Probabilistic { salt, threshold } => {
                if hash_trace_id(salt, id) <= *threshold {
                    Decision::Sampled
                } else {
                    Decision::NotSampled
                }
            }
            Evaluator::StatusCode(codes) => has_span(trace, |s| {
                codes.contains(&s.status.as_ref().map_or(0, |st| st.code))
            }),
            Evaluator::StringAttribute(m) => {
                let key = m.key.clone();
                if m.invert {
                    let mut d = Decision::InvertSampled;
                    for rs in &trace.batches {
                        if attr(resource_attrs(rs.resource.as_ref()), &key)
                            .is_some_and(|v| m.matches(as_str(v)))
                        {
                            d = Decision::InvertNotSampled;
                            break;
                        }
                        let hit = rs.scope_spans.iter().flat_map(|ss| &ss.spans).any(|s| {
                            attr(&s.attributes, &key)
                                .map(as_str)
                                .is_some_and(|v| !v.is_empty() && m.matches(v))
                        });
                        if hit {
                            d = Decision::InvertNotSampled;
                            break;
                        }
                    }
                    d
                } else {
                    let mut d = Decision::NotSampled;
                    for rs in &trace.batches {
                        if attr(resource_attrs(rs.resource.as_ref()), &key)
                            .is_some_and(|v| m.matches(as_str(v)))
                        {
                            d = Decision::Sampled;
                            break;
                        }
                        let hit = rs.scope_spans.iter().flat_map(|ss| &ss.spans).any(|s| {
                            attr(&s.attributes, &key)
                                .map(as_str)
                                .is_some_and(|v| !v.is_empty() && m.matches(v))
                        });
                        if hit {
                            d = Decision::Sampled;
                            break;
                        }
                    }
                    d
                }
            }
            Evaluator::RateLimiting {
                spans_per_second,
                current_second,
                spans_in_current_second,
            } => {
                if *current_second != now_sec {
                    *current_second = now_sec;
                    *spans_in_current_second = 0;
                }
                let if_sampled = *spans_in_current_second + trace.span_count;
                if if_sampled < *spans_per_second {
                    *spans_in_current_second = if_sampled;
                    Decision::Sampled
                } else {
                    Decision::NotSampled
                }
            }
            Evaluator::SpanCount { min, max } => {
                let n = trace.span_count;
                let (min, max) = (i64::from(*min), i64::from(*max));
                if n >= min && (max == 0 || n <= max) {
                    Decision::Sampled
                } else {
                    Decision::NotSampled
                }
            }
            Evaluator::TraceState { key, values } => has_span(trace, |s| {
                tracestate::get(&s.trace_state, key).is_some_and(|v| values.contains(v))
            }),
            Evaluator::BooleanAttribute { key, value, invert } => {
                let value = *value;
                if *invert {
                    all_resources_and_spans(
                        trace,
                        |r| attr(r, key).is_none_or(|v| as_bool(v) != value),
                        |s| attr(&s.attributes, key).is_none_or(|v| as_bool(v) != value),
                    )
                } else {
                    any_resource_or_span(
                        trace,
                        |r| attr(r, key).is_some_and(|v| as_bool(v) == value),
                        |s| attr(&s.attributes, key).is_some_and(|v| as_bool(v) == value),
                    )
                }
            }
            Evaluator::Ottl(f) => f.evaluate(trace)?,
            Evaluator::And(subs) => {
                for sub in subs {
                    if matches!(
                        sub.evaluate(id, trace, now_sec)?,
                        Decision::NotSampled | Decision::InvertNotSampled
                    ) {
                        return Ok(Decision::NotSampled);
                    }
                }
                Decision::Sampled
            }
            Evaluator::Drop(subs) => {
                for sub in subs {
                    if matches!(
                        sub.evaluate(id, trace, now_sec)?,
                        Decision::NotSampled | Decision::InvertNotSampled
                    ) {
                        return Ok(Decision::NotSampled);
                    }
                }
                Decision::Dropped
            }
            Evaluator::Composite(c) => {
                if c.current_second != now_sec {
                    c.current_second = now_sec;
                    for s in &mut c.subs {
                        s.sampled = 0;
                    }
                }
                for s in &mut c.subs {
                    let d = s.evaluator.evaluate(id, trace, now_sec)?;
                    if matches!(d, Decision::Sampled | Decision::InvertSampled) {
                        let if_sampled = s.sampled + trace.span_count;
                        if if_sampled <= s.allocated && if_sampled <= c.max_total {
                            s.sampled = if_sampled;
                            return Ok(Decision::Sampled);
                        }
                        return Ok(Decision::NotSampled);
                    }
                }
                Decision::NotSampled
            }
        })
    }
}

/// The final decision of a trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Final {
    /// Forward the trace.
    Sampled,
    /// Drop the trace (no policy kept it, or an inverted match refused it).
    NotSampled,
    /// A `drop` policy matched.
    Dropped,
}

impl Final {
    /// The `sampled` and `decision` labels of the global count.
    pub(crate) fn labels(self) -> (&'static str, &'static str) {
        match self {
            Final::Sampled => ("true", "sampled"),
            Final::NotSampled => ("false", "not_sampled"),
            Final::Dropped => ("false", "dropped"),
        }
    }
}

/// Evaluates the policies in order and combines their votes as Go's
/// `makeDecision`: a drop wins, then an inverted not-sampled, then a
/// sampled, then an inverted sampled without any not-sampled; otherwise not
/// sampled. Stops at a drop, and at a sampled with `first_match`.
/// `observe` gets each policy's index, outcome and cumulative latency.
pub(crate) fn decide(
    policies: &mut [Policy],
    id: &[u8; 16],
    trace: &TraceData,
    now_sec: i64,
    first_match: bool,
    mut observe: impl FnMut(usize, &Result<Decision, PolicyError>, Duration),
) -> Final {
    let start = Instant::now();
    let mut seen: HashSet<Decision> = HashSet::new();
    for (i, p) in policies.iter_mut().enumerate() {
        let r = p.evaluator.evaluate(id, trace, now_sec);
        observe(i, &r, start.elapsed());
        let Ok(d) = r else { continue };
        seen.insert(d);
        if d == Decision::Dropped || (first_match && d == Decision::Sampled) {
            break;
        }
    }
    if seen.contains(&Decision::Dropped) {
        Final::Dropped
    } else if seen.contains(&Decision::InvertNotSampled) {
        Final::NotSampled
    } else if seen.contains(&Decision::Sampled)
        || (seen.contains(&Decision::InvertSampled) && !seen.contains(&Decision::NotSampled))
    {
        Final::Sampled
    } else {
        Final::NotSampled
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
