#![allow(clippy::unwrap_used)]

//! Per-item rules, table-driven. Expected hashes and `rv` values were
//! computed independently from Go's algorithm (FNV-1a of the seed's
//! little-endian bytes and the trace id / attribute value).

use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value::Value};
use otelcol_component::proto::logs::v1::LogRecord;
use otelcol_component::proto::trace::v1::Span;
use otelcol_componenttest::parse_config;

use super::*;
use crate::logs::sample_log;
use crate::traces::sample_span;

fn kv(key: &str, v: Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(v) }),
        ..Default::default()
    }
}

fn s(v: &str) -> Value {
    Value::StringValue(v.into())
}

fn id(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

fn config(yaml: &str) -> ProbabilisticSamplerConfig {
    parse_config(yaml).unwrap()
}

/// Trace ids: bucket 141 (seed 0; kept at 25%), bucket 6693 (seed 0; dropped
/// at 25%), and ids whose low 56 bits (bytes 9 to 15) are f0…, 90…, d0… and 10….
const KEEP: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const DROP: &str = "0102030405060708090a0b0c0d0e0f10";
const R_F0: &str = "00000000000000ffaaf0000000000000";
const R_90: &str = "00000000000000ff0090000000000000";
const R_D0: &str = "00000000000000ff00d0000000000000";
const R_10: &str = "00000000000000000010000000000000";
const ZERO: &str = "00000000000000000000000000000000";

/// (what, config, trace id, tracestate, span attributes, kept, policy, tracestate after).
type SpanCase = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Vec<KeyValue>,
    bool,
    &'static str,
    &'static str,
);

fn run_spans(cases: Vec<SpanCase>) {
    for (what, yaml, tid, ts, attrs, kept, policy, ts_after) in cases {
        let cfg = config(yaml);
        let sampler = Sampler::new(&cfg);
        let mut span = Span {
            trace_id: id(tid),
            trace_state: ts.into(),
            attributes: attrs,
            ..Default::default()
        };
        let d = sample_span(&sampler, cfg.fail_closed, &mut span);
        assert_eq!((d.sampled, d.policy.name()), (kept, policy), "{what}");
        assert_eq!(span.trace_state, ts_after, "{what}");
    }
}

