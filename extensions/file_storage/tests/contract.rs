//! The shared component contract (`otelcol-componenttest`).
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh directory under the temporary directory for each use.
fn config() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "otelcol-file-storage-contract-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    format!("directory: {}\ncreate_directory: true", dir.display())
}

otelcol_componenttest::component_tests!(extension: otelcol_extension_filestorage::factory(), config: config());
