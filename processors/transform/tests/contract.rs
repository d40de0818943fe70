//! The shared component contract (`otelcol-componenttest`).
otelcol_componenttest::component_tests!(
    processor: otelcol_processor_transform::factory(),
    config: r#"
error_mode: ignore
trace_statements:
  - set(span.attributes["transformed"], true)
metric_statements:
  - context: datapoint
    statements: ['set(attributes["transformed"], true)']
log_statements:
  - set(log.attributes["transformed"], true)
"#,
    expect: SameItems,
);
