//! Differential test of the encoded rename (`name::from_attributes` alone):
//! generated requests, their spans' attributes mutated (the listed keys
//! present or not, duplicated, with values of every kind: string, bool,
//! int, double with NaN, infinities and -0, bytes, array, map, string
//! table index, empty, absent), names empty or not, re-encoded in ways
//! prost never writes (a span's `name` written twice or moved after its
//! attributes, unknown fields, values written twice) and sometimes batched
//! from two encoded requests: the processor on the encoded payload (which
//! stays encoded) gives, decoded, what it gives on the decoded payload
//! (compared as prost encodes the two: `==` but for NaN).
#![allow(clippy::unwrap_used)]

use otelcol_component::prost::Message;
use otelcol_component::proto::common::v1::{AnyValue, ArrayValue, KeyValue, KeyValueList, any_value};
use otelcol_component::{Kind, Payload, ProcessorFactory, Traces};
use otelcol_componenttest::generate::Generator;
use otelcol_componenttest::generate::Rng;
use otelcol_componenttest::{Sink, nop_settings, parse_config};
use otelcol_processor_span::{SpanConfig, factory};

/// Keys of the configs and of the attributes added: some the generator
/// writes on every span, some it never does.
const KEYS: [&str; 7] = [
    "http.request.method",
    "http.route",
    "app.index",
    "db.system",
    "é",
    "",
    "peer",
];

const SEPARATORS: [&str; 4] = ["", " ", "::", "→"];

fn random_value(rng: &mut Rng) -> Option<AnyValue> {
    use any_value::Value as V;
    let value = match rng.below(16) {
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
            f64::NEG_INFINITY,
            1e21,
            5e-324,
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
                value: Some(AnyValue {
                    value: Some(V::StringValue("x".into())),
                }),
                key_strindex: 0,
            }],
        })),
        11 => Some(V::StringValueStrindex(rng.below(3) as i32)),
        12 => Some(V::ArrayValue(ArrayValue::default())),
        13 => Some(V::DoubleValue(-2.25)),
        _ => Some(V::StringValue("GET /x".into())),
    };
    Some(AnyValue { value })
}

fn random_kv(rng: &mut Rng) -> KeyValue {
    KeyValue {
        key: rng.pick(&KEYS).into(),
        value: random_value(rng),
        key_strindex: if rng.chance(10) { 1 } else { 0 },
    }
}

/// Rewrites some spans' attributes and names.
fn mutate(req: &mut Traces, rng: &mut Rng) {
    req.for_each_item_mut(|_, _, item| {
        let otelcol_component::ItemMut::Span(span) = item else {
            return;
        };
        match rng.below(6) {
            0 => span.attributes.clear(),
            1 => span.attributes = (0..rng.below(5)).map(|_| random_kv(rng)).collect(),
            2 | 3 => {
                for _ in 0..1 + rng.below(3) {
                    let at = rng.below(span.attributes.len() + 1);
                    span.attributes.insert(at, random_kv(rng));
                }
            }
            _ => {}
        }
        match rng.below(5) {
            0 => span.name.clear(),
            1 => span.name = "GET /x".into(),
            _ => {}
        }
    });
}

// ---- odd encodings --------------------------------------------------------

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

/// The fields of a prost encoding: (tag, the whole field, the payload of a
/// length-delimited one). Groups are never in what prost writes.
fn fields(b: &[u8]) -> Vec<(u32, &[u8], &[u8])> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < b.len() {
        let start = pos;
        let key = read_varint(b, &mut pos);
        let (tag, wt) = ((key >> 3) as u32, key & 7);
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
            _ => unreachable!("prost writes no groups"),
        };
        out.push((tag, &b[start..pos], payload));
    }
    out
}

fn wrap(tag: u32, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    varint(&mut out, (u64::from(tag) << 3) | 2);
    varint(&mut out, content.len() as u64);
    out.extend_from_slice(content);
    out
}

fn unknown_field(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    if rng.chance(50) {
        varint(&mut out, 1000 << 3);
        varint(&mut out, rng.next_u64() >> rng.below(64));
    } else {
        varint(&mut out, (1001 << 3) | 2);
        out.extend([2, b'z', b'z']);
    }
    out
}

/// A `KeyValue` with its value written twice (an earlier one of another
/// type, which prost's merge replaces) or with an unknown field.
fn odd_kv(content: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    for (tag, whole, payload) in fields(content) {
        if tag == 2 && !payload.is_empty() && rng.chance(20) {
            out.extend([0x12, 0x02, 0x18, 0x05]);
        }
        out.extend_from_slice(whole);
    }
    if rng.chance(15) {
        out.extend(unknown_field(rng));
    }
    out
}

/// A span written as prost never would: its name moved (after the
/// attributes, to the end), written twice (an older name first: the last
/// wins), unknown fields among the others, odd attributes.
fn odd_span(content: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut name = None;
    let mut others: Vec<Vec<u8>> = Vec::new();
    for (tag, whole, payload) in fields(content) {
        match tag {
            5 => name = Some(whole.to_vec()),
            9 => others.push(wrap(9, &odd_kv(payload, rng))),
            _ => others.push(whole.to_vec()),
        }
    }
    if rng.chance(20) {
        let at = rng.below(others.len() + 1);
        others.insert(at, unknown_field(rng));
    }
    let mut at = rng.below(others.len() + 1);
    if let Some(name) = name {
        others.insert(at, name);
    }
    if rng.chance(25) {
        // An older name before the real one (or the only one, if the real
        // one is empty: then a later empty one overwrites it).
        at = rng.below(at + 1);
        others.insert(at, wrap(5, b"older"));
        if !others.iter().skip(at + 1).any(|f| f.first() == Some(&0x2a)) {
            others.push(wrap(5, b""));
        }
    }
    others.concat()
}

