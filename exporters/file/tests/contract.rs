//! The shared component contract (`otelcol-componenttest`).

/// A fresh file under the temporary directory for each use.
fn config() -> String {
    let path = otelcol_componenttest::unique_temp_path("otelcol-file-contract");
    format!("path: {}.json\nflush_interval: 100ms", path.display())
}

otelcol_componenttest::component_tests!(
    exporter: otelcol_exporter_file::factory(),
    default_config: Invalid,
    config: config(),
);