#[rustfmt::skip]
#[test]
fn hash_seed_spans() {
    let p25 = "sampling_percentage: 25";
    let open = "sampling_percentage: 25\nfail_closed: false";
    let prio = |v: Value| vec![kv("sampling.priority", v)];
    run_spans(vec![
        ("bucket 141 < 4096 is kept, rv and th added", p25, KEEP, "", vec![], true, "trace_id_hash", "ot=rv:fdc8d0b520408d;th:c"),
        ("bucket 6693 is dropped", p25, DROP, "", vec![], false, "trace_id_hash", ""),
        ("other vendors are kept after ot", p25, KEEP, "v=1 , w=2", vec![], true, "trace_id_hash", "ot=rv:fdc8d0b520408d;th:c,v=1,w=2"),
        ("seed changes the buckets", "sampling_percentage: 25\nhash_seed: 22", KEEP, "", vec![], false, "trace_id_hash", ""),
        ("seed 22, bucket 3273", "sampling_percentage: 25\nhash_seed: 22", "5b8efff798038103d269b633813fc60c", "", vec![], true, "trace_id_hash", "ot=rv:ccda8a3ba64cc9;th:c"),
        ("arriving th: fail closed", p25, KEEP, "ot=th:8", vec![], false, "trace_id_hash", "ot=th:8"),
        ("arriving th: fail open keeps, untouched", open, DROP, "ot=th:8", vec![], true, "trace_id_hash", "ot=th:8"),
        ("arriving rv: fail closed", p25, KEEP, "ot=rv:00000000000000", vec![], false, "trace_id_hash", "ot=rv:00000000000000"),
        ("bad tracestate: fail closed", p25, KEEP, "Bad=1", vec![], false, "trace_id_hash", "Bad=1"),
        ("bad tracestate: fail open", open, KEEP, "Bad=1", vec![], true, "trace_id_hash", "Bad=1"),
        ("no trace id: fail closed", p25, ZERO, "", vec![], false, "missing_randomness", ""),
        ("no trace id: fail open", open, ZERO, "", vec![], true, "missing_randomness", "ot=rv:ffffffffffffff;th:0"),
        ("100% keeps all", "sampling_percentage: 100", DROP, "", vec![], true, "trace_id_hash", "ot=rv:976b7c4f241a25;th:0"),
        ("over 100% is 100%", "sampling_percentage: 1000", DROP, "", vec![], true, "trace_id_hash", "ot=rv:976b7c4f241a25;th:0"),
        ("priority 1 keeps", p25, DROP, "", prio(Value::IntValue(1)), true, "sampling_priority", "ot=rv:976b7c4f241a25;th:0"),
        ("priority 0 drops", p25, KEEP, "", prio(Value::IntValue(0)), false, "sampling_priority", ""),
        ("priority -1 defers", p25, KEEP, "", prio(Value::IntValue(-1)), true, "trace_id_hash", "ot=rv:fdc8d0b520408d;th:c"),
        ("priority 2.5 keeps", p25, DROP, "", prio(Value::DoubleValue(2.5)), true, "sampling_priority", "ot=rv:976b7c4f241a25;th:0"),
        ("priority 0.0 drops", p25, KEEP, "", prio(Value::DoubleValue(0.0)), false, "sampling_priority", ""),
        ("priority \"1\" keeps", p25, DROP, "", prio(s("1")), true, "sampling_priority", "ot=rv:976b7c4f241a25;th:0"),
        ("priority \"0.0\" drops", p25, KEEP, "", prio(s("0.0")), false, "sampling_priority", ""),
        ("priority \"abc\" defers", p25, DROP, "", prio(s("abc")), false, "trace_id_hash", ""),
        ("priority \"1e400\" is out of range: defers", p25, DROP, "", prio(s("1e400")), false, "trace_id_hash", ""),
        ("priority \"+Inf\" keeps", p25, DROP, "", prio(s("+Inf")), true, "sampling_priority", "ot=rv:976b7c4f241a25;th:0"),
        ("priority true (bool) defers", p25, DROP, "", prio(Value::BoolValue(true)), false, "trace_id_hash", ""),
        ("priority overrides fail closed", p25, ZERO, "", prio(Value::IntValue(1)), true, "sampling_priority", "ot=rv:ffffffffffffff;th:0"),
    ]);
}

