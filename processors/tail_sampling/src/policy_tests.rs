#![allow(clippy::unwrap_used)]
use super::*;
use crate::config::TailSamplingConfig;
use otelcol_component::proto::common::v1::KeyValue;
use otelcol_component::proto::trace::v1::span::Event;
use otelcol_component::proto::trace::v1::{ScopeSpans, Status};

const ID: [u8; 16] = [7; 16];

fn kv(k: &str, v: Value) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue { value: Some(v) }),
        ..Default::default()
    }
}

fn span_with(attrs: Vec<KeyValue>) -> Span {
    Span {
        trace_id: ID.to_vec(),
        attributes: attrs,
        ..Default::default()
    }
}

/// One resource with `res` attributes holding `spans`.
fn trace(res: Vec<KeyValue>, spans: Vec<Span>) -> TraceData {
    let n = spans.len() as i64;
    TraceData {
        batches: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: res,
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
        span_count: n,
    }
}

/// The single top-level policy of `yaml` (a `policies:` list entry).
fn policy(yaml: &str) -> Evaluator {
    let cfg: TailSamplingConfig =
        otelcol_componenttest::parse_config(&format!("policies: [{yaml}]")).unwrap();
    build_policies(&cfg.policies).unwrap().remove(0).evaluator
}

fn eval(p: &mut Evaluator, t: &TraceData) -> Decision {
    p.evaluate(&ID, t, 100).unwrap()
}

#[test]
fn always_sample() {
    let mut p = policy("{name: a, type: always_sample}");
    assert_eq!(eval(&mut p, &trace(vec![], vec![])), Decision::Sampled);
}

fn timed(start_ms: u64, end_ms: u64) -> Span {
    Span {
        start_time_unix_nano: start_ms * 1_000_000,
        end_time_unix_nano: end_ms * 1_000_000,
        ..Default::default()
    }
}

#[test]
fn latency_uses_earliest_start_and_latest_end() {
    let mut p = policy("{name: a, type: latency, latency: {threshold_ms: 100}}");
    // Two short spans spanning 150ms together.
    let t = trace(vec![], vec![timed(1000, 1050), timed(1100, 1150)]);
    assert_eq!(eval(&mut p, &t), Decision::Sampled);
    let t = trace(vec![], vec![timed(1000, 1050), timed(1010, 1099)]);
    assert_eq!(eval(&mut p, &t), Decision::NotSampled);
    // Exactly the threshold is sampled without an upper bound.
    assert_eq!(
        eval(&mut p, &trace(vec![], vec![timed(0, 99)])),
        Decision::NotSampled
    );
    assert_eq!(
        eval(&mut p, &trace(vec![], vec![timed(5, 105)])),
        Decision::Sampled
    );
}

#[test]
fn latency_with_upper_bound_is_exclusive_below_inclusive_above() {
    let mut p = policy("{name: a, type: latency, latency: {threshold_ms: 100, upper_threshold_ms: 200}}");
    assert_eq!(
        eval(&mut p, &trace(vec![], vec![timed(10, 110)])),
        Decision::NotSampled
    );
    assert_eq!(
        eval(&mut p, &trace(vec![], vec![timed(10, 111)])),
        Decision::Sampled
    );
    assert_eq!(
        eval(&mut p, &trace(vec![], vec![timed(10, 210)])),
        Decision::Sampled
    );
    assert_eq!(
        eval(&mut p, &trace(vec![], vec![timed(10, 211)])),
        Decision::NotSampled
    );
}

