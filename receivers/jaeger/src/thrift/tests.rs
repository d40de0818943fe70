//! The decoders against the Python `thrift` library's encodings (golden
//! vectors), round trips through the test encoder, and hostile input.
#![allow(clippy::unwrap_used)]

use super::ThriftProtocol::{Binary, Compact};
use super::encode;
use super::jaeger::{AgentCall, Batch, Log, Process, Span, SpanRef, Tag, span_ref_type, tag_type};
use super::{MAX_DEPTH, TType, ThriftError, ThriftProtocol};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

// Written by Python thrift 0.25 (`TCompactProtocol` / `TBinaryProtocol`)
// with jaeger-client's generated `jaeger.thrift` types: see `golden_batch`.
const COMPACT_BATCH: &str = "1c1803737663191c1808686f73746e616d6515001801680000191c160416021606160818026f70191c1502160416021612001502168080f2818389850616b817196c180173150018017600180162150431001801661504320018016c1506460d00180164150227000000000000f83f0018017815085802010200191c16c881f28183898506191c18056576656e74150018016500000000";
const COMPACT_EMIT: &str = "82810709656d697442617463681c1c1803737663191c1808686f73746e616d6515001801680000191c160416021606160818026f70191c1502160416021612001502168080f2818389850616b817196c180173150018017600180162150431001801661504320018016c1506460d00180164150227000000000000f83f0018017815085802010200191c16c881f28183898506191c18056576656e7415001801650000000000";
const BINARY_BATCH: &str = "0c00010b0001000000037376630f00020c000000010b000100000008686f73746e616d65080002000000000b0003000000016800000f00020c000000010a000100000000000000020a000200000000000000010a000300000000000000030a000400000000000000040b0005000000026f700f00060c00000001080001000000010a000200000000000000020a000300000000000000010a0004000000000000000900080007000000010a000800060a24181e40000a000900000000000005dc0f000a0c000000060b00010000000173080002000000000b00030000000176000b000100000001620800020000000202000501000b000100000001660800020000000202000500000b0001000000016c080002000000030a0006fffffffffffffff9000b00010000000164080002000000010400043ff8000000000000000b00010000000178080002000000040b0007000000020102000f000b0c000000010a000100060a24181e40640f00020c000000010b0001000000056576656e74080002000000000b0003000000016500000000";
const BINARY_EMIT: &str = "8001000400000009656d69744261746368000000070c00010c00010b0001000000037376630f00020c000000010b000100000008686f73746e616d65080002000000000b0003000000016800000f00020c000000010a000100000000000000020a000200000000000000010a000300000000000000030a000400000000000000040b0005000000026f700f00060c00000001080001000000010a000200000000000000020a000300000000000000010a0004000000000000000900080007000000010a000800060a24181e40000a000900000000000005dc0f000a0c000000060b00010000000173080002000000000b00030000000176000b000100000001620800020000000202000501000b000100000001660800020000000202000500000b0001000000016c080002000000030a0006fffffffffffffff9000b00010000000164080002000000010400043ff8000000000000000b00010000000178080002000000040b0007000000020102000f000b0c000000010a000100060a24181e40640f00020c000000010b0001000000056576656e74080002000000000b000300000001650000000000";

fn tag(key: &str, v_type: i32) -> Tag {
    Tag {
        key: key.into(),
        v_type,
        ..Default::default()
    }
}

