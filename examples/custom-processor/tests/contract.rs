//! The shared component contract (`otelcol-componenttest`).
otelcol_componenttest::component_tests!(
    processor: otelcol_example_custom_processor::factory(),
    default_config: Invalid,
    config: "blocked_keys: [user.id]\nblocked_values: ['host-\\d']",
    expect: SameItems,
);
