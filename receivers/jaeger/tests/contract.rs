//! The shared component contract (`otelcol-componenttest`), every protocol
//! on loopback ports the system picks.
otelcol_componenttest::component_tests!(
    receiver: otelcol_receiver_jaeger::factory(),
    default_config: Invalid,
    config: "protocols:\n  grpc: {endpoint: 127.0.0.1:0}\n  thrift_http: {endpoint: 127.0.0.1:0}\n  thrift_compact: {endpoint: 127.0.0.1:0}\n  thrift_binary: {endpoint: 127.0.0.1:0}",
);
