//! The shared component contract (`otelcol-componenttest`).
otelcol_componenttest::component_tests!(
    processor: otelcol_processor_memorylimiter::factory(),
    default_config: Invalid,
    // Far above what a test process uses: data passes.
    config: "check_interval: 1s\nlimit_mib: 1000000\nspike_limit_mib: 1000",
    expect: Unchanged,
);
