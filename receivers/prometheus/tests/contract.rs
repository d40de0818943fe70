//! The shared component contract (`otelcol-componenttest`). The default
//! config names no scrape config and is refused, as Go refuses it.
otelcol_componenttest::component_tests!(
    receiver: otelcol_receiver_prometheus::factory(),
    default_config: Invalid,
    config: "config:\n  scrape_configs:\n    - job_name: contract\n      static_configs: [{targets: ['127.0.0.1:1']}]\n",
);
