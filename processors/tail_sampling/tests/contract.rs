//! The shared component contract (`otelcol-componenttest`).
otelcol_componenttest::component_tests!(
    processor: otelcol_processor_tailsampling::factory(),
    // Everything sampled quickly; shutdown decides what is still pending.
    config: "decision_wait: 50ms\npolicies: [{name: all, type: always_sample}]",
    expect: SameItems,
);
