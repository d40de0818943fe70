//! The shared component contract (`otelcol-componenttest`).
otelcol_componenttest::component_tests!(
    processor: otelcol_processor_filter::factory(),
    config: r#"
traces:
  span: ['attributes["http.route"] == "/health"']
metrics:
  metric: ['type == METRIC_DATA_TYPE_SUMMARY']
logs:
  log_record: ['severity_number < SEVERITY_NUMBER_INFO']
"#,
    expect: AtMostSent,
);
