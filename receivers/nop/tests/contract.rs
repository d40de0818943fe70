//! The shared component contract (`otelcol-componenttest`).
otelcol_componenttest::component_tests!(receiver: otelcol_receiver_nop::factory(), config: "");
