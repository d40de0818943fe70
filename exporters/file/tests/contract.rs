//! The shared component contract (`otelcol-componenttest`).
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh file under the temporary directory for each use.
fn config() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "otelcol-file-contract-{}-{}.json",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    format!("path: {}\nflush_interval: 100ms", path.display())
}

otelcol_componenttest::component_tests!(
    exporter: otelcol_exporter_file::factory(),
    default_config: Invalid,
    config: config(),
);
