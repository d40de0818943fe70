//! The shared component contract (`otelcol-componenttest`).
otelcol_componenttest::component_tests!(
    processor: otelcol_processor_span::factory(),
    config: "name:\n  from_attributes: [http.request.method, http.route]\n  separator: ' '",
    expect: SameItems,
);
