//! The shared component contract (`otelcol-componenttest`), both protocols
//! on loopback ports the system picks.
otelcol_componenttest::component_tests!(
    receiver: otelcol_receiver_otlp::factory(),
    default_config: Invalid,
    config: "protocols:\n  grpc: {endpoint: 127.0.0.1:0}\n  http: {endpoint: 127.0.0.1:0}",
);