#[rustfmt::skip]
#[test]
fn equalizing_and_proportional_spans() {
    let eq = "sampling_percentage: 25\nmode: equalizing";
    let eq_open = "sampling_percentage: 25\nmode: equalizing\nfail_closed: false";
    let pr = "sampling_percentage: 25\nmode: proportional";
    run_spans(vec![
        ("eq: r=f0 ≥ c0 kept", eq, R_F0, "", vec![], true, "trace_id_w3c", "ot=th:c"),
        ("eq: r=90 < c0 dropped", eq, R_90, "", vec![], false, "trace_id_w3c", ""),
        ("eq: lower arriving probability is kept as is", eq, R_F0, "ot=th:e", vec![], true, "trace_id_w3c", "ot=th:e"),
        ("eq: higher arriving probability is lowered", eq, R_F0, "a=b,ot=th:8", vec![], true, "trace_id_w3c", "ot=th:c,a=b"),
        ("eq: higher arriving, r below the new threshold", eq, R_90, "ot=th:8", vec![], false, "trace_id_w3c", "ot=th:8"),
        ("eq: inconsistent arriving th, fail closed", eq, R_10, "ot=th:f", vec![], false, "trace_id_w3c", "ot=th:f"),
        ("eq: inconsistent arriving th, fail open: cleared, th:0", eq_open, R_10, "ot=th:f", vec![], true, "trace_id_w3c", "ot=th:0"),
        ("eq: rv wins over the trace id", eq, R_10, "ot=rv:f0000000000000", vec![], true, "sampling_randomness", "ot=rv:f0000000000000;th:c"),
        ("eq: no trace id, no rv", eq, ZERO, "", vec![], false, "missing_randomness", ""),
        ("eq: bad th value, fail closed", eq, R_F0, "ot=th:xyz", vec![], false, "missing_randomness", "ot=th:xyz"),
        ("eq: precision 1", "sampling_percentage: 10\nmode: equalizing\nsampling_precision: 1", R_F0, "", vec![], true, "trace_id_w3c", "ot=th:e"),
        ("eq: default precision 4", "sampling_percentage: 10\nmode: equalizing", R_F0, "", vec![], true, "trace_id_w3c", "ot=th:e666"),
        ("pr: no arriving th", pr, R_F0, "", vec![], true, "trace_id_w3c", "ot=th:c"),
        ("pr: 50% × 25% = 12.5%", pr, R_F0, "ot=th:8", vec![], true, "trace_id_w3c", "ot=th:e"),
        ("pr: 12.5% drops r=d0", pr, R_D0, "ot=th:8", vec![], false, "trace_id_w3c", "ot=th:8"),
        ("pr: product below 2^-56 never samples", pr, ZERO, "ot=rv:ffffffffffffff;th:ffffffffffffff", vec![], false, "sampling_randomness", "ot=rv:ffffffffffffff;th:ffffffffffffff"),
        ("pr: priority keeps, th:0 not allowed to raise: th kept", pr, R_F0, "ot=th:8", vec![kv("sampling.priority", Value::IntValue(5))], true, "sampling_priority", "ot=th:8"),
        ("pr: 100% writes th:0", "sampling_percentage: 100\nmode: proportional", R_10, "", vec![], true, "trace_id_w3c", "ot=th:0"),
        ("never: 0% drops", "sampling_percentage: 0", KEEP, "", vec![], false, "sampling_priority", ""),
        ("never: priority keeps", "sampling_percentage: 0", KEEP, "", vec![kv("sampling.priority", Value::IntValue(1))], true, "sampling_priority", "ot=th:0"),
        ("never: bad tracestate with fail open keeps (as Go)", "sampling_percentage: 0\nfail_closed: false", KEEP, "Bad=1", vec![], true, "sampling_priority", "ot=th:0"),
        ("tiny percentage rounds to zero buckets: never", "sampling_percentage: 0.005", KEEP, "", vec![], false, "sampling_priority", ""),
    ]);
}

/// (what, config, trace id, attributes, kept, policy, attributes after).
type LogCase = (
    &'static str,
    &'static str,
    &'static str,
    Vec<KeyValue>,
    bool,
    &'static str,
    Vec<KeyValue>,
);

fn run_logs(cases: Vec<LogCase>) {
    for (what, yaml, tid, attrs, kept, policy, attrs_after) in cases {
        let cfg = config(yaml);
        let sampler = Sampler::new(&cfg);
        let mut record = LogRecord {
            trace_id: id(tid),
            attributes: attrs,
            ..Default::default()
        };
        let d = sample_log(
            &sampler,
            cfg.fail_closed,
            &cfg.sampling_priority,
            cfg.sampling_precision,
            &mut record,
        );
        assert_eq!((d.sampled, d.policy.name()), (kept, policy), "{what}");
        if kept {
            assert_eq!(record.attributes, attrs_after, "{what}");
        }
    }
}

