//! The shared component contract (`otelcol-componenttest`).
otelcol_componenttest::component_tests!(
    processor: otelcol_processor_probabilisticsampler::factory(),
    // Everything sampled, records without randomness too (Go drops those
    // by default: fail_closed): every item must come through.
    config: "sampling_percentage: 100\nfail_closed: false",
    expect: SameItems,
);