/// The batch the golden vectors hold.
fn golden_batch() -> Batch {
    Batch {
        process: Process {
            service_name: "svc".into(),
            tags: Some(vec![Tag {
                v_str: Some("h".into()),
                ..tag("hostname", tag_type::STRING)
            }]),
        },
        spans: vec![Span {
            trace_id_low: 2,
            trace_id_high: 1,
            span_id: 3,
            parent_span_id: 4,
            operation_name: "op".into(),
            references: Some(vec![SpanRef {
                ref_type: span_ref_type::FOLLOWS_FROM,
                trace_id_low: 2,
                trace_id_high: 1,
                span_id: 9,
            }]),
            flags: 1,
            start_time: 1_700_000_000_000_000,
            duration: 1500,
            tags: Some(vec![
                Tag {
                    v_str: Some("v".into()),
                    ..tag("s", tag_type::STRING)
                },
                Tag {
                    v_bool: Some(true),
                    ..tag("b", tag_type::BOOL)
                },
                Tag {
                    v_bool: Some(false),
                    ..tag("f", tag_type::BOOL)
                },
                Tag {
                    v_long: Some(-7),
                    ..tag("l", tag_type::LONG)
                },
                Tag {
                    v_double: Some(1.5),
                    ..tag("d", tag_type::DOUBLE)
                },
                Tag {
                    v_binary: Some(vec![1, 2]),
                    ..tag("x", tag_type::BINARY)
                },
            ]),
            logs: Some(vec![Log {
                timestamp: 1_700_000_000_000_100,
                fields: vec![Tag {
                    v_str: Some("e".into()),
                    ..tag("event", tag_type::STRING)
                }],
            }]),
        }],
        seq_no: None,
        stats: None,
    }
}

#[test]
fn decodes_what_python_thrift_encodes() {
    let want = golden_batch();
    assert_eq!(Batch::decode(Compact, &hex(COMPACT_BATCH)).unwrap(), want);
    assert_eq!(Batch::decode(Binary, &hex(BINARY_BATCH)).unwrap(), want);
    assert_eq!(
        AgentCall::decode(Compact, &hex(COMPACT_EMIT)).unwrap(),
        AgentCall::EmitBatch(want.clone())
    );
    assert_eq!(
        AgentCall::decode(Binary, &hex(BINARY_EMIT)).unwrap(),
        AgentCall::EmitBatch(want)
    );
}

#[test]
fn the_test_encoder_writes_what_python_writes() {
    let b = golden_batch();
    assert_eq!(encode::batch(Compact, &b), hex(COMPACT_BATCH));
    assert_eq!(encode::batch(Binary, &b), hex(BINARY_BATCH));
}

#[test]
fn round_trips_in_both_protocols() {
    let mut b = golden_batch();
    b.seq_no = Some(42);
    // Field ids jumping by more than 15 (the compact long form), many tags
    // (the long list header), negative and extreme numbers.
    let tags: Vec<Tag> = (0..40)
        .map(|i| Tag {
            v_long: Some(i64::MIN + i),
            ..tag(&format!("k{i}"), tag_type::LONG)
        })
        .collect();
    b.spans.push(Span {
        trace_id_low: -1,
        trace_id_high: i64::MIN,
        span_id: i64::MAX,
        operation_name: "ünïcode".into(),
        flags: -3,
        start_time: -5,
        duration: i64::MAX,
        tags: Some(tags),
        references: Some(vec![]),
        ..Default::default()
    });
    for p in [Compact, Binary] {
        assert_eq!(Batch::decode(p, &encode::batch(p, &b)).unwrap(), b, "{p:?}");
        assert_eq!(
            AgentCall::decode(p, &encode::emit_batch(p, &b)).unwrap(),
            AgentCall::EmitBatch(b.clone()),
            "{p:?}"
        );
    }
}

/// A struct `{ 1: <value of type `ty`> }` in the binary protocol.
fn binary_field(ty: u8, id: i16, value: &[u8]) -> Vec<u8> {
    let mut out = vec![ty];
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(value);
    out
}

