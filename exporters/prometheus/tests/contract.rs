//! The shared component contract (`otelcol-componenttest`), serving on a
//! loopback port the system picks.
otelcol_componenttest::component_tests!(
    exporter: otelcol_exporter_prometheus::factory(),
    config: "endpoint: 127.0.0.1:0",
);