/// Re-encodes a request: request → resource entries (1) → scope entries
/// (2) → spans (2).
fn odd_request(content: &[u8], depth: usize, rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    for (tag, whole, payload) in fields(content) {
        match (depth, tag) {
            (0, 1) | (1, 2) => out.extend(wrap(tag, &odd_request(payload, depth + 1, rng))),
            (2, 2) => out.extend(wrap(2, &odd_span(payload, rng))),
            _ => out.extend_from_slice(whole),
        }
    }
    if depth > 0 && rng.chance(10) {
        out.extend(unknown_field(rng));
    }
    out
}

fn request_bytes(rng: &mut Rng) -> Vec<u8> {
    let mut g = Generator::new(rng.next_u64());
    let (r, s, i) = (1 + rng.below(2), 1 + rng.below(2), rng.below(6));
    let mut p = Traces::from_request(g.traces(r, s, i));
    mutate(&mut p, rng);
    let bytes = p.request().encode_to_vec();
    if rng.chance(40) {
        odd_request(&bytes, 0, rng)
    } else {
        bytes
    }
}

fn random_config(rng: &mut Rng) -> SpanConfig {
    let keys: Vec<String> = (0..1 + rng.below(3))
        .map(|_| format!("'{}'", rng.pick(&KEYS)))
        .collect();
    let yaml = format!(
        "name:\n  from_attributes: [{}]\n  separator: '{}'",
        keys.join(", "),
        rng.pick(&SEPARATORS)
    );
    parse_config(&yaml).unwrap()
}

/// Runs the processor for `cfg` on `data`; returns its output and whether
/// it decodes its input.
async fn run(cfg: &SpanConfig, data: Traces) -> (Traces, bool) {
    let sink = Sink::<Traces>::new();
    let p = factory()
        .create::<Traces>(&nop_settings("span", Kind::Processor), cfg, sink.clone())
        .unwrap();
    let decodes = p.decodes_input();
    p.consume(data).await.unwrap();
    let mut out = sink.all();
    assert_eq!(out.len(), 1);
    (out.remove(0), decodes)
}

fn bytes_of(b: &[u8]) -> bytes::Bytes {
    bytes::Bytes::copy_from_slice(b)
}

#[tokio::test]
async fn encoded_rename_equals_decoded_rename() {
    let mut rng = Rng(0x5eed_5a17);
    let (mut renamed, mut unchanged) = (0, 0);
    for case in 0..3000 {
        let bytes = request_bytes(&mut rng);
        let cfg = random_config(&mut rng);
        let top = fields(&bytes);
        // Every third case, two encoded requests batched together.
        let cut = (case % 3 == 2 && top.len() > 1).then(|| top[0].1.len());
        let encoded_input = || match cut {
            Some(cut) => {
                let mut p = Traces::from_encoded(bytes_of(&bytes[..cut])).unwrap();
                p.merge(Traces::from_encoded(bytes_of(&bytes[cut..])).unwrap());
                p
            }
            None => Traces::from_encoded(bytes_of(&bytes)).unwrap(),
        };
        let input = encoded_input();
        assert!(input.is_encoded(), "case {case}");
        let (encoded, decodes) = run(&cfg, input).await;
        assert!(!decodes, "case {case}: the rename alone does not decode");
        assert!(encoded.is_encoded(), "case {case}: renamed encoded");
        let mut before = Vec::new();
        encoded_input().encode_into(&mut before);
        let mut now = Vec::new();
        encoded.encode_into(&mut now);
        if now == before {
            unchanged += 1;
        } else {
            renamed += 1;
        }
        // What it holds validates, with the same spans.
        let again = Traces::from_encoded(bytes_of(&now)).unwrap_or_else(|e| panic!("case {case}: {e}"));

        let mut input = encoded_input();
        input.request_mut();
        assert!(!input.is_encoded());
        let (decoded, _) = run(&cfg, input).await;
        assert_eq!(again.item_count(), decoded.item_count(), "case {case}");
        let (got, want) = (
            encoded.request().encode_to_vec(),
            decoded.request().encode_to_vec(),
        );
        assert!(
            got == want,
            "case {case}: {cfg:?}: results differ\n encoded path: {}\n decoded path: {}\n input: {bytes:?}",
            String::from_utf8_lossy(&encoded.to_json()),
            String::from_utf8_lossy(&decoded.to_json()),
        );
    }
    // Both kinds of case are common.
    assert!(
        renamed > 500 && unchanged > 300,
        "renamed {renamed}, unchanged {unchanged}"
    );
}

/// Other configs stay on the decoded path (and decode their input).
#[tokio::test]
async fn other_configs_decode() {
    for yaml in [
        "name:\n  from_attributes: [a]\ninclude:\n  match_type: strict\n  span_names: [x]",
        "name:\n  from_attributes: [a]\nstatus:\n  code: Ok",
        "name:\n  from_attributes: [a]\n  to_attributes:\n    rules: ['^(?P<x>.*)$']",
    ] {
        let cfg: SpanConfig = parse_config(yaml).unwrap();
        let bytes = Generator::new(1).traces(1, 1, 3).encode_to_vec();
        let (out, decodes) = run(&cfg, Traces::from_encoded(bytes_of(&bytes)).unwrap()).await;
        assert!(decodes, "{yaml}");
        assert!(!out.is_encoded(), "{yaml}");
    }
}