#[test]
fn unknown_fields_of_every_type_are_skipped() {
    // A Process with extra fields of ids 3..: bool, byte, double, i16, i32,
    // i64, string, struct, map, set, list of lists, uuid, and a known id
    // with the wrong type (skipped, as Go's generated code does).
    let mut p = vec![];
    p.extend(binary_field(11, 1, &[0, 0, 0, 1, b'x']));
    p.extend(binary_field(2, 3, &[1]));
    p.extend(binary_field(3, 4, &[0x7f]));
    p.extend(binary_field(4, 5, &1.0f64.to_be_bytes()));
    p.extend(binary_field(6, 6, &7i16.to_be_bytes()));
    p.extend(binary_field(8, 7, &7i32.to_be_bytes()));
    p.extend(binary_field(10, 8, &7i64.to_be_bytes()));
    p.extend(binary_field(11, 9, &[0, 0, 0, 2, b'h', b'i']));
    p.extend(binary_field(12, 10, &binary_field(8, 1, &[0, 0, 0, 1, 0])));
    p.extend(binary_field(
        13,
        11,
        &[11, 8, 0, 0, 0, 1, 0, 0, 0, 1, b'k', 0, 0, 0, 9],
    ));
    p.extend(binary_field(14, 12, &[8, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2]));
    p.extend(binary_field(15, 13, &[15, 0, 0, 0, 1, 3, 0, 0, 0, 2, 1, 2]));
    p.extend(binary_field(16, 14, &[9; 16]));
    p.extend(binary_field(8, 2, &[0, 0, 0, 1])); // `tags` is a list, not an i32
    p.push(0);
    let mut body = binary_field(12, 1, &p);
    body.extend(binary_field(15, 2, &[12, 0, 0, 0, 0]));
    body.push(0);
    let b = Batch::decode(Binary, &body).unwrap();
    assert_eq!(b.process.service_name, "x");
    assert_eq!(b.process.tags, None);
    assert!(b.spans.is_empty());
}

#[test]
fn compact_bools_and_long_field_ids() {
    // Tag { 1: "k", 2: BOOL, 5: false } with the bool in its header; then
    // field 300 (long form, delta 0) of type list<bool> [true, false] skipped.
    let mut t = vec![0x18, 1, b'k', 0x15, 4, 0x32];
    t.extend([0x09, 0xd8, 0x04, 0x21, 1, 2]);
    t.push(0);
    let mut body = vec![0x1c, 0x18, 1, b's', 0x19, 0x1c];
    body.extend(&t);
    body.extend([0, 0x19, 0x0c, 0]);
    let b = Batch::decode(Compact, &body).unwrap();
    let tags = b.process.tags.unwrap();
    assert_eq!(tags[0].v_bool, Some(false));
    assert_eq!(tags[0].v_type, tag_type::BOOL);
}

#[test]
fn old_binary_envelope_and_other_methods() {
    let mut old = vec![0, 0, 0, 9];
    old.extend_from_slice(b"emitBatch");
    old.push(4);
    old.extend_from_slice(&1i32.to_be_bytes());
    old.extend(binary_field(12, 1, &encode::batch(Binary, &golden_batch())));
    old.push(0);
    assert_eq!(
        AgentCall::decode(Binary, &old).unwrap(),
        AgentCall::EmitBatch(golden_batch())
    );
    let mut w = encode::Writer::new(Compact);
    w.message_begin("emitZipkinBatch", 4, 1);
    assert_eq!(
        AgentCall::decode(Compact, &w.into_bytes()).unwrap(),
        AgentCall::EmitZipkinBatch
    );
    let mut w = encode::Writer::new(Compact);
    w.message_begin("getSamplingStrategy", 1, 1);
    assert_eq!(
        AgentCall::decode(Compact, &w.into_bytes()),
        Err(ThriftError::UnknownMethod("getSamplingStrategy".into()))
    );
    // emitBatch without its batch: an empty batch (Go forwards nothing).
    let mut w = encode::Writer::new(Binary);
    w.message_begin("emitBatch", 4, 1);
    let mut bytes = w.into_bytes();
    bytes.push(0);
    assert_eq!(
        AgentCall::decode(Binary, &bytes).unwrap(),
        AgentCall::EmitBatch(Batch::default())
    );
}

