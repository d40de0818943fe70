//! The shared component contract (factory facts, lifecycle).

otelcol_componenttest::component_tests!(
    receiver: otelcol_receiver_httpcheck::factory(),
    default_config: Invalid, // Go refuses it too: "no targets configured"
    config: "targets: [{endpoint: 'http://127.0.0.1:1/'}]\ninitial_delay: 0s\ncollection_interval: 50ms",
);