#[rustfmt::skip]
#[test]
fn hash_seed_logs() {
    let rv = |v: &str| kv("sampling.randomness", s(v));
    let th = |v: &str| kv("sampling.threshold", s(v));
    let p25 = "sampling_percentage: 25";
    let rec22 = "sampling_percentage: 25\nhash_seed: 22\nattribute_source: record\nfrom_attribute: foo";
    let tid_or_attr = "sampling_percentage: 25\nfrom_attribute: foo";
    let prio = "sampling_percentage: 25\nsampling_priority: bar";
    run_logs(vec![
        ("trace id kept", p25, KEEP, vec![], true, "trace_id_hash", vec![rv("fdc8d0b520408d"), th("c")]),
        ("trace id dropped", p25, DROP, vec![], false, "trace_id_hash", vec![]),
        ("no trace id, no attribute", p25, ZERO, vec![], false, "missing_randomness", vec![]),
        ("falls back to from_attribute", tid_or_attr, ZERO, vec![kv("foo", s("true"))], true, "foo", vec![kv("foo", s("true")), rv("d9a840d9324995"), th("c")]),
        ("trace id wins over from_attribute", tid_or_attr, DROP, vec![kv("foo", s("true"))], false, "trace_id_hash", vec![]),
        ("int attribute hashed as its string", tid_or_attr, ZERO, vec![kv("foo", Value::IntValue(123))], false, "foo", vec![]),
        ("double attribute hashed as its string", tid_or_attr, ZERO, vec![kv("foo", Value::DoubleValue(1.5))], true, "foo", vec![kv("foo", Value::DoubleValue(1.5)), rv("d65a99bd46ca69"), th("c")]),
        ("record source ignores the trace id", rec22, KEEP, vec![kv("foo", s("abc"))], true, "foo", vec![kv("foo", s("abc")), rv("c08a44e91e0fdd"), th("c")]),
        ("record source, bucket 15208 dropped", rec22, KEEP, vec![kv("foo", s("log-2"))], false, "foo", vec![]),
        ("bytes attribute hashed raw", "sampling_percentage: 100\nattribute_source: record\nfrom_attribute: foo", ZERO, vec![kv("foo", Value::BytesValue(vec![1, 2, 3]))], true, "foo", vec![ kv("foo", Value::BytesValue(vec![1, 2, 3])), rv("0f91497048bc1b"), th("0"), ]),
        ("empty attribute is missing", rec22, ZERO, vec![kv("foo", s(""))], false, "missing_randomness", vec![]),
        ("arriving sampling.randomness: fail closed", p25, KEEP, vec![rv("00000000000000")], false, "trace_id_hash", vec![]),
        ("arriving sampling.threshold: fail closed", p25, KEEP, vec![th("8")], false, "trace_id_hash", vec![]),
        ("non-string sampling.threshold is ignored", p25, KEEP, vec![kv("sampling.threshold", Value::IntValue(8))], true, "trace_id_hash", vec![kv("sampling.threshold", s("c")), rv("fdc8d0b520408d")]),
        ("priority 100 keeps", prio, DROP, vec![kv("bar", Value::IntValue(100))], true, "sampling_priority", vec![kv("bar", Value::IntValue(100)), rv("976b7c4f241a25"), th("0")]),
        ("priority 50.0: bucket 6693 ≤ 8191 kept at th 8", prio, DROP, vec![kv("bar", Value::DoubleValue(50.0))], true, "sampling_priority", vec![kv("bar", Value::DoubleValue(50.0)), rv("976b7c4f241a25"), th("8")]),
        ("priority 1 lowers to th fd70a: rv 976b… dropped", prio, DROP, vec![kv("bar", Value::IntValue(1))], false, "sampling_priority", vec![]),
        ("priority 1: rv fdc8… kept at th fd70a", prio, KEEP, vec![kv("bar", Value::IntValue(1))], true, "sampling_priority", vec![kv("bar", Value::IntValue(1)), rv("fdc8d0b520408d"), th("fd70a")]),
        ("priority 0 is no override (Go's code)", prio, KEEP, vec![kv("bar", Value::IntValue(0))], true, "trace_id_hash", vec![kv("bar", Value::IntValue(0)), rv("fdc8d0b520408d"), th("c")]),
        ("priority 150 is out of range: no override", prio, DROP, vec![kv("bar", Value::IntValue(150))], false, "trace_id_hash", vec![]),
        ("priority as a string is ignored", prio, DROP, vec![kv("bar", s("100"))], false, "trace_id_hash", vec![]),
        ("priority overrides missing randomness", prio, ZERO, vec![kv("bar", Value::IntValue(100))], true, "sampling_priority", vec![kv("bar", Value::IntValue(100)), th("0")]),
    ]);
}

