//! The shared component contract (`otelcol-componenttest`).

/// A fresh directory under the temporary directory for each use.
fn config() -> String {
    let dir = otelcol_componenttest::unique_temp_path("otelcol-file-storage-contract");
    format!("directory: {}\ncreate_directory: true", dir.display())
}

otelcol_componenttest::component_tests!(extension: otelcol_extension_filestorage::factory(), config: config());