#[test]
fn required_fields_are_enforced() {
    let mut b = golden_batch();
    let full = encode::batch(Binary, &b);
    // Drop the process: Batch.process is required.
    let no_process = {
        let mut v = binary_field(15, 2, &[12, 0, 0, 0, 0]);
        v.push(0);
        v
    };
    assert_eq!(
        Batch::decode(Binary, &no_process),
        Err(ThriftError::MissingField("Batch.process"))
    );
    assert!(Batch::decode(Binary, &full).is_ok());
    // A span without operationName, a tag without vType.
    let mut w = encode::Writer::new(Compact);
    w.tag(&tag("k", 0));
    let mut tag_bytes = w.into_bytes();
    // Remove field 2 (header 0x15 + zigzag 0) from the encoded tag.
    let at = tag_bytes.iter().position(|&x| x == 0x15).unwrap();
    tag_bytes.drain(at..at + 2);
    let mut body = vec![0x1c, 0x18, 1, b's', 0x19, 0x1c];
    body.extend(&tag_bytes);
    body.extend([0, 0x19, 0x0c, 0]);
    assert_eq!(
        Batch::decode(Compact, &body),
        Err(ThriftError::MissingField("Tag.vType"))
    );
    b.spans[0].operation_name.clear();
    assert!(Batch::decode(Compact, &encode::batch(Compact, &b)).is_ok());
}