#[rustfmt::skip]
#[test]
fn consistent_logs() {
    let rv = |v: &str| kv("sampling.randomness", s(v));
    let th = |v: &str| kv("sampling.threshold", s(v));
    let eq = "sampling_percentage: 25\nmode: equalizing";
    let eq_open = "sampling_percentage: 25\nmode: equalizing\nfail_closed: false";
    run_logs(vec![
        ("trace id randomness", eq, R_F0, vec![], true, "trace_id_w3c", vec![th("c")]),
        ("trace id randomness dropped", eq, R_90, vec![], false, "trace_id_w3c", vec![]),
        ("explicit randomness", eq, ZERO, vec![rv("f0000000000000")], true, "sampling_randomness", vec![rv("f0000000000000"), th("c")]),
        ("arriving lower probability kept", eq, R_F0, vec![th("e")], true, "trace_id_w3c", vec![th("e")]),
        ("arriving higher probability lowered", eq, R_F0, vec![th("8")], true, "trace_id_w3c", vec![th("c")]),
        ("inconsistent threshold, fail closed", eq, R_10, vec![th("f")], false, "trace_id_w3c", vec![]),
        ("inconsistent threshold, fail open: removed then th:0", eq_open, R_10, vec![kv("a", s("b")), th("f"), kv("c", s("d"))], true, "trace_id_w3c", vec![kv("a", s("b")), kv("c", s("d")), th("0")]),
        ("bad randomness attribute", eq, R_F0, vec![rv("xyz")], false, "missing_randomness", vec![]),
        ("record source is not used by the OTEP 235 modes", "sampling_percentage: 25\nmode: proportional\nattribute_source: record\nfrom_attribute: foo", ZERO, vec![kv("foo", s("abc"))], false, "missing_randomness", vec![]),
    ]);
}

#[test]
fn sampler_construction() {
    let s = |yaml: &str| Sampler::new(&config(yaml));
    assert_eq!(s("sampling_percentage: 0"), Sampler::Never);
    assert_eq!(s("sampling_percentage: 0\nmode: proportional"), Sampler::Never);
    assert_eq!(
        s("sampling_percentage: 0.001"),
        Sampler::Never,
        "rounds to 0 buckets"
    );
    assert!(matches!(
        s("sampling_percentage: 0.001\nmode: equalizing"),
        Sampler::Equalizing { .. }
    ));
    assert!(matches!(
        s("sampling_percentage: 25\nhash_seed: 3"),
        Sampler::Hashing { seed: 3, .. }
    ));
    assert!(
        matches!(s("sampling_percentage: 25"), Sampler::Hashing { .. }),
        "unset mode is hash_seed"
    );
    let tiny = ProbabilisticSamplerConfig {
        sampling_percentage: 1e-16,
        mode: SamplerMode::Proportional,
        ..Default::default()
    };
    assert!(
        matches!(Sampler::new(&tiny), Sampler::Proportional { ratio, .. } if ratio == MIN_SAMPLING_PROBABILITY)
    );
    assert!(matches!(
        s("sampling_percentage: 200\nmode: proportional"),
        Sampler::Proportional { ratio, .. } if ratio == 1.0
    ));
}
