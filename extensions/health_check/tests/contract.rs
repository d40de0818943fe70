//! The shared component contract (`otelcol-componenttest`), serving on a
//! loopback port the system picks.
otelcol_componenttest::component_tests!(
    extension: otelcol_extension_healthcheck::factory(),
    config: "endpoint: 127.0.0.1:0",
);
