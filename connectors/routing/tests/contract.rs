//! The shared component contract: a catch-all route to the check's pipeline
//! (the default config has no routing table, which Go refuses too).
otelcol_componenttest::component_tests!(
    connector: otelcol_connector_routing::factory(),
    default_config: Invalid,
    config: "table: [{condition: 'true', pipelines: [\"{signal}/contract\"]}]",
);
