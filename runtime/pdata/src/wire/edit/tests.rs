//! The encoded edit against the same edit on decoded lists: decoded results
//! equal always, bytes equal prost's whenever the input is prost's.

use bytes::Bytes;
use prost::Message;

use super::*;
use crate::proto::collector::logs::v1::ExportLogsServiceRequest;
use crate::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use crate::proto::collector::trace::v1::ExportTraceServiceRequest;
use crate::proto::common::v1::{AnyValue, KeyValue, any_value};
use crate::proto::resource::v1::Resource;
use crate::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use crate::wire::tests::{Rng, attrs, kv, logs, metrics, traces};
use crate::{Logs, Metrics, Payload, Traces, validate_logs, validate_metrics, validate_traces};

/// An edit, written once for decoded lists and once for encoded ones.
#[derive(Clone, Debug)]
enum Op {
    /// Appends `k` = value unless present.
    Insert(&'static str, any_value::Value),
    /// Sets the first `k`, or appends it.
    Upsert(&'static str, any_value::Value),
    /// Sets the first `k` to the value of the first `from`, if both exist.
    UpdateFrom(&'static str, &'static str),
    /// Removes the first `k`.
    Delete(&'static str),
    /// Sets the first `k` to a string describing its scalar value.
    Describe(&'static str),
    /// Removes every entry whose key starts with the prefix.
    DropPrefix(&'static str),
}

fn describe_decoded(v: Option<&AnyValue>) -> String {
    match v.and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => format!("s:{s}"),
        Some(any_value::Value::BoolValue(b)) => format!("b:{b}"),
        Some(any_value::Value::IntValue(i)) => format!("i:{i}"),
        Some(any_value::Value::DoubleValue(d)) => format!("d:{}", d.to_bits()),
        _ => "other".into(),
    }
}

fn describe_encoded(s: Scalar<'_>) -> String {
    match s {
        Scalar::Str(s) => format!("s:{s}"),
        Scalar::Bool(b) => format!("b:{b}"),
        Scalar::Int(i) => format!("i:{i}"),
        Scalar::Double(d) => format!("d:{}", d.to_bits()),
        Scalar::Other => "other".into(),
    }
}

fn any(v: &any_value::Value) -> AnyValue {
    AnyValue {
        value: Some(v.clone()),
    }
}

fn apply_decoded(ops: &[Op], attrs: &mut Vec<KeyValue>) {
    let first = |attrs: &[KeyValue], k: &str| attrs.iter().position(|kv| kv.key == k);
    for op in ops {
        match op {
            Op::Insert(k, v) => {
                if first(attrs, k).is_none() {
                    attrs.push(KeyValue {
                        key: (*k).into(),
                        value: Some(any(v)),
                        ..Default::default()
                    });
                }
            }
            Op::Upsert(k, v) => match first(attrs, k) {
                Some(i) => attrs[i].value = Some(any(v)),
                None => attrs.push(KeyValue {
                    key: (*k).into(),
                    value: Some(any(v)),
                    ..Default::default()
                }),
            },
            Op::UpdateFrom(k, from) => {
                if let (Some(src), Some(i)) = (first(attrs, from), first(attrs, k)) {
                    attrs[i].value = Some(attrs[src].value.clone().unwrap_or_default());
                }
            }
            Op::Delete(k) => {
                if let Some(i) = first(attrs, k) {
                    attrs.remove(i);
                }
            }
            Op::Describe(k) => {
                if let Some(i) = first(attrs, k) {
                    let s = describe_decoded(attrs[i].value.as_ref());
                    attrs[i].value = Some(any(&any_value::Value::StringValue(s)));
                }
            }
            Op::DropPrefix(p) => attrs.retain(|kv| !kv.key.starts_with(p)),
        }
    }
}

fn apply_encoded(ops: &[Op], list: &mut AttrList<'_>) {
    for op in ops {
        match op {
            Op::Insert(k, v) => {
                if list.find(k).is_none() {
                    let v = list.literal(&Literal::new(any(v).encode_to_vec()).unwrap());
                    list.push(k, v);
                }
            }
            Op::Upsert(k, v) => {
                let v = list.literal(&Literal::new(any(v).encode_to_vec()).unwrap());
                match list.find(k) {
                    Some(i) => list.set(i, v),
                    None => list.push(k, v),
                }
            }
            Op::UpdateFrom(k, from) => {
                if let (Some(src), Some(i)) = (list.find(from), list.find(k)) {
                    let v = list.value(src);
                    list.set(i, v);
                }
            }
            Op::Delete(k) => {
                if let Some(i) = list.find(k) {
                    list.remove(i);
                }
            }
            Op::Describe(k) => {
                if let Some(i) = list.find(k) {
                    let s = describe_encoded(list.scalar(i));
                    let v = list.string(&s);
                    list.set(i, v);
                }
            }
            Op::DropPrefix(p) => list.retain(|k| !k.starts_with(p)),
        }
    }
}

fn programs() -> Vec<Vec<Op>> {
    use any_value::Value as V;
    vec![
        vec![Op::Insert("added", V::StringValue("x".into()))],
        vec![Op::Insert("ok", V::IntValue(1))],
        vec![
            Op::Upsert("ok", V::DoubleValue(-0.0)),
            Op::Upsert("n", V::BoolValue(false)),
        ],
        vec![Op::Delete("ratio"), Op::Delete("ratio"), Op::Delete("absent")],
        vec![Op::UpdateFrom("ok", "map"), Op::UpdateFrom("raw", "list")],
        vec![Op::UpdateFrom("http.status_code", "absent")],
        vec![
            Op::Describe("service.name"),
            Op::Describe("ok"),
            Op::Describe("ratio"),
            Op::Describe("http.status_code"),
            Op::Describe("raw"),
            Op::Describe("service.name"),
        ],
        vec![Op::DropPrefix("")],
        vec![
            Op::DropPrefix(""),
            Op::Insert("only", V::StringValue(String::new())),
        ],
        vec![
            Op::DropPrefix("r"),
            Op::Upsert("z", V::StringValue("é".into())),
            Op::Delete("ok"),
        ],
        // A value written by one op, read by the next.
        vec![
            Op::Upsert("a", V::IntValue(7)),
            Op::Describe("a"),
            Op::Insert("b", V::IntValue(0)),
            Op::UpdateFrom("b", "a"),
            Op::Describe("b"),
        ],
        // Changes that undo themselves still rewrite (and decode the same).
        vec![Op::Insert("tmp", V::IntValue(1)), Op::Delete("tmp")],
        vec![],
    ]
}

/// An `edit_*` function of one signal.
type EditFn = fn(&[u8], Target, &mut dyn FnMut(&mut AttrList<'_>)) -> Result<Option<Vec<u8>>, EditError>;

/// Edits `bytes` both ways; asserts the decoded results agree and returns
/// the encoded path's output (`None`: unchanged).
fn check<P: Payload>(
    bytes: &[u8],
    target: Target,
    ops: &[Op],
    edit: EditFn,
) -> Result<Option<Vec<u8>>, EditError> {
    let out = edit(bytes, target, &mut |list| apply_encoded(ops, list))?;
    let mut decoded = P::decode(bytes).expect("the input decodes");
    match target {
        Target::Items => decoded.for_each_item_mut(|_, _, mut item| {
            item.for_each_own_attributes_mut(|attrs| apply_decoded(ops, attrs))
        }),
        Target::Resources => decoded.for_each_resource_mut(|r| apply_decoded(ops, &mut r.attributes)),
    }
    let edited = out.as_deref().unwrap_or(bytes);
    let got = P::decode(edited).expect("the output decodes");
    assert_eq!(
        got.encode_to_vec(),
        decoded.encode_to_vec(),
        "{target:?} {ops:?}: decoded results differ"
    );
    assert_eq!(got.item_count(), decoded.item_count());
    Ok(out)
}

fn edit_t(b: &[u8], t: Target, f: &mut dyn FnMut(&mut AttrList<'_>)) -> Result<Option<Vec<u8>>, EditError> {
    edit_traces(b, t, f)
}
fn edit_m(b: &[u8], t: Target, f: &mut dyn FnMut(&mut AttrList<'_>)) -> Result<Option<Vec<u8>>, EditError> {
    edit_metrics(b, t, f)
}
fn edit_l(b: &[u8], t: Target, f: &mut dyn FnMut(&mut AttrList<'_>)) -> Result<Option<Vec<u8>>, EditError> {
    edit_logs(b, t, f)
}

fn validate_any(signal: usize, b: &[u8]) -> bool {
    match signal {
        0 => validate_traces(b).is_ok(),
        1 => validate_metrics(b).is_ok(),
        _ => validate_logs(b).is_ok(),
    }
}

const TARGETS: [Target; 2] = [Target::Items, Target::Resources];

#[test]
fn prost_encodings_edit_to_prost_bytes() {
    for ops in programs() {
        for target in TARGETS {
            let cases: [(Vec<u8>, Vec<u8>); 3] = [
                {
                    let b = traces().encode_to_vec();
                    let out = check::<Traces>(&b, target, &ops, edit_t).unwrap();
                    (b, out.unwrap_or_default())
                },
                {
                    let b = metrics().encode_to_vec();
                    let out = check::<Metrics>(&b, target, &ops, edit_m).unwrap();
                    (b, out.unwrap_or_default())
                },
                {
                    let b = logs().encode_to_vec();
                    let out = check::<Logs>(&b, target, &ops, edit_l).unwrap();
                    (b, out.unwrap_or_default())
                },
            ];
            // Byte for byte what prost encodes from the decoded, edited request.
            for (i, (input, out)) in cases.iter().enumerate() {
                if out.is_empty() {
                    continue;
                }
                let reencoded = match i {
                    0 => ExportTraceServiceRequest::decode(&out[..])
                        .unwrap()
                        .encode_to_vec(),
                    1 => ExportMetricsServiceRequest::decode(&out[..])
                        .unwrap()
                        .encode_to_vec(),
                    _ => ExportLogsServiceRequest::decode(&out[..])
                        .unwrap()
                        .encode_to_vec(),
                };
                assert_eq!(out, &reencoded, "{target:?} {ops:?} case {i}");
                assert!(validate_any(i, out), "{target:?} {ops:?} case {i}: {input:?}");
            }
        }
    }
}

#[test]
fn nothing_changed_is_none() {
    let b = traces().encode_to_vec();
    let mut lists = 0;
    let out = edit_traces(&b, Target::Items, |list| {
        lists += 1;
        assert_eq!(list.len(), 7);
        assert_eq!(list.key(0), "service.name");
        assert_eq!(list.scalar(1), Scalar::Int(200));
        assert_eq!(list.scalar(4), Scalar::Other);
        assert!(!list.is_changed());
    });
    assert_eq!(out, Ok(None));
    assert_eq!(lists, 3);
    // Resources: the two present ones, and the absent one offered empty.
    let mut sizes = Vec::new();
    let out = edit_traces(&b, Target::Resources, |list| sizes.push(list.len()));
    assert_eq!(out, Ok(None));
    assert_eq!(sizes, [7, 0]);
    // Data points of every type.
    let mut points = Vec::new();
    let out = edit_metrics(&metrics().encode_to_vec(), Target::Items, |list| {
        points.push(list.len())
    });
    assert_eq!(out, Ok(None));
    assert_eq!(points, [2, 2, 2, 0, 0, 0]);
    assert_eq!(edit_traces(&[], Target::Items, |_| unreachable!()), Ok(None));
}

#[test]
fn absent_resources_are_added_only_when_not_left_empty() {
    let b = traces().encode_to_vec();
    let insert = [Op::Insert("k", any_value::Value::IntValue(1))];
    let out = check::<Traces>(&b, Target::Resources, &insert, edit_t)
        .unwrap()
        .unwrap();
    let req = ExportTraceServiceRequest::decode(&out[..]).unwrap();
    assert_eq!(
        req.resource_spans[1]
            .resource
            .as_ref()
            .map(|r| r.attributes.len()),
        Some(1)
    );
    let undone = [Op::Insert("k", any_value::Value::IntValue(1)), Op::Delete("k")];
    let out = check::<Traces>(&b, Target::Resources, &undone, edit_t)
        .unwrap()
        .unwrap();
    let req = ExportTraceServiceRequest::decode(&out[..]).unwrap();
    assert!(req.resource_spans[1].resource.is_none());
}

/// Raw field bytes.
fn field(tag: u32, wire_type: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    put_varint(&mut out, (u64::from(tag) << 3) | u64::from(wire_type));
    if wire_type == LEN {
        put_varint(&mut out, payload.len() as u64);
    }
    out.extend_from_slice(payload);
    out
}

fn key_of(tag: u32, wire_type: u8) -> Vec<u8> {
    let mut out = Vec::new();
    put_varint(&mut out, (u64::from(tag) << 3) | u64::from(wire_type));
    out
}

fn msg(tag: u32, parts: &[Vec<u8>]) -> Vec<u8> {
    field(tag, LEN, &parts.concat())
}

/// A request with one span whose encoding prost would never write: its
/// attributes scattered among its other fields, unknown fields (a group
/// too) in the span, a `KeyValue` and an `AnyValue`, keys written twice,
/// values in two fields, overlong length prefixes, a `key_strindex`.
fn odd_span_request() -> Vec<u8> {
    let s = |v: &str| field(1, LEN, v.as_bytes());
    let kv_a = msg(9, &[field(1, LEN, b"a"), msg(2, &[s("1")])]);
    // Key "dup" written as "x" then "dup"; its value in two fields (the
    // second replaces the string with an int); an unknown varint.
    let kv_dup = msg(
        9,
        &[
            field(1, LEN, b"x"),
            msg(2, &[s("first")]),
            field(1, LEN, b"dup"),
            field(99, VARINT, &[5]),
            msg(2, &[field(3, VARINT, &[42])]),
        ],
    );
    // An entry with a key_strindex and an unknown field inside its value.
    let kv_idx = msg(
        9,
        &[
            field(1, LEN, b"i"),
            msg(2, &[s("v"), field(20, FIXED64, &[0; 8])]),
            field(3, VARINT, &[0xff, 0xff, 0xff, 0xff, 0x0f]),
        ],
    );
    // An entry without a value, and one without a key.
    let kv_none = msg(9, &[field(1, LEN, b"none")]);
    let kv_nokey = msg(9, &[msg(2, &[field(2, VARINT, &[1])])]);
    // The same entry with an overlong (2-byte) length prefix.
    let mut kv_long = vec![0x4a, 0x88, 0x00];
    kv_long.extend(field(1, LEN, b"long"));
    kv_long.extend(&[0x12, 0x00]);
    let group = [key_of(40, 3), field(1, VARINT, &[1]), key_of(40, 4)].concat();
    let span = msg(
        2,
        &[
            kv_a,
            field(5, LEN, b"name"),
            kv_dup,
            group,
            kv_idx,
            field(7, FIXED64, &[1; 8]),
            kv_none,
            kv_nokey,
            kv_long,
            field(100, LEN, b"unknown"),
        ],
    );
    let scope_spans = msg(2, &[span.clone(), field(3, LEN, b"url"), span]);
    msg(1, &[scope_spans])
}

#[test]
fn odd_encodings_decode_like_the_decoded_edit() {
    use any_value::Value as V;
    let b = odd_span_request();
    assert_eq!(validate_traces(&b), Ok(2));
    let mut programs = programs();
    programs.extend([
        vec![
            Op::Describe("dup"),
            Op::Describe("x"),
            Op::Describe("i"),
            Op::Describe("none"),
            Op::Describe(""),
        ],
        vec![
            Op::Upsert("i", V::IntValue(3)),
            Op::Upsert("long", V::IntValue(4)),
            Op::Upsert("", V::IntValue(5)),
        ],
        vec![
            Op::UpdateFrom("a", "dup"),
            Op::UpdateFrom("dup", "i"),
            Op::UpdateFrom("i", "none"),
        ],
        vec![Op::Insert("a", V::IntValue(1)), Op::Insert("new", V::IntValue(1))],
        vec![Op::Delete("dup"), Op::Delete(""), Op::Delete("long")],
        vec![Op::DropPrefix("n"), Op::DropPrefix("d")],
    ]);
    for ops in &programs {
        for target in TARGETS {
            let out = check::<Traces>(&b, target, ops, edit_t).unwrap();
            if let Some(out) = out {
                assert_eq!(validate_traces(&out), Ok(2));
            }
        }
    }
    // The scattered entries are one list, in order.
    let mut keys = Vec::new();
    edit_traces(&b, Target::Items, |l| {
        keys = (0..l.len()).map(|i| l.key(i).to_owned()).collect()
    })
    .unwrap();
    assert_eq!(keys, ["a", "dup", "i", "none", "", "long"]);
}

#[test]
fn a_resource_written_twice_is_refused() {
    let res = |k: &str| msg(1, &[msg(1, &[field(1, LEN, k.as_bytes())])]);
    let b = msg(1, &[res("a"), res("b")]);
    assert_eq!(validate_traces(&b), Ok(0));
    let err = edit_traces(&b, Target::Resources, |l| l.remove(0)).unwrap_err();
    assert!(matches!(err, EditError::Unsupported(_)), "{err}");
    // The items do not care.
    assert_eq!(edit_traces(&b, Target::Items, |_| {}), Ok(None));
    // Through a payload: refused, left as it was, for the decoded path.
    let mut t = Traces::from_encoded(Bytes::from(b.clone())).unwrap();
    assert!(!t.edit_encoded_attributes(Target::Resources, |l| l.remove(0)));
    assert!(t.is_encoded());
    assert_eq!(t.to_bytes(), b);
}

#[test]
fn malformed_input_is_refused_without_panicking() {
    // A list field with the wrong wire type; a key that is not UTF-8; a
    // truncated span; a group nested past the recursion limit.
    let bad_type = msg(1, &[msg(2, &[msg(2, &[field(9, VARINT, &[1])])])]);
    let bad_key = msg(1, &[msg(2, &[msg(2, &[msg(9, &[field(1, LEN, &[0xff])])])])]);
    let mut truncated = msg(1, &[msg(2, &[msg(2, &[field(5, LEN, b"abc")])])]);
    truncated.pop();
    let mut deep = Vec::new();
    for _ in 0..120 {
        deep.extend(key_of(40, 3));
    }
    for _ in 0..120 {
        deep.extend(key_of(40, 4));
    }
    let deep = msg(1, &[msg(2, &[msg(2, &[deep])])]);
    for b in [bad_type, bad_key, truncated, deep] {
        assert!(validate_traces(&b).is_err());
        let err = edit_traces(&b, Target::Items, |l| l.push("k", Value(Loc::EMPTY))).unwrap_err();
        assert!(matches!(err, EditError::Malformed(_)), "{err}");
        assert!(
            err.to_string().starts_with("failed to decode Protobuf message"),
            "{err}"
        );
    }
    // A literal that is not an AnyValue is refused.
    let err = Literal::new(vec![0x0a, 0x05]).unwrap_err();
    assert!(matches!(err, EditError::Malformed(_)), "{err}");
    assert!(Literal::new(Vec::new()).is_ok());
    let b = traces().encode_to_vec();
    // Out-of-range indices fail the edit, never panic.
    let err = edit_traces(&b, Target::Items, |l| l.remove(100)).unwrap_err();
    assert!(matches!(err, EditError::Malformed(_)), "{err}");
}

#[test]
fn mutated_encodings_edit_like_decoded_ones() {
    let seeds = [
        traces().encode_to_vec(),
        metrics().encode_to_vec(),
        logs().encode_to_vec(),
        odd_span_request(),
    ];
    let programs = programs();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let (mut compared, mut refused) = (0, 0);
    for round in 0..20_000 {
        let mut b = seeds[round % seeds.len()].clone();
        for _ in 0..=rng.below(2) {
            let at = rng.below(b.len() + 1);
            match rng.below(5) {
                0 if !b.is_empty() => {
                    let i = rng.below(b.len());
                    b[i] = rng.next() as u8;
                }
                1 => b.truncate(at),
                2 => b.insert(at.min(b.len()), rng.next() as u8),
                3 if at < b.len() => {
                    b.remove(at);
                }
                _ if !b.is_empty() => {
                    let i = rng.below(b.len());
                    b[i] ^= 1 << rng.below(8);
                }
                _ => {}
            }
        }
        let ops = &programs[rng.below(programs.len())];
        let target = TARGETS[rng.below(2)];
        // Whatever the bytes, no panic; on bytes that validate, the same
        // decoded result as the decoded edit (or a refusal).
        let results = [
            (validate_traces(&b).is_ok(), 0),
            (validate_metrics(&b).is_ok(), 1),
            (validate_logs(&b).is_ok(), 2),
        ];
        for (valid, signal) in results {
            let r = match (valid, signal) {
                (true, 0) => check::<Traces>(&b, target, ops, edit_t),
                (true, 1) => check::<Metrics>(&b, target, ops, edit_m),
                (true, _) => check::<Logs>(&b, target, ops, edit_l),
                (false, 0) => edit_t(&b, target, &mut |l| apply_encoded(ops, l)),
                (false, 1) => edit_m(&b, target, &mut |l| apply_encoded(ops, l)),
                (false, _) => edit_l(&b, target, &mut |l| apply_encoded(ops, l)),
            };
            if valid {
                match r {
                    Ok(_) => compared += 1,
                    Err(EditError::Unsupported(_)) => refused += 1,
                    Err(e) => panic!("valid bytes refused: {e}: {b:?}"),
                }
            }
        }
    }
    assert!(compared > 2_000, "{compared} compared, {refused} refused");
}

#[test]
fn payloads_edit_every_chunk_or_none() {
    let one = Traces::from_request(traces());
    let mut t = Traces::from_encoded(one.to_bytes()).unwrap();
    t.merge(Traces::from_encoded(one.to_bytes()).unwrap());
    let shared = t.clone();
    let ops = [Op::Insert("new", any_value::Value::IntValue(1))];
    assert!(t.edit_encoded_attributes(Target::Items, |l| apply_encoded(&ops, l)));
    assert!(t.is_encoded());
    assert_eq!(t.item_count(), 6);
    // The clone still holds the old bytes.
    assert!(!shared.shares_data_with(&t));
    assert!(shared.is_encoded());
    let mut expected = shared.clone();
    expected.for_each_item_mut(|_, _, mut item| item.for_each_own_attributes_mut(|a| apply_decoded(&ops, a)));
    assert_eq!(t.request(), expected.request());
    assert_eq!(validate_traces(&t.encode_to_vec()), Ok(6));

    // A second chunk the edit refuses: nothing replaced.
    let res = |k: &str| msg(1, &[msg(1, &[field(1, LEN, k.as_bytes())])]);
    let mut t = Traces::from_encoded(one.to_bytes()).unwrap();
    t.merge(Traces::from_encoded(Bytes::from(msg(1, &[res("a"), res("b")]))).unwrap());
    let before = t.encode_to_vec();
    assert!(!t.edit_encoded_attributes(Target::Resources, |l| apply_encoded(&ops, l)));
    assert_eq!(t.encode_to_vec(), before);

    // Decoded payloads are not edited encoded.
    let mut d = Traces::from_request(traces());
    assert!(!d.edit_encoded_attributes(Target::Items, |_| unreachable!()));
    // Nor are encoded ones something has decoded.
    let e = Traces::from_encoded(one.to_bytes()).unwrap();
    let _ = e.request();
    let mut e2 = e;
    assert!(!e2.edit_encoded_attributes(Target::Items, |_| unreachable!()));
}

#[test]
fn new_entries_go_where_prost_puts_the_list() {
    // A span with no attributes: the new list goes before the first field
    // with a higher tag, so prost's field order is kept.
    let span = Span {
        name: "n".into(),
        start_time_unix_nano: 1,
        events: vec![Default::default()],
        ..Default::default()
    };
    let req = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource::default()),
            scope_spans: vec![ScopeSpans {
                spans: vec![span],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    let b = req.encode_to_vec();
    let ops = [Op::Insert("k", any_value::Value::StringValue("v".into()))];
    for target in TARGETS {
        let out = check::<Traces>(&b, target, &ops, edit_t).unwrap().unwrap();
        let mut expected = req.clone();
        let list = match target {
            Target::Items => &mut expected.resource_spans[0].scope_spans[0].spans[0].attributes,
            Target::Resources => &mut expected.resource_spans[0].resource.as_mut().unwrap().attributes,
        };
        list.push(kv("k", any_value::Value::StringValue("v".into())));
        assert_eq!(out, expected.encode_to_vec());
    }
    assert_eq!(attrs().len(), 7);
}

/// A request holding one span of the given fields.
fn one_span(span: &[Vec<u8>]) -> Vec<u8> {
    msg(1, &[msg(2, &[msg(2, span)])])
}

/// Renames every span to `new` with `edit_spans`; the span's decoded name.
fn renamed(input: &[u8], new: &str) -> (Option<Vec<u8>>, Span) {
    let out = edit_spans(input, |list| {
        assert!(list.name().is_some());
        list.set_name(new);
        assert_eq!(list.name(), Some(new));
    })
    .unwrap();
    let bytes = out.clone().unwrap_or_else(|| input.to_vec());
    validate_traces(&bytes).unwrap();
    let req = ExportTraceServiceRequest::decode(&bytes[..]).unwrap();
    (out, req.resource_spans[0].scope_spans[0].spans[0].clone())
}

#[test]
fn span_names_are_replaced_in_place() {
    let name = |v: &[u8]| field(5, LEN, v);
    let kv_a = msg(9, &[field(1, LEN, b"a"), msg(2, &[field(1, LEN, b"x")])]);
    let unknown = field(1000, VARINT, &[7]);
    let kind = field(6, VARINT, &[2]);

    // Canonical: only the name's bytes (and the lengths) change.
    let input = one_span(&[name(b"old"), kind.clone(), kv_a.clone()]);
    let (out, span) = renamed(&input, "brand new");
    assert_eq!(span.name, "brand new");
    assert_eq!(
        out.unwrap(),
        one_span(&[name(b"brand new"), kind.clone(), kv_a.clone()])
    );

    // The name twice (the last wins), after the attributes, unknown fields:
    // the last one is replaced, the rest kept byte for byte.
    let input = one_span(&[
        name(b"older"),
        kv_a.clone(),
        unknown.clone(),
        name(b"old"),
        kind.clone(),
    ]);
    let (out, span) = renamed(&input, "n");
    assert_eq!(span.name, "n");
    assert_eq!(
        out.unwrap(),
        one_span(&[
            name(b"older"),
            kv_a.clone(),
            unknown.clone(),
            name(b"n"),
            kind.clone()
        ])
    );

    // No name: inserted before the first field with a higher tag (an
    // unknown field's counts too).
    let input = one_span(&[
        field(4, LEN, b"12345678"),
        kind.clone(),
        kv_a.clone(),
        unknown.clone(),
    ]);
    let (out, span) = renamed(&input, "n");
    assert_eq!(span.name, "n");
    assert_eq!(
        out.unwrap(),
        one_span(&[
            field(4, LEN, b"12345678"),
            name(b"n"),
            kind.clone(),
            kv_a.clone(),
            unknown.clone()
        ])
    );
    let input = one_span(&[field(4, LEN, b"12345678"), unknown.clone(), kind.clone()]);
    let (out, _) = renamed(&input, "n");
    assert_eq!(
        out.unwrap(),
        one_span(&[
            field(4, LEN, b"12345678"),
            name(b"n"),
            unknown.clone(),
            kind.clone()
        ])
    );
    // ... or at the end.
    let input = one_span(&[field(4, LEN, b"12345678")]);
    let (out, _) = renamed(&input, "n");
    assert_eq!(out.unwrap(), one_span(&[field(4, LEN, b"12345678"), name(b"n")]));

    // The same name, or an empty one where there is none: nothing changes.
    let input = one_span(&[name(b"same"), kv_a.clone()]);
    assert_eq!(renamed(&input, "same").0, None);
    let input = one_span(std::slice::from_ref(&kv_a));
    assert_eq!(renamed(&input, "").0, None);

    // Renamed and the attributes changed, the list scattered.
    let input = one_span(&[kv_a.clone(), name(b"old"), unknown.clone(), kv_a.clone()]);
    let out = edit_spans(&input, |list| {
        list.set_name("m");
        let v = list.string("y");
        list.set(1, v);
    })
    .unwrap()
    .unwrap();
    let req = ExportTraceServiceRequest::decode(&out[..]).unwrap();
    let span = &req.resource_spans[0].scope_spans[0].spans[0];
    assert_eq!(span.name, "m");
    assert_eq!(span.attributes.len(), 2);
    assert_eq!(
        span.attributes[1].value,
        Some(AnyValue {
            value: Some(any_value::Value::StringValue("y".into()))
        })
    );

    // Outside `edit_spans` there is no name to set.
    let input = one_span(&[name(b"old"), kv_a]);
    let err = edit_traces(&input, Target::Items, |list| {
        assert_eq!(list.name(), None);
        list.set_name("x");
    });
    assert!(matches!(err, Err(EditError::Malformed(_))));
}
