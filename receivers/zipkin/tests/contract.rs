//! The shared component contract (`otelcol-componenttest`), on a loopback
//! port the system picks.
otelcol_componenttest::component_tests!(
    receiver: otelcol_receiver_zipkin::factory(),
    config: "endpoint: 127.0.0.1:0\nparse_string_tags: true",
);
