//! Differential test of the encoded attribute actions: generated requests,
//! mutated (random attribute lists with duplicate keys, empty lists, every
//! value type, absent resources) and re-encoded in ways prost never writes
//! (attributes scattered among other fields, unknown fields at every level,
//! keys and values written twice, overlong length prefixes, a resource
//! split in two, a metric's data split in two, replaced by a later field of
//! another type or absent) and sometimes batched from two encoded requests,
//! × every supported action alone and random chains of them, for items (the
//! `attributes` processor) and resources (the `resource` processor): the
//! encoded path's result, decoded, equals the decoded path's (compared as
//! prost encodes the two decoded requests: `==` but for NaN, which the
//! values include).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use otelcol_attraction::{ActionConfig, AttrProc, ConfigValue};
use otelcol_component::prost::Message;
use otelcol_component::proto::common::v1::{AnyValue, ArrayValue, KeyValue, KeyValueList, any_value};
use otelcol_component::proto::metrics::v1::{Gauge, NumberDataPoint};
use otelcol_component::{ClientInfo, Logs, Metrics, Payload, RequestContext, Signal, Traces};
use otelcol_componenttest::generate::Generator;
use otelcol_componenttest::generate::Rng;
use otelcol_pdata::edit;

fn bytes_of(b: &[u8]) -> bytes::Bytes {
    bytes::Bytes::copy_from_slice(b)
}

/// Keys of the random lists and the actions: some the generator uses, the
/// empty key, a non-ASCII one.
const KEYS: [&str; 9] = [
    "a",
    "b",
    "http.route",
    "user.id",
    "service.name",
    "app.index",
    "",
    "é",
    "k8s.pod",
];

const PATTERNS: [&str; 6] = ["^a", "^http\\.", ".*", "é$", "^$", "name$"];

fn random_value(rng: &mut Rng) -> Option<AnyValue> {
    use any_value::Value as V;
    let value = match rng.below(14) {
        0 => return None,
        1 => None,
        2 => Some(V::StringValue(String::new())),
        3 => Some(V::StringValue(format!("s{}", rng.below(3)))),
        4 => Some(V::StringValue("ünï".into())),
        5 => Some(V::BoolValue(rng.chance(50))),
        6 => Some(V::IntValue(rng.pick(&[0, 1, -1, i64::MIN, i64::MAX]))),
        7 => Some(V::DoubleValue(rng.pick(&[
            0.0,
            -0.0,
            1.5,
            f64::NAN,
            f64::INFINITY,
        ]))),
        8 => Some(V::BytesValue(vec![0, 0xff, rng.below(256) as u8])),
        9 => Some(V::ArrayValue(ArrayValue {
            values: vec![AnyValue {
                value: Some(V::IntValue(2)),
            }],
        })),
        10 => Some(V::KvlistValue(KeyValueList {
            values: vec![KeyValue {
                key: "in".into(),
                value: random_value(rng),
                key_strindex: 0,
            }],
        })),
        11 => Some(V::StringValueStrindex(rng.below(3) as i32)),
        12 => Some(V::ArrayValue(ArrayValue::default())),
        _ => Some(V::DoubleValue(-2.25)),
    };
    Some(AnyValue { value })
}

fn random_attrs(rng: &mut Rng) -> Vec<KeyValue> {
    (0..rng.below(6))
        .map(|_| KeyValue {
            key: rng.pick(&KEYS).into(),
            value: random_value(rng),
            key_strindex: if rng.chance(10) { rng.pick(&[1, -1]) } else { 0 },
        })
        .collect()
}

/// Rewrites some attribute lists (and drops some resources) of a decoded payload.
fn mutate_lists<P: Payload>(p: &mut P, rng: &mut Rng) {
    p.for_each_attributes_mut(|_, attrs| match rng.below(6) {
        0 => attrs.clear(),
        1 => *attrs = random_attrs(rng),
        2 => attrs.extend(random_attrs(rng)),
        3 if !attrs.is_empty() => {
            // A duplicate key, with another value.
            let mut dup = attrs[rng.below(attrs.len())].clone();
            dup.value = random_value(rng);
            let at = rng.below(attrs.len() + 1);
            attrs.insert(at, dup);
        }
        _ => {}
    });
}

// ---- odd encodings --------------------------------------------------------

