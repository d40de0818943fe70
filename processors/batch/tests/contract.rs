//! The shared component contract (`otelcol-componenttest`).
otelcol_componenttest::component_tests!(
    processor: otelcol_processor_batch::factory(),
    config: "send_batch_size: 8\ntimeout: 1s",
    expect: Unchanged,
);