fn with_status(code: i32) -> Span {
    Span {
        status: Some(Status {
            code,
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[test]
fn status_code() {
    let mut p = policy("{name: a, type: status_code, status_code: {status_codes: [ERROR]}}");
    assert_eq!(
        eval(&mut p, &trace(vec![], vec![with_status(1), with_status(2)])),
        Decision::Sampled
    );
    assert_eq!(
        eval(&mut p, &trace(vec![], vec![with_status(1)])),
        Decision::NotSampled
    );
    let mut unset = policy("{name: a, type: status_code, status_code: {status_codes: [UNSET]}}");
    assert_eq!(
        eval(&mut unset, &trace(vec![], vec![Span::default()])),
        Decision::Sampled
    );
}

fn s(v: &str) -> Value {
    Value::StringValue(v.into())
}

#[test]
fn string_attribute_exact_on_span_and_resource() {
    let mut p = policy("{name: a, type: string_attribute, string_attribute: {key: k, values: [v1, v2]}}");
    assert_eq!(
        eval(&mut p, &trace(vec![], vec![span_with(vec![kv("k", s("v2"))])])),
        Decision::Sampled
    );
    assert_eq!(
        eval(&mut p, &trace(vec![kv("k", s("v1"))], vec![Span::default()])),
        Decision::Sampled
    );
    assert_eq!(
        eval(&mut p, &trace(vec![], vec![span_with(vec![kv("k", s("v3"))])])),
        Decision::NotSampled
    );
    // A non-string value reads as "" (Go's Str()).
    assert_eq!(
        eval(
            &mut p,
            &trace(vec![], vec![span_with(vec![kv("k", Value::IntValue(1))])])
        ),
        Decision::NotSampled
    );
}

#[test]
fn string_attribute_regex_is_unanchored() {
    let mut p = policy(
        "{name: a, type: string_attribute, string_attribute: {key: k, values: ['val.*'], enabled_regex_matching: true, cache_max_size: 1}}",
    );
    assert_eq!(
        eval(
            &mut p,
            &trace(vec![], vec![span_with(vec![kv("k", s("myvalue"))])])
        ),
        Decision::Sampled
    );
    assert_eq!(
        eval(&mut p, &trace(vec![], vec![span_with(vec![kv("k", s("other"))])])),
        Decision::NotSampled
    );
    // Cached results stay right after the cache is cleared.
    assert_eq!(
        eval(
            &mut p,
            &trace(vec![], vec![span_with(vec![kv("k", s("myvalue"))])])
        ),
        Decision::Sampled
    );
}

#[test]
fn string_attribute_invert_match() {
    let mut p = policy(
        "{name: a, type: string_attribute, string_attribute: {key: k, values: [acme], invert_match: true}}",
    );
    assert_eq!(
        eval(&mut p, &trace(vec![], vec![span_with(vec![kv("k", s("other"))])])),
        Decision::InvertSampled
    );
    // No such key anywhere: inverted sampled.
    assert_eq!(
        eval(&mut p, &trace(vec![], vec![Span::default()])),
        Decision::InvertSampled
    );
    assert_eq!(
        eval(
            &mut p,
            &trace(vec![], vec![Span::default(), span_with(vec![kv("k", s("acme"))])])
        ),
        Decision::InvertNotSampled
    );
    assert_eq!(
        eval(&mut p, &trace(vec![kv("k", s("acme"))], vec![])),
        Decision::InvertNotSampled
    );
}

#[test]
fn numeric_attribute_range_and_open_bounds() {
    let mut p = policy(
        "{name: a, type: numeric_attribute, numeric_attribute: {key: n, min_value: 50, max_value: 100}}",
    );
    let t = |v: i64| trace(vec![], vec![span_with(vec![kv("n", Value::IntValue(v))])]);
    assert_eq!(eval(&mut p, &t(50)), Decision::Sampled);
    assert_eq!(eval(&mut p, &t(100)), Decision::Sampled);
    assert_eq!(eval(&mut p, &t(101)), Decision::NotSampled);
    assert_eq!(
        eval(&mut p, &trace(vec![kv("n", Value::IntValue(70))], vec![])),
        Decision::Sampled
    );
    let mut min_only =
        policy("{name: a, type: numeric_attribute, numeric_attribute: {key: n, min_value: 50}}");
    assert_eq!(eval(&mut min_only, &t(i64::MAX)), Decision::Sampled);
    assert_eq!(eval(&mut min_only, &t(49)), Decision::NotSampled);
}

#[test]
fn numeric_attribute_invert_match() {
    let mut p = policy(
        "{name: a, type: numeric_attribute, numeric_attribute: {key: n, min_value: 50, max_value: 100, invert_match: true}}",
    );
    let t = |v: i64| trace(vec![], vec![span_with(vec![kv("n", Value::IntValue(v))])]);
    assert_eq!(eval(&mut p, &t(10)), Decision::InvertSampled);
    assert_eq!(eval(&mut p, &t(60)), Decision::InvertNotSampled);
    assert_eq!(
        eval(&mut p, &trace(vec![], vec![Span::default()])),
        Decision::InvertSampled
    );
}

#[test]
fn boolean_attribute_and_invert() {
    let mut p = policy("{name: a, type: boolean_attribute, boolean_attribute: {key: b, value: true}}");
    let t = |v: bool| trace(vec![], vec![span_with(vec![kv("b", Value::BoolValue(v))])]);
    assert_eq!(eval(&mut p, &t(true)), Decision::Sampled);
    assert_eq!(eval(&mut p, &t(false)), Decision::NotSampled);
    let mut inv = policy(
        "{name: a, type: boolean_attribute, boolean_attribute: {key: b, value: true, invert_match: true}}",
    );
    assert_eq!(eval(&mut inv, &t(true)), Decision::InvertNotSampled);
    assert_eq!(eval(&mut inv, &t(false)), Decision::InvertSampled);
}

#[test]
fn probabilistic_matches_go_hash_and_threshold() {
    // FNV-1a 64 of the empty input is the offset basis.
    assert_eq!(hash_trace_id(b"", b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(hash_trace_id(b"a", b""), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(threshold(0.0), 0);
    assert_eq!(threshold(1.0), u64::MAX);
    assert_eq!(threshold(2.0), u64::MAX);
    assert_eq!(threshold(0.5), (1u64 << 63) - 1);
    assert_eq!(threshold(0.25), (1u64 << 62) - 1);
    let mut all = policy("{name: a, type: probabilistic, probabilistic: {sampling_percentage: 100}}");
    let mut none = policy("{name: a, type: probabilistic, probabilistic: {sampling_percentage: 0}}");
    let t = trace(vec![], vec![]);
    assert_eq!(eval(&mut all, &t), Decision::Sampled);
    assert_eq!(eval(&mut none, &t), Decision::NotSampled);
    // About half of many ids at 50%.
    let mut half =
        policy("{name: a, type: probabilistic, probabilistic: {sampling_percentage: 50, hash_salt: s}}");
    let kept = (0..2000u32)
        .filter(|i| {
            let mut id = [0u8; 16];
            id[..4].copy_from_slice(&i.to_be_bytes());
            half.evaluate(&id, &t, 0).unwrap() == Decision::Sampled
        })
        .count();
    assert!((800..1200).contains(&kept), "{kept}");
}

#[test]
fn rate_limiting_counts_spans_per_second() {
    let mut p = policy("{name: a, type: rate_limiting, rate_limiting: {spans_per_second: 5}}");
    let t2 = trace(vec![], vec![Span::default(), Span::default()]);
    assert_eq!(p.evaluate(&ID, &t2, 1).unwrap(), Decision::Sampled); // 2 < 5
    assert_eq!(p.evaluate(&ID, &t2, 1).unwrap(), Decision::Sampled); // 4 < 5
    assert_eq!(p.evaluate(&ID, &t2, 1).unwrap(), Decision::NotSampled); // 6 >= 5
    assert_eq!(p.evaluate(&ID, &t2, 2).unwrap(), Decision::Sampled); // new second
}

#[test]
fn span_count_bounds() {
    let mut p = policy("{name: a, type: span_count, span_count: {min_spans: 2, max_spans: 3}}");
    let t = |n: usize| trace(vec![], vec![Span::default(); n]);
    assert_eq!(eval(&mut p, &t(1)), Decision::NotSampled);
    assert_eq!(eval(&mut p, &t(2)), Decision::Sampled);
    assert_eq!(eval(&mut p, &t(3)), Decision::Sampled);
    assert_eq!(eval(&mut p, &t(4)), Decision::NotSampled);
    let mut min_only = policy("{name: a, type: span_count, span_count: {min_spans: 2}}");
    assert_eq!(eval(&mut min_only, &t(40)), Decision::Sampled);
}

#[test]
fn trace_state_values() {
    let mut p = policy("{name: a, type: trace_state, trace_state: {key: key3, values: [value1]}}");
    let t = |ts: &str| {
        trace(
            vec![],
            vec![Span {
                trace_state: ts.into(),
                ..Default::default()
            }],
        )
    };
    assert_eq!(eval(&mut p, &t("a=b,key3=value1")), Decision::Sampled);
    assert_eq!(eval(&mut p, &t("key3=value2")), Decision::NotSampled);
    assert_eq!(eval(&mut p, &t("key3=value1,,BAD")), Decision::NotSampled);
}

#[test]
fn ottl_span_and_event_conditions() {
    let mut p = policy(
        r#"{name: a, type: ottl_condition, ottl_condition: {span: ['attributes["k"] == "v"'], spanevent: ['name == "boom"']}}"#,
    );
    assert_eq!(
        eval(&mut p, &trace(vec![], vec![span_with(vec![kv("k", s("v"))])])),
        Decision::Sampled
    );
    let mut with_event = Span::default();
    with_event.events.push(Event {
        name: "boom".into(),
        ..Default::default()
    });
    assert_eq!(eval(&mut p, &trace(vec![], vec![with_event])), Decision::Sampled);
    assert_eq!(
        eval(&mut p, &trace(vec![], vec![Span::default()])),
        Decision::NotSampled
    );
}

#[test]
fn and_policy() {
    let mut p = policy(
        "{name: a, type: and, and: {and_sub_policy: [{name: x, type: always_sample}, {name: y, type: status_code, status_code: {status_codes: [ERROR]}}]}}",
    );
    assert_eq!(
        eval(&mut p, &trace(vec![], vec![with_status(2)])),
        Decision::Sampled
    );
    assert_eq!(
        eval(&mut p, &trace(vec![], vec![with_status(1)])),
        Decision::NotSampled
    );
    // An inverted not-sampled sub-decision makes the and not sampled.
    let mut inv = policy(
        "{name: a, type: and, and: {and_sub_policy: [{name: x, type: always_sample}, {name: y, type: boolean_attribute, boolean_attribute: {key: b, value: true, invert_match: true}}]}}",
    );
    assert_eq!(
        eval(
            &mut inv,
            &trace(vec![], vec![span_with(vec![kv("b", Value::BoolValue(true))])])
        ),
        Decision::NotSampled
    );
    assert_eq!(
        eval(&mut inv, &trace(vec![], vec![Span::default()])),
        Decision::Sampled
    );
}

#[test]
fn drop_policy() {
    let mut p = policy(
        "{name: a, type: drop, drop: {drop_sub_policy: [{name: x, type: string_attribute, string_attribute: {key: url.path, values: ['/health']}}]}}",
    );
    assert_eq!(
        eval(
            &mut p,
            &trace(vec![], vec![span_with(vec![kv("url.path", s("/health"))])])
        ),
        Decision::Dropped
    );
    assert_eq!(
        eval(&mut p, &trace(vec![], vec![Span::default()])),
        Decision::NotSampled
    );
}

#[test]
fn composite_allocates_spans_per_second() {
    let mut p = policy(
        "{name: c, type: composite, composite: {max_total_spans_per_second: 10, composite_sub_policy: [{name: err, type: status_code, status_code: {status_codes: [ERROR]}}, {name: all, type: always_sample}], rate_allocation: [{policy: err, percent: 50}, {policy: all, percent: 30}]}}",
    );
    let errors = trace(vec![], vec![with_status(2); 3]);
    let ok = trace(vec![], vec![with_status(1); 2]);
    // err: 5 spans/s, all: 3 spans/s.
    assert_eq!(p.evaluate(&ID, &errors, 1).unwrap(), Decision::Sampled); // err 3
    assert_eq!(p.evaluate(&ID, &errors, 1).unwrap(), Decision::NotSampled); // err would be 6 > 5
    assert_eq!(p.evaluate(&ID, &ok, 1).unwrap(), Decision::Sampled); // all 2
    assert_eq!(p.evaluate(&ID, &ok, 1).unwrap(), Decision::NotSampled); // all would be 4 > 3
    assert_eq!(p.evaluate(&ID, &errors, 2).unwrap(), Decision::Sampled); // next second
    // A sub-policy without allocation never samples.
    let mut none = policy(
        "{name: c, type: composite, composite: {max_total_spans_per_second: 10, composite_sub_policy: [{name: all, type: always_sample}]}}",
    );
    assert_eq!(none.evaluate(&ID, &ok, 1).unwrap(), Decision::NotSampled);
}

fn policies(yaml: &str) -> Vec<Policy> {
    let cfg: TailSamplingConfig = otelcol_componenttest::parse_config(yaml).unwrap();
    build_policies(&cfg.policies).unwrap()
}

fn final_of(yaml: &str, t: &TraceData, first_match: bool) -> (Final, Vec<usize>) {
    let mut ps = policies(yaml);
    let mut seen = Vec::new();
    let f = decide(&mut ps, &ID, t, 0, first_match, |i, _, _| seen.push(i));
    (f, seen)
}

const INV_ACME: &str =
    "{name: inv, type: string_attribute, string_attribute: {key: k, values: [acme], invert_match: true}}";

#[test]
fn combining_rules() {
    let acme = trace(vec![], vec![span_with(vec![kv("k", s("acme"))])]);
    let other = trace(vec![], vec![span_with(vec![kv("k", s("other"))])]);
    // Sampled wins over not sampled.
    let yaml = "policies: [{name: a, type: always_sample}, {name: b, type: status_code, status_code: {status_codes: [ERROR]}}]";
    assert_eq!(final_of(yaml, &other, false).0, Final::Sampled);
    // An inverted not-sampled wins over sampled.
    let yaml = format!("policies: [{{name: a, type: always_sample}}, {INV_ACME}]");
    assert_eq!(final_of(&yaml, &acme, false).0, Final::NotSampled);
    // An inverted sampled samples without any not-sampled...
    let yaml = format!("policies: [{INV_ACME}]");
    assert_eq!(final_of(&yaml, &other, false).0, Final::Sampled);
    // ...but not alongside a not-sampled.
    let yaml = format!(
        "policies: [{INV_ACME}, {{name: e, type: status_code, status_code: {{status_codes: [ERROR]}}}}]"
    );
    assert_eq!(final_of(&yaml, &other, false).0, Final::NotSampled);
    // No policies: not sampled.
    assert_eq!(final_of("policies: []", &other, false).0, Final::NotSampled);
}

#[test]
fn drop_is_evaluated_first_and_stops_evaluation() {
    let yaml = "policies: [{name: a, type: always_sample}, {name: d, type: drop, drop: {drop_sub_policy: [{name: x, type: always_sample}]}}]";
    let (f, seen) = final_of(yaml, &trace(vec![], vec![]), false);
    assert_eq!(f, Final::Dropped);
    // The drop policy (index 0 after reordering) ran alone.
    assert_eq!(seen, [0]);
    assert_eq!(policies(yaml)[0].name, "d");
}

#[test]
fn sample_on_first_match_stops_at_the_first_sampled() {
    let yaml = format!("policies: [{{name: a, type: always_sample}}, {INV_ACME}]");
    let acme = trace(vec![], vec![span_with(vec![kv("k", s("acme"))])]);
    let (f, seen) = final_of(&yaml, &acme, true);
    assert_eq!((f, seen.len()), (Final::Sampled, 1));
    let (f, seen) = final_of(&yaml, &acme, false);
    assert_eq!((f, seen.len()), (Final::NotSampled, 2));
}

#[test]
fn policy_errors_do_not_vote() {
    // `Len` of a missing attribute fails; propagate makes it an error.
    let yaml = r#"policies: [{name: o, type: ottl_condition, ottl_condition: {span: ['Len(attributes["missing"]) > 0']}}, {name: a, type: always_sample}]"#;
    let mut ps = policies(yaml);
    let mut errors = 0;
    let f = decide(
        &mut ps,
        &ID,
        &trace(vec![], vec![Span::default()]),
        0,
        false,
        |_, r, _| {
            errors += usize::from(r.is_err());
        },
    );
    assert_eq!((f, errors), (Final::Sampled, 1));
}

#[test]
fn ottl_ignore_mode_treats_errors_as_false() {
    let mut p = policy(
        r#"{name: o, type: ottl_condition, ottl_condition: {error_mode: ignore, span: ['Len(attributes["missing"]) > 0', 'name == "x"']}}"#,
    );
    let named = Span {
        name: "x".into(),
        ..Default::default()
    };
    assert_eq!(eval(&mut p, &trace(vec![], vec![named])), Decision::Sampled);
    assert_eq!(
        eval(&mut p, &trace(vec![], vec![Span::default()])),
        Decision::NotSampled
    );
    let mut strict = policy(
        r#"{name: o, type: ottl_condition, ottl_condition: {span: ['Len(attributes["missing"]) > 0']}}"#,
    );
    assert!(
        strict
            .evaluate(&ID, &trace(vec![], vec![Span::default()]), 0)
            .is_err()
    );
}
