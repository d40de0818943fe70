//! The shared component contract (`otelcol-componenttest`). Go refuses a
//! `hostmetrics` receiver without scrapers, so the default config is invalid.
otelcol_componenttest::component_tests!(
    receiver: otelcol_receiver_hostmetrics::factory(),
    default_config: Invalid,
    config: "collection_interval: 50ms\ninitial_delay: 0s\nscrapers: {cpu: , memory: , load: , system: }",
);
