//! The shared component contract (`otelcol-componenttest`).
otelcol_componenttest::component_tests!(exporter: otelcol_exporter_nop::factory(), config: "");
