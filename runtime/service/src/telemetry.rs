//! The collector's own logs (`service::telemetry::logs`), through `tracing`.
//!
//! Only the CLI installs a subscriber; an embedding program keeps its own.

use std::fs::OpenOptions;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::BoxMakeWriter;

use crate::config::model::{LogEncoding, LogsConfig};

/// Installs the global log subscriber. `RUST_LOG`, when set, overrides the level.
/// Returns an error message if the output path cannot be opened.
pub fn init_logging(cfg: &LogsConfig) -> Result<(), String> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.is_empty() => EnvFilter::try_new(v).map_err(|e| format!("RUST_LOG: {e}"))?,
        _ => EnvFilter::new(cfg.level.directive()),
    };
    let target = cfg.output_paths.first().map(String::as_str).unwrap_or("stderr");
    let (writer, ansi) = match target {
        "stderr" => (BoxMakeWriter::new(std::io::stderr), true),
        "stdout" => (BoxMakeWriter::new(std::io::stdout), true),
        path => {
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("service::telemetry::logs::output_paths: cannot open {path}: {e}"))?;
            (BoxMakeWriter::new(Mutex::new(f)), false)
        }
    };
    let ansi = ansi
        && std::env::var_os("NO_COLOR").is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(ansi);
    let result = match cfg.encoding {
        LogEncoding::Console => builder.try_init(),
        LogEncoding::Json => builder.json().flatten_event(true).try_init(),
    };
    // A subscriber may already be set (tests, reloads): keep the first one.
    let _ = result;
    if cfg.output_paths.len() > 1 {
        tracing::warn!("service::telemetry::logs::output_paths: only the first path is used");
    }
    Ok(())
}
