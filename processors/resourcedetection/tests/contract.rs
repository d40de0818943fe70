//! The shared component contract (`otelcol-componenttest`).
otelcol_componenttest::component_tests!(
    processor: otelcol_processor_resourcedetection::factory(),
    config: "detectors: [env, system]\nsystem: {hostname_sources: [os]}\ntimeout: 2s\nrefresh_interval: 1h",
    expect: SameItems,
);
