//! The shared component contract (`otelcol-componenttest`).
otelcol_componenttest::component_tests!(
    receiver: otelcol_receiver_filelog::factory(),
    default_config: Invalid, // `include` is required, as in Go
    config: "include: [/nonexistent-otelcol-rs-filelog/*.log]\nstart_at: beginning",
);
