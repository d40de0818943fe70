#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn probability_to_threshold_matches_go() {
    // Expected t-values computed with Go's algorithm (exact arithmetic),
    // including the OTel spec's examples (10% → e666, 1/3 → aaab).
    let cases: &[(f64, i32, &str)] = &[
        (1.0, 4, "0"),
        (0.5, 4, "8"),
        (0.25, 4, "c"),
        (0.25, 1, "c"),
        (1.0 / 3.0, 4, "aaab"),
        (2.0 / 3.0, 4, "5555"),
        (0.1, 4, "e666"),
        (0.1, 1, "e"),
        (0.1, 14, "e6666666666666"),
        (0.1, 0, "e6666666666666"),
        (0.3, 2, "b3"),
        (0.01, 4, "fd70a"),
        (0.001, 4, "ffbe77"),
        (1e-6, 4, "ffffef39"),
        (0.9, 4, "199a"),
        (0.99, 4, "028f6"),
        (0.999999, 4, "000010c7"),
        (MIN_SAMPLING_PROBABILITY, 4, "ffffffffffffff"),
    ];
    for &(p, prec, want) in cases {
        assert_eq!(
            Threshold::from_probability(p, prec).unwrap().tvalue(),
            want,
            "{p} at {prec}"
        );
    }
    for bad in [
        0.0,
        -0.5,
        1.0000001,
        f64::NAN,
        f64::INFINITY,
        MIN_SAMPLING_PROBABILITY / 2.0,
    ] {
        assert_eq!(
            Threshold::from_probability(bad, 4),
            Err(ProbabilityRangeError),
            "{bad}"
        );
    }
}

#[test]
fn threshold_encoding_round_trips() {
    for tv in [
        "0",
        "8",
        "c",
        "aaab",
        "fd70a",
        "00000000000001",
        "ffffffffffffff",
        "1",
    ] {
        assert_eq!(Threshold::from_tvalue(tv).unwrap().tvalue(), tv);
    }
    assert_eq!(Threshold::from_tvalue("8").unwrap().unsigned(), 1 << 55);
    assert_eq!(
        Threshold::from_tvalue("C").unwrap().tvalue(),
        "c",
        "upper case is read"
    );
    assert_eq!(
        Threshold::from_tvalue("80").unwrap(),
        Threshold::from_tvalue("8").unwrap()
    );
    for bad in ["", "g", "+1", "-1", "0x1", "123456789012345", "1.5"] {
        assert_eq!(Threshold::from_tvalue(bad), None, "{bad}");
    }
    assert_eq!(Threshold::NEVER_SAMPLE.tvalue(), "");
    assert_eq!(Threshold::ALWAYS_SAMPLE.tvalue(), "0");
    assert_eq!(Threshold::from_unsigned(MAX_ADJUSTED_COUNT), None);
    assert_eq!(Threshold::from_unsigned(3).unwrap().unsigned(), 3);
}

#[test]
fn sampling_decision_is_t_le_r() {
    let half = Threshold::from_tvalue("8").unwrap();
    assert!(half.should_sample(Randomness::from_rvalue("80000000000000").unwrap()));
    assert!(!half.should_sample(Randomness::from_rvalue("7fffffffffffff").unwrap()));
    assert!(Threshold::ALWAYS_SAMPLE.should_sample(Randomness::from_unsigned(0).unwrap()));
    assert!(!Threshold::NEVER_SAMPLE.should_sample(Randomness::ALL_PROBABILITIES));
    assert_eq!(half.probability(), 0.5);
    assert_eq!(Threshold::ALWAYS_SAMPLE.probability(), 1.0);
    assert_eq!(Threshold::NEVER_SAMPLE.probability(), 0.0);
}

#[test]
fn randomness_from_trace_id_and_rvalue() {
    let id = [
        0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36,
    ];
    assert_eq!(Randomness::from_trace_id(&id).unwrap().rvalue(), "ce929d0e0e4736");
    assert_eq!(Randomness::from_trace_id(&id[..15]), None);
    assert_eq!(Randomness::from_trace_id(&[0; 17]), None);
    assert_eq!(Randomness::from_rvalue("00000000000001").unwrap().unsigned(), 1);
    assert_eq!(
        Randomness::from_rvalue("00000000000001").unwrap().rvalue(),
        "00000000000001"
    );
    assert_eq!(
        Randomness::from_rvalue("FFFFFFFFFFFFFF"),
        Some(Randomness::ALL_PROBABILITIES)
    );
    for bad in ["", "1", "0000000000000g", "000000000000001", "+0000000000001"] {
        assert_eq!(Randomness::from_rvalue(bad), None, "{bad}");
    }
    assert_eq!(Randomness::ALL_PROBABILITIES.rvalue(), "ffffffffffffff");
    assert_eq!(Randomness::from_unsigned(MAX_ADJUSTED_COUNT), None);
}

#[test]
fn frexp_exponent_matches_go() {
    for (x, e) in [
        (1.0, 1),
        (0.5, 0),
        (0.75, 0),
        (0.25, -1),
        (0.1, -3),
        (0.01, -6),
        (3.0, 2),
        (0.0, 0),
    ] {
        assert_eq!(frexp_exponent(x), e, "{x}");
    }
    assert_eq!(frexp_exponent(f64::from_bits(1)), -1073, "smallest subnormal");
}
