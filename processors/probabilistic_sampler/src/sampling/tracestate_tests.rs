#![allow(clippy::unwrap_used)]

use super::*;

fn rt(input: &str) -> (String, Option<TraceStateError>) {
    let (w, e) = W3CTraceState::parse(input);
    (w.serialize(), e)
}

#[test]
fn parses_and_reencodes_like_go() {
    let cases: &[(&str, &str)] = &[
        ("", ""),
        ("ot=th:8", "ot=th:8"),
        ("ot=rv:abcdef01234567;th:c", "ot=rv:abcdef01234567;th:c"),
        ("ot=th:c;rv:abcdef01234567", "ot=rv:abcdef01234567;th:c"),
        ("ot=th:c;x:y;rv:abcdef01234567", "ot=rv:abcdef01234567;th:c;x:y"),
        ("a=1,ot=th:8,b=2", "ot=th:8,a=1,b=2"),
        (" a=1 ,\tb=2\t", "a=1,b=2"),
        ("a=1,,b=2,", "a=1,b=2"),
        ("t@sys=v a l", "t@sys=v a l"),
        ("ot=x:", "ot=x:"),
    ];
    for (input, want) in cases {
        assert_eq!(rt(input), (want.to_string(), None), "{input}");
    }
}

#[test]
fn reads_rv_and_th() {
    let (w, e) = W3CTraceState::parse("vendor=x,ot=rv:00000000000001;th:8");
    assert_eq!(e, None);
    assert_eq!(w.otel().randomness(), Randomness::from_unsigned(1));
    assert_eq!(w.otel().threshold(), Threshold::from_tvalue("8"));
    let (w, _) = W3CTraceState::parse("vendor=x");
    assert_eq!((w.otel().randomness(), w.otel().threshold()), (None, None));
}

#[test]
fn errors_keep_what_was_read() {
    let cases: &[(&str, TraceStateError, &str)] = &[
        ("ot=th:", TraceStateError::TValue, ""),
        ("ot=th:123456789012345", TraceStateError::TValue, ""),
        ("ot=th:zz;x:1", TraceStateError::TValue, "ot=x:1"),
        ("ot=rv:123;th:8", TraceStateError::RValue, "ot=th:8"),
        ("ot=rv:abcdef01234567;rv:bad", TraceStateError::RValue, ""),
        ("ot=th:8;;x:1", TraceStateError::Syntax, ""),
        ("ot=th:8;", TraceStateError::Syntax, ""),
        ("ot=Th:8", TraceStateError::Syntax, ""),
        ("ot=th:8+", TraceStateError::Syntax, ""),
        ("a=1,Bad=2", TraceStateError::Syntax, ""),
        ("a=", TraceStateError::Syntax, ""),
        ("=1", TraceStateError::Syntax, ""),
        ("a=x=y", TraceStateError::Syntax, ""),
        ("1a=x", TraceStateError::Syntax, ""),
        ("@a=x", TraceStateError::Syntax, ""),
        ("a@1=x", TraceStateError::Syntax, ""),
    ];
    for (input, err, kept) in cases {
        assert_eq!(rt(input), (kept.to_string(), Some(err.clone())), "{input}");
    }
    // `a=1 ` is valid after trimming OWS; make sure the table above is right about it.
    assert_eq!(rt("a=1 ").1, None);
}

#[test]
fn size_limits() {
    let long_value = "x".repeat(256);
    assert_eq!(rt(&format!("a={long_value}")).1, None);
    assert_eq!(rt(&format!("a={long_value}x")).1, Some(TraceStateError::Syntax));
    let key = format!("a{}", "b".repeat(256));
    assert_eq!(rt(&format!("{key}=1")).1, Some(TraceStateError::Size));
    let tenant = format!("t{}@s=1", "a".repeat(241));
    assert_eq!(rt(&tenant).1, Some(TraceStateError::Size));
    assert_eq!(rt("t@s23456789012345=1").1, Some(TraceStateError::Size));
    assert_eq!(rt("t@s2345678901234=1").1, None);
    let huge = format!("a={}", "x,b=y".repeat(300));
    assert_eq!(rt(&huge).1, Some(TraceStateError::Size));
    // An `ot` value over 256 bytes is already refused by the W3C value rule.
    assert_eq!(
        rt(&format!("ot=x:{}", "y".repeat(260))).1,
        Some(TraceStateError::Syntax)
    );
    let (o, e) = OTelTraceState::parse(&format!("x:{}", "y".repeat(260)));
    assert_eq!((o, e), (OTelTraceState::default(), Some(TraceStateError::Size)));
    // Go refuses the 32nd member (empty ones count; a trailing comma does not).
    let members = |n: usize| (0..n).map(|i| format!("k{i}=v")).collect::<Vec<_>>().join(",");
    assert_eq!(rt(&members(31)).1, None);
    assert_eq!(rt(&format!("{},", members(31))).1, None);
    assert_eq!(rt(&members(32)).1, Some(TraceStateError::Size));
    let (w, _) = W3CTraceState::parse(&members(32));
    assert_eq!(w.serialize(), members(31), "members before the limit are kept");
}

#[test]
fn update_threshold_refuses_raising_probability() {
    let (mut w, _) = W3CTraceState::parse("ot=th:c");
    let half = Threshold::from_tvalue("8").unwrap();
    assert_eq!(w.otel_mut().update_threshold(half), Err(InconsistentSampling));
    assert_eq!(w.serialize(), "ot=th:c");
    let eighth = Threshold::from_tvalue("e").unwrap();
    assert_eq!(w.otel_mut().update_threshold(eighth), Ok(()));
    assert_eq!(w.serialize(), "ot=th:e");
    assert_eq!(w.otel_mut().update_threshold(Threshold::NEVER_SAMPLE), Ok(()));
    assert_eq!(w.serialize(), "");
    w.otel_mut().set_randomness(Randomness::ALL_PROBABILITIES);
    w.otel_mut().update_threshold(Threshold::ALWAYS_SAMPLE).unwrap();
    assert_eq!(w.serialize(), "ot=rv:ffffffffffffff;th:0");
    w.otel_mut().clear_threshold();
    assert_eq!(w.serialize(), "ot=rv:ffffffffffffff");
}
