#![allow(clippy::unwrap_used)]

use otelcol_componenttest::parse_config;

use super::*;

fn cfg(yaml: &str) -> ProbabilisticSamplerConfig {
    parse_config(yaml).unwrap()
}

fn err(yaml: &str) -> String {
    parse_config::<ProbabilisticSamplerConfig>(yaml).unwrap_err()
}

#[test]
fn defaults_are_gos() {
    let d = ProbabilisticSamplerConfig::default();
    assert_eq!(d.sampling_percentage, 0.0);
    assert_eq!(d.hash_seed, 0);
    assert_eq!(d.mode, SamplerMode::Unset);
    assert!(d.fail_closed);
    assert_eq!(d.sampling_precision, 4);
    assert_eq!(d.attribute_source, "traceID");
    assert_eq!(d.from_attribute, "");
    assert_eq!(d.sampling_priority, "");
    assert_eq!(cfg(""), d, "an empty section is the default");
    assert!(d.validate().is_ok());
}

#[test]
fn go_testdata_config_parses() {
    // processor/probabilisticsamplerprocessor/testdata/config.yaml
    let traces = cfg("sampling_percentage: 15.3\nmode: \"proportional\"");
    assert_eq!(traces.sampling_percentage, 15.3_f32);
    assert_eq!(traces.mode, SamplerMode::Proportional);
    let logs = cfg(
        "sampling_percentage: 15.3\nhash_seed: 22\nattribute_source: \"record\"\nfrom_attribute: \"foo\"\nsampling_priority: \"bar\"",
    );
    assert_eq!(
        logs,
        ProbabilisticSamplerConfig {
            sampling_percentage: 15.3,
            hash_seed: 22,
            attribute_source: "record".into(),
            from_attribute: "foo".into(),
            sampling_priority: "bar".into(),
            ..Default::default()
        }
    );
    let all = cfg("mode: equalizing\nfail_closed: false\nsampling_precision: 14\nsampling_percentage: 100");
    assert_eq!(all.mode, SamplerMode::Equalizing);
    assert!(!all.fail_closed);
    assert_eq!(cfg("mode: hash_seed").mode, SamplerMode::HashSeed);
    assert_eq!(cfg("mode: \"\"").mode, SamplerMode::Unset);
    assert_eq!(cfg("mode: ~").mode, SamplerMode::Unset);
    assert_eq!(
        cfg("sampling_percentage: 250").sampling_percentage,
        250.0,
        ">100 is allowed (means 100)"
    );
    assert_eq!(
        cfg("attribute_source: \"\"").attribute_source,
        "",
        "Go accepts an empty source"
    );
}

#[test]
fn validation_messages_are_gos() {
    let cases: &[(&str, &str)] = &[
        (
            "sampling_percentage: -15.3",
            "sampling_percentage: sampling rate is negative: -15.300000%",
        ),
        (
            "sampling_percentage: -0.5",
            "sampling_percentage: sampling rate is negative: -0.500000%",
        ),
        (
            "sampling_percentage: .inf",
            "sampling_percentage: sampling rate is invalid: +Inf%",
        ),
        (
            "sampling_percentage: -.inf",
            "sampling_percentage: sampling rate is invalid: -Inf%",
        ),
        (
            "sampling_percentage: .nan",
            "sampling_percentage: sampling rate is invalid: NaN%",
        ),
        (
            "sampling_percentage: 1e-15",
            "sampling_percentage: sampling rate is too small: 1e-15%",
        ),
        (
            "sampling_percentage: 1.2e-16",
            "sampling_percentage: sampling rate is too small: 1.2e-16%",
        ),
        (
            "attribute_source: spanID",
            "attribute_source: invalid attribute source: spanID. Expected: traceID or record",
        ),
        (
            "sampling_precision: 0",
            "sampling_precision: invalid sampling precision: 0",
        ),
        (
            "sampling_precision: -2",
            "sampling_precision: invalid sampling precision: -2",
        ),
        (
            "sampling_precision: 15",
            "sampling_precision: sampling precision is too great, should be <= 14: 15",
        ),
    ];
    for (yaml, want) in cases {
        assert_eq!(err(yaml), *want, "{yaml}");
    }
    assert!(err("mode: downsample").contains("unsupported sampler mode \"downsample\""));
    assert!(err("sampling_percentag: 5").contains("unknown field \"sampling_percentag\""));
    assert!(err("hash_seed: -1").contains("u32"), "hash_seed is a uint32");
    assert!(err("hash_seed: 4294967296").contains("u32"));
    for ok in [
        "sampling_percentage: 0",
        "sampling_percentage: 1.4e-15",
        "sampling_percentage: 100",
        "sampling_precision: 1",
        "sampling_precision: 14",
        "attribute_source: record",
    ] {
        assert!(cfg(ok).validate().is_ok(), "{ok}");
    }
}

#[test]
fn mode_round_trips() {
    for m in [
        SamplerMode::Unset,
        SamplerMode::HashSeed,
        SamplerMode::Equalizing,
        SamplerMode::Proportional,
    ] {
        assert_eq!(SamplerMode::parse(m.as_str()), Ok(m));
        assert_eq!(m.to_string(), m.as_str());
        let y = serde_yaml::to_string(&ProbabilisticSamplerConfig {
            mode: m,
            ..Default::default()
        })
        .unwrap();
        assert_eq!(cfg(&y).mode, m, "{y}");
    }
}
