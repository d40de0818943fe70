//! The shared component contract.
otelcol_componenttest::component_tests!(connector: otelcol_connector_servicegraph::factory(), config: "");