/// A hostile input: what it is, its protocol, its bytes, the error expected.
type Hostile = (&'static str, ThriftProtocol, Vec<u8>, fn(&ThriftError) -> bool);

/// Table of hostile inputs: each must be refused with the error named, never panic.
#[test]
fn hostile_input_is_refused() {
    let deep_compact = |n: usize| {
        let mut v = vec![0x1c; n]; // field 1: struct, n times
        v.extend(vec![0; n]);
        v
    };
    let deep_lists = {
        // Batch.spans: list of lists of lists...
        let mut v = vec![0x19];
        v.extend(vec![0x19; 200]);
        v
    };
    let cases: Vec<Hostile> = vec![
        ("empty", Compact, vec![], |e| matches!(e, ThriftError::Eof(0))),
        ("empty binary", Binary, vec![], |e| {
            matches!(e, ThriftError::Eof(0))
        }),
        ("bad protocol id", Compact, vec![0x80, 0x81, 1, 0], |e| {
            matches!(e, ThriftError::BadHeader { .. })
        }),
        ("bad compact version", Compact, vec![0x82, 0x82, 1, 0], |e| {
            matches!(e, ThriftError::BadHeader { .. })
        }),
        (
            "bad binary version",
            Binary,
            vec![0x80, 0x02, 0, 4, 0, 0, 0, 0],
            |e| matches!(e, ThriftError::BadHeader { .. }),
        ),
        (
            "name longer than packet",
            Compact,
            vec![0x82, 0x81, 1, 0x7f, b'e'],
            |e| matches!(e, ThriftError::TooLong { what: "string", .. }),
        ),
        (
            "negative name length",
            Binary,
            vec![0x80, 0x01, 0, 4, 0xff, 0xff, 0xff, 0xf0],
            |e| matches!(e, ThriftError::NegativeSize { .. }),
        ),
        (
            "huge old-style name",
            Binary,
            vec![0x7f, 0xff, 0xff, 0xff, 1],
            |e| matches!(e, ThriftError::TooLong { .. }),
        ),
        (
            "varint too long",
            Compact,
            vec![
                0x82, 0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            ],
            |e| matches!(e, ThriftError::BadVarint),
        ),
    ];
    for (name, proto, bytes, check) in cases {
        let err = AgentCall::decode(proto, &bytes).unwrap_err();
        assert!(check(&err), "{name}: {err:?}");
    }
    let batch_cases: Vec<Hostile> = vec![
        ("struct nesting", Compact, deep_compact(MAX_DEPTH + 10), |e| {
            *e == ThriftError::TooDeep
        }),
        (
            "list nesting",
            Compact,
            {
                let mut v = vec![0x1c, 0x18, 1, b's', 0, 0x29];
                v.extend(&deep_lists);
                v
            },
            |e| {
                matches!(
                    e,
                    ThriftError::TooDeep | ThriftError::TooLong { .. } | ThriftError::Eof(_)
                )
            },
        ),
        (
            "list count over input",
            Compact,
            vec![0x1c, 0x18, 1, b's', 0, 0x19, 0xfc, 0xff, 0xff, 0xff, 0x07],
            |e| matches!(e, ThriftError::TooLong { what: "list", .. }),
        ),
        (
            "binary list count over input",
            Binary,
            {
                let mut v = binary_field(15, 2, &[12, 0x7f, 0xff, 0xff, 0xff]);
                v.push(0);
                v
            },
            |e| matches!(e, ThriftError::TooLong { what: "list", .. }),
        ),
        (
            "negative list count",
            Binary,
            binary_field(15, 2, &[12, 0xff, 0xff, 0xff, 0xff]),
            |e| matches!(e, ThriftError::NegativeSize { .. }),
        ),
        (
            "map count over input",
            Binary,
            binary_field(13, 9, &[11, 11, 0x10, 0, 0, 0]),
            |e| matches!(e, ThriftError::TooLong { what: "map", .. }),
        ),
        (
            "compact map count over input",
            Compact,
            vec![0x9b, 0xff, 0xff, 0xff, 0x0f, 0x88],
            |e| matches!(e, ThriftError::TooLong { what: "map", .. }),
        ),
        ("bad compact type", Compact, vec![0x1e], |e| {
            matches!(e, ThriftError::BadType { .. })
        }),
        ("bad binary type", Binary, vec![0x05, 0, 1], |e| {
            matches!(e, ThriftError::BadType { .. })
        }),
        (
            "spans of the wrong type",
            Compact,
            vec![0x1c, 0x18, 1, b's', 0, 0x19, 0x15, 2, 0],
            |e| {
                matches!(
                    e,
                    ThriftError::WrongType {
                        found: TType::I32,
                        ..
                    }
                )
            },
        ),
        (
            "string over input",
            Binary,
            binary_field(11, 1, &[0, 0, 0, 9, b'x']),
            |e| matches!(e, ThriftError::TooLong { what: "string", .. }),
        ),
        ("missing stop", Compact, vec![0x1c, 0x18, 1, b's'], |e| {
            matches!(e, ThriftError::Eof(_))
        }),
    ];
    for (name, proto, bytes, check) in batch_cases {
        let err = Batch::decode(proto, &bytes).unwrap_err();
        assert!(check(&err), "{name}: {err:?}");
    }
}

#[test]
fn every_truncation_and_corruption_is_an_error_not_a_panic() {
    for (proto, full) in [(Compact, hex(COMPACT_EMIT)), (Binary, hex(BINARY_EMIT))] {
        for n in 0..full.len() {
            // A shorter packet may still decode when the cut falls after
            // the last stop; it never panics.
            let _ = AgentCall::decode(proto, &full[..n]);
        }
        // Every single-byte corruption, each value.
        for i in 0..full.len() {
            for v in [0x00, 0x01, 0x0f, 0x7f, 0x80, 0xff] {
                let mut bad = full.clone();
                bad[i] = v;
                let _ = AgentCall::decode(proto, &bad);
            }
        }
        // Cuts inside the struct body are errors.
        assert!(AgentCall::decode(proto, &full[..full.len() - 2]).is_err());
    }
}

#[test]
fn random_bytes_never_panic() {
    // A fixed LCG: the same inputs every run.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (state >> 33) as u8
    };
    for len in [1usize, 2, 3, 7, 16, 64, 300, 1500] {
        for _ in 0..300 {
            let mut bytes: Vec<u8> = (0..len).map(|_| next()).collect();
            for proto in [Compact, Binary] {
                let _ = AgentCall::decode(proto, &bytes);
                let _ = Batch::decode(proto, &bytes);
            }
            // With a valid envelope in front, to reach the struct decoders.
            let mut framed = vec![0x82, 0x81, 1, 9];
            framed.extend_from_slice(b"emitBatch");
            framed.append(&mut bytes);
            let _ = AgentCall::decode(Compact, &framed);
        }
    }
}
