//! The shared component contract (`otelcol-componenttest`).
otelcol_componenttest::component_tests!(
    processor: otelcol_processor_resource::factory(),
    default_config: Invalid,
    config: "attributes:\n  - {key: deployment.environment.name, value: contract, action: upsert}\n  - {key: host.name, action: delete}",
    expect: SameItems,
);
