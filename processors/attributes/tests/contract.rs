//! The shared component contract (`otelcol-componenttest`).
otelcol_componenttest::component_tests!(
    processor: otelcol_processor_attributes::factory(),
    config: "actions:\n  - {key: tenant, value: acme, action: insert}\n  - {key: user.id, action: hash}\n  - {key: app.load, action: delete}",
    expect: SameItems,
);