/// A message on the paths to attribute lists.
#[derive(Clone, Copy, Debug, PartialEq)]
enum K {
    Request(Signal),
    ResourceEntry(Signal),
    ScopeEntry(Signal),
    Metric,
    /// Gauge, sum, histogram...: `data_points` (1) of points with the attributes in this field.
    Points(u32),
    /// A message with an attribute list in this field (item or resource).
    Host(u32),
}

fn child(k: K, tag: u32) -> Option<K> {
    use Signal::*;
    Some(match (k, tag) {
        (K::Request(s), 1) => K::ResourceEntry(s),
        (K::ResourceEntry(_), 1) => K::Host(1),
        (K::ResourceEntry(s), 2) => K::ScopeEntry(s),
        (K::ScopeEntry(Traces), 2) => K::Host(9),
        (K::ScopeEntry(Logs), 2) => K::Host(6),
        (K::ScopeEntry(Metrics), 2) => K::Metric,
        (K::Metric, 5 | 7) => K::Points(7),
        (K::Metric, 9) => K::Points(9),
        (K::Metric, 10) => K::Points(1),
        (K::Metric, 11) => K::Points(7),
        (K::Points(a), 1) => K::Host(a),
        _ => return None,
    })
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn read_varint(b: &[u8], pos: &mut usize) -> u64 {
    let mut v = 0;
    for i in 0..10 {
        let byte = b[*pos];
        *pos += 1;
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            break;
        }
    }
    v
}

/// The fields of a prost encoding: (tag, wire type, the whole field, the
/// payload of a length-delimited one).
fn fields(b: &[u8]) -> Vec<(u32, u8, &[u8], &[u8])> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < b.len() {
        let start = pos;
        let key = read_varint(b, &mut pos);
        let (tag, wt) = ((key >> 3) as u32, (key & 7) as u8);
        let payload = match wt {
            0 => {
                read_varint(b, &mut pos);
                &b[pos..pos]
            }
            1 => {
                pos += 8;
                &b[pos..pos]
            }
            5 => {
                pos += 4;
                &b[pos..pos]
            }
            2 => {
                let len = read_varint(b, &mut pos) as usize;
                pos += len;
                &b[pos - len..pos]
            }
            3 => {
                // A group (only `unknown_field` writes them): to its end.
                skip_group(b, &mut pos, tag);
                &b[pos..pos]
            }
            _ => unreachable!("no field of wire type {wt} is written"),
        };
        out.push((tag, wt, &b[start..pos], payload));
    }
    out
}

/// Moves `pos` past the end of group `tag` (its start key read).
fn skip_group(b: &[u8], pos: &mut usize, tag: u32) {
    loop {
        let key = read_varint(b, pos);
        let (t, wt) = ((key >> 3) as u32, key & 7);
        match wt {
            0 => {
                read_varint(b, pos);
            }
            1 => *pos += 8,
            5 => *pos += 4,
            2 => {
                let len = read_varint(b, pos) as usize;
                *pos += len;
            }
            3 => skip_group(b, pos, t),
            _ => {
                assert_eq!(t, tag, "unbalanced group");
                return;
            }
        }
    }
}

/// A length-delimited field, its length prefix sometimes overlong.
fn wrap(tag: u32, content: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    varint(&mut out, (u64::from(tag) << 3) | 2);
    let at = out.len();
    varint(&mut out, content.len() as u64);
    if rng.chance(10) {
        let last = out.len() - 1;
        out[last] |= 0x80;
        out.push(0);
    }
    debug_assert!(out.len() - at <= 10);
    out.extend_from_slice(content);
    out
}

fn unknown_field(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    match rng.below(3) {
        0 => {
            varint(&mut out, 1000 << 3);
            varint(&mut out, rng.next_u64() >> rng.below(64));
        }
        1 => {
            varint(&mut out, (1001 << 3) | 2);
            out.extend([2, b'z', b'z']);
        }
        _ => {
            // A group with a field in it.
            varint(&mut out, (1002 << 3) | 3);
            out.extend([0x08, 0x01]);
            varint(&mut out, (1002 << 3) | 4);
        }
    }
    out
}

/// A `KeyValue` written as prost never would, decoding to the same one.
fn odd_kv(content: &[u8], rng: &mut Rng) -> Vec<u8> {
    let fs = fields(content);
    let has_key = fs.iter().any(|f| f.0 == 1);
    let mut out = Vec::new();
    if has_key && rng.chance(20) {
        // A key written before the real one: the last one wins.
        out.extend([0x0a, 0x01, b'#']);
    }
    for (tag, _, whole, payload) in fs {
        if tag == 2 {
            let mut value = payload.to_vec();
            if rng.chance(15) {
                value.extend(unknown_field(rng));
            }
            if !payload.is_empty() && rng.chance(20) {
                // An earlier value of another type, replaced by the real one
                // when prost merges the two.
                out.extend([0x12, 0x02, 0x18, 0x05]);
            } else if rng.chance(10) {
                // An empty value first: merging it changes nothing.
                out.extend([0x12, 0x00]);
            }
            out.extend(wrap(2, &value, rng));
        } else {
            out.extend_from_slice(whole);
        }
    }
    if rng.chance(15) {
        out.extend(unknown_field(rng));
    }
    out
}

/// A `Gauge` (or `Sum`: the same first field) with a point carrying
/// attributes, for a metric's data replaced by a later field.
fn other_data(rng: &mut Rng) -> Vec<u8> {
    let mut attrs = random_attrs(rng);
    attrs.push(KeyValue {
        key: "a".into(),
        value: random_value(rng),
        key_strindex: 0,
    });
    Gauge {
        data_points: vec![NumberDataPoint {
            attributes: attrs,
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

/// Re-encodes the message `content` of kind `k`.
fn odd(k: K, content: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut list = Vec::new();
    let mut others: Vec<Vec<u8>> = Vec::new();
    for (tag, _, whole, payload) in fields(content) {
        match (k, child(k, tag)) {
            (K::Host(attr), _) if tag == attr => list.push(wrap(tag, &odd_kv(payload, rng), rng)),
            (K::ResourceEntry(_), Some(K::Host(1))) if rng.chance(10) => {
                // The resource in two fields, prost merges them: the
                // attributes split between the two, the rest in the second.
                let rf = fields(payload);
                let cut = rng.below(rf.len() + 1);
                let first: Vec<u8> = rf[..cut].iter().flat_map(|f| f.2.to_vec()).collect();
                let second: Vec<u8> = rf[cut..].iter().flat_map(|f| f.2.to_vec()).collect();
                others.push(wrap(1, &first, rng));
                others.push(wrap(1, &second, rng));
            }
            (K::Metric, Some(K::Points(_))) if rng.chance(5) => {
                // No data at all (the metric keeps its other fields).
            }
            (K::Metric, Some(c @ K::Points(_))) if rng.chance(25) => {
                let data = odd(c, payload, rng);
                if rng.chance(50) {
                    // Another type of data first, with points of its own:
                    // prost replaces it with the real data.
                    let other = if tag == 5 { 7 } else { 5 };
                    others.push(wrap(other, &other_data(rng), rng));
                    others.push(wrap(tag, &data, rng));
                } else {
                    // The data in two fields, prost merges them: the
                    // points (and other fields) split between the two.
                    let df = fields(&data);
                    let cut = rng.below(df.len() + 1);
                    let first: Vec<u8> = df[..cut].iter().flat_map(|f| f.2.to_vec()).collect();
                    let second: Vec<u8> = df[cut..].iter().flat_map(|f| f.2.to_vec()).collect();
                    others.push(wrap(tag, &first, rng));
                    others.push(wrap(tag, &second, rng));
                }
            }
            (_, Some(c)) => others.push(wrap(tag, &odd(c, payload, rng), rng)),
            _ => others.push(whole.to_vec()),
        }
    }
    if rng.chance(15) {
        let at = rng.below(others.len() + 1);
        others.insert(at, unknown_field(rng));
    }
    if matches!(k, K::ResourceEntry(_)) && rng.chance(20) {
        // The resource after the scopes.
        let n = others.len().min(1);
        others.rotate_left(n);
    }
    // The list scattered among the other fields, each in its order.
    let mut out = Vec::new();
    let (mut l, mut o) = (list.into_iter().peekable(), others.into_iter().peekable());
    while l.peek().is_some() || o.peek().is_some() {
        let take_list = match (l.peek(), o.peek()) {
            (Some(_), None) => true,
            (None, _) => false,
            _ => rng.chance(30),
        };
        out.extend(if take_list { l.next() } else { o.next() }.unwrap());
    }
    out
}

// ---- actions --------------------------------------------------------------

fn config_value(rng: &mut Rng) -> ConfigValue {
    match rng.below(8) {
        0 => ConfigValue::Str(rng.pick(&["x", "", "ß"]).into()),
        1 => ConfigValue::Int(rng.pick(&[0, 7, -3])),
        2 => ConfigValue::Double(rng.pick(&[0.5, -0.0])),
        3 => ConfigValue::Bool(rng.chance(50)),
        4 => ConfigValue::List(vec![ConfigValue::Int(1), ConfigValue::Str("two".into())]),
        5 => ConfigValue::Map(vec![("m".into(), ConfigValue::Bool(true))]),
        6 => ConfigValue::Null,
        _ => ConfigValue::Str("loadgen".into()),
    }
}

/// Every supported action shape: insert, update and upsert from each
/// source (a value of every type, an attribute, the context, a default
/// alone or behind the others), delete and hash by key, pattern or both.
fn every_action(rng: &mut Rng) -> Vec<ActionConfig> {
    let mut out = Vec::new();
    for action in ["insert", "update", "upsert", "UPSERT"] {
        let key = rng.pick(&KEYS[..6]);
        let base = || ActionConfig::new(key, action);
        for v in [
            ConfigValue::Str("x".into()),
            ConfigValue::Int(7),
            ConfigValue::Double(0.5),
            ConfigValue::Bool(false),
            ConfigValue::List(vec![ConfigValue::Null]),
            ConfigValue::Map(vec![("m".into(), ConfigValue::Int(1))]),
            ConfigValue::Null,
        ] {
            out.push(base().with_value(v));
        }
        for from in ["a", "user.id", "absent", ""] {
            if !from.is_empty() {
                out.push(base().with_from_attribute(from));
                out.push(base().with_from_attribute(from).with_default_value("d"));
            }
        }
        for from in [
            "metadata.x-tenant",
            "x-tenant",
            "metadata.absent",
            "client.address",
            "auth.sub",
        ] {
            out.push(base().with_from_context(from));
            out.push(base().with_from_context(from).with_default_value(3));
        }
        out.push(base().with_default_value(true));
    }
    for action in ["delete", "hash"] {
        for key in KEYS {
            if !key.is_empty() {
                out.push(ActionConfig::new(key, action));
            }
        }
        for pattern in PATTERNS {
            out.push(ActionConfig::new("", action).with_pattern(pattern));
            out.push(ActionConfig::new(rng.pick(&KEYS), action).with_pattern(pattern));
        }
    }
    out
}

fn random_action(rng: &mut Rng) -> ActionConfig {
    let key = rng.pick(&KEYS[..6]);
    match rng.below(5) {
        kind @ 0..=2 => {
            let a = ActionConfig::new(key, ["insert", "update", "upsert"][kind]);
            match rng.below(4) {
                0 => a.with_value(config_value(rng)),
                1 => a.with_from_attribute(rng.pick(&KEYS[..6])),
                2 => a
                    .with_from_attribute(rng.pick(&KEYS[..6]))
                    .with_default_value(config_value(rng)),
                _ => a.with_from_context(rng.pick(&["metadata.x-tenant", "absent"])),
            }
        }
        kind => {
            let action = ["delete", "hash"][kind - 3];
            match rng.below(3) {
                0 => ActionConfig::new(rng.pick(&KEYS), action).with_pattern(rng.pick(&PATTERNS)),
                1 => ActionConfig::new("", action).with_pattern(rng.pick(&PATTERNS)),
                _ => ActionConfig::new(key, action),
            }
        }
    }
}

fn context() -> RequestContext {
    let mut metadata = BTreeMap::new();
    metadata.insert("x-tenant".to_owned(), vec!["t1".to_owned(), "t2".to_owned()]);
    RequestContext::new(ClientInfo::new(Some("10.1.2.3:4318".parse().unwrap()), metadata))
}

// ---- the comparison -------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq)]
enum Target {
    Items,
    Resources,
}

#[derive(Default, Debug)]
struct Tally {
    encoded: usize,
    refused: usize,
    unchanged: usize,
}

/// The encoded chunks of a payload, concatenated (without decoding it).
fn raw_bytes<P: Payload>(p: &P) -> Vec<u8> {
    let mut out = Vec::new();
    p.encode_into(&mut out);
    out
}

/// Runs `proc` both ways on `bytes`; asserts equal decoded results. Every
/// fourth case the payload is two encoded requests batched together (the
/// request cut at a resource entry), as the batch processor makes them.
fn compare<P: Payload>(bytes: &[u8], proc: &AttrProc, target: Target, tally: &mut Tally, case: usize) {
    let ctx = context();
    let top = fields(bytes);
    let cut = (case % 4 == 3 && top.len() > 1).then(|| {
        top[..1 + case % (top.len() - 1)]
            .iter()
            .map(|f| f.2.len())
            .sum::<usize>()
    });
    let fresh = || {
        let mut p = match cut {
            Some(cut) => {
                let mut p = P::from_encoded(bytes_of(&bytes[..cut])).unwrap();
                p.merge(P::from_encoded(bytes_of(&bytes[cut..])).unwrap());
                p
            }
            None => P::from_encoded(bytes_of(bytes)).unwrap(),
        };
        assert!(p.is_encoded(), "case {case}");
        p.set_context(ctx.clone());
        p
    };
    let mut decoded = fresh();
    match target {
        Target::Items => decoded.for_each_item_mut(|_, _, mut item| {
            item.for_each_own_attributes_mut(|attrs| proc.process(attrs, &ctx))
        }),
        Target::Resources => decoded.for_each_resource_mut(|r| proc.process(&mut r.attributes, &ctx)),
    }
    // The processors' way: encoded if it can, else decoded.
    let mut encoded = fresh();
    let done = match target {
        Target::Items => proc.process_encoded_items(&mut encoded),
        Target::Resources => proc.process_encoded_resources(&mut encoded),
    };
    if done {
        assert!(encoded.is_encoded(), "case {case}");
        // What the payload now holds validates, with the same item count.
        let now = raw_bytes(&encoded);
        let again = P::from_encoded(bytes_of(&now)).unwrap_or_else(|e| panic!("case {case}: {e}"));
        assert_eq!(again.item_count(), decoded.item_count(), "case {case}");
        assert_eq!(encoded.item_count(), decoded.item_count(), "case {case}");
        if now == bytes {
            tally.unchanged += 1;
        } else {
            tally.encoded += 1;
        }
    } else {
        tally.refused += 1;
        assert!(raw_bytes(&encoded) == bytes, "case {case}: refused but changed");
        if proc.supports_encoded() {
            // Refused only for a resource written twice.
            assert_eq!(target, Target::Resources, "case {case}");
            let err = match P::SIGNAL {
                Signal::Traces => edit::edit_traces(bytes, edit::Target::Resources, |_| {}),
                Signal::Metrics => edit::edit_metrics(bytes, edit::Target::Resources, |_| {}),
                Signal::Logs => edit::edit_logs(bytes, edit::Target::Resources, |_| {}),
            };
            assert!(
                matches!(err, Err(edit::EditError::Unsupported(_))),
                "case {case}: {err:?}"
            );
        }
        match target {
            Target::Items => encoded.for_each_item_mut(|_, _, mut item| {
                item.for_each_own_attributes_mut(|attrs| proc.process(attrs, &ctx))
            }),
            Target::Resources => encoded.for_each_resource_mut(|r| proc.process(&mut r.attributes, &ctx)),
        }
    }
    let (got, want) = (
        encoded.request().encode_to_vec(),
        decoded.request().encode_to_vec(),
    );
    if got != want {
        panic!(
            "case {case}: {target:?} {proc:?}: results differ\n encoded path: {:?}\n decoded path: {:?}\n input: {bytes:?}",
            String::from_utf8_lossy(&encoded.to_json()),
            String::from_utf8_lossy(&decoded.to_json()),
        );
    }
}

fn request_bytes(signal: Signal, rng: &mut Rng) -> Vec<u8> {
    let mut g = Generator::new(rng.next_u64()).points_per_metric(1 + rng.below(3));
    let (r, s, i) = (1 + rng.below(2), 1 + rng.below(2), rng.below(6));
    let prost = match signal {
        Signal::Traces => {
            let mut p = Traces::from_request(g.traces(r, s, i));
            mutate_lists(&mut p, rng);
            if rng.chance(30) {
                let rs = &mut p.request_mut().resource_spans;
                rs[rng.below(r)].resource = None;
            }
            p.encode_to_vec()
        }
        Signal::Metrics => {
            let mut p = Metrics::from_request(g.metrics(r, s, i));
            mutate_lists(&mut p, rng);
            if rng.chance(30) {
                let rm = &mut p.request_mut().resource_metrics;
                rm[rng.below(r)].resource = None;
            }
            p.encode_to_vec()
        }
        Signal::Logs => {
            let mut p = Logs::from_request(g.logs(r, s, i));
            mutate_lists(&mut p, rng);
            if rng.chance(30) {
                let rl = &mut p.request_mut().resource_logs;
                rl[rng.below(r)].resource = None;
            }
            p.encode_to_vec()
        }
    };
    if rng.chance(25) {
        prost
    } else {
        odd(K::Request(signal), &prost, rng)
    }
}

fn run(signal: Signal, bytes: &[u8], proc: &AttrProc, target: Target, tally: &mut Tally, case: usize) {
    match signal {
        Signal::Traces => compare::<Traces>(bytes, proc, target, tally, case),
        Signal::Metrics => compare::<Metrics>(bytes, proc, target, tally, case),
        Signal::Logs => compare::<Logs>(bytes, proc, target, tally, case),
    }
}

const SIGNALS: [Signal; 3] = [Signal::Traces, Signal::Metrics, Signal::Logs];
const TARGETS: [Target; 2] = [Target::Items, Target::Resources];

#[test]
fn every_supported_action_alone() {
    let mut rng = Rng(0x0dd_5eed);
    let mut tally = Tally::default();
    let mut case = 0;
    for action in every_action(&mut rng) {
        let proc = AttrProc::new(std::slice::from_ref(&action)).unwrap_or_else(|e| panic!("{action:?}: {e}"));
        assert!(proc.supports_encoded(), "{action:?}");
        for signal in SIGNALS {
            for target in TARGETS {
                for _ in 0..2 {
                    let bytes = request_bytes(signal, &mut rng);
                    run(signal, &bytes, &proc, target, &mut tally, case);
                    case += 1;
                }
            }
        }
    }
    assert!(case > 1_000, "{case} cases");
    assert!(tally.encoded > case / 3, "{tally:?}");
    eprintln!("{case} cases: {tally:?}");
}

#[test]
fn random_action_chains() {
    let mut rng = Rng(0xc4a1_25ee_d000_0001);
    let mut tally = Tally::default();
    let cases = 3_000;
    for case in 0..cases {
        let actions: Vec<ActionConfig> = (0..1 + rng.below(4)).map(|_| random_action(&mut rng)).collect();
        let proc = AttrProc::new(&actions).unwrap_or_else(|e| panic!("{actions:?}: {e}"));
        let signal = rng.pick(&SIGNALS);
        let target = rng.pick(&TARGETS);
        let bytes = request_bytes(signal, &mut rng);
        run(signal, &bytes, &proc, target, &mut tally, case);
    }
    assert!(tally.encoded > cases / 2, "{tally:?}");
    // Resource entries with their resource in two fields are left to the decoded path.
    assert!(tally.refused > 0, "{tally:?}");
    eprintln!("{cases} cases: {tally:?}");
}

#[test]
fn extract_and_convert_stay_decoded() {
    let mut rng = Rng(7);
    for actions in [
        vec![
            ActionConfig::new("a", "insert").with_value(1),
            ActionConfig::new("http.route", "extract").with_pattern("^/(?P<first>[a-z]+)"),
        ],
        vec![ActionConfig::new("app.index", "convert").with_converted_type("string")],
    ] {
        let proc = AttrProc::new(&actions).unwrap();
        assert!(!proc.supports_encoded());
        let bytes = request_bytes(Signal::Traces, &mut rng);
        let mut p = Traces::from_encoded(bytes_of(&bytes)).unwrap();
        assert!(!proc.process_encoded_items(&mut p));
        assert!(!proc.process_encoded_resources(&mut p));
        assert!(p.is_encoded());
        let mut tally = Tally::default();
        run(Signal::Traces, &bytes, &proc, Target::Items, &mut tally, 0);
        run(Signal::Traces, &bytes, &proc, Target::Resources, &mut tally, 1);
        assert_eq!(tally.refused, 2);
    }
    // A decoded payload is not processed encoded either.
    let proc = AttrProc::new(&[ActionConfig::new("a", "delete")]).unwrap();
    let mut p = Traces::from_request(Generator::new(1).traces(1, 1, 1));
    assert!(!proc.process_encoded_items(&mut p));
}
